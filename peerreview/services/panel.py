"""The panel: conflict checks, invitations, scoring and the agreed scores."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import DeclaredConflict, EvaluatorProfile, JointProcurementUnit

from ..models import AgreedScore, Assignment, Criterion, Round, RoundState, Score
from .locking import Refused, scores_submitted_message
from .matching import next_suggestion
from .notifications import notify_declined, notify_invitation, notify_scores_in
from .panel_rule import MAX_PANEL_SIZE, has_override, open_seats
from .versioning import SaveResult, UnitEdit, save_units

# A spread (max − min) of this many levels or more is flagged for discussion.
DISAGREEMENT_SPREAD = 2


def conflict_errors(review_round: Round, evaluator) -> list[str]:
    """Conflicts that forbid an invitation outright."""
    errors = []
    profile = EvaluatorProfile.objects.filter(user=evaluator).select_related("home_city").first()
    if profile is None:
        errors.append(_("%(name)s has no evaluator profile.") % {"name": evaluator})
    elif profile.home_city_id == review_round.host_city_id:
        errors.append(
            _("%(name)s comes from the host city %(city)s; an evaluator never reviews their own city.")
            % {"name": evaluator, "city": review_round.host_city.name}
        )
    if evaluator.memberships.filter(city_id=review_round.host_city_id).exists():
        errors.append(_("%(name)s works for the host city.") % {"name": evaluator})
    return errors


def conflict_warnings(review_round: Round, evaluator) -> list[str]:
    """Conflicts the coordinator must see and acknowledge: reciprocal reviews,
    a shared joint-procurement unit, and conflicts the evaluator declared."""
    warnings: list[str] = []
    profile = EvaluatorProfile.objects.filter(user=evaluator).select_related("home_city").first()
    host = review_round.host_city
    for conflict in DeclaredConflict.objects.filter(evaluator=evaluator, city=host):
        warnings.append(
            _("%(name)s declared a conflict with %(city)s: %(reason)s")
            % {"name": evaluator, "city": host.name, "reason": conflict.reason}
        )
    if profile is None:
        return warnings
    home = profile.home_city
    reciprocal = Assignment.objects.filter(
        round__host_city=home,
        evaluator__evaluator_profile__home_city=host,
        round__state__in=[s for s in RoundState.values if s != RoundState.CANCELLED],
    ).exclude(state=Assignment.State.DECLINED)
    if reciprocal.exists():
        warnings.append(
            _(
                "Reciprocal review: evaluators from %(host)s review %(home)s, and %(name)s from %(home)s would review %(host)s."
            )
            % {"host": host.name, "home": home.name, "name": evaluator}
        )
    # Two filter() calls: each needs its own join over the city↔unit table.
    shared_units = JointProcurementUnit.objects.filter(cities=home).filter(cities=host)
    for unit in shared_units:
        warnings.append(
            _("%(home)s and %(host)s share the joint procurement unit “%(unit)s”.")
            % {"home": home.name, "host": host.name, "unit": unit.name}
        )
    return warnings


@transaction.atomic
def invite_evaluator(
    *,
    review_round: Round,
    evaluator,
    role: str,
    invited_by,
    acknowledge_warnings: bool = False,
    due_date=None,
) -> Assignment:
    """Invite an evaluator. Hard conflicts refuse; warnings must be acknowledged and are kept.

    The round's row is locked first: two coordinators inviting at once are checked one after the
    other against the panel's seats and its lead, so the panel never grows past the rule."""
    Round.objects.select_for_update().filter(pk=review_round.pk).first()
    errors = conflict_errors(review_round, evaluator)
    if errors:
        raise ValidationError(errors)
    if Assignment.objects.filter(round=review_round, evaluator=evaluator).exists():
        raise ValidationError(_("%(name)s is already invited to this round.") % {"name": evaluator})
    if (
        role == Assignment.Role.LEAD
        and review_round.assignments.filter(role=Assignment.Role.LEAD)
        .exclude(state=Assignment.State.DECLINED)
        .exists()
    ):
        raise ValidationError(_("This round already has a lead evaluator."), code="second_lead")
    if not has_override(review_round) and open_seats(review_round) == 0:
        raise ValidationError(
            _(
                "The panel already has %(n)d evaluators invited or accepted, the most the panel rule allows. "
                "Wait for an answer, or record why this panel may differ from the rule."
            )
            % {"n": MAX_PANEL_SIZE},
            code="panel_full",
        )
    warnings = conflict_warnings(review_round, evaluator)
    if warnings and not acknowledge_warnings:
        # Each message carries the code: a plain list would drop it.
        raise ValidationError(
            [ValidationError(warning, code="unacknowledged_warnings") for warning in warnings]
        )
    if due_date is None:
        due_date = timezone.localdate() + datetime.timedelta(days=settings.INVITATION_RESPONSE_DAYS)
    assignment = Assignment.objects.create(
        round=review_round,
        evaluator=evaluator,
        role=role,
        due_date=due_date,
        conflict_warnings="\n".join(warnings),
    )
    notify_invitation(assignment)
    return assignment


@transaction.atomic
def respond_to_invitation(*, assignment: Assignment, accept: bool, reason: str = "") -> Assignment:
    if assignment.state != Assignment.State.INVITED:
        raise ValidationError(_("You have already answered this invitation."))
    if assignment.round.is_closed:
        raise ValidationError(_("This round is closed."))
    assignment.state = Assignment.State.ACCEPTED if accept else Assignment.State.DECLINED
    assignment.decline_reason = "" if accept else reason
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["state", "decline_reason", "responded_at"])
    if not accept:
        notify_declined(assignment, next_suggestion(assignment.round))
    return assignment


def scored_criteria(review_round: Round):
    return Criterion.objects.filter(
        theme__framework_id=review_round.framework_id, theme__is_scored=True
    ).select_related("theme")


def ensure_scores(assignment: Assignment) -> list[Score]:
    """One score row per scored criterion, created on first visit of the scoring sheet."""
    criteria = list(scored_criteria(assignment.round))
    existing = {score.criterion_id: score for score in assignment.scores.all()}
    Score.objects.bulk_create(
        [Score(assignment=assignment, criterion=c) for c in criteria if c.pk not in existing],
        ignore_conflicts=True,
    )
    return list(
        assignment.scores.select_related("criterion__theme").order_by(
            "criterion__theme__order", "criterion__order"
        )
    )


def lock_scoring(assignment: Assignment) -> Assignment:
    """Take the lock submitting takes (the assignment row) and check the sheet is still open.

    Call inside ``transaction.atomic()``. Raises ``Refused`` saying when the scores were
    submitted, or the step the round is at."""
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    locked.evaluator = assignment.evaluator
    if locked.has_submitted_scores:
        raise Refused(scores_submitted_message(locked))
    review_round = Round.objects.get(pk=locked.round_id)
    locked.round = review_round
    if review_round.state != RoundState.SCORING:
        raise Refused(
            _("Scores can be entered only while the round is at the scoring step; it is at “%(state)s”.")
            % {"state": RoundState(review_round.state).label}
        )
    return locked


@transaction.atomic
def save_scores(*, assignment: Assignment, actor, edits: list[UnitEdit]) -> SaveResult:
    """Save the scores an evaluator changed, each criterion its own versioned unit."""
    lock_scoring(assignment)
    return save_units(edits, actor=actor)


@transaction.atomic
def submit_scores(*, assignment: Assignment) -> Assignment:
    """Lock an evaluator's scores; only complete sheets are accepted. Under the assignment's
    lock, so a draft save either lands before (and is submitted) or is refused after."""
    assignment = lock_scoring(assignment)
    missing = [s.criterion.code for s in ensure_scores(assignment) if not s.is_complete()]
    if missing:
        raise ValidationError(
            _("Score every criterion with a comment before submitting. Missing: %(codes)s")
            % {"codes": ", ".join(missing)}
        )
    assignment.scores_submitted_at = timezone.now()
    assignment.save(update_fields=["scores_submitted_at"])
    if not assignment.round.assignments.accepted().filter(scores_submitted_at__isnull=True).exists():
        notify_scores_in(assignment.round)
    return assignment


def visible_scores_for(assignment: Assignment):
    """The other evaluators' scores, only once this evaluator has submitted."""
    if not assignment.has_submitted_scores:
        return Score.objects.none()
    return Score.objects.filter(
        assignment__round_id=assignment.round_id, assignment__scores_submitted_at__isnull=False
    ).exclude(assignment=assignment)


@dataclass
class CriterionSummary:
    criterion: Criterion
    self_score: int | None
    self_not_applicable: bool
    evaluator_scores: list[int | None]  # in the order of `ScoreOverview.assignments`
    agreed: AgreedScore | None
    previous_agreed: AgreedScore | None = None
    numeric: list[int] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return round(statistics.fmean(self.numeric), 2) if self.numeric else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.numeric) if self.numeric else None

    @property
    def spread(self) -> int | None:
        return max(self.numeric) - min(self.numeric) if self.numeric else None

    @property
    def disagreement(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT_SPREAD


@dataclass
class ScoreOverview:
    assignments: list[Assignment]
    rows: list[CriterionSummary]


def previous_agreed_scores(review_round: Round) -> dict:
    """The previous round's agreed scores (one query), keyed by criterion id and by
    (theme code, criterion code), so they are found when the repeat round opened with a
    newer framework version; see `find_previous_agreed`."""
    if not review_round.previous_round_id:
        return {}
    previous = list(
        AgreedScore.objects.filter(round_id=review_round.previous_round_id).select_related("criterion__theme")
    )
    return {a.criterion_id: a for a in previous} | {
        ("code", a.criterion.theme.code, a.criterion.code): a for a in previous
    }


def find_previous_agreed(previous: dict, criterion: Criterion) -> AgreedScore | None:
    """The previous round's agreed score on `criterion` (same criterion, or the same codes
    in the earlier framework version); None when the criterion is new."""
    if not previous:
        return None
    return previous.get(criterion.pk) or previous.get(("code", criterion.theme.code, criterion.code))


def accepted_assignments(review_round: Round) -> list[Assignment]:
    """The round's accepted panel, lead first, with each evaluator's home city (one query)."""
    return list(
        review_round.assignments.accepted()
        .select_related("evaluator__evaluator_profile__home_city")
        .order_by("role", "pk")
    )


def score_overview(
    review_round: Round, *, submitted_only: bool = True, accepted: list[Assignment] | None = None
) -> ScoreOverview:
    """Scores per criterion: self-score, each evaluator's, mean, median, spread and the agreed
    score. Mean/median/spread are over the evaluators' numeric scores; N/A is left out.
    A fixed number of queries whatever the size of the round; a caller that has the round's
    `accepted_assignments` already passes them as `accepted`, saving that query."""
    assignments = accepted_assignments(review_round) if accepted is None else list(accepted)
    if submitted_only:
        assignments = [a for a in assignments if a.has_submitted_scores]
    # Only levels are read from the scores and the answers: rows of values, not model instances
    # (a round has evaluators × criteria scores), which is most of this function's time.
    levels_by_key = {
        (assignment_id, criterion_id): None if not_applicable else level
        for assignment_id, criterion_id, level, not_applicable in Score.objects.filter(
            assignment__in=assignments
        ).values_list("assignment_id", "criterion_id", "level", "not_applicable")
    }
    agreed = {a.criterion_id: a for a in review_round.agreed_scores.all()}
    previous_agreed = previous_agreed_scores(review_round)
    answers: dict[int, tuple[int | None, bool]] = {}
    prereport = getattr(review_round, "prereport", None)
    if prereport is not None:
        answers = {
            criterion_id: (self_score, bool(not_applicable))
            for criterion_id, self_score, not_applicable in prereport.answers.values_list(
                "criterion_id", "self_score", "not_applicable"
            )
        }
    rows = []
    for criterion in scored_criteria(review_round).order_by("theme__order", "order"):
        levels = [levels_by_key.get((assignment.pk, criterion.pk)) for assignment in assignments]
        self_score, self_not_applicable = answers.get(criterion.pk, (None, False))
        rows.append(
            CriterionSummary(
                criterion=criterion,
                self_score=None if self_not_applicable else self_score,
                self_not_applicable=self_not_applicable,
                evaluator_scores=levels,
                agreed=agreed.get(criterion.pk),
                previous_agreed=find_previous_agreed(previous_agreed, criterion),
                numeric=[level for level in levels if level is not None],
            )
        )
    return ScoreOverview(assignments=assignments, rows=rows)


def record_agreed_score(
    *,
    review_round: Round,
    criterion: Criterion,
    level: int | None,
    not_applicable: bool,
    rationale: str,
    user,
) -> AgreedScore:
    if not rationale.strip():
        raise ValidationError(_("Give the rationale for the agreed score."))
    if level is None and not not_applicable:
        raise ValidationError(_("Choose a level or mark the criterion not applicable."))
    agreed, _created = AgreedScore.objects.update_or_create(
        round=review_round,
        criterion=criterion,
        defaults={
            "level": None if not_applicable else level,
            "not_applicable": not_applicable,
            "rationale": rationale,
            "recorded_by": user,
        },
    )
    return agreed


def lock_agreed_scores(review_round: Round) -> Round:
    """Take the round's lock (the one its state changes take) and check agreed scores are open."""
    locked = Round.objects.select_for_update().get(pk=review_round.pk)
    if locked.state not in (RoundState.SCORING, RoundState.ASSESSMENT, RoundState.DRAFTING):
        raise Refused(
            _("Agreed scores are recorded between scoring and report drafting; this round is at “%(state)s”.")
            % {"state": RoundState(locked.state).label}
        )
    return locked


@transaction.atomic
def save_agreed_scores(*, review_round: Round, actor, edits: list[UnitEdit]) -> SaveResult:
    """Record agreed scores, one versioned unit per criterion; a criterion without an agreed
    score yet is created from the lead's values (``edit.pk`` is None and ``edit.key`` the criterion's id)."""
    lock_agreed_scores(review_round)
    result = SaveResult()
    pending: list[UnitEdit] = []
    for edit in edits:
        if edit.pk is not None:
            pending.append(edit)
            continue
        # A new agreed score: create it, unless someone created it meanwhile (we hold the lock).
        existing = AgreedScore.objects.filter(round=review_round, criterion_id=edit.key).first()
        if existing is None:
            created = AgreedScore.objects.create(
                round=review_round, criterion_id=edit.key, recorded_by=actor, **edit.values
            )
            result.saved[edit.key] = created
            result.written[edit.key] = list(edit.values)
            continue
        pending.append(
            UnitEdit(
                key=edit.key,
                model=AgreedScore,
                pk=existing.pk,
                base_version=-1,
                base=edit.base,
                values=edit.values,
                labels=edit.labels,
                together=edit.together,
                extra=edit.extra,
            )
        )
    more = save_units(pending, actor=actor)
    result.saved.update(more.saved)
    result.written.update(more.written)
    result.conflicts.update(more.conflicts)
    return result


# --- what an invited evaluator needs to decide -------------------------------------------------

READING_HOURS = 4
MINUTES_PER_CRITERION = 20
LEAD_REPORT_DAYS = 3


@dataclass
class ExpectedEffort:
    criteria: int
    reading_hours: int
    scoring_hours: float
    assessment_days: int
    report_days: int  # the lead drafts the report; others comment

    @property
    def desk_hours(self) -> float:
        return self.reading_hours + self.scoring_hours


def expected_effort(review_round: Round, role: str) -> ExpectedEffort:
    """A rough estimate for the invitation page: reading the pre-report, scoring every criterion
    with a comment, the assessment days (the round's limit), and for the lead the report."""
    from ..models import DEFAULT_MAX_ASSESSMENT_DAYS, AssessmentProgramme

    criteria = scored_criteria(review_round).count()
    programme = AssessmentProgramme.objects.filter(round=review_round).first()
    return ExpectedEffort(
        criteria=criteria,
        reading_hours=READING_HOURS,
        scoring_hours=round(criteria * MINUTES_PER_CRITERION / 60, 1),
        assessment_days=programme.max_days if programme else DEFAULT_MAX_ASSESSMENT_DAYS,
        report_days=LEAD_REPORT_DAYS if role == Assignment.Role.LEAD else 0,
    )
