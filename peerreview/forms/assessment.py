"""Forms for planning the assessment days: days, sessions and their interviewees."""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AssessmentDay, Criterion, Interviewee, Round, Session


class AssessmentDayForm(forms.ModelForm):
    class Meta:
        model = AssessmentDay
        fields = ["date", "location"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {"location": _("Address or meeting room; “online” with the link for remote days.")}


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["start_time", "end_time", "topic", "criteria", "notes"]
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "criteria": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "criteria": _("The criteria this session helps the panel assess."),
            "notes": _("Questions to ask beforehand; what was learned afterwards."),
        }

    def __init__(self, *args, review_round: Round, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        criteria = list(
            Criterion.objects.filter(theme__framework_id=review_round.framework_id)
            .select_related("theme")
            .order_by("theme__order", "order")
        )
        field = self.fields["criteria"]
        field.queryset = Criterion.objects.filter(theme__framework_id=review_round.framework_id)
        # Grouped by theme for display; the queryset above still decides what is valid.
        field.widget.choices = [
            (
                f"{theme.code} – {theme.title}",
                [(criterion.pk, f"{criterion.code} {criterion.title}") for criterion in group],
            )
            for theme, group in groupby(criteria, key=lambda criterion: criterion.theme)
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The session must end after it starts."))
        return cleaned


class IntervieweeForm(forms.ModelForm):
    class Meta:
        model = Interviewee
        fields = ["role", "name", "organisation", "email", "consent_to_name"]


IntervieweeFormSet = forms.inlineformset_factory(
    Session,
    Interviewee,
    form=IntervieweeForm,
    extra=3,
    can_delete=True,
)
