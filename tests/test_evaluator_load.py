"""Each evaluator's panels are kept counted (`EvaluatorLoad`), so that the panel page ranks every
evaluator without aggregating every assignment of the network: the counts follow invitations,
answers, deleted assignments and rounds that close, reopen or are cancelled; a window moving
past an invitation is counted before the ranking reads the row; two answers at once are both
counted; the ranking weighs the same numbers as counting from the assignments."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerreview.models import Assignment, EvaluatorLoad, RoundState
from peerreview.services.evaluator_load import refresh_expired_loads, refresh_loads
from peerreview.services.matching import round_needs, suggestions
from peerreview.services.panel import invite_evaluator, respond_to_invitation
from peerreview.services.rounds import cancel_round
from tests import factories
from tests.parallel import in_parallel

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _expected(evaluator, now=None) -> tuple[int, int, int]:
    """Open panels, panels in the last year and in the last two years, counted here from the
    assignments with the rules the panel page states."""
    now = now or timezone.now()
    open_panels = year = two_years = 0
    for assignment in Assignment.objects.filter(evaluator=evaluator).select_related("round"):
        state = assignment.round.state
        if assignment.state != "declined" and state not in ("published", "cancelled"):
            open_panels += 1
        if assignment.state == "accepted" and state != "cancelled":
            year += assignment.invited_at >= now - 365 * DAY
            two_years += assignment.invited_at >= now - 730 * DAY
    return open_panels, year, two_years


def _kept(evaluator) -> tuple[int, int, int]:
    load = EvaluatorLoad.objects.filter(evaluator=evaluator).first()
    if load is None:
        return 0, 0, 0
    return load.open_panels, load.year_panels, load.rotation_panels


def _evaluator(name: str):
    return factories.EvaluatorProfileFactory(user__full_name=name).user


def test_the_kept_counts_follow_every_change_of_a_panel():
    coordinator = factories.CoordinatorFactory()
    ada, ben = _evaluator("Ada"), _evaluator("Ben")
    rounds = [factories.RoundFactory(state=RoundState.PREREPORT_OPEN) for _index in range(4)]
    steps = []

    def check(step: str) -> None:
        for person in (ada, ben):
            assert _kept(person) == _expected(person), (step, person.full_name)
        steps.append(step)

    invitations = [
        invite_evaluator(review_round=r, evaluator=ada, role="member", invited_by=coordinator) for r in rounds
    ]
    other = invite_evaluator(review_round=rounds[0], evaluator=ben, role="lead", invited_by=coordinator)
    check("invited")
    assert _kept(ada) == (4, 0, 0)
    respond_to_invitation(assignment=invitations[0], accept=True)
    respond_to_invitation(assignment=invitations[1], accept=True)
    respond_to_invitation(assignment=invitations[2], accept=False, reason="Holiday")
    respond_to_invitation(assignment=other, accept=True)
    check("answered")
    assert _kept(ada) == (3, 2, 2)
    cancel_round(review_round=rounds[1], actor=coordinator, reason="The city withdrew.")
    check("cancelled")
    assert _kept(ada) == (2, 1, 1)
    rounds[0].state = RoundState.PUBLISHED  # as the back office saves a corrected step
    rounds[0].save()
    check("published")
    assert _kept(ada) == (1, 1, 1) and _kept(ben) == (0, 1, 1)
    rounds[0].state = RoundState.DRAFTING
    rounds[0].save()
    check("reopened")
    invitations[3].delete()
    check("assignment deleted")
    assert _kept(ada) == (1, 1, 1)
    rounds[0].delete()
    check("round deleted")
    assert _kept(ada) == (0, 0, 0) and _kept(ben) == (0, 0, 0)


def test_a_round_saved_without_its_step_counts_nothing_again():
    review_round = factories.RoundFactory(state=RoundState.SCORING)
    factories.AssignmentFactory(round=review_round, evaluator=_evaluator("Ada"), state="accepted")
    review_round.title = "Renamed"
    with CaptureQueriesContext(connection) as saved:
        review_round.save(update_fields=["title"])
    assert saved.captured_queries
    assert not [query for query in saved.captured_queries if "evaluatorload" in query["sql"]]
    with CaptureQueriesContext(connection) as saved:
        review_round.save()  # every field, the step too
    assert [query for query in saved.captured_queries if "evaluatorload" in query["sql"]]


def test_an_invitation_leaving_the_year_is_counted_before_the_ranking_reads_it():
    host_round = factories.RoundFactory(state=RoundState.PREREPORT_OPEN)
    ada = _evaluator("Ada")
    earlier = factories.AssignmentFactory(
        evaluator=ada, state="accepted", round=factories.RoundFactory(state=RoundState.PUBLISHED)
    )
    invited = timezone.now() - 365 * DAY - datetime.timedelta(minutes=1)
    Assignment.objects.filter(pk=earlier.pk).update(invited_at=invited)
    # Counted three minutes ago, when the invitation was still in the year.
    refresh_loads([ada.pk], now=timezone.now() - datetime.timedelta(minutes=3))
    kept = EvaluatorLoad.objects.get(evaluator=ada)
    assert (kept.year_panels, kept.rotation_panels) == (1, 1)
    assert kept.changes_at == invited + 365 * DAY

    ranked = {p.user_id: p for p in suggestions(host_round, round_needs(host_round))}

    assert ranked[ada.pk].year_panels == 0  # the year has moved past it
    kept.refresh_from_db()
    assert (kept.year_panels, kept.rotation_panels) == (0, 1)
    assert kept.changes_at == invited + 730 * DAY  # when it leaves the rotation period
    assert _kept(ada) == _expected(ada)
    assert refresh_expired_loads(invited + 730 * DAY + datetime.timedelta(seconds=1)) == 1
    assert _kept(ada)[2] == 0


def test_the_ranking_weighs_what_counting_the_assignments_gives():
    host = factories.CityFactory(name="Espoo")
    host_round = factories.RoundFactory(host_city=host, state=RoundState.PREREPORT_OPEN)
    malmo = factories.CityFactory(name="Malmö", country="SE")
    busy = factories.EvaluatorProfileFactory(user__full_name="Busy", home_city=malmo).user
    neighbour = factories.EvaluatorProfileFactory(user__full_name="Neighbour", home_city=malmo).user
    free = _evaluator("Free")
    for state in ("scoring", "published", "cancelled", "drafting"):
        factories.AssignmentFactory(
            evaluator=busy, round=factories.RoundFactory(state=state), state="accepted"
        )
    factories.AssignmentFactory(
        evaluator=neighbour, round=factories.RoundFactory(state="scoring", host_city=host), state="accepted"
    )
    factories.AssignmentFactory(
        evaluator=neighbour, round=factories.RoundFactory(state="scoring"), state="invited"
    )

    ranked = {p.user_id: p for p in suggestions(host_round, round_needs(host_round))}

    for person in (busy, neighbour, free):
        open_panels, year, _two_years = _expected(person)
        assert (ranked[person.pk].open_panels, ranked[person.pk].year_panels) == (open_panels, year)
    assert (ranked[busy.pk].open_panels, ranked[busy.pk].year_panels) == (2, 3)
    assert (ranked[neighbour.pk].open_panels, ranked[neighbour.pk].year_panels) == (2, 1)
    assert ranked[neighbour.pk].host_reviews == 1 and ranked[busy.pk].host_reviews == 0
    # Malmö's evaluators sat on Busy's three panels not cancelled and Neighbour's accepted one.
    assert ranked[busy.pk].home_city_panels == ranked[neighbour.pk].home_city_panels == 4
    assert ranked[free.pk].home_city_panels == 0


def test_the_rebuild_counts_what_the_receivers_kept():
    ada, ben = _evaluator("Ada"), _evaluator("Ben")
    for state in ("scoring", "published", "cancelled"):
        factories.AssignmentFactory(
            evaluator=ada, round=factories.RoundFactory(state=state), state="accepted"
        )
    factories.AssignmentFactory(evaluator=ben, round=factories.RoundFactory(state="scoring"))
    kept = {
        load.pk: (load.open_panels, load.year_panels, load.rotation_panels)
        for load in EvaluatorLoad.objects.all()
    }
    EvaluatorLoad.objects.update(
        open_panels=9, year_panels=9, rotation_panels=9
    )  # as a bulk import leaves them

    call_command("rebuild_evaluator_loads", stdout=io.StringIO())

    assert {
        load.pk: (load.open_panels, load.year_panels, load.rotation_panels)
        for load in EvaluatorLoad.objects.all()
    } == kept
    assert kept[ada.pk] == _expected(ada) == (1, 2, 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_answers_given_at_the_same_moment_are_all_counted(attempt):
    """Four invitations of one person accepted at once (four connections): each count waits for
    the one before it, so the last has all four."""
    coordinator = factories.CoordinatorFactory()
    ada = _evaluator("Ada")
    invitations = [
        invite_evaluator(
            review_round=factories.RoundFactory(state=RoundState.PREREPORT_OPEN),
            evaluator=ada,
            role="member",
            invited_by=coordinator,
        )
        for _index in range(4)
    ]

    in_parallel(*(lambda a=a: respond_to_invitation(assignment=a, accept=True) for a in invitations))

    assert _kept(ada) == _expected(ada) == (4, 4, 4)


def test_the_hourly_job_counts_the_rows_a_window_has_moved_past():
    """What beat runs every hour (peerreview.jobs), so that the panel page finds none or a few."""
    from peerreview.jobs import count_expired_evaluator_loads

    ada, ben = _evaluator("Ada"), _evaluator("Ben")
    for person in (ada, ben):
        factories.AssignmentFactory(evaluator=person, round=factories.RoundFactory(state=RoundState.SCORING))
    invited = timezone.now() - 365 * DAY - datetime.timedelta(minutes=1)
    Assignment.objects.filter(evaluator=ada).update(invited_at=invited)
    refresh_loads([ada.pk], now=timezone.now() - datetime.timedelta(minutes=3))  # counted in the year
    assert _kept(ada) == (1, 1, 1)

    assert count_expired_evaluator_loads.apply().get() == 1

    assert _kept(ada) == _expected(ada) == (1, 0, 1)
    assert _kept(ben) == _expected(ben) == (1, 1, 1)
    assert count_expired_evaluator_loads.apply().get() == 0
