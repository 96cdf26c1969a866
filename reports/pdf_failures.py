"""Renders that fail: recorded (attempts, last error, next attempt), retried with backoff by a
periodic job in the worker, shown to coordinators, who are told by e-mail at the first failure."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from peerreview.models import Notification
from peerreview.services.notifications import coordinators, notify

from .models import PdfRenderFailure, SummaryReport

logger = logging.getLogger(__name__)

# While a retry is queued, the job does not queue it again for this long.
LEASE = datetime.timedelta(minutes=10)


def backoff(attempts: int) -> datetime.timedelta:
    """5, 10, 20, 40 … minutes after the 1st, 2nd, 3rd … failure, at most PDF_RETRY_MAX_MINUTES."""
    minutes = settings.PDF_RETRY_FIRST_MINUTES * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(minutes=min(minutes, settings.PDF_RETRY_MAX_MINUTES))


def record_failure(
    report: SummaryReport, error: BaseException, *, now: datetime.datetime | None = None
) -> PdfRenderFailure:
    now = now or timezone.now()
    with transaction.atomic():
        failure, created = PdfRenderFailure.objects.select_for_update().get_or_create(
            report=report,
            defaults={"first_failed_at": now, "last_failed_at": now, "next_attempt_at": now},
        )
        failure.attempts += 1
        failure.last_error = f"{type(error).__name__}: {error}"[:4000]
        failure.last_failed_at = now
        failure.next_attempt_at = now + backoff(failure.attempts)
        failure.save()
        if created:
            review_round = report.round
            notify(
                kind=Notification.Kind.PDF_FAILED,
                recipients=coordinators(),
                review_round=review_round,
                event_key=f"report-{report.pk}-{now:%Y%m%d%H%M%S%f}",
                context={"path": reverse("reports:report_view", args=[review_round.pk])},
            )
    logger.error("PDF of report %s failed (attempt %d): %s", report.pk, failure.attempts, failure.last_error)
    return failure


def clear_failure(report: SummaryReport) -> None:
    if PdfRenderFailure.objects.filter(report=report).delete()[0]:
        logger.info("PDF of report %s rendered after earlier failures", report.pk)


def due_retries(*, now: datetime.datetime) -> list[int]:
    """Report ids whose failed render is due again; each is leased so the next run skips it."""
    due = []
    for failure_id, report_id in PdfRenderFailure.objects.filter(next_attempt_at__lte=now).values_list(
        "pk", "report_id"
    ):
        leased = PdfRenderFailure.objects.filter(pk=failure_id, next_attempt_at__lte=now).update(
            next_attempt_at=now + LEASE
        )
        if leased:
            due.append(report_id)
    return due
