"""The host city's progress report, in a repeat round, on the earlier action proposals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerreview.permissions import require, round_access

from .models import ActionProgress
from .permissions import refuse_report_progress, refuse_view_progress
from .repeat import open_repeat_round_now, progress_items, save_action_progress


def action_progress(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(lambda: refuse_view_progress(access))
    review_round = access.round
    items = progress_items(review_round)
    can_edit = not refuse_report_progress(access)
    if request.method == "POST":
        require(lambda: refuse_report_progress(access))
        changes = {
            item.pk: {
                "status": request.POST.get(f"status-{item.pk}", item.status),
                "evidence": request.POST.get(f"evidence-{item.pk}", item.evidence),
            }
            for item in items
        }
        try:
            save_action_progress(review_round=review_round, changes=changes, user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Progress saved."))
            return redirect("reports:action_progress", round_id=review_round.pk)
    context = {
        "review_round": review_round,
        "items": items,
        "can_edit": can_edit,
        "statuses": ActionProgress.Status.choices,
    }
    return render(request, "reports/action_progress.html", context)


@require_POST
def open_repeat_round(request: HttpRequest, round_id: int) -> HttpResponse:
    """Open a planned repeat round now instead of on its date (coordinators)."""
    access = round_access(request.user, round_id)
    review_round = access.round
    if not access.is_coordinator:
        raise PermissionDenied(_("Only coordinators open a repeat round ahead of its date."))
    if not review_round.is_repeat or review_round.state != "planned":
        raise PermissionDenied(_("Only a planned repeat round can be opened ahead of its date."))
    if open_repeat_round_now(review_round=review_round, actor=request.user):
        messages.success(
            request,
            _("The repeat round is open. The host city can now report progress and fill in the pre-report."),
        )
    else:
        messages.info(request, _("This repeat round was opened meanwhile."))
    return redirect("peerreview:round_detail", round_id=review_round.pk)
