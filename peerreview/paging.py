"""Pages of lists that may hold hundreds of thousands of rows, without counting them all.

`Paginator.count` is an exact ``COUNT(*)``: on a list of the whole network (250,000 rounds, an
audit trail of millions of entries) PostgreSQL reads every matching row for it, on every page
view (docs/performance.md). `BoundedPaginator` counts only as far as the pager needs: up to
`COUNT_CAP` rows, or a few pages past the page asked for when that is further. Below that bound
the count is exact and the pager is Django's; above it `more_than_count` is true, `count` is the
bound ("more than 1000 rounds") and the pager offers the pages known to exist, then "Next"."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Rows counted at most on a list's first pages: enough for an exact count of any list a person
# reads page by page; past it the list says "more than".
COUNT_CAP = 1000
# Pages counted past the one asked for, so the pager's numbers around it (three on each side)
# are all known to exist.
LOOKAHEAD_PAGES = 5


def requested_page(number: object) -> int:
    """The page number asked for in the address, 1 when it is missing or not a number (the
    paginator then shows the first or the last page, as Django's `get_page` does)."""
    try:
        return max(int(str(number)), 1)
    except ValueError:
        return 1


class BoundedPaginator(Paginator):
    """A paginator whose count stops at a bound that depends on the page asked for."""

    def __init__(self, object_list, per_page, *, page: object = None, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        through = (requested_page(page) + LOOKAHEAD_PAGES) * int(per_page)
        self.bound = max(COUNT_CAP if cap is None else cap, through)
        self._more = False

    @property
    def more_than_count(self) -> bool:
        """Whether the list holds more rows than `count` says (it stopped counting at `bound`)."""
        return bool(self.count) and self._more

    @cached_property
    def count(self) -> int:
        """Exact up to `bound`; `bound` (and `more_than_count`) when the list holds more."""
        if not isinstance(self.object_list, QuerySet):
            return super().count
        # COUNT(*) over a subquery with LIMIT: PostgreSQL stops after bound + 1 rows. Without the
        # list's order, which a count does not need and which would tie the plan to its index.
        counted = self.object_list.order_by()[: self.bound + 1].count()
        self._more = counted > self.bound
        return min(counted, self.bound)

    def get_elided_page_range(
        self, number: int | str = 1, *, on_each_side: int = 3, on_ends: int = 2
    ) -> Iterator:
        """Django's elided range, without the last pages when the list goes on past the count
        (they would not be the last): it ends with an ellipsis instead."""
        if not self.more_than_count:
            yield from super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
            return
        number = self.validate_number(number)
        last = min(number + on_each_side, self.num_pages)
        if number > on_each_side + on_ends + 1:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
            yield from range(number - on_each_side, last + 1)
        else:
            yield from range(1, last + 1)
        if self.more_than_count:
            yield self.ELLIPSIS


class CountedPaginator(Paginator):
    """Pages `object_list`, counting `counted`: the same rows in a query cheaper to count (the
    API's proposals without the join their page is read along, the panel's evaluators without
    the load their ranking aggregates)."""

    def __init__(self, object_list, per_page, *, counted) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return self.counted.count()


def bounded_page(object_list, per_page: int, number: object):
    """The page asked for (`request.GET.get("page")`) of a list that may be very long."""
    return BoundedPaginator(object_list, per_page, page=number).get_page(number)


def bounded_counts(querysets: dict[str, QuerySet], cap: int = COUNT_CAP) -> dict[str, int]:
    """How many rows each queryset holds, counting at most `cap` + 1 of each (a result above
    `cap` means "more than `cap`"), all in one query: on PostgreSQL each count reads at most
    cap + 1 index entries instead of every matching row."""
    if not querysets:
        return {}
    first = next(iter(querysets.values()))
    parts, params = [], []
    for index, queryset in enumerate(querysets.values()):
        try:
            sql, part_params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # a condition that can match nothing (e.g. no readable level)
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded_{index})")
        params.extend(part_params)
    with connections[first.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))
