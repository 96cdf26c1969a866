"""Searches over joined tables that grow (rounds, reports, evaluators).

Django's icontains over several fields ORs them in one WHERE across the joins
(`UPPER(round.title) LIKE … OR UPPER(city.name) LIKE …`): no index serves an OR over two
tables, so PostgreSQL reads every row of each and counts the join (1.3 s for the back office's
reports at EU scale). Here each field is looked up on its own, where its trigram index serves it,
and the ids are united: `pk IN (… title contains the word UNION … city name contains it)`, the
same rows. It lives in the lowest app so that every app's back office can use it."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.utils.text import smart_split, unescape_string_literal

# pg_trgm finds no trigram in a shorter word: its index would be read whole.
TRIGRAM_LENGTH = 3


def matching_pks(model: type[Model], fields, word: str) -> QuerySet:
    """The ids of the rows where one of `fields` (single-valued paths) contains `word` (any
    case), as a union of one lookup per field."""
    lookups = [
        model._default_manager.order_by().filter(**{f"{field}__icontains": word}).values("pk")
        for field in fields
    ]
    return lookups[0].union(*lookups[1:])


def search_words(search_term: str) -> list[str]:
    """The words of a search as Django's admin splits them ("quoted phrases" kept whole)."""
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            words.append(bit)
    return words


class UnionSearchMixin:
    """A ModelAdmin mixin: `search_fields` (plain field paths, each single-valued, matched with
    icontains as Django's default does) are searched one field at a time and the matches united,
    every word in one of the fields. Never duplicates, so no DISTINCT. The page says "n results"
    without also counting the whole table (`show_full_result_count`)."""

    show_full_result_count = False

    def get_search_results(self, request, queryset: QuerySet, search_term: str):
        fields = self.get_search_fields(request)
        if fields:
            for word in search_words(search_term):
                queryset = queryset.filter(pk__in=matching_pks(self.model, fields, word))
        return queryset, False
