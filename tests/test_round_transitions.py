"""The round's state machine: every allowed and forbidden transition, and its guards."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from peerreview.models import Round, RoundEvent, RoundState
from peerreview.services.prereport import submit_pre_report
from peerreview.services.rounds import ALLOWED_TRANSITIONS, TransitionError, add_months, transition_round
from tests import factories

S = RoundState
ALL_STATES = list(S.values)
FORWARD = [
    (S.PLANNED, S.PREREPORT_OPEN),
    (S.PREREPORT_OPEN, S.PREREPORT_SUBMITTED),
    (S.PREREPORT_SUBMITTED, S.SCORING),
    (S.SCORING, S.ASSESSMENT),
    (S.ASSESSMENT, S.DRAFTING),
    (S.DRAFTING, S.FACTUAL_CHECK),
    (S.FACTUAL_CHECK, S.PUBLISHED),
]
CANCELLABLE = [s for s in ALL_STATES if s not in (S.PUBLISHED, S.CANCELLED)]


def test_transition_map_is_the_process_forward_plus_cancel():
    expected = {state: set() for state in ALL_STATES}
    for source, target in FORWARD:
        expected[source].add(target)
    for state in CANCELLABLE:
        expected[state].add(S.CANCELLED)
    assert {state: set(targets) for state, targets in ALLOWED_TRANSITIONS.items()} == expected


def _round_ready_for(target: str, **kwargs) -> Round:
    """A round whose guards for `target` are satisfied."""
    review_round = factories.RoundFactory(**kwargs)
    if target == S.SCORING:
        factories.AssignmentFactory(round=review_round, role="lead")
        factories.AssignmentFactory(round=review_round)
    if target == S.CANCELLED:
        review_round.cancellation_reason = "The city withdrew."
    return review_round


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target"),
    [pair for pair in FORWARD if pair[1] != S.PREREPORT_SUBMITTED] + [(s, S.CANCELLED) for s in CANCELLABLE],
)
def test_allowed_transition_changes_state_and_is_audited(source, target):
    review_round = _round_ready_for(target, state=source)
    actor = factories.CoordinatorFactory()

    transition_round(review_round=review_round, to_state=target, actor=actor)

    review_round.refresh_from_db()
    assert review_round.state == target
    event = RoundEvent.objects.get(round=review_round)
    assert (event.from_state, event.to_state, event.actor) == (source, target, actor)


FORBIDDEN = [
    (source, target)
    for source, target in itertools.product(ALL_STATES, ALL_STATES)
    if target not in ALLOWED_TRANSITIONS[source]
]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_forbidden_transition_is_refused_and_changes_nothing(source, target):
    review_round = _round_ready_for(target, state=source)

    with pytest.raises(TransitionError):
        transition_round(review_round=review_round, to_state=target, actor=None)

    review_round.refresh_from_db()
    assert review_round.state == source
    assert RoundEvent.objects.filter(round=review_round).count() == 0


@pytest.mark.django_db
def test_opening_the_pre_report_creates_an_answer_per_criterion():
    review_round = factories.RoundFactory(state=S.PLANNED)

    transition_round(review_round=review_round, to_state=S.PREREPORT_OPEN)

    criteria = review_round.framework.themes.values_list("criteria", flat=True)
    assert review_round.prereport.answers.count() == len(criteria) == 4


@pytest.mark.django_db
def test_incomplete_pre_report_cannot_be_submitted_and_says_what_is_missing():
    review_round = factories.RoundFactory(state=S.PLANNED)
    transition_round(review_round=review_round, to_state=S.PREREPORT_OPEN)
    member = factories.MembershipFactory(city=review_round.host_city).user

    with pytest.raises(TransitionError) as refused:
        submit_pre_report(review_round=review_round, user=member)

    assert len(refused.value.problems) == 5  # context + 4 criteria
    review_round.refresh_from_db()
    assert review_round.state == S.PREREPORT_OPEN
    assert review_round.prereport.submitted_at is None


@pytest.mark.django_db
def test_complete_pre_report_is_submitted():
    review_round = factories.RoundFactory(state=S.PLANNED)
    transition_round(review_round=review_round, to_state=S.PREREPORT_OPEN)
    prereport = review_round.prereport
    prereport.context = "Spend 900 M€, 1,200 procedures a year."
    prereport.save()
    for answer in prereport.answers.select_related("criterion__theme"):
        answer.narrative = "We do this."
        answer.self_score = 2 if answer.criterion.theme.is_scored else None
        answer.save()
    member = factories.MembershipFactory(city=review_round.host_city).user

    submit_pre_report(review_round=review_round, user=member)

    review_round.refresh_from_db()
    prereport.refresh_from_db()
    assert review_round.state == S.PREREPORT_SUBMITTED
    assert prereport.submitted_by == member


@pytest.mark.django_db
def test_not_applicable_needs_a_reason_to_count_as_complete():
    review_round = factories.RoundFactory(state=S.PLANNED)
    transition_round(review_round=review_round, to_state=S.PREREPORT_OPEN)
    answer = review_round.prereport.answers.filter(criterion__theme__is_scored=True).first()
    answer.narrative = "Not relevant for us."
    answer.not_applicable = True

    assert answer.is_complete() is False
    answer.not_applicable_reason = "No such procurement in our city."
    assert answer.is_complete() is True


@pytest.mark.django_db
def test_scoring_needs_two_accepted_evaluators_and_a_lead():
    review_round = factories.RoundFactory(state=S.PREREPORT_SUBMITTED)
    factories.AssignmentFactory(round=review_round, role="member")
    factories.AssignmentFactory(round=review_round, role="member", state="invited")

    with pytest.raises(TransitionError) as refused:
        transition_round(review_round=review_round, to_state=S.SCORING)

    assert len(refused.value.problems) == 2


@pytest.mark.django_db
def test_assessment_waits_for_every_evaluator_to_submit():
    review_round = factories.RoundFactory(state=S.SCORING)
    factories.AssignmentFactory(round=review_round, role="lead", scores_submitted_at=timezone.now())
    waiting = factories.AssignmentFactory(round=review_round)

    with pytest.raises(TransitionError) as refused:
        transition_round(review_round=review_round, to_state=S.ASSESSMENT)

    assert refused.value.problems == [f"{waiting.evaluator} has not submitted scores yet."]


@pytest.mark.django_db
def test_cancelling_needs_a_reason():
    review_round = factories.RoundFactory(state=S.SCORING)

    with pytest.raises(TransitionError):
        transition_round(review_round=review_round, to_state=S.CANCELLED)


@pytest.mark.django_db
def test_publishing_schedules_the_repeat_round_in_the_database():
    review_round = factories.RoundFactory(state=S.FACTUAL_CHECK, repeat_interval_months=18)

    transition_round(review_round=review_round, to_state=S.PUBLISHED)

    review_round.refresh_from_db()
    repeat = Round.objects.get(previous_round=review_round)
    published_on = timezone.localdate(review_round.published_at)
    assert repeat.state == S.PLANNED
    assert repeat.opens_on == add_months(published_on, 18)
    assert repeat.framework == review_round.framework


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(datetime.date(2026, 8, 31), 18) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2026, 1, 15), 12) == datetime.date(2027, 1, 15)


@pytest.mark.django_db
def test_overdue_rounds_are_those_past_the_due_date_of_their_current_step():
    today = datetime.date(2026, 11, 26)
    late = factories.RoundFactory(state=S.PREREPORT_OPEN, prereport_due=datetime.date(2026, 11, 1))
    factories.RoundFactory(state=S.PREREPORT_OPEN, prereport_due=datetime.date(2026, 12, 1))
    factories.RoundFactory(state=S.SCORING, prereport_due=datetime.date(2026, 11, 1), scoring_due=None)

    assert list(Round.objects.overdue(today)) == [late]
