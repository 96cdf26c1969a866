"""Writing the audit trail for events that are not model saves."""

from __future__ import annotations

import logging

from django.db import models
from django.http import HttpRequest

from .models import AuditEntry

logger = logging.getLogger(__name__)

E = AuditEntry.Event
PERSONAL_DATA_MASK = "(personal data)"


def mask_personal_data(value: str) -> str:
    """django-auditlog's mask for interviewees' personal data: record that it changed, not what."""
    return PERSONAL_DATA_MASK if value else ""


def _client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    forwarded = request.headers.get("X-Forwarded-For", "")
    address = forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")
    return address or None


def record(
    *,
    event: str,
    actor=None,
    request: HttpRequest | None = None,
    round_id: int | None = None,
    instance: models.Model | None = None,
    object_repr: str = "",
    attempted_email: str = "",
    reason: str = "",
    changes: dict | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """One row of the trail. `actor` is the person who did it (None for the anonymous)."""
    from django.contrib.contenttypes.models import ContentType

    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry(
        event=event,
        actor=actor,
        actor_email=getattr(actor, "email", None) if actor is not None else None,
        round_id=round_id,
        attempted_email=(attempted_email or "")[:254],
        reason=str(reason or ""),
        path=(request.get_full_path()[:500] if request is not None else ""),
        remote_addr=_client_address(request),
        changes=changes,
        additional_data=details,
        object_repr=object_repr or (str(instance) if instance is not None else ""),
    )
    if instance is not None:
        entry.content_type = ContentType.objects.get_for_model(instance._meta.model)
        entry.object_pk = str(instance.pk)
        entry.object_id = instance.pk if isinstance(instance.pk, int) else None
    entry.save()
    return entry
