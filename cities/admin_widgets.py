"""Back-office widgets that give valid HTML where Django's own do not (the Nu Html Checker, as
tests/test_html_validity.py runs it, reads the back office's forms too)."""

from __future__ import annotations

from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.forms import UserChangeForm


class PlaceholderAutocompleteSelect(AutocompleteSelect):
    """Django's searchable select, with an empty first option ("---------", as Django's plain
    select has) also when the field is required. HTML asks a required single select to begin
    with a placeholder option of empty value; Django leaves it out (a new object's select then
    has no option at all, an existing one's begins with the chosen value). Choosing it is still
    refused on saving, as a missing value."""

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        if self.is_required and not self.allow_multiple_selected:
            groups[0][1].insert(
                0, self.create_option(name, "", self.choices.field.empty_label or "", False, 0)
            )
        return groups


class PlaceholderAutocompleteMixin:
    """For a ModelAdmin or inline with `autocomplete_fields`: its foreign keys get
    `PlaceholderAutocompleteSelect` (many-to-many ones are multiple selects, valid as they are)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PlaceholderAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PasswordSummaryChangeForm(UserChangeForm):
    """Django's person form, with the password summary as a plain block: Django's widget writes
    `disabled` on a `<div>` (not allowed there) and points `aria-describedby` at a help text the
    back office prints without that id."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        password = self.fields.get("password")
        if password is not None:
            password.widget.template_name = "cities/widgets/read_only_password_hash.html"
