"""A peer-review round and its audit trail. State changes go through
`peerreview.services.rounds.transition_round`, never through direct saves."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cities.models import City

from .framework import Framework


class RoundState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PREREPORT_OPEN = "prereport_open", _("Pre-report open")
    PREREPORT_SUBMITTED = "prereport_submitted", _("Pre-report submitted")
    SCORING = "scoring", _("Scoring")
    ASSESSMENT = "assessment", _("Assessment days")
    DRAFTING = "drafting", _("Report drafting")
    FACTUAL_CHECK = "factual_check", _("Factual check by the city")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


# The order of the process, for timelines and "what comes next".
STATE_SEQUENCE = [
    RoundState.PLANNED,
    RoundState.PREREPORT_OPEN,
    RoundState.PREREPORT_SUBMITTED,
    RoundState.SCORING,
    RoundState.ASSESSMENT,
    RoundState.DRAFTING,
    RoundState.FACTUAL_CHECK,
    RoundState.PUBLISHED,
]

# Which due-date field applies while a round is in a state.
DUE_FIELD_BY_STATE = {
    RoundState.PLANNED: "opens_on",
    RoundState.PREREPORT_OPEN: "prereport_due",
    RoundState.PREREPORT_SUBMITTED: "scoring_due",
    RoundState.SCORING: "scoring_due",
    RoundState.ASSESSMENT: "assessment_due",
    RoundState.DRAFTING: "report_due",
    RoundState.FACTUAL_CHECK: "factual_check_due",
}

# The due dates in the order of the process; each must be on or after the ones before it.
DUE_DATE_FIELDS = [
    "opens_on",
    "prereport_due",
    "scoring_due",
    "assessment_due",
    "report_due",
    "factual_check_due",
]

ACTIVE_STATES = [s for s in STATE_SEQUENCE if s != RoundState.PUBLISHED]


def taken_part_in(user, prefix: str = "") -> Q:
    """The rounds a (signed-in, not coordinator) person takes part in: their cities' rounds and
    the panels they accepted, as a condition on a round (or, with `prefix` such as "round__", on
    a model pointing to one). Two small indexed subqueries, not a join of every round with
    memberships and assignments: the cost follows what the person takes part in, not the size
    of the network. One IN over the union of the two: their OR made PostgreSQL test every round
    (70 ms at 250,000 rounds; 0.2 ms for the union)."""
    return Q(**{f"{prefix}pk__in": taken_part_in_ids(user)})


def taken_part_in_ids(user) -> QuerySet:
    """The ids of the rounds `taken_part_in` selects, as one subquery (a UNION)."""
    from cities.models import Membership

    from .panel import Assignment

    cities = Membership.objects.filter(user=user).values("city_id")
    hosted = Round.objects.filter(host_city_id__in=cities).order_by().values("pk")
    panels = Assignment.objects.filter(evaluator=user, state="accepted").order_by().values("round_id")
    return hosted.union(panels)


def taken_part_in_branches(user, prefix: str = "") -> tuple[Q, Q]:
    """`taken_part_in`'s two branches apart (the person's cities' rounds, their accepted panels'),
    for a query that reads each through its own index: PostgreSQL evaluates their OR row by row."""
    from cities.models import Membership

    from .panel import Assignment

    cities = Membership.objects.filter(user=user).values("city_id")
    panels = Assignment.objects.filter(evaluator=user, state=Assignment.State.ACCEPTED).values("round_id")
    return Q(**{f"{prefix}host_city_id__in": cities}), Q(**{f"{prefix}pk__in": panels})


def taken_part_in_round_id(user, field: str = "round_id") -> Q:
    """`taken_part_in` as a condition on a round id alone (a row that copies its round's id, such
    as a library entry): index-friendly subqueries, never a scan of the rounds."""
    return Q(**{f"{field}__in": taken_part_in_ids(user)})


class RoundQuerySet(models.QuerySet["Round"]):
    def visible_to(self, user) -> RoundQuerySet:
        """Coordinators see every round; host-city members their own city's rounds;
        evaluators the rounds whose invitation they accepted."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self.all()
        return self.filter(taken_part_in(user))

    def hosted_by_member(self, user) -> RoundQuerySet:
        return self.filter(host_city__memberships__user=user).distinct()

    def active(self) -> RoundQuerySet:
        return self.filter(state__in=ACTIVE_STATES)

    def with_current_due(self) -> RoundQuerySet:
        """Kept for callers: ``current_due`` is now a stored column of the round."""
        return self

    def overdue(self, today: datetime.date) -> RoundQuerySet:
        """Rounds whose current step's due date has passed (published and cancelled have none)."""
        return self.filter(current_due__lt=today)


class Round(models.Model):
    host_city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("host city")
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("framework version")
    )
    previous_round = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeat_rounds",
        verbose_name=_("previous round"),
    )
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(
        _("language of the report"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    state = models.CharField(
        _("status"), max_length=24, choices=RoundState.choices, default=RoundState.PLANNED, db_index=True
    )
    opens_on = models.DateField(_("pre-report opens on"), null=True, blank=True)
    prereport_due = models.DateField(_("pre-report due"), null=True, blank=True)
    scoring_due = models.DateField(_("scoring due"), null=True, blank=True)
    assessment_due = models.DateField(_("assessment days completed by"), null=True, blank=True)
    report_due = models.DateField(_("draft report due"), null=True, blank=True)
    factual_check_due = models.DateField(_("factual check due"), null=True, blank=True)
    repeat_interval_months = models.PositiveSmallIntegerField(
        _("repeat round after (months)"),
        default=18,
        validators=[MinValueValidator(12), MaxValueValidator(24)],
        help_text=_("The repeat round opens this many months after publication (12–24)."),
    )
    repeat_with_newest_framework = models.BooleanField(
        _("repeat with the newest framework version"),
        default=False,
        help_text=_(
            "When set, the repeat round uses the newest version of the framework when it opens; "
            "otherwise the same version as this round."
        ),
    )
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    # The panel rule (2–3 evaluators from at least two cities other than the host) holds unless
    # a coordinator recorded why this panel may differ.
    panel_rule_override_reason = models.TextField(_("why this panel may differ from the rule"), blank=True)
    panel_rule_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    panel_rule_override_at = models.DateTimeField(_("panel rule overridden at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # When a name the round's published documents may show was last removed (an interviewee
    # withdrew consent or was anonymised, a panel member was erased): a published PDF rendered
    # before this is made again without the name (reports.pdf).
    names_changed_at = models.DateTimeField(_("names removed at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The one-time token of the form that opened the round: the form posted twice opens one round.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # The due date of the current step, kept by the database from the state and the dates (a
    # stored generated column), so lists and dashboards sort, page and filter by it through the
    # indexes below instead of computing it for every round of the network.
    current_due = models.GeneratedField(
        expression=models.Case(
            *(models.When(state=state, then=models.F(field)) for state, field in DUE_FIELD_BY_STATE.items()),
            default=None,
            output_field=models.DateField(),
        ),
        output_field=models.DateField(),
        db_persist=True,
        verbose_name=_("current due date"),
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["-created_at"]
        indexes = [
            # The round list's order (by due date, rounds without one last) and the overdue filter.
            # Plain ASC: PostgreSQL sorts NULLs last in it already, so the queries' "ASC NULLS LAST"
            # uses the index; SQLite (the demo) refuses NULLS LAST in an index.
            models.Index(models.F("current_due").asc(), "title", "id", name="round_due_order"),
            # The dashboard's first rounds of each step.
            models.Index(
                "state",
                models.F("current_due").asc(),
                "title",
                "id",
                name="round_state_due_order",
            ),
            # The dashboard's latest closed rounds: only closed rounds are in it, so the ten newest
            # are its first ten entries; an index of every round made PostgreSQL step over each
            # active round changed since (4,242 of them at EU scale: 1.40 → 0.34 ms, and more as
            # the network grows).
            models.Index(
                models.F("updated_at").desc(),
                models.F("id").desc(),
                condition=Q(state__in=[RoundState.PUBLISHED, RoundState.CANCELLED]),
                name="round_latest_closed",
            ),
            # The repeat-round opener: the due ones among the (many) scheduled (docs/performance.md).
            models.Index(
                fields=["opens_on"],
                condition=Q(state="planned", previous_round__isnull=False),
                name="round_repeat_due",
            ),
            # The round list's year filter (docs/performance.md).
            models.Index(fields=["created_at"], name="round_created_at"),
            # The published reports' rounds (reports.permissions.readable_reports) read from the
            # index alone when the API counts them (docs/performance.md).
            models.Index(fields=["state", "id"], name="round_state_id"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_state_display(self) -> str:
        """The state's label, as Django's own method gives it. Django's builds a dict of every
        choice at each call, hashing (so translating) all ten labels: forty rows of a dashboard
        made 400 translations."""
        try:
            return str(RoundState(self.state).label)
        except ValueError:
            return self.state

    @property
    def is_repeat(self) -> bool:
        return self.previous_round_id is not None

    @property
    def current_due_date(self) -> datetime.date | None:
        field = DUE_FIELD_BY_STATE.get(self.state)
        return getattr(self, field) if field else None

    def is_overdue(self, today: datetime.date) -> bool:
        due = self.current_due_date
        return due is not None and due < today

    @property
    def step_index(self) -> int:
        return STATE_SEQUENCE.index(self.state) if self.state in STATE_SEQUENCE else -1

    @property
    def is_closed(self) -> bool:
        return self.state in (RoundState.PUBLISHED, RoundState.CANCELLED)


# Notes the platform itself writes into the audit trail. They are stored in English and
# translated when shown (`RoundEvent.display_note`), so each reader sees their language;
# notes people type are shown as typed.
NOTE_REPEAT_OPENED = gettext_noop("Repeat round opened on schedule.")
NOTE_REPEAT_OPENED_NEWEST = gettext_noop(
    "Repeat round opened on schedule, with the newest version of the framework."
)
SYSTEM_NOTES = frozenset({NOTE_REPEAT_OPENED, NOTE_REPEAT_OPENED_NEWEST})


class RoundEvent(models.Model):
    """The audit trail: every state change of a round, who made it and when."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="events", verbose_name=_("round"))
    from_state = models.CharField(_("from"), max_length=24, choices=RoundState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=24, choices=RoundState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("round event")
        verbose_name_plural = _("round events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.round}: {self.from_state} → {self.to_state}"

    @property
    def display_note(self) -> str:
        """The note in the reader's language when the platform wrote it, else as typed."""
        return gettext(self.note) if self.note in SYSTEM_NOTES else self.note
