"""Background work of the reports app (Celery; without a broker, `peerreview.background`)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import SummaryReport


@shared_task(ignore_result=True)
def render_report_pdf(report_id: int) -> None:
    """Render the report's PDF if it is out of date (reports.pdf.ensure_pdf). A failure is
    recorded for the retry job and the coordinators (reports.pdf_failures), not raised.
    Either way the request that queued it is done (reports.pdf_requests)."""
    from .pdf import ensure_pdf
    from .pdf_failures import clear_failure, record_failure
    from .pdf_requests import done

    started_at = timezone.now()
    report = SummaryReport.objects.filter(pk=report_id).select_related("round").first()
    if report is None:
        return  # deleted since the task was queued (its request row went with it)
    try:
        ensure_pdf(report)
    except Exception as error:
        record_failure(report, error)
    else:
        clear_failure(report)
    finally:
        done(report_id, started_at=started_at)


@shared_task(ignore_result=True)
def make_export_file(export_id: int) -> None:
    """Write a coordinator's all-rounds XLSX into storage (reports.export_files.make_stored)."""
    from .export_files import make_stored

    make_stored(export_id)
