"""Background work of the reports app (Celery; in-process when no broker is configured)."""

from __future__ import annotations

from celery import shared_task

from .models import SummaryReport


@shared_task(ignore_result=True)
def render_report_pdf(report_id: int) -> None:
    """Render the report's PDF if it is out of date (reports.pdf.ensure_pdf)."""
    from .pdf import ensure_pdf

    report = SummaryReport.objects.filter(pk=report_id).first()
    if report is None:
        return  # deleted since the task was queued
    ensure_pdf(report)
