"""Request and response hardening that applies to every page (see settings.MIDDLEWARE)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse a request body over UPLOAD_MAX_REQUEST_BYTES from its Content-Length, before
    anything reads it (the CSRF check reads the whole form, files included, in process_view,
    which runs after this). DATA_UPLOAD_MAX_MEMORY_SIZE does not count files. Browsers also
    check a chosen file's size at the field (static/js/app.js) so this is rarely seen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.UPLOAD_MAX_REQUEST_BYTES
        if length > limit:
            message = _("The file is %(size)s MB; the limit is %(limit)s MB. Nothing was uploaded.") % {
                "size": f"{length / 1048576:.1f}",
                "limit": f"{settings.EVIDENCE_MAX_BYTES / 1048576:.0f}",
            }
            response = render(request, "413.html", {"message": message}, status=413)
            response["Connection"] = "close"  # the unread body is not waited for
            return response
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL character in the query string or path is never meaningful here, and PostgreSQL
    refuses it in any text it is compared with (an admin search for %00 was a 500): answer 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest(_("The address contains a character that is not allowed."))
        return self.get_response(request)


# Powerful browser features the site never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; no caching (browser, proxy, back button after
    logging out) of any page a signed-in person sees and of any download."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or response.get("Content-Disposition", "").startswith("attachment"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
