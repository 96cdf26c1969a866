"""The summary report of a round: texts by the lead evaluator, findings per criterion,
action proposals (the follow-up register) and the city's factual-check comment."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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
    # The report's own headings, labels, dates and chart are in the round's language
    # (Round.language); the texts people write may be in another one (an international panel
    # writes in English for a Finnish report): then they are tagged with it (lang= in the page,
    # /Lang in the PDF, the Word document's proofing language).
    text_language = models.CharField(
        _("language of the written texts"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty when the panel and the city write in the report's language."),
    )
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    # Bumped by every versioned save of a text section (peerreview.services.versioning).
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    # Who changed which section when (the history page of each section, restore).
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("summary report")
        verbose_name_plural = _("summary reports")
        indexes = [
            # The library's list of reports, newest first (docs/performance.md).
            models.Index(
                fields=["-published_at", "id"],
                condition=models.Q(published_at__isnull=False),
                name="report_published_newest",
            ),
            # The same, one publication level at a time: a reader's library reads each level it
            # may read apart (network.search.ReadableReports).
            models.Index(
                fields=["publication_level", "-published_at", "id"],
                condition=models.Q(published_at__isnull=False),
                name="report_level_newest",
            ),
            # The published reports joined to their rounds from the index alone: the API's
            # counts of reports and action proposals (docs/performance.md).
            models.Index(
                fields=["round", "id"],
                condition=models.Q(published_at__isnull=False),
                name="report_published_round",
            ),
        ]

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

    history = HistoricalRecords(excluded_fields=["updated_at"])

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

    history = HistoricalRecords(excluded_fields=["updated_at", "form_token"])

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
    # The round's names_changed_at when the render began: a later removal of a name makes
    # this final version out of date (reports.pdf.shows_removed_names).
    names_as_of = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("report PDF")
        verbose_name_plural = _("report PDFs")
        ordering = ["report", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="report_pdf_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version}{' (final)' if self.is_final else ''}"


class FactualComment(models.Model):
    """The city's comment on one part of the draft during the factual check. The lead or a
    coordinator answers each one and marks it resolved; the city sees the answers."""

    GENERAL = "general"
    FINDINGS = "finding"
    PROPOSALS = "action_proposals"

    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="factual_comments")
    section = models.CharField(_("part of the report"), max_length=30)
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="factual_comments"
    )
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    response = models.TextField(_("the panel's response"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("factual-check comment")
        verbose_name_plural = _("factual-check comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["report", "resolved_at"], name="factual_comment_open")]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.section}: {self.text[:40]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def section_label(self) -> str:
        """Where in the report the comment points, as the city chose it."""
        if self.finding_id is not None:
            criterion = self.finding.criterion
            return str(_("Finding: %(criterion)s") % {"criterion": f"{criterion.code} {criterion.title}"})
        if self.section == self.PROPOSALS:
            return str(_("Action proposals"))
        if self.section == self.GENERAL:
            return str(_("The report as a whole"))
        try:
            label = str(SummaryReport._meta.get_field(self.section).verbose_name)
        except Exception:
            return self.section
        return label[:1].upper() + label[1:]


class DigestItem(models.Model):
    """Something one person should hear about — a comment in a panel thread, a mention, a
    factual-check comment of the city — waiting for their next digest e-mail. One row per
    person and source (unique), so each comment reaches each person once; the digest job
    sends everything waiting in one e-mail and stamps the rows with that notification."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("New comment")
        MENTION = "mention", _("You were mentioned")
        FACTUAL = "factual", _("The city's factual-check comment")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    where = models.CharField(_("where"), max_length=300, blank=True)
    excerpt = models.TextField(_("excerpt"), blank=True)
    path = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    notification = models.ForeignKey(
        "peerreview.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("digest item")
        verbose_name_plural = _("digest items")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "source"], name="digest_item_once_per_person")
        ]
        indexes = [models.Index(fields=["notification", "recipient"], name="digest_item_waiting")]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.source}"


class PanelComment(models.Model):
    """A comment in the panel's discussion of a round: a thread per criterion, and one general
    thread (criterion empty). The panel and coordinators only; the city never sees them."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="panel_comments")
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criterion"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("comment"))
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("panel comment")
        verbose_name_plural = _("panel comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["round", "criterion", "created_at"], name="panel_comment_thread")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.criterion_id or 'general'}: {self.text[:40]}"


class Suggestion(models.Model):
    """A panel member's proposed finding text or action proposal; the lead (or a coordinator)
    accepts it into the report or declines it."""

    class Kind(models.TextChoices):
        FINDING = "finding", _("Finding")
        ACTION = "action", _("Action proposal")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criterion"),
    )
    finding_field = models.CharField(_("part of the finding"), max_length=30, blank=True)
    title = models.CharField(_("proposal"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=ActionProposal.Priority.choices,
        default=ActionProposal.Priority.MEDIUM,
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    action_proposal = models.ForeignKey(
        ActionProposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["proposed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.kind}: {self.get_status_display()}"

    @property
    def finding_field_label(self) -> str:
        if not self.finding_field:
            return ""
        label = str(Finding._meta.get_field(self.finding_field).verbose_name)
        return label[:1].upper() + label[1:]


class PdfRenderFailure(models.Model):
    """A report whose PDF could not be rendered: kept while the render fails, deleted when it
    succeeds. The periodic job `reports.jobs.retry_failed_pdfs` tries again at `next_attempt_at`
    (backing off); requests never render and never re-queue a failing render."""

    report = models.OneToOneField(SummaryReport, on_delete=models.CASCADE, related_name="pdf_failure")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    first_failed_at = models.DateTimeField(_("first failed at"))
    last_failed_at = models.DateTimeField(_("last failed at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)

    class Meta:
        verbose_name = _("failed report PDF")
        verbose_name_plural = _("failed report PDFs")
        ordering = ["-last_failed_at"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.attempts} attempts"


class PdfRenderRequest(models.Model):
    """Someone asked for the report's PDF (a download, publication) and its render is queued or
    running: while this row is younger than `reports.pdf_requests.LEASE`, asking again queues
    nothing, so several requests in a row give one render. The render deletes it when done, or,
    when someone asked again meanwhile (the render may have read the report before their change),
    queues one more render."""

    report = models.OneToOneField(
        SummaryReport, on_delete=models.CASCADE, primary_key=True, related_name="pdf_request"
    )
    requested_at = models.DateTimeField(_("requested at"))
    asked_again = models.BooleanField(_("asked again while queued"), default=False)

    class Meta:
        verbose_name = _("queued report PDF")
        verbose_name_plural = _("queued report PDFs")

    def __str__(self) -> str:
        return f"{self.report_id} since {self.requested_at:%Y-%m-%d %H:%M:%S}"


def export_file_path(instance: ExportFile, filename: str) -> str:
    """A random name: the download view gives the coordinator a readable one."""
    return f"exports/{uuid.uuid4().hex}.xlsx"


class ExportFile(models.Model):
    """An all-rounds XLSX export written by the worker (`reports.export_files`), not in a request:
    at a network's scale openpyxl takes minutes. One row per ask, in the asker's language; at most
    one pending per kind and language, so a double click makes one file. A made file is served
    for `EXPORT_FILE_MAX_AGE_MINUTES`, then the next ask makes a new one from the data as it is.
    Coordinators only."""

    class Kind(models.TextChoices):
        SCORES = "scores", _("scores")
        PROPOSALS = "proposals", _("action proposals")

    kind = models.CharField(_("export"), max_length=16, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=8)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    file = models.FileField(_("file"), upload_to=export_file_path, max_length=300, blank=True)
    rendered_at = models.DateTimeField(_("made at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("all-rounds export file")
        verbose_name_plural = _("all-rounds export files")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language"],
                condition=models.Q(rendered_at__isnull=True, error=""),
                name="export_file_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language}) {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def is_ready(self) -> bool:
        return bool(self.file) and self.rendered_at is not None

    @property
    def is_pending(self) -> bool:
        return self.rendered_at is None and not self.error
