"""The token's scope, the one thing the API adds on top of the person's own rights: a read-only
token reads and nothing else. Who may see or do what is decided by peerreview.permissions and
reports.permissions, called in the views."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ApiToken


class TokenScope(BasePermission):
    message = _("This API token is read-only. Create a token with the read-and-write scope to make changes.")

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return True  # the view's own check answers 401
        token = request.auth
        return not isinstance(token, ApiToken) or token.can_write


class SignedIn(BasePermission):
    """A person, by token or session. Anonymous callers get a 401 (the token scheme's challenge)."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)
