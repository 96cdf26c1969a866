"""Request and response hardening that applies to every page (see settings.MIDDLEWARE)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _


def keeps_text_when_too_large(view):
    """Mark a view whose form sends typed text together with a file: when the request is over
    UPLOAD_MAX_REQUEST_BYTES, the view still runs, with the text fields that come before the
    first file (the form puts its file input last) and `request.upload_too_large` set to the
    claimed size; the file itself is never read. The view re-renders the form with the text."""
    view.keeps_text_when_too_large = True
    return view


class StopAtFirstFile(FileUploadHandler):
    """Upload handler for an oversized request: the multipart parser keeps the fields it has
    read and stops at the first file, leaving the rest of the body unread."""

    def new_file(self, *args, **kwargs) -> None:
        raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:  # never reached
        return None

    def file_complete(self, file_size: int) -> None:  # never reached
        return None


class RequestSizeLimitMiddleware:
    """Refuse a request body over UPLOAD_MAX_REQUEST_BYTES from its Content-Length, before
    anything reads it (the CSRF check reads the whole form, files included, in process_view,
    which runs after this). DATA_UPLOAD_MAX_MEMORY_SIZE does not count files. Browsers also
    check a chosen file's size at the field (static/js/app.js) so this is rarely seen.

    A view marked `keeps_text_when_too_large` gets the request anyway, read only up to its
    first file (`StopAtFirstFile`), so that the text typed in the same form is not lost."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.UPLOAD_MAX_REQUEST_BYTES
        if length > limit:
            if request.content_type == "multipart/form-data" and self._keeps_text(request):
                request.upload_handlers = [StopAtFirstFile(request)]
                request.upload_too_large = length
                # Never read further than the text of a form can reach, whatever comes before
                # the file (a body of garbage without a file is cut off here too).
                request._stream = LimitedStream(request._stream, text_read_limit())
                response = self.get_response(request)
                response["Connection"] = "close"  # the unread rest of the body is not waited for
                return response
            message = too_large_message(length)
            response = render(request, "413.html", {"message": message}, status=413)
            response["Connection"] = "close"  # the unread body is not waited for
            return response
        return self.get_response(request)

    @staticmethod
    def _keeps_text(request: HttpRequest) -> bool:
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return False
        return getattr(match.func, "keeps_text_when_too_large", False)


def text_read_limit() -> int:
    """How much of an oversized request is read for its text: what Django accepts as form
    fields (DATA_UPLOAD_MAX_MEMORY_SIZE) plus room for the parts' headers."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 256 * 1024


def too_large_message(length: int) -> str:
    return _("The file is %(size)s MB; the limit is %(limit)s MB. Nothing was uploaded.") % {
        "size": f"{length / 1048576:.1f}",
        "limit": f"{settings.EVIDENCE_MAX_BYTES / 1048576:.0f}",
    }


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
