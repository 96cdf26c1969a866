"""The programme synthesis's tallies: its aggregates counted per bucket (year of publication, host
country, framework version; each year also per month), so the page sums a few hundred rows
instead of reading every published round, and its filters still work: country and framework
version pick buckets; a date range takes the whole years it covers from the year rows, the whole
months of the years it covers in part from the month rows, and counts only the rounds of the days
left at its ends from the rounds themselves (`synthesis_figures`).

`refresh_round` is called when a round, its report, agreed scores, findings, proposals or their
follow-up change (`network.receivers`): it moves the round to its bucket (or out, when it is no
longer published) and counts the buckets concerned again from their rounds, under a lock per
bucket, so the tallies are always a recount, never an increment that could drift.
`rebuild_tallies` recounts everything (`manage.py rebuild_synthesis_tallies`, the demo's seeding)."""

from __future__ import annotations

import datetime
import zlib
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from peerreview import network_tally
from peerreview.models import Round, RoundState
from peerreview.stats import LEVELS

from .models import CriterionTally, FollowUpTally, TalliedRound
from .synthesis import SynthesisFigures, SynthesisFilters, figures_of, published_rounds

Bucket = tuple[int, int, str, int]  # (year, month: 0 for the whole year, country, framework id)


def _year_month(published_at: datetime.datetime) -> tuple[int, int]:
    day = timezone.localdate(published_at, timezone.get_default_timezone())
    return day.year, day.month


def bucket_of(round_id: int) -> Bucket | None:
    """The (month) bucket the round belongs in now, or None when it is not published."""
    row = (
        Round.objects.filter(
            pk=round_id, state=RoundState.PUBLISHED, summary_report__published_at__isnull=False
        )
        .values_list("summary_report__published_at", "host_city__country", "framework_id")
        .first()
    )
    return None if row is None else (*_year_month(row[0]), row[1], row[2])


def _bucket_rounds(bucket: Bucket) -> QuerySet[Round]:
    """The bucket's rounds, by id: a literal list lets PostgreSQL read their scores, findings
    and proposals through the indexes instead of scanning the tables for a subquery."""
    year, month, country, framework_id = bucket
    tallied = TalliedRound.objects.filter(year=year, country=country, framework_id=framework_id)
    if month:
        tallied = tallied.filter(month=month)
    return Round.objects.filter(pk__in=list(tallied.values_list("round_id", flat=True)))


def _lock(bucket: Bucket) -> None:
    """Serialise the recounts of one bucket (PostgreSQL; SQLite writes one at a time anyway)."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(repr(bucket).encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x53594E, key - 2**31])


def _store(bucket: Bucket, figures: SynthesisFigures) -> None:
    year, month, country, framework_id = bucket
    where = {"year": year, "month": month, "country": country, "framework_id": framework_id}
    CriterionTally.objects.filter(**where).delete()
    FollowUpTally.objects.filter(**where).delete()
    codes = set(figures.levels) | set(figures.areas) | set(figures.messages)
    CriterionTally.objects.bulk_create(
        [
            CriterionTally(
                **where,
                code=code,
                theme_code=figures.themes.get(code, ""),
                scored=code not in figures.messages,
                **{f"level_{level}": count for level, count in enumerate(figures.levels.get(code, []))},
                areas=figures.areas.get(code, 0),
                messages=figures.messages.get(code, 0),
            )
            for code in sorted(codes)
        ]
    )
    FollowUpTally.objects.bulk_create(
        [
            FollowUpTally(**where, theme_code=theme_code, status=status, proposals=count)
            for (theme_code, status), count in sorted(figures.follow_up.items())
            if count
        ]
    )


def recount(bucket: Bucket) -> None:
    """Count one month's bucket and its year's (month 0) again from their rounds."""
    year, month, country, framework_id = bucket
    whole_year = (year, 0, country, framework_id)
    _lock(whole_year)
    _store(bucket, figures_of(_bucket_rounds(bucket)))
    _store(whole_year, figures_of(_bucket_rounds(whole_year)))


@transaction.atomic
def refresh_round(round_id: int) -> None:
    """The round, its report or what they hold changed: put it in its bucket (or take it out)
    and count the buckets concerned again."""
    before = (
        TalliedRound.objects.filter(round_id=round_id)
        .values_list("year", "month", "country", "framework_id")
        .first()
    )
    now = bucket_of(round_id)
    if before != now:
        if now is None:
            TalliedRound.objects.filter(round_id=round_id).delete()
        else:
            year, month, country, framework_id = now
            TalliedRound.objects.update_or_create(
                round_id=round_id,
                defaults={"year": year, "month": month, "country": country, "framework_id": framework_id},
            )
    for bucket in {before, now} - {None}:
        recount(bucket)


def refresh_if_tallied(round_id: int | None) -> None:
    """Something of a round changed that only matters once it is counted (a score, a finding,
    a proposal or its follow-up). One query when it is not."""
    if round_id is not None and TalliedRound.objects.filter(round_id=round_id).exists():
        refresh_round(round_id)


@transaction.atomic
def rebuild_tallies() -> int:
    """Count every published round again (synthesis and benchmark); the number of rounds."""
    TalliedRound.objects.all().delete()
    CriterionTally.objects.all().delete()
    FollowUpTally.objects.all().delete()
    rows = published_rounds(SynthesisFilters()).values_list(
        "pk", "summary_report__published_at", "host_city__country", "framework_id"
    )
    TalliedRound.objects.bulk_create(
        [
            TalliedRound(
                round_id=pk,
                **dict(zip(("year", "month"), _year_month(published_at), strict=True)),
                country=country,
                framework_id=framework_id,
            )
            for pk, published_at, country, framework_id in rows.iterator(chunk_size=5000)
        ],
        batch_size=5000,
    )
    buckets = TalliedRound.objects.values_list("year", "month", "country", "framework_id").distinct()
    years: dict[Bucket, SynthesisFigures] = {}
    for year, month, country, framework_id in sorted(buckets.order_by()):
        figures = figures_of(_bucket_rounds((year, month, country, framework_id)))
        _store((year, month, country, framework_id), figures)
        years.setdefault((year, 0, country, framework_id), SynthesisFigures()).add(figures)
    for bucket, figures in years.items():  # a year is the sum of its months
        _store(bucket, figures)
    network_tally.rebuild()
    return TalliedRound.objects.count()


# --- reading ------------------------------------------------------------------------------------


DateRange = tuple[datetime.date, datetime.date]


def _month_start(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


def _month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def _split_months(
    start: datetime.date, end: datetime.date
) -> tuple[list[tuple[int, int, int]], list[DateRange]]:
    """A date range as the whole months it covers, (year, first month, last month) per year, and
    the days left at its ends."""
    start_index = start.year * 12 + start.month - 1
    end_index = end.year * 12 + end.month - 1
    first_index = start_index if start.day == 1 else start_index + 1
    last_index = end_index if end == _month_end(end.year, end.month) else end_index - 1
    first = (first_index // 12, first_index % 12 + 1)
    last = (last_index // 12, last_index % 12 + 1)
    if first > last:
        return [], [(start, end)]
    months = [
        (year, first[1] if year == first[0] else 1, last[1] if year == last[0] else 12)
        for year in range(first[0], last[0] + 1)
    ]
    days = []
    if start < _month_start(*first):
        days.append((start, _month_start(*first) - datetime.timedelta(days=1)))
    if end > _month_end(*last):
        days.append((_month_end(*last) + datetime.timedelta(days=1), end))
    return months, days


@dataclass(frozen=True)
class DateSplit:
    """Where the figures of a date range come from: the year rows of the whole years, the month
    rows of the whole months of the partly covered years, and the rounds of the days left."""

    years: Q | None  # on the month-0 rows; None: no whole year
    months: list[tuple[int, int, int]]
    days: list[DateRange]


def split_dates(start: datetime.date | None, end: datetime.date | None) -> DateSplit:
    first = None if start is None else (start.year if (start.month, start.day) == (1, 1) else start.year + 1)
    last = None if end is None else (end.year if (end.month, end.day) == (12, 31) else end.year - 1)
    if first is not None and last is not None and first > last:
        months, days = _split_months(start, end)
        return DateSplit(years=None, months=months, days=days)
    years = Q()
    if first is not None:
        years &= Q(year__gte=first)
    if last is not None:
        years &= Q(year__lte=last)
    months: list[tuple[int, int, int]] = []
    days: list[DateRange] = []
    if start is not None and first is not None and start < datetime.date(first, 1, 1):
        part = _split_months(start, datetime.date(first - 1, 12, 31))
        months += part[0]
        days += part[1]
    if end is not None and last is not None and end > datetime.date(last, 12, 31):
        part = _split_months(datetime.date(last + 1, 1, 1), end)
        months += part[0]
        days += part[1]
    return DateSplit(years=years, months=months, days=days)


def synthesis_figures(filters: SynthesisFilters) -> SynthesisFigures:
    """The figures of the rounds the filters select, from the tallies: the whole years of the
    range from the year rows, the whole months of the years it covers in part from the month rows,
    and the days left at its ends counted from those rounds. Two queries (eight when a date of the
    range is not the first or last of a month)."""
    split = split_dates(filters.published_from, filters.published_to)
    rows = Q()
    if split.years is not None:
        rows |= Q(month=0) & split.years
    for year, first_month, last_month in split.months:
        rows |= Q(year=year, month__gte=first_month, month__lte=last_month)
    if filters.country:
        rows &= Q(country=filters.country)
    if filters.framework_id:
        rows &= Q(framework_id=filters.framework_id)
    figures = SynthesisFigures()
    if split.years is not None or split.months:
        levels = {f"l{level}": Sum(f"level_{level}") for level in LEVELS}
        for row in (
            CriterionTally.objects.filter(rows)
            .values("code", "theme_code", "scored")
            .annotate(**levels, areas_n=Sum("areas"), messages_n=Sum("messages"))
            .order_by()
        ):
            code = row["code"]
            if row["theme_code"]:
                figures.themes[code] = row["theme_code"]
            if row["scored"]:
                counts = figures.levels.setdefault(code, [0] * len(LEVELS))
                for level in LEVELS:
                    counts[level] += row[f"l{level}"] or 0
                if row["areas_n"]:
                    figures.areas[code] = figures.areas.get(code, 0) + row["areas_n"]
            elif row["messages_n"]:
                figures.messages[code] = figures.messages.get(code, 0) + row["messages_n"]
        for theme_code, status, count in (
            FollowUpTally.objects.filter(rows)
            .values_list("theme_code", "status")
            .annotate(n=Sum("proposals"))
            .order_by()
        ):
            figures.follow_up[(theme_code, status)] = figures.follow_up.get((theme_code, status), 0) + count
    if split.days:
        days = Q()
        for first_day, last_day in split.days:
            days |= Q(
                summary_report__published_at__date__gte=first_day,
                summary_report__published_at__date__lte=last_day,
            )
        undated = SynthesisFilters(country=filters.country, framework_id=filters.framework_id)
        figures.add(figures_of(published_rounds(undated).filter(days)))
    return figures
