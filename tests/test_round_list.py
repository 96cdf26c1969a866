"""The coordinator's round list and dashboard stay small however large the network grows:
the dashboard shows the first rounds of each list with a link to the paginated, filterable list."""

from __future__ import annotations

import datetime

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerreview import paging
from peerreview.models import Round
from peerreview.selectors import DASHBOARD_ROWS, coordinator_round_list
from peerreview.views import rounds as rounds_views
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


# --- lists of the whole network are never counted whole (peerreview.paging) ---------------


def test_bounded_paginator_counts_only_as_far_as_the_pager_needs(monkeypatch):
    monkeypatch.setattr(paging, "LOOKAHEAD_PAGES", 2)
    rounds(40)
    queryset = Round.objects.order_by("title")
    with CaptureQueriesContext(connection) as queries:
        first = paging.BoundedPaginator(queryset, 5, page=1, cap=10).get_page(1)
    assert "LIMIT 16" in queries.captured_queries[0]["sql"]  # max(cap, (1 + 2) pages) + 1 rows
    assert first.paginator.more_than_count and first.paginator.count == 15
    assert first.has_next() and [r.title for r in first] == [f"Round {i:03d}" for i in range(5)]
    assert list(first.paginator.get_elided_page_range(1)) == [1, 2, 3, Paginator.ELLIPSIS]
    # Further on, it counts further: near the end the count is exact again.
    last = paging.BoundedPaginator(queryset, 5, page=7, cap=10).get_page(7)
    assert not last.paginator.more_than_count and last.paginator.count == 40
    assert last.paginator.num_pages == 8 and last.has_next()
    # A page past the end shows the last page, as Django's get_page does.
    beyond = paging.BoundedPaginator(queryset, 5, page=99, cap=10).get_page(99)
    assert beyond.number == 8 and [r.title for r in beyond][-1] == "Round 039"
    # Few rows: an exact count and Django's own pager.
    exact = paging.BoundedPaginator(queryset.filter(title__lt="Round 007"), 5, page=1, cap=10).get_page(1)
    assert exact.paginator.count == 7 and exact.paginator.num_pages == 2
    assert not exact.paginator.more_than_count


def test_round_list_without_a_total_still_pages_through_every_round(coordinator_client, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 6)
    monkeypatch.setattr(paging, "LOOKAHEAD_PAGES", 1)
    monkeypatch.setattr(rounds_views, "ROUNDS_PER_PAGE", 4)
    made = rounds(23)
    url = reverse("peerreview:round_list")
    first = coordinator_client.get(url)
    assert first.context["page"].paginator.more_than_count
    page = first.content.decode()
    assert "More than 8 rounds" in page  # max(cap 6, (page 1 + 1) × 4)
    assert "more pages follow" in page and "?page=2" in page and "?page=3" not in page
    seen, number = [], 1
    while True:
        response = coordinator_client.get(url, {"page": number})
        assert response.status_code == 200
        seen += titles(response)
        if not response.context["page"].has_next():
            break
        number += 1
    assert seen == [r.title for r in made]  # every round once, in order
    assert number == 6
    assert "more pages follow" not in response.content.decode()
    assert "23 rounds" in response.content.decode()  # near the end the count is exact


def test_audit_log_pager_says_more_than_when_it_stopped_counting(client, monkeypatch):
    from audit import views as audit_views

    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    monkeypatch.setattr(paging, "LOOKAHEAD_PAGES", 1)
    monkeypatch.setattr(audit_views, "PAGE_SIZE", 1)
    rounds(3)  # each new round writes to the audit trail
    client.force_login(factories.CoordinatorFactory())
    response = client.get(reverse("audit:log"))
    assert response.status_code == 200
    assert response.context["page"].paginator.more_than_count
    assert "Page 1 of more than 2." in response.content.decode()


@pytest.mark.parametrize(
    "query", ["tampere", "TAMP", "und 00", "twin", "zz", "Jyväskylä", "väs", "KESÄ", "nowhere"]
)
def test_round_search_finds_what_icontains_on_title_or_city_found(query):
    """The search changed shape (a union served by trigram indexes on PostgreSQL) but not its
    results: exactly the rounds whose title or host city's name contains the words, any case."""
    rounds(12, city=factories.CityFactory(name="Tampere"), title="Round")
    rounds(3, city=factories.CityFactory(name="Jyväskylä"), title="Kesä")
    rounds(2, city=factories.CityFactory(name="Oulu"), title="Tampere-Oulu twin")
    rounds(2, city=factories.CityFactory(name="Zz Ville"), title="ZZ top")
    expected = set(
        Round.objects.filter(Q(title__icontains=query) | Q(host_city__name__icontains=query)).values_list(
            "pk", flat=True
        )
    )
    found = [r.pk for r in coordinator_round_list({"q": query}, TODAY)]
    assert len(found) == len(set(found))
    assert set(found) == expected
    assert expected or query in ("KESÄ", "nowhere")  # (SQLite's LIKE ignores case in ASCII only)


def test_dashboard_counts_stop_at_the_cap_and_say_more_than(coordinator_client, monkeypatch):
    from peerreview import selectors

    monkeypatch.setattr(selectors, "DASHBOARD_COUNT_CAP", 4)
    rounds(6, due_in_days=-10, title="Late")
    rounds(3, state="drafting", title="Draft")
    response = coordinator_client.get(reverse("peerreview:dashboard"))
    dashboard = response.context["coordinator"]
    open_group = next(g for g in dashboard.groups if g.state == "prereport_open")
    drafting = next(g for g in dashboard.groups if g.state == "drafting")
    assert (open_group.total, open_group.more) == (4, True)
    assert (drafting.total, drafting.more) == (3, False)
    assert (dashboard.overdue_total, dashboard.overdue_more) == (4, True)
    counts = {c.state: (c.count, c.more) for c in dashboard.counts}
    assert counts["prereport_open"] == (4, True) and counts["drafting"] == (3, False)
    assert counts["planned"] == (0, False)
    assert (dashboard.total, dashboard.total_more) == (7, True)
    page = response.content.decode()
    assert "See all overdue rounds (more than 4)" in page
    assert "See all rounds at “Pre-report open” (more than 4)" in page
    assert "more than 7" in page


def test_dashboard_counts_are_exact_below_the_cap(coordinator_client):
    rounds(3, due_in_days=-3)
    rounds(2, state="published")
    dashboard = coordinator_client.get(reverse("peerreview:dashboard")).context["coordinator"]
    counts = {c.state: (c.count, c.more) for c in dashboard.counts}
    assert counts["prereport_open"] == (3, False) and counts["published"] == (2, False)
    assert (dashboard.overdue_total, dashboard.overdue_more) == (3, False)
    assert (dashboard.total, dashboard.total_more) == (5, False)


def test_the_lists_count_each_rounds_panel(coordinator_client):
    """The panel counts come from one grouped query for the rows shown (`with_panel_counts`)."""
    now = timezone.now()
    scoring = factories.RoundFactory(state="scoring", title="Scoring round", scoring_due=TODAY)
    factories.AssignmentFactory(round=scoring, role="lead", scores_submitted_at=now)
    factories.AssignmentFactory(round=scoring)  # accepted, not submitted
    factories.AssignmentFactory(round=scoring, state="invited")
    factories.AssignmentFactory(round=scoring, state="declined", scores_submitted_at=now)
    forming = factories.RoundFactory(state="prereport_open", title="Forming round")
    factories.AssignmentFactory(round=forming, state="invited")
    factories.AssignmentFactory(round=forming, state="invited")

    dashboard = coordinator_client.get(reverse("peerreview:dashboard")).content.decode()
    listed = coordinator_client.get(reverse("peerreview:round_list")).content.decode()

    for page in (dashboard, listed):
        assert "2 accepted, 1 invited" in page
        assert "0 accepted, 2 invited" in page
    assert "1 of 2 evaluators have submitted their scores." in dashboard
    assert "Complete the panel: 0 accepted, 2 waiting; a lead and at least 2 needed." in dashboard


def test_the_evaluator_section_shows_for_a_panel_seat_without_an_evaluator_profile(client):
    """Skipped for people with neither a profile nor an assignment; shown for a seat alone."""
    member = factories.MembershipFactory().user
    client.force_login(member)
    assert "Your work as an evaluator" not in client.get(reverse("peerreview:dashboard")).content.decode()

    factories.AssignmentFactory(evaluator=member, round=factories.RoundFactory(state="scoring"))
    assert "Your work as an evaluator" in client.get(reverse("peerreview:dashboard")).content.decode()

    declined_only = factories.MembershipFactory().user
    factories.AssignmentFactory(evaluator=declined_only, state="declined")
    client.force_login(declined_only)
    assert "Your work as an evaluator" not in client.get(reverse("peerreview:dashboard")).content.decode()


def test_dashboard_latest_closed_rounds_are_the_first_entries_of_their_own_index(coordinator_client):
    """The ten latest closed rounds are read from an index of closed rounds only, newest first:
    active rounds changed more recently are not in it to be stepped over."""
    from peerreview.selectors import RECENTLY_CLOSED_LIMIT, recently_closed_rounds

    closed = rounds(3, state="published", title="Closed") + rounds(2, state="cancelled", title="Stopped")
    rounds(4, state="scoring", title="Active")  # changed after the closed ones
    Round.objects.filter(pk=closed[0].pk).update(updated_at=timezone.now())  # the latest change of all

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = recently_closed_rounds()[:RECENTLY_CLOSED_LIMIT].explain()
    page = coordinator_client.get(reverse("peerreview:dashboard")).content.decode()

    assert "round_latest_closed" in plan
    assert [r.pk for r in recently_closed_rounds()] == [
        r.pk
        for r in sorted(
            Round.objects.filter(state__in=["published", "cancelled"]),
            key=lambda r: (r.updated_at, r.pk),
            reverse=True,
        )
    ]
    latest = page.split("Recently published or cancelled")[1]
    assert latest.index(closed[0].title) < latest.index(closed[1].title)
    assert "Active" not in latest


def test_round_url_is_the_address_url_gives_for_each_round(coordinator_client):
    """The lists' cheap `{% round_url %}` writes what `{% url %}` writes, under any script prefix,
    and the pages link every round listed."""
    from django.urls import NoReverseMatch, get_script_prefix, set_script_prefix

    from peerreview.templatetags.peerreview_tags import round_url

    before = get_script_prefix()
    try:
        for prefix in ("/", "/peer-review/"):
            set_script_prefix(prefix)
            for pk in (1, 42, 10**9):
                assert round_url(pk) == reverse("peerreview:round_detail", args=[pk])
                assert round_url(pk, "peerreview:prereport_edit") == reverse(
                    "peerreview:prereport_edit", args=[pk]
                )
    finally:
        set_script_prefix(before)
    with pytest.raises(NoReverseMatch):
        round_url(1, "peerreview:dashboard")  # takes no round

    listed = rounds(3, title="Linked")
    for url in (reverse("peerreview:dashboard"), reverse("peerreview:round_list")):
        page = coordinator_client.get(url).content.decode()
        for review_round in listed:
            assert f'href="{reverse("peerreview:round_detail", args=[review_round.pk])}"' in page
