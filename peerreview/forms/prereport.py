"""Forms of the host city's pre-report editor: the header (guiding questions and context),
one form per answer (prefix ``c<criterion pk>``), the indicator table and the evidence upload.

Drafts need no completeness: every field may be left empty; only malformed values
(a level outside 0–4, a number that is not a number, text over its length) are errors.
"""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import MATURITY_LEVELS, Answer, Criterion, Framework, Indicator, IndicatorValue, PreReport
from ..services.prereport import EVIDENCE_SIGNATURES, IndicatorCellEdit
from ..services.versioning import SaveResult, UnitEdit, base_digests, decode_digests, digest, encode_digests
from .versioned import VersionedFormMixin

LEVEL_NOT_APPLICABLE = "na"
LEVEL_UNDECIDED = ""
ANSWER_FIELDS = ["self_score", "not_applicable", "not_applicable_reason", "narrative"]


HEADER_FIELDS = ["guiding_question_1", "guiding_question_2", "guiding_question_3", "context"]
HEADER_KEY = "header"


class PreReportHeaderForm(VersionedFormMixin, forms.ModelForm):
    """The city's guiding questions (up to three) and the context of its procurement:
    one versioned unit."""

    versioned_fields = HEADER_FIELDS

    class Meta:
        model = PreReport
        fields = HEADER_FIELDS
        # The report shows the context with the Markdown subset; the page offers its preview.
        widgets = {"context": forms.Textarea(attrs={"rows": 6, "data-markdown": ""})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_version_fields()

    def edit(self) -> UnitEdit:
        version, base = self.base()
        return UnitEdit(
            key=HEADER_KEY,
            model=PreReport,
            pk=self.instance.pk,
            base_version=version,
            base=base,
            values=self.model_values(),
        )


class AnswerForm(VersionedFormMixin, forms.ModelForm):
    """The self-assessment of one criterion. The self-score is chosen by descriptor in one
    radio group whose options are the levels 0–4, "not applicable" and "not decided yet";
    unscored criteria ("Not an island") take the narrative only."""

    level = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose a level from 0 to 4, “Not applicable”, or “Not decided yet”."),
        },
    )

    class Meta:
        model = Answer
        fields = ["not_applicable_reason", "narrative"]
        widgets = {"narrative": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, instance: Answer, **kwargs) -> None:
        if instance.not_applicable:
            initial_level = LEVEL_NOT_APPLICABLE
        elif instance.self_score is not None:
            initial_level = str(instance.self_score)
        else:
            initial_level = LEVEL_UNDECIDED
        kwargs.setdefault("initial", {})["level"] = initial_level
        super().__init__(*args, instance=instance, **kwargs)
        criterion = instance.criterion
        self.criterion = criterion
        self.versioned_fields = ANSWER_FIELDS if criterion.theme.is_scored else ["narrative"]
        self.add_version_fields()
        if criterion.theme.is_scored:
            self.fields["level"].choices = [(str(value), label) for value, label in MATURITY_LEVELS] + [
                (LEVEL_NOT_APPLICABLE, _("Not applicable")),
                (LEVEL_UNDECIDED, _("Not decided yet")),
            ]
            self.fields["level"].label = gettext("Self-score for %(code)s") % {"code": criterion.code}
            reason = self.fields["not_applicable_reason"]
            reason.label = gettext("Why %(code)s is not applicable") % {"code": criterion.code}
            reason.help_text = _("Needed only when you choose “Not applicable”.")
            self.fields["narrative"].label = gettext("Self-assessment of %(code)s") % {"code": criterion.code}
        else:
            del self.fields["level"]
            del self.fields["not_applicable_reason"]
            self.fields["narrative"].label = gettext("Your text for %(code)s") % {"code": criterion.code}

    @property
    def is_scored(self) -> bool:
        return "level" in self.fields

    def level_options(self) -> list[dict]:
        """The radio options with the criterion's descriptor for each level (prefetched)."""
        if not self.is_scored:
            return []
        bound = self["level"]
        current = "" if bound.value() is None else str(bound.value())
        descriptors = {descriptor.level: descriptor.text for descriptor in self.criterion.descriptors.all()}
        options = []
        for index, (value, label) in enumerate(self.fields["level"].choices):
            if value == LEVEL_NOT_APPLICABLE:
                description = gettext("The criterion does not apply to the city; give the reason below.")
            elif value == LEVEL_UNDECIDED:
                description = gettext("Leave the self-score open for now; it is needed before submitting.")
            else:
                description = descriptors.get(int(value), "")
            options.append(
                {
                    "value": value,
                    "label": label,
                    "description": description,
                    "id": f"{bound.auto_id}_{index}",
                    "checked": value == current,
                }
            )
        return options

    def model_values(self) -> dict:
        """The posted values as the answer's fields: the radio group sets the self-score and
        the N/A flag; "not applicable" clears the score, a level clears the reason."""
        values = {"narrative": self.cleaned_data.get("narrative", "")}
        if self.is_scored:
            level = self.cleaned_data.get("level") or LEVEL_UNDECIDED
            not_applicable = level == LEVEL_NOT_APPLICABLE
            values["not_applicable"] = not_applicable
            values["self_score"] = (
                int(level) if level not in (LEVEL_NOT_APPLICABLE, LEVEL_UNDECIDED) else None
            )
            values["not_applicable_reason"] = (
                self.cleaned_data.get("not_applicable_reason", "") if not_applicable else ""
            )
        return values

    def edit(self) -> UnitEdit:
        version, base = self.base()
        return UnitEdit(
            key=self.criterion.pk,
            model=Answer,
            pk=self.instance.pk,
            base_version=version,
            base=base,
            values=self.model_values(),
            labels={
                "self_score": gettext("Self-score for %(code)s") % {"code": self.criterion.code},
                "narrative": self.fields["narrative"].label,
            },
            together=[("self_score", "not_applicable")],
        )


class PreReportEditor:
    """The editor's main form: the header form plus one AnswerForm per answer, validated
    and saved together so that one mistake saves nothing and loses nothing."""

    def __init__(self, *, prereport: PreReport, answers: list[Answer], data=None) -> None:
        self.prereport = prereport
        self.header = PreReportHeaderForm(data, instance=prereport, prefix="prereport")
        self.answer_forms = [
            AnswerForm(data, instance=answer, prefix=f"c{answer.criterion_id}") for answer in answers
        ]
        self.forms_by_criterion = {form.criterion.pk: form for form in self.answer_forms}

    def is_valid(self) -> bool:
        results = [self.header.is_valid()] + [form.is_valid() for form in self.answer_forms]
        return all(results)

    def error_items(self) -> list[dict]:
        """For the summary at the top: where each error is, linked to its field."""
        items = []
        for name, errors in self.header.errors.items():
            bound = self.header[name]
            items.append({"anchor": bound.auto_id, "label": bound.label, "messages": errors})
        for form in self.answer_forms:
            for name, errors in form.errors.items():
                anchor = f"{form[name].auto_id}_0" if name == "level" else form[name].auto_id
                items.append({"anchor": anchor, "label": form[name].label, "messages": errors})
        return items

    def edits(self) -> list[UnitEdit]:
        """One versioned unit per answer and one for the header."""
        return [self.header.edit()] + [form.edit() for form in self.answer_forms]

    def apply(self, result: SaveResult) -> None:
        """After a save that met conflicts: every form keeps the typed text and takes the unit
        as saved now as its base (so a second save writes only what is still different)."""
        self.conflicts = result.conflicts
        forms_by_key = {HEADER_KEY: self.header, **self.forms_by_criterion}
        for key, unit in result.saved.items():
            forms_by_key[key].rebase_on(unit)
        for key, conflict in result.conflicts.items():
            forms_by_key[key].rebase_on_conflict(conflict)

    conflicts: dict = {}


# --- indicators ---------------------------------------------------------------------------


def indicator_years(today: datetime.date, saved_years: set[int]) -> list[int]:
    """The current year and the two before it, plus any year that already holds a value."""
    return sorted({today.year - 2, today.year - 1, today.year} | saved_years)


class IndicatorCellForm(forms.Form):
    """One indicator in one year: a value and its source. An empty value removes the row."""

    value = forms.DecimalField(
        required=False,
        max_digits=14,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control form-control-sm"}),
    )
    source = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    base_digests = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args, indicator: Indicator, year: int, existing: IndicatorValue | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.year = year
        self.conflict = None
        self.fields["base_version"].initial = existing.version if existing else None
        self.fields["base_digests"].initial = encode_digests(
            base_digests(existing, ["value", "source"])
            if existing
            else {"value": digest(None), "source": digest("")}
        )
        self.fields["value"].label = gettext("Value of “%(indicator)s” in %(year)s") % {
            "indicator": indicator.name,
            "year": year,
        }
        self.fields["source"].label = gettext("Source of “%(indicator)s” in %(year)s") % {
            "indicator": indicator.name,
            "year": year,
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("value") is None and "value" not in self.errors and cleaned.get("source", "").strip():
            self.add_error("value", gettext("Enter the value this source gives, or clear the source."))
        return cleaned

    def edit(self) -> IndicatorCellEdit:
        return IndicatorCellEdit(
            key=self.prefix,
            indicator_id=self.indicator.pk,
            year=self.year,
            base_version=self.cleaned_data.get("base_version"),
            base=decode_digests(self.cleaned_data.get("base_digests") or ""),
            value=self.cleaned_data["value"],
            source=self.cleaned_data["source"].strip(),
        )

    def rebase_on(self, current: IndicatorValue | None) -> None:
        data = self.data.copy()
        data[self.add_prefix("base_version")] = "" if current is None else str(current.version)
        data[self.add_prefix("base_digests")] = encode_digests(
            base_digests(current, ["value", "source"])
            if current
            else {"value": digest(None), "source": digest("")}
        )
        self.data = data

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class IndicatorTable:
    """The framework's indicators × years, one IndicatorCellForm per cell."""

    def __init__(
        self,
        *,
        prereport: PreReport,
        indicators: list[Indicator],
        years: list[int],
        saved: list[IndicatorValue],
        data=None,
    ) -> None:
        self.prereport = prereport
        self.years = years
        self.saved = {(value.indicator_id, value.year): value for value in saved}
        self.rows = []
        self.cells: list[IndicatorCellForm] = []
        for indicator in indicators:
            row = {"indicator": indicator, "cells": []}
            for year in years:
                existing = self.saved.get((indicator.pk, year))
                initial = {"value": existing.value, "source": existing.source} if existing else {}
                form = IndicatorCellForm(
                    data,
                    initial=initial,
                    indicator=indicator,
                    year=year,
                    existing=existing,
                    prefix=f"i{indicator.pk}-{year}",
                )
                row["cells"].append(form)
                self.cells.append(form)
            self.rows.append(row)

    def is_valid(self) -> bool:
        return all([form.is_valid() for form in self.cells])

    @property
    def error_count(self) -> int:
        return sum(1 for form in self.cells if form.errors)

    def edits(self) -> list[IndicatorCellEdit]:
        return [form.edit() for form in self.cells]

    @property
    def conflict_count(self) -> int:
        return sum(1 for form in self.cells if form.conflict)

    def apply(self, result: SaveResult) -> None:
        """After a save that met conflicts: typed values stay, each cell's base is what is saved now."""
        by_key = {form.prefix: form for form in self.cells}
        for key, conflict in result.conflicts.items():
            by_key[key].conflict = conflict
            by_key[key].rebase_on(conflict.current)
        for key, unit in result.saved.items():
            by_key[key].rebase_on(unit)
        for key in set(result.written) - set(result.saved):  # removed cells
            by_key[key].rebase_on(None)


# --- evidence -----------------------------------------------------------------------------


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of a short list read with one plain query. Django's iterator reads them with
    `QuerySet.iterator()`, which on PostgreSQL opens a server-side cursor (DECLARE … WITH HOLD,
    FETCH, CLOSE): for a framework's two dozen criteria, 5 ms of the editor's page instead of 1."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class CriterionChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator

    def label_from_instance(self, obj: Criterion) -> str:
        return f"{obj.code} {obj.title}"


class EvidenceUploadForm(forms.Form):
    """One evidence file, for a criterion or the pre-report as a whole. The file's type,
    size and content are checked by the service (`add_evidence`). Its fields sit inside the
    editor's form, so the browser must not require a file for "Save draft"."""

    use_required_attribute = False

    criterion = CriterionChoiceField(
        label=_("Evidence for"),
        queryset=Criterion.objects.none(),
        required=False,
        empty_label=_("The pre-report as a whole"),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=300,
        help_text=_("What the file shows, in a sentence (optional)."),
    )
    # A one-time token: the same upload sent twice (a double click) stores one file.
    token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)
    # Last, so that every other field of the editor's form comes before it in the request body:
    # a request over the size limit is read up to the file only (peerreview.middleware).
    file = forms.FileField(label=_("File"))

    def __init__(
        self, *args, framework: Framework, criteria: list[Criterion] | None = None, **kwargs
    ) -> None:
        """`criteria`: the framework's criteria in order, when the caller holds them already (the
        editor's answers): the choices are written from them, without a query. A posted choice is
        still checked against the framework's criteria."""
        super().__init__(*args, **kwargs)
        field = self.fields["criterion"]
        field.queryset = Criterion.objects.filter(theme__framework=framework).order_by(
            "theme__order", "order"
        )
        if criteria is not None:
            field.choices = [
                ("", field.empty_label),
                *((c.pk, field.label_from_instance(c)) for c in criteria),
            ]
        allowed = sorted(EVIDENCE_SIGNATURES)
        self.fields["file"].widget.attrs["accept"] = ",".join(allowed)
        # static/js/app.js refuses a too large file at the field, before it is sent.
        self.fields["file"].widget.attrs["data-max-bytes"] = str(settings.EVIDENCE_MAX_BYTES)
        self.fields["file"].widget.attrs["data-too-large"] = gettext(
            "The file is too large: the limit is %(limit)s MB. Choose a smaller file."
        ) % {"limit": f"{settings.EVIDENCE_MAX_BYTES / 1048576:.0f}"}
        self.fields["file"].help_text = gettext("Accepted: %(types)s; up to %(limit)s MB.") % {
            "types": ", ".join(suffix.lstrip(".") for suffix in allowed),
            "limit": f"{settings.EVIDENCE_MAX_BYTES / 1048576:.0f}",
        }
