"""Creating rounds and moving them through the process."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cities.models import City

from ..models import Answer, Criterion, Framework, PreReport, Round, RoundEvent, RoundState
from ..models.rounds import DUE_DATE_FIELDS
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


# Days from the pre-report's opening to each step's due date when the earlier round has none.
DEFAULT_STEP_DAYS = {
    "prereport_due": 42,
    "scoring_due": 70,
    "assessment_due": 98,
    "report_due": 126,
    "factual_check_due": 140,
}


def proposed_dates(previous: Round, opens_on: datetime.date) -> dict[str, datetime.date]:
    """The repeat round's due dates: the earlier round's rhythm (days from its opening to each
    step) from the new opening date, or the defaults where the earlier round had no date."""
    dates: dict[str, datetime.date] = {}
    last = opens_on
    for name, default in DEFAULT_STEP_DAYS.items():
        earlier = getattr(previous, name)
        days = (earlier - previous.opens_on).days if earlier and previous.opens_on else default
        if days <= 0:
            days = default
        last = max(opens_on + datetime.timedelta(days=days), last)
        dates[name] = last
    return dates


def schedule_repeat_round(review_round: Round) -> Round:
    """Plan the repeat round in the database, with proposed due dates (the coordinator may move
    them); a periodic job opens it when due."""
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
        **proposed_dates(review_round, opens_on),
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
    form_token: uuid.UUID | None = None,
) -> Round:
    """Open a round in the "planned" step. With the form's one-time ``form_token`` (a unique
    column), the same form posted twice — a double click — opens one round: the second request
    gets the first one's round back."""
    if form_token is not None:
        existing = Round.objects.filter(creation_token=form_token).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
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
                creation_token=form_token,
            )
            RoundEvent.objects.create(round=review_round, from_state="", to_state=S.PLANNED, actor=actor)
    except IntegrityError:
        # The same form's other request got there first (the unique token).
        if form_token is None or not Round.objects.filter(creation_token=form_token).exists():
            raise
        return Round.objects.get(creation_token=form_token)
    return review_round


def _label(name: str) -> str:
    return str(Round._meta.get_field(name).verbose_name)


@transaction.atomic
def change_round_dates(*, review_round: Round, actor, changes: dict, bases: dict) -> Round:
    """Move a round's due dates (a coordinator's change). Writes only `changes`; a date that is no
    longer what the person started from (`bases`) is refused with its current value. The dates stay
    in the order of the process, and the assessment days stay before the assessment due date.
    Reminders need nothing more: they are computed daily from these columns, and each is claimed
    per due date, so a moved date gets its own reminders."""
    locked = Round.objects.select_for_update().get(pk=review_round.pk)
    if locked.is_closed:
        raise ValidationError(_("This round is closed; its dates can no longer change."))
    stale = [name for name in changes if getattr(locked, name) != bases.get(name)]
    if stale:
        raise ValidationError(
            [
                _(
                    "“%(field)s” was changed by someone else meanwhile: it is now %(value)s. Check it and save again."
                )
                % {
                    "field": _label(name),
                    "value": formats.date_format(getattr(locked, name), "DATE_FORMAT")
                    if getattr(locked, name)
                    else _("empty"),
                }
                for name in stale
            ],
            code="stale",
        )
    for name, value in changes.items():
        setattr(locked, name, value)
    problems = []
    previous = None
    for name in DUE_DATE_FIELDS:
        value = getattr(locked, name)
        if value is None:
            continue
        if previous is not None and value < getattr(locked, previous):
            problems.append(
                _("“%(field)s” must be on or after “%(previous)s”.")
                % {"field": _label(name), "previous": _label(previous)}
            )
        previous = name
    if locked.assessment_due:
        late = [
            day.date for day in locked.assessment_days.filter(date__gt=locked.assessment_due).order_by("date")
        ]
        if late:
            problems.append(
                _("Assessment days are planned after %(date)s: %(days)s. Move them first.")
                % {
                    "date": formats.date_format(locked.assessment_due, "DATE_FORMAT"),
                    "days": ", ".join(formats.date_format(day, "DATE_FORMAT") for day in late),
                }
            )
    if problems:
        raise ValidationError(problems)
    if changes:
        locked.save(update_fields=[*changes, "updated_at"])
    return locked


def cancel_round(*, review_round: Round, reason: str, actor) -> Round:
    review_round.cancellation_reason = reason
    return transition_round(review_round=review_round, to_state=S.CANCELLED, actor=actor, note=reason)
