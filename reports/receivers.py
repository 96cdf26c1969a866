"""What the reports app does when lower apps tell it something (their signals)."""

from __future__ import annotations

from django.dispatch import receiver

from peerreview.signals import names_removed

from .models import SummaryReport
from .pdf_requests import request_pdf


@receiver(names_removed, dispatch_uid="reports-names-removed")
def remake_published_pdfs(sender, round_ids, **kwargs) -> None:
    """A name the published PDFs of these rounds may show was removed: render them again
    (the render replaces the old final versions and their files, reports.pdf.ensure_pdf)."""
    for report_id in SummaryReport.objects.filter(
        round_id__in=round_ids, published_at__isnull=False
    ).values_list("pk", flat=True):
        request_pdf(report_id)
