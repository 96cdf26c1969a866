"""Report facts that pages of other apps show (the coordinators' dashboard, the round page)
without their views importing the reports app."""

from __future__ import annotations

from django import template

from ..models import PdfRenderFailure

register = template.Library()

SHOWN = 10


@register.inclusion_tag("reports/_pdf_failures.html", takes_context=True)
def pdf_failures(context, round_id: int | None = None) -> dict:
    """Failed report PDFs for coordinators: all (the newest ten and the count), or one round's."""
    user = context.get("user")
    if not getattr(user, "is_coordinator", False):
        return {"failures": [], "total": 0}
    failures = PdfRenderFailure.objects.select_related("report__round__host_city").order_by("-last_failed_at")
    if round_id is not None:
        failures = failures.filter(report__round_id=round_id)
    shown = list(failures[:SHOWN])
    total = len(shown) if len(shown) < SHOWN else failures.count()
    return {"failures": shown, "total": total, "single_round": round_id is not None}
