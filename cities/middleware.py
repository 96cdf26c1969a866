"""Middleware about the signed-in person: their language, session timeouts, the second factor."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import ngettext

from .mfa import mfa_required

LOGGED_IN_AT_KEY = "logged_in_at"
LAST_SEEN_KEY = "last_seen_at"


class UserLanguageMiddleware:
    """Activate the signed-in user's preferred language unless they just chose another."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def _signed_out_response(request: HttpRequest, message: str) -> HttpResponse:
    """Log out, say why, and keep the person's language for the login page that follows."""
    language = request.user.language
    logout(request)
    messages.info(request, message)
    response = redirect_to_login(request.get_full_path())
    if language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


class SessionTimeoutMiddleware:
    """Sign a person out after SESSION_IDLE_TIMEOUT_MINUTES without a request, and at the
    latest SESSION_MAX_AGE_HOURS after they logged in, saying why on the login page.

    The time of login is stamped when the person logs in (see `stamp_session_on_login`); the
    time of the last request is written at most once a minute, not on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(LAST_SEEN_KEY, now)
            logged_in_at = session.get(LOGGED_IN_AT_KEY, now)
            idle_minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
            if idle_minutes and now - last_seen > idle_minutes * 60:
                return _signed_out_response(
                    request,
                    ngettext(
                        "You were signed out after %(minutes)d minute without activity. Log in again to continue.",
                        "You were signed out after %(minutes)d minutes without activity. Log in again to continue.",
                        idle_minutes,
                    )
                    % {"minutes": idle_minutes},
                )
            max_hours = settings.SESSION_MAX_AGE_HOURS
            if max_hours and now - logged_in_at > max_hours * 3600:
                return _signed_out_response(
                    request,
                    ngettext(
                        "You were signed out because sessions end %(hours)d hour after logging in. Log in again to continue.",
                        "You were signed out because sessions end %(hours)d hours after logging in. Log in again to continue.",
                        max_hours,
                    )
                    % {"hours": max_hours},
                )
            if now - last_seen >= 60 or LAST_SEEN_KEY not in session:
                session[LAST_SEEN_KEY] = now
                session.setdefault(LOGGED_IN_AT_KEY, now)
        return self.get_response(request)


@receiver(user_logged_in)
def stamp_session_on_login(sender, request, user, **kwargs) -> None:
    """Start the session's clocks at login (also for the test client's force_login)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGGED_IN_AT_KEY] = now
        request.session[LAST_SEEN_KEY] = now


# Pages a signed-in person may open before the second factor: the MFA steps themselves,
# logging out, the language switch and the accessibility statement.
MFA_EXEMPT = {
    "logout",
    "accounts:mfa_verify",
    "accounts:mfa_setup",
    "cities:set_language",
    "cities:accessibility",
}


class MfaMiddleware:
    """After the password: a person with an authenticator must enter a code before anything
    else, and a person who must have MFA (coordinators, back office, see `mfa_required`) but
    has none is sent to set it up first. Decided from the user row, without a query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():
            if user.mfa_enabled:
                target = "accounts:mfa_verify"
            elif mfa_required(user):
                target = "accounts:mfa_setup"
            else:
                target = None
            if target is not None and self._view_name(request) not in MFA_EXEMPT:
                next_path = request.get_full_path()
                if request.method != "GET":  # a form posted before the code: go back to the page after
                    next_path = reverse("peerreview:dashboard")
                return redirect(f"{reverse(target)}?{urlencode({'next': next_path})}")
        return self.get_response(request)

    @staticmethod
    def _view_name(request: HttpRequest) -> str:
        try:
            return resolve(request.path_info).view_name
        except Resolver404:
            return ""
