"""Periodic jobs of the reports app, run by Celery beat (see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from .pdf_failures import due_retries
from .repeat import open_due_repeat_rounds as open_due_repeat_rounds_service
from .tasks import render_report_pdf


@shared_task
def open_due_repeat_rounds(today: str | None = None) -> list[int]:
    """Open the repeat rounds whose date has come; returns their ids."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return [review_round.pk for review_round in open_due_repeat_rounds_service(day)]


@shared_task
def send_discussion_digests() -> list[int]:
    """Send each person one e-mail with the comments and mentions waiting for them; returns
    the notification ids."""
    from .digest import send_digests

    return [notification.pk for notification in send_digests()]


@shared_task
def retry_failed_pdfs() -> list[int]:
    """Queue again the failed PDF renders whose next attempt is due (backing off)."""
    report_ids = due_retries(now=timezone.now())
    for report_id in report_ids:
        render_report_pdf.delay(report_id)
    return report_ids


@shared_task
def remove_names_from_published_pdfs() -> list[int]:
    """Queue a new render of every published report whose final PDF may show a name removed
    since it was made (reports.pdf.shows_removed_names); the render replaces the old files.
    Normally the removal itself queued it; this catches any the broker lost."""
    from .pdf import reports_showing_removed_names

    report_ids = reports_showing_removed_names()
    for report_id in report_ids:
        render_report_pdf.delay(report_id)
    return report_ids
