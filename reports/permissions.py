"""Who may see and do what with a round's summary report.

Rules on top of `peerreview.permissions.RoundAccess`: each takes the user's access to the
round and returns "" when allowed, or the reason it is refused (shown on the 403 page by
`peerreview.permissions.require`).
"""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from cities.models import User
from peerreview.models import Round, RoundState
from peerreview.models.rounds import taken_part_in_round_id
from peerreview.permissions import ALLOWED, RoundAccess

from .models import PublicationLevel, SummaryReport
from .publication import CHOOSABLE_STATES


def _state_label(access: RoundAccess) -> str:
    return str(RoundState(access.state).label)


# --- who may read a published report (the publication level) --------------------------------


def is_network_member(user) -> bool:
    """Coordinators, every member of a city of the network and every evaluator, signed in."""
    if not user.is_authenticated:
        return False
    if user.is_coordinator:
        return True
    if not hasattr(user, "_is_network_member"):
        user._is_network_member = (
            User.objects.filter(pk=user.pk)
            .filter(Q(memberships__isnull=False) | Q(evaluator_profile__isnull=False))
            .exists()
        )
    return user._is_network_member


def readable_levels(user) -> list[str]:
    """The publication levels whose reports the user may read without taking part in the round."""
    if is_network_member(user):
        return [PublicationLevel.NETWORK, PublicationLevel.PUBLIC]
    return [PublicationLevel.PUBLIC]


def readable_condition(user, *, level: str = "publication_level", round_id: str = "round_id") -> Q:
    """Which published reports a user may read, as a condition on rows that carry a published
    report's publication level and round (the report itself, or the library's copies of them):
    the public ones for anyone (signed in or not), the network's for its members and evaluators,
    and every report of a round the user takes part in (host city, panel; coordinators all).
    Two index-friendly branches: a level, or one of the person's few rounds."""
    if user.is_authenticated and user.is_coordinator:
        return Q()
    condition = Q(**{f"{level}__in": readable_levels(user)})
    if user.is_authenticated:
        condition |= taken_part_in_round_id(user, round_id)
    return condition


def published_reports() -> QuerySet[SummaryReport]:
    """Every published report, whoever may read it. Drafts are never in it."""
    return SummaryReport.objects.filter(published_at__isnull=False, round__state=RoundState.PUBLISHED)


def readable_reports(user) -> QuerySet[SummaryReport]:
    """The published reports a user may read (`readable_condition`). Drafts are never in it."""
    return published_reports().filter(readable_condition(user))


def readable_report_parts(user, reports: QuerySet[SummaryReport]) -> list[QuerySet[SummaryReport]]:
    """`readable_condition` on `reports` as parts that share no report, for a list that reads
    each apart through its own index (network.search.ReadableReports): all of them for a
    coordinator; else one part per readable level, and the person's own rounds' reports at the
    other levels. Together they are `reports.filter(readable_condition(user))`."""
    if user.is_authenticated and user.is_coordinator:
        return [reports]
    levels = readable_levels(user)
    parts = [reports.filter(publication_level=level) for level in levels]
    if user.is_authenticated:
        parts.append(reports.filter(taken_part_in_round_id(user)).exclude(publication_level__in=levels))
    return parts


class ReportAccess(RoundAccess):
    """`RoundAccess` for the report's pages: also remembers whether the round's published report
    is shared with the person, so that `report_access` and `refuse_view_report` ask it once."""

    @cached_property
    def report_shared(self) -> bool:
        return readable_reports(self.user).filter(round_id=self.round.pk).exists()


def report_shared(access: RoundAccess) -> bool:
    """Whether the round's published report is shared with the person (its publication level)."""
    if isinstance(access, ReportAccess):
        return access.report_shared
    return readable_reports(access.user).filter(round_id=access.round.pk).exists()


def report_access(user, round_id: int) -> ReportAccess:
    """Like `round_access`, for the report page and its PDF: also the rounds whose published
    report the user may read without taking part (a 404 for anything else).

    The same rounds as `Round.objects.visible_to(user)` or `readable_reports(user)`, checked with
    the queries the report's rules ask next anyway (the host city's members, the panel, whether
    the report is shared), not with one query that compiles every rule at each request."""
    review_round = get_object_or_404(Round.objects.select_related("host_city", "framework"), pk=round_id)
    access = ReportAccess(user=user, round=review_round)
    takes_part = user.is_authenticated and (
        access.is_coordinator or access.is_host_member or access.is_panel_member
    )
    if not takes_part and not access.report_shared:
        raise Http404("No Round matches the given query.")  # get_object_or_404's, as before: never shown
    return access


def public_report_or_404(round_id: int) -> SummaryReport:
    """A report published to the public, for the page anyone may open without signing in."""
    return get_object_or_404(
        readable_reports(AnonymousUser()).select_related("round__host_city", "round__framework"),
        round_id=round_id,
    )


def is_participant(access: RoundAccess) -> bool:
    """Takes part in the round: sees its round pages, not only its published report."""
    return access.is_coordinator or access.is_host_member or access.is_panel_member


def refuse_view_report(access: RoundAccess) -> str:
    """Coordinators and the panel see the report at any time (a draft preview);
    the host city sees the draft in its factual check, and the published report; others read
    a published report when the city shared it with them (its publication level)."""
    if access.is_coordinator or access.is_panel_member:
        return ALLOWED
    if access.is_host_member:
        if access.state in (RoundState.FACTUAL_CHECK, RoundState.PUBLISHED):
            return ALLOWED
        return _("The city sees the report when the panel sends the draft for a factual check.")
    if access.state == RoundState.PUBLISHED and report_shared(access):
        return ALLOWED
    return _("Only the host city, the panel and coordinators can read this report.")


def refuse_choose_publication_level(access: RoundAccess) -> str:
    """The host city decides who reads its report; the coordinator publishes with that choice."""
    if not access.is_host_member:
        return _("Only members of the host city choose who may read their report.")
    if access.state not in CHOOSABLE_STATES:
        return _(
            "The city chooses who may read the report from the factual check on; this round is at “%(state)s”."
        ) % {"state": _state_label(access)}
    return ALLOWED


def refuse_edit_report(access: RoundAccess) -> str:
    if not (access.is_lead or access.is_coordinator):
        return _("Only the lead evaluator and coordinators write the summary report.")
    if access.state == RoundState.PUBLISHED:
        return _("The report is published: it can no longer be changed.")
    if access.state not in SummaryReport.EDITABLE_STATES:
        return _(
            "The report is written from the assessment days until the factual check; "
            "this round is at the step “%(state)s”."
        ) % {"state": _state_label(access)}
    return ALLOWED


def refuse_set_report_language(access: RoundAccess) -> str:
    """The lead evaluator and coordinators choose the report's language until it is published."""
    if not (access.is_lead or access.is_coordinator):
        return _("Only the lead evaluator and coordinators choose the report's language.")
    if access.state in (RoundState.PUBLISHED, RoundState.CANCELLED):
        return _("The report's language can no longer be changed: the round is at the step “%(state)s”.") % {
            "state": _state_label(access)
        }
    return ALLOWED


def refuse_view_history(access: RoundAccess) -> str:
    """The panel's drafting history is its working material: the panel and coordinators see it."""
    if access.is_coordinator or access.is_panel_member:
        return ALLOWED
    return _("Only the panel and coordinators see the edit history of the report.")


def refuse_send_for_check(access: RoundAccess) -> str:
    if not (access.is_lead or access.is_coordinator):
        return _("Only the lead evaluator and coordinators send the draft to the city.")
    if access.state != RoundState.DRAFTING:
        return _(
            "The draft is sent for a factual check from the report-drafting step; this round is at “%(state)s”."
        ) % {"state": _state_label(access)}
    return ALLOWED


def refuse_factual_comment(access: RoundAccess) -> str:
    if not access.is_host_member:
        return _("Only members of the host city comment on the draft report.")
    if access.state != RoundState.FACTUAL_CHECK:
        return _(
            "The city comments on the draft only during the factual check; this round is at “%(state)s”."
        ) % {"state": _state_label(access)}
    return ALLOWED


def refuse_resolve_factual_comment(access: RoundAccess) -> str:
    if not (access.is_lead or access.is_coordinator):
        return _("Only the lead evaluator and coordinators answer the city's comments.")
    if access.state != RoundState.FACTUAL_CHECK:
        return _(
            "The city's comments are answered during the factual check; this round is at “%(state)s”."
        ) % {"state": _state_label(access)}
    return ALLOWED


def refuse_publish(access: RoundAccess) -> str:
    if not access.is_coordinator:
        return _("Only coordinators sign off and publish the report.")
    if access.state != RoundState.FACTUAL_CHECK:
        return _("The report is published after the city's factual check; this round is at “%(state)s”.") % {
            "state": _state_label(access)
        }
    return ALLOWED


def refuse_view_progress(access: RoundAccess) -> str:
    if access.is_coordinator or access.is_host_member or access.is_panel_member:
        return ALLOWED
    return _("Only the host city, the panel and coordinators see the progress on earlier action proposals.")


def refuse_report_progress(access: RoundAccess) -> str:
    if not access.is_host_member:
        return _("Only members of the host city report progress on the action proposals.")
    if not access.round.is_repeat:
        return _("Progress on action proposals is reported in a repeat round.")
    if access.state != RoundState.PREREPORT_OPEN:
        return _(
            "Progress is reported while the repeat round's pre-report is open; this round is at “%(state)s”."
        ) % {"state": _state_label(access)}
    return ALLOWED


# --- the panel's discussion and suggestions (never the city's) -------------------------------


def refuse_view_discussion(access: RoundAccess) -> str:
    """The panel's threads are its working material: the panel and coordinators only, never the
    host city. An evaluator reads them once their own scores are in, so scoring stays independent."""
    if access.is_coordinator:
        return ALLOWED
    if not access.is_panel_member:
        return _("The panel's discussion is for the panel and the coordinators only.")
    if access.state == RoundState.SCORING and not access.assignment.has_submitted_scores:
        return _("You will see the panel's discussion once you have submitted your own scores.")
    return ALLOWED


def refuse_discuss(access: RoundAccess) -> str:
    reason = refuse_view_discussion(access)
    if reason:
        return reason
    if access.state in (RoundState.PUBLISHED, RoundState.CANCELLED):
        return _("This round is closed; its discussion is kept read-only.")
    return ALLOWED


def refuse_view_suggestions(access: RoundAccess) -> str:
    if access.is_coordinator or access.is_panel_member:
        return ALLOWED
    return _("Only the panel and coordinators see the panel's suggestions for the report.")


def refuse_suggest(access: RoundAccess) -> str:
    """Panel members who do not write the report themselves propose findings and action proposals."""
    if not access.is_panel_member:
        return _("Only evaluators on this round's panel suggest findings and action proposals.")
    if access.state not in SummaryReport.EDITABLE_STATES:
        return _(
            "Suggestions for the report are made from the assessment days until the factual check; "
            "this round is at “%(state)s”."
        ) % {"state": _state_label(access)}
    return ALLOWED


def refuse_decide_suggestion(access: RoundAccess) -> str:
    """The lead (or a coordinator) accepts suggestions into the report: the same rule as editing it."""
    return refuse_edit_report(access)
