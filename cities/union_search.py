"""Searches over joined tables that grow (rounds, reports, evaluators).

Django's icontains over several fields ORs them in one WHERE across the joins
(`UPPER(round.title) LIKE … OR UPPER(city.name) LIKE …`): no index serves an OR over two
tables, so PostgreSQL reads every row of each and counts the join (1.3 s for the back office's
reports at EU scale). Here each field is looked up on its own, where its trigram index serves it,
and the ids are united: `pk IN (… title contains the word UNION … city name contains it)`, the
same rows. It lives in the lowest app so that every app's back office can use it."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

# pg_trgm finds no trigram in a shorter word: its index would be read whole.
TRIGRAM_LENGTH = 3


# Where a word of a name or an address begins: after a space, a hyphen ("Jan-Erik",
# "Saint-Étienne"), a full stop or an at sign (the parts of an e-mail address).
WORD_SEPARATORS = (" ", "-", ".", "@")


def contains(field: str, word: str) -> Q:
    """`field` contains `word`, any case (Django's icontains: its trigram index serves it)."""
    return Q(**{f"{field}__icontains": word})


def word_begins(field: str, word: str) -> Q:
    """One of the words of `field` begins with `word`, any case. For a word shorter than a
    trigram: "contains" would read every row (no trigram to look up: 70–170 ms at 250,000 cities
    or 20,000 evaluators), while each of these patterns begins a word, which pg_trgm's index
    holds with the blank padding before it. It is also what a person typing one or two letters
    means: "an" finds Ana and Antwerp, not every name with "an" inside."""
    condition = Q(**{f"{field}__istartswith": word})
    for separator in WORD_SEPARATORS:
        condition |= Q(**{f"{field}__icontains": separator + word})
    return condition


def matching_pks(
    model: type[Model], fields, word: str, lookup: Callable[[str, str], Q] = contains
) -> QuerySet:
    """The ids of the rows where one of `fields` (single-valued paths) matches `word` (by
    default contains it, any case), as a union of one lookup per field."""
    lookups = [model._default_manager.order_by().filter(lookup(field, word)).values("pk") for field in fields]
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
