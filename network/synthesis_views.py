"""The programme synthesis for coordinators: the page, its NOT AN ISLAND messages, the tagged
PDF and the XLSX of every table (made in the worker, behind a waiting page that polls) and the
streamed CSVs. Every view here is the
coordinators' only: anyone else gets a 403 that says so."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from peerreview.downloads import attachment, safe_filename
from peerreview.models import Framework, Round
from peerreview.paging import bounded_page

from .forms import SynthesisFilterForm
from .models import SynthesisPdf, TalliedRound
from .synthesis import (
    FOLLOW_UP_GROUPS,
    HEAT_LEVELS,
    ISLAND_SOURCE_LABELS,
    SynthesisFilters,
    common_areas_to_develop,
    criteria_by_code,
    heatmap_rows,
    island_headings,
    island_messages,
    island_rounds,
    maturity_distribution,
    proposals_by_theme,
    published_rounds,
    rounds_page_queryset,
)
from .synthesis_exports import TABLES, csv_lines
from .synthesis_pdf import latest_file, request_file, state_of
from .tallies import synthesis_figures

ROUNDS_PER_PAGE = 25
# Reviews per page of NOT AN ISLAND messages (each with up to four messages under a heading).
ISLAND_ROUNDS_PER_PAGE = 10
PDF_RETRY_SECONDS = 10


def _require_coordinator(request: HttpRequest) -> None:
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only coordinators see the programme synthesis."))


def _filter_form(request: HttpRequest) -> tuple[SynthesisFilterForm, SynthesisFilters]:
    # The choices from the tallies' rounds (published, with a published report): one narrow table.
    tallied = TalliedRound.objects.order_by()
    countries = sorted(tallied.values_list("country", flat=True).distinct())
    frameworks = list(
        Framework.objects.filter(pk__in=tallied.values("framework_id")).order_by("slug", "-version")
    )
    data = (
        request.GET
        if any(name in request.GET for name in ("published_from", "published_to", "country", "framework"))
        else None
    )
    form = SynthesisFilterForm(data, countries=countries, frameworks=frameworks)
    return form, SynthesisFilters.from_cleaned(form.filters())


def _query(filters: SynthesisFilters, **extra: str) -> str:
    return urlencode({**filters.as_query(), **extra})


@require_GET
def synthesis(request: HttpRequest) -> HttpResponse:
    _require_coordinator(request)
    form, filters = _filter_form(request)
    rounds = published_rounds(filters)
    criteria = criteria_by_code(rounds)
    page = Paginator(rounds_page_queryset(rounds), ROUNDS_PER_PAGE).get_page(request.GET.get("page"))
    figures = synthesis_figures(filters)
    distribution = maturity_distribution(figures)
    return render(
        request,
        "network/synthesis.html",
        {
            "form": form,
            "filters": filters,
            "filter_query": _query(filters),
            "page": page,
            "criteria": criteria,
            "heatmap": heatmap_rows(page.object_list, criteria.scored),
            "distribution_rows": [(column, distribution.get(column.code)) for column in criteria.scored],
            "common_areas": common_areas_to_develop(figures, criteria, distribution),
            "proposals": proposals_by_theme(figures, criteria),
            "follow_up_groups": FOLLOW_UP_GROUPS,
            "levels": HEAT_LEVELS,
            "island": island_headings(criteria, figures.messages),
            "tables": TABLES.values(),
        },
    )


@require_GET
def synthesis_messages(request: HttpRequest) -> HttpResponse:
    """Every NOT AN ISLAND message under one heading, a page at a time."""
    _require_coordinator(request)
    form, filters = _filter_form(request)
    rounds = published_rounds(filters)
    criteria = criteria_by_code(rounds)
    headings = island_headings(criteria, synthesis_figures(filters).messages)
    if not headings:
        current = None
        page = Paginator([], ISLAND_ROUNDS_PER_PAGE).get_page(1)
        messages_of_page = []
    else:
        codes = [heading.code for heading in headings]
        code = request.GET.get("heading") if request.GET.get("heading") in codes else codes[0]
        current = next(heading for heading in headings if heading.code == code)
        # A page of the rounds with messages under the heading, then those rounds' messages: never
        # a sort of every message of the network. The count of rounds stops at 1,000.
        page = bounded_page(
            island_rounds(rounds, code).values_list("pk", flat=True),
            ISLAND_ROUNDS_PER_PAGE,
            request.GET.get("page"),
        )
        messages_of_page = list(
            island_messages(Round.objects.filter(pk__in=list(page.object_list)), heading=code)
        )
        for message in messages_of_page:
            message["source_label"] = ISLAND_SOURCE_LABELS.get(message["source"], message["source"])
    return render(
        request,
        "network/synthesis_messages.html",
        {
            "form": form,
            "filters": filters,
            "filter_query": _query(filters),
            "headings": headings,
            "current": current,
            "page": page,
            "page_messages": messages_of_page,
        },
    )


@require_GET
def synthesis_pdf(request: HttpRequest) -> HttpResponse:
    """The synthesis as a tagged PDF, made by the worker (never in a request): see `_stored_file`."""
    _require_coordinator(request)
    _form, filters = _filter_form(request)
    return _stored_file(request, filters, SynthesisPdf.Format.PDF, "network/synthesis_pdf_pending.html")


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_TYPES = {SynthesisPdf.Format.PDF: "application/pdf", SynthesisPdf.Format.XLSX: EXPORT_TYPES["xlsx"]}


def _url(path: str, filters: SynthesisFilters, **extra: str) -> str:
    query = _query(filters, **extra)
    return f"{path}?{query}" if query else path


def _stored_file(
    request: HttpRequest, filters: SynthesisFilters, fmt: str, template: str, **ask: str
) -> HttpResponse:
    """The PDF or the XLSX of every table, made by the worker (it takes long on a large network).
    The link asks for it (`synthesis_pdf.request_file`), then redirects to the waiting page
    (``wait=1``) unless the file is there; that page, its reload and its poll (``status=1``, JSON)
    only read the row (`latest_file`, `state_of`): the file when ready, else the wait, or a failure
    or no file (a lost job, or the data changed) with a button to ask again. ``ask`` is the query
    that names the file beside the filters."""
    language = get_language() or "en"
    waiting = bool(request.GET.get("wait") or request.GET.get("status"))
    if waiting:
        stored = latest_file(filters, language=language, fmt=fmt)
    else:
        stored = request_file(filters, language=language, user=request.user, fmt=fmt)
    state = state_of(stored)
    if request.GET.get("status"):
        return JsonResponse({"state": state}, headers={"Cache-Control": "no-store, private"})
    if state == "ready":
        name = f"programme-synthesis-{stored.rendered_at:%Y-%m-%d}.{fmt}"
        response = attachment(stored.file, name, content_type=FILE_TYPES[fmt])
        response["Cache-Control"] = "no-store, private"
        return response
    file_url = _url(request.path, filters, **ask, wait="1")
    if not waiting:  # a reload of the waiting page must not ask again
        return redirect(file_url)
    context = {
        "filters": filters,
        "filter_query": _query(filters),
        "state": state,
        "ask_url": _url(request.path, filters, **ask),
        "file_url": file_url,
        "status_url": _url(request.path, filters, **ask, status="1"),
        "retry_seconds": PDF_RETRY_SECONDS,
        "poll_seconds": 2,
    }
    pending = state == "pending"
    response = render(request, template, context, status=202 if pending else 200)
    if pending:
        response["Retry-After"] = str(PDF_RETRY_SECONDS)
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
def synthesis_export(request: HttpRequest) -> HttpResponse:
    """CSV of one table (``table``), streamed; the XLSX of every table from the worker."""
    _require_coordinator(request)
    _form, filters = _filter_form(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_TYPES:
        raise Http404(_("Unknown export format."))
    if fmt == "xlsx":
        template = "network/synthesis_export_pending.html"
        return _stored_file(request, filters, SynthesisPdf.Format.XLSX, template, format="xlsx")
    table = TABLES.get(request.GET.get("table", "heatmap"))
    if table is None:
        raise Http404(_("Unknown table."))
    response = StreamingHttpResponse(csv_lines(filters, table), content_type=EXPORT_TYPES["csv"])
    response["Content-Disposition"] = (
        f'attachment; filename="{safe_filename(f"programme-synthesis-{table.slug}.csv")}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
