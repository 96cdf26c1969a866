"""Template tags for pages of lower apps that show privacy requests (My account), so that
those apps' views need not know the audit app."""

from __future__ import annotations

from django import template

from ..erasure import pending_request
from ..models import ErasureRequest

register = template.Library()


@register.inclusion_tag("audit/_erasure_status.html")
def erasure_status(person) -> dict:
    """The person's own erasure request, if one waits, and the way to ask or withdraw."""
    return {"pending": pending_request(person)}


@register.simple_tag
def pending_erasure_count() -> int:
    return ErasureRequest.objects.filter(status=ErasureRequest.Status.PENDING).count()
