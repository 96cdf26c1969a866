"""Conflict rules, score visibility and aggregation of the panel's scores."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerreview.models import Assignment
from peerreview.services.panel import (
    conflict_errors,
    conflict_warnings,
    ensure_scores,
    invite_evaluator,
    record_agreed_score,
    respond_to_invitation,
    score_overview,
    submit_scores,
    visible_scores_for,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_evaluator_from_the_host_city_is_refused():
    review_round = factories.RoundFactory()
    local = factories.EvaluatorProfileFactory(home_city=review_round.host_city).user

    with pytest.raises(ValidationError):
        invite_evaluator(review_round=review_round, evaluator=local, role="member", invited_by=None)

    assert conflict_errors(review_round, local) != []
    assert Assignment.objects.count() == 0


def test_member_of_the_host_city_is_refused_even_with_a_profile_elsewhere():
    review_round = factories.RoundFactory()
    person = factories.EvaluatorProfileFactory().user
    factories.MembershipFactory(user=person, city=review_round.host_city)

    assert len(conflict_errors(review_round, person)) == 1


def test_evaluator_from_another_city_without_conflicts_is_invited():
    review_round = factories.RoundFactory()
    evaluator = factories.EvaluatorProfileFactory().user

    assignment = invite_evaluator(
        review_round=review_round, evaluator=evaluator, role="lead", invited_by=None
    )

    assert (assignment.state, assignment.role, assignment.conflict_warnings) == ("invited", "lead", "")


def test_reciprocal_review_is_warned_and_needs_acknowledgement():
    tampere, malmo = factories.CityFactory(name="Tampere"), factories.CityFactory(name="Malmö")
    tampere_evaluator = factories.EvaluatorProfileFactory(home_city=tampere).user
    malmo_round = factories.RoundFactory(host_city=malmo)
    factories.AssignmentFactory(round=malmo_round, evaluator=tampere_evaluator)
    tampere_round = factories.RoundFactory(host_city=tampere)
    malmo_evaluator = factories.EvaluatorProfileFactory(home_city=malmo).user

    warnings = conflict_warnings(tampere_round, malmo_evaluator)
    assert len(warnings) == 1
    assert "Reciprocal" in warnings[0]
    with pytest.raises(ValidationError):
        invite_evaluator(
            review_round=tampere_round, evaluator=malmo_evaluator, role="member", invited_by=None
        )

    assignment = invite_evaluator(
        review_round=tampere_round,
        evaluator=malmo_evaluator,
        role="member",
        invited_by=None,
        acknowledge_warnings=True,
    )
    assert assignment.conflict_warnings == warnings[0]


def test_declared_conflict_and_shared_joint_unit_are_warned():
    review_round = factories.RoundFactory()
    evaluator = factories.EvaluatorProfileFactory().user
    factories.DeclaredConflictFactory(
        evaluator=evaluator, city=review_round.host_city, reason="Spouse works there"
    )
    unit = factories.JointProcurementUnitFactory(name="Regional hospital buyers")
    unit.cities.add(review_round.host_city, evaluator.evaluator_profile.home_city)

    warnings = conflict_warnings(review_round, evaluator)

    assert len(warnings) == 2
    assert "Spouse works there" in warnings[0]
    assert "Regional hospital buyers" in warnings[1]


def test_a_round_has_at_most_one_lead():
    review_round = factories.RoundFactory()
    factories.AssignmentFactory(round=review_round, role="lead", state="invited")
    other = factories.EvaluatorProfileFactory().user

    with pytest.raises(ValidationError):
        invite_evaluator(review_round=review_round, evaluator=other, role="lead", invited_by=None)


def test_answered_invitation_cannot_be_answered_again():
    assignment = factories.AssignmentFactory(state="invited")
    respond_to_invitation(assignment=assignment, accept=False, reason="Busy")

    with pytest.raises(ValidationError):
        respond_to_invitation(assignment=assignment, accept=True)
    assignment.refresh_from_db()
    assert (assignment.state, assignment.decline_reason) == ("declined", "Busy")


def _scoring_round(evaluators: int = 2):
    review_round = factories.RoundFactory(state="scoring")
    assignments = [
        factories.AssignmentFactory(round=review_round, role="lead" if index == 0 else "member")
        for index in range(evaluators)
    ]
    return review_round, assignments


def _fill(assignment, levels: list[int | None]) -> None:
    for score, level in zip(ensure_scores(assignment), levels, strict=True):
        score.level = level
        score.not_applicable = level is None
        score.comment = "Seen in the interviews."
        score.save()


def test_evaluator_sees_no_other_scores_before_submitting_own():
    review_round, (first, second) = _scoring_round()
    _fill(first, [1, 2, 3])
    submit_scores(assignment=first)
    _fill(second, [3, 3, 3])

    assert list(visible_scores_for(second)) == []
    # The first evaluator does not see the second's draft either.
    assert list(visible_scores_for(first.__class__.objects.get(pk=first.pk))) == []

    submit_scores(assignment=second)
    second.refresh_from_db()
    assert sorted(score.level for score in visible_scores_for(second)) == [1, 2, 3]


def test_incomplete_sheet_cannot_be_submitted():
    review_round, (first, _second) = _scoring_round()
    ensure_scores(first)

    with pytest.raises(ValidationError):
        submit_scores(assignment=first)
    first.refresh_from_db()
    assert first.scores_submitted_at is None


def test_scores_cannot_be_submitted_outside_scoring():
    review_round, (first, _second) = _scoring_round()
    _fill(first, [1, 1, 1])
    review_round.state = "assessment"
    review_round.save()

    with pytest.raises(ValidationError):
        submit_scores(assignment=first)


def test_overview_aggregates_mean_median_spread_and_flags_disagreement():
    review_round, assignments = _scoring_round(evaluators=3)
    _fill(assignments[0], [1, 2, None])
    _fill(assignments[1], [3, 2, 2])
    _fill(assignments[2], [4, 3, 2])
    for assignment in assignments:
        submit_scores(assignment=assignment)

    rows = score_overview(review_round).rows

    assert [row.evaluator_scores for row in rows] == [[1, 3, 4], [2, 2, 3], [None, 2, 2]]
    assert [row.mean for row in rows] == [2.67, 2.33, 2.0]
    assert [row.median for row in rows] == [3, 2, 2.0]
    assert [row.spread for row in rows] == [3, 1, 0]
    assert [row.disagreement for row in rows] == [True, False, False]


def test_overview_leaves_out_unsubmitted_sheets():
    review_round, (first, second) = _scoring_round()
    _fill(first, [1, 1, 1])
    submit_scores(assignment=first)
    _fill(second, [4, 4, 4])

    overview = score_overview(review_round)

    assert overview.assignments == [first]
    assert [row.mean for row in overview.rows] == [1, 1, 1]


def test_agreed_score_needs_a_rationale_and_is_shown_in_the_overview():
    review_round, (lead, _second) = _scoring_round()
    criterion = ensure_scores(lead)[0].criterion

    with pytest.raises(ValidationError):
        record_agreed_score(
            review_round=review_round,
            criterion=criterion,
            level=2,
            not_applicable=False,
            rationale=" ",
            user=None,
        )
    record_agreed_score(
        review_round=review_round,
        criterion=criterion,
        level=2,
        not_applicable=False,
        rationale="Agreed.",
        user=None,
    )

    assert score_overview(review_round, submitted_only=False).rows[0].agreed.level == 2


def test_repeat_round_overview_shows_previous_agreed_scores():
    review_round, (lead, _second) = _scoring_round()
    criterion = ensure_scores(lead)[0].criterion
    previous = factories.RoundFactory(host_city=review_round.host_city, framework=review_round.framework)
    factories.AgreedScoreFactory(round=previous, criterion=criterion, level=1)
    review_round.previous_round = previous
    review_round.published_at = timezone.now()
    review_round.save()

    assert score_overview(review_round).rows[0].previous_agreed.level == 1
