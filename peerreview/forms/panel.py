"""Forms for the panel: inviting evaluators and answering an invitation."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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

    evaluator = EvaluatorChoiceField(
        label=_("Evaluator"),
        queryset=get_user_model().objects.none(),
        help_text=_("People with an evaluator profile; their home city is shown in brackets."),
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


class InvitationResponseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the coordinator, who may invite someone else."),
    )
