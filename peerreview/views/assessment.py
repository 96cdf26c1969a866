"""The assessment-day planner: days as timelines of sessions with interviewees and criteria."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..forms.assessment import AssessmentDayForm, IntervieweeFormSet, SessionForm
from ..models import AssessmentDay, Criterion, Session
from ..permissions import require, round_access


def assessment_planner(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_assessment)
    review_round = access.round
    plan_refusal = access.refuse_plan_assessment()

    day_form = None
    if request.method == "POST":
        require(access.refuse_plan_assessment)
        day_form = AssessmentDayForm(request.POST, instance=AssessmentDay(round=review_round))
        if day_form.is_valid():
            day = day_form.save()
            messages.success(
                request,
                _("The day %(date)s is added; now add its sessions.")
                % {"date": date_format(day.date, "DATE_FORMAT")},
            )
            return redirect("peerreview:assessment_planner", round_id=review_round.pk)
    elif not plan_refusal:
        day_form = AssessmentDayForm()

    sessions = Session.objects.order_by("start_time", "pk").prefetch_related(
        Prefetch(
            "criteria", queryset=Criterion.objects.select_related("theme").order_by("theme__order", "order")
        ),
        "interviewees",
    )
    days = review_round.assessment_days.order_by("date", "pk").prefetch_related(
        Prefetch("sessions", queryset=sessions)
    )
    return render(
        request,
        "peerreview/assessment/planner.html",
        {
            "review_round": review_round,
            "days": days,
            "day_form": day_form,
            "can_plan": not plan_refusal,
            "plan_refusal": plan_refusal,
        },
    )


def _save_session(request: HttpRequest, review_round, session: Session, *, creating: bool) -> HttpResponse:
    """Bind the session form and its interviewees, save both together, or re-render with errors."""
    form = SessionForm(request.POST or None, instance=session, review_round=review_round)
    formset = IntervieweeFormSet(request.POST or None, instance=session, prefix="interviewees")
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        with transaction.atomic():
            saved = form.save()
            formset.instance = saved
            formset.save()
        if creating:
            messages.success(request, _("The session “%(topic)s” is added.") % {"topic": saved.topic})
        else:
            messages.success(request, _("The session “%(topic)s” is saved.") % {"topic": saved.topic})
        return redirect("peerreview:assessment_planner", round_id=review_round.pk)
    return render(
        request,
        "peerreview/assessment/session_form.html",
        {
            "review_round": review_round,
            "day": session.day,
            "session": session,
            "creating": creating,
            "form": form,
            "formset": formset,
        },
    )


def session_create(request: HttpRequest, round_id: int, day_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_plan_assessment)
    day = get_object_or_404(AssessmentDay, pk=day_id, round=access.round)
    day.round = access.round
    return _save_session(request, access.round, Session(day=day), creating=True)


def session_edit(request: HttpRequest, round_id: int, session_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_plan_assessment)
    session = get_object_or_404(Session.objects.select_related("day"), pk=session_id, day__round=access.round)
    return _save_session(request, access.round, session, creating=False)
