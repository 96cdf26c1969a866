"""Background work of the network app (Celery; in-process when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def render_synthesis_pdf(pdf_id: int) -> None:
    """Render a requested programme synthesis PDF (network.synthesis_pdf.render_stored)."""
    from .synthesis_pdf import render_stored

    render_stored(pdf_id)
