"""The coordinators' audit page (filter per round and person, paginated) and its CSV export."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.http import require_GET

from peerreview.permissions import require

from . import csv as audit_csv
from .forms import AuditFilterForm
from .models import AuditEntry
from .permissions import refuse_view_audit

PAGE_SIZE = 50


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, object]:
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    return form, form.apply(entries)


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require(lambda: refuse_view_audit(request.user))
    form, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    require(lambda: refuse_view_audit(request.user))
    _form, entries = _filtered(request)
    response = StreamingHttpResponse(
        audit_csv.rows(entries.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response


@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """The signed-in person's data as JSON (audit.privacy); the download itself is recorded."""
    import json

    from .privacy import personal_data
    from .services import E, record

    record(event=E.PRIVACY_EXPORT, actor=request.user, request=request)
    body = json.dumps(personal_data(request.user), ensure_ascii=False, indent=1, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF failure page; the reason goes into the audit row of the 403."""
    request._audit_forbidden_reason = f"CSRF: {reason}"
    return django_csrf_failure(request, reason=reason)
