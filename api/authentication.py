"""Who calls the API: a personal token (``Authorization: Bearer prt_…``) or the browser's
session (the documentation page). Both act with the person's own rights."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from . import tokens

KEYWORDS = (b"bearer", b"token")


class ApiTokenAuthentication(BaseAuthentication):
    """A personal API token. An unknown, revoked or expired token is a 401 that says which,
    never an anonymous request that would quietly see only public data."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("The Authorization header is malformed: send “Authorization: Bearer <token>”.")
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            secret = ""
        token = tokens.find_api_token(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _(
                    "This API token is not valid. Check that it was copied whole, or create a new one on My account."
                )
            )
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("This API token was revoked on %(date)s. Create a new one on My account.")
                % {"date": formats.date_format(timezone.localtime(token.revoked_at), "DATE_FORMAT")}
            )
        if token.has_expired(now):
            raise exceptions.AuthenticationFailed(
                _("This API token expired on %(date)s. Create a new one on My account.")
                % {"date": formats.date_format(timezone.localtime(token.expires_at), "DATE_FORMAT")}
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account this API token belongs to is deactivated."))
        tokens.note_use(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
