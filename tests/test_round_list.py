"""The coordinator's round list and dashboard stay small however large the network grows:
the dashboard shows the first rounds of each list with a link to the paginated, filterable list."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerreview.selectors import DASHBOARD_ROWS
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def rounds(count: int, *, city=None, state="prereport_open", due_in_days=10, title="Round"):
    city = city or factories.CityFactory()
    return [
        factories.RoundFactory(
            host_city=city,
            state=state,
            title=f"{title} {index:03d}",
            prereport_due=TODAY + datetime.timedelta(days=due_in_days + index),
        )
        for index in range(count)
    ]


@pytest.fixture
def coordinator_client(client):
    client.force_login(factories.CoordinatorFactory())
    return client


def titles(response) -> list[str]:
    return [review_round.title for review_round in response.context["page"].object_list]


def test_dashboard_shows_the_first_rounds_of_each_step_and_links_to_all(coordinator_client):
    rounds(DASHBOARD_ROWS + 7, title="Open")
    rounds(DASHBOARD_ROWS + 3, due_in_days=-30, title="Late")
    response = coordinator_client.get(reverse("peerreview:dashboard"))
    dashboard = response.context["coordinator"]
    assert len(dashboard.overdue) == DASHBOARD_ROWS
    assert dashboard.overdue_total == DASHBOARD_ROWS + 3
    assert [r.title for r in dashboard.overdue] == [f"Late {i:03d}" for i in range(DASHBOARD_ROWS)]
    group = next(g for g in dashboard.groups if g.state == "prereport_open")
    assert group.total == 2 * DASHBOARD_ROWS + 10
    assert len(group.rows) == DASHBOARD_ROWS
    assert group.rows[0].title == "Late 000"  # the most urgent first
    page = response.content.decode()
    assert f"{reverse('peerreview:round_list')}?overdue=on" in page
    assert f"{reverse('peerreview:round_list')}?state=prereport_open" in page


def test_dashboard_queries_do_not_grow_with_the_network(coordinator_client):
    rounds(1)
    with CaptureQueriesContext(connection) as few:
        coordinator_client.get(reverse("peerreview:dashboard"))
    rounds(40, due_in_days=-5)
    rounds(30, state="scoring")
    with CaptureQueriesContext(connection) as many:
        response = coordinator_client.get(reverse("peerreview:dashboard"))
    assert response.status_code == 200
    assert len(many) == len(few)


def test_round_list_pages_filters_and_sorts_by_due_date(coordinator_client):
    helsinki = factories.CityFactory(name="Helsinki", country="FI")
    lisbon = factories.CityFactory(name="Lisboa", country="PT")
    rounds(30, city=helsinki, title="Helsinki")
    rounds(3, city=lisbon, title="Lisboa", due_in_days=-3)
    url = reverse("peerreview:round_list")
    first = coordinator_client.get(url)
    assert first.status_code == 200
    assert first.context["page"].paginator.count == 33
    assert len(titles(first)) == 25
    assert titles(first)[:3] == ["Lisboa 000", "Lisboa 001", "Lisboa 002"]  # overdue first
    assert len(titles(coordinator_client.get(url, {"page": 2}))) == 8
    assert titles(coordinator_client.get(url, {"country": "PT"})) == [
        "Lisboa 000",
        "Lisboa 001",
        "Lisboa 002",
    ]
    assert len(titles(coordinator_client.get(url, {"overdue": "on"}))) == 3
    assert titles(coordinator_client.get(url, {"q": "helsinki 02"}))[0] == "Helsinki 020"
    assert len(titles(coordinator_client.get(url, {"state": "scoring"}))) == 0
    assert len(titles(coordinator_client.get(url, {"year": TODAY.year}))) == 25


def test_round_list_bad_input_is_explained_never_an_error(coordinator_client):
    rounds(2)
    url = reverse("peerreview:round_list")
    for params in (
        {"year": "twenty"},
        {"state": "nonsense"},
        {"page": "999"},
        {"page": "x"},
        {"q": "a\x00b"},
    ):
        response = coordinator_client.get(url, params)
        assert response.status_code in (200, 400), params
    response = coordinator_client.get(url, {"year": "twenty"})
    assert "Enter a year such as 2026." in response.content.decode()
    response = coordinator_client.get(url, {"q": "no such round anywhere"})
    assert "No round matches these filters" in response.content.decode()


def test_round_list_queries_do_not_grow_with_rounds(coordinator_client):
    rounds(1)
    url = reverse("peerreview:round_list")
    with CaptureQueriesContext(connection) as few:
        coordinator_client.get(url)
    rounds(60)
    with CaptureQueriesContext(connection) as many:
        coordinator_client.get(url)
    assert len(many) == len(few)
