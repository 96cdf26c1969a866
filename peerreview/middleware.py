"""Request and response hardening that applies to every page (see settings.MIDDLEWARE)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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
