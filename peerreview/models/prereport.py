"""The host city's pre-report: a self-assessment per criterion, evidence, indicators."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .framework import MATURITY_LEVELS, Criterion, Indicator
from .rounds import Round


class PreReport(models.Model):
    round = models.OneToOneField(
        Round, on_delete=models.CASCADE, related_name="prereport", verbose_name=_("round")
    )
    guiding_question_1 = models.CharField(_("guiding question 1"), max_length=500, blank=True)
    guiding_question_2 = models.CharField(_("guiding question 2"), max_length=500, blank=True)
    guiding_question_3 = models.CharField(_("guiding question 3"), max_length=500, blank=True)
    context = models.TextField(
        _("context of the city and its procurement"),
        blank=True,
        help_text=_("Spend, number of procedures, main categories, how procurement is organised."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    # The header (guiding questions, context) is one versioned unit: see services/versioning.py.
    version = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("pre-report")
        verbose_name_plural = _("pre-reports")

    def __str__(self) -> str:
        return str(_("Pre-report of %(round)s") % {"round": self.round})

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def completion(self) -> tuple[int, int]:
        """(complete answers, all answers): the editor's progress bar and the submit check."""
        answers = list(self.answers.select_related("criterion__theme"))
        return sum(1 for answer in answers if answer.is_complete()), len(answers)

    @property
    def completion_percent(self) -> int:
        done, total = self.completion()
        return round(100 * done / total) if total else 0

    def missing_items(self) -> list[str]:
        """What still blocks submission, phrased for the city."""
        missing = []
        if not self.context.strip():
            missing.append(str(_("Describe the context of the city and its procurement.")))
        for answer in self.answers.select_related("criterion__theme"):
            if not answer.is_complete():
                missing.append(
                    str(_("%(code)s %(title)s: %(what)s"))
                    % {
                        "code": answer.criterion.code,
                        "title": answer.criterion.title,
                        "what": answer.missing_part(),
                    }
                )
        return missing

    @property
    def guiding_questions(self) -> list[str]:
        return [q for q in (self.guiding_question_1, self.guiding_question_2, self.guiding_question_3) if q]


class Answer(models.Model):
    """The city's self-assessment of one criterion. Unscored criteria take a narrative only."""

    prereport = models.ForeignKey(PreReport, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")
    self_score = models.PositiveSmallIntegerField(
        _("self-score"), choices=MATURITY_LEVELS, null=True, blank=True
    )
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    not_applicable_reason = models.CharField(_("why not applicable"), max_length=300, blank=True)
    narrative = models.TextField(_("self-assessment"), blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["criterion__theme__order", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["prereport", "criterion"], name="answer_unique_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.prereport_id}/{self.criterion.code}"

    def missing_part(self) -> str:
        if not self.narrative.strip():
            return str(_("the self-assessment text is missing"))
        if self.criterion.theme.is_scored and self.not_applicable and not self.not_applicable_reason.strip():
            return str(_("give a reason for “not applicable”"))
        if self.criterion.theme.is_scored and not self.not_applicable and self.self_score is None:
            return str(_("choose a self-score"))
        return ""

    def is_complete(self) -> bool:
        """Complete means a narrative and, for a scored criterion, a level or N/A with a reason."""
        if not self.narrative.strip():
            return False
        if not self.criterion.theme.is_scored:
            return True
        if self.not_applicable:
            return bool(self.not_applicable_reason.strip())
        return self.self_score is not None


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return f"evidence/round-{instance.prereport.round_id}/{uuid.uuid4().hex}{suffix}"


class EvidenceFile(models.Model):
    prereport = models.ForeignKey(PreReport, on_delete=models.CASCADE, related_name="evidence_files")
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criterion"),
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size in bytes"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    # The one-time token of the upload form: the same upload sent twice stores one file.
    upload_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    history = HistoricalRecords(excluded_fields=["upload_token"])

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class IndicatorValue(models.Model):
    prereport = models.ForeignKey(PreReport, on_delete=models.CASCADE, related_name="indicator_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator__order", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["prereport", "indicator", "year"], name="indicator_value_unique_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"
