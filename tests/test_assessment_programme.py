"""Assessment days: planning (idempotent creation, validation, no lost update), the programme
e-mail the lead sends with its calendar in the host city's time zone, the updates after each
change, interviewees' invitations, the .ics download, and who reads the panel's notes."""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from peerreview.models import (
    AssessmentDay,
    AssessmentProgramme,
    Criterion,
    Interviewee,
    Notification,
    RoundState,
    Session,
    SessionInvitation,
)
from peerreview.services.rounds import prepare_prereport
from tests import factories
from tests.parallel import in_parallel

SUBMITTED = datetime.datetime(2026, 10, 1, 12, tzinfo=datetime.UTC)
WINTER_DAY = datetime.date(2026, 12, 3)  # Lisbon on WET (UTC+0), Helsinki on EET (UTC+2)
SUMMER_DAY = datetime.date(2027, 6, 10)  # Lisbon on WEST (UTC+1)


def make_round(*, state=RoundState.ASSESSMENT, city_timezone="Europe/Lisbon", city_name="Porto"):
    """A round at the assessment step whose pre-report was submitted on 1 October 2026,
    with an accepted lead and a second evaluator, and a host-city member."""
    city = factories.CityFactory(name=city_name, country="PT", timezone=city_timezone)
    review_round = factories.RoundFactory(
        host_city=city, state=state, title="Porto 2026", report_due=datetime.date(2027, 9, 1)
    )
    prereport = prepare_prereport(review_round)
    prereport.submitted_at = SUBMITTED
    prereport.save()
    lead = factories.AssignmentFactory(round=review_round, role="lead")
    member = factories.AssignmentFactory(round=review_round)
    host = factories.MembershipFactory(city=city).user
    return review_round, lead.evaluator, member.evaluator, host


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def planner(review_round) -> str:
    return reverse("peerreview:assessment_planner", args=[review_round.pk])


def add_day(review_round, day=WINTER_DAY, **extra) -> AssessmentDay:
    return AssessmentDay.objects.create(round=review_round, date=day, location="City hall", **extra)


def add_session(day, start=9, end=10, topic="Strategy", **extra) -> Session:
    return Session.objects.create(
        day=day, start_time=datetime.time(start), end_time=datetime.time(end), topic=topic, **extra
    )


def session_post(session_or_day, **changes) -> dict:
    """The session form as a browser posts it, with `changes` applied."""
    if isinstance(session_or_day, Session):
        session = session_or_day
        data = {
            "day": str(session.day_id),
            "start_time": f"{session.start_time:%H:%M}",
            "end_time": f"{session.end_time:%H:%M}",
            "topic": session.topic,
            "notes": session.notes,
        }
    else:
        data = {
            "day": str(session_or_day.pk),
            "start_time": "09:00",
            "end_time": "10:00",
            "topic": "Strategy",
        }
    data.update(
        {
            "interviewees-TOTAL_FORMS": "0",
            "interviewees-INITIAL_FORMS": "0",
            "interviewees-MIN_NUM_FORMS": "0",
            "interviewees-MAX_NUM_FORMS": "1000",
        }
    )
    data.update(changes)
    return data


def edit_form_state(client, review_round, session) -> dict:
    """The hidden version fields of the edit form as the page renders them."""
    response = client.get(reverse("peerreview:session_edit", args=[review_round.pk, session.pk]))
    form = response.context["form"]
    return {name: form[name].value() for name in ("base_version", "base_digests", "base_criteria")}


def parse(ics: bytes | str) -> Calendar:
    return Calendar.from_ical(ics)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def programme_mails(to: str | None = None) -> list:
    subjects = [m for m in mail.outbox if m.attachments and "programme" in m.subject.lower()]
    return [m for m in subjects if to is None or to in m.to]


def calendar_of(message) -> tuple[bytes, str]:
    """The calendar attachment of an e-mail and its Content-Type header."""
    (part,) = [a for a in message.attachments if not isinstance(a, tuple)]
    return part.get_payload(decode=True), part["Content-Type"]


# --- creating is idempotent: a double click makes one row ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_quick_posts_of_add_the_day_create_one_day():
    review_round, lead, _member, _host = make_round()
    token = str(uuid.uuid4())
    data = {"date": "2026-12-03", "location": "City hall", "token": token}
    clients = [client_for(lead), client_for(lead)]

    responses = in_parallel(*(lambda c=c: c.post(planner(review_round), data) for c in clients))

    assert [r.status_code for r in responses] == [302, 302]
    assert AssessmentDay.objects.filter(round=review_round).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_quick_posts_of_add_the_session_create_one_session():
    review_round, lead, _member, _host = make_round()
    day = add_day(review_round)
    url = reverse("peerreview:session_create", args=[review_round.pk, day.pk])
    data = session_post(day, token=str(uuid.uuid4()))
    clients = [client_for(lead), client_for(lead), client_for(lead)]

    responses = in_parallel(*(lambda c=c: c.post(url, data) for c in clients))

    assert [r.status_code for r in responses] == [302, 302, 302]
    assert Session.objects.filter(day=day).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_save_with_a_new_interviewee_adds_the_person_once():
    review_round, lead, _member, _host = make_round()
    session = add_session(add_day(review_round))
    url = reverse("peerreview:session_edit", args=[review_round.pk, session.pk])
    clients = [client_for(lead), client_for(lead)]
    state = edit_form_state(clients[0], review_round, session)
    data = session_post(
        session,
        **state,
        **{
            "interviewees-TOTAL_FORMS": "1",
            "interviewees-0-role": "buyer",
            "interviewees-0-name": "Ana",
            "interviewees-0-email": "ana@porto.example",
        },
    )

    responses = in_parallel(*(lambda c=c: c.post(url, data) for c in clients))

    assert [r.status_code for r in responses] == [302, 302]
    assert list(session.interviewees.values_list("name", flat=True)) == ["Ana"]


@pytest.mark.django_db(transaction=True)
def test_a_new_form_adds_a_second_session_at_the_same_time_and_flags_the_overlap():
    review_round, lead, _member, _host = make_round()
    day = add_day(review_round)
    client = client_for(lead)
    url = reverse("peerreview:session_create", args=[review_round.pk, day.pk])
    client.post(url, session_post(day, token=str(uuid.uuid4()), topic="Buyers"))

    response = client.post(
        url,
        session_post(day, token=str(uuid.uuid4()), topic="Businesses", start_time="09:30", end_time="11:00"),
        follow=True,
    )

    assert Session.objects.filter(day=day).count() == 2
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == ["This session overlaps “Buyers” (09:00–10:00) on the same day."]
    page = response.content.decode()
    assert "overlaps “Businesses” (09:30–11:00)" in page and "overlaps “Buyers” (09:00–10:00)" in page


# --- no lost update on a session ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_different_fields_of_a_session_at_once_both_keep_their_change():
    review_round, lead, _member, _host = make_round()
    coordinator = factories.CoordinatorFactory()
    session = add_session(add_day(review_round), notes="Ask about the strategy.")
    url = reverse("peerreview:session_edit", args=[review_round.pk, session.pk])
    lead_client, coordinator_client = client_for(lead), client_for(coordinator)
    lead_form = edit_form_state(lead_client, review_round, session)
    coordinator_form = edit_form_state(coordinator_client, review_round, session)

    responses = in_parallel(
        lambda: lead_client.post(url, session_post(session, topic="Strategy and budget", **lead_form)),
        lambda: coordinator_client.post(
            url,
            session_post(session, notes="Ask about the strategy and the climate goals.", **coordinator_form),
        ),
    )

    assert [r.status_code for r in responses] == [302, 302]
    session.refresh_from_db()
    assert (session.topic, session.notes) == (
        "Strategy and budget",
        "Ask about the strategy and the climate goals.",
    )
    assert session.version == 3
    assert session.history.count() >= 2


@pytest.mark.django_db(transaction=True)
def test_two_people_changing_the_same_session_field_at_once_one_sees_a_conflict_nothing_is_lost():
    review_round, lead, _member, _host = make_round()
    coordinator = factories.CoordinatorFactory()
    session = add_session(add_day(review_round), notes="Start.")
    url = reverse("peerreview:session_edit", args=[review_round.pk, session.pk])
    lead_client, coordinator_client = client_for(lead), client_for(coordinator)
    lead_form = edit_form_state(lead_client, review_round, session)
    coordinator_form = edit_form_state(coordinator_client, review_round, session)

    responses = in_parallel(
        lambda: lead_client.post(url, session_post(session, notes="Notes by the lead.", **lead_form)),
        lambda: coordinator_client.post(
            url, session_post(session, notes="Notes by the coordinator.", **coordinator_form)
        ),
    )

    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    saved_text = Session.objects.get(pk=session.pk).notes
    page = refused.content.decode()
    assert "data-edit-conflict" in page
    assert saved_text in page  # theirs, as saved now
    mine = "Notes by the lead." if saved_text == "Notes by the coordinator." else "Notes by the coordinator."
    assert page.count(mine) == 2  # the refused person's own text: beside theirs, and kept in the form


@pytest.mark.django_db
def test_a_stale_form_that_left_the_criteria_alone_keeps_a_colleagues_criteria(client):
    review_round, lead, _member, _host = make_round()
    session = add_session(add_day(review_round))
    first, second, third = Criterion.objects.filter(theme__framework=review_round.framework)[:3]
    session.criteria.set([first])
    url = reverse("peerreview:session_edit", args=[review_round.pk, session.pk])
    client.force_login(lead)
    stale = edit_form_state(client, review_round, session)
    fresh = dict(stale)

    client.post(url, session_post(session, criteria=[first.pk, second.pk], **fresh))
    kept = client.post(url, session_post(session, criteria=[first.pk], notes="Later notes.", **stale))
    clash = client.post(url, session_post(session, criteria=[third.pk], **stale))

    assert kept.status_code == 302
    assert "data-edit-conflict" in clash.content.decode()
    session.refresh_from_db()
    assert set(session.criteria.all()) == {first, second}
    assert session.notes == "Later notes."


# --- validation -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_day_in_2020_is_refused_at_the_date_field_with_the_typed_text_kept(client):
    review_round, lead, _member, _host = make_round()
    client.force_login(lead)

    response = client.post(
        planner(review_round), {"date": "2020-03-05", "location": "Town hall", "token": str(uuid.uuid4())}
    )

    assert response.status_code == 200
    form = response.context["day_form"]
    assert form.errors["date"] == [
        "Assessment days come after the pre-report was submitted (1 October 2026). Choose 2 October 2026 or later."
    ]
    page = response.content.decode()
    assert 'value="2020-03-05"' in page and 'value="Town hall"' in page
    assert 'aria-invalid="true"' in page
    assert not AssessmentDay.objects.exists()


@pytest.mark.django_db
def test_a_day_after_the_draft_report_is_due_and_a_second_day_on_the_same_date_are_refused(client):
    review_round, lead, _member, _host = make_round()
    add_day(review_round)
    client.force_login(lead)

    late = client.post(planner(review_round), {"date": "2027-09-01", "token": str(uuid.uuid4())})
    same = client.post(planner(review_round), {"date": "2026-12-03", "token": str(uuid.uuid4())})

    assert late.context["day_form"].errors["date"] == [
        "Assessment days come before the draft report is due (1 September 2027). Choose 31 August 2027 or earlier."
    ]
    assert same.context["day_form"].errors["date"] == [
        "There is already an assessment day on this date; add the sessions to that day."
    ]
    assert AssessmentDay.objects.count() == 1


@pytest.mark.django_db
def test_a_third_day_is_refused_until_a_coordinator_allows_more(client):
    review_round, lead, _member, _host = make_round()
    add_day(review_round, datetime.date(2026, 12, 3))
    add_day(review_round, datetime.date(2026, 12, 4))
    client.force_login(lead)

    page = client.get(planner(review_round)).content.decode()
    stored_after_reading = AssessmentProgramme.objects.filter(round=review_round).exists()
    refused = client.post(planner(review_round), {"date": "2026-12-05", "token": str(uuid.uuid4())})
    lead_may_not_allow = client.post(
        reverse("peerreview:programme_settings", args=[review_round.pk]), {"programme-max_days": "3"}
    )
    coordinator = client_for(factories.CoordinatorFactory())
    coordinator.post(
        reverse("peerreview:programme_settings", args=[review_round.pk]), {"programme-max_days": "3"}
    )
    allowed = client.post(planner(review_round), {"date": "2026-12-05", "token": str(uuid.uuid4())})

    assert "This round has its 2 assessment days, the most allowed." in page
    assert not stored_after_reading, "showing the planner must not write"
    assert refused.context["day_form"].errors["date"] == [
        "This round already has 2 assessment days, the most allowed. "
        "A coordinator can allow more days for this round."
    ]
    assert lead_may_not_allow.status_code == 403
    assert allowed.status_code == 302
    assert AssessmentDay.objects.filter(round=review_round).count() == 3


@pytest.mark.django_db
def test_days_and_sessions_can_be_moved_and_deleted_until_drafting(client):
    review_round, lead, _member, _host = make_round()
    first, second = add_day(review_round), add_day(review_round, datetime.date(2026, 12, 4))
    session = add_session(first)
    client.force_login(lead)
    day_url = reverse("peerreview:day_edit", args=[review_round.pk, first.pk])
    day_form = client.get(day_url).context["form"]

    client.post(
        day_url,
        {
            "date": "2026-12-10",
            "location": "City hall",
            "notes": "",
            "base_version": day_form["base_version"].value(),
            "base_digests": day_form["base_digests"].value(),
        },
    )
    edit = edit_form_state(client, review_round, session)
    client.post(
        reverse("peerreview:session_edit", args=[review_round.pk, session.pk]),
        session_post(session, day=str(second.pk), **edit),
    )
    client.post(reverse("peerreview:day_delete", args=[review_round.pk, first.pk]))

    first_gone = not AssessmentDay.objects.filter(pk=first.pk).exists()
    session.refresh_from_db()
    assert first_gone and session.day_id == second.pk
    review_round.state = RoundState.DRAFTING
    review_round.save()
    assert (
        client.get(reverse("peerreview:session_delete", args=[review_round.pk, session.pk])).status_code
        == 403
    )
    assert client.get(reverse("peerreview:day_edit", args=[review_round.pk, second.pk])).status_code == 403


@pytest.mark.django_db
def test_while_drafting_the_lead_writes_notes_but_cannot_move_the_session(client):
    review_round, lead, _member, _host = make_round(state=RoundState.DRAFTING)
    session = add_session(add_day(review_round))
    client.force_login(lead)
    edit = edit_form_state(client, review_round, session)

    response = client.post(
        reverse("peerreview:session_edit", args=[review_round.pk, session.pk]),
        session_post(session, start_time="14:00", end_time="15:00", notes="What we learned.", **edit),
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.start_time, session.notes) == (datetime.time(9), "What we learned.")


# --- the programme e-mail and its calendar ---------------------------------------------------


def send(client, review_round):
    return client.post(reverse("peerreview:programme_send", args=[review_round.pk]), follow=True)


@pytest.mark.django_db
def test_the_programme_goes_out_only_when_the_lead_sends_it_with_the_real_sessions(
    client, django_capture_on_commit_callbacks
):
    review_round, lead, member, host = make_round()
    day = add_day(review_round)
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(lead)
        url = reverse("peerreview:session_create", args=[review_round.pk, day.pk])
        client.post(url, session_post(day, token=str(uuid.uuid4()), topic="Strategy"))
        client.post(
            url,
            session_post(day, token=str(uuid.uuid4()), topic="Buyers", start_time="10:30", end_time="12:00"),
        )
    assert mail.outbox == []  # planning e-mails nobody

    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, review_round)

    assert "The programme is sent to 3 people" in response.content.decode()
    assert sorted(address for m in programme_mails() for address in m.to) == sorted(
        [lead.email, member.email, host.email]
    )
    content, content_type = calendar_of(programme_mails(host.email)[0])
    assert content_type == 'text/calendar; charset="utf-8"; method="PUBLISH"'
    calendar = parse(content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    topics = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert topics == ["Porto 2026: Buyers", "Porto 2026: Strategy"]
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Lisbon"]
    assert b"\r\n " in content or all(len(line) <= 75 for line in content.split(b"\r\n"))
    # The e-mail itself lists the sessions too (not every mail program shows a calendar file).
    body = programme_mails(host.email)[0].body
    assert "3 December 2026, 09:00–10:00: Strategy (City hall)" in body
    assert "3 December 2026, 10:30–12:00: Buyers (City hall)" in body


@pytest.mark.django_db
def test_moving_a_session_after_sending_sends_an_update_with_the_same_uid_and_sequence_plus_one(
    client, django_capture_on_commit_callbacks
):
    review_round, lead, _member, host = make_round()
    session = add_session(add_day(review_round))
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, review_round)
    (before,) = events(parse(calendar_of(programme_mails(host.email)[0])[0])).values()
    edit = edit_form_state(client, review_round, session)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("peerreview:session_edit", args=[review_round.pk, session.pk]),
            session_post(session, start_time="11:00", end_time="12:00", **edit),
        )

    first, update = programme_mails(host.email)
    assert "updated" in update.subject
    (after,) = events(parse(calendar_of(update)[0])).values()
    assert str(after["UID"]) == str(before["UID"]) == session.calendar_uid
    assert (int(before["SEQUENCE"]), int(after["SEQUENCE"])) == (0, 1)
    assert after.decoded("DTSTART") == datetime.datetime(2026, 12, 3, 11, tzinfo=ZoneInfo("Europe/Lisbon"))


@pytest.mark.django_db
def test_a_notes_only_change_sends_no_update_but_a_deleted_session_is_cancelled(
    client, django_capture_on_commit_callbacks
):
    review_round, lead, _member, host = make_round()
    day = add_day(review_round)
    kept, dropped = add_session(day), add_session(day, 13, 14, "Businesses")
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, review_round)
        edit = edit_form_state(client, review_round, kept)
        client.post(
            reverse("peerreview:session_edit", args=[review_round.pk, kept.pk]),
            session_post(kept, notes="Only notes.", **edit),
        )
    assert len(programme_mails(host.email)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("peerreview:session_delete", args=[review_round.pk, dropped.pk]))

    update = events(parse(calendar_of(programme_mails(host.email)[-1])[0]))
    assert str(update[dropped.calendar_uid]["STATUS"]) == "CANCELLED"
    assert int(update[dropped.calendar_uid]["SEQUENCE"]) == 1
    assert str(update[kept.calendar_uid]["STATUS"]) == "CONFIRMED"


@pytest.mark.django_db
def test_moving_a_day_sends_an_update_of_all_its_sessions(client, django_capture_on_commit_callbacks):
    review_round, lead, _member, host = make_round()
    day = add_day(review_round)
    sessions = [add_session(day), add_session(day, 13, 14, "Businesses")]
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, review_round)
    form = client.get(reverse("peerreview:day_edit", args=[review_round.pk, day.pk])).context["form"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("peerreview:day_edit", args=[review_round.pk, day.pk]),
            {
                "date": "2026-12-09",
                "location": "City hall",
                "notes": "",
                "base_version": form["base_version"].value(),
                "base_digests": form["base_digests"].value(),
            },
        )

    update = events(parse(calendar_of(programme_mails(host.email)[-1])[0]))
    for session in sessions:
        event = update[session.calendar_uid]
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART").date() == datetime.date(2026, 12, 9)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(WINTER_DAY, 9), (SUMMER_DAY, 8)],  # Lisbon is UTC+0 in winter, UTC+1 in summer
)
@pytest.mark.django_db
def test_a_session_opens_at_the_host_citys_local_time_whatever_the_servers_zone(
    settings, client, day, utc_hour
):
    settings.TIME_ZONE = "Europe/Helsinki"
    review_round, lead, _member, _host = make_round(city_timezone="Europe/Lisbon")
    add_session(add_day(review_round, day), start=9, end=10)
    client.force_login(lead)

    response = client.get(reverse("peerreview:programme_ics", args=[review_round.pk]))

    assert response["Content-Type"] == "text/calendar; method=PUBLISH; charset=utf-8"
    content = response.content
    assert f"DTSTART;TZID=Europe/Lisbon:{day:%Y%m%d}T090000".encode() in content
    (event,) = parse(content).walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start.tzinfo.key == "Europe/Lisbon"
    assert start.astimezone(datetime.UTC) == datetime.datetime.combine(
        day, datetime.time(utc_hour), tzinfo=datetime.UTC
    )
    planner_page = client.get(planner(review_round)).content.decode()
    assert "local times in Porto (time zone Europe/Lisbon)" in planner_page
    assert "09:00" in planner_page


@pytest.mark.django_db
def test_user_text_with_carriage_returns_and_long_lines_makes_a_valid_calendar(client):
    review_round, lead, _member, _host = make_round()
    day = add_day(review_round)
    day.location = "Rua\rNova,\r\n1; Porto " + "x" * 120
    day.save()
    add_session(day, topic="Interview\rwith the mayor; budget, climate")
    client.force_login(lead)

    content = client.get(reverse("peerreview:programme_ics", args=[review_round.pk])).content

    lines = content.split(b"\r\n")
    assert b"\r" not in b"\n".join(lines)  # every CR belongs to a CRLF line end
    assert all(len(line) <= 75 for line in lines)
    (event,) = parse(content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Porto 2026: Interview\nwith the mayor; budget, climate"
    assert str(event["LOCATION"]).startswith("Rua\nNova,\n1; Porto xxx")


@pytest.mark.django_db
def test_interviewees_with_an_address_get_their_own_invitation_and_its_update(
    client, django_capture_on_commit_callbacks
):
    review_round, lead, _member, _host = make_round()
    session = add_session(add_day(review_round), topic="Head of procurement")
    Interviewee.objects.create(
        session=session, role="procurement_head", name="Rui", email="rui@porto.example"
    )
    Interviewee.objects.create(session=session, role="buyer", name="No address")
    client.force_login(lead)

    with django_capture_on_commit_callbacks(execute=True):
        send(client, review_round)
    edit = edit_form_state(client, review_round, session)
    with django_capture_on_commit_callbacks(execute=True):
        data = session_post(session, start_time="10:00", end_time="11:00", **edit)
        data.update(
            {
                "interviewees-TOTAL_FORMS": "2",
                "interviewees-INITIAL_FORMS": "2",
                **{
                    f"interviewees-{i}-{key}": value
                    for i, person in enumerate(session.interviewees.order_by("role", "pk"))
                    for key, value in {
                        "id": person.pk,
                        "role": person.role,
                        "name": person.name,
                        "email": person.email,
                    }.items()
                },
            }
        )
        client.post(reverse("peerreview:session_edit", args=[review_round.pk, session.pk]), data)

    invitations = [m for m in mail.outbox if m.to == ["rui@porto.example"]]
    assert [m.subject for m in invitations] == [
        "Invitation: interview on 3 December 2026 in Porto",
        "Changed: interview on 3 December 2026 in Porto",
    ]
    assert "10:00–11:00 (Europe/Lisbon)" in invitations[1].body
    first, second = (events(parse(calendar_of(m)[0]))[session.calendar_uid] for m in invitations)
    assert (int(first["SEQUENCE"]), int(second["SEQUENCE"])) == (0, 1)
    # Sent: the address is not kept any longer than needed.
    assert set(SessionInvitation.objects.values_list("email", "status")) == {("", "sent")}


@pytest.mark.django_db
def test_sending_is_for_the_lead_and_coordinators_and_needs_a_session(client):
    review_round, lead, member, host = make_round()
    url = reverse("peerreview:programme_send", args=[review_round.pk])

    client.force_login(lead)
    empty = client.post(url, follow=True)
    client.force_login(member)
    by_member = client.post(url)
    client.force_login(host)
    by_host = client.post(url)

    assert "Add at least one session before sending the programme." in empty.content.decode()
    assert (by_member.status_code, by_host.status_code) == (403, 403)
    assert not Notification.objects.exists()


# --- who reads the panel's notes --------------------------------------------------------------


@pytest.mark.django_db
def test_the_city_reads_the_panels_notes_only_from_the_factual_check_and_only_shared_ones(client):
    review_round, lead, member, host = make_round()
    day = add_day(review_round, notes="Panel met at 8:00 to agree the focus.")
    add_session(day, notes="Working note: budget cycle too late.", share_notes_with_city=False)
    add_session(day, 13, 14, "Buyers", notes="Buyers value the model documents.", share_notes_with_city=True)

    def page_for(user, state) -> str:
        review_round.state = state
        review_round.save()
        client.force_login(user)
        return client.get(planner(review_round)).content.decode()

    during = page_for(host, RoundState.ASSESSMENT)
    at_check = page_for(host, RoundState.FACTUAL_CHECK)
    panel = page_for(member, RoundState.ASSESSMENT)

    assert (
        "budget cycle" not in during and "model documents" not in during and "agree the focus" not in during
    )
    assert "budget cycle" not in at_check and "model documents" in at_check
    assert "budget cycle" in panel and "model documents" in panel and "agree the focus" in panel


# --- the city's time zone -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_city_time_zone_is_an_iana_name_and_defaults_from_the_country():
    espoo = factories.CityFactory(name="Espoo", country="FI")
    ghent = factories.CityFactory(name="Ghent", country="BE")
    wrong = factories.CityFactory(name="Porto", country="PT")
    wrong.timezone = "Lisbon"

    with pytest.raises(ValidationError) as refused:
        wrong.full_clean()

    assert (espoo.timezone, ghent.timezone) == ("Europe/Helsinki", "Europe/Brussels")
    assert refused.value.message_dict["timezone"] == [
        "“Lisbon” is not a time zone name. Use an IANA name such as Europe/Lisbon."
    ]


def test_every_demo_city_has_its_own_time_zone():
    from demo import content as demo_content

    zones = {spec["name"]: spec["timezone"] for spec in demo_content.CITIES.values()}

    assert zones == {
        "Tampere": "Europe/Helsinki",
        "Espoo": "Europe/Helsinki",
        "Malmö": "Europe/Stockholm",
        "Gothenburg": "Europe/Stockholm",
        "Utrecht": "Europe/Amsterdam",
        "Ghent": "Europe/Brussels",
        "Porto": "Europe/Lisbon",
    }
    assert all(ZoneInfo(zone) for zone in zones.values())
