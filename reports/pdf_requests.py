"""Asking for the report's PDF: one render per request burst, never inside a request.

A draft's PDF is rendered only when someone asks for it (the download) and a published report's
when it is published. `request_pdf` records the request in `PdfRenderRequest` and, unless a render
is already queued, queues one after the transaction commits — on the worker, or without a broker
in a background thread of this process (`peerreview.background`). The render task deletes the
row when it is done; a row older than LEASE (the job was lost: a worker died, the broker was down)
is queued again by the next request.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
from collections.abc import Iterator

from django.db import IntegrityError, transaction
from django.utils import timezone

from peerreview import background

from .models import PdfRenderRequest

LEASE = datetime.timedelta(minutes=10)

_state = threading.local()


def request_pdf(report_id: int, *, now: datetime.datetime | None = None, changed: bool = True) -> bool:
    """Ask for a render of the report's PDF. Returns whether a render was queued (False: one is
    already queued and not yet done, or requests are suspended). `changed=False` for a download
    or a poll that only wants the PDF: a render already under way serves it, and if the report
    changed meanwhile the next download finds the PDF out of date and asks again. Only a caller
    that changed the report (publication, a name removed) makes a running render queue one more."""
    if getattr(_state, "suspended", False):
        return False
    now = now or timezone.now()
    try:
        with transaction.atomic():
            PdfRenderRequest.objects.create(report_id=report_id, requested_at=now)
    except IntegrityError:
        # Already asked for: queue again only when that request is stale (its job was lost).
        queued = PdfRenderRequest.objects.filter(report_id=report_id)
        if not queued.filter(requested_at__lt=now - LEASE).update(requested_at=now, asked_again=False):
            if not changed:
                return False
            # The queued or running render may have read the report before this change: it
            # queues one more when it ends (`done`), however many times it was asked meanwhile.
            queued.update(asked_again=True)
            return False
    transaction.on_commit(lambda: _enqueue(report_id), robust=True)
    return True


def _enqueue(report_id: int) -> None:
    from .tasks import render_report_pdf

    background.enqueue(render_report_pdf, report_id)


def is_queued(report_id: int) -> bool:
    return PdfRenderRequest.objects.filter(report_id=report_id).exists()


def done(report_id: int, *, started_at: datetime.datetime) -> None:
    """The render that started at `started_at` is over. A request made since it started (queued
    again after the lease) stays; one asked for again while it ran is queued once more, so a
    change saved during a render (a name removed from a published report) reaches the PDF."""
    with transaction.atomic():
        request = PdfRenderRequest.objects.select_for_update().filter(report_id=report_id).first()
        if request is None:
            return
        if request.asked_again:
            request.asked_again = False
            request.requested_at = timezone.now()
            request.save(update_fields=["asked_again", "requested_at"])
            transaction.on_commit(lambda: _enqueue(report_id), robust=True)
        elif request.requested_at <= started_at:
            request.delete()


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Within this block (in this thread) asking for a PDF queues nothing and records nothing:
    seeding the demo's earlier reports, whose PDFs are rendered on first download."""
    previous = getattr(_state, "suspended", False)
    _state.suspended = True
    try:
        yield
    finally:
        _state.suspended = previous
