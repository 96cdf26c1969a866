"""Reading the library: what a person may read (decided by `reports.permissions.readable_condition`
on the entries' copies of each report's level and round), filtered and searched. PostgreSQL:
full-text search over the GIN-indexed vectors; the query is parsed in English, Finnish and Swedish
at once (and without accents), so a query in any of the three languages finds reports written in
it. Only the first `RANKED_MAX` + 1 matches are ranked, the newest buckets' first (see
`RankedEntries`): ranking (and even ordering) reads every match's row, and a common phrase
matches tens of thousands of entries in a large network; past that the page says "more than
500 hits" and asks for a word or a filter.
SQLite (the demo): every word, icontains, newest first."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Count, F, FloatField, Func, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.db.models.lookups import Exact, In
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from peerreview.models import Criterion, Round, RoundState
from peerreview.models.rounds import taken_part_in_branches
from peerreview.paging import bounded_counts
from reports.models import SummaryReport
from reports.permissions import (
    published_reports,
    readable_condition,
    readable_levels,
    readable_report_parts,
)

from .index import BUCKET_BITS, FILTER_WORDS, SEARCH_CONFIGS, filter_word
from .models import LibraryFacet, SearchEntry

# How many matches are ranked (the first the index finds), and the most any count shows exactly:
# 25 pages of 20; past that the page asks for a word or a filter. The search's time grows with it
# (each candidate is a heap row read and ranked: 1,001 took 7 ms at EU scale, 501 about 4 ms).
RANKED_MAX = 500

# The report's long texts: the library's list shows none of them.
REPORT_TEXTS = (
    "executive_summary",
    "key_strengths",
    "purpose_and_scope",
    "process_notes",
    "next_steps",
    "factual_comment",
    "city_response",
)

# ts_headline marks matches with these; the text is escaped first, then they become <mark>.
MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_CHARS = 240

# The entry's vectors: only the queries read them, never a page.
VECTORS = ("search_vector", "bucket_vector")

# Within a criterion: the newest report first, then in a stable order (the indexes' order).
NEWEST = ("-published_at", "report_id", "pk")


@dataclass
class Facets:
    """What the filters offer: only values found in reports the person may read."""

    countries: list[str]
    years: list[int]
    criteria: list[Criterion]  # one per code, with its theme


def library_facets(user) -> Facets:
    """From the facet table (`network.models.LibraryFacet`, a few hundred rows) for the levels the
    person may read, plus the person's own rounds' reports (a handful) at any level."""
    facets = LibraryFacet.objects.order_by()
    coordinator = user.is_authenticated and user.is_coordinator
    if not coordinator:
        facets = facets.filter(publication_level__in=readable_levels(user))
    keys = set(facets.values_list("country", "year", "framework_id").distinct())
    if user.is_authenticated and not coordinator:
        keys.update(_own_report_keys(user))
    seen: dict[str, Criterion] = {}
    # The criteria of the framework versions the readable reports used: a few dozen rows.
    for criterion in (
        Criterion.objects.filter(theme__framework_id__in={framework for _c, _y, framework in keys})
        .select_related("theme")
        .order_by("theme__order", "order", "-theme__framework__version")
    ):
        seen.setdefault(criterion.code, criterion)
    return Facets(
        countries=sorted({country for country, _y, _f in keys}),
        years=sorted({year for _c, year, _f in keys}, reverse=True),
        criteria=list(seen.values()),
    )


def _own_report_keys(user) -> set[tuple[str, int, int]]:
    """Country, year and framework of the published reports of the rounds the person takes part
    in (readable to them whatever their level): from their memberships and accepted panel seats
    to those few rounds through indexes, never a scan of every report or round."""
    published = Round.objects.filter(state=RoundState.PUBLISHED, summary_report__published_at__isnull=False)
    keys: set[tuple[str, int, int]] = set()
    for branch in taken_part_in_branches(user):
        keys.update(
            published.filter(branch)
            .annotate(year=ExtractYear("summary_report__published_at"))
            .values_list("host_city__country", "year", "framework_id")
            .order_by()
        )
    return keys


class ParsedQuery(SearchQuery):
    """A tsquery PostgreSQL has already parsed, passed back as a constant (`'…'::tsquery`): the
    planner then estimates the matches from the index's statistics, and no row computes it."""

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"{sql}::tsquery", params


# Each configuration's reading of the words, and the words as written without accents: the
# distinct non-empty ones.
_ALTERNATIVES_SQL = (
    "SELECT DISTINCT alternative::text FROM unnest(ARRAY["
    + ", ".join("websearch_to_tsquery(%s::regconfig, %s)" for _config in SEARCH_CONFIGS)
    + ", websearch_to_tsquery('simple', unaccent(%s))]) AS alternative WHERE numnode(alternative) > 0"
)


def query_alternatives(q: str) -> list[str]:
    """Each configuration's reading of the words and their accent-free reading, as PostgreSQL
    parses them: the distinct non-empty ones, in a stable order. One small query."""
    params = [value for config in SEARCH_CONFIGS for value in (config, q)] + [q]
    with connection.cursor() as cursor:
        cursor.execute(_ALTERNATIVES_SQL, params)
        return sorted(row[0] for row in cursor.fetchall())


def text_query(q: str) -> ParsedQuery:
    """The query in each language's configuration, OR-ed, and as written without accents. Each
    distinct reading is OR-ed once: the languages often read the words alike ("published
    minutes" is the same in Finnish and without accents), and the index scan reads each
    alternative's lists again (19 → 16 ms for that phrase in 630,000 entries). A rank is the
    same either way (ts_rank counts each word once)."""
    return ParsedQuery(" | ".join(f"( {alternative} )" for alternative in query_alternatives(q)))


# A lexeme of a tsquery's text ('…', a quote inside doubled) and a phrase operator (<->, <N>).
_LEXEME = re.compile(r"'(?:[^']|'')*'")
_PHRASE = re.compile(r"<(?:-|\d+)>")
# Stands for the bucket's number in `bucket_query`'s text (no word holds a control character).
BUCKET_MARK = "\x01"


def bucket_query(query: str, filter_words: list[list[str]] = ()) -> str | None:
    """The tsquery's text as the bucket vectors read it (`network.index.BUCKET_BITS`): each word
    prefixed "b" + `BUCKET_MARK` + "_", the mark replaced by a bucket's number in SQL, and one
    word of each group of the filters' words (`network.index.filter_word`) required. A phrase
    becomes "all these words" (the bucket vectors keep no positions; each row is still checked
    against the exact query), so the bucket query finds at least the query's matches. Not for a
    negated phrase ("not all these words" would miss a row with the words apart): None."""
    parts, operators, at = [], [], 0
    for lexeme in _LEXEME.finditer(query):
        operators.append(query[at : lexeme.start()])
        parts.append(_PHRASE.sub("&", operators[-1]))
        parts.append(f"'b{BUCKET_MARK}_{lexeme.group()[1:]}")
        at = lexeme.end()
    operators.append(query[at:])
    parts.append(_PHRASE.sub("&", operators[-1]))
    between = "".join(operators)
    if "!" in between and _PHRASE.search(between):
        return None
    required = [
        "( " + " | ".join(_tsquery_word(f"b{BUCKET_MARK}_{word}") for word in group) + " )"
        for group in filter_words
    ]
    return " & ".join([f"( {''.join(parts)} )", *required]) if required else "".join(parts)


def _tsquery_word(word: str) -> str:
    """A word as a tsquery's text quotes it: in quotes, a quote and a backslash escaped."""
    escaped = word.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'"


class BucketMatch(Func):
    """The entry's bucket vector matches the query for its bucket: `buckets.n`, the number the
    candidates' lateral join gives (`RankedEntries`); GIN-indexed."""

    template = f"%(expressions)s @@ replace(%%s, chr({ord(BUCKET_MARK)}), buckets.n::text)::tsquery"
    output_field = BooleanField()

    def __init__(self, query: str) -> None:
        super().__init__(F("bucket_vector"))
        self.bucket_query = query

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return sql, (*params, self.bucket_query)


class ExactMatch(Func):
    """The vector matches the query, checked on the row (`ts_match_vq` is what @@ calls; as a
    function the planner never reads the whole-table index for it)."""

    function = "ts_match_vq"
    output_field = BooleanField()


def _filtered(
    entries: QuerySet[SearchEntry],
    filters: dict,
    *,
    kinds: list[str] | None = None,
    through_indexes: bool = True,
) -> QuerySet[SearchEntry]:
    """The entries of these kinds that the filters keep. `through_indexes=False`: each condition
    on an expression no index has, checked on the rows the bucket scan finds (`RankedEntries`):
    the planner would otherwise AND a whole column's index (a theme's 115,000 entries) with
    each bucket's few matches, in each bucket."""

    def column(name: str, empty: object):
        return F(name) if through_indexes else Coalesce(name, Value(empty))

    if kinds:
        entries = entries.filter(In(column("kind", ""), kinds))
    if filters.get("country"):
        entries = entries.filter(Exact(column("country", ""), filters["country"]))
    if filters.get("year"):
        entries = entries.filter(published_at__year=filters["year"])
    if filters.get("theme"):
        entries = entries.filter(Exact(column("theme_code", ""), filters["theme"]))
    if filters.get("criterion"):
        entries = entries.filter(Exact(column("criterion_code", ""), filters["criterion"]))
    if filters.get("level") not in (None, ""):
        entries = entries.filter(Exact(column("agreed_level", -1), int(filters["level"])))
    return entries


def readable_entries(user) -> QuerySet[SearchEntry]:
    """The entries of the reports the user may read, never joining the reports."""
    return SearchEntry.objects.filter(readable_condition(user))


def search_entries(
    user, filters: dict, *, kinds: list[str] | None = None
) -> QuerySet[SearchEntry] | RankedEntries | ThemeEntries:
    """Entries of reports the user may read, filtered; with `q`, only matches: on PostgreSQL, of
    the first `RANKED_MAX` + 1 found, the best first (`RankedEntries`: annotated `rank` and
    `headline`). Without words, the criteria in the framework's order, the newest first within
    each (for a theme: `ThemeEntries`). Counted with `CappedPaginator`, which says "more than"
    past `RANKED_MAX`."""
    entries = readable_entries(user)
    q = (filters.get("q") or "").strip()
    if q and connection.vendor == "postgresql":
        return RankedEntries(entries, text_query(q), filters, kinds)
    if not q and not filters.get("criterion"):
        # The theme's (or every theme's) criteria one after another, each read in index order.
        return ThemeEntries(
            _filtered(entries, {**filters, "theme": ""}, kinds=kinds), filters.get("theme") or None
        )
    entries = _filtered(entries, filters, kinds=kinds)
    related = ("report__round__host_city", "criterion__theme")
    if not q:  # one criterion: newest first, read in index order
        return entries.select_related(*related).order_by(*NEWEST)
    for word in q.split():
        entries = entries.filter(Q(text__icontains=word) | Q(title__icontains=word))
    return entries.select_related(*related).order_by("-published_at", "pk")


class EpochSeconds(Func):
    """A moment as seconds since 1970 (a float): for ordering only, it comes back `RANKED_MAX` + 1 times
    and a timestamp with its time zone costs psycopg ten times more to read (2.6 ms here)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
    output_field = FloatField()


class RankedEntries(Sequence):
    """The text search's matches, best first, for a paginator. One query finds the first
    `RANKED_MAX` + 1 matches, the newest buckets of entries first, and ranks them in the same
    pass (the vector is read once, and only the id, rank and date come back); they are ordered
    here. A page then reads only its own rows, with their relations and the highlighted excerpt.
    So a common word in a large network reads a few buckets' posting lists, never its whole
    list, never a second pass over the candidates, and never a join of every candidate with its
    report, round and city."""

    RELATED = ("report__round__host_city", "criterion__theme")

    def __init__(
        self,
        entries: QuerySet[SearchEntry],
        query: ParsedQuery,
        filters: dict | None = None,
        kinds: list[str] | None = None,
    ) -> None:
        self.query = query
        self.entries = entries  # readable; the filters and kinds are applied here
        self.filters = filters or {}
        self.kinds = kinds
        # The bucket vectors' words the filters require: one of each group.
        self.filter_words = [
            [filter_word(name, self.filters[name])]
            for name, _column in FILTER_WORDS
            if name != "kind" and self.filters.get(name) not in (None, "")
        ]
        if kinds:
            self.filter_words.append([filter_word("kind", kind) for kind in kinds])

    def _candidates(self) -> list[tuple[int, float, float | None]]:
        """(id, rank, date) of the first `RANKED_MAX` + 1 matches: bucket by bucket, the newest
        first, each bucket's few matches found through the bucket vectors' index (the words and
        the filters' values); the statement stops at the bucket that completes them. So a common
        word reads about `RANKED_MAX` + 1 matches' share of its posting lists however large the
        library grows."""
        values = ("pk", "rank", "published")
        per_bucket = bucket_query(self.query.get_source_expressions()[0].value, self.filter_words)
        entries = _filtered(self.entries, self.filters, kinds=self.kinds, through_indexes=per_bucket is None)
        ranked = entries.order_by().annotate(
            rank=SearchRank(F("search_vector"), self.query), published=EpochSeconds("published_at")
        )
        if per_bucket is None:
            return list(ranked.filter(search_vector=self.query).values_list(*values)[: RANKED_MAX + 1])
        matches = ranked.filter(BucketMatch(per_bucket), ExactMatch(F("search_vector"), self.query))
        # Each bucket's part has its LIMIT too: so the planner keeps it a subquery run per bucket,
        # through the bucket index, and never turns the join round into a scan of every entry.
        sql, params = matches.values_list(*values)[: RANKED_MAX + 1].query.sql_with_params()
        table, bits = SearchEntry._meta.db_table, BUCKET_BITS
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT found.* FROM generate_series((SELECT max(id) FROM {table}) >> {bits},"
                f" (SELECT min(id) FROM {table}) >> {bits}, -1) AS buckets(n)"
                f" CROSS JOIN LATERAL ({sql}) AS found LIMIT {RANKED_MAX + 1}",
                params,
            )
            return cursor.fetchall()

    @cached_property
    def _ranked(self) -> list[tuple[int, float]]:
        found = self._candidates()
        # -rank, -published_at (none: oldest), pk: the order the page shows.
        found.sort(key=lambda row: (-row[1], -(row[2] if row[2] is not None else -math.inf), row[0]))
        return [(pk, rank) for pk, rank, _published in found]

    def count(self) -> int:
        return len(self._ranked)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        chosen = self._ranked[index]
        rows = (
            SearchEntry.objects.filter(pk__in=[pk for pk, _rank in chosen])
            .select_related(*self.RELATED)
            .defer(*VECTORS)
            .annotate(
                headline=SearchHeadline(
                    "text",
                    self.query,
                    config=F("config"),
                    start_sel=MARK_START,
                    stop_sel=MARK_END,
                    max_words=45,
                    min_words=20,
                    max_fragments=2,
                )
            )
            .order_by()
        )
        by_pk = {entry.pk: entry for entry in rows}
        page = []
        for pk, rank in chosen:
            entry = by_pk[pk]
            entry.rank = rank
            page.append(entry)
        return page


def theme_parts(theme: str | None) -> list[tuple[str, str]]:
    """The codes of the theme's criteria (or, for None, of every theme's) in the order the library
    shows them (theme order, then criterion order), each once across framework versions as
    `library_facets` offers them; with each, the theme its part must also filter on when another
    theme has a criterion of that code too ("" when the code is this theme's alone). One query of
    the frameworks' tables (a few dozen rows)."""
    criteria = list(
        Criterion.objects.order_by("theme__order", "order", "-theme__framework__version").values_list(
            "code", "theme__code"
        )
    )
    themes_of: dict[str, set[str]] = {}
    for code, theme_code in criteria:
        themes_of.setdefault(code, set()).add(theme_code)
    parts: dict[tuple[str, str], None] = {}
    for code, theme_code in criteria:
        if theme is None or theme_code == theme:
            parts.setdefault((code, theme_code if len(themes_of[code]) > 1 else ""))
    return list(parts)


# How far one statement counts each criterion's part of a theme (`ThemeEntries._sizes`).
PART_PROBE = 25


class ThemeEntries(Sequence):
    """A theme's entries without search words (or, for the theme None, every theme's: the good
    practice page without filters), for a paginator: its criteria one after another in the
    framework's order, the newest first within each. Ordering the whole theme by its criteria's
    order joined every entry of the theme (tens of thousands in a large network; every good
    practice, 1.2–1.5 s) to its criterion and theme and sorted them all before a page took 20
    (0.8–1.1 s at EU scale). Here
    each criterion is a part read newest first through `entry_criterion_newest` (or, for good
    practice, `entry_kind_criterion_newest`) with LIMIT/OFFSET, so a page reads its own rows
    from one or two parts. The parts are counted one after another, each count bounded by what
    is left below the cap, and counting stops once the total passes `RANKED_MAX` (the pages
    stop there anyway); so this is the theme's first `RANKED_MAX` + 1 entries at most.

    A part filters on the criterion's code alone when no other theme has that code (an entry's
    theme is its criterion's): with the theme's condition too, PostgreSQL guessed a few
    thousand rows where there are tens of thousands and sorted them instead of reading the
    index. `network.index` gives an entry a theme only through its criterion (an entry without
    a criterion has no theme code), so the criteria's parts hold every entry of the theme; for
    every theme, a last part holds the entries without a criterion (last, as NULLs sort)."""

    RELATED = ("report__round__host_city", "criterion__theme")

    def __init__(self, entries: QuerySet[SearchEntry], theme: str | None) -> None:
        """`entries`: filtered by everything but the theme."""
        self.entries = entries
        self.theme = theme

    @cached_property
    def parts(self) -> list[QuerySet[SearchEntry]]:
        parts = [
            self.entries.filter(criterion_code=code, **({"theme_code": theme} if theme else {}))
            for code, theme in theme_parts(self.theme)
        ]
        if self.theme is None:
            # Entries without a criterion have no code: read through the same indexes.
            parts.append(self.entries.filter(criterion_code=""))
        return parts

    @cached_property
    def _sizes(self) -> list[tuple[QuerySet[SearchEntry], int]]:
        """(part, entries) of the parts, in order, until the total passes the cap (the last one
        only up to it). One statement counts every part up to `PART_PROBE` (a framework's two
        dozen criteria: one query, not two dozen); a part that reaches it, only in a large
        network, is counted again on its own up to what is left below the cap, and counting
        stops once the total passes it."""
        sizes, total = [], 0
        probed = bounded_counts(dict(enumerate(self.parts)), cap=PART_PROBE).values()
        for part, found in zip(self.parts, probed, strict=True):
            if total > RANKED_MAX:
                break
            if found > PART_PROBE:
                found = part.order_by().values("pk")[: RANKED_MAX + 1 - total].count()
            found = min(found, RANKED_MAX + 1 - total)
            sizes.append((part, found))
            total += found
        return sizes

    def count(self) -> int:
        return sum(found for _part, found in self._sizes)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("ThemeEntries slices step by 1.")
        slices = []  # each part's rows on this page, newest first
        begin = 0  # where the part starts in the whole sequence
        for part, found in self._sizes:
            end = begin + found
            if found and begin < stop and start < end:  # the slice overlaps this part
                slices.append(part.order_by(*NEWEST)[max(start - begin, 0) : min(stop, end) - begin])
            begin = end
        if not slices:
            return []
        if len(slices) == 1:
            return list(slices[0].select_related(*self.RELATED).defer(*VECTORS))
        # A page across parts (a small network has a few entries per criterion): their ids in one
        # statement, then their rows in one query, in the parts' order.
        ids = ids_in_order([chosen.values_list("pk", flat=True) for chosen in slices])
        rows = SearchEntry.objects.filter(pk__in=ids).select_related(*self.RELATED).defer(*VECTORS)
        by_pk = {entry.pk: entry for entry in rows}
        return [by_pk[pk] for pk in ids]


def ids_in_order(slices: list[QuerySet]) -> list[int]:
    """The ids of several ordered, sliced `values_list("pk", flat=True)` querysets, one after
    another, in one statement (each numbered in its own order, then sorted here)."""
    selects, params = [], []
    for number, chosen in enumerate(slices):
        sql, part_params = chosen.query.sql_with_params()
        selects.append(
            f"SELECT {number} AS part, ROW_NUMBER() OVER () AS n, pk FROM ({sql}) AS part_{number}"
        )
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        return [pk for _part, _n, pk in sorted(cursor.fetchall())]


class CappedPaginator(Paginator):
    """Counts at most `RANKED_MAX` + 1 rows (a count reads every row it counts); past
    `RANKED_MAX`, `capped` is set and the pages stop there ("more than 500 hits").
    `at_least`, a number the caller knows the rows reach (the facet table's), skips counting
    when it is past the cap already: the bounded count still reads `RANKED_MAX` + 1 rows."""

    capped = False

    def __init__(self, object_list, per_page, *, at_least: int = 0, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.at_least = at_least

    @cached_property
    def count(self) -> int:
        if self.at_least > RANKED_MAX:
            found = self.at_least
        elif isinstance(self.object_list, RankedEntries | ThemeEntries | ReadableReports):
            found = self.object_list.count()
        else:
            found = self.object_list.order_by().values("pk")[: RANKED_MAX + 1].count()
        self.capped = found > RANKED_MAX
        return min(found, RANKED_MAX)


def report_list(user, filters: dict) -> QuerySet[SummaryReport] | ReadableReports:
    """Reports the user may read, newest first (`count_good_practices` adds, per page, how many
    good practices each has); without their long texts, which the list does not show. Read by
    `readable_report_parts`: a person who may read several parts gets a `ReadableReports`."""
    reports = published_reports()
    if filters.get("country"):
        reports = reports.filter(round__host_city__country=filters["country"])
    if filters.get("year"):
        reports = reports.filter(published_at__year=filters["year"])
    parts = readable_report_parts(user, reports)
    if len(parts) == 1:
        return _report_rows(parts[0]).order_by(*REPORTS_NEWEST)
    return ReadableReports(parts)


REPORTS_NEWEST = ("-published_at", "pk")


def _report_rows(reports: QuerySet[SummaryReport]) -> QuerySet[SummaryReport]:
    return reports.select_related("round__host_city", "round__framework").defer(*REPORT_TEXTS)


class ReadableReports(Sequence):
    """The readable reports newest first, for a paginator, read by parts (`readable_report_parts`:
    each readable publication level through index report_level_newest, and the person's own
    rounds' reports at other levels). The level and the own rounds joined by OR made PostgreSQL
    walk the newest reports of every level and drop those of others: 5,600 rows read for a page
    of 20 when the newest reports are the rounds' own. A page takes its first rows from each part
    in one statement, merges them here and then reads only its own rows."""

    def __init__(self, parts: list[QuerySet[SummaryReport]]) -> None:
        self.parts = parts

    def count(self) -> int:
        """How many reports, each part counted up to `RANKED_MAX` + 1."""
        counted = bounded_counts({str(number): part for number, part in enumerate(self.parts)}, RANKED_MAX)
        return sum(counted.values())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop, _step = index.indices(RANKED_MAX + 1)
        firsts = [
            part.order_by(*REPORTS_NEWEST).values_list("published_at", "pk")[:stop] for part in self.parts
        ]
        merged = firsts[0].union(*firsts[1:], all=True) if len(firsts) > 1 else firsts[0]
        newest = sorted(merged, key=lambda row: (-row[0].timestamp(), row[1]))
        chosen = [pk for _published, pk in newest[start:stop]]
        by_pk = {report.pk: report for report in _report_rows(SummaryReport.objects.filter(pk__in=chosen))}
        return [by_pk[pk] for pk in chosen]


def readable_reports_at_least(user, filters: dict) -> int:
    """How many reports `report_list` gives at least, from the facet table (a few hundred rows):
    the published reports of the levels the person may read in the chosen country and year (their
    own rounds' reports at other levels come on top). Lets the library's count stop early."""
    facets = LibraryFacet.objects.order_by()
    if not (user.is_authenticated and user.is_coordinator):
        facets = facets.filter(publication_level__in=readable_levels(user))
    if filters.get("country"):
        facets = facets.filter(country=filters["country"])
    if filters.get("year"):
        facets = facets.filter(year=filters["year"])
    return facets.aggregate(total=Sum("reports"))["total"] or 0


def count_good_practices(reports: list[SummaryReport]) -> list[SummaryReport]:
    """Set `good_practices` on each report of a page: one query for the page's reports only
    (counting in the paged query would group every readable report before taking 20)."""
    counts = dict(
        SearchEntry.objects.filter(report__in=reports, kind=SearchEntry.Kind.GOOD_PRACTICE)
        .order_by()
        .values_list("report_id")
        .annotate(n=Count("pk"))
    )
    for report in reports:
        report.good_practices = counts.get(report.pk, 0)
    return reports


def snippet(entry: SearchEntry, q: str = "") -> SafeString:
    """The part of the entry's text to show, with the matches marked, safely escaped."""
    headline = getattr(entry, "headline", None)
    if headline:
        marked = escape(headline).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
        return mark_safe(marked)  # noqa: S308 - escaped above; only our own markers become tags
    text = entry.text
    words = [word.lower() for word in q.split() if word]
    lowered = text.lower()
    first = min((lowered.find(word) for word in words if word in lowered), default=0)
    begin = max(first - SNIPPET_CHARS // 3, 0)
    part = text[begin : begin + SNIPPET_CHARS]
    prefix = "… " if begin > 0 else ""
    suffix = " …" if begin + SNIPPET_CHARS < len(text) else ""
    return mark_safe(f"{prefix}{_marked(part, words)}{suffix}")  # noqa: S308 - escaped in _marked


def _marked(text: str, words: list[str]) -> str:
    """`text` escaped, with every case-insensitive occurrence of the (lower-case) words in <mark>."""
    lowered = text.lower()
    spans = sorted((found, found + len(word)) for word in words for found in _occurrences(lowered, word))
    out, position = [], 0
    for begin, end in spans:
        if begin < position:  # overlaps the previous mark: extend it
            begin = position
        if end <= position:
            continue
        out += [escape(text[position:begin]), "<mark>", escape(text[begin:end]), "</mark>"]
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def _occurrences(text: str, word: str) -> list[int]:
    found, position = [], text.find(word)
    while position != -1:
        found.append(position)
        position = text.find(word, position + len(word))
    return found
