"""The panel: the coordinator's list and invitations, and the evaluator's answer to one."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import EvaluatorProfile

from ..forms.panel import EvaluatorProfileForm, InvitationResponseForm, InviteForm, PanelRuleOverrideForm
from ..models import Assignment, PreReport, Theme
from ..paging import CountedPaginator
from ..permissions import require, round_access
from ..services.matching import reasons, round_needs, suggestion_pool, suggestions
from ..services.panel import expected_effort, invite_evaluator, respond_to_invitation
from ..services.panel_rule import (
    MAX_PANEL_SIZE,
    MIN_PANEL_SIZE,
    has_override,
    override_panel_rule,
    panel_rule_problems,
)

WARNINGS_CODE = "unacknowledged_warnings"


def _error_codes(error: ValidationError) -> set[str | None]:
    return {getattr(error, "code", None)} | {getattr(item, "code", None) for item in error.error_list}


SUGGESTIONS_PER_PAGE = 10


def _invite(request: HttpRequest, review_round) -> tuple[InviteForm, list[str], object]:
    """Bind and send an invitation. Returns (form, warnings to acknowledge, redirect or None)."""
    form = InviteForm(request.POST, review_round=review_round)
    warnings: list[str] = []
    if not form.is_valid():
        return form, warnings, None
    evaluator = form.cleaned_data["evaluator"]
    role = form.cleaned_data["role"]
    try:
        invite_evaluator(
            review_round=review_round,
            evaluator=evaluator,
            role=role,
            invited_by=request.user,
            acknowledge_warnings=form.warnings_acknowledged,
            due_date=form.cleaned_data["due_date"],
        )
    except ValidationError as error:
        codes = _error_codes(error)
        if WARNINGS_CODE in codes:
            warnings = error.messages
            # Keep every choice; ask for the acknowledgement of exactly these warnings.
            data = request.POST.copy()
            data["warned_evaluator"] = str(evaluator.pk)
            data.pop("acknowledge_warnings", None)
            form = InviteForm(data, review_round=review_round)
            form.is_valid()
        elif "second_lead" in codes:
            form.add_error("role", error)
        else:
            form.add_error(None, error)
    except IntegrityError:
        form.add_error(
            None, _("The panel changed while you were inviting. Check the list below and try again.")
        )
    else:
        messages.success(
            request,
            _("%(name)s is invited as %(role)s.")
            % {"name": evaluator, "role": Assignment.Role(role).label.lower()},
        )
        return form, warnings, redirect("peerreview:panel_manage", round_id=review_round.pk)
    return form, warnings, None


def _previous_panel(review_round, needs) -> list[tuple]:
    """A repeat round's earlier panel, offered for re-invitation with their role then and the
    reasons as now (those already invited, or who cannot review the city any more, are left out)."""
    if not review_round.previous_round_id:
        return []
    roles = dict(
        Assignment.objects.filter(
            round_id=review_round.previous_round_id, state=Assignment.State.ACCEPTED
        ).values_list("evaluator_id", "role")
    )
    if not roles:
        return []
    profiles = suggestions(review_round, needs, only_users=list(roles))
    return [(profile, reasons(profile, needs, review_round), roles[profile.user_id]) for profile in profiles]


def panel_manage(request: HttpRequest, round_id: int) -> HttpResponse:
    """The panel and the ranked suggestions to invite from (a page at a time, searchable)."""
    access = round_access(request.user, round_id)
    if not access.is_coordinator:
        raise PermissionDenied(_("Only coordinators manage a round's panel."))
    review_round = access.round
    refusal = access.refuse_manage_panel()
    warnings: list[str] = []
    form = None
    override_form = PanelRuleOverrideForm(prefix="override")
    if request.method == "POST":
        require(access.refuse_manage_panel)
        if request.POST.get("action") == "override":
            override_form = PanelRuleOverrideForm(request.POST, prefix="override")
            if override_form.is_valid():
                override_panel_rule(
                    review_round=review_round, reason=override_form.cleaned_data["reason"], actor=request.user
                )
                messages.success(request, _("The reason is recorded: this panel may differ from the rule."))
                return redirect("peerreview:panel_manage", round_id=review_round.pk)
        else:
            form, warnings, done = _invite(request, review_round)
            if done is not None:
                return done

    assignments = list(
        review_round.assignments.select_related("evaluator__evaluator_profile__home_city").order_by(
            "role", "pk"
        )
    )
    accepted = [a for a in assignments if a.state == Assignment.State.ACCEPTED]
    active = [a for a in assignments if a.state != Assignment.State.DECLINED]
    override = has_override(review_round)
    query = request.GET.get("q", "").strip()[:100]
    needs = round_needs(review_round)
    page = None
    rows = []
    if not refusal:
        page = CountedPaginator(
            suggestions(review_round, needs, query=query),
            SUGGESTIONS_PER_PAGE,
            counted=suggestion_pool(review_round, query=query),  # the same rows, unranked
        ).get_page(request.GET.get("page"))
        rows = [(profile, reasons(profile, needs, review_round)) for profile in page.object_list]
    previous_panel = _previous_panel(review_round, needs) if not refusal else []
    warned = form.cleaned_data.get("evaluator") if warnings and form is not None else None
    return render(
        request,
        "peerreview/panel/manage.html",
        {
            "review_round": review_round,
            "assignments": assignments,
            "accepted_count": len(accepted),
            "has_lead": any(a.is_lead for a in active),
            "min_panel_size": MIN_PANEL_SIZE,
            "max_panel_size": MAX_PANEL_SIZE,
            "rule_problems": panel_rule_problems(review_round),
            "override": override,
            "override_form": override_form,
            "seats_left": max(MAX_PANEL_SIZE - len(active), 0),
            "can_invite": not refusal and (override or len(active) < MAX_PANEL_SIZE),
            "needs": needs,
            "query": query,
            "page": page,
            "rows": rows,
            "previous_panel": previous_panel,
            "form": form,
            "warnings": warnings,
            "warned": warned,
            "default_due": timezone.localdate() + datetime.timedelta(days=settings.INVITATION_RESPONSE_DAYS),
            "roles": Assignment.Role.choices,
            "can_manage": not refusal,
            "refusal": refusal,
        },
    )


def invitation_respond(request: HttpRequest, assignment_id: int) -> HttpResponse:
    # Only the invited person finds the invitation: for anyone else it does not exist.
    assignment = get_object_or_404(
        Assignment.objects.select_related("round__host_city", "round__framework"),
        pk=assignment_id,
        evaluator=request.user,
    )
    form = InvitationResponseForm(request.POST or None)
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in ("accept", "decline"):
            form.add_error(None, _("Choose to accept or decline the invitation."))
        elif form.is_valid():
            accept = decision == "accept"
            try:
                respond_to_invitation(
                    assignment=assignment, accept=accept, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if accept:
                    messages.success(
                        request,
                        _("Thank you: you are on the panel of %(round)s.") % {"round": assignment.round},
                    )
                    return redirect("peerreview:round_detail", round_id=assignment.round_id)
                messages.info(
                    request,
                    _("You declined the invitation to %(round)s.") % {"round": assignment.round},
                )
                return redirect("peerreview:dashboard")
    can_respond = assignment.state == Assignment.State.INVITED and not assignment.round.is_closed
    review_round = assignment.round
    prereport = PreReport.objects.filter(round=review_round).first()
    return render(
        request,
        "peerreview/panel/invitation.html",
        {
            "assignment": assignment,
            "review_round": review_round,
            "form": form,
            "can_respond": can_respond,
            # What the evaluator needs to decide, before accepting: the city's questions, the
            # framework's themes, the panel so far, the days and the effort.
            "guiding_questions": prereport.guiding_questions if prereport else [],
            "themes": review_round.framework.themes.filter(is_scored=True).order_by("order"),
            "panel": review_round.assignments.exclude(state=Assignment.State.DECLINED)
            .exclude(pk=assignment.pk)
            .select_related("evaluator__evaluator_profile__home_city")
            .order_by("role", "pk"),
            "days": review_round.assessment_days.order_by("date"),
            "effort": expected_effort(review_round, assignment.role),
        },
    )


def evaluator_profile(request: HttpRequest) -> HttpResponse:
    """The person's own evaluator profile: what matching ranks them by."""
    profile = EvaluatorProfile.objects.filter(user=request.user).select_related("home_city").first()
    if profile is None:
        raise PermissionDenied(_("You have no evaluator profile. A coordinator adds one for you."))
    themes: dict[str, str] = {}
    for code, title in (
        Theme.objects.filter(framework__is_active=True, is_scored=True)
        .order_by("order", "-framework__version")
        .values_list("code", "title")
    ):
        themes.setdefault(code, f"{code} – {title}")
    form = EvaluatorProfileForm(request.POST or None, instance=profile, themes=list(themes.items()))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your evaluator profile is saved."))
        return redirect("peerreview:evaluator_profile")
    return render(request, "peerreview/panel/profile.html", {"form": form, "profile": profile})
