"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``,
``status``, ``detail`` and, for invalid input, ``errors`` (one entry per field and message)."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

CONTENT_TYPE = "application/problem+json"
# Problem types are documented on the API's own pages; "about:blank" means "see the status".
TYPE_BASE = "/api/v1/docs/#problems-"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _("Error")


def _flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {"field", "message", "code"}."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = path if key == "non_field_errors" else (f"{path}.{key}" if path else str(key))
            items += _flatten(value, name)
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            items += _flatten(value, f"{path}[{index}]" if isinstance(value, dict | list) else path)
        return items
    return [{"field": path or None, "message": str(detail), "code": getattr(detail, "code", None)}]


def problem(status: int, detail: str, *, type_: str = "about:blank", title: str = "", **extra) -> dict:
    data = {"type": type_, "title": title or _title(status), "status": status, "detail": detail}
    data.update(extra)
    return data


def problem_response(status: int, detail: str, *, headers: dict | None = None, **extra) -> JsonResponse:
    """For code outside DRF's views (middleware, the catch-all route)."""
    response = JsonResponse(problem(status, detail, **extra), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def exception_handler(exc, context) -> Response | None:
    """DRF's handler (headers such as WWW-Authenticate and Retry-After, the rollback) with the
    body reshaped. A service's ValidationError is a 409: the request was well formed but the
    state of the data does not allow it (an invitation already answered, a round moved on)."""
    if isinstance(exc, DjangoValidationError):
        exc = _Conflict(" ".join(exc.messages))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    data = response.data
    extra: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(data)
        extra["errors"] = errors
        detail = " ".join(
            f"{error['field']}: {error['message']}" if error["field"] else error["message"]
            for error in errors
        )
    elif isinstance(data, dict) and "detail" in data:
        detail = str(data["detail"])
    else:
        detail = _title(status)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait)
    request = context.get("request")
    if status == 403 and request is not None:
        # The audit trail records every refusal with the reason the person was given.
        request._request._audit_forbidden_reason = detail
    response.data = problem(status, detail, **extra)
    response.content_type = CONTENT_TYPE
    return response


class _Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


# Exceptions a view may raise, for code that needs them by name.
NotFound = Http404
Forbidden = DjangoPermissionDenied
