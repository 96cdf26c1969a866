"""The programme synthesis as a tagged PDF: the same pipeline as the report (WeasyPrint writes
PDF/A-2a, `reports.pdf_ua.finish` makes it PDF/UA-1), rendered in the worker, stored as a
`SynthesisPdf` and served by a view that checks the person is a coordinator. The same row and
pipeline make the workbook (XLSX of every table).

Both files have a waiting page that polls. Only an explicit ask queues a job (`request_file`: the
synthesis page's link, or the waiting page's "ask again"); the waiting page, its reload and its
poll only read the row (`latest_file`, `state_of`), so a page left open never makes a file by
itself: after a failure, a lost job or a change of the data it says so and offers to ask again.
`render_stored` is what the worker runs."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cities.models import COUNTRY_CHOICES
from peerreview import background
from peerreview.models import Framework
from peerreview.stats import Distribution
from reports import pdf as report_pdf

from .models import SynthesisPdf
from .synthesis import (
    FOLLOW_UP_GROUPS,
    HEAT_LEVELS,
    ISLAND_SOURCE_LABELS,
    CommonArea,
    CriteriaByCode,
    HeatmapRow,
    IslandHeading,
    SynthesisFilters,
    ThemeProgress,
    common_areas_to_develop,
    criteria_by_code,
    data_stamp,
    heatmap_rows,
    island_headings,
    island_messages,
    maturity_distribution,
    proposals_by_theme,
    published_rounds,
    rounds_page_queryset,
)
from .synthesis_exports import xlsx_file
from .tallies import synthesis_figures

logger = logging.getLogger(__name__)

# Bump when the PDF's template or pipeline changes in a way the key does not see.
LAYOUT_VERSION = "1"
# A render queued this long ago without a file is queued again (the worker lost it).
STALE_AFTER = datetime.timedelta(minutes=10)
# A failed file is made again by an ask (never by the waiting page or its poll) this long after
# it was asked for: a double click on a failing file does not queue it twice.
FAILED_RETRY_AFTER = datetime.timedelta(minutes=1)


@dataclass
class SynthesisDocument:
    """Everything the PDF prints (the page shows the same parts, a page of rounds at a time)."""

    filters: SynthesisFilters
    round_count: int
    criteria: CriteriaByCode
    distribution: dict[str, Distribution]
    heatmap: list[HeatmapRow]
    heatmap_truncated: bool
    common_areas: list[CommonArea]
    proposals: list[ThemeProgress]
    island: list[IslandHeading]
    generated_at: datetime.datetime

    @property
    def distribution_rows(self) -> list[tuple]:
        return [(column, self.distribution.get(column.code)) for column in self.criteria.scored]


def synthesis_document(filters: SynthesisFilters) -> SynthesisDocument:
    """The whole synthesis for the PDF: aggregates, the heatmap up to
    ``SYNTHESIS_PDF_HEATMAP_ROUNDS`` rounds (the exports hold every round) and every island message."""
    rounds = published_rounds(filters)
    criteria = criteria_by_code(rounds)
    figures = synthesis_figures(filters)
    distribution = maturity_distribution(figures)
    limit = settings.SYNTHESIS_PDF_HEATMAP_ROUNDS
    heatmap_rounds = list(rounds_page_queryset(rounds)[: limit + 1])
    round_count = rounds.count()
    headings = island_headings(criteria, figures.messages)
    by_heading = {heading.code: heading for heading in headings}
    for message in island_messages(rounds).iterator(chunk_size=2000):
        heading = by_heading.get(message["heading"])
        if heading is not None:
            message["source_label"] = ISLAND_SOURCE_LABELS.get(message["source"], message["source"])
            heading.messages.append(message)
    return SynthesisDocument(
        filters=filters,
        round_count=round_count,
        criteria=criteria,
        distribution=distribution,
        heatmap=heatmap_rows(heatmap_rounds[:limit], criteria.scored),
        heatmap_truncated=len(heatmap_rounds) > limit,
        common_areas=common_areas_to_develop(figures, criteria, distribution),
        proposals=proposals_by_theme(figures, criteria),
        island=headings,
        generated_at=timezone.now(),
    )


def describe_filters(filters: SynthesisFilters) -> list[tuple[str, str]]:
    """(label, value) of each filter, for the PDF's cover."""
    labels = []
    if filters.published_from or filters.published_to:
        start = date_format(filters.published_from) if filters.published_from else "…"
        end = date_format(filters.published_to) if filters.published_to else "…"
        labels.append((_("Published"), f"{start} – {end}"))
    if filters.country:
        labels.append((_("Country"), str(dict(COUNTRY_CHOICES).get(filters.country, filters.country))))
    if filters.framework_id:
        framework = Framework.objects.filter(pk=filters.framework_id).first()
        labels.append((_("Framework version"), str(framework) if framework else "–"))
    return labels


def render_html(filters: SynthesisFilters, language: str) -> str:
    with translation.override(language):
        document = synthesis_document(filters)
        return render_to_string(
            "network/synthesis_pdf.html",
            {
                "document": document,
                "language": language,
                "filter_labels": describe_filters(filters),
                "levels": HEAT_LEVELS,
                "follow_up_groups": FOLLOW_UP_GROUPS,
            },
        )


def pdf_key(filters: SynthesisFilters, language: str, stamp: str, fmt: str = SynthesisPdf.Format.PDF) -> str:
    payload = {"filters": filters.as_query(), "language": language, "stamp": stamp, "layout": LAYOUT_VERSION}
    if fmt != SynthesisPdf.Format.PDF:
        payload["format"] = fmt
    payload = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _queue(stored: SynthesisPdf) -> None:
    """After commit: the PDF as before (Celery; eager without a broker), the workbook on the
    worker or, without a broker, in the background thread (`peerreview.background`), as it
    takes long enough on a large network that no request should wait for it."""
    from .tasks import render_synthesis_pdf

    if stored.format == SynthesisPdf.Format.XLSX:
        transaction.on_commit(lambda: background.enqueue(render_synthesis_pdf, stored.pk), robust=True)
    else:
        transaction.on_commit(lambda: render_synthesis_pdf.delay(stored.pk))


def _current_key(filters: SynthesisFilters, language: str, fmt: str) -> str:
    return pdf_key(filters, language, data_stamp(published_rounds(filters)), fmt)


def latest_file(filters: SynthesisFilters, *, language: str, fmt: str) -> SynthesisPdf | None:
    """The row for these filters, the language and the data as it is now, read only: what the
    waiting page and its poll report (they never ask, see the module's docstring)."""
    return SynthesisPdf.objects.filter(key=_current_key(filters, language, fmt)).first()


def state_of(stored: SynthesisPdf | None) -> str:
    """What the waiting page and its poll are told: "ready", "pending", "failed", or "none" (no
    row for the data as it is now, or a job lost past `STALE_AFTER`): the last two offer to ask
    again."""
    if stored is None:
        return "none"
    if stored.is_ready:
        return "ready"
    if stored.error:
        return "failed"
    return "pending" if stored.requested_at >= timezone.now() - STALE_AFTER else "none"


def request_file(filters: SynthesisFilters, *, language: str, user, fmt: str) -> SynthesisPdf:
    """A coordinator's ask for the PDF or the XLSX of every table (never the waiting page's): the
    row for these filters, the language and the data as it is now, created and queued when there
    is none, queued again when its job was lost (`STALE_AFTER`) or when it failed over
    `FAILED_RETRY_AFTER` ago (a double click on a failing file does not queue it twice)."""
    key = _current_key(filters, language, fmt)
    stored = SynthesisPdf.objects.filter(key=key).first()
    if stored is None:
        try:
            with transaction.atomic():
                stored = SynthesisPdf.objects.create(
                    key=key, format=fmt, filters=filters.as_query(), language=language, requested_by=user
                )
        except IntegrityError:  # asked twice at once: one row, one render
            return SynthesisPdf.objects.get(key=key)
        _queue(stored)
        return stored
    if stored.is_ready:
        return stored
    now = timezone.now()
    if stored.error:
        due = SynthesisPdf.objects.exclude(error="").filter(requested_at__lt=now - FAILED_RETRY_AFTER)
    else:  # lost if queued long ago and never made
        due = SynthesisPdf.objects.filter(error="", rendered_at=None, requested_at__lt=now - STALE_AFTER)
    _queue_again(stored, due)
    return stored


def _queue_again(stored: SynthesisPdf, due: QuerySet[SynthesisPdf]) -> None:
    """Queue the row again if it is still `due`: the conditional update claims it for one ask, so
    two asks at once queue one job."""
    now = timezone.now()
    if due.filter(pk=stored.pk).update(error="", requested_at=now):
        stored.error, stored.requested_at = "", now
        _queue(stored)


def filters_of(stored: SynthesisPdf) -> SynthesisFilters:
    data = stored.filters or {}
    return SynthesisFilters(
        published_from=datetime.date.fromisoformat(data["published_from"])
        if data.get("published_from")
        else None,
        published_to=datetime.date.fromisoformat(data["published_to"]) if data.get("published_to") else None,
        country=data.get("country", ""),
        framework_id=int(data["framework"]) if data.get("framework") else None,
    )


def render_stored(pdf_id: int) -> None:
    """Render a requested synthesis (the worker's task). Serialised on the row: a second task
    for the same row finds it rendered and returns. A failure is recorded on the row."""
    with transaction.atomic():
        stored = SynthesisPdf.objects.select_for_update().filter(pk=pdf_id).first()
        if stored is None or stored.is_ready:
            return
        try:
            if stored.format == SynthesisPdf.Format.XLSX:
                with translation.override(stored.language):
                    data = xlsx_file(filters_of(stored)).read()
            else:
                data = report_pdf.write_pdf(render_html(filters_of(stored), stored.language))
        except Exception as error:  # recorded for the coordinator's page, not raised
            logger.exception("Programme synthesis file %s failed", pdf_id)
            stored.attempts += 1
            stored.error = f"{type(error).__name__}: {error}"[:4000]
            stored.save(update_fields=["attempts", "error"])
            return
        stored.file.save(f"synthesis-{stored.pk}.{stored.format}", ContentFile(data), save=False)
        stored.page_count = _page_count(data) if stored.format == SynthesisPdf.Format.PDF else 0
        stored.rendered_at = timezone.now()
        stored.error = ""
        stored.attempts += 1
        stored.save(update_fields=["file", "page_count", "rendered_at", "error", "attempts"])


def _page_count(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)
