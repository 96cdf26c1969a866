"""The private calendar feed: due dates, open invitations and the sessions of sent programmes
across a person's rounds, from the same calendar code as the programme e-mail; revocable."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from peerreview.models import AssessmentDay, AssessmentProgramme, Session
from tests import factories

pytestmark = pytest.mark.django_db


def _feed_url(client, person) -> str:
    client.force_login(person)
    client.post(reverse("api_access:calendar_create"))
    page = client.get(reverse("api_access:tokens")).content.decode()
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    client.logout()
    return url[url.index("/calendar/") :]


def _sent_session(review_round, topic="Interview: procurement head"):
    day = AssessmentDay.objects.create(
        round=review_round, date=datetime.date(2027, 3, 2), location="City hall"
    )
    session = Session.objects.create(
        day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic=topic
    )
    AssessmentProgramme.objects.update_or_create(
        round=review_round, defaults={"sent_at": datetime.datetime(2027, 2, 1, tzinfo=datetime.UTC)}
    )
    return session


def _events(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_has_the_persons_deadlines_invitations_and_sessions(client, personas):
    review_round = personas.review_round
    review_round.state = "scoring"
    review_round.save()
    session = _sent_session(review_round)
    invitation = factories.AssignmentFactory(
        evaluator=personas.assigned_evaluator, state="invited", due_date=datetime.date(2027, 1, 15)
    )
    unrelated = factories.RoundFactory(title="Someone else's round")
    _sent_session(unrelated, topic="Not yours")
    url = _feed_url(client, personas.assigned_evaluator)

    events = _events(client.get(url))  # no login: calendar apps cannot sign in

    assert session.calendar_uid in events
    start = events[session.calendar_uid]["DTSTART"]
    assert start.params["TZID"] == review_round.host_city.tzinfo.key and start.dt.hour == 9
    assert f"round-{review_round.pk}-scoring_due@peer-review" in events
    assert (
        events[f"round-{review_round.pk}-scoring_due@peer-review"]["DTSTART"].dt == review_round.scoring_due
    )
    assert f"invitation-{invitation.pk}@peer-review" in events
    assert not any(str(event["SUMMARY"]).startswith("Someone else") for event in events.values())
    assert not any("Not yours" in str(event["SUMMARY"]) for event in events.values())


def test_an_unsent_programme_stays_out_and_the_host_city_sees_its_sessions(client, personas):
    review_round = personas.review_round
    review_round.state = "assessment"
    review_round.save()
    draft_day = AssessmentDay.objects.create(round=review_round, date=datetime.date(2027, 3, 2))
    draft = Session.objects.create(
        day=draft_day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Draft"
    )
    url = _feed_url(client, personas.host_member)
    assert draft.calendar_uid not in _events(client.get(url))
    AssessmentProgramme.objects.update_or_create(
        round=review_round, defaults={"sent_at": datetime.datetime(2027, 2, 1, tzinfo=datetime.UTC)}
    )
    assert draft.calendar_uid in _events(client.get(url))


def test_the_feed_is_in_the_persons_language(client, personas):
    personas.host_member.language = "fi"
    personas.host_member.save()
    url = _feed_url(client, personas.host_member)
    summaries = [str(e["SUMMARY"]) for e in _events(client.get(url)).values()]
    assert "Tampere 2026: Esiraportin määräpäivä" in summaries, summaries


def test_revoked_and_replaced_addresses_stop_working(client, personas):
    first = _feed_url(client, personas.host_member)
    assert client.get(first).status_code == 200
    second = _feed_url(client, personas.host_member)  # a new address replaces the old one
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    client.force_login(personas.host_member)
    client.post(reverse("api_access:calendar_revoke"))
    client.logout()
    assert client.get(second).status_code == 404
    assert client.get("/calendar/prc_guess.ics").status_code == 404


def test_the_feed_runs_a_fixed_number_of_queries(client, personas):
    url = _feed_url(client, personas.coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _sent_session(personas.review_round)
    client.get(url)  # the first read stamps the feed's last use (at most once a minute)
    one = count()
    for _ in range(10):
        other = factories.RoundFactory(state="assessment")
        _sent_session(other)
    assert count() == one
