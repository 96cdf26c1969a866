"""Who may see and do what in a round: the one place that decides it.

Visibility is a queryset (`Round.objects.visible_to`): what a user may not see is a 404.
Each action is a rule that returns an empty string when allowed, or the reason it is
refused; `require` turns a reason into a 403 with that explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from cities.models import Membership

from .models import Assignment, Round, RoundState

ALLOWED = ""


@dataclass
class RoundAccess:
    """A user's standing in one round, computed once per request."""

    user: object
    round: Round

    @cached_property
    def is_coordinator(self) -> bool:
        return bool(self.user.is_authenticated and self.user.is_coordinator)

    @cached_property
    def is_host_member(self) -> bool:
        return Membership.objects.filter(user=self.user, city_id=self.round.host_city_id).exists()

    @cached_property
    def assignment(self) -> Assignment | None:
        """The user's accepted assignment in this round, if any."""
        return Assignment.objects.filter(
            round=self.round, evaluator=self.user, state=Assignment.State.ACCEPTED
        ).first()

    @property
    def is_panel_member(self) -> bool:
        return self.assignment is not None

    @property
    def is_lead(self) -> bool:
        return self.assignment is not None and self.assignment.is_lead

    @property
    def state(self) -> str:
        return self.round.state

    def _state_label(self) -> str:
        return str(RoundState(self.state).label)

    # --- rules: each returns "" when allowed, else a reason a person can act on ---

    def refuse_view_prereport(self) -> str:
        if self.is_coordinator or self.is_host_member:
            return ALLOWED
        if self.is_panel_member:
            if hasattr(self.round, "prereport") and self.round.prereport.is_submitted:
                return ALLOWED
            return _("The pre-report becomes visible to the panel once the city has submitted it.")
        return _("Only the host city, the panel and coordinators can read this pre-report.")

    def refuse_edit_prereport(self) -> str:
        if not self.is_host_member:
            return _("Only members of the host city can edit the pre-report.")
        if self.state != RoundState.PREREPORT_OPEN:
            return _(
                "The pre-report can be edited only while it is open. This round is now at the step “%(state)s”."
            ) % {"state": self._state_label()}
        return ALLOWED

    def refuse_manage_panel(self) -> str:
        if not self.is_coordinator:
            return _("Only coordinators invite evaluators.")
        if self.round.is_closed:
            return _("This round is closed; its panel can no longer change.")
        return ALLOWED

    def refuse_edit_dates(self) -> str:
        if not self.is_coordinator:
            return _("Only coordinators change a round's dates.")
        if self.round.is_closed:
            return _("This round is closed; its dates can no longer change.")
        return ALLOWED

    def refuse_score(self) -> str:
        if not self.is_panel_member:
            return _("Only evaluators on this round's panel can score it.")
        if self.state != RoundState.SCORING:
            return _(
                "Scores can be entered only while the round is at the scoring step; it is at “%(state)s”."
            ) % {"state": self._state_label()}
        if self.assignment.has_submitted_scores:
            return _("You have submitted your scores; they are locked.")
        return ALLOWED

    def refuse_view_score_overview(self) -> str:
        if self.is_coordinator:
            return ALLOWED
        if not self.is_panel_member:
            return _("Only the panel and coordinators can see the evaluators' scores.")
        if not self.assignment.has_submitted_scores:
            return _("You will see the other evaluators' scores once you have submitted your own.")
        return ALLOWED

    def refuse_record_agreed_scores(self) -> str:
        if not self.is_lead:
            return _("Only the lead evaluator records the panel's agreed scores.")
        if self.state not in (RoundState.SCORING, RoundState.ASSESSMENT, RoundState.DRAFTING):
            return _(
                "Agreed scores are recorded between scoring and report drafting; this round is at “%(state)s”."
            ) % {"state": self._state_label()}
        if not self.assignment.has_submitted_scores:
            return _("Submit your own scores before recording the panel's agreed scores.")
        return ALLOWED

    def refuse_view_score_history(self, assignment: Assignment) -> str:
        """An evaluator's score history: their own always; others' only once both have
        submitted (the same rule as the overview), coordinators once it is submitted."""
        if self.assignment is not None and assignment.pk == self.assignment.pk:
            return ALLOWED
        if not assignment.has_submitted_scores:
            return _("An evaluator's scores are visible to others only once they are submitted.")
        return self.refuse_view_score_overview()

    def refuse_view_assessment(self) -> str:
        if self.is_coordinator or self.is_panel_member or self.is_host_member:
            return ALLOWED
        return _("Only the host city, the panel and coordinators can see the assessment days.")

    def refuse_plan_assessment(self) -> str:
        """Add, move, edit and delete days and sessions, and send the programme."""
        if not (self.is_coordinator or self.is_lead):
            return _("Only coordinators and the lead evaluator plan the assessment days.")
        if self.state in (RoundState.PLANNED, RoundState.PREREPORT_OPEN):
            return _(
                "Assessment days are planned once the pre-report is submitted; this round is at “%(state)s”."
            ) % {"state": self._state_label()}
        if self.state not in (RoundState.PREREPORT_SUBMITTED, RoundState.SCORING, RoundState.ASSESSMENT):
            return _(
                "The programme of the assessment days is fixed once report drafting begins; this round is at "
                "“%(state)s”."
            ) % {"state": self._state_label()}
        return ALLOWED

    def refuse_edit_session_notes(self) -> str:
        """The panel's notes on a session: written while planning and until the report is drafted."""
        if not (self.is_coordinator or self.is_lead):
            return _("Only coordinators and the lead evaluator edit the sessions.")
        if self.state not in (
            RoundState.PREREPORT_SUBMITTED,
            RoundState.SCORING,
            RoundState.ASSESSMENT,
            RoundState.DRAFTING,
        ):
            return _("Sessions can be edited until the report is drafted; this round is at “%(state)s”.") % {
                "state": self._state_label()
            }
        return ALLOWED

    def refuse_record_consent_withdrawal(self) -> str:
        """An interviewee withdraws consent to be named: recorded by coordinators or the lead
        evaluator at any time, after publication too (that is when it matters most)."""
        if self.is_coordinator or self.is_lead:
            return ALLOWED
        return _("Only coordinators and the lead evaluator record that an interviewee withdrew consent.")

    def refuse_set_programme_limits(self) -> str:
        """How many assessment days the round may have: the coordinator's call."""
        if not self.is_coordinator:
            return _("Only coordinators allow more assessment days.")
        return self.refuse_plan_assessment()

    def refuse_read_session_notes(self, session) -> str:
        """Session notes are the panel's working notes. The host city never reads them during
        the assessment days; from the factual check on it reads those the panel shared."""
        if self.is_coordinator or self.is_panel_member:
            return ALLOWED
        if self.is_host_member:
            if self.state not in (RoundState.FACTUAL_CHECK, RoundState.PUBLISHED):
                return _("The panel's notes are its working notes; the city does not see them.")
            if not session.share_notes_with_city:
                return _("The panel did not share the notes of this session.")
            return ALLOWED
        return _("Only the panel and coordinators read the panel's notes.")

    def refuse_read_day_notes(self) -> str:
        if self.is_coordinator or self.is_panel_member:
            return ALLOWED
        return _("The panel's notes are its working notes; the city does not see them.")

    def refuse_transition(self, to_state: str) -> str:
        """Who may move a round on by hand. Submitting the pre-report and publishing
        have their own actions; every other step is the coordinator's."""
        if to_state == RoundState.PREREPORT_SUBMITTED:
            return _("The host city submits the pre-report from the pre-report editor.")
        if to_state == RoundState.PUBLISHED:
            return _("Publish the report from the report page.")
        if to_state == RoundState.FACTUAL_CHECK and self.is_lead:
            return ALLOWED
        if not self.is_coordinator:
            return _("Only coordinators move a round to its next step.")
        return ALLOWED


def round_access(user, round_id: int) -> RoundAccess:
    """Fetch a round the user may see (404 otherwise) with the user's standing in it."""
    review_round = get_object_or_404(
        Round.objects.visible_to(user).select_related("host_city", "framework"), pk=round_id
    )
    return RoundAccess(user=user, round=review_round)


def require(rule: Callable[[], str]) -> None:
    """Raise a 403 that explains itself when the rule refuses."""
    reason = rule()
    if reason:
        raise PermissionDenied(reason)
