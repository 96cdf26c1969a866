"""Forms for opening a round, moving it on and cancelling it."""

from __future__ import annotations

import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.autocomplete import AutocompleteModelChoiceField
from cities.models import City

from ..models import Framework, Round, RoundState
from ..models.rounds import DUE_DATE_FIELDS


class DateInput(forms.DateInput):
    """The browser's date picker; the value is always ISO so the picker can read it."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def check_date_order(form: forms.Form, cleaned: dict) -> None:
    """Each step is due on or after the step before it (dates left empty are skipped)."""
    previous_name, previous_date = None, None
    for name in DUE_DATE_FIELDS:
        date = cleaned.get(name)
        if date is None:
            continue
        if previous_date is not None and date < previous_date:
            form.add_error(
                name,
                _("This date must be on or after “%(previous)s” (%(date)s).")
                % {
                    "previous": form.fields[previous_name].label,
                    "date": formats.date_format(previous_date, "DATE_FORMAT"),
                },
            )
            continue
        previous_name, previous_date = name, date


class RoundDatesForm(forms.ModelForm):
    """A coordinator moves a round's due dates; the reminders follow the new dates. Each date
    carries the value the page showed (hidden `base_…`), so only the dates this person changed are
    written, and a date someone else changed meanwhile is not overwritten unseen."""

    class Meta:
        model = Round
        fields = DUE_DATE_FIELDS
        widgets = {name: DateInput() for name in DUE_DATE_FIELDS}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in DUE_DATE_FIELDS:
            self.fields[f"base_{name}"] = forms.DateField(
                required=False, widget=forms.HiddenInput, initial=getattr(self.instance, name)
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        check_date_order(self, cleaned)
        return cleaned

    def changes(self) -> dict:
        """{field: new date} for the dates this person changed."""
        data = self.cleaned_data
        return {
            name: data.get(name) for name in DUE_DATE_FIELDS if data.get(name) != data.get(f"base_{name}")
        }

    def bases(self) -> dict:
        return {name: self.cleaned_data.get(f"base_{name}") for name in DUE_DATE_FIELDS}


class RoundForm(forms.ModelForm):
    # Searched, never listed: the network may have thousands of cities (cities.autocomplete).
    host_city = AutocompleteModelChoiceField(
        queryset=City.objects.all(),
        source="cities",
        label=capfirst(Round._meta.get_field("host_city").verbose_name),
        help_text=gettext_lazy("Type part of the city's name and choose it from the suggestions."),
    )

    class Meta:
        model = Round
        fields = [
            "host_city",
            "framework",
            "title",
            "language",
            *DUE_DATE_FIELDS,
            "repeat_interval_months",
        ]
        widgets = {name: DateInput() for name in DUE_DATE_FIELDS}
        help_texts = {
            "title": gettext_lazy(
                "Leave empty to use the city's name and the year, for example “Tampere 2026”."
            ),
            "framework": gettext_lazy("The round keeps this version even if the framework changes later."),
            "language": gettext_lazy(
                "The report's headings, dates and chart are in this language, whoever reads it. "
                "The lead evaluator can change it while the report is written."
            ),
        }

    # A one-time token: the form posted twice (a double click) opens one round.
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_city"].queryset = City.objects.order_by("name", "country")
        self.fields["framework"].queryset = Framework.objects.active().order_by(
            "-created_at", "-version", "pk"
        )
        self.fields["title"].required = False
        self.fields["language"].required = False
        self.fields["language"].choices = [("", _("The host city's language")), *settings.LANGUAGES]
        self.fields["language"].initial = ""
        self.fields["repeat_interval_months"].widget.attrs.update({"min": 12, "max": 24})

        self.helper = FormHelper()
        self.helper.attrs = {"data-warn-unsaved": "", "novalidate": ""}
        self.helper.layout = Layout(
            Fieldset(_("The round"), "host_city", "framework", "title", "language"),
            Fieldset(
                _("Due dates"),
                HTML(
                    format_html(
                        '<p class="form-text">{}</p>',
                        _(
                            "Each step is due on or after the step before it. Leave a date empty when it is"
                            " not known yet; reminders go out only for dates that are set."
                        ),
                    )
                ),
                *DUE_DATE_FIELDS,
            ),
            Fieldset(_("Repeat round"), "repeat_interval_months"),
            "form_token",
            Submit("submit", _("Open the round")),
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        check_date_order(self, cleaned)
        host_city = cleaned.get("host_city")
        if not cleaned.get("language") and host_city is not None:
            cleaned["language"] = host_city.report_language
        if not cleaned.get("title") and host_city is not None:
            year = (cleaned.get("opens_on") or timezone.localdate()).year
            cleaned["title"] = f"{host_city.name} {year}"
        return cleaned


class TransitionForm(forms.Form):
    """Move a round to a next step. The view offers only the steps the process and the
    rules allow; the service checks again."""

    to_state = forms.ChoiceField(label=gettext_lazy("Next step"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=gettext_lazy("Note for the history (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, choices: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = choices if choices is not None else RoundState.choices
        if len(self.fields["to_state"].choices) == 1:
            self.fields["to_state"].initial = self.fields["to_state"].choices[0][0]


class CancelRoundForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for cancelling"),
        help_text=gettext_lazy("The host city, the panel and later readers of the history see this reason."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token


class RoundFilterForm(forms.Form):
    """The coordinator's round list: search and filters, all optional, read from the query string."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Part of the round's title or the host city's name."),
    )
    state = forms.ChoiceField(label=gettext_lazy("Step"), required=False)
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    year = forms.IntegerField(
        label=gettext_lazy("Year opened"),
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": gettext_lazy("Enter a year such as 2026.")},
    )
    overdue = forms.BooleanField(label=gettext_lazy("Only rounds with an overdue step"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from cities.models import COUNTRY_CHOICES

        self.fields["state"].choices = [("", gettext_lazy("Any step")), *RoundState.choices]
        self.fields["country"].choices = [("", gettext_lazy("Any country")), *COUNTRY_CHOICES]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = False
        self.helper.disable_csrf = True
