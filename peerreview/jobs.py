"""Periodic jobs of the peerreview app, run by Celery beat (schedule: CELERY_BEAT_SCHEDULE
in settings, installed into django-celery-beat's tables by its DatabaseScheduler)."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from .services.evaluator_load import refresh_expired_loads
from .services.notifications import (
    requeue_pending_invitations,
    requeue_pending_notifications,
    retry_stuck_invitations,
    retry_stuck_notifications,
)
from .services.reminders import send_due_reminders, send_invitation_reminders
from .services.retention import anonymise_interviewees


@shared_task
def send_reminders(today: str | None = None) -> int:
    """Send the reminders due today (and any missed while beat was down), each once."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return len(send_due_reminders(day)) + len(send_invitation_reminders(day))


@shared_task
def anonymise_old_interviewees() -> int:
    return anonymise_interviewees(now=timezone.now())


@shared_task
def retry_stuck_sends() -> list[int]:
    """Send once more the notifications a crashed worker left in "sending", and enqueue again
    those still "pending" because the broker was down when they were made — interviewees'
    session invitations too. Returns the notifications' ids (the invitations' are logged)."""
    now = timezone.now()
    requeue_pending_invitations(now=now)
    retry_stuck_invitations(now=now)
    return retry_stuck_notifications(now=now) + requeue_pending_notifications(now=now)


@shared_task
def count_expired_evaluator_loads() -> int:
    """Count again the evaluators' loads a window has moved past, so that the panel page finds
    none or a few to count before it ranks."""
    return refresh_expired_loads(timezone.now())


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Proof for /readyz that beat schedules and a worker runs tasks (peerreview.health)."""
    from .health import record_heartbeat

    record_heartbeat()
