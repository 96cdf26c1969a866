"""Creating rounds and moving them through the process."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cities.models import City

from ..models import Answer, Criterion, Framework, PreReport, Round, RoundEvent, RoundState
from .notifications import notify_round_transition
from .panel_rule import has_override, panel_rule_problems

S = RoundState

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.PREREPORT_OPEN, S.CANCELLED}),
    S.PREREPORT_OPEN: frozenset({S.PREREPORT_SUBMITTED, S.CANCELLED}),
    S.PREREPORT_SUBMITTED: frozenset({S.SCORING, S.CANCELLED}),
    S.SCORING: frozenset({S.ASSESSMENT, S.CANCELLED}),
    S.ASSESSMENT: frozenset({S.DRAFTING, S.CANCELLED}),
    S.DRAFTING: frozenset({S.FACTUAL_CHECK, S.CANCELLED}),
    S.FACTUAL_CHECK: frozenset({S.PUBLISHED, S.CANCELLED}),
    S.PUBLISHED: frozenset(),
    S.CANCELLED: frozenset(),
}


class TransitionError(Exception):
    """A state change that the process does not allow now; the message says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


def _prereport_complete(review_round: Round) -> list[str]:
    prereport = getattr(review_round, "prereport", None)
    if prereport is None:
        return [_("The pre-report has not been started.")]
    return prereport.missing_items()


def _panel_ready(review_round: Round) -> list[str]:
    """The panel rule (unless a coordinator recorded why this panel differs) and a lead."""
    accepted = list(review_round.assignments.accepted())
    problems = [] if has_override(review_round) else panel_rule_problems(review_round)
    if not accepted and has_override(review_round):
        problems.append(_("At least one evaluator must have accepted."))
    if not any(a.is_lead for a in accepted):
        problems.append(_("The panel needs a lead evaluator who has accepted."))
    return problems


def _scores_in(review_round: Round) -> list[str]:
    waiting = [
        a
        for a in review_round.assignments.accepted().select_related("evaluator")
        if not a.has_submitted_scores
    ]
    return [_("%(name)s has not submitted scores yet.") % {"name": a.evaluator} for a in waiting]


def _not_a_repeat_round(review_round: Round) -> list[str]:
    """Repeat rounds open through `open_repeat_round`, which also carries the earlier
    action proposals over; a plain state change would skip that."""
    if review_round.previous_round_id:
        return [_("A repeat round opens on its date, or with “Open the repeat round now” on its page.")]
    return []


def _has_reason(review_round: Round) -> list[str]:
    return [] if review_round.cancellation_reason.strip() else [_("Give a reason for cancelling.")]


# Conditions checked before entering a state; each returns the problems that block it.
GUARDS: dict[str, Callable[[Round], list[str]]] = {
    S.PREREPORT_OPEN: _not_a_repeat_round,
    S.PREREPORT_SUBMITTED: _prereport_complete,
    S.SCORING: _panel_ready,
    S.ASSESSMENT: _scores_in,
    S.CANCELLED: _has_reason,
}


def allowed_next_states(review_round: Round) -> list[str]:
    return [state for state in ALLOWED_TRANSITIONS[review_round.state]]


@transaction.atomic
def transition_round(*, review_round: Round, to_state: str, actor=None, note: str = "") -> Round:
    """Move a round to `to_state`, the only way its state changes.

    Effects: checks the transition map and the guard of the target state; records a
    RoundEvent (the audit trail); entering "pre-report open" prepares the pre-report;
    entering "published" stamps the date and schedules the repeat round; the people
    concerned are notified after commit (`notifications.notify_round_transition`).
    The row is locked so two people acting at once cannot both move it.
    """
    locked = Round.objects.select_for_update().get(pk=review_round.pk)
    locked.cancellation_reason = review_round.cancellation_reason
    if to_state not in ALLOWED_TRANSITIONS.get(locked.state, frozenset()):
        raise TransitionError(
            [
                _("A round at the step “%(from)s” cannot move to “%(to)s”.")
                % {"from": RoundState(locked.state).label, "to": RoundState(to_state).label}
            ]
        )
    guard = GUARDS.get(to_state)
    problems = guard(locked) if guard else []
    if problems:
        raise TransitionError(problems)

    from_state = locked.state
    locked.state = to_state
    if to_state == S.PREREPORT_OPEN:
        prepare_prereport(locked)
    if to_state == S.PUBLISHED:
        locked.published_at = timezone.now()
    locked.save()
    event = RoundEvent.objects.create(
        round=locked, from_state=from_state, to_state=to_state, actor=actor, note=note
    )
    notify_round_transition(locked, to_state=to_state, event_id=event.pk)
    if to_state == S.PUBLISHED:
        schedule_repeat_round(locked)
    review_round.refresh_from_db()
    return locked


def prepare_prereport(review_round: Round) -> PreReport:
    """Create the pre-report with an empty answer per criterion of the round's framework."""
    prereport, _created = PreReport.objects.get_or_create(round=review_round)
    existing = set(prereport.answers.values_list("criterion_id", flat=True))
    criteria = Criterion.objects.filter(theme__framework=review_round.framework).exclude(pk__in=existing)
    Answer.objects.bulk_create([Answer(prereport=prereport, criterion=criterion) for criterion in criteria])
    return prereport


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def _repeat_title(review_round: Round, opens_on: datetime.date) -> str:
    """In the round's own language (the report's), not the publisher's interface language."""
    with translation.override(review_round.language):
        return _("%(city)s – repeat round %(year)d") % {
            "city": review_round.host_city.name,
            "year": opens_on.year,
        }


def schedule_repeat_round(review_round: Round) -> Round:
    """Plan the repeat round in the database; a periodic job opens it when due."""
    published_on = timezone.localdate(review_round.published_at)
    opens_on = add_months(published_on, review_round.repeat_interval_months)
    existing = review_round.repeat_rounds.first()
    if existing:
        return existing
    return Round.objects.create(
        host_city=review_round.host_city,
        framework=review_round.framework,
        previous_round=review_round,
        title=_repeat_title(review_round, opens_on),
        language=review_round.language,
        state=S.PLANNED,
        opens_on=opens_on,
        repeat_interval_months=review_round.repeat_interval_months,
        repeat_with_newest_framework=review_round.repeat_with_newest_framework,
    )


@transaction.atomic
def create_round(
    *,
    host_city: City,
    framework: Framework,
    title: str,
    actor,
    language: str = "",
    opens_on: datetime.date | None = None,
    prereport_due: datetime.date | None = None,
    scoring_due: datetime.date | None = None,
    assessment_due: datetime.date | None = None,
    report_due: datetime.date | None = None,
    factual_check_due: datetime.date | None = None,
    repeat_interval_months: int = 18,
) -> Round:
    review_round = Round.objects.create(
        host_city=host_city,
        framework=framework,
        title=title,
        language=language or host_city.report_language,
        opens_on=opens_on,
        prereport_due=prereport_due,
        scoring_due=scoring_due,
        assessment_due=assessment_due,
        report_due=report_due,
        factual_check_due=factual_check_due,
        repeat_interval_months=repeat_interval_months,
        created_by=actor,
    )
    RoundEvent.objects.create(round=review_round, from_state="", to_state=S.PLANNED, actor=actor)
    return review_round


def cancel_round(*, review_round: Round, reason: str, actor) -> Round:
    review_round.cancellation_reason = reason
    return transition_round(review_round=review_round, to_state=S.CANCELLED, actor=actor, note=reason)
