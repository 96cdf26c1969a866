"""The network's library: published reports a person may read, full-text search across them, and
every finding's good practice. Who may read what is decided in `reports.permissions`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .forms import LibraryFilterForm
from .models import SearchEntry
from .search import (
    CappedPaginator,
    count_good_practices,
    library_facets,
    readable_reports_at_least,
    report_list,
    search_entries,
    snippet,
)

PER_PAGE = 20


def _page(request: HttpRequest, items, *, at_least: int = 0) -> Page:
    return CappedPaginator(items, PER_PAGE, at_least=at_least).get_page(request.GET.get("page"))


def _with_snippets(page: Page, q: str) -> Page:
    for entry in page.object_list:
        entry.snippet = snippet(entry, q)
    return page


def _removable(form: LibraryFilterForm, filters: dict[str, str]) -> list[tuple[str, str]]:
    """("Label: value", the query string without it) for each active filter, to offer removing it."""
    removable = []
    for name, value in filters.items():
        field = form.fields[name]
        shown = dict(getattr(field, "choices", ())).get(value, value)
        rest = {other: kept for other, kept in filters.items() if other != name}
        removable.append((f"{field.label}: {shown}", f"?{urlencode(rest)}"))
    return removable


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET or None, facets=library_facets(request.user))
    filters = form.active_filters()
    searching = form.searches_texts(filters)
    if searching:
        page = _with_snippets(_page(request, search_entries(request.user, filters)), filters.get("q", ""))
    else:
        at_least = readable_reports_at_least(request.user, filters)
        page = _page(request, report_list(request.user, filters), at_least=at_least)
        page.object_list = count_good_practices(list(page.object_list))
    return render(
        request,
        "network/library.html",
        {
            "form": form,
            "filters": filters,
            "removable": _removable(form, filters),
            "searching": searching,
            "page": page,
        },
    )


@require_GET
def good_practice(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET or None, facets=library_facets(request.user))
    filters = form.active_filters()
    entries = search_entries(request.user, filters, kinds=[SearchEntry.Kind.GOOD_PRACTICE])
    page = _with_snippets(_page(request, entries), filters.get("q", ""))
    return render(
        request,
        "network/good_practice.html",
        {"form": form, "filters": filters, "removable": _removable(form, filters), "page": page},
    )
