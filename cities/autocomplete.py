"""Searchable choices over tables that grow (cities, evaluators): never a full dropdown.

A form field (`AutocompleteModelChoiceField`) whose page holds only the chosen item, and one
JSON endpoint per kind of choice (`choices_view`, registered with `register`) that checks who
asks, searches and answers one page at a time. `static/js/autocomplete.js` turns the field's
text input into an ARIA 1.2 combobox over the endpoint. Without JavaScript a person types the
name and the server finds it (one match is taken; none or several are explained at the field).

It lives in the lowest app so that every app's forms can use it; each app registers the
sources of its own choices (`cities.apps`, `peerreview.apps`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from .union_search import TRIGRAM_LENGTH, contains, matching_pks, word_begins

PAGE_SIZE = 20
MAX_TERM_LENGTH = 100
TEXT_SUFFIX = "_text"


@dataclass(frozen=True)
class ChoiceSource:
    """One kind of choice. `queryset(request)` is what this person may choose from (None: they
    may not use this endpoint at all: 403); `search_fields` are searched (`search`), every typed
    word in one of them; `exact(text)` is the condition for a row whose name (or label) is
    exactly what a person typed without JavaScript."""

    name: str
    queryset: Callable[[HttpRequest], QuerySet | None]
    search_fields: tuple[str, ...]
    exact: Callable[[str], Q]
    label: Callable[[Model], str]
    ordering: tuple[str, ...]


_sources: dict[str, ChoiceSource] = {}


def register(source: ChoiceSource) -> ChoiceSource:
    _sources[source.name] = source
    return source


def get_source(name: str) -> ChoiceSource:
    try:
        return _sources[name]
    except KeyError as error:
        raise Http404(_("Unknown list of choices.")) from error


def _words(term: str) -> list[str]:
    return term.split()[:10]


def _lookup(word: str) -> Callable[[str, str], Q]:
    return contains if len(word) >= TRIGRAM_LENGTH else word_begins


def _joined(source: ChoiceSource) -> bool:
    return any("__" in field for field in source.search_fields)


def _condition(source: ChoiceSource, word: str) -> Q:
    condition = Q()
    for field in source.search_fields:
        condition |= _lookup(word)(field, word)
    return condition


def search(source: ChoiceSource, queryset: QuerySet, term: str) -> QuerySet:
    """Rows whose search fields match every word of `term` (each word in any field): a word of
    three letters or more anywhere in the field, a shorter one where a word of the field begins
    (`union_search.word_begins`), so that each is looked up in a trigram index. Where the fields
    span a join (an evaluator's home city), each field is looked up on its own and the matches
    united (`union_search.matching_pks`): an OR across the join reads every row of both tables."""
    joined = _joined(source)
    for word in _words(term):
        lookup = _lookup(word)
        if joined:
            queryset = queryset.filter(
                pk__in=matching_pks(queryset.model, source.search_fields, word, lookup)
            )
            continue
        queryset = queryset.filter(_condition(source, word))
    return queryset


def first_matches(source: ChoiceSource, queryset: QuerySet, term: str, start: int, count: int) -> list:
    """The matches `start` to `start + count` of `search`, in the source's order. Over a join,
    one word that most rows match ("b", "ben" in a network of "Bench" names) made the union of
    lookups collect and sort every row (300–500 ms at 20,000 evaluators). For one word (what a
    person types first), each field's lookup takes only its own first `start + count` rows in
    the list's order, which PostgreSQL reads in that order when the word is common and through
    the trigram index when it is rare: the first matches of the union are among them."""
    ordered = (*source.ordering,)
    words = _words(term)
    if len(words) == 1 and _joined(source) and connection.features.supports_slicing_ordering_in_compound:
        word, lookup = words[0], _lookup(words[0])
        firsts = [
            queryset.order_by(*ordered).filter(lookup(field, word)).values("pk")[: start + count]
            for field in source.search_fields
        ]
        matches = queryset.filter(pk__in=firsts[0].union(*firsts[1:]))
        return list(matches.order_by(*ordered)[start : start + count])
    return list(search(source, queryset, term).order_by(*ordered)[start : start + count])


@require_GET
def choices_view(request: HttpRequest, source: str) -> JsonResponse:
    """One page of choices as JSON: {"results": [{"id", "label"}], "page", "more"}. Only what
    this person may choose from (the source's queryset for this request), PAGE_SIZE at a time."""
    choice_source = get_source(source)
    queryset = choice_source.queryset(request)
    if queryset is None:
        raise PermissionDenied(_("You may not choose from this list."))
    term = request.GET.get("q", "").strip()[:MAX_TERM_LENGTH]
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    rows = first_matches(choice_source, queryset, term, start, PAGE_SIZE + 1)
    return JsonResponse(
        {
            "results": [{"id": row.pk, "label": choice_source.label(row)} for row in rows[:PAGE_SIZE]],
            "page": page,
            "more": len(rows) > PAGE_SIZE,
        }
    )


class AutocompleteWidget(forms.Widget):
    """A text input for the name and a hidden input for the chosen row's id. Only the chosen row
    is on the page (one query at most), whatever the size of the table."""

    template_name = "cities/autocomplete_widget.html"

    def __init__(self, source: str, *, params: dict[str, Any] | None = None, attrs=None) -> None:
        super().__init__({"class": "form-control", **(attrs or {})})
        self.source = source
        self.params = params or {}
        self.field: AutocompleteModelChoiceField | None = None

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.params = copy.copy(self.params)
        return result

    def value_from_datadict(self, data, files, name):
        return {"id": data.get(name) or "", "text": data.get(name + TEXT_SUFFIX)}

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and name + TEXT_SUFFIX not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen_id, text = "", ""
        if isinstance(value, dict):  # a bound form: what the person sent
            chosen_id, text = value.get("id") or "", value.get("text")
            if text is None and chosen_id and self.field is not None:
                text = self.field.label_of(chosen_id)
        elif value not in (None, ""):
            chosen_id = value.pk if isinstance(value, Model) else value
            text = self.field.label_of(chosen_id) if self.field is not None else str(value)
        query = urlencode({key: value for key, value in self.params.items() if value not in (None, "")})
        context["widget"].update(
            {
                "chosen_id": chosen_id,
                "text": text or "",
                "text_name": name + TEXT_SUFFIX,
                "url": reverse("cities:choices", args=[self.source]) + (f"?{query}" if query else ""),
            }
        )
        return context


class AutocompleteModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over a growing table: chosen through `AutocompleteWidget`, checked
    against `queryset` as any ModelChoiceField, never listed whole. The posted id wins when the
    text beside it is the chosen row's (or absent); otherwise the typed text is looked up."""

    default_error_messages = {
        "none_found": gettext_lazy(
            "Nothing called “%(text)s” was found: type part of the name and choose from the list."
        ),
        "several_found": gettext_lazy(
            "%(count)d match “%(text)s”: type more of the name and choose from the list."
        ),
    }

    def __init__(self, queryset, *, source: str, params: dict[str, Any] | None = None, **kwargs) -> None:
        kwargs.setdefault("widget", AutocompleteWidget(source, params=params))
        super().__init__(queryset, **kwargs)
        self.widget.field = self
        self.source_name = source

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.field = result
        return result

    @property
    def source(self) -> ChoiceSource:
        return get_source(self.source_name)

    def _set_queryset(self, queryset) -> None:
        # Never give the widget the choices: that would list the whole table.
        self._queryset = None if queryset is None else queryset.all()

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj) -> str:
        return self.source.label(obj)

    def label_of(self, pk) -> str:
        """The label of the row `pk` (one query), or "" when it is not a choice."""
        try:
            row = self.queryset.filter(pk=pk).first()
        except (ValueError, TypeError, ValidationError):
            return ""
        return self.label_from_instance(row) if row is not None else ""

    def prepare_value(self, value):
        return value

    def to_python(self, value):
        if not isinstance(value, dict):
            return super().to_python(value)
        chosen_id, text = value.get("id") or "", value.get("text")
        text = None if text is None else " ".join(text.split())
        if chosen_id and (text is None or text == self.label_of(chosen_id)):
            return super().to_python(chosen_id)
        if not text:
            return None
        return self._find(text)

    def _find(self, text: str):
        """The one row called `text` (or, failing that, the one row whose name contains it)."""
        condition = self.source.exact(text)
        matches = list(self.queryset.filter(condition)[:2])
        if not matches:
            matches = list(search(self.source, self.queryset, text)[:2])
            if len(matches) > 1:
                count = search(self.source, self.queryset, text).count()
                raise ValidationError(
                    self.error_messages["several_found"],
                    code="several_found",
                    params={"count": count, "text": text},
                )
        if not matches:
            raise ValidationError(self.error_messages["none_found"], code="none_found", params={"text": text})
        if len(matches) > 1:
            count = self.queryset.filter(condition).count()
            raise ValidationError(
                self.error_messages["several_found"],
                code="several_found",
                params={"count": count, "text": text},
            )
        return matches[0]

    def has_changed(self, initial, data) -> bool:
        if self.disabled:
            return False
        initial_id = initial.pk if isinstance(initial, Model) else initial
        data_id = data.get("id") if isinstance(data, dict) else data
        return str(initial_id or "") != str(data_id or "")
