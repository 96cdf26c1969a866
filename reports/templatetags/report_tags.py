"""Report facts shown on pages of the peerreview app (which may not import reports): the round
page shows the city's open factual-check comments to those who answer them."""

from __future__ import annotations

from django import template

from ..factual import open_comments
from ..models import SummaryReport
from ..permissions import refuse_resolve_factual_comment

register = template.Library()


@register.inclusion_tag("reports/_round_factual_status.html")
def factual_check_status(access) -> dict:
    """Open comments of the city, for the lead and coordinators during the factual check."""
    if refuse_resolve_factual_comment(access):
        return {"show": False}
    report = SummaryReport.objects.filter(round=access.round).first()
    count = open_comments(report).count() if report else 0
    return {"show": True, "open_count": count, "review_round": access.round}
