"""The coordinators' audit page (filter per round and person, paginated) and its CSV export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerreview.paging import bounded_page
from peerreview.permissions import require

from . import csv as audit_csv
from . import erasure as erasure_service
from .forms import AuditFilterForm, ErasureListForm, ErasureRequestForm
from .models import AuditEntry, ErasureRequest
from .permissions import refuse_handle_erasure, refuse_view_audit

PAGE_SIZE = 50
ERASURE_PAGE_SIZE = 25


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, object]:
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    return form, form.apply(entries)


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require(lambda: refuse_view_audit(request.user))
    form, entries = _filtered(request)
    page = bounded_page(entries, PAGE_SIZE, request.GET.get("page"))
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
        audit_csv.rows(entries.iterator(chunk_size=500)), content_type="text/csv; charset=utf-8"
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


# --- erasure ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def erasure_request(request: HttpRequest) -> HttpResponse:
    """The person's own page: what erasure does and keeps, and the request (or its status)."""
    pending = erasure_service.pending_request(request.user)
    form = ErasureRequestForm(request.POST or None, person=request.user)
    if request.method == "POST" and pending is None and form.is_valid():
        try:
            erasure_service.request_erasure(
                person=request.user, message=form.cleaned_data["message"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Your request is sent. The coordinators will complete it within a month; until then you can withdraw it here."
                ),
            )
            return redirect("audit:erasure_request")
    context = {"form": form, "pending": pending, "pseudonym": erasure_service.pseudonym(request.user)}
    return render(request, "audit/erasure_request.html", context)


@require_POST
def erasure_withdraw(request: HttpRequest) -> HttpResponse:
    if erasure_service.withdraw_erasure(person=request.user, request=request):
        messages.success(request, _("Your erasure request is withdrawn. Nothing was changed."))
    return redirect("audit:erasure_request")


@require_GET
def erasure_list(request: HttpRequest) -> HttpResponse:
    """The coordinators' list of erasure requests: those waiting first, oldest first; paginated."""
    require(lambda: refuse_handle_erasure(request.user))
    form = ErasureListForm(request.GET or None)
    requests = ErasureRequest.objects.select_related("person", "completed_by")
    show_all = form.is_valid() and form.cleaned_data["status"] == "all"
    if not show_all:
        requests = requests.filter(status=ErasureRequest.Status.PENDING)
    waiting_first = Case(When(status=ErasureRequest.Status.PENDING, then=Value(0)), default=Value(1))
    requests = requests.order_by(waiting_first, "requested_at", "pk")
    page = Paginator(requests, ERASURE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/erasure_list.html", {"form": form, "page": page, "show_all": show_all})


@require_http_methods(["GET", "POST"])
def erasure_review(request: HttpRequest, request_id: int) -> HttpResponse:
    """One request: who, what completing it changes, and the button that completes it."""
    require(lambda: refuse_handle_erasure(request.user))
    erasure = get_object_or_404(
        ErasureRequest.objects.select_related("person", "completed_by"), pk=request_id
    )
    refusal = erasure_service.refuse_complete(erasure, request.user)
    if request.method == "POST":
        if refusal:
            raise PermissionDenied(refusal)
        erasure_service.complete_erasure(erasure=erasure, actor=request.user, request=request)
        messages.success(
            request,
            _("The person is erased: the account now appears as “%(pseudonym)s”.")
            % {"pseudonym": erasure_service.pseudonym(erasure.person)},
        )
        return redirect("audit:erasure_list")
    context = {
        "erasure": erasure,
        "refusal": refusal,
        "impact": erasure_service.impact_of(erasure.person) if erasure.status == "pending" else None,
        "pseudonym": erasure_service.pseudonym(erasure.person),
    }
    return render(request, "audit/erasure_review.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF failure page; the reason goes into the audit row of the 403."""
    request._audit_forbidden_reason = f"CSRF: {reason}"
    return django_csrf_failure(request, reason=reason)
