"""The request id (django-guid, header X-Request-ID) beyond the logs: e-mails sent while
handling a request, or by a task it enqueued, carry it, so a bounce or a complaint about one
e-mail leads to the log lines of the request that caused it."""

from __future__ import annotations

from django_guid import get_guid


def mail_headers() -> dict[str, str]:
    """Headers to add to an outgoing e-mail: X-Request-ID when there is a current request id."""
    request_id = get_guid()
    return {"X-Request-ID": request_id} if request_id else {}
