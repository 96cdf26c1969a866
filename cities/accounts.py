"""Account services: invitations to set a password, password-reset e-mails, and signing a
person out of every session.

Links in e-mails are built from SETTINGS.SITE_URL (never from the request's Host header) and
carry a token from Django's token generator: a token stops working as soon as the password
changes (so each link works once) and after its time limit.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from .models import User
from .request_id import mail_headers

logger = logging.getLogger(__name__)

# Sent for the audit trail (besides Django's user_logged_in / user_login_failed and axes'
# user_locked_out). Arguments: `user`, and `actor` where someone else acted.
invitation_sent = Signal()
password_reset_requested = Signal()
logged_out_everywhere = Signal()


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Like the password-reset token (void once a password is set), with its own salt, so a
    reset token is no invitation, and its own, longer time limit (INVITATION_TIMEOUT_DAYS)."""

    key_salt = "cities.accounts.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return (self._num_seconds(self._now()) - ts) <= settings.INVITATION_TIMEOUT_DAYS * 86400


invitation_token_generator = InvitationTokenGenerator()

# kind → (token generator, URL name of the page the link opens, e-mail template stem)
LINKS = {
    "password_reset": (
        default_token_generator,
        "accounts:password_reset_confirm",
        "emails/account_password_reset",
    ),
    "invitation": (invitation_token_generator, "accounts:invitation_accept", "emails/account_invitation"),
}


def account_link(user: User, kind: str) -> str:
    """An absolute one-time link for `user` (SITE_URL + path with uid and token)."""
    generator, url_name, _stem = LINKS[kind]
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(url_name, kwargs={"uidb64": uid, "token": generator.make_token(user)})
    return settings.SITE_URL.rstrip("/") + path


def send_account_email(*, user: User, kind: str, actor: User | None = None) -> None:
    """Send an invitation or a password-reset e-mail in the person's own language."""
    _generator, _url_name, stem = LINKS[kind]
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "actor": actor,
            "link": account_link(user, kind),
            "site_url": settings.SITE_URL,
            "reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            "invitation_days": settings.INVITATION_TIMEOUT_DAYS,
        }
        subject = "".join(render_to_string(f"{stem}.subject.txt", context).splitlines())
        message = EmailMultiAlternatives(
            subject,
            render_to_string(f"{stem}.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            headers=mail_headers(),
        )
        message.attach_alternative(render_to_string(f"{stem}.html", context), "text/html")
    message.send()


def axes_username(request, credentials: dict | None = None) -> str:
    """The account a login attempt is counted against (django-axes): the e-mail address as
    typed, without case or spaces, so "Anna@City.eu " and "anna@city.eu" share one count."""
    data = credentials if credentials else getattr(request, "POST", {})
    return str(data.get("username") or data.get("email") or "").strip().lower()


def unlock(*, user: User) -> int:
    """Clear the failed logins of `user`, ending a lockout early. Returns the attempts cleared."""
    from axes.utils import reset

    return reset(username=user.email.lower())


def _enqueue(user_id: int, kind: str, actor_id: int | None = None) -> None:
    from .tasks import send_account_email_task

    transaction.on_commit(lambda: send_account_email_task.delay(user_id, kind, actor_id), robust=True)


def request_password_reset(*, email: str) -> None:
    """Queue the reset for `email`, whatever the address: the request does not even look it up.

    Known, unknown, inactive and never-activated addresses take the very same path here (one
    task enqueued after commit, no query), so neither the page nor its timing tells an attacker
    whether an address has an account; the worker decides (`send_password_reset`)."""
    from .tasks import send_password_reset_task

    address = email.strip()
    transaction.on_commit(lambda: send_password_reset_task.delay(address), robust=True)


def send_password_reset(*, email: str) -> bool:
    """In the worker: e-mail a reset link if `email` belongs to an active account with a
    password (a person still to accept their invitation has none: they use the invitation)."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    send_account_email(user=user, kind="password_reset")
    password_reset_requested.send(sender=User, user=user)
    return True


@transaction.atomic
def invite(*, user: User, actor: User | None) -> None:
    """Send `user` a link to set their own password. A person who has never set one gets an
    unusable password first, so no password a coordinator knows ever works."""
    if user.last_login is None and user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    _enqueue(user.pk, "invitation", actor.pk if actor else None)
    invitation_sent.send(sender=User, user=user, actor=actor)


@transaction.atomic
def log_out_everywhere(*, user: User) -> None:
    """End every session of `user`: a new session nonce changes the session hash that Django
    checks on each request (User.get_session_auth_hash), so every existing session is void."""
    user.session_nonce = secrets.token_hex(16)
    user.save(update_fields=["session_nonce"])
    logged_out_everywhere.send(sender=User, user=user)
