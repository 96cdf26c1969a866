"""Celery tasks of the cities app: thin entry points that take ids and call a service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from .accounts import send_account_email, send_password_reset
from .models import User


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=15,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def send_account_email_task(user_id: int, kind: str, actor_id: int | None = None) -> bool:
    """Build and send an invitation or password-reset e-mail. The token is made here, in the
    worker, so no link ever waits in the broker."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    send_account_email(user=user, kind=kind, actor=actor)
    return True


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=15,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def send_password_reset_task(email: str) -> bool:
    """A reset request for an address: whether it has an account is found out here, in the
    worker, never in the request (see accounts.request_password_reset)."""
    return send_password_reset(email=email)
