"""Sharing a published report: the host city's choice of who may read it, and the public page
and PDF for reports the city published to the public (no sign-in)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from peerreview.permissions import require, round_access

from .document import report_document
from .forms import PublicationLevelForm
from .models import PublicationLevel, SummaryReport
from .permissions import public_report_or_404, refuse_choose_publication_level
from .publication import LEVEL_DESCRIPTIONS, set_publication_level, wider_or_equal_levels
from .views import docx_response, pdf_response, pdf_status_response


def publication_level(request: HttpRequest, round_id: int) -> HttpResponse:
    """The host city chooses who may read its published report (widening only, once published)."""
    access = round_access(request.user, round_id)
    require(lambda: refuse_choose_publication_level(access))
    report = (
        SummaryReport.objects.select_related("publication_level_set_by").filter(round=access.round).first()
    )
    if report is None:
        raise Http404(_("This round has no report yet."))
    levels = wider_or_equal_levels(report)
    form = PublicationLevelForm(
        request.POST if request.method == "POST" else None,
        levels=levels,
        initial={"publication_level": report.publication_level},
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_publication_level(
                report=report, level=form.cleaned_data["publication_level"], actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Saved: the published report can be read by “%(level)s”.")
                % {"level": PublicationLevel(form.cleaned_data["publication_level"]).label},
            )
            return redirect("reports:report_view", round_id=access.round.pk)
    choices = [
        {"value": value, "label": label, "description": LEVEL_DESCRIPTIONS[value]}
        for value, label in PublicationLevel.choices
        if value in levels
    ]
    return render(
        request,
        "reports/publication_level.html",
        {
            "review_round": access.round,
            "report": report,
            "form": form,
            "choices": choices,
            "selected": form["publication_level"].value(),
            "narrower_levels": [
                PublicationLevel(value).label for value in PublicationLevel.values if value not in levels
            ],
        },
    )


@login_not_required
@require_GET
def public_report(request: HttpRequest, round_id: int) -> HttpResponse:
    """A report its city published to the public: the final report only, readable without an account."""
    report = public_report_or_404(round_id)
    return render(
        request,
        "reports/public_report.html",
        {"review_round": report.round, "document": report_document(report.round), "report": report},
    )


@login_not_required
@require_GET
def public_report_pdf(request: HttpRequest, round_id: int) -> HttpResponse:
    """The final PDF of a report published to the public (only ever the final version)."""
    report = public_report_or_404(round_id)
    return pdf_response(request, report.round, report, public=True)


@login_not_required
@require_GET
def public_report_docx(request: HttpRequest, round_id: int) -> HttpResponse:
    """The Word version of a report published to the public (the final report only)."""
    report = public_report_or_404(round_id)
    return docx_response(request, report.round)


@login_not_required
@require_GET
def public_report_pdf_status(request: HttpRequest, round_id: int) -> JsonResponse:
    """The state of a public report's final PDF, for its "being prepared" page."""
    report = public_report_or_404(round_id)
    return pdf_status_response(report)
