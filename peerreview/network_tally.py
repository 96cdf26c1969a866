"""The network's benchmark figures kept as counts (`NetworkTally`), so that a city's comparison
reads a few hundred rows however large the network is.

The network is the latest published round of each city (`NetworkLatestRound`). When a round is
published, its agreed scores change after publication or it stops being published,
`refresh_city` finds the city's latest published round again and applies the difference to the
counts: minus what the previous one added, plus what the new one adds. The benchmark then
subtracts the city's own contribution (no city is compared with itself) and computes quartiles
from the counts (`percentile_from_counts`, the same numbers as ``percentile_cont``)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef

from cities.models import City

from .models import AgreedScore, NetworkLatestRound, NetworkTally, Round, RoundState

Key = tuple[str, str, float]  # (kind, code, value)
CITIES_KEY: Key = (NetworkTally.Kind.CITIES, "", 0.0)


def latest_published_round(city_id: int) -> Round | None:
    return (
        Round.objects.filter(host_city_id=city_id, state=RoundState.PUBLISHED, published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )


def contribution(round_id: int) -> tuple[dict[str, int], dict[str, float]]:
    """The round's agreed levels per criterion code and mean level per theme code (scored
    themes; not applicable and unscored criteria left out). One query."""
    rows = AgreedScore.objects.filter(
        round_id=round_id, not_applicable=False, level__isnull=False, criterion__theme__is_scored=True
    ).values_list("criterion__code", "criterion__theme__code", "level")
    levels: dict[str, int] = {}
    by_theme: dict[str, list[int]] = {}
    for code, theme_code, level in rows:
        levels[code] = level
        by_theme.setdefault(theme_code, []).append(level)
    return levels, {theme: statistics.fmean(values) for theme, values in by_theme.items()}


def keys_of(levels: dict[str, int], theme_means: dict[str, float]) -> Counter[Key]:
    keys: Counter[Key] = Counter({CITIES_KEY: 1})
    for code, level in levels.items():
        keys[(NetworkTally.Kind.CRITERION, code, float(level))] += 1
    for code, mean in theme_means.items():
        keys[(NetworkTally.Kind.THEME, code, float(mean))] += 1
    return keys


def _apply(deltas: Counter[Key] | dict[Key, int]) -> None:
    changes = {key: delta for key, delta in deltas.items() if delta}
    if not changes:
        return
    NetworkTally.objects.bulk_create(
        [NetworkTally(kind=kind, code=code, value=value) for kind, code, value in changes],
        ignore_conflicts=True,
    )
    for (kind, code, value), delta in changes.items():
        NetworkTally.objects.filter(kind=kind, code=code, value=value).update(rounds=F("rounds") + delta)


@transaction.atomic
def refresh_city(city_id: int) -> None:
    """Count the city's latest published round (and no longer the one counted before)."""
    if not City.objects.select_for_update().filter(pk=city_id).exists():  # one city at a time
        return
    counted = NetworkLatestRound.objects.filter(city_id=city_id).first()
    latest = latest_published_round(city_id)
    deltas: Counter[Key] = Counter()
    if counted is not None:
        deltas.subtract(keys_of(counted.levels, counted.theme_means))
    if latest is None:
        if counted is not None:
            counted.delete()
        _apply(deltas)
        return
    levels, theme_means = contribution(latest.pk)
    deltas.update(keys_of(levels, theme_means))
    _apply(deltas)
    NetworkLatestRound.objects.update_or_create(
        city_id=city_id, defaults={"round": latest, "levels": levels, "theme_means": theme_means}
    )


def refresh_round(review_round: Round) -> None:
    """A round that is or was published changed: count its city again."""
    refresh_city(review_round.host_city_id)


@transaction.atomic
def rebuild() -> int:
    """Count every city's latest published round from scratch (two queries that read the
    published rounds and their agreed scores); the number of cities counted."""
    NetworkTally.objects.all().delete()
    NetworkLatestRound.objects.all().delete()
    published = Round.objects.filter(state=RoundState.PUBLISHED, published_at__isnull=False)
    newer = published.filter(host_city=OuterRef("host_city"), published_at__gt=OuterRef("published_at"))
    newest = published.filter(~Exists(newer))  # ties (the same instant) are settled below
    latest: dict[int, tuple] = {}
    for pk, city_id, published_at in newest.values_list("pk", "host_city_id", "published_at").iterator():
        if city_id not in latest or (published_at, pk) > latest[city_id][1:]:
            latest[city_id] = (pk, published_at, pk)
    round_city = {values[0]: city_id for city_id, values in latest.items()}
    levels: dict[int, dict[str, int]] = {pk: {} for pk in round_city}
    by_theme: dict[int, dict[str, list[int]]] = {pk: {} for pk in round_city}
    scores = AgreedScore.objects.filter(
        round__in=newest, not_applicable=False, level__isnull=False, criterion__theme__is_scored=True
    ).values_list("round_id", "criterion__code", "criterion__theme__code", "level")
    for round_id, code, theme_code, level in scores.iterator(chunk_size=5000):
        if round_id in round_city:
            levels[round_id][code] = level
            by_theme[round_id].setdefault(theme_code, []).append(level)
    totals: Counter[Key] = Counter()
    rows = []
    for round_id, city_id in round_city.items():
        means = {theme: statistics.fmean(values) for theme, values in by_theme[round_id].items()}
        totals.update(keys_of(levels[round_id], means))
        rows.append(
            NetworkLatestRound(city_id=city_id, round_id=round_id, levels=levels[round_id], theme_means=means)
        )
    NetworkLatestRound.objects.bulk_create(rows, batch_size=1000)
    NetworkTally.objects.bulk_create(
        [
            NetworkTally(kind=kind, code=code, value=value, rounds=n)
            for (kind, code, value), n in totals.items()
        ],
        batch_size=1000,
    )
    return len(rows)


@dataclass(frozen=True)
class NetworkCounts:
    """The network without one city: cities counted, and per code the counts of each value."""

    cities: int
    criteria: dict[str, dict[float, int]]
    themes: dict[str, dict[float, int]]


def network_without(city_id: int) -> NetworkCounts:
    """The counts of every city's latest published round but this city's. Two queries."""
    own = NetworkLatestRound.objects.filter(city_id=city_id).values_list("levels", "theme_means").first()
    counts: Counter[Key] = Counter(
        {
            (kind, code, value): n
            for kind, code, value, n in NetworkTally.objects.filter(rounds__gt=0).values_list(
                "kind", "code", "value", "rounds"
            )
        }
    )
    if own is not None:
        counts.subtract(keys_of(*own))
    criteria: dict[str, dict[float, int]] = {}
    themes: dict[str, dict[float, int]] = {}
    for (kind, code, value), n in counts.items():
        if n <= 0 or kind == NetworkTally.Kind.CITIES:
            continue
        target = criteria if kind == NetworkTally.Kind.CRITERION else themes
        target.setdefault(code, {})[value] = n
    return NetworkCounts(cities=max(counts[CITIES_KEY], 0), criteria=criteria, themes=themes)
