"""The assessment-day planner: days as timelines of sessions with interviewees and criteria,
the programme e-mail, and each person's calendar file."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms.assessment import (
    AssessmentDayForm,
    IntervieweeFormSet,
    ProgrammeSettingsForm,
    SessionForm,
    interviewee_edits,
)
from ..models import AssessmentDay, Criterion, Interviewee, Session
from ..permissions import require, round_access
from ..services import assessment as planning
from ..services.assessment import INTERVIEWEE_FIELDS
from ..services.calendar import CONTENT_TYPE, programme_calendar
from ..services.retention import withdraw_consent
from ..services.versioning import EditConflict


def _planner_url(review_round) -> str:
    from django.urls import reverse

    return reverse("peerreview:assessment_planner", args=[review_round.pk])


def _messages_for(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def assessment_planner(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_assessment)
    review_round = access.round
    plan_refusal = access.refuse_plan_assessment()

    day_form = None
    if request.method == "POST":
        require(access.refuse_plan_assessment)
        day_form = AssessmentDayForm(request.POST, review_round=review_round)
        if day_form.is_valid():
            data = day_form.cleaned_data
            try:
                day, created = planning.add_day(
                    review_round=review_round,
                    date=data["date"],
                    location=data["location"],
                    token=data.get("token"),
                    actor=request.user,
                )
            except ValidationError as error:
                day_form.add_error(None, error)
            else:
                if created:
                    messages.success(
                        request,
                        _("The day %(date)s is added; now add its sessions.")
                        % {"date": date_format(day.date, "DATE_FORMAT")},
                    )
                return redirect(f"{_planner_url(review_round)}#day-{day.pk}")
    elif not plan_refusal:
        day_form = AssessmentDayForm(review_round=review_round)

    sessions = Session.objects.order_by("start_time", "pk").prefetch_related(
        Prefetch(
            "criteria", queryset=Criterion.objects.select_related("theme").order_by("theme__order", "order")
        ),
        "interviewees",
    )
    days = list(
        review_round.assessment_days.order_by("date", "pk").prefetch_related(
            Prefetch("sessions", queryset=sessions)
        )
    )
    all_sessions = [session for day in days for session in day.sessions.all()]
    overlaps = planning.overlapping(all_sessions)
    for session in all_sessions:
        session.overlapping = overlaps.get(session.pk, [])
        session.notes_refusal = access.refuse_read_session_notes(session)
    programme = planning.programme_of(review_round)
    settings_form = None
    if not access.refuse_set_programme_limits():
        settings_form = ProgrammeSettingsForm(instance=programme, prefix="programme")
    send_refusal = plan_refusal or planning.refuse_send(review_round)
    return render(
        request,
        "peerreview/assessment/planner.html",
        {
            "review_round": review_round,
            "days": days,
            "day_form": day_form,
            "can_plan": not plan_refusal,
            "can_edit_notes": not access.refuse_edit_session_notes(),
            "can_record_withdrawal": not access.refuse_record_consent_withdrawal(),
            "plan_refusal": plan_refusal,
            "can_read_day_notes": not access.refuse_read_day_notes(),
            "programme": programme,
            "days_left": max(programme.max_days - len(days), 0),
            "settings_form": settings_form,
            "can_send": not send_refusal,
            "send_refusal": send_refusal if not plan_refusal else "",
            "host_timezone": review_round.host_city.tzinfo.key,
        },
    )


@require_POST
def programme_settings(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_set_programme_limits)
    programme = planning.programme_for_change(access.round)
    form = ProgrammeSettingsForm(request.POST, instance=programme, prefix="programme")
    if form.is_valid():
        form.save()
        messages.success(
            request,
            _("This round may now have up to %(count)d assessment days.") % {"count": form.instance.max_days},
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_planner_url(access.round))


@require_POST
def programme_send(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_plan_assessment)
    try:
        result = planning.send_programme(review_round=access.round, actor=request.user)
    except ValidationError as error:
        for message in _messages_for(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "The programme is sent to %(people)d people of the panel and the city, and %(invitations)d "
                "interviewees got their invitation. Every change from now on sends an update."
            )
            % {"people": result.recipients, "invitations": result.invitations},
        )
    return redirect(_planner_url(access.round))


def programme_ics(request: HttpRequest, round_id: int) -> HttpResponse:
    """The programme as a calendar file, for anybody who may see the assessment days."""
    access = round_access(request.user, round_id)
    require(access.refuse_view_assessment)
    response = HttpResponse(programme_calendar(access.round), content_type=CONTENT_TYPE)
    name = slugify(access.round.title) or "assessment-days"
    response["Content-Disposition"] = f'attachment; filename="{name}-assessment-days.ics"'
    return response


def day_edit(request: HttpRequest, round_id: int, day_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_plan_assessment)
    review_round = access.round
    day = get_object_or_404(AssessmentDay, pk=day_id, round=review_round)
    day.round = review_round
    form = AssessmentDayForm(request.POST or None, instance=day, review_round=review_round)
    conflict = None
    if request.method == "POST" and form.is_valid():
        version, base = form.base()
        try:
            saved, written = planning.update_day(
                day=day, base_version=version, base=base, values=form.model_values(), actor=request.user
            )
        except EditConflict as error:
            conflict = error
            form.rebase_on_conflict(error)
        except ValidationError as error:
            form.add_error(None, error)
        except AssessmentDay.DoesNotExist:
            messages.error(request, _("This day was deleted meanwhile."))
            return redirect(_planner_url(review_round))
        else:
            if written:
                messages.success(
                    request,
                    _("The day %(date)s is saved.") % {"date": date_format(saved.date, "DATE_FORMAT")},
                )
            return redirect(f"{_planner_url(review_round)}#day-{saved.pk}")
    return render(
        request,
        "peerreview/assessment/day_form.html",
        {"review_round": review_round, "day": day, "form": form, "conflict": conflict},
    )


def day_delete(request: HttpRequest, round_id: int, day_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_plan_assessment)
    review_round = access.round
    day = get_object_or_404(AssessmentDay.objects.prefetch_related("sessions"), pk=day_id, round=review_round)
    day.round = review_round
    if request.method == "POST":
        try:
            planning.delete_day(day=day, actor=request.user)
        except ValidationError as error:
            for message in _messages_for(error):
                messages.error(request, message)
        else:
            messages.success(
                request, _("The day %(date)s is deleted.") % {"date": date_format(day.date, "DATE_FORMAT")}
            )
        return redirect(_planner_url(review_round))
    return render(
        request,
        "peerreview/assessment/delete_confirm.html",
        {
            "review_round": review_round,
            "day": day,
            "sessions": list(day.sessions.all()),
            "programme_sent": planning.programme_of(review_round).is_sent,
        },
    )


def _session_page(request, review_round, *, day, form, formset, creating, conflict=None, programme_open=True):
    return render(
        request,
        "peerreview/assessment/session_form.html",
        {
            "review_round": review_round,
            "day": day,
            "session": form.instance,
            "creating": creating,
            "form": form,
            "formset": formset,
            "conflict": conflict,
            "programme_open": programme_open,
            "host_timezone": review_round.host_city.tzinfo.key,
        },
    )


def _saved_message(request, session: Session, *, creating: bool) -> None:
    if creating:
        messages.success(request, _("The session “%(topic)s” is added.") % {"topic": session.topic})
    else:
        messages.success(request, _("The session “%(topic)s” is saved.") % {"topic": session.topic})
    for other in planning.overlaps_of(session):
        messages.warning(
            request,
            _("This session overlaps “%(topic)s” (%(start)s–%(end)s) on the same day.")
            % {"topic": other.topic, "start": f"{other.start_time:%H:%M}", "end": f"{other.end_time:%H:%M}"},
        )


def session_create(request: HttpRequest, round_id: int, day_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_plan_assessment)
    review_round = access.round
    day = get_object_or_404(AssessmentDay, pk=day_id, round=review_round)
    day.round = review_round
    session = Session(day=day)
    form = SessionForm(
        request.POST or None, instance=session, review_round=review_round, initial={"day": day}
    )
    formset = IntervieweeFormSet(request.POST or None, instance=session, prefix="interviewees")
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        data = form.cleaned_data

        try:
            saved, created = planning.add_session(
                day=data["day"],
                values={name: data[name] for name in planning.SESSION_FIELDS},
                criteria=data["criteria"],
                token=data.get("token"),
                actor=request.user,
                interviewees=interviewee_edits(formset),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if created:
                _saved_message(request, saved, creating=True)
            return redirect(f"{_planner_url(review_round)}#session-{saved.pk}")
    return _session_page(request, review_round, day=day, form=form, formset=formset, creating=True)


def session_edit(request: HttpRequest, round_id: int, session_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_edit_session_notes)
    review_round = access.round
    session = get_object_or_404(Session.objects.select_related("day"), pk=session_id, day__round=review_round)
    session.day.round = review_round
    programme_open = not access.refuse_plan_assessment()
    form = SessionForm(
        request.POST or None, instance=session, review_round=review_round, programme_open=programme_open
    )
    formset = IntervieweeFormSet(request.POST or None, instance=session, prefix="interviewees")
    conflict = None
    valid = request.method == "POST" and form.is_valid()
    if valid and programme_open:
        valid = formset.is_valid()
    if valid:
        version, base = form.base()
        try:
            saved, written = planning.update_session(
                session=session,
                base_version=version,
                base=base,
                values=form.model_values(),
                criteria=form.cleaned_data["criteria"] if programme_open else None,
                base_criteria=form.base_criteria(),
                actor=request.user,
                programme=programme_open,
                interviewees=interviewee_edits(formset) if programme_open else None,
            )
        except EditConflict as error:
            conflict = error
            # As saved now (the failed save's transaction rolled back): the session, and the
            # interviewee in conflict, whose both versions the person now sees.
            accepted = [item.field for item in error.conflicts]
            form.rebase_on(Session.objects.get(pk=session.pk), accepted=accepted)
            if isinstance(error.current, Interviewee):
                if "interviewees" in accepted:  # removing a person changed meanwhile
                    accepted = INTERVIEWEE_FIELDS
                for row in formset.forms:
                    if row.instance.pk == error.current.pk:
                        row.rebase_on(error.current, accepted=accepted)
        except ValidationError as error:
            form.add_error(None, error)
        except Session.DoesNotExist:
            messages.error(request, _("This session was deleted meanwhile."))
            return redirect(_planner_url(review_round))
        else:
            _saved_message(request, saved, creating=False)
            return redirect(f"{_planner_url(review_round)}#session-{saved.pk}")
    return _session_page(
        request,
        review_round,
        day=session.day,
        form=form,
        formset=formset,
        creating=False,
        conflict=conflict,
        programme_open=programme_open,
    )


def session_delete(request: HttpRequest, round_id: int, session_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_plan_assessment)
    review_round = access.round
    session = get_object_or_404(Session.objects.select_related("day"), pk=session_id, day__round=review_round)
    session.day.round = review_round
    if request.method == "POST":
        try:
            planning.delete_session(session=session, actor=request.user)
        except ValidationError as error:
            for message in _messages_for(error):
                messages.error(request, message)
        else:
            messages.success(request, _("The session “%(topic)s” is deleted.") % {"topic": session.topic})
        return redirect(_planner_url(review_round))
    return render(
        request,
        "peerreview/assessment/delete_confirm.html",
        {
            "review_round": review_round,
            "day": session.day,
            "session": session,
            "programme_sent": planning.programme_of(review_round).is_sent,
        },
    )


@require_POST
def interviewee_withdraw_consent(request: HttpRequest, round_id: int, interviewee_id: int) -> HttpResponse:
    """An interviewee no longer agrees to be named in the report (they told the panel or the
    secretariat): the name leaves the report and its published PDF (docs/privacy.md)."""
    access = round_access(request.user, round_id)
    require(access.refuse_view_assessment)
    require(access.refuse_record_consent_withdrawal)
    person = get_object_or_404(Interviewee, pk=interviewee_id, session__day__round=access.round)
    if withdraw_consent(interviewee=person):
        messages.success(
            request,
            _(
                "Recorded: this interviewee is no longer named in the report. A published PDF is made "
                "again without the name; its wording stays."
            ),
        )
    return redirect(f"{_planner_url(access.round)}#session-{person.session_id}")
