"""The panel: the coordinator's list and invitations, and the evaluator's answer to one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ..forms.panel import InvitationResponseForm, InviteForm
from ..models import Assignment
from ..permissions import require, round_access
from ..services.panel import invite_evaluator, respond_to_invitation
from ..services.rounds import MIN_PANEL_SIZE

WARNINGS_CODE = "unacknowledged_warnings"


def _error_codes(error: ValidationError) -> set[str | None]:
    return {getattr(error, "code", None)} | {getattr(item, "code", None) for item in error.error_list}


def panel_manage(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    if not access.is_coordinator:
        raise PermissionDenied(_("Only coordinators manage a round's panel."))
    review_round = access.round
    refusal = access.refuse_manage_panel()
    warnings: list[str] = []
    form = None
    if request.method == "POST":
        require(access.refuse_manage_panel)
        form = InviteForm(request.POST, review_round=review_round)
        if form.is_valid():
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
                if WARNINGS_CODE in _error_codes(error):
                    warnings = error.messages
                    # Keep every choice; ask for the acknowledgement of exactly these warnings.
                    data = request.POST.copy()
                    data["warned_evaluator"] = str(evaluator.pk)
                    data.pop("acknowledge_warnings", None)
                    form = InviteForm(data, review_round=review_round)
                    form.is_valid()
                elif "second_lead" in _error_codes(error):
                    form.add_error("role", error)
                else:
                    form.add_error("evaluator", error)
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
                return redirect("peerreview:panel_manage", round_id=review_round.pk)
    elif not refusal:
        form = InviteForm(review_round=review_round)

    assignments = list(
        review_round.assignments.select_related("evaluator__evaluator_profile__home_city").order_by(
            "role", "pk"
        )
    )
    accepted = [a for a in assignments if a.state == Assignment.State.ACCEPTED]
    return render(
        request,
        "peerreview/panel/manage.html",
        {
            "review_round": review_round,
            "assignments": assignments,
            "accepted_count": len(accepted),
            "has_lead": any(a.is_lead for a in accepted),
            "min_panel_size": MIN_PANEL_SIZE,
            "form": form,
            "warnings": warnings,
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
    return render(
        request,
        "peerreview/panel/invitation.html",
        {
            "assignment": assignment,
            "review_round": assignment.round,
            "form": form,
            "can_respond": can_respond,
        },
    )
