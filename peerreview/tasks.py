"""Celery tasks of the peerreview app enqueued by services (`transaction.on_commit`):
thin entry points that take ids and call a service. Periodic jobs are in `jobs.py`.

No task is delayed by eta or countdown; retries back off by at most `MAX_RETRY_DELAY`.
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from .services.mail import deliver_notification, deliver_session_invitation

MAX_RETRY_DELAY = 300  # seconds: nothing waits in the broker for more than five minutes


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=15,
    retry_backoff_max=MAX_RETRY_DELAY,
    retry_jitter=True,
    max_retries=6,
)
def send_notification(notification_id: int) -> bool:
    """Send one notification's e-mail; a second delivery of the same task sends nothing."""
    return deliver_notification(notification_id)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=15,
    retry_backoff_max=MAX_RETRY_DELAY,
    retry_jitter=True,
    max_retries=6,
)
def send_session_invitation(invitation_id: int) -> bool:
    """Send one interviewee's session invitation; a second delivery sends nothing."""
    return deliver_session_invitation(invitation_id)
