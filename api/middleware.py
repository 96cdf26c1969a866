"""Under /api/, an error that did not come from an API view (Django's 404 for an unknown
address, a 400 or 413 from the request checks, a 500) is still RFC 9457 problem details."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .problems import CONTENT_TYPE, problem_response

API_PREFIX = "/api/"


def _detail(status: int) -> str:
    if status == 404:
        return _("There is nothing at this address. The API's paths are listed at /api/v1/schema/.")
    if status == 413:
        return _("The request body is too large.")
    if status >= 500:
        return _("Something went wrong on our side. The error was logged; try again later.")
    return _("The request could not be handled.")


class ProblemDetailsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(CONTENT_TYPE)
            and not request.path.startswith(f"{API_PREFIX}v1/docs")
        ):
            headers = {
                name: response[name]
                for name in ("Retry-After", "WWW-Authenticate", "Allow")
                if name in response
            }
            return problem_response(response.status_code, _detail(response.status_code), headers=headers)
        return response
