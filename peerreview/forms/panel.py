"""Forms for the panel: inviting evaluators and answering an invitation."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cities.models import EvaluatorProfile, split_codes

from ..models import Assignment, Round


class EvaluatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        profile = getattr(obj, "evaluator_profile", None)
        return (
            gettext("%(name)s (%(city)s)") % {"name": obj, "city": profile.home_city.name}
            if profile
            else str(obj)
        )


class InviteForm(forms.Form):
    """The coordinator's invitation. Warnings from the conflict check must be acknowledged;
    the acknowledgement counts only for the evaluator whose warnings were shown."""

    # Chosen from the ranked suggestions (a hidden field per row): validated with one query, the
    # pool is never loaded into the page.
    evaluator = EvaluatorChoiceField(
        label=_("Evaluator"), queryset=get_user_model().objects.none(), widget=forms.HiddenInput
    )
    role = forms.ChoiceField(label=_("Role on the panel"), choices=Assignment.Role.choices, initial="member")
    due_date = forms.DateField(
        label=_("Respond by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    acknowledge_warnings = forms.BooleanField(
        label=_("I have read the warnings and invite anyway"), required=False
    )
    warned_evaluator = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, review_round: Round, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = (
            get_user_model()
            .objects.filter(evaluator_profile__isnull=False, is_active=True)
            .exclude(assignments__round=review_round)
            .select_related("evaluator_profile__home_city")
            .order_by("full_name")
        )

    @property
    def warnings_acknowledged(self) -> bool:
        """True when the box was ticked for the evaluator whose warnings were on the page."""
        data = self.cleaned_data
        evaluator = data.get("evaluator")
        return bool(
            data.get("acknowledge_warnings") and evaluator and data.get("warned_evaluator") == evaluator.pk
        )


class PanelRuleOverrideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this panel may differ from the rule"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept with the round and in the audit trail, for example: no second city has an evaluator in the language of the report."
        ),
    )


class InvitationResponseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the coordinator, who may invite someone else."),
    )


LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


class EvaluatorProfileForm(forms.ModelForm):
    """An evaluator's own profile: expertise from the framework's themes, languages, availability."""

    expertise = forms.MultipleChoiceField(
        label=_("Expertise"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The themes of the framework you know best; coordinators are shown them when they invite."
        ),
    )

    class Meta:
        model = EvaluatorProfile
        fields = [
            "expertise",
            "languages",
            "available",
            "unavailable_until",
            "max_rounds_per_year",
            "availability_note",
        ]
        widgets = {"unavailable_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, themes: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        codes = {code for code, _title in themes}
        kept = [code for code in self.instance.expertise_codes if code not in codes]
        self.fields["expertise"].choices = [*themes, *[(code, code) for code in kept]]
        self.initial["expertise"] = self.instance.expertise_codes

    def clean_expertise(self) -> str:
        return ", ".join(self.cleaned_data["expertise"])

    def clean_languages(self) -> str:
        codes = split_codes(self.cleaned_data["languages"])
        wrong = [code for code in codes if not LANGUAGE_CODE.match(code)]
        if wrong:
            raise forms.ValidationError(
                _("Write language codes such as fi, sv, en; not understood: %(codes)s")
                % {"codes": ", ".join(wrong)}
            )
        return ", ".join(codes)

    def clean_max_rounds_per_year(self) -> int:
        value = self.cleaned_data["max_rounds_per_year"]
        if not 1 <= value <= 12:
            raise forms.ValidationError(_("Between 1 and 12 panels a year."))
        return value
