"""Autosave endpoints for the pre-report editor, the scoring sheet and the agreed scores of the
score overview (static/js/autosave.js).

The script posts one unit (the header, one answer, one score) with the same fields and hidden
base the page's form carries; the same services save it under the same lock. Without
JavaScript nothing changes: the page's form posts everything with the same protection.
The JSON answers (``saved_response`` …) are shared with the report editor's endpoint."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms.prereport import AnswerForm, PreReportHeaderForm
from ..forms.scoring import AgreedScoreForm, ScoreForm
from ..models import AgreedScore, Criterion, LevelDescriptor, PreReport
from ..permissions import require, round_access
from ..services.locking import Refused
from ..services.panel import ensure_scores, save_agreed_scores, save_scores
from ..services.prereport import save_prereport_draft
from ..services.versioning import EditConflict


def saved_response(form, unit, written: list[str]) -> JsonResponse:
    """The unit is saved (or had nothing new): "Saved at HH:MM". A real save moves the page's
    base on for what it now shows as saved (``VersionedFormMixin.rebase_on``); after
    "unchanged" the page keeps the base it had."""
    body = {
        "status": "saved" if written else "unchanged",
        "saved_at": time_format(timezone.localtime(), "TIME_FORMAT"),
        "message": _("Saved at %(time)s") % {"time": time_format(timezone.localtime(), "H:i")},
    }
    if written:
        form.rebase_on(unit)
        body.update(form.current_base())
    return JsonResponse(body)


def conflict_response(request: HttpRequest, form, conflict: EditConflict) -> JsonResponse:
    """Not saved: both versions as HTML for the page, and the base to save the merged text
    with (used only when the person chooses to save it)."""
    form.rebase_on_conflict(conflict)
    return JsonResponse(
        {
            "status": "conflict",
            "message": _("Not saved: changed by someone else meanwhile. Compare both versions."),
            "html": render_to_string("includes/edit_conflict.html", {"conflict": conflict}, request=request),
            **form.current_base(),
        },
        status=409,
    )


def refused_response(message: str) -> JsonResponse:
    """Not saved and no use trying again (submitted, published, the step moved on)."""
    return JsonResponse({"status": "refused", "message": message}, status=409)


def invalid_response(form) -> JsonResponse:
    return JsonResponse(
        {
            "status": "invalid",
            "message": _("Not saved: correct the marked field, then save."),
            "errors": {name: [str(error) for error in errors] for name, errors in form.errors.items()},
        },
        status=400,
    )


def no_such_unit(message: str, status: int = 404) -> JsonResponse:
    return JsonResponse({"status": "invalid", "message": message}, status=status)


@require_POST
def prereport_autosave(request: HttpRequest, round_id: int) -> JsonResponse:
    access = round_access(request.user, round_id)
    if not access.is_host_member:
        require(access.refuse_edit_prereport)
    prereport = PreReport.objects.filter(round=access.round).first()
    if prereport is None:
        return refused_response(access.refuse_edit_prereport() or _("The pre-report is not open yet."))
    unit = request.POST.get("unit", "")
    if unit == "header":
        form = PreReportHeaderForm(request.POST, instance=prereport, prefix="prereport")
    elif unit.startswith("answer-") and unit[7:].isdigit():
        answer = (
            prereport.answers.select_related("criterion__theme")
            .prefetch_related("criterion__descriptors")
            .filter(criterion_id=int(unit[7:]))
            .first()
        )
        if answer is None:
            return no_such_unit(_("No such criterion."))
        form = AnswerForm(request.POST, instance=answer, prefix=f"c{answer.criterion_id}")
    else:
        return no_such_unit(_("No such part of the pre-report."), status=400)
    if not form.is_valid():
        return invalid_response(form)
    edit = form.edit()
    try:
        result = save_prereport_draft(review_round=access.round, actor=request.user, edits=[edit])
    except Refused as error:
        return refused_response(error.message)
    if edit.key in result.conflicts:
        return conflict_response(request, form, result.conflicts[edit.key])
    return saved_response(form, result.saved[edit.key], result.written[edit.key])


@require_POST
def scoring_autosave(request: HttpRequest, round_id: int) -> JsonResponse:
    access = round_access(request.user, round_id)
    if not access.is_panel_member:
        require(access.refuse_score)
    unit = request.POST.get("unit", "")
    if not (unit.startswith("score-") and unit[6:].isdigit()):
        return no_such_unit(_("No such criterion."), status=400)
    assignment = access.assignment
    assignment.round = access.round
    criterion_id = int(unit[6:])
    score = next((s for s in ensure_scores(assignment) if s.criterion_id == criterion_id), None)
    if score is None:
        return no_such_unit(_("No such criterion."))
    descriptors = {d.level: d.text for d in LevelDescriptor.objects.filter(criterion_id=criterion_id)}
    form = ScoreForm(request.POST, score=score, descriptors=descriptors)
    if not form.is_valid():
        return invalid_response(form)
    edit = form.edit()
    try:
        result = save_scores(assignment=assignment, actor=request.user, edits=[edit])
    except Refused as error:
        return refused_response(error.message)
    if edit.key in result.conflicts:
        return conflict_response(request, form, result.conflicts[edit.key])
    return saved_response(form, result.saved[edit.key], result.written[edit.key])


@require_POST
def agreed_autosave(request: HttpRequest, round_id: int) -> JsonResponse:
    """One agreed score (a row of the score overview), posted by the lead's page as they type."""
    access = round_access(request.user, round_id)
    refusal = access.refuse_record_agreed_scores()
    if refusal:
        if not access.is_lead:
            require(lambda: refusal)
        return refused_response(refusal)  # the lead's page is stale: the step moved on
    unit = request.POST.get("unit", "")
    if not (unit.startswith("agreed-") and unit[7:].isdigit()):
        return no_such_unit(_("No such criterion."), status=400)
    criterion = Criterion.objects.filter(
        pk=int(unit[7:]), theme__framework_id=access.round.framework_id, theme__is_scored=True
    ).first()
    if criterion is None:
        return no_such_unit(_("No such criterion."))
    agreed = AgreedScore.objects.filter(round=access.round, criterion=criterion).first()
    form = AgreedScoreForm(request.POST, criterion=criterion, agreed=agreed)
    if not form.is_valid():
        return invalid_response(form)
    if not form.to_record:  # an empty row is never saved (nor a removal)
        return saved_response(form, agreed, [])
    edit = form.edit(request.user)
    try:
        result = save_agreed_scores(review_round=access.round, actor=request.user, edits=[edit])
    except Refused as error:
        return refused_response(error.message)
    if edit.key in result.conflicts:
        return conflict_response(request, form, result.conflicts[edit.key])
    return saved_response(form, result.saved[edit.key], result.written[edit.key])
