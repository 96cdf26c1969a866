"""The host city's pre-report: the editor (read-only once submitted or for other readers),
submission, indicator values and evidence files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..downloads import attachment
from ..forms.prereport import EvidenceUploadForm, IndicatorTable, PreReportEditor, indicator_years
from ..middleware import keeps_text_when_too_large, too_large_message
from ..models import Answer, EvidenceFile, PreReport, Round, RoundState
from ..permissions import RoundAccess, require, round_access
from ..services.locking import Refused, prereport_submitted_message
from ..services.prereport import (
    evidence_content_type,
    remove_evidence,
    save_indicator_values,
    save_prereport_draft,
    submit_pre_report,
    upload_evidence,
)
from ..services.rounds import TransitionError, prepare_prereport
from ..services.versioning import changed_fields, display_value
from ..signals import file_downloaded

# A save refused because of a conflict or a submission: the page is shown again with the typed text.
CONFLICT_STATUS = 409

# --- helpers -------------------------------------------------------------------------------


def _load_prereport(review_round: Round) -> PreReport | None:
    """The round's pre-report; created (with an empty answer per criterion) when the round
    is open for it and it is missing. None before the round opens."""
    prereport = PreReport.objects.select_related("submitted_by").filter(round=review_round).first()
    if prereport is None and review_round.state == RoundState.PREREPORT_OPEN:
        prepare_prereport(review_round)
        prereport = PreReport.objects.select_related("submitted_by").get(round=review_round)
    return prereport


def _answers(prereport: PreReport) -> list[Answer]:
    """Every answer with its criterion, theme and level descriptors: three queries in all."""
    return list(
        prereport.answers.select_related("criterion__theme").prefetch_related("criterion__descriptors")
    )


def _not_open(request: HttpRequest, review_round: Round) -> HttpResponse:
    return render(request, "peerreview/prereport/not_open.html", {"review_round": review_round})


def _editor_url(review_round: Round, anchor: str = "") -> str:
    url = reverse("peerreview:prereport_edit", args=[review_round.pk])
    return f"{url}#{anchor}" if anchor else url


@dataclass
class _SavedState:
    """What the database holds: what each answer still misses, and whether the context is written."""

    missing: dict[int, str]
    context_missing: bool

    @classmethod
    def of(cls, prereport: PreReport, answers: list[Answer]) -> _SavedState:
        return cls(
            missing={answer.pk: answer.missing_part() for answer in answers},
            context_missing=not prereport.context.strip(),
        )


def _render_editor(
    request: HttpRequest,
    access: RoundAccess,
    prereport: PreReport,
    answers: list[Answer],
    *,
    saved: _SavedState,
    editor: PreReportEditor | None = None,
    upload_form: EvidenceUploadForm | None = None,
    refusal: str = "",
    unsaved: list[dict] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The editor page, editable or read-only, with the bound forms when given."""
    review_round = access.round
    read_only_reason = access.refuse_edit_prereport()
    can_edit = not read_only_reason and not refusal
    if refusal:
        editor = None
    missing = saved.missing
    done = sum(1 for answer in answers if not missing[answer.pk])
    total = len(answers)

    if can_edit:
        editor = editor or PreReportEditor(prereport=prereport, answers=answers)
        upload_form = upload_form or EvidenceUploadForm(
            framework=review_round.framework,
            criteria=[answer.criterion for answer in answers],
            prefix="evidence",
        )

    evidence_by_criterion: dict[int | None, list[EvidenceFile]] = defaultdict(list)
    evidence_files = list(prereport.evidence_files.all())
    for evidence in evidence_files:
        evidence_by_criterion[evidence.criterion_id].append(evidence)

    sections: list[dict] = []
    for answer in answers:
        criterion = answer.criterion
        if not sections or sections[-1]["theme"].pk != criterion.theme_id:
            sections.append({"theme": criterion.theme, "items": [], "done": 0})
        section = sections[-1]
        section["items"].append(
            {
                "answer": answer,
                "criterion": criterion,
                "descriptors": criterion.descriptors.all(),
                "missing": missing[answer.pk],
                "form": editor.forms_by_criterion.get(criterion.pk) if editor else None,
                "conflict": editor.conflicts.get(criterion.pk) if editor else None,
                "evidence": evidence_by_criterion.get(criterion.pk, []),
            }
        )
        if not missing[answer.pk]:
            section["done"] += 1

    indicators = list(review_round.framework.indicators.all())
    saved_values = list(prereport.indicator_values.all())
    values = {(value.indicator_id, value.year): value for value in saved_values}
    years = sorted({value.year for value in saved_values})
    indicator_rows = [
        {"indicator": indicator, "cells": [values.get((indicator.pk, year)) for year in years]}
        for indicator in indicators
    ]

    context = {
        "review_round": review_round,
        "prereport": prereport,
        "can_edit": can_edit,
        "read_only_reason": read_only_reason,
        "refusal": refusal,
        "unsaved": unsaved or [],
        "editor": editor,
        "header_conflict": editor.conflicts.get("header") if editor else None,
        "conflict_count": len(editor.conflicts) if editor else 0,
        "error_items": editor.error_items() if editor and editor.header.is_bound else [],
        "upload_form": upload_form,
        "sections": sections,
        "general_evidence": evidence_by_criterion.get(None, []),
        "evidence_files": evidence_files,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
        "context_missing": saved.context_missing,
        "indicators": indicators,
        "indicator_years": years,
        "indicator_rows": indicator_rows,
    }
    return render(request, "peerreview/prereport/edit.html", context, status=status)


def unsaved_items(edits) -> list[dict]:
    """What a person typed that was not saved (a refused save), to show them so nothing is lost."""
    items = []
    for edit in edits:
        for name, value in changed_fields(edit.values, edit.base, edit.together).items():
            text = display_value(edit.model, name, value)
            if text:
                label = (edit.labels or {}).get(name) or edit.model._meta.get_field(name).verbose_name
                items.append({"label": label, "text": text})
    return items


def _refused(
    request: HttpRequest, access: RoundAccess, refusal: Refused, edits=None, upload_form=None
) -> HttpResponse:
    """The editor again, read-only, with why the save was refused and the text that was not saved."""
    access.round.refresh_from_db()
    prereport = _load_prereport(access.round)
    answers = _answers(prereport)
    return _render_editor(
        request,
        access,
        prereport,
        answers,
        saved=_SavedState.of(prereport, answers),
        refusal=refusal.message,
        unsaved=unsaved_items(edits or []),
        status=CONFLICT_STATUS,
    )


def _save_editor(request: HttpRequest, access: RoundAccess, editor: PreReportEditor):
    """Save the editor's units; returns the SaveResult, or a response when the save was refused."""
    try:
        return save_prereport_draft(review_round=access.round, actor=request.user, edits=editor.edits())
    except Refused as refusal:
        return _refused(request, access, refusal, editor.edits())


def _missing_with_links(review_round: Round, prereport: PreReport, answers: list[Answer]) -> list[dict]:
    """What blocks submission (the same items as `PreReport.missing_items`), each linked to
    the place in the editor where it is fixed."""
    items = []
    if not prereport.context.strip():
        items.append(
            {
                "text": _("Describe the context of the city and its procurement."),
                "url": _editor_url(review_round, "id_prereport-context"),
            }
        )
    for answer in answers:
        part = answer.missing_part()
        if part:
            items.append(
                {
                    "criterion": answer.criterion,
                    "text": part,
                    "url": _editor_url(review_round, f"criterion-{answer.criterion_id}"),
                }
            )
    return items


# --- views ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def prereport_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_prereport)
    review_round = access.round
    prereport = _load_prereport(review_round)
    if prereport is None:
        if request.method == "POST":
            require(access.refuse_edit_prereport)
        return _not_open(request, review_round)
    answers = _answers(prereport)
    # Read before a bound form writes typed values into the instances: the completion bar
    # and the card states show what is saved, not what was typed.
    saved = _SavedState.of(prereport, answers)

    if request.method == "POST":
        if not access.is_host_member:
            require(access.refuse_edit_prereport)
        editor = PreReportEditor(prereport=prereport, answers=answers, data=request.POST)
        if not editor.is_valid():
            return _render_editor(request, access, prereport, answers, saved=saved, editor=editor)
        result = _save_editor(request, access, editor)
        if isinstance(result, HttpResponse):
            return result
        if result.conflicts:
            editor.apply(result)
            prereport.refresh_from_db()
            answers = _answers(prereport)
            return _render_editor(
                request,
                access,
                prereport,
                answers,
                saved=_SavedState.of(prereport, answers),
                editor=editor,
                status=CONFLICT_STATUS,
            )
        if request.POST.get("action") == "review":
            messages.success(request, _("Draft saved. Check what is still missing before you submit."))
            return redirect("peerreview:prereport_submit", round_id=review_round.pk)
        messages.success(request, _("Draft saved."))
        return redirect("peerreview:prereport_edit", round_id=review_round.pk)

    return _render_editor(request, access, prereport, answers, saved=saved)


@require_http_methods(["GET", "POST"])
def prereport_submit(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    review_round = access.round
    prereport = _load_prereport(review_round)
    if access.is_host_member and prereport is not None and prereport.is_submitted:
        # A second submission (a stale tab, a double click) is told what happened, not refused bare.
        return _already_submitted(request, review_round, prereport)
    require(access.refuse_edit_prereport)
    problems: list[str] = []
    if request.method == "POST":
        try:
            submit_pre_report(review_round=review_round, user=request.user)
        except Refused:
            return _already_submitted(request, review_round, _load_prereport(review_round))
        except TransitionError as error:
            problems = [str(problem) for problem in error.problems]
        else:
            messages.success(
                request, _("The pre-report is submitted. It is now read-only and goes to the panel.")
            )
            return redirect("peerreview:round_detail", round_id=review_round.pk)

    answers = _answers(prereport)
    missing = _missing_with_links(review_round, prereport, answers)
    done = sum(1 for answer in answers if answer.is_complete())
    # The guard reports the missing items again; list only the problems the links do not cover.
    covered = set(prereport.missing_items()) if problems else set()
    context = {
        "review_round": review_round,
        "prereport": prereport,
        "missing": missing,
        "problems": problems,
        "other_problems": [problem for problem in problems if problem not in covered],
        "done": done,
        "total": len(answers),
        "percent": round(100 * done / len(answers)) if answers else 0,
    }
    return render(request, "peerreview/prereport/submit.html", context)


def _already_submitted(request: HttpRequest, review_round: Round, prereport: PreReport) -> HttpResponse:
    context = {
        "review_round": review_round,
        "prereport": prereport,
        "already": prereport_submitted_message(prereport),
    }
    return render(request, "peerreview/prereport/submit.html", context)


@require_http_methods(["GET", "POST"])
def indicators_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_prereport)
    review_round = access.round
    prereport = _load_prereport(review_round)
    if prereport is None:
        if request.method == "POST":
            require(access.refuse_edit_prereport)
        return _not_open(request, review_round)
    read_only_reason = access.refuse_edit_prereport()
    refusal = ""
    if request.method == "POST" and access.is_host_member:  # the service checks the step, under the lock
        indicators = list(review_round.framework.indicators.all())
        saved = list(prereport.indicator_values.all())
        years = indicator_years(timezone.localdate(), {value.year for value in saved})
        table = IndicatorTable(
            prereport=prereport, indicators=indicators, years=years, saved=saved, data=request.POST
        )
        if table.is_valid():
            try:
                result = save_indicator_values(
                    review_round=review_round, actor=request.user, cells=table.edits()
                )
            except Refused as error:
                refusal = error.message
                review_round.refresh_from_db()
                read_only_reason = access.refuse_edit_prereport()
                prereport = _load_prereport(review_round)
            else:
                if not result.conflicts:
                    messages.success(request, _("Indicator values saved."))
                    return redirect("peerreview:indicators_edit", round_id=review_round.pk)
                table.apply(result)
                context = {
                    "review_round": review_round,
                    "prereport": prereport,
                    "can_edit": True,
                    "indicators": indicators,
                    "table": table,
                    "years": years,
                }
                return render(
                    request, "peerreview/prereport/indicators.html", context, status=CONFLICT_STATUS
                )

    indicators = list(review_round.framework.indicators.all())
    saved = list(prereport.indicator_values.all())
    if read_only_reason or refusal:
        if request.method == "POST" and not refusal:
            require(access.refuse_edit_prereport)
        years = sorted({value.year for value in saved})
        values = {(value.indicator_id, value.year): value for value in saved}
        rows = [
            {"indicator": indicator, "cells": [values.get((indicator.pk, year)) for year in years]}
            for indicator in indicators
        ]
        context = {
            "review_round": review_round,
            "prereport": prereport,
            "can_edit": False,
            "read_only_reason": read_only_reason,
            "refusal": refusal,
            "indicators": indicators,
            "indicator_years": years,
            "indicator_rows": rows,
        }
        return render(
            request,
            "peerreview/prereport/indicators.html",
            context,
            status=CONFLICT_STATUS if refusal else 200,
        )

    years = indicator_years(timezone.localdate(), {value.year for value in saved})
    data = request.POST if request.method == "POST" else None
    table = IndicatorTable(prereport=prereport, indicators=indicators, years=years, saved=saved, data=data)
    if data is not None:
        table.is_valid()  # a valid table was saved above; this shows the errors at the fields
    context = {
        "review_round": review_round,
        "prereport": prereport,
        "can_edit": True,
        "indicators": indicators,
        "table": table,
        "years": years,
    }
    return render(request, "peerreview/prereport/indicators.html", context)


@keeps_text_when_too_large
@require_POST
def evidence_upload(request: HttpRequest, round_id: int) -> HttpResponse:
    """Upload an evidence file. The upload button sits in the editor's form, so the text typed
    in the editor arrives too and is saved first: uploading never throws typed text away.

    A request over the size limit arrives without its file (RequestSizeLimitMiddleware stops
    reading at the file, the form's last field): the text is saved all the same when all of
    it arrived (the `editor-complete` marker after the editor's fields says so), otherwise it
    is shown again unsaved; either way the answer is 413 with the editor and the reason."""
    access = round_access(request.user, round_id)
    if not access.is_host_member:
        require(access.refuse_edit_prereport)
    review_round = access.round
    prereport = _load_prereport(review_round)
    if prereport is None:
        require(access.refuse_edit_prereport)
    answers = _answers(prereport)
    saved = _SavedState.of(prereport, answers)
    criteria = [answer.criterion for answer in answers]
    form = EvidenceUploadForm(
        request.POST, request.FILES, framework=review_round.framework, criteria=criteria, prefix="evidence"
    )
    too_large = getattr(request, "upload_too_large", 0)
    editor = None
    if "prereport-base_version" in request.POST:
        editor = PreReportEditor(prereport=prereport, answers=answers, data=request.POST)
        if too_large and "editor-complete" not in request.POST:
            messages.warning(
                request, _("Not all of your text arrived, so none of it was saved: save the draft.")
            )
            return _upload_too_large(request, access, prereport, answers, saved, editor, form, too_large)
        if not editor.is_valid():
            form.is_valid()
            form.add_error(None, _("Correct the fields marked in the editor, then choose the file again."))
            return _render_editor(
                request, access, prereport, answers, saved=saved, editor=editor, upload_form=form
            )
        result = _save_editor(request, access, editor)
        if isinstance(result, HttpResponse):
            return result
        if result.conflicts:
            editor.apply(result)
        elif result.changed_count:
            messages.success(request, _("Draft saved."))
    if too_large:
        prereport.refresh_from_db()
        answers = _answers(prereport)
        if editor is not None and not editor.conflicts:
            editor = None  # saved: show the editor as saved now
        return _upload_too_large(
            request, access, prereport, answers, _SavedState.of(prereport, answers), editor, form, too_large
        )
    if form.is_valid():
        criterion = form.cleaned_data["criterion"]
        try:
            evidence = upload_evidence(
                review_round=review_round,
                upload=form.cleaned_data["file"],
                user=request.user,
                criterion=criterion,
                description=form.cleaned_data["description"],
                token=form.cleaned_data.get("token"),
            )
        except Refused as refusal:
            return _refused(request, access, refusal, editor.edits() if editor else None)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("“%(name)s” is uploaded.") % {"name": evidence.original_name})
            if editor is None or not editor.conflicts:
                anchor = f"criterion-{criterion.pk}" if criterion else "general-evidence"
                return redirect(_editor_url(review_round, anchor))
            form = EvidenceUploadForm(framework=review_round.framework, criteria=criteria, prefix="evidence")
    elif access.refuse_edit_prereport():
        return _refused(
            request, access, Refused(access.refuse_edit_prereport()), editor.edits() if editor else None
        )
    prereport.refresh_from_db()
    answers = _answers(prereport)
    if editor is not None and not editor.conflicts:
        editor = None  # saved: show the editor as saved now, with the upload's errors
    return _render_editor(
        request,
        access,
        prereport,
        answers,
        saved=_SavedState.of(prereport, answers),
        editor=editor,
        upload_form=form,
        status=CONFLICT_STATUS if editor is not None else 200,
    )


def _upload_too_large(
    request: HttpRequest,
    access: RoundAccess,
    prereport: PreReport,
    answers: list[Answer],
    saved: _SavedState,
    editor: PreReportEditor | None,
    form: EvidenceUploadForm,
    length: int,
) -> HttpResponse:
    """The editor with the upload's reason at the file field (413); `editor`, when given,
    shows the typed text (unsaved, or in conflict)."""
    if access.refuse_edit_prereport():
        return _refused(
            request, access, Refused(access.refuse_edit_prereport()), editor.edits() if editor else None
        )
    form.is_valid()
    form.errors["file"] = form.error_class([too_large_message(length)])
    return _render_editor(
        request, access, prereport, answers, saved=saved, editor=editor, upload_form=form, status=413
    )


@require_GET
def evidence_download(request: HttpRequest, round_id: int, evidence_id: int) -> FileResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_prereport)
    evidence = get_object_or_404(EvidenceFile, pk=evidence_id, prereport__round=access.round)
    response = attachment(evidence.file, evidence.original_name, content_type=evidence_content_type(evidence))
    file_downloaded.send(EvidenceFile, request=request, user=request.user, round_id=access.round.pk, kind="evidence", instance=evidence, name=evidence.original_name)  # fmt: skip
    return response


@require_POST
def evidence_delete(request: HttpRequest, round_id: int, evidence_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    if not access.is_host_member:
        require(access.refuse_edit_prereport)
    try:
        evidence = remove_evidence(review_round=access.round, evidence_id=evidence_id)
    except Refused as refusal:
        messages.error(request, _("The file was not deleted.") + " " + refusal.message)
        return redirect(_editor_url(access.round, "general-evidence"))
    if evidence is None:
        messages.info(request, _("The file was already deleted."))
        return redirect(_editor_url(access.round, "general-evidence"))
    messages.success(request, _("“%(name)s” is deleted.") % {"name": evidence.original_name})
    anchor = f"criterion-{evidence.criterion_id}" if evidence.criterion_id else "general-evidence"
    return redirect(_editor_url(access.round, anchor))
