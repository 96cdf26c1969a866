"""Who may see and do what with a round's summary report.

Rules on top of `peerreview.permissions.RoundAccess`: each takes the user's access to the
round and returns "" when allowed, or the reason it is refused (shown on the 403 page by
`peerreview.permissions.require`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from peerreview.models import RoundState
from peerreview.permissions import ALLOWED, RoundAccess

from .models import SummaryReport


def _state_label(access: RoundAccess) -> str:
    return str(RoundState(access.state).label)


def refuse_view_report(access: RoundAccess) -> str:
    """Coordinators and the panel see the report at any time (a draft preview);
    the host city sees the draft in its factual check, and the published report."""
    if access.is_coordinator or access.is_panel_member:
        return ALLOWED
    if access.is_host_member:
        if access.state in (RoundState.FACTUAL_CHECK, RoundState.PUBLISHED):
            return ALLOWED
        return _("The city sees the report when the panel sends the draft for a factual check.")
    return _("Only the host city, the panel and coordinators can read this report.")


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
