"""Distributions of maturity levels computed in the database: counts per level, mean, and the
quartiles with PostgreSQL's ``percentile_cont`` (an ordered-set aggregate Django does not ship).

SQLite (the demo without services) has no ``percentile_cont``; there the quartiles come from the
level counts, which give exactly the same numbers because levels are the integers 0–4
(`percentile_from_counts` follows ``percentile_cont``'s linear interpolation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Avg, Count, FloatField, Q

from .models import MATURITY_LEVELS

LEVELS = [level for level, _label in MATURITY_LEVELS]
QUARTILES = {"q1": 0.25, "median": 0.5, "q3": 0.75}


class PercentileCont(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`` (PostgreSQL)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # A float of our own (never user input) written into the SQL as a literal.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def database_has_percentiles() -> bool:
    return connection.vendor == "postgresql"


def percentile_from_counts(counts: Sequence[int], fraction: float) -> float | None:
    """``percentile_cont`` of the multiset that holds ``counts[i]`` times the value ``i``."""
    total = sum(counts)
    if total == 0:
        return None
    position = fraction * (total - 1)
    lower_index = int(position)
    upper_index = min(lower_index + 1, total - 1)

    def value_at(index: int) -> int:
        seen = 0
        for value, count in enumerate(counts):
            seen += count
            if index < seen:
                return value
        return len(counts) - 1

    lower, upper = value_at(lower_index), value_at(upper_index)
    return lower + (upper - lower) * (position - lower_index)


def percentile_from_value_counts(counts: dict[float, int], fraction: float) -> float | None:
    """``percentile_cont`` of the multiset that holds ``counts[v]`` times the value ``v``."""
    values = sorted(value for value, n in counts.items() if n > 0)
    total = sum(counts[value] for value in values)
    if total == 0:
        return None
    position = fraction * (total - 1)
    lower_index = int(position)
    upper_index = min(lower_index + 1, total - 1)

    def value_at(index: int) -> float:
        seen = 0
        for value in values:
            seen += counts[value]
            if index < seen:
                return value
        return values[-1]

    lower, upper = value_at(lower_index), value_at(upper_index)
    return lower + (upper - lower) * (position - lower_index)


def level_aggregates(field: str = "level") -> dict:
    """Annotations for ``.values(<group>).annotate(**level_aggregates())``: the number of
    levels, their mean, the count at each level and, on PostgreSQL, the quartiles."""
    aggregates = {
        "n": Count(field),
        "mean": Avg(field),
        **{f"l{level}": Count(field, filter=Q(**{field: level})) for level in LEVELS},
    }
    if database_has_percentiles():
        aggregates |= {name: PercentileCont(field, fraction) for name, fraction in QUARTILES.items()}
    return aggregates


@dataclass(frozen=True)
class Distribution:
    """How a group of agreed scores is spread over the levels 0–4."""

    n: int
    mean: float | None
    counts: tuple[int, ...]
    q1: float | None
    median: float | None
    q3: float | None

    @classmethod
    def from_row(cls, row: dict) -> Distribution:
        counts = tuple(row.get(f"l{level}", 0) or 0 for level in LEVELS)
        quartiles = {
            name: row[name] if name in row else percentile_from_counts(counts, fraction)
            for name, fraction in QUARTILES.items()
        }
        mean = row.get("mean")
        return cls(
            n=row.get("n") or 0,
            mean=None if mean is None else float(mean),
            counts=counts,
            **quartiles,
        )

    def share(self, level: int) -> float:
        return self.counts[level] / self.n if self.n else 0.0

    @property
    def level_cells(self) -> list[tuple[int, int, int, str]]:
        """(level, count, percent, shade class) per level: a heatmap row that also reads as numbers."""
        cells = []
        for level, count in enumerate(self.counts):
            percent = round(100 * count / self.n) if self.n else 0
            shade = next(index for index, limit in enumerate((0, 10, 25, 50, 100)) if percent <= limit)
            cells.append((level, count, percent, f"share-{shade}"))
        return cells
