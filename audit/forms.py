from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, ErasureRequest


class AuditFilterForm(forms.Form):
    """Filters of the coordinators' audit page; every field optional, typed text kept."""

    round = forms.IntegerField(label=_("Round number"), required=False, min_value=1)
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=254,
        help_text=_("Part of a name or e-mail address; also matches the e-mail tried in failed sign-ins."),
    )
    event = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("All events")), *AuditEntry.Event.choices]
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("round"):
            entries = entries.for_round(data["round"])
        if person := (data.get("person") or "").strip():
            from django.contrib.auth import get_user_model
            from django.contrib.contenttypes.models import ContentType

            user_type = ContentType.objects.get_for_model(get_user_model())
            entries = entries.filter(
                Q(actor_email__icontains=person)
                | Q(actor__full_name__icontains=person)
                | Q(actor__email__icontains=person)
                | Q(attempted_email__icontains=person)
                # rows about the person's account that someone else caused (MFA turned off)
                | Q(content_type=user_type, object_repr__icontains=person)
            )
        if data.get("event"):
            entries = entries.filter(event=data["event"])
        if data.get("date_from"):
            entries = entries.filter(timestamp__date__gte=data["date_from"])
        if data.get("date_to"):
            entries = entries.filter(timestamp__date__lte=data["date_to"])
        return entries


class ErasureRequestForm(forms.ModelForm):
    """The person asks to be erased: their password again (whoever sits at an open session
    cannot do it), and an optional message to the coordinators."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To confirm that it is you asking."),
    )

    class Meta:
        model = ErasureRequest
        fields = ["message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, person, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.order_fields(["password", "message"])

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.person.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class ErasureListForm(forms.Form):
    """Which requests the coordinators' list shows."""

    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Waiting for a coordinator")), ("all", _("All requests"))],
    )
