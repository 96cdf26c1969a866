"""The summary report of a round: texts by the lead evaluator, findings per criterion,
action proposals (the follow-up register) and the city's factual-check comment."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerreview.models import Criterion, Round, RoundState


class PublicationLevel(models.TextChoices):
    """Who may read a published report, from the narrowest to the widest."""

    ROUND = "round", _("The round's participants")
    NETWORK = "network", _("The whole network")
    PUBLIC = "public", _("The public")

    @classmethod
    def rank(cls, level: str) -> int:
        return list(cls.values).index(level)


class SummaryReport(models.Model):
    # The panel writes from the assessment days on, and may still correct the draft while
    # the city checks it for factual errors.
    EDITABLE_STATES = (RoundState.ASSESSMENT, RoundState.DRAFTING, RoundState.FACTUAL_CHECK)

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="summary_report")
    executive_summary = models.TextField(_("executive summary"), blank=True)
    key_strengths = models.TextField(_("key strengths"), blank=True)
    purpose_and_scope = models.TextField(_("purpose and scope"), blank=True)
    process_notes = models.TextField(_("process and conflict statement"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    factual_comment = models.TextField(
        _("the city's factual-check comment"),
        blank=True,
        help_text=_("Factual errors the city found in the draft, for the panel to correct."),
    )
    factual_comment_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    factual_comment_at = models.DateTimeField(_("commented at"), null=True, blank=True)
    city_response = models.TextField(_("the city's response"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Chosen by the host city (from the factual check on); once published it can only be widened.
    publication_level = models.CharField(
        _("who may read the published report"),
        max_length=10,
        choices=PublicationLevel.choices,
        default=PublicationLevel.ROUND,
    )
    publication_level_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    publication_level_set_at = models.DateTimeField(_("readership chosen at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    # Bumped by every versioned save of a text section (peerreview.services.versioning).
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        verbose_name = _("summary report")
        verbose_name_plural = _("summary reports")

    def __str__(self) -> str:
        return str(_("Summary report: %(round)s") % {"round": self.round})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Finding(models.Model):
    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="findings")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    evidence = models.TextField(_("evidence seen"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    areas_to_develop = models.TextField(_("areas to develop"), blank=True)
    good_practice = models.TextField(_("good practice"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_at = models.DateTimeField(_("last saved"), null=True, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["criterion__theme__order", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "criterion"], name="finding_unique_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.criterion.code}"

    def is_empty(self) -> bool:
        return not any((self.evidence, self.strengths, self.areas_to_develop, self.good_practice))


class ActionProposal(models.Model):
    """A recommendation to the city; in the repeat round it becomes a follow-up item."""

    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="action_proposals")
    number = models.PositiveSmallIntegerField(_("number"))
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criterion"),
    )
    title = models.CharField(_("proposal"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    timeframe = models.CharField(_("timeframe"), max_length=100, blank=True)
    success_indicator = models.CharField(_("success indicator"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    # The one-time token of the form that created it: a form posted twice creates one proposal.
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("action proposal")
        verbose_name_plural = _("action proposals")
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="action_unique_number")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"AP-{self.number}"


class ActionProgress(models.Model):
    """The host city's progress, reported in a repeat round, on an action proposal of the
    previous round's report. Created for every earlier proposal when the repeat round opens."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        IMPLEMENTED = "implemented", _("Implemented")
        DROPPED = "dropped", _("Dropped")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="action_progress", verbose_name=_("repeat round")
    )
    proposal = models.ForeignKey(
        ActionProposal, on_delete=models.PROTECT, related_name="progress", verbose_name=_("action proposal")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    evidence = models.TextField(
        _("evidence of progress"), blank=True, help_text=_("What was done, with links or documents.")
    )
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("progress on an action proposal")
        verbose_name_plural = _("progress on action proposals")
        ordering = ["round", "proposal__number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "proposal"], name="action_progress_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.proposal.reference}: {self.get_status_display()}"


def report_pdf_path(instance: ReportPdf, filename: str) -> str:
    """A random name: nothing in it (round, version, draft or final) can be guessed; the
    download view gives the reader a readable name."""
    return f"reports/{uuid.uuid4().hex}.pdf"


class ReportPdf(models.Model):
    """A rendered PDF of a report. Drafts are re-rendered when their content changes
    (`sha256` of the rendered HTML, which includes the template); a published report's PDF is
    final: rendered once, never overwritten (a new version only if its file is lost)."""

    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="pdfs")
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=report_pdf_path, max_length=300)
    sha256 = models.CharField(_("content hash"), max_length=64)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    rendered_at = models.DateTimeField(_("rendered at"), auto_now_add=True)
    is_final = models.BooleanField(_("final (published)"), default=False)

    class Meta:
        verbose_name = _("report PDF")
        verbose_name_plural = _("report PDFs")
        ordering = ["report", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="report_pdf_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version}{' (final)' if self.is_final else ''}"
