"""Forms for planning the assessment days: days, sessions and their interviewees.

Creating forms carry a one-time ``token`` (a double click creates one row); editing forms carry
the version they started from (``VersionedFormMixin``), so a colleague's change is never lost.
"""

from __future__ import annotations

import uuid
from itertools import groupby

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..models import AssessmentDay, AssessmentProgramme, Criterion, Interviewee, Round, Session
from ..services.assessment import DAY_FIELDS, INTERVIEWEE_FIELDS, NOTE_FIELDS, SESSION_FIELDS, IntervieweeEdit
from .versioned import VersionedFormMixin


class TokenField(forms.UUIDField):
    """A hidden one-time token: the same submission twice is recognised and creates nothing new."""

    def __init__(self, **kwargs) -> None:
        super().__init__(widget=forms.HiddenInput, required=False, **kwargs)


class AssessmentDayForm(VersionedFormMixin, forms.ModelForm):
    versioned_fields = DAY_FIELDS
    token = TokenField()

    class Meta:
        model = AssessmentDay
        fields = ["date", "location", "notes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"notes": _("Panel notes for the day")}
        help_texts = {
            "location": _("Address or meeting room; “online” with the link for remote days."),
            "notes": _("The panel's working notes; the host city does not see them."),
        }

    def __init__(self, *args, review_round: Round, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.review_round = review_round
        if self.instance.pk:
            self.add_version_fields()
            del self.fields["token"]
        else:
            self.fields["token"].initial = uuid.uuid4()
            del self.fields["notes"]
        from ..services.assessment import date_window

        earliest, latest = date_window(review_round)
        if earliest and latest:
            self.fields["date"].help_text = _("Between %(earliest)s and %(latest)s.") % {
                "earliest": date_format(earliest, "DATE_FORMAT"),
                "latest": date_format(latest, "DATE_FORMAT"),
            }
        if earliest:
            self.fields["date"].widget.attrs["min"] = earliest.isoformat()
        if latest:
            self.fields["date"].widget.attrs["max"] = latest.isoformat()

    def _post_clean(self) -> None:
        # The service validates against the round (with the round locked); the model's own
        # validation would run without that lock and say nothing more.
        pass


class SessionForm(VersionedFormMixin, forms.ModelForm):
    versioned_fields = SESSION_FIELDS
    token = TokenField()

    class Meta:
        model = Session
        fields = ["day", "start_time", "end_time", "topic", "criteria", "notes", "share_notes_with_city"]
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "criteria": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "criteria": _("The criteria this session helps the panel assess."),
            "notes": _(
                "The panel's working notes: questions to ask beforehand, what was learned afterwards. "
                "The host city does not see them during the assessment days."
            ),
        }

    def __init__(self, *args, review_round: Round, programme_open: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.review_round = review_round
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
        day_field = self.fields["day"]
        day_field.queryset = AssessmentDay.objects.filter(round=review_round).order_by("date", "pk")
        day_field.label_from_instance = lambda day: (
            date_format(day.date, "DATE_FORMAT") + (f" · {day.location}" if day.location else "")
        )
        day_field.empty_label = None
        day_field.help_text = _("Choose another day to move the session there.")
        if self.instance.pk:
            self.add_version_fields()
            # The criteria as loaded: a save changes them only when this person did.
            self.fields["base_criteria"] = forms.CharField(
                widget=forms.HiddenInput,
                required=False,
                initial=",".join(
                    str(pk) for pk in sorted(self.instance.criteria.values_list("pk", flat=True))
                ),
            )
            del self.fields["token"]
        else:
            self.fields["token"].initial = uuid.uuid4()
        if not programme_open:
            # While the report is drafted the programme is fixed; only the notes can change.
            for name, form_field in self.fields.items():
                if name not in (*NOTE_FIELDS, "base_version", "base_digests", "base_criteria"):
                    form_field.disabled = True

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The session must end after it starts."))
        return cleaned

    def base_criteria(self) -> set[int] | None:
        """The criteria the person started from (None: an old form, counts as changed)."""
        text = self.cleaned_data.get("base_criteria")
        if text is None:
            return None
        return {int(pk) for pk in text.split(",") if pk.strip().isdigit()}

    def rebase_on(self, current, accepted=()) -> None:
        """As for the fields: the criteria as saved now become the base when the person sees
        them (a conflict on them) or chose the same; otherwise the loaded ones stay the base."""
        super().rebase_on(current, accepted=accepted)
        now = set(current.criteria.values_list("pk", flat=True))
        chosen = {criterion.pk for criterion in self.cleaned_data.get("criteria") or []}
        if "criteria" in accepted or chosen == now:
            data = self.data.copy()
            data[self.add_prefix("base_criteria")] = ",".join(str(pk) for pk in sorted(now))
            self.data = data

    def _post_clean(self) -> None:
        # Values are written by the service (only what changed, conflict-checked), not by
        # ModelForm.save(); skip copying them onto the instance here.
        pass


class IntervieweeForm(VersionedFormMixin, forms.ModelForm):
    """One interviewee row; an existing person carries the version it was loaded with."""

    versioned_fields = list(INTERVIEWEE_FIELDS)

    class Meta:
        model = Interviewee
        fields = list(INTERVIEWEE_FIELDS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.add_version_fields()

    def edit(self, *, number: int, delete: bool) -> IntervieweeEdit:
        """What the service saves for this row (``number``: its place on the form, for messages)."""
        version, base = self.base() if self.instance.pk else (-1, {})
        role = self.cleaned_data.get("role") or self.instance.role
        return IntervieweeEdit(
            pk=self.instance.pk,
            values=self.model_values(),
            base_version=version,
            base=base,
            delete=delete,
            label=str(
                _("Interviewee %(number)d (%(role)s)")
                % {"number": number, "role": dict(Interviewee.Role.choices).get(role, role)}
            ),
        )

    def _post_clean(self) -> None:
        # Written by the service (only what changed, conflict-checked), not by ModelForm.save().
        pass


def interviewee_edits(formset) -> list[IntervieweeEdit]:
    """The rows of a valid interviewee formset for ``services.assessment.save_interviewees``:
    every existing person (changed or not, removed or not) and every new row filled in."""
    deleted = set(map(id, formset.deleted_forms))
    edits = []
    for number, form in enumerate(formset.forms, start=1):
        if form.instance.pk is None and (not form.has_changed() or id(form) in deleted):
            continue
        edits.append(form.edit(number=number, delete=id(form) in deleted))
    return edits


IntervieweeFormSet = forms.inlineformset_factory(
    Session,
    Interviewee,
    form=IntervieweeForm,
    extra=3,
    can_delete=True,
)


class ProgrammeSettingsForm(forms.ModelForm):
    class Meta:
        model = AssessmentProgramme
        fields = ["max_days"]
        widgets = {"max_days": forms.NumberInput(attrs={"min": 1, "max": 10})}
