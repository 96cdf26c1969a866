"""The coordinators' all-rounds XLSX exports, made by the worker and kept as an `ExportFile`.

openpyxl writes about 2,000 rows a second: at a network's scale (a million score rows) a request
would work for minutes before sending a byte. So the request only asks (`request_export`), the
worker (Celery; without a broker, the background thread of `peerreview.background`) writes the
file into storage (`make_stored`), and the waiting page downloads it when its poll says so.

Only an explicit ask queues a job: the coordinator's export link, or the waiting page's "ask
again". The waiting page, its reload and its poll only read the latest row (`latest_export`,
`state`): a page left open, or opened again an hour later, never makes a file by itself; when the
last job failed, or the file is old or gone, it says so and offers to ask again.

Freshness is kept simple: a made file is served for `EXPORT_FILE_MAX_AGE_MINUTES` after it was
made (ten by default), so a double click or a second coordinator gets the same file at once;
after that the next ask makes a new one from the data as it is then. While one is pending for
an export and a language, asking again joins it (one pending row: a unique constraint). Older
files of the same export and language are deleted when a new one is made. The CSV variants are
streamed by the request and need none of this."""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from peerreview import background
from peerreview.models import Round

from .exports import (
    XLSX_MAX_ROWS,
    TooManyRowsForExcel,
    all_rounds,
    proposal_headers,
    proposal_rows,
    score_headers,
    score_rows,
    score_rows_at_least,
    write_xlsx,
)
from .models import ExportFile

logger = logging.getLogger(__name__)

# A job pending this long without a file is taken as lost (the worker or process restarted) and
# queued again. Long, as the scores take many minutes on a loaded machine; a second run that ends
# after the first finds the row done and discards its file.
STALE_AFTER = datetime.timedelta(minutes=60)
# A failed job is tried again by an ask (never by the waiting page or its poll) this long after it
# failed.
FAILED_RETRY_AFTER = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Table:
    """One all-rounds export: its download name, sheet title, headers and rows."""

    name: str
    title: Promise
    headers: Callable[[], list[str]]
    rows: Callable[[QuerySet[Round]], Iterator[list]]
    # A quick lower bound of the rows, when the table can be too long for one Excel sheet.
    rows_at_least: Callable[[QuerySet[Round]], int] | None = None


TABLES: dict[str, Table] = {
    ExportFile.Kind.SCORES: Table(
        "all-rounds-scores", _("Scores"), score_headers, score_rows, rows_at_least=score_rows_at_least
    ),
    ExportFile.Kind.PROPOSALS: Table(
        "all-rounds-action-proposals", _("Action proposals"), proposal_headers, proposal_rows
    ),
}


# The `error` of a job refused because the table has more rows than an Excel sheet holds
# (`exports.XLSX_MAX_ROWS`): the page then says so and offers the CSV, which has every row.
TOO_MANY_ROWS = "too-many-rows"


def max_age() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.EXPORT_FILE_MAX_AGE_MINUTES)


def latest_export(kind: str, language: str) -> ExportFile | None:
    """The export's newest row in this language, read only: what the waiting page and its poll
    report (they never ask for a file, see the module's docstring)."""
    return ExportFile.objects.filter(kind=kind, language=language).order_by("-requested_at", "-pk").first()


def state(stored: ExportFile | None) -> str:
    """What the waiting page and its poll are told: "ready" (a file within its freshness window),
    "pending", "failed", "none" (no file, an old one, or a job lost past `STALE_AFTER`) — these
    two offer to ask again — or "too-large" (more rows than Excel opens: the CSV instead)."""
    now = timezone.now()
    if stored is None:
        return "none"
    if stored.is_ready:
        return "ready" if stored.rendered_at >= now - max_age() else "none"
    if stored.error == TOO_MANY_ROWS:
        return "too-large"
    if stored.error:
        return "failed"
    return "pending" if stored.requested_at >= now - STALE_AFTER else "none"


def request_export(kind: str, *, language: str, user) -> ExportFile:
    """The export's current file if it is fresh, else its pending job; a new job (queued after
    commit) when there is neither, or when the last one failed over `FAILED_RETRY_AFTER` ago.
    Only for an explicit ask: the waiting page reads `latest_export`."""
    now = timezone.now()
    current = latest_export(kind, language)
    if current is not None:
        if current.is_ready and current.rendered_at >= now - max_age():
            return current
        if current.is_pending:
            if current.requested_at < now - STALE_AFTER:
                ExportFile.objects.filter(pk=current.pk).update(requested_at=now)
                current.requested_at = now
                _queue(current)
            return current
        if current.error and current.requested_at >= now - FAILED_RETRY_AFTER:
            return current
    try:
        with transaction.atomic():
            stored = ExportFile.objects.create(
                kind=kind, language=language, requested_by=user, requested_at=now
            )
    except IntegrityError:  # asked twice at once: one pending row, one file
        return ExportFile.objects.get(kind=kind, language=language, rendered_at__isnull=True, error="")
    _queue(stored)
    return stored


def _queue(stored: ExportFile) -> None:
    from .tasks import make_export_file

    transaction.on_commit(lambda: background.enqueue(make_export_file, stored.pk), robust=True)


def make_stored(export_id: int) -> None:
    """Write a pending export's XLSX into storage (the worker's task). No transaction or row lock
    is held while writing (minutes): the row is marked made only if it is still pending, so a
    second run of the same job keeps the first file and deletes its own. A failure is recorded."""
    stored = ExportFile.objects.filter(pk=export_id).first()
    if stored is None or not stored.is_pending:
        return
    table = TABLES[stored.kind]
    pending = ExportFile.objects.filter(pk=stored.pk, rendered_at__isnull=True, error="")
    if table.rows_at_least is not None and table.rows_at_least(all_rounds()) > XLSX_MAX_ROWS:
        pending.update(error=TOO_MANY_ROWS)  # known at once: no million rows written in vain
        return
    try:
        with tempfile.TemporaryFile() as handle:
            with translation.override(stored.language):
                rows = table.rows(all_rounds())
                write_xlsx(handle, str(table.title), table.headers(), rows, max_rows=XLSX_MAX_ROWS)
            handle.seek(0)
            stored.file.save(f"{table.name}.xlsx", File(handle), save=False)
    except TooManyRowsForExcel:
        pending.update(error=TOO_MANY_ROWS)
        return
    except Exception as error:  # recorded for the coordinator's page, not raised
        logger.exception("All-rounds export %s failed", export_id)
        pending.update(error=f"{type(error).__name__}: {error}"[:4000])
        return
    if not pending.update(file=stored.file.name, rendered_at=timezone.now()):
        stored.file.delete(save=False)  # made meanwhile by another run
        return
    older = ExportFile.objects.filter(
        kind=stored.kind, language=stored.language, requested_at__lte=stored.requested_at
    ).exclude(pk=stored.pk)
    for old in older.exclude(rendered_at__isnull=True, error=""):
        if old.file:
            old.file.delete(save=False)
        old.delete()
