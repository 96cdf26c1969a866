"""Background work of the reports app (Celery; in-process when no broker is configured)."""

from __future__ import annotations

from celery import shared_task

from .models import SummaryReport


@shared_task(ignore_result=True)
def render_report_pdf(report_id: int) -> None:
    """Render the report's PDF if it is out of date (reports.pdf.ensure_pdf). A failure is
    recorded for the retry job and the coordinators (reports.pdf_failures), not raised."""
    from .pdf import ensure_pdf
    from .pdf_failures import clear_failure, record_failure

    report = SummaryReport.objects.filter(pk=report_id).select_related("round").first()
    if report is None:
        return  # deleted since the task was queued
    try:
        ensure_pdf(report)
    except Exception as error:
        record_failure(report, error)
        return
    clear_failure(report)
