"""The library's search document: one entry per searchable text of a published report (its
executive summary, each finding's strengths, areas to develop and good practice, each action
proposal), with what the library filters on. Built when a report is published
(`network.index`); a published report does not change. Who may read an entry is decided at query
time by `reports.permissions.readable_condition` on copies of what decides it (the report's
publication level and round, kept in step when the city widens the level), so a search never
joins the reports: at 10,000 published rounds the entries are half a million rows."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerreview.models import Criterion, Framework, Round
from reports.models import ActionProposal, Finding, PublicationLevel, SummaryReport


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        SUMMARY = "summary", _("Executive summary")
        STRENGTHS = "strengths", _("Strengths")
        AREAS_TO_DEVELOP = "areas_to_develop", _("Areas to develop")
        GOOD_PRACTICE = "good_practice", _("Good practice")
        PROPOSAL = "proposal", _("Action proposal")

    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="search_entries")
    kind = models.CharField(_("part of the report"), max_length=20, choices=Kind.choices)
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    proposal = models.ForeignKey(
        ActionProposal, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Codes, not ids: the library filters across framework versions ("HOW.3" in each version).
    theme_code = models.CharField(_("theme"), max_length=20, blank=True, db_index=True)
    criterion_code = models.CharField(_("criterion"), max_length=20, blank=True, db_index=True)
    agreed_level = models.PositiveSmallIntegerField(_("agreed maturity level"), null=True, blank=True)
    # Copies of the report's (`network.index`): who may read it, and the country and date filters.
    round = models.ForeignKey(Round, on_delete=models.CASCADE, null=True, related_name="+")
    publication_level = models.CharField(
        max_length=10, choices=PublicationLevel.choices, default=PublicationLevel.ROUND
    )
    country = models.CharField(max_length=2, blank=True)
    published_at = models.DateTimeField(null=True)
    # PostgreSQL text-search configuration of the report's language: english, finnish, swedish or simple.
    config = models.CharField(max_length=20, default="simple")
    title = models.CharField(_("title"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    anchor = models.CharField(max_length=80)
    # Filled by `network.index` on PostgreSQL (GIN-indexed, see the migration); empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
    # The same words prefixed with the entry's bucket of ids, GIN-indexed (`network.index.BUCKET_BITS`).
    bucket_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("library entry")
        verbose_name_plural = _("library entries")
        ordering = ["report", "pk"]
        indexes = [
            # The good practice of one criterion, newest first: a page of 20 read in order (a
            # criterion's entries of every kind are tens of thousands in a large network).
            models.Index(
                fields=["kind", "criterion_code", "-published_at", "report", "id"],
                name="entry_kind_criterion_newest",
            ),
            # Every kind of one criterion, newest first: the criterion filter's page, and each
            # criterion's part of a theme's (`network.search.ThemeEntries`), read in order.
            models.Index(
                fields=["criterion_code", "-published_at", "report", "id"],
                name="entry_criterion_newest",
            ),
            # The same two filtered by a country (the library's and the good practice view's
            # theme or criterion with a country: 448 → 110 and 291 → 121 ms at EU scale, where
            # each criterion's entries were read newest first to find that country's).
            models.Index(
                fields=["country", "criterion_code", "-published_at", "report", "id"],
                name="entry_country_criterion_newest",
            ),
            models.Index(
                fields=["kind", "country", "criterion_code", "-published_at", "report", "id"],
                name="entry_kind_country_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.kind}/{self.anchor}"


class LibraryFacet(models.Model):
    """How many published reports there are per publication level, country, year and framework
    version: the library's filters offer the values of the levels a person may read from these
    few hundred rows instead of reading every readable report on each page. Kept by
    `network.index` when a report is indexed or its level widened."""

    publication_level = models.CharField(max_length=10, choices=PublicationLevel.choices)
    country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    reports = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("library facet")
        verbose_name_plural = _("library facets")
        constraints = [
            models.UniqueConstraint(
                fields=["publication_level", "country", "year", "framework"], name="library_facet_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.publication_level}/{self.country}/{self.year}/{self.framework_id}: {self.reports}"


def synthesis_pdf_path(instance: SynthesisPdf, filename: str) -> str:
    """A random name: the download view gives the reader a readable one."""
    return f"synthesis/{uuid.uuid4().hex}.{instance.format or 'pdf'}"


class SynthesisPdf(models.Model):
    """A programme synthesis rendered as a tagged PDF in the worker (`network.tasks`), for one
    choice of filters and language, from the data as it was (`key` includes
    `network.synthesis.data_stamp`): when a report is published or a follow-up recorded, the
    next ask makes a new one (`network.synthesis_pdf.request_file`). Coordinators only."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"

    key = models.CharField(max_length=64, unique=True)
    # The same pipeline makes the workbook of every table (`synthesis_exports.xlsx_file`).
    format = models.CharField(_("format"), max_length=8, choices=Format.choices, default=Format.PDF)
    filters = models.JSONField(_("filters"), default=dict)
    language = models.CharField(_("language"), max_length=8)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to=synthesis_pdf_path, max_length=300, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("programme synthesis PDF")
        verbose_name_plural = _("programme synthesis PDFs")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"synthesis {self.key[:12]} ({self.language})"

    @property
    def is_ready(self) -> bool:
        return bool(self.file) and self.rendered_at is not None


# --- the programme synthesis's tallies (network.tallies) ------------------------------------------


class TalliedRound(models.Model):
    """Which tally bucket (year and month of publication, host country, framework version) a
    published round is counted in: when the round changes bucket or stops being published, both
    buckets are counted again."""

    # DO_NOTHING: a deleted round's row is removed by `network.tallies.refresh_round` (the Round's
    # post_delete), which also counts its bucket again.
    round = models.OneToOneField(Round, on_delete=models.DO_NOTHING, primary_key=True, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    country = models.CharField(max_length=2)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("round in the synthesis tallies")
        verbose_name_plural = _("rounds in the synthesis tallies")
        indexes = [
            models.Index(fields=["year", "country", "framework", "month"], name="tallied_round_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.year}-{self.month} {self.country} {self.framework_id}"


class CriterionTally(models.Model):
    """Per bucket and criterion code: the published rounds' agreed levels (how many at each),
    the reports whose finding names an area to develop, and the NOT AN ISLAND messages. Month 0
    is the whole year (what most pages read); months 1–12 serve date ranges inside a year."""

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField(default=0)
    country = models.CharField(max_length=2)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20)
    theme_code = models.CharField(max_length=20)
    scored = models.BooleanField(default=True)
    level_0 = models.PositiveIntegerField(default=0)
    level_1 = models.PositiveIntegerField(default=0)
    level_2 = models.PositiveIntegerField(default=0)
    level_3 = models.PositiveIntegerField(default=0)
    level_4 = models.PositiveIntegerField(default=0)
    areas = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("criterion tally")
        verbose_name_plural = _("criterion tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "country", "framework", "code"], name="criterion_tally_unique_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month} {self.country} {self.framework_id} {self.code}"


class FollowUpTally(models.Model):
    """Per bucket, theme code ("" for proposals without a criterion) and follow-up status (""
    for not yet followed up): how many action proposals of the published rounds. Month 0 is the
    whole year."""

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField(default=0)
    country = models.CharField(max_length=2)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    theme_code = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, blank=True)
    proposals = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("follow-up tally")
        verbose_name_plural = _("follow-up tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "country", "framework", "theme_code", "status"],
                name="follow_up_tally_unique_bucket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month} {self.country} {self.framework_id} {self.theme_code} {self.status}"
