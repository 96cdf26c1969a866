"""The summary report: editor, action proposals, factual check, publication and the report page."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerreview.benchmark import benchmark
from peerreview.downloads import attachment, safe_filename
from peerreview.models import Criterion, Framework, Round, RoundState
from peerreview.permissions import require, round_access
from peerreview.services.panel import score_overview
from peerreview.services.rounds import TransitionError
from peerreview.services.versioning import EditConflict
from peerreview.signals import file_downloaded
from peerreview.views.autosave import (
    conflict_response,
    invalid_response,
    no_such_unit,
    refused_response,
    saved_response,
)

from . import discussion as discussion_service
from . import export_files, factual, history
from .document import report_document
from .docx import report_docx as build_docx
from .editing import SECTION_FIELDS, UnitEdit, create_action_proposal, delete_action_proposal, save_units
from .exports import (
    XLSX_MAX_ROWS,
    all_rounds,
    csv_lines,
    proposal_headers,
    proposal_rows,
    round_export,
    score_headers,
    score_rows,
    write_xlsx,
)
from .forms import (
    ActionProposalForm,
    ActionSuggestionForm,
    CityResponseForm,
    FactualCommentForm,
    FindingForm,
    FindingSuggestionForm,
    PanelCommentForm,
    PublishForm,
    ReportLanguageForm,
    ReportSectionForm,
    ResolveFactualCommentForm,
)
from .models import (
    ActionProposal,
    ExportFile,
    FactualComment,
    Finding,
    PanelComment,
    PdfRenderFailure,
    ReportPdf,
    Suggestion,
    SummaryReport,
)
from .pdf import current_pdf
from .pdf_requests import request_pdf
from .permissions import (
    is_participant,
    refuse_choose_publication_level,
    refuse_decide_suggestion,
    refuse_discuss,
    refuse_edit_report,
    refuse_factual_comment,
    refuse_publish,
    refuse_resolve_factual_comment,
    refuse_send_for_check,
    refuse_set_report_language,
    refuse_suggest,
    refuse_view_discussion,
    refuse_view_history,
    refuse_view_report,
    refuse_view_suggestions,
    report_access,
)
from .services import (
    factual_check_problems,
    get_or_create_report,
    publish_report,
    set_report_language,
)
from .services import (
    send_for_factual_check as send_for_factual_check_service,
)
from .text import render_markdown


def _problems(error: ValidationError | TransitionError) -> list[str]:
    return error.problems if isinstance(error, TransitionError) else error.messages


# --- the report editor: one form per unit (a section, a finding, a proposal) -------------------
#
# Each unit is its own <form> that posts only that unit, with the version and digests it was
# loaded with; static/js/autosave.js posts the same fields to ``report_autosave`` after a pause
# in typing. Both go through ``editing.save_units`` (under the report's lock, only the fields
# this person changed, a stale change of a colleague's field refused with both texts).


def _edit_for(form, model) -> UnitEdit:
    version, base = form.base()
    return UnitEdit(
        model=model,
        pk=form.instance.pk,
        base_version=version,
        base=base,
        values=form.model_values(),
        labels=form.labels(),
    )


def _unit_form(report: SummaryReport, key: str, data, *, criteria: list[Criterion] | None = None):
    """The form of the unit named ``key`` ("section-<field>", "finding-<pk>", "proposal-<pk>")
    bound to ``data``, and its model; None when the report has no such unit (any more)."""
    kind, _sep, rest = key.partition("-")
    if kind == "section" and rest in SECTION_FIELDS:
        return ReportSectionForm(data, instance=report, section=rest), SummaryReport
    if kind == "finding" and rest.isdigit():
        finding = report.findings.select_related("criterion__theme").filter(pk=int(rest)).first()
        return (FindingForm(data, instance=finding), Finding) if finding is not None else None
    if kind == "proposal" and rest.isdigit():
        proposal = report.action_proposals.select_related("criterion").filter(pk=int(rest)).first()
        if proposal is None:
            return None
        criteria = criteria if criteria is not None else _criteria(report.round)
        return ActionProposalForm(data, instance=proposal, criteria=criteria), ActionProposal
    return None


def _save_form(report: SummaryReport, form, model, actor) -> UnitEdit:
    """Save one valid unit form (``form.conflict`` set when refused as a conflict). Raises
    ValidationError when the report can no longer be edited."""
    edit = _edit_for(form, model)
    save_units(report=report, edits=[edit], actor=actor)
    if edit.conflict is not None:
        form.conflict = edit.conflict
    return edit


def _unit_label(form) -> str:
    if isinstance(form, ReportSectionForm):
        return str(form.fields[form.section].label).capitalize()
    if isinstance(form, FindingForm):
        return _("The finding %(code)s") % {"code": form.instance.criterion.code}
    return form.instance.reference


def _unit_anchor(form) -> str:
    if isinstance(form, ReportSectionForm):
        return f"section-{form.section}"
    if isinstance(form, FindingForm):
        return f"criterion-{slugify(form.instance.criterion.code)}"
    return f"proposal-{form.instance.pk}"


CONFLICT_MESSAGE = gettext_lazy(
    "Not saved: someone else changed this part while you were writing. Both versions are shown "
    "below; your text is still in the form. Combine them and save again."
)


def _post_unit(request: HttpRequest, report: SummaryReport, form, model, editor: str):
    """A plain form post of one unit (no JavaScript): redirect after a save, or the bound form
    to show again with its status (conflict 409, refused 409, invalid 400)."""
    if not form.is_valid():
        return None, 400
    try:
        edit = _save_form(report, form, model, request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return None, 409
    if edit.conflict is not None:
        form.rebase_on_conflict(edit.conflict)
        messages.warning(request, CONFLICT_MESSAGE)
        return None, 409
    # Also when nothing changed (autosave got there first): what the page shows is saved.
    messages.success(request, _("%(part)s: saved.") % {"part": _unit_label(form)})
    url = reverse(editor, args=[report.round_id])
    return redirect(f"{url}#{_unit_anchor(form)}"), 302


def _gone(request: HttpRequest, editor: str, round_id: int) -> HttpResponse:
    messages.error(request, _("That part of the report no longer exists (deleted meanwhile)."))
    return redirect(editor, round_id=round_id)


def report_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(lambda: refuse_edit_report(access))
    review_round = access.round
    report = get_or_create_report(review_round)
    bound = None
    status = 200
    if request.method == "POST":
        found = _unit_form(report, request.POST.get("unit", ""), request.POST)
        if found is None or found[1] is ActionProposal:
            return _gone(request, "reports:report_edit", review_round.pk)
        bound, model = found
        response, status = _post_unit(request, report, bound, model, "reports:report_edit")
        if response is not None:
            return response
        report = SummaryReport.objects.get(pk=report.pk)
    section_forms = [
        bound
        if isinstance(bound, ReportSectionForm) and bound.section == name
        else ReportSectionForm(instance=report, section=name)
        for name in SECTION_FIELDS
    ]
    finding_forms = [
        bound
        if isinstance(bound, FindingForm) and bound.instance.pk == finding.pk
        else FindingForm(instance=finding)
        for finding in report.findings.select_related("criterion__theme")
    ]
    rows = {row.criterion.pk: row for row in score_overview(review_round).rows}
    for form in finding_forms:
        form.scores = rows.get(form.instance.criterion_id)
    comments = factual.comments_for_page(report)
    return render(
        request,
        "reports/report_edit.html",
        {
            "review_round": review_round,
            "report": report,
            "section_forms": section_forms,
            "finding_forms": finding_forms,
            "proposal_count": report.action_proposals.count(),
            "can_send": not refuse_send_for_check(access),
            "send_problems": factual_check_problems(report),
            "factual_comments": comments,
            "waiting_suggestions": discussion_service.waiting_suggestions(report),
            "open_factual_count": sum(1 for comment in comments if not comment.is_resolved),
            "can_resolve": not refuse_resolve_factual_comment(access),
            "language_form": ReportLanguageForm(
                initial={"language": review_round.language, "text_language": report.text_language}
            ),
            "can_set_language": not refuse_set_report_language(access),
        },
        status=status,
    )


@require_POST
def report_language(request: HttpRequest, round_id: int) -> HttpResponse:
    """The lead or a coordinator sets the report's language (and its texts' language)."""
    access = round_access(request.user, round_id)
    require(lambda: refuse_set_report_language(access))
    report = get_or_create_report(access.round)
    form = ReportLanguageForm(request.POST)
    if form.is_valid():
        try:
            set_report_language(
                report=report,
                language=form.cleaned_data["language"],
                text_language=form.cleaned_data["text_language"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The report's language is saved: %(language)s.")
                % {"language": dict(settings.LANGUAGES)[form.cleaned_data["language"]]},
            )
    else:
        messages.error(request, _("Choose one of the languages offered."))
    return redirect("reports:report_edit", round_id=access.round.pk)


@require_POST
def text_preview(request: HttpRequest, round_id: int) -> HttpResponse:
    """The editor's preview of a long text: the same sanitised HTML the report shows
    (server-rendered, so the page needs no Markdown code of its own and no inline script)."""
    round_access(request.user, round_id)  # 404 unless the person takes part in the round
    text = request.POST.get("text", "")[:PREVIEW_MAX_CHARS]
    return HttpResponse(render_markdown(text) or "", content_type="text/html; charset=utf-8")


def actions_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    """One form per action proposal (saved, autosaved or deleted on its own) and one to add a
    proposal (a one-time token: posted twice, it adds one)."""
    access = round_access(request.user, round_id)
    require(lambda: refuse_edit_report(access))
    review_round = access.round
    report = get_or_create_report(review_round)
    criteria = _criteria(review_round)
    bound = new_form = None
    status = 200
    if request.method == "POST":
        key = request.POST.get("unit", "")
        if key == "new":
            new_form = ActionProposalForm(request.POST, criteria=criteria)
            status = 400
            if new_form.is_valid():
                try:
                    proposal, created = create_action_proposal(
                        report=report,
                        form_token=new_form.cleaned_data.get("form_token"),
                        values=new_form.model_values(),
                        actor=request.user,
                    )
                except ValidationError as error:
                    new_form.add_error(None, error)
                    status = 409
                else:
                    if created:
                        messages.success(request, _("%(ref)s is added.") % {"ref": proposal.reference})
                    url = reverse("reports:actions_edit", args=[review_round.pk])
                    return redirect(f"{url}#proposal-{proposal.pk}")
        else:
            found = _unit_form(report, key, request.POST, criteria=criteria)
            if found is None or found[1] is not ActionProposal:
                return _gone(request, "reports:actions_edit", review_round.pk)
            bound, model = found
            if request.POST.get("action") == "delete":
                return _delete_proposal(request, report, bound)
            response, status = _post_unit(request, report, bound, model, "reports:actions_edit")
            if response is not None:
                return response
    proposal_forms = [
        bound
        if bound is not None and bound.instance.pk == proposal.pk
        else ActionProposalForm(instance=proposal, criteria=criteria)
        for proposal in report.action_proposals.select_related("criterion")
    ]
    return render(
        request,
        "reports/actions_edit.html",
        {
            "review_round": review_round,
            "report": report,
            "proposal_forms": proposal_forms,
            "new_form": new_form or ActionProposalForm(criteria=criteria),
        },
        status=status,
    )


def _delete_proposal(request: HttpRequest, report: SummaryReport, form) -> HttpResponse:
    """Delete a proposal only as the person saw it: a change by someone else since is shown first."""
    try:
        base_version = int(form.data.get(form.add_prefix("base_version"), ""))
    except ValueError:
        base_version = None
    try:
        deleted = delete_action_proposal(
            report=report, pk=form.instance.pk, base_version=base_version, actor=request.user
        )
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
        url = reverse("reports:actions_edit", args=[report.round_id])
        return redirect(f"{url}#proposal-{form.instance.pk}")
    if deleted is not None:
        messages.success(request, _("%(ref)s is deleted.") % {"ref": deleted.reference})
    return redirect("reports:actions_edit", round_id=report.round_id)


@require_POST
def report_autosave(request: HttpRequest, round_id: int) -> JsonResponse:
    """One unit of the report or of the action proposals, posted by static/js/autosave.js."""
    access = round_access(request.user, round_id)
    refusal = refuse_edit_report(access)
    if refusal:
        if not (access.is_lead or access.is_coordinator):
            require(lambda: refusal)
        return refused_response(refusal)  # the step moved on while the page was open
    report = SummaryReport.objects.filter(round=access.round).first()
    found = _unit_form(report, request.POST.get("unit", ""), request.POST) if report else None
    if found is None:
        return no_such_unit(_("That part of the report no longer exists (deleted meanwhile)."))
    form, model = found
    if not form.is_valid():
        return invalid_response(form)
    try:
        edit = _save_form(report, form, model, request.user)
    except ValidationError as error:
        return refused_response(" ".join(error.messages))
    if edit.conflict is not None:
        return conflict_response(request, form, edit.conflict)
    return saved_response(form, edit.saved, edit.written)


@require_POST
def send_for_factual_check(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(lambda: refuse_send_for_check(access))
    try:
        send_for_factual_check_service(review_round=access.round, actor=request.user)
    except (ValidationError, TransitionError) as error:
        for problem in _problems(error):
            messages.error(request, problem)
        return redirect("reports:report_edit", round_id=access.round.pk)
    messages.success(request, _("The draft is with the city for a factual check."))
    return redirect("reports:report_view", round_id=access.round.pk)


def factual_check(request: HttpRequest, round_id: int) -> HttpResponse:
    """The city reads the draft, comments on its parts one by one, reads the panel's answers
    and writes its response; the panel and coordinators see the same page read-only."""
    access = round_access(request.user, round_id)
    require(lambda: refuse_view_report(access))
    can_comment = not refuse_factual_comment(access)
    if request.method == "POST":
        require(lambda: refuse_factual_comment(access))
    try:
        document = report_document(access.round)
    except SummaryReport.DoesNotExist as error:
        raise Http404(_("This round has no report yet.")) from error
    report = document.report
    findings = [entry.finding for section in document.themes for entry in section.entries]
    comment_form = response_form = None
    status = 200
    if can_comment:
        action = request.POST.get("action") if request.method == "POST" else None
        comment_form = FactualCommentForm(
            request.POST if action == "comment" else None,
            prefix="comment",
            choices=factual.section_choices(report, findings),
            initial={"section": request.GET.get("section", "")},
        )
        response_form = CityResponseForm(
            request.POST if action == "response" else None, instance=report, prefix="response"
        )
        if action == "comment" and comment_form.is_valid():
            try:
                factual.add_comment(
                    report=report,
                    section=comment_form.cleaned_data["section"],
                    text=comment_form.cleaned_data["text"],
                    author=request.user,
                    form_token=comment_form.cleaned_data.get("form_token"),
                )
            except ValidationError as error:
                comment_form.add_error(None, error)
            else:
                messages.success(
                    request, _("Your comment is sent to the panel. Its answer will appear here.")
                )
                return redirect(
                    reverse("reports:factual_check", args=[access.round.pk]) + "#factual-comments"
                )
        if action == "response" and response_form.is_valid():
            version, base = response_form.base()
            try:
                factual.save_city_response(
                    report=report,
                    base_version=version,
                    base=base,
                    city_response=response_form.cleaned_data["city_response"],
                    actor=request.user,
                )
            except EditConflict as conflict:
                response_form.conflict = conflict
                response_form.rebase_on(conflict.current)
                status = 409
            except ValidationError as error:
                response_form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The city's response is saved. You can change it until the report is published."),
                )
                return redirect("reports:factual_check", round_id=access.round.pk)
        elif request.method == "POST" and action not in ("comment", "response"):
            messages.error(request, _("Use one of the forms on this page."))
    return render(
        request,
        "reports/factual_check.html",
        {
            "review_round": access.round,
            "document": document,
            "report": report,
            "comment_form": comment_form,
            "response_form": response_form,
            "comments": factual.comments_for_page(report),
            "can_resolve": not refuse_resolve_factual_comment(access),
        },
        status=status,
    )


def factual_comment_resolve(request: HttpRequest, round_id: int, comment_id: int) -> HttpResponse:
    """The lead or a coordinator answers one of the city's comments and marks it resolved."""
    access = round_access(request.user, round_id)
    require(lambda: refuse_resolve_factual_comment(access))
    comment = get_object_or_404(
        FactualComment.objects.select_related("author", "finding__criterion", "report"),
        pk=comment_id,
        report__round=access.round,
    )
    form = ResolveFactualCommentForm(request.POST if request.method == "POST" else None, instance=comment)
    if request.method == "POST" and form.is_valid():
        try:
            factual.resolve_comment(
                comment=comment, response=form.cleaned_data["response"], actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The comment is answered and marked resolved; the city sees the answer.")
            )
            return redirect(reverse("reports:report_edit", args=[access.round.pk]) + "#factual-comments")
    return render(
        request,
        "reports/factual_comment_resolve.html",
        {"review_round": access.round, "comment": comment, "form": form},
    )


def publish(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(lambda: refuse_publish(access))
    review_round = access.round
    try:
        report = SummaryReport.objects.select_related("factual_comment_by", "publication_level_set_by").get(
            round=review_round
        )
    except SummaryReport.DoesNotExist as error:
        raise Http404(_("This round has no report yet.")) from error
    open_count = factual.open_comments(report).count()
    form = PublishForm(
        request.POST if request.method == "POST" else None,
        open_comments=open_count,
        initial={
            "repeat_interval_months": review_round.repeat_interval_months,
            "repeat_with_newest_framework": review_round.repeat_with_newest_framework,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            publish_report(
                review_round=review_round,
                actor=request.user,
                repeat_interval_months=form.cleaned_data["repeat_interval_months"],
                repeat_with_newest_framework=form.cleaned_data["repeat_with_newest_framework"],
            )
        except ValidationError as error:
            form.add_error(None, error)  # a dict error lands at its field
        except TransitionError as error:
            form.add_error(None, error.problems)
        else:
            repeat_round = review_round.repeat_rounds.order_by("pk").first()
            messages.success(
                request,
                _("The report is published. The repeat round opens on %(date)s.")
                % {"date": date_format(repeat_round.opens_on, "DATE_FORMAT")},
            )
            return redirect("reports:report_view", round_id=review_round.pk)
    proposals = list(report.action_proposals.all())
    findings = list(report.findings.all())
    return render(
        request,
        "reports/publish.html",
        {
            "review_round": review_round,
            "report": report,
            "form": form,
            "proposal_count": len(proposals),
            "high_priority_count": sum(1 for p in proposals if p.priority == p.Priority.HIGH),
            "findings_written": sum(1 for f in findings if not f.is_empty()),
            "findings_total": len(findings),
            "newest_framework": Framework.objects.active().newest_version_of(review_round.framework.slug),
            "comments": factual.comments_for_page(report),
            "open_count": open_count,
        },
    )


def report_view(request: HttpRequest, round_id: int) -> HttpResponse:
    access = report_access(request.user, round_id)
    require(lambda: refuse_view_report(access))
    try:
        document = report_document(access.round)
    except SummaryReport.DoesNotExist as error:
        raise Http404(_("This round has no report yet.")) from error
    return render(
        request,
        "reports/report_view.html",
        {
            "review_round": access.round,
            "document": document,
            "report": document.report,
            "can_edit": not refuse_edit_report(access),
            "can_comment": not refuse_factual_comment(access),
            "can_publish": not refuse_publish(access),
            "can_export": not access.refuse_view_score_overview(),
            "is_coordinator": access.is_coordinator,
            "is_participant": is_participant(access),
            "can_choose_level": not refuse_choose_publication_level(access),
            "benchmark": (
                benchmark(access.round, document.overview)
                if is_participant(access) and access.round.state == RoundState.PUBLISHED
                else None
            ),
        },
    )


PREVIEW_MAX_CHARS = 50_000


# --- the PDF and the exports ------------------------------------------------------------------

PDF_RETRY_SECONDS = 10
# The "being prepared" page asks for the PDF's state this often (static/js/pdf_status.js).
PDF_POLL_SECONDS = 2


def report_pdf(request: HttpRequest, round_id: int) -> HttpResponse:
    """Serve the stored PDF; never render one here. When there is no current PDF yet (a draft
    changed, or the render is still queued), ask for one render (reports.pdf_requests) and answer
    202 Accepted with a page that follows the render and offers the file when it is ready."""
    access = report_access(request.user, round_id)
    require(lambda: refuse_view_report(access))
    report = SummaryReport.objects.filter(round=access.round).first()
    if report is None:
        raise Http404(_("This round has no report yet."))
    return pdf_response(request, access.round, report)


def report_pdf_status(request: HttpRequest, round_id: int) -> JsonResponse:
    """The state of the report's PDF for the "being prepared" page: ready, pending or failed."""
    access = report_access(request.user, round_id)
    require(lambda: refuse_view_report(access))
    report = SummaryReport.objects.filter(round=access.round).first()
    if report is None:
        raise Http404(_("This round has no report yet."))
    return pdf_status_response(report)


def _pdf_state(report: SummaryReport) -> tuple[str, ReportPdf | PdfRenderFailure | None]:
    """("ready", the stored PDF), ("failed", the failure) or ("pending", None); asking for a
    render in the last case (one render however often this is asked)."""
    stored = current_pdf(report)
    if stored is not None:
        return "ready", stored
    failure = PdfRenderFailure.objects.filter(report=report).first()
    if failure is not None:  # retried by a job with backoff, never from a request
        return "failed", failure
    request_pdf(report.pk, changed=False)  # only wants the PDF: never a second render
    return "pending", None


def pdf_status_response(report: SummaryReport) -> JsonResponse:
    state, _detail = _pdf_state(report)
    response = JsonResponse({"state": state})
    if state == "pending":
        response["Retry-After"] = str(PDF_POLL_SECONDS)
    return response


def pdf_response(request: HttpRequest, review_round: Round, report: SummaryReport, *, public: bool = False):
    """The report's stored PDF as a download, or 202 with a page that waits for it (see `report_pdf`).
    The caller has checked that the person may read the report."""
    state, detail = _pdf_state(report)
    if state == "ready":
        stored = detail
        kind = "" if stored.is_final else "-draft"
        filename = f"{slugify(review_round.title)}-report{kind}-v{stored.version}.pdf"
        response = attachment(stored.file, filename, content_type="application/pdf")
        file_downloaded.send(ReportPdf, request=request, user=request.user, round_id=review_round.pk, kind="report_pdf", instance=stored, name=filename)  # fmt: skip
        return response
    if state == "failed":
        response = render(
            request, "reports/pdf_failed.html", {"review_round": review_round, "public": public}, status=503
        )
        wait = int((detail.next_attempt_at - timezone.now()).total_seconds())
        response["Retry-After"] = str(max(wait, PDF_RETRY_SECONDS))
        return response
    name = "reports:public_report_pdf" if public else "reports:report_pdf"
    response = render(
        request,
        "reports/pdf_pending.html",
        {
            "review_round": review_round,
            "retry_seconds": PDF_RETRY_SECONDS,
            "public": public,
            "pdf_url": reverse(name, args=[review_round.pk]),
            "status_url": reverse(f"{name}_status", args=[review_round.pk]),
            "poll_seconds": PDF_POLL_SECONDS,
        },
        status=202,
    )
    response["Retry-After"] = str(PDF_RETRY_SECONDS)
    return response


DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def report_docx(request: HttpRequest, round_id: int) -> HttpResponse:
    """The report as a Word document, for the same readers as its PDF (same checks)."""
    access = report_access(request.user, round_id)
    require(lambda: refuse_view_report(access))
    return docx_response(request, access.round)


def docx_response(request: HttpRequest, review_round: Round) -> HttpResponse:
    """The caller has checked that the person may read the report."""
    try:
        document = report_document(review_round)
    except SummaryReport.DoesNotExist as error:
        raise Http404(_("This round has no report yet.")) from error
    kind = "-draft" if document.is_draft else ""
    filename = safe_filename(f"{slugify(review_round.title)}-report{kind}.docx")
    response = HttpResponse(build_docx(document), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    file_downloaded.send(SummaryReport, request=request, user=request.user, round_id=review_round.pk, kind="report_docx", instance=document.report, name=filename)  # fmt: skip
    return response


EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _table_response(request: HttpRequest, name: str, title: str, headers: list, rows) -> HttpResponseBase:
    """The table as a download in constant memory: CSV streamed line by line as the rows come
    from the database; XLSX written row by row into a temporary file, then streamed from it."""
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Unknown export format."))
    filename = f"{name}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(headers, rows), content_type=EXPORT_FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spooled = tempfile.TemporaryFile()  # gone when the response closes it
    try:
        write_xlsx(spooled, title, headers, rows)
        spooled.seek(0)
    except BaseException:
        spooled.close()
        raise
    return FileResponse(spooled, as_attachment=True, filename=filename, content_type=EXPORT_FORMATS[fmt])


def export_scores(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_score_overview)
    review_round = access.round
    return _table_response(
        request,
        f"{slugify(review_round.title)}-scores",
        _("Scores"),
        score_headers(),
        score_rows([review_round]),
    )


def export_proposals(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_score_overview)
    review_round = access.round
    return _table_response(
        request,
        f"{slugify(review_round.title)}-action-proposals",
        _("Action proposals"),
        proposal_headers(),
        proposal_rows([review_round]),
    )


def export_round_json(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_score_overview)
    try:
        data = round_export(access.round)
    except SummaryReport.DoesNotExist as error:
        raise Http404(_("This round has no report yet.")) from error
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{slugify(access.round.title)}.json"'
    return response


def _refuse_unless_coordinator(user) -> str:
    return "" if user.is_coordinator else _("Only coordinators export across all rounds.")


EXPORT_POLL_SECONDS = 2


def _export_all(request: HttpRequest, kind: str) -> HttpResponseBase:
    """CSV streamed by the request; the XLSX made by the worker (`reports.export_files`). The
    export link asks for it, then redirects to the waiting page (``wait=1``) unless a fresh file
    is there; that page, its reload and its poll (``status=1``, JSON) only read the latest row:
    the file when ready, else the wait, or a failure or an old file with a button to ask again.
    Every answer, the poll's and the download's included, is for coordinators only."""
    require(lambda: _refuse_unless_coordinator(request.user))
    table = export_files.TABLES[kind]
    if request.GET.get("format") != "xlsx":
        return _table_response(
            request, table.name, str(table.title), table.headers(), table.rows(all_rounds())
        )
    language = get_language() or "en"
    ask_url = f"{request.path}?format=xlsx"
    waiting = bool(request.GET.get("wait") or request.GET.get("status"))
    if waiting:
        stored = export_files.latest_export(kind, language)
    else:
        stored = export_files.request_export(kind, language=language, user=request.user)
    state = export_files.state(stored)
    if request.GET.get("status"):
        return JsonResponse({"state": state}, headers={"Cache-Control": "no-store, private"})
    if state == "ready":
        return attachment(stored.file, f"{table.name}.xlsx", content_type=EXPORT_FORMATS["xlsx"])
    if not waiting:  # a reload of the waiting page must not ask again
        return redirect(f"{ask_url}&wait=1")
    context = {
        "kind": kind,
        "state": state,
        "ask_url": ask_url,
        "file_url": f"{ask_url}&wait=1",
        "status_url": f"{ask_url}&status=1",
        "csv_url": f"{request.path}?format=csv",
        "max_rows": XLSX_MAX_ROWS,
        "poll_seconds": EXPORT_POLL_SECONDS,
        "max_age_minutes": settings.EXPORT_FILE_MAX_AGE_MINUTES,
    }
    pending = state == "pending"
    response = render(request, "reports/export_pending.html", context, status=202 if pending else 200)
    if pending:
        response["Retry-After"] = str(PDF_RETRY_SECONDS)
    response["Cache-Control"] = "no-store, private"
    return response


def export_all_scores(request: HttpRequest) -> HttpResponseBase:
    return _export_all(request, ExportFile.Kind.SCORES)


def export_all_proposals(request: HttpRequest) -> HttpResponseBase:
    return _export_all(request, ExportFile.Kind.PROPOSALS)


# --- edit history and restore ------------------------------------------------------------------


def unit_history(request: HttpRequest, round_id: int, kind: str, key: str) -> HttpResponse:
    """Who changed a section, finding or proposal, when and what (newest first), with restore."""
    access = round_access(request.user, round_id)
    require(lambda: refuse_view_history(access))
    report = SummaryReport.objects.filter(round=access.round).first()
    if report is None or kind not in history.KINDS:
        raise Http404(_("This round has no report yet."))
    unit = history.find_unit(report, kind, key)
    can_restore = not refuse_edit_report(access)
    if request.method == "POST":
        require(lambda: refuse_edit_report(access))
        try:
            history_id = int(request.POST.get("history_id", ""))
        except ValueError:
            history_id = 0
        try:
            written = history.restore(report=report, unit=unit, history_id=history_id, actor=request.user)
        except EditConflict:
            messages.error(
                request,
                _("Someone saved this part at the same moment. Look at the newest version and try again."),
            )
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
        else:
            if written:
                messages.success(request, _("The earlier version is restored."))
            else:
                messages.info(request, _("That version is the same as the current one: nothing to restore."))
        return redirect("reports:unit_history", round_id=access.round.pk, kind=kind, key=key)
    page = Paginator(history.revisions(unit), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/history.html",
        {"review_round": access.round, "unit": unit, "page": page, "can_restore": can_restore},
    )


# --- the panel's discussion ------------------------------------------------------------------

COMMENTS_PER_PAGE = 50


def discussion(request: HttpRequest, round_id: int) -> HttpResponse:
    """The panel's threads: the general one and one per criterion, with how much each holds."""
    access = round_access(request.user, round_id)
    require(lambda: refuse_view_discussion(access))
    return render(
        request,
        "reports/discussion.html",
        {
            "review_round": access.round,
            "threads": discussion_service.thread_summaries(access.round),
            "can_discuss": not refuse_discuss(access),
        },
    )


def discussion_thread(request: HttpRequest, round_id: int, thread: str) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(lambda: refuse_view_discussion(access))
    review_round = access.round
    try:
        criterion = discussion_service.thread_criterion(review_round, thread)
    except ValueError as error:
        raise Http404(_("No such discussion thread.")) from error
    can_discuss = not refuse_discuss(access)
    form = None
    if can_discuss:
        form = PanelCommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require(lambda: refuse_discuss(access))
        if form.is_valid():
            try:
                comment, _created = discussion_service.add_comment(
                    review_round=review_round,
                    criterion=criterion,
                    text=form.cleaned_data["text"],
                    author=request.user,
                    form_token=form.cleaned_data.get("form_token"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your comment is posted."))
                url = reverse("reports:discussion_thread", args=[review_round.pk, thread])
                return redirect(f"{url}?page=last#comment-{comment.pk}")
    comments = (
        PanelComment.objects.filter(round=review_round, criterion=criterion)
        .select_related("author")
        .prefetch_related("mentions")
        .order_by("created_at", "pk")
    )
    paginator = Paginator(comments, COMMENTS_PER_PAGE)
    number = request.GET.get("page")
    page = paginator.get_page(paginator.num_pages if number == "last" else number)
    return render(
        request,
        "reports/discussion_thread.html",
        {
            "review_round": review_round,
            "criterion": criterion,
            "thread_label": discussion_service.thread_label(criterion),
            "page": page,
            "form": form,
            "participants": discussion_service.participants(review_round),
        },
    )


# --- suggestions by panel members ------------------------------------------------------------


def _criteria(review_round: Round) -> list[Criterion]:
    return list(
        Criterion.objects.filter(theme__framework_id=review_round.framework_id)
        .select_related("theme")
        .order_by("theme__order", "order")
    )


def suggestions(request: HttpRequest, round_id: int) -> HttpResponse:
    """Panel members propose findings and action proposals; the lead accepts or declines them."""
    access = round_access(request.user, round_id)
    require(lambda: refuse_view_suggestions(access))
    review_round = access.round
    report = SummaryReport.objects.filter(round=review_round).first()
    can_suggest = not refuse_suggest(access)
    if report is None and can_suggest:
        report = get_or_create_report(review_round)
    criteria = _criteria(review_round)
    kind = request.POST.get("kind") if request.method == "POST" else None
    finding_form = action_form = None
    if can_suggest:
        finding_form = FindingSuggestionForm(
            request.POST if kind == Suggestion.Kind.FINDING else None, criteria=criteria, prefix="finding"
        )
        action_form = ActionSuggestionForm(
            request.POST if kind == Suggestion.Kind.ACTION else None, criteria=criteria, prefix="action"
        )
    if request.method == "POST":
        require(lambda: refuse_suggest(access))
        form = finding_form if kind == Suggestion.Kind.FINDING else action_form
        if kind in Suggestion.Kind.values and form.is_valid():
            try:
                discussion_service.suggest(
                    report=report,
                    kind=kind,
                    values=form.cleaned_data,
                    author=request.user,
                    form_token=form.cleaned_data.get("form_token"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your suggestion is with the lead evaluator."))
                return redirect("reports:suggestions", round_id=review_round.pk)
    items = discussion_service.suggestions_for_page(report) if report else Suggestion.objects.none()
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/suggestions.html",
        {
            "review_round": review_round,
            "page": page,
            "finding_form": finding_form,
            "action_form": action_form,
            "can_decide": not refuse_decide_suggestion(access),
        },
    )


@require_POST
def suggestion_decide(request: HttpRequest, round_id: int, suggestion_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(lambda: refuse_decide_suggestion(access))
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("report", "criterion"), pk=suggestion_id, report__round=access.round
    )
    accept = request.POST.get("decision") == "accept"
    try:
        discussion_service.decide(suggestion=suggestion, accept=accept, actor=request.user)
    except EditConflict:
        messages.error(request, _("Someone saved that finding at the same moment. Try again."))
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("The suggestion is accepted into the report.") if accept else _("The suggestion is declined."),
        )
    return redirect("reports:suggestions", round_id=access.round.pk)
