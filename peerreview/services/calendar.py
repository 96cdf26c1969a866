"""The assessment-day programme as iCalendar (RFC 5545), built with the ``icalendar`` library.

Times are the host city's wall-clock times with a TZID and its VTIMEZONE, so 09:00 in Lisbon opens
at 09:00 in Lisbon whatever the server's zone and wherever the reader is. Each session keeps one
UID for life and its ``sequence`` grows with each change, so a calendar updates the event; a
deleted session is sent as a cancelled event with its UID. METHOD:PUBLISH: the file is the
programme to add to a calendar, not a meeting request that asks for replies.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from ..models import (
    ACTIVE_STATES,
    DUE_FIELD_BY_STATE,
    AssessmentDay,
    Assignment,
    CancelledSession,
    Round,
    Session,
)
from ..models.assessment import session_bounds

CONTENT_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"
PRODID = "-//Procurement peer review//Assessment days//EN"


def _text(value: str) -> str:
    """User text as one iCalendar value: line breaks become newlines (escaped by the library),
    never a bare carriage return that would break the file."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _calendar(review_round: Round) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _text(review_round.title))
    calendar.add("x-wr-timezone", review_round.host_city.tzinfo.key)
    return calendar


def _event(
    *,
    uid: str,
    sequence: int,
    start: datetime.datetime,
    end: datetime.datetime,
    summary: str,
    location: str,
    description: str = "",
    cancelled: bool = False,
    stamp: datetime.datetime,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _text(summary))
    if location:
        event.add("location", _text(location))
    if description:
        event.add("description", _text(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _session_event(review_round: Round, day: AssessmentDay, session: Session, stamp) -> Event:
    start, end = session_bounds(session, day, review_round.host_city.tzinfo)
    criteria = ", ".join(criterion.code for criterion in session.criteria.all())
    roles = ", ".join(sorted({str(person.get_role_display()) for person in session.interviewees.all()}))
    description = "\n".join(part for part in (criteria, roles) if part)
    return _event(
        uid=session.calendar_uid,
        sequence=session.sequence,
        start=start,
        end=end,
        summary=f"{review_round.title}: {session.topic}",
        location=day.location,
        description=description,
        stamp=stamp,
    )


def cancelled_event(review_round: Round, cancelled: CancelledSession, stamp) -> Event:
    tz = review_round.host_city.tzinfo
    return _event(
        uid=cancelled.uid,
        sequence=cancelled.sequence,
        start=cancelled.starts_at.astimezone(tz),
        end=cancelled.ends_at.astimezone(tz),
        summary=f"{review_round.title}: {cancelled.topic}",
        location=cancelled.location,
        cancelled=True,
        stamp=stamp,
    )


def _finish(calendar: Calendar, dates: Iterable[datetime.date]) -> bytes:
    dates = list(dates)
    if dates:
        # VTIMEZONE rules around the programme only, not fifty years of them.
        calendar.add_missing_timezones(
            first_date=min(dates) - datetime.timedelta(days=400),
            last_date=max(dates) + datetime.timedelta(days=400),
        )
    return calendar.to_ical()


def programme_calendar(review_round: Round) -> bytes:
    """Every session of the round, and the sessions cancelled after the programme was sent."""
    stamp = timezone.now().astimezone(datetime.UTC)
    calendar = _calendar(review_round)
    days = (
        AssessmentDay.objects.filter(round=review_round)
        .prefetch_related("sessions__criteria", "sessions__interviewees")
        .order_by("date", "pk")
    )
    dates = []
    for day in days:
        for session in day.sessions.all():
            calendar.add_component(_session_event(review_round, day, session, stamp))
            dates.append(day.date)
    for cancelled in CancelledSession.objects.filter(round=review_round):
        calendar.add_component(cancelled_event(review_round, cancelled, stamp))
        dates.append(cancelled.starts_at.date())
    return _finish(calendar, dates)


def programme_sessions(review_round: Round) -> list[dict]:
    """The sessions as the programme e-mail lists them (the calendar file is attached too, but
    not every mail program shows one): wall-clock times in the host city, as planned."""
    days = (
        AssessmentDay.objects.filter(round=review_round).prefetch_related("sessions").order_by("date", "pk")
    )
    return [
        {
            "date": day.date,
            "start": session.start_time,
            "end": session.end_time,
            "topic": session.topic,
            "location": day.location,
        }
        for day in days
        for session in day.sessions.all()
    ]


def session_calendar(session: Session) -> bytes:
    """One session, for an interviewee's invitation."""
    stamp = timezone.now().astimezone(datetime.UTC)
    day = session.day
    review_round = day.round
    calendar = _calendar(review_round)
    calendar.add_component(_session_event(review_round, day, session, stamp))
    return _finish(calendar, [day.date])


def cancellation_calendar(review_round: Round, cancelled: CancelledSession) -> bytes:
    stamp = timezone.now().astimezone(datetime.UTC)
    calendar = _calendar(review_round)
    calendar.add_component(cancelled_event(review_round, cancelled, stamp))
    return _finish(calendar, [cancelled.starts_at.date()])


# --- a person's calendar feed: every round they take part in ------------------------------

FEED_PRODID = "-//Procurement peer review//Personal calendar//EN"


def _all_day_event(*, uid: str, day: datetime.date, summary: str, description: str, stamp) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", _text(summary))
    if description:
        event.add("description", _text(description))
    event.add("transp", "TRANSPARENT")  # a due date does not block the day
    return event


def person_calendar(user, *, title: str) -> bytes:
    """The private feed a person subscribes to: the due dates of every round they may see that is
    still under way, the respond-by dates of their open invitations, and the sessions of every sent
    assessment programme of those rounds — the same events (UIDs, revisions, time zones) as the
    programme e-mail's file. A fixed number of queries whatever the number of rounds."""
    stamp = timezone.now().astimezone(datetime.UTC)
    calendar = Calendar()
    calendar.add("prodid", FEED_PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _text(title))
    rounds = list(
        Round.objects.visible_to(user)
        .filter(state__in=ACTIVE_STATES)
        .select_related("host_city")
        .order_by("pk")
    )
    due_fields = list(dict.fromkeys(DUE_FIELD_BY_STATE.values()))
    dates: list[datetime.date] = []
    for review_round in rounds:
        for field_name in due_fields:
            day = getattr(review_round, field_name)
            if day is None:
                continue
            label = capfirst(str(Round._meta.get_field(field_name).verbose_name))
            calendar.add_component(
                _all_day_event(
                    uid=f"round-{review_round.pk}-{field_name}@peer-review",
                    day=day,
                    summary=f"{review_round.title}: {label}",
                    description=review_round.host_city.name,
                    stamp=stamp,
                )
            )
    for assignment in (
        Assignment.objects.open_invitations_for(user).filter(due_date__isnull=False).select_related("round")
    ):
        calendar.add_component(
            _all_day_event(
                uid=f"invitation-{assignment.pk}@peer-review",
                day=assignment.due_date,
                summary=_("Answer the invitation: %(round)s") % {"round": assignment.round.title},
                description="",
                stamp=stamp,
            )
        )
    by_id = {review_round.pk: review_round for review_round in rounds}
    days = (
        AssessmentDay.objects.filter(round_id__in=by_id, round__assessment_programme__sent_at__isnull=False)
        .prefetch_related("sessions__criteria", "sessions__interviewees")
        .order_by("date", "pk")
    )
    for day in days:
        for session in day.sessions.all():
            calendar.add_component(_session_event(by_id[day.round_id], day, session, stamp))
            dates.append(day.date)
    return _finish(calendar, dates)
