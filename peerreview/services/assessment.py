"""Planning the assessment days: every write to days and sessions, and the programme e-mails.

Each write locks the round row (as ``transition_round`` does), so a change can never land after
the round moved on to drafting, the day limit holds under parallel requests, and creating with
a one-time form token is idempotent: the second of two identical requests finds the first's row.

Nobody is e-mailed while the lead plans. ``send_programme`` sends the programme (with the
calendar) to the panel and the host city, and invitations to interviewees who gave an address;
after that every change that a calendar shows sends an update (``note_programme_change``).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from ..models import (
    AssessmentDay,
    AssessmentProgramme,
    CancelledSession,
    Criterion,
    Interviewee,
    Notification,
    Round,
    RoundState,
    Session,
    SessionInvitation,
)
from ..models.assessment import session_bounds
from . import calendar as ical
from .mail import render_plain
from .versioning import EditConflict, FieldConflict, changed_fields, save_versioned

# The round steps in which the programme may change (dates, times, sessions). Notes can still
# be written while drafting; see ``peerreview.permissions``.
PLANNING_STATES = (RoundState.PREREPORT_SUBMITTED, RoundState.SCORING, RoundState.ASSESSMENT)
# Session fields a calendar shows: changing one raises the session's calendar revision.
CALENDAR_FIELDS = ("day", "start_time", "end_time", "topic")
SESSION_FIELDS = ["day", "start_time", "end_time", "topic", "notes", "share_notes_with_city"]
DAY_FIELDS = ["date", "location", "notes"]
# What may still change while the report is drafted: the panel's notes.
NOTE_FIELDS = ("notes", "share_notes_with_city")


def programme_of(review_round: Round) -> AssessmentProgramme:
    """The round's programme settings for reading: the stored row, or the defaults unsaved (a page
    that only shows the planner never writes)."""
    return AssessmentProgramme.objects.filter(round=review_round).first() or AssessmentProgramme(
        round=review_round
    )


def programme_for_change(review_round: Round) -> AssessmentProgramme:
    """The stored programme row, made on the first change (a coordinator's day limit, sending)."""
    programme, _created = AssessmentProgramme.objects.get_or_create(round=review_round)
    return programme


def _lock_round(review_round: Round) -> Round:
    """Lock the round row for this transaction and check the programme may still change."""
    locked = Round.objects.select_related("host_city").select_for_update(of=("self",)).get(pk=review_round.pk)
    if locked.state not in PLANNING_STATES:
        raise ValidationError(
            _("The programme can no longer change: the round is at the step “%(state)s”.")
            % {"state": RoundState(locked.state).label}
        )
    return locked


# --- dates ---


def date_window(review_round: Round) -> tuple[datetime.date | None, datetime.date | None]:
    """(earliest, latest) date an assessment day may have: after the pre-report was submitted
    and before the draft report is due."""
    prereport = getattr(review_round, "prereport", None)
    earliest = None
    if prereport is not None and prereport.submitted_at is not None:
        earliest = timezone.localdate(prereport.submitted_at) + datetime.timedelta(days=1)
    latest = review_round.report_due - datetime.timedelta(days=1) if review_round.report_due else None
    return earliest, latest


def check_day_date(review_round: Round, date: datetime.date, *, day: AssessmentDay | None = None) -> None:
    """Raise a ValidationError on ``date`` when the day cannot be on that date."""
    earliest, latest = date_window(review_round)
    if earliest and date < earliest:
        raise ValidationError(
            {
                "date": _(
                    "Assessment days come after the pre-report was submitted (%(submitted)s). "
                    "Choose %(earliest)s or later."
                )
                % {
                    "submitted": date_format(earliest - datetime.timedelta(days=1), "DATE_FORMAT"),
                    "earliest": date_format(earliest, "DATE_FORMAT"),
                }
            }
        )
    if latest and date > latest:
        raise ValidationError(
            {
                "date": _(
                    "Assessment days come before the draft report is due (%(due)s). Choose %(latest)s or earlier."
                )
                % {
                    "due": date_format(review_round.report_due, "DATE_FORMAT"),
                    "latest": date_format(latest, "DATE_FORMAT"),
                }
            }
        )
    same_date = AssessmentDay.objects.filter(round=review_round, date=date)
    if day is not None and day.pk:
        same_date = same_date.exclude(pk=day.pk)
    if same_date.exists():
        raise ValidationError(
            {"date": _("There is already an assessment day on this date; add the sessions to that day.")}
        )


# --- days ---


def add_day(
    *, review_round: Round, date: datetime.date, location: str, token: uuid.UUID | None, actor=None
) -> tuple[AssessmentDay, bool]:
    """Add a day; returns (day, created). The same form token twice gives the first day back."""
    with transaction.atomic():
        locked = _lock_round(review_round)
        if token is not None:
            existing = AssessmentDay.objects.filter(creation_token=token, round=locked).first()
            if existing is not None:
                return existing, False
        check_day_date(locked, date)
        allowed = programme_of(locked).max_days
        if AssessmentDay.objects.filter(round=locked).count() >= allowed:
            raise ValidationError(
                {
                    "date": _(
                        "This round already has %(count)d assessment days, the most allowed. "
                        "A coordinator can allow more days for this round."
                    )
                    % {"count": allowed}
                }
            )
        day = AssessmentDay(round=locked, date=date, location=location, creation_token=token)
        day._history_user = actor
        day.save()
    return day, True


def update_day(
    *, day: AssessmentDay, base_version: int, base: dict[str, str], values: dict, actor=None
) -> tuple[AssessmentDay, list[str]]:
    """Save what this person changed on a day (conflict-checked). Moving the day moves its
    sessions in every calendar: each session's revision goes up and an update is sent."""
    with transaction.atomic():
        locked = _lock_round(day.round)
        if "date" in values and values["date"] is not None:
            check_day_date(locked, values["date"], day=day)
        saved, written = save_versioned(
            model=AssessmentDay, pk=day.pk, base_version=base_version, base=base, values=values, actor=actor
        )
        if {"date", "location"} & set(written):
            Session.objects.filter(day=saved).update(sequence=F("sequence") + 1)
            note_programme_change(locked, sessions=list(Session.objects.filter(day=saved)), actor=actor)
    return saved, written


def delete_day(*, day: AssessmentDay, actor=None) -> None:
    """Delete a day with its sessions; a sent programme cancels them in the calendars."""
    with transaction.atomic():
        locked = _lock_round(day.round)
        sessions = list(Session.objects.filter(day=day).select_related("day"))
        cancelled = _cancel(locked, sessions)
        AssessmentDay.objects.filter(pk=day.pk).delete()
        note_programme_change(locked, cancelled=cancelled, actor=actor)


# --- sessions ---


@dataclass
class IntervieweeEdit:
    """One interviewee row of a session form: an existing person (``pk``, the version and
    digests the form was loaded with) or a new one (``pk`` None), and what was submitted."""

    pk: int | None
    values: dict
    base_version: int = -1
    base: dict[str, str] = field(default_factory=dict)
    delete: bool = False
    label: str = ""


INTERVIEWEE_FIELDS = ("role", "name", "organisation", "email", "consent_to_name")


def add_session(
    *,
    day: AssessmentDay,
    values: dict,
    criteria: Iterable,
    token: uuid.UUID | None,
    actor=None,
    interviewees: Iterable[IntervieweeEdit] = (),
) -> tuple[Session, bool]:
    """Add a session with its criteria and interviewees; returns (session, created). The same
    form token twice gives the first back. Its first history row is written once everything
    is set (so it shows the criteria), before a sent programme's update goes out."""
    with transaction.atomic():
        locked = _lock_round(day.round)
        if token is not None:
            existing = Session.objects.filter(creation_token=token, day__round_id=locked.pk).first()
            if existing is not None:
                return existing, False
        session = Session(creation_token=token, **values)
        session.skip_history_when_saving = True
        session.save()
        del session.skip_history_when_saving
        session.criteria.set(criteria)
        save_interviewees(session=session, rows=list(interviewees), actor=actor)
        Session.history.bulk_history_create(
            [session],
            default_user=actor,
            default_date=timezone.now(),
            custom_historical_attrs=session.history_extra(),
        )
        note_programme_change(locked, sessions=[session], actor=actor)
    return session, True


def update_session(
    *,
    session: Session,
    base_version: int,
    base: dict[str, str],
    values: dict,
    criteria: Iterable | None = None,
    base_criteria: set[int] | None = None,
    actor=None,
    programme: bool = True,
    interviewees: Iterable[IntervieweeEdit] | None = None,
) -> tuple[Session, list[str]]:
    """Save what this person changed on a session — its fields, its criteria, its interviewees —
    each conflict-checked against what the form was loaded with, all or nothing (a conflict
    anywhere raises ``EditConflict`` and nothing is saved). A change shows in the session's
    history as one new version; a change a calendar shows raises the session's revision and,
    once the programme is sent, sends an update.

    With ``programme=False`` (while drafting) only the notes may change; the programme is fixed."""
    with transaction.atomic():
        if programme:
            locked = _lock_round(session.day.round)
        else:
            locked = Round.objects.select_for_update().get(pk=session.day.round_id)
            values = {name: value for name, value in values.items() if name in NOTE_FIELDS}
        if "day" in values and values["day"] is not None and values["day"].round_id != locked.pk:
            raise ValidationError({"day": _("Choose one of this round's days.")})
        current = Session.objects.get(pk=session.pk)
        also: list[str] = []
        if programme and criteria is not None and _criteria_changed(current, list(criteria), base_criteria):
            also.append("criteria")
        if (
            programme
            and interviewees is not None
            and save_interviewees(session=current, rows=list(interviewees), actor=actor)
        ):
            also.append("interviewees")
        # Written after the criteria and interviewees, so the history row shows them as saved.
        saved, written = save_versioned(
            model=Session,
            pk=session.pk,
            base_version=base_version,
            base=base,
            values=values,
            actor=actor,
            labels={"day": _("day")},
        )
        if also and not written:
            # Only what hangs on the session changed: still a new version, in the history.
            Session.objects.filter(pk=saved.pk).update(version=F("version") + 1)
            saved.refresh_from_db()
            Session.history.bulk_history_create(
                [saved],
                update=True,
                default_user=actor,
                default_date=timezone.now(),
                custom_historical_attrs=saved.history_extra(),
            )
        written = [*written, *also]
        calendar_changed = bool(set(CALENDAR_FIELDS) & set(written))
        if calendar_changed:
            Session.objects.filter(pk=saved.pk).update(sequence=F("sequence") + 1)
            saved.refresh_from_db()
        if programme:
            note_programme_change(locked, sessions=[saved], actor=actor, calendar_changed=calendar_changed)
    return saved, written


def _criteria_changed(session: Session, criteria: list, base: set[int] | None) -> bool:
    """Set the criteria probed when this person changed them (against ``base``, the set they
    loaded). Someone else's different change since is a conflict, like any other field.
    The caller holds the round's lock, which every change of a session takes."""
    mine = {criterion.pk for criterion in criteria}
    current = set(session.criteria.values_list("pk", flat=True))
    if base is not None and mine == base:
        return False
    if mine == current:
        return False
    if base is not None and current != base:
        # Raised inside the caller's transaction: whatever was saved before rolls back with it.
        names = dict(Criterion.objects.filter(pk__in=mine | current).values_list("pk", "code"))
        raise EditConflict(
            current=session,
            conflicts=[
                FieldConflict(
                    field="criteria",
                    label=str(Session._meta.get_field("criteria").verbose_name),
                    theirs=", ".join(sorted(names[pk] for pk in current)),
                    yours=", ".join(sorted(names[pk] for pk in mine)),
                )
            ],
        )
    session.criteria.set(criteria)
    return True


def save_interviewees(*, session: Session, rows: list[IntervieweeEdit], actor=None) -> bool:
    """Save a session form's interviewee rows, each as a versioned unit: a change writes only
    what this person changed, and a stale change of what a colleague changed since raises
    ``EditConflict`` (the caller's transaction then saves nothing); removing a person a
    colleague changed since, or changing one a colleague removed, is a conflict too. A new row
    identical to one the session already has (the same form sent twice) is not added again.
    Returns whether anything changed. The caller holds the round's lock."""
    changed = False
    people = {person.pk: person for person in Interviewee.objects.filter(session=session)}
    for row in rows:
        if row.pk is None:
            continue
        person = people.get(row.pk)
        label = row.label or str(_("Interviewee"))
        if person is None:
            if not row.delete and changed_fields(row.values, row.base):
                raise EditConflict(
                    current=session,
                    conflicts=[
                        FieldConflict(
                            field="interviewees",
                            label=label,
                            theirs=str(_("(removed by someone else meanwhile)")),
                            yours=_person_text(row.values),
                        )
                    ],
                )
            continue
        if row.delete:
            if person.version != row.base_version:
                raise EditConflict(
                    current=person,
                    conflicts=[
                        FieldConflict(
                            field="interviewees",
                            label=label,
                            theirs=_person_text({name: getattr(person, name) for name in INTERVIEWEE_FIELDS}),
                            yours=str(_("(removed by you)")),
                        )
                    ],
                )
            person._history_user = actor
            person.delete()
            changed = True
            continue
        labels = {
            name: f"{label}: {Interviewee._meta.get_field(name).verbose_name}" for name in INTERVIEWEE_FIELDS
        }
        _saved, written = save_versioned(
            model=Interviewee,
            pk=person.pk,
            base_version=row.base_version,
            base=row.base,
            values=row.values,
            actor=actor,
            labels=labels,
        )
        changed = changed or bool(written)
    existing = {_person_key(person) for person in Interviewee.objects.filter(session=session)}
    for row in rows:
        if row.pk is not None or row.delete:
            continue
        key = _person_key(row.values)
        if key in existing:
            continue
        person = Interviewee(session=session, **{name: row.values.get(name) for name in INTERVIEWEE_FIELDS})
        person._history_user = actor
        person.save()
        existing.add(key)
        changed = True
    return changed


def _person_key(person) -> tuple:
    get = person.get if isinstance(person, dict) else lambda name: getattr(person, name)
    return tuple(get(name) or "" for name in ("role", "name", "organisation", "email"))


def _person_text(values: dict) -> str:
    role = dict(Interviewee.Role.choices).get(values.get("role"), values.get("role") or "")
    parts = [str(role), values.get("name") or "", values.get("organisation") or ""]
    return " · ".join(part for part in parts if part)


def delete_session(*, session: Session, actor=None) -> None:
    with transaction.atomic():
        locked = _lock_round(session.day.round)
        cancelled = _cancel(locked, [session])
        Session.objects.filter(pk=session.pk).delete()
        note_programme_change(locked, cancelled=cancelled, actor=actor)


def _cancel(review_round: Round, sessions: list[Session]) -> list[CancelledSession]:
    """Tombstones for sessions that people already have in their calendars."""
    if not programme_of(review_round).is_sent or not sessions:
        return []
    tz = review_round.host_city.tzinfo
    cancelled = []
    for session in sessions:
        start, end = session_bounds(session, session.day, tz)
        tombstone, _created = CancelledSession.objects.update_or_create(
            uid=session.calendar_uid,
            defaults={
                "round": review_round,
                "sequence": session.sequence + 1,
                "starts_at": start,
                "ends_at": end,
                "topic": session.topic,
                "location": session.day.location,
            },
        )
        cancelled.append(tombstone)
        for person in session.interviewees.exclude(email=""):
            _invite(
                review_round,
                key=f"cancel-{person.pk}-{session.pk}-{tombstone.sequence}",
                email=person.email,
                language=review_round.language,
                template="emails/session_cancelled.txt",
                context={
                    "topic": session.topic,
                    "start": start,
                    "end": end,
                    "location": session.day.location,
                },
                calendar=ical.cancellation_calendar(review_round, tombstone),
            )
    return cancelled


def overlapping(sessions: Iterable[Session]) -> dict[int, list[Session]]:
    """For each session (by pk), the other sessions of its day that overlap it in time."""
    by_day: dict[int, list[Session]] = {}
    for session in sessions:
        by_day.setdefault(session.day_id, []).append(session)
    result: dict[int, list[Session]] = {}
    for group in by_day.values():
        for session in group:
            others = [other for other in group if session.overlaps(other)]
            if others:
                result[session.pk] = others
    return result


def overlaps_of(session: Session) -> list[Session]:
    return [other for other in Session.objects.filter(day_id=session.day_id) if session.overlaps(other)]


# --- the programme e-mails ---


@dataclass
class SendResult:
    recipients: int
    invitations: int
    problems: list[str] = field(default_factory=list)


def refuse_send(review_round: Round) -> str:
    """Why the programme cannot be sent now, or ""."""
    if review_round.state not in PLANNING_STATES:
        return _("The programme can be sent until the round moves on to report drafting.")
    if not Session.objects.filter(day__round=review_round).exists():
        return _("Add at least one session before sending the programme.")
    return ""


def send_programme(*, review_round: Round, actor) -> SendResult:
    """The lead sends the programme: the panel and the host city get it with the calendar,
    interviewees with an address get their session. Sending again sends the current version."""
    with transaction.atomic():
        locked = _lock_round(review_round)
        problem = refuse_send(locked)
        if problem:
            raise ValidationError(problem)
        programme = AssessmentProgramme.objects.select_for_update().get(pk=programme_for_change(locked).pk)
        programme.sent_at = timezone.now()
        programme.sent_by = actor
        programme.save(update_fields=["sent_at", "sent_by"])
        sessions = list(Session.objects.filter(day__round=locked).select_related("day"))
        return _send(locked, programme, sessions=sessions, cancelled=[], first=True)


def note_programme_change(
    review_round: Round,
    *,
    sessions: Iterable[Session] = (),
    cancelled: Iterable[CancelledSession] = (),
    actor=None,
    calendar_changed: bool = True,
) -> SendResult | None:
    """After a change to a sent programme: an update to everybody (when a calendar shows the
    change) and the touched sessions' interviewees. Before the programme is sent: nothing."""
    programme = programme_of(review_round)
    if not programme.is_sent:
        return None
    programme = AssessmentProgramme.objects.select_for_update().get(pk=programme.pk)
    return _send(
        review_round,
        programme,
        sessions=list(sessions),
        cancelled=list(cancelled),
        first=False,
        everybody=calendar_changed,
    )


def _send(
    review_round: Round,
    programme: AssessmentProgramme,
    *,
    sessions: list[Session],
    cancelled: list[CancelledSession],
    first: bool,
    everybody: bool = True,
) -> SendResult:
    from .notifications import host_members, notify, panel_members

    recipients = 0
    if everybody:
        programme.revision = F("revision") + 1
        programme.save(update_fields=["revision"])
        programme.refresh_from_db(fields=["revision"])
        created = notify(
            kind=Notification.Kind.ASSESSMENT_PROGRAMME,
            recipients=[*panel_members(review_round), *host_members(review_round)],
            review_round=review_round,
            event_key=f"programme-{review_round.pk}-{programme.revision}",
            context={
                "path": reverse("peerreview:assessment_planner", args=[review_round.pk]),
                "update": not first,
                "revision": programme.revision,
            },
        )
        recipients = len(created)
    invitations = 0
    for session in sessions:
        invitations += _invite_interviewees(review_round, session)
    return SendResult(recipients=recipients, invitations=invitations)


def _invite_interviewees(review_round: Round, session: Session) -> int:
    """Each interviewee with an address gets their session, once per calendar revision."""
    session.refresh_from_db()
    start, end = session_bounds(session, session.day, review_round.host_city.tzinfo)
    count = 0
    for person in session.interviewees.exclude(email=""):
        calendar = ical.session_calendar(session)
        if _invite(
            review_round,
            key=f"session-{person.pk}-{session.pk}-{session.sequence}",
            email=person.email,
            language=review_round.language,
            template="emails/session_invitation.txt",
            context={
                "topic": session.topic,
                "start": start,
                "end": end,
                "location": session.day.location,
                "update": session.sequence > 0,
            },
            calendar=calendar,
        ):
            count += 1
    return count


def _invite(
    review_round: Round, *, key: str, email: str, language: str, template: str, context: dict, calendar: bytes
) -> bool:
    """Record one interviewee e-mail (once per key) and send it after commit."""
    from ..tasks import send_session_invitation

    with translation.override(language or settings.LANGUAGE_CODE):
        tz = review_round.host_city.tzinfo
        start, end = context["start"].astimezone(tz), context["end"].astimezone(tz)
        full = {
            **context,
            "review_round": review_round,
            "city": review_round.host_city.name,
            "date": date_format(start.date(), "DATE_FORMAT"),
            "start_time": time_format(start.time(), "H:i"),
            "end_time": time_format(end.time(), "H:i"),
            "timezone": tz.key,
        }
        body = render_plain(template, full)
        subject = " ".join(render_plain(template.replace(".txt", ".subject.txt"), full).split())
    invitation, created = SessionInvitation.objects.get_or_create(
        dedupe_key=key,
        defaults={
            "round": review_round,
            "email": email,
            "language": language,
            "subject": subject[:300],
            "body": body,
            "calendar": calendar.decode("utf-8"),
        },
    )
    if created:
        transaction.on_commit(lambda pk=invitation.pk: send_session_invitation.delay(pk), robust=True)
    return created
