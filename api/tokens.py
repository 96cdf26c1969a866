"""Making, checking and revoking the secrets of API tokens and calendar feeds (services).

A secret is shown to its person once, when it is made; the database keeps its SHA-256 digest
and its first characters (to tell tokens apart on the page)."""

from __future__ import annotations

import datetime
import hashlib
import secrets as random_secrets  # the standard library
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, CalendarFeed
from .signals import credential_changed

TOKEN_MARK = "prt_"  # "peer review token": recognisable in a leaked file or a secret scanner
FEED_MARK = "prc_"
PREFIX_LENGTH = 10
# A person rarely needs more; a limit keeps a runaway script from filling the table.
MAX_ACTIVE_TOKENS = 20
# The last use is written at most this often, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", errors="replace")).hexdigest()


def _new_secret(mark: str) -> str:
    return mark + random_secrets.token_urlsafe(32)


@dataclass
class Issued:
    """A token or feed just made, with the secret that is shown this once."""

    obj: ApiToken | CalendarFeed
    secret: str


@transaction.atomic
def create_api_token(
    *, user, name: str, scope: str = ApiToken.Scope.READ, expires_in_days: int | None = None
) -> Issued:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name, so that you know later what it is for."))
    if scope not in ApiToken.Scope.values:
        raise ValidationError(_("Choose the token's scope: read only, or read and write."))
    # Counted under a lock on the person's row, so two requests at once cannot pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(count)d active tokens, the most one person may have. Revoke one you no longer use.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    secret = _new_secret(TOKEN_MARK)
    expires_at = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        scope=scope,
        prefix=secret[:PREFIX_LENGTH],
        digest=digest(secret),
        expires_at=expires_at,
    )
    credential_changed.send(sender=ApiToken, user=user, obj=token, change="created")
    return Issued(obj=token, secret=secret)


def revoke_api_token(*, user, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens (another's is DoesNotExist). Revoking twice keeps
    the first time."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        credential_changed.send(sender=ApiToken, user=user, obj=token, change="revoked")
    return token


def find_api_token(secret: str) -> ApiToken | None:
    """The token with this secret, revoked or not (the caller says which), with its person."""
    if not secret.startswith(TOKEN_MARK) or len(secret) > 100:
        return None
    return ApiToken.objects.select_related("user").filter(digest=digest(secret)).first()


def note_use(obj: ApiToken | CalendarFeed) -> None:
    """Stamp the last use, at most once a minute (a busy script does not write on every request)."""
    now = timezone.now()
    if obj.last_used_at is None or now - obj.last_used_at >= LAST_USED_RESOLUTION:
        type(obj).objects.filter(pk=obj.pk).update(last_used_at=now)
        obj.last_used_at = now


@transaction.atomic
def create_calendar_feed(*, user) -> Issued:
    """A new private calendar address; the person's earlier addresses stop working."""
    revoke_calendar_feeds(user=user)
    secret = _new_secret(FEED_MARK)
    feed = CalendarFeed.objects.create(user=user, prefix=secret[:PREFIX_LENGTH], digest=digest(secret))
    credential_changed.send(sender=CalendarFeed, user=user, obj=feed, change="created")
    return Issued(obj=feed, secret=secret)


def revoke_calendar_feeds(*, user) -> int:
    """Every calendar address of the person stops working."""
    feeds = list(CalendarFeed.objects.filter(user=user, revoked_at__isnull=True))
    CalendarFeed.objects.filter(pk__in=[feed.pk for feed in feeds]).update(revoked_at=timezone.now())
    for feed in feeds:
        credential_changed.send(sender=CalendarFeed, user=user, obj=feed, change="revoked")
    return len(feeds)


def find_calendar_feed(secret: str) -> CalendarFeed | None:
    """The active feed with this secret whose person may still sign in; None otherwise."""
    if not secret.startswith(FEED_MARK) or len(secret) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(digest=digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
