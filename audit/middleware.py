"""Record every refusal (HTTP 403): path, person and the reason the page gave."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .services import E, record


class ForbiddenAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            match = getattr(request, "resolver_match", None)
            round_id = match.kwargs.get("round_id") if match is not None else None
            reason = getattr(request, "_audit_forbidden_reason", "") or "Forbidden (403)"
            record(
                event=E.FORBIDDEN,
                actor=getattr(request, "user", None),
                request=request,
                round_id=int(round_id)
                if isinstance(round_id, int | str) and str(round_id).isdigit()
                else None,
                reason=reason,
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            request._audit_forbidden_reason = str(exception) or ""
        return None
