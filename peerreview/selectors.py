"""Read helpers for the dashboards and round pages.

Every function here runs a fixed number of queries whatever the number of rounds:
rows are fetched with `select_related`, and anything per row (pre-report completion,
panel counts) is fetched once for all rows and joined in Python.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cities.models import EvaluatorProfile

from .benchmark import benchmark
from .models import (
    ACTIVE_STATES,
    DUE_FIELD_BY_STATE,
    Answer,
    AssessmentDay,
    Assignment,
    Notification,
    Reminder,
    Round,
    RoundEvent,
    RoundState,
)
from .paging import COUNT_CAP, bounded_counts
from .services.panel_rule import MIN_PANEL_SIZE

S = RoundState

# How many notifications the dashboard lists.
DASHBOARD_NOTIFICATIONS = 8

# How many closed rounds the coordinator's dashboard lists (the counts cover them all).
RECENTLY_CLOSED_LIMIT = 10


@dataclass
class NextAction:
    """What a person should do next in a round: a button label and where it leads."""

    label: str
    url: str
    primary: bool = True


def due_label(state: str) -> str:
    """What the current due date of a round in `state` is for ("Pre-report due")."""
    field_name = DUE_FIELD_BY_STATE.get(state)
    if not field_name:
        return ""
    return capfirst(str(Round._meta.get_field(field_name).verbose_name))


def _url(name: str, review_round: Round) -> str:
    return reverse(name, args=[review_round.pk])


# --- host city ---------------------------------------------------------------------------


@dataclass
class HostRoundRow:
    review_round: Round
    due_label: str
    hint: str
    action: NextAction | None
    completion_done: int | None = None
    completion_total: int | None = None

    @property
    def completion_percent(self) -> int | None:
        if self.completion_total is None:
            return None
        if not self.completion_total:
            return 0
        return round(100 * self.completion_done / self.completion_total)


@dataclass
class HostDashboard:
    cities: list
    current: list[HostRoundRow]
    closed: list[HostRoundRow]
    days_ahead: list[AssessmentDay]
    benchmarks: list = field(default_factory=list)  # peerreview.benchmark.Benchmark per city

    @property
    def city_names(self) -> str:
        return ", ".join(city.name for city in self.cities)


def host_next_step(review_round: Round) -> tuple[str, NextAction | None]:
    """(what is happening, the host city's next action) for a round at its current step."""
    state = review_round.state
    detail = NextAction(_("View the round"), _url("peerreview:round_detail", review_round), primary=False)
    if state == S.PLANNED:
        return _("The coordinator opens the pre-report on the planned date; nothing to do yet."), detail
    if state == S.PREREPORT_OPEN:
        return (
            _("Assess your city against every criterion, add evidence and indicator values, then submit."),
            NextAction(_("Fill in the pre-report"), _url("peerreview:prereport_edit", review_round)),
        )
    if state in (S.PREREPORT_SUBMITTED, S.SCORING):
        return (
            _(
                "The panel is reading your pre-report and scoring it. Prepare the interviewees for the assessment days."
            ),
            NextAction(_("See the assessment days"), _url("peerreview:assessment_planner", review_round)),
        )
    if state == S.ASSESSMENT:
        return (
            _(
                "The assessment days are under way: the panel discusses the pre-report and interviews key persons."
            ),
            NextAction(
                _("See the assessment-day programme"), _url("peerreview:assessment_planner", review_round)
            ),
        )
    if state == S.DRAFTING:
        return _(
            "The panel is drafting the summary report. You will be asked to check it for factual errors."
        ), detail
    if state == S.FACTUAL_CHECK:
        return (
            _("The draft report is ready. Check it for factual errors before the due date."),
            NextAction(_("Check the draft report"), reverse("reports:factual_check", args=[review_round.pk])),
        )
    if state == S.PUBLISHED:
        return (
            _("The summary report is published. Its action proposals are followed up in the repeat round."),
            NextAction(_("Read the report"), reverse("reports:report_view", args=[review_round.pk])),
        )
    return _("This round was cancelled."), detail


def _prereport_completion(user) -> dict[int, tuple[int, int]]:
    """{round id: (complete answers, all answers)} for the user's cities' open pre-reports, in one query.
    Completeness is `Answer.is_complete`, the same rule the pre-report editor uses."""
    answers = Answer.objects.filter(
        prereport__round__state=S.PREREPORT_OPEN,
        prereport__round__host_city__memberships__user=user,
    ).select_related("criterion__theme", "prereport")
    completion: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for answer in answers:
        counts = completion[answer.prereport.round_id]
        counts[0] += int(answer.is_complete())
        counts[1] += 1
    return {round_id: (done, total) for round_id, (done, total) in completion.items()}


def host_dashboard(user, today: datetime.date) -> HostDashboard | None:
    """The host-city section: None when the user is no city's member. Four queries, and the
    benchmark of each of the user's cities' latest published review (six each)."""
    memberships = list(user.memberships.select_related("city").order_by("city__name"))
    if not memberships:
        return None
    rounds = list(Round.objects.hosted_by_member(user).select_related("host_city", "framework"))
    completion = _prereport_completion(user)
    current, closed = [], []
    for review_round in rounds:
        hint, action = host_next_step(review_round)
        row = HostRoundRow(
            review_round=review_round, due_label=due_label(review_round.state), hint=hint, action=action
        )
        if review_round.state == S.PREREPORT_OPEN:
            row.completion_done, row.completion_total = completion.get(review_round.pk, (0, 0))
        (closed if review_round.is_closed else current).append(row)
    days_ahead = list(
        AssessmentDay.objects.filter(date__gte=today, round__host_city__memberships__user=user)
        .exclude(round__state=S.CANCELLED)
        .select_related("round__host_city")
        .order_by("date", "pk")
    )
    # Each city's latest published review against the network (a few aggregate queries per city).
    latest: dict[int, Round] = {}
    for review_round in rounds:
        if review_round.state == S.PUBLISHED and review_round.published_at is not None:
            known = latest.get(review_round.host_city_id)
            if known is None or review_round.published_at > known.published_at:
                latest[review_round.host_city_id] = review_round
    return HostDashboard(
        cities=[membership.city for membership in memberships],
        current=current,
        closed=closed,
        days_ahead=days_ahead,
        benchmarks=[benchmark(review_round) for review_round in latest.values()],
    )


# --- evaluator ---------------------------------------------------------------------------


@dataclass
class EvaluatorDashboard:
    profile: EvaluatorProfile | None
    invitations: list[Assignment]
    to_score: list[Assignment]
    leading: list[tuple[Assignment, list[NextAction]]]
    panels: list[Assignment]
    days_ahead: list[AssessmentDay]


def lead_next_actions(assignment: Assignment) -> list[NextAction]:
    """What the lead evaluator does next in their round, most pressing first."""
    review_round = assignment.round
    state = review_round.state
    report_edit = reverse("reports:report_edit", args=[review_round.pk])
    actions: list[NextAction] = []
    if state == S.SCORING and not assignment.has_submitted_scores:
        actions.append(
            NextAction(_("Submit your own scores"), _url("peerreview:scoring_sheet", review_round))
        )
    elif state in (S.SCORING, S.ASSESSMENT):
        actions.append(
            NextAction(_("Record the agreed scores"), _url("peerreview:score_overview", review_round))
        )
    if state == S.ASSESSMENT:
        actions.append(NextAction(_("Write the report"), report_edit, primary=False))
    if state == S.DRAFTING:
        actions.append(NextAction(_("Draft the report"), report_edit))
        actions.append(
            NextAction(
                _("Review the agreed scores"), _url("peerreview:score_overview", review_round), primary=False
            )
        )
    if state == S.FACTUAL_CHECK:
        actions.append(
            NextAction(
                _("Read the draft report"),
                reverse("reports:report_view", args=[review_round.pk]),
                primary=False,
            )
        )
    if state in (S.PREREPORT_SUBMITTED, S.SCORING, S.ASSESSMENT):
        actions.append(
            NextAction(
                _("Plan the assessment days"),
                _url("peerreview:assessment_planner", review_round),
                primary=not actions,
            )
        )
    if not actions:
        actions.append(
            NextAction(_("View the round"), _url("peerreview:round_detail", review_round), primary=False)
        )
    return actions


def evaluator_dashboard(user, today: datetime.date) -> EvaluatorDashboard | None:
    """The evaluator section: None when the user has no evaluator profile and no assignment.
    At most four queries; two for someone who has neither (a host city's member, a coordinator)."""
    profile = EvaluatorProfile.objects.filter(user=user).select_related("home_city").first()
    if profile is None and not Assignment.objects.filter(evaluator=user).exists():
        return None
    invitations = list(
        Assignment.objects.open_invitations_for(user)
        .select_related("round__host_city", "round__framework")
        .order_by("due_date", "pk")
    )
    accepted = list(
        Assignment.objects.accepted()
        .filter(evaluator=user)
        .exclude(round__state=S.CANCELLED)
        .select_related("round__host_city", "round__framework")
        .order_by("round__scoring_due", "round__title", "pk")
    )
    if profile is None and not invitations and not accepted:
        return None
    days_ahead = list(
        AssessmentDay.objects.filter(
            date__gte=today,
            round__assignments__evaluator=user,
            round__assignments__state=Assignment.State.ACCEPTED,
        )
        .exclude(round__state=S.CANCELLED)
        .select_related("round__host_city")
        .order_by("date", "pk")
    )
    return EvaluatorDashboard(
        profile=profile,
        invitations=invitations,
        to_score=[a for a in accepted if a.round.state == S.SCORING and not a.has_submitted_scores],
        leading=[(a, lead_next_actions(a)) for a in accepted if a.is_lead and a.round.state != S.PUBLISHED],
        panels=accepted,
        days_ahead=days_ahead,
    )


# --- coordinator -------------------------------------------------------------------------


@dataclass
class StateGroup:
    state: str
    label: str
    total: int = 0
    rows: list = field(default_factory=list)
    more: bool = False  # more rounds than `total` (counting stopped at DASHBOARD_COUNT_CAP)


@dataclass
class StateCount:
    state: str
    label: str
    count: int
    more: bool = False


@dataclass
class CoordinatorDashboard:
    overdue: list[Round]
    overdue_total: int
    groups: list[StateGroup]
    counts: list[StateCount]
    total: int
    recently_closed: list[Round]
    overdue_more: bool = False
    total_more: bool = False


def with_panel_counts(rounds) -> list[Round]:
    """The given rounds (a page, a few rows; order kept) with their panel counts, in one query.
    Counting is done for these rows only: annotating the paged or ranked query itself would group
    every matching round of the network before the LIMIT."""
    rounds = list(rounds)
    names = ("accepted_count", "invited_count", "submitted_count", "has_lead")
    # Only the counts come back, grouped by the round's id alone (no model instances, no
    # grouping by every column of the round, its city and its framework).
    counted = {
        pk: counts
        for pk, *counts in _with_panel_counts(Round.objects.filter(pk__in=[r.pk for r in rounds]))
        .select_related(None)
        .order_by()
        .values_list("pk", *names)
    }
    for review_round in rounds:
        for name, value in zip(names, counted[review_round.pk], strict=True):
            setattr(review_round, name, value)
    return rounds


def _with_panel_counts(queryset):
    accepted = Q(assignments__state=Assignment.State.ACCEPTED)
    return queryset.select_related("host_city", "framework").annotate(
        accepted_count=Count("assignments", filter=accepted),
        invited_count=Count("assignments", filter=Q(assignments__state=Assignment.State.INVITED)),
        submitted_count=Count(
            "assignments", filter=accepted & Q(assignments__scores_submitted_at__isnull=False)
        ),
        has_lead=Count("assignments", filter=accepted & Q(assignments__role=Assignment.Role.LEAD)),
    )


def coordinator_hint(review_round: Round) -> str:
    """The coordinator's view of what a round waits for (uses the panel-count annotations)."""
    state = review_round.state
    accepted = getattr(review_round, "accepted_count", 0)
    panel_ready = accepted >= MIN_PANEL_SIZE and getattr(review_round, "has_lead", 0)
    if state == S.PLANNED:
        return _("Open the pre-report for the city when the round starts.")
    if state in (S.PREREPORT_OPEN, S.PREREPORT_SUBMITTED) and not panel_ready:
        return _(
            "Complete the panel: %(accepted)d accepted, %(invited)d waiting; a lead and at least %(n)d needed."
        ) % {
            "accepted": accepted,
            "invited": getattr(review_round, "invited_count", 0),
            "n": MIN_PANEL_SIZE,
        }
    if state == S.PREREPORT_OPEN:
        return _("Waiting for the city to submit its pre-report.")
    if state == S.PREREPORT_SUBMITTED:
        return _("The panel is ready: start the scoring step.")
    if state == S.SCORING:
        return _("%(submitted)d of %(accepted)d evaluators have submitted their scores.") % {
            "submitted": getattr(review_round, "submitted_count", 0),
            "accepted": accepted,
        }
    if state == S.ASSESSMENT:
        return _("Hold the assessment days, then move the round to report drafting.")
    if state == S.DRAFTING:
        return _("The lead evaluator drafts the report and sends it to the city for a factual check.")
    if state == S.FACTUAL_CHECK:
        return _("The city checks the draft; then sign off and publish the report.")
    return ""


# The dashboard shows this many rounds per list; the round list (paginated) has them all.
DASHBOARD_ROWS = 5
# Its counts stop here: "more than 1000".
DASHBOARD_COUNT_CAP = COUNT_CAP


def _by_due_date(queryset):
    """By the current step's due date, rounds without one last: the order of index round_due_order."""
    return queryset.order_by(F("current_due").asc(nulls_last=True), "title", "pk")


def recently_closed_rounds():
    """Published and cancelled rounds, the latest changed first (index round_latest_closed)."""
    return (
        Round.objects.filter(state__in=[S.PUBLISHED, S.CANCELLED])
        .select_related("host_city")
        .order_by("-updated_at", "-pk")
    )


def coordinator_dashboard(today: datetime.date) -> CoordinatorDashboard:
    """The first overdue rounds, the first rounds of each step (by due date), counts per state
    and the latest closed rounds — a fixed number of short queries however large the network:
    everything else is on the paginated round list. The counts stop at DASHBOARD_COUNT_CAP
    ("more than 1000"): an exact count reads every round of the state (docs/performance.md)."""
    overdue_rounds = Round.objects.overdue(today)
    # The lists show the round, its city, state and dates: its framework is not read.
    overdue = list(_by_due_date(overdue_rounds).select_related("host_city")[:DASHBOARD_ROWS])
    counted_states = [*ACTIVE_STATES, S.PUBLISHED, S.CANCELLED]
    # One query: each count reads at most cap + 1 entries of index round_state_due_order
    # (round_due_order for the overdue ones).
    counted = bounded_counts(
        {
            **{state: Round.objects.filter(state=state) for state in counted_states},
            "overdue": overdue_rounds,
        },
        DASHBOARD_COUNT_CAP,
    )
    per_state = {state: min(counted[state], DASHBOARD_COUNT_CAP) for state in counted_states}
    more = {state: counted[state] > DASHBOARD_COUNT_CAP for state in counted_states}
    groups = {
        state: StateGroup(
            state=state, label=str(RoundState(state).label), total=per_state[state], more=more[state]
        )
        for state in ACTIVE_STATES
    }
    # The first rows of every step in one query: the first few of each state by due date (index
    # round_state_due_order, a few rows read per state), then those rounds themselves.
    firsts = [
        _by_due_date(Round.objects.filter(state=state)).values_list("pk", flat=True)[:DASHBOARD_ROWS]
        for state in ACTIVE_STATES
    ]
    first_ids = list(firsts[0].union(*firsts[1:], all=True))
    step = {state: index for index, state in enumerate(ACTIVE_STATES)}
    ranked = sorted(
        Round.objects.filter(pk__in=first_ids).select_related("host_city"),
        key=lambda r: (
            step[r.state],
            r.current_due is None,
            r.current_due or datetime.date.min,
            r.title,
            r.pk,
        ),
    )
    with_panel_counts([*overdue, *ranked])  # one query for both lists, only the rows shown
    for review_round in overdue:
        review_round.coordinator_hint = coordinator_hint(review_round)
        review_round.days_late = (today - review_round.current_due_date).days
    for review_round in ranked:
        review_round.coordinator_hint = coordinator_hint(review_round)
        groups[review_round.state].rows.append(review_round)
    counts = [
        StateCount(state=state, label=str(RoundState(state).label), count=per_state[state], more=more[state])
        for state in counted_states
    ]
    recently_closed = list(recently_closed_rounds()[:RECENTLY_CLOSED_LIMIT])
    return CoordinatorDashboard(
        overdue=overdue,
        overdue_total=min(counted["overdue"], DASHBOARD_COUNT_CAP),
        overdue_more=counted["overdue"] > DASHBOARD_COUNT_CAP,
        groups=[group for group in groups.values() if group.rows],
        counts=counts,
        total=sum(per_state.values()),
        total_more=any(more.values()),
        recently_closed=recently_closed,
    )


def _matching_round_ids(query: str):
    """The rounds whose title or host city's name contains `query` (any case): a union of two
    lookups, each served by its trigram index on PostgreSQL (round_title_trgm, city_name_trgm),
    where an OR across the join would read every round and city."""
    by_title = Round.objects.order_by().filter(title__icontains=query).values("pk")
    by_city = Round.objects.order_by().filter(host_city__name__icontains=query).values("pk")
    return by_title.union(by_city)


def coordinator_round_list(filters: dict, today: datetime.date):
    """Every round matching the coordinator's filters, by due date of the current step
    (rounds without one — published, cancelled — last). Unevaluated: the view pages it and adds
    the page's panel counts (`with_panel_counts`), so each page is a fixed number of queries."""
    rounds = Round.objects.all()
    query = (filters.get("q") or "").strip()
    if query:
        rounds = rounds.filter(pk__in=_matching_round_ids(query))
    if filters.get("state"):
        rounds = rounds.filter(state=filters["state"])
    if filters.get("country"):
        rounds = rounds.filter(host_city__country=filters["country"])
    if filters.get("year"):
        rounds = rounds.filter(created_at__year=filters["year"])
    if filters.get("overdue"):
        rounds = rounds.overdue(today)
    return _by_due_date(rounds).select_related("host_city", "framework")


# --- one round ---------------------------------------------------------------------------


@dataclass
class DueStep:
    label: str
    date: datetime.date | None
    current: bool
    overdue: bool
    done: bool


def due_steps(review_round: Round, today: datetime.date) -> list[DueStep]:
    """The round's due dates in process order, with the current one marked."""
    steps = []
    seen_fields = set()
    current_field = DUE_FIELD_BY_STATE.get(review_round.state)
    current_index = review_round.step_index
    for index, (state, field_name) in enumerate(DUE_FIELD_BY_STATE.items()):
        if field_name in seen_fields:
            continue
        seen_fields.add(field_name)
        date = getattr(review_round, field_name)
        current = field_name == current_field
        steps.append(
            DueStep(
                label=due_label(state),
                date=date,
                current=current,
                overdue=current and date is not None and date < today,
                done=not current and 0 <= index < current_index,
            )
        )
    return steps


@dataclass
class PanelRow:
    assignment: Assignment
    home_city: object


def panel_rows(review_round: Round, *, include_all: bool) -> list[PanelRow]:
    """The panel with each evaluator's home city, the lead first. One query.
    `include_all` adds invitations that are open or declined (the coordinator's view)."""
    assignments = review_round.assignments.select_related("evaluator__evaluator_profile__home_city")
    if not include_all:
        assignments = assignments.filter(state=Assignment.State.ACCEPTED)
    rows = []
    for assignment in sorted(assignments, key=lambda a: (not a.is_lead, a.evaluator.full_name, a.pk)):
        profile = getattr(assignment.evaluator, "evaluator_profile", None)
        rows.append(PanelRow(assignment=assignment, home_city=profile.home_city if profile else None))
    return rows


def round_events(review_round: Round) -> list[RoundEvent]:
    """The audit trail, oldest first. One query."""
    return list(review_round.events.select_related("actor").order_by("at", "pk"))


# --- notifications and reminders -----------------------------------------------------------


def latest_notifications(user) -> list[Notification]:
    """The user's latest notifications, newest first, each with `round_visible`: whether the
    person may open the round's page (an invited evaluator may not until they accept, so the
    invitation's round is shown without a link). Two queries."""
    notifications = list(Notification.objects.for_dashboard(user)[:DASHBOARD_NOTIFICATIONS])
    round_ids = {n.round_id for n in notifications if n.round_id}
    visible = set(Round.objects.visible_to(user).filter(pk__in=round_ids).values_list("pk", flat=True))
    for notification in notifications:
        notification.round_visible = notification.round_id in visible
    return notifications


def round_reminders(review_round: Round) -> list[Reminder]:
    """The reminders sent about a round, newest first. One query."""
    return list(review_round.reminders.order_by("-sent_at", "-pk"))
