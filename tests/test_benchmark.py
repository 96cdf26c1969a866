"""Benchmarking a city against the network: quartiles per theme and criterion from the latest
published review of each other city, withheld below BENCHMARK_MIN_ROUNDS with the reason, never
another city's own score; self-score against the panel's agreed score flagged per criterion."""

from __future__ import annotations

import datetime
import statistics

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from peerreview.benchmark import benchmark, comparison_rounds
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework():
    return factories.make_framework(scored_criteria=3, unscored_criteria=1)


def _city_round(framework, levels, *, city=None, days_ago=0, **kwargs):
    return factories.published_round(
        city=city,
        framework=framework,
        agreed=dict(zip(["WHY.1", "WHY.2", "WHY.3"], levels, strict=True)),
        published_at=timezone.now() - datetime.timedelta(days=days_ago),
        **kwargs,
    )


@pytest.fixture
def espoo(framework):
    return _city_round(
        framework,
        [1, 3, 2],
        city=factories.CityFactory(name="Espoo"),
        self_scores={"WHY.1": 3, "WHY.2": 3, "WHY.3": 1},
    )


def test_withheld_below_the_minimum_with_the_reason(settings, framework, espoo, client):
    settings.BENCHMARK_MIN_ROUNDS = 5
    for levels in ([0, 1, 2], [4, 4, 4], [2, 2, 2], [3, 3, 3]):
        _city_round(framework, levels)
    result = benchmark(espoo)
    assert result.comparison_count == 4
    assert not result.shown
    assert all(theme.network is None for theme in result.themes)
    assert all(criterion.network is None for criterion in result.criteria)
    assert "only 4 other cities' published reviews" in result.withheld_reason

    member = factories.MembershipFactory(city=espoo.host_city).user
    client.force_login(member)
    page = client.get(reverse("reports:report_view", args=[espoo.pk])).content.decode()
    assert "Your scores against the network" in page
    assert "only 4 other cities&#x27; published reviews score this" in page
    assert "Network: median</th>" in page  # the column is there, its figures are not
    assert "within the network" not in page and "quartile</td>" not in page


def test_shown_from_the_minimum_with_quartiles(settings, framework, espoo):
    settings.BENCHMARK_MIN_ROUNDS = 5
    others = ([0, 1, 2], [4, 4, 4], [2, 2, 2], [3, 3, 3], [1, 2, 4])
    for levels in others:
        _city_round(framework, levels)
    result = benchmark(espoo)
    assert result.shown and result.comparison_count == 5
    why1 = result.criteria[0]
    values = sorted(levels[0] for levels in others)  # 0 1 2 3 4
    assert (why1.network.n, why1.network.q1, why1.network.median, why1.network.q3) == (5, 1.0, 2.0, 3.0)
    assert why1.network.median == statistics.median(values)
    assert why1.position == "within"
    [theme] = result.themes
    means = sorted(statistics.fmean(levels) for levels in others)
    assert theme.network.n == 5
    assert theme.network.median == pytest.approx(statistics.median(means))
    assert theme.mean_agreed == pytest.approx(2.0)


def test_a_criterion_fewer_cities_score_is_withheld_alone(settings, framework, espoo):
    settings.BENCHMARK_MIN_ROUNDS = 5
    for index in range(5):
        _city_round(framework, [2, 2, None if index < 2 else 3])  # WHY.3 not applicable in two
    result = benchmark(espoo)
    by_code = {row.criterion.code: row for row in result.criteria}
    assert by_code["WHY.1"].network is not None
    assert by_code["WHY.3"].network is None and by_code["WHY.3"].contributors == 3
    assert "only 3 other cities" in by_code["WHY.3"].withheld_reason


def test_only_the_latest_review_of_each_other_city_counts(settings, framework, espoo):
    settings.BENCHMARK_MIN_ROUNDS = 5
    city = factories.CityFactory()
    old = _city_round(framework, [0, 0, 0], city=city, days_ago=800)
    new = _city_round(framework, [4, 4, 4], city=city, days_ago=10)
    earlier_espoo = _city_round(framework, [4, 4, 4], city=espoo.host_city, days_ago=900)
    ids = set(comparison_rounds(espoo).values_list("pk", flat=True))
    assert new.pk in ids and old.pk not in ids
    assert espoo.pk not in ids and earlier_espoo.pk not in ids
    for _index in range(3):
        _city_round(framework, [2, 2, 2])
    assert not benchmark(espoo).shown  # four other cities, however many rounds


def test_no_single_other_city_score_is_ever_shown(settings, framework, espoo, client):
    """With exactly the minimum, the figures are quartiles; no row names another city."""
    settings.BENCHMARK_MIN_ROUNDS = 5
    cities = []
    for levels in ([0, 1, 2], [4, 4, 4], [2, 2, 2], [3, 3, 3], [1, 2, 4]):
        cities.append(_city_round(framework, levels).host_city.name)
    client.force_login(factories.MembershipFactory(city=espoo.host_city).user)
    page = client.get(reverse("reports:report_view", args=[espoo.pk])).content.decode()
    section = page[page.index('id="benchmark"') :]
    assert not any(name in section for name in cities)


def test_self_score_gaps_are_flagged_per_criterion(framework, espoo):
    result = benchmark(espoo)
    by_code = {row.criterion.code: row for row in result.criteria}
    assert (by_code["WHY.1"].gap, by_code["WHY.1"].gap_flag) == (2, "large")
    assert (by_code["WHY.2"].gap, by_code["WHY.2"].gap_flag) == (0, "")
    assert (by_code["WHY.3"].gap, by_code["WHY.3"].gap_flag) == (-1, "small")
    assert by_code["WHY.3"].gap_label == "1 level below the panel"
    assert [row.criterion.code for row in result.gaps] == ["WHY.1", "WHY.3"]


def test_the_benchmark_is_for_the_round_not_for_other_readers(settings, framework, client):
    """A report shared with the network shows its benchmark to its city, not to other cities."""
    settings.BENCHMARK_MIN_ROUNDS = 3
    shared = _city_round(framework, [2, 2, 2], publication_level="network")
    for levels in ([1, 1, 1], [3, 3, 3], [2, 3, 4]):
        _city_round(framework, levels)
    reader = factories.MembershipFactory(city=factories.CityFactory()).user
    client.force_login(reader)
    response = client.get(reverse("reports:report_view", args=[shared.pk]))
    assert response.status_code == 200
    assert response.context["benchmark"] is None
    client.force_login(factories.MembershipFactory(city=shared.host_city).user)
    assert client.get(reverse("reports:report_view", args=[shared.pk])).context["benchmark"].shown


def test_the_city_dashboard_shows_its_latest_review_against_the_network(settings, framework, espoo, client):
    settings.BENCHMARK_MIN_ROUNDS = 3
    for levels in ([1, 1, 1], [3, 3, 3], [2, 3, 4]):
        _city_round(framework, levels)
    client.force_login(factories.MembershipFactory(city=espoo.host_city).user)
    page = client.get(reverse("peerreview:dashboard")).content.decode()
    assert "Espoo against the network" in page
    assert f"/rounds/{espoo.pk}/report/#benchmark" in page
    assert "Your self-score differs from the panel's on 2 criteria." in page


def test_the_counts_give_the_quartiles_percentile_cont_gives(settings, framework, espoo):
    """The network's quartiles come from the tallies; over the comparison rounds' own scores
    ``percentile_cont`` gives the same numbers (per criterion, and per theme over the means)."""
    settings.BENCHMARK_MIN_ROUNDS = 5
    rows = ([0, 1, 2], [4, 4, 3], [2, 2, 2], [3, 3, 1], [1, 2, 4], [2, 4, 4])
    for levels in rows:
        _city_round(framework, levels)
    result = benchmark(espoo)
    for index, criterion in enumerate(result.criteria):
        values = [levels[index] for levels in rows]
        assert criterion.network.n == 6
        for fraction, value in (
            (0.25, criterion.network.q1),
            (0.5, criterion.network.median),
            (0.75, criterion.network.q3),
        ):
            assert value == pytest.approx(_percentile_cont(values, fraction))
    [theme] = result.themes
    means = [statistics.fmean(levels) for levels in rows]
    assert theme.network.median == pytest.approx(_percentile_cont(means, 0.5))
    assert theme.network.q1 == pytest.approx(_percentile_cont(means, 0.25))
    assert theme.network.q3 == pytest.approx(_percentile_cont(means, 0.75))


def _percentile_cont(values, fraction):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v) FROM unnest(%s::float8[]) v",
            [fraction, [float(v) for v in values]],
        )
        return cursor.fetchone()[0]


def test_the_counts_follow_publication_changes_and_withdrawal(settings, framework, espoo):
    """A level changed after publication, a newer round of a city and a round no longer
    published all change the counts; the network's size never changes the number of queries."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from peerreview.models import AgreedScore, NetworkTally

    settings.BENCHMARK_MIN_ROUNDS = 3
    others = [_city_round(framework, levels) for levels in ([1, 1, 1], [3, 3, 3], [2, 2, 2])]
    with CaptureQueriesContext(db) as few:
        first = benchmark(espoo)
    assert [first.criteria[0].network.q1, first.criteria[0].network.median] == [1.5, 2.0]

    score = AgreedScore.objects.get(round=others[0], criterion__code="WHY.1")
    score.level = 4
    score.save()
    assert benchmark(espoo).criteria[0].network.median == 3.0  # 2, 3, 4

    newer = _city_round(framework, [0, 0, 0], city=others[1].host_city)
    assert benchmark(espoo).criteria[0].network.median == 2.0  # 4, 0, 2: only the newer round counts
    assert newer.pk

    others[2].state = "cancelled"  # no longer published (never done by the platform; by hand)
    others[2].save()
    after = benchmark(espoo)
    assert after.comparison_count == 2 and not after.shown
    assert "only 2 other cities" in after.withheld_reason

    for levels in ([1, 2, 3], [2, 3, 4], [0, 1, 2], [4, 4, 4]):
        _city_round(framework, levels)
    with CaptureQueriesContext(db) as many:
        benchmark(espoo)
    assert len(many) == len(few)
    assert NetworkTally.objects.get(kind="cities").rounds == 7  # Espoo and six others


def test_from_the_report_pages_score_overview_the_same_with_fewer_queries(settings, framework):
    """The report page passes the score overview it built the report from: the same comparison
    (not applicable, no self-score, quartiles) as benchmark's own queries, three queries fewer."""
    from django.test.utils import CaptureQueriesContext

    from peerreview.services.panel import score_overview

    settings.BENCHMARK_MIN_ROUNDS = 3
    city_round = _city_round(
        framework,
        [1, None, 4],
        city=factories.CityFactory(name="Espoo"),
        self_scores={"WHY.1": 3, "WHY.2": 2},
    )
    for levels in ([0, 1, 2], [4, 4, 4], [2, 2, 2]):
        _city_round(framework, levels)
    overview = score_overview(city_round)
    with CaptureQueriesContext(connection) as own:
        expected = benchmark(city_round)
    with CaptureQueriesContext(connection) as reused:
        result = benchmark(city_round, overview)
    assert result == expected and result.shown
    assert [(c.agreed, c.agreed_not_applicable, c.self_score) for c in result.criteria] == [
        (1, False, 3),
        (None, True, 2),
        (4, False, None),
    ]
    assert len(reused) == len(own) - 3
