"""Retention: interviewees' names and contact data are erased a set time after publication."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from peerreview.models import AssessmentDay, Interviewee, RoundState, Session
from peerreview.services.retention import anonymise_interviewees
from reports.services import get_or_create_report
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 6, 1, 3, 30, tzinfo=datetime.UTC)


def _round_with_interviewees(*, state=RoundState.PUBLISHED, published_days_ago=None, people=2):
    review_round = factories.RoundFactory(state=state)
    if published_days_ago is not None:
        review_round.published_at = NOW - datetime.timedelta(days=published_days_ago)
        review_round.save()
    day = AssessmentDay.objects.create(
        round=review_round, date=datetime.date(2026, 11, 3), location="City hall"
    )
    session = Session.objects.create(
        day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Strategy"
    )
    for index in range(people):
        Interviewee.objects.create(
            session=session,
            role="buyer",
            name=f"Aino Virtanen {review_round.pk}-{index}",
            organisation="Facilities",
            email=f"aino{review_round.pk}-{index}@city.example",
            consent_to_name=True,
        )
    return review_round


def _personal(review_round):
    return list(
        Interviewee.objects.filter(session__day__round=review_round)
        .order_by("pk")
        .values_list("name", "email", "organisation", "consent_to_name", "anonymised_at")
    )


def test_interviewees_are_anonymised_after_the_retention_period_and_not_before(settings, caplog):
    settings.INTERVIEWEE_RETENTION_DAYS = 180
    due = _round_with_interviewees(published_days_ago=181, people=2)
    exactly = _round_with_interviewees(published_days_ago=180, people=1)  # the cut-off itself is due
    recent = _round_with_interviewees(published_days_ago=179)
    running = _round_with_interviewees(state=RoundState.DRAFTING)
    recent_before, running_before = _personal(recent), _personal(running)

    with caplog.at_level("INFO", logger="peerreview.services.retention"):
        count = anonymise_interviewees(now=NOW)

    assert count == 3
    assert _personal(due) == [("", "", "", False, NOW)] * 2
    assert _personal(exactly) == [("", "", "", False, NOW)]
    assert _personal(recent) == recent_before
    assert _personal(running) == running_before
    # The role stays: the report still counts interviewees by role.
    assert set(Interviewee.objects.filter(session__day__round=due).values_list("role", flat=True)) == {
        "buyer"
    }
    assert f"Anonymised 2 interviewees of round {due.pk}" in caplog.text
    assert f"Anonymised 1 interviewees of round {exactly.pk}" in caplog.text
    assert f"round {recent.pk}" not in caplog.text
    assert "Retention: anonymised 3 interviewees in total" in caplog.text

    caplog.clear()
    with caplog.at_level("INFO", logger="peerreview.services.retention"):
        assert anonymise_interviewees(now=NOW + datetime.timedelta(hours=1)) == 0
    assert _personal(due) == [("", "", "", False, NOW)] * 2  # the first stamp is kept
    assert "Retention: anonymised 0 interviewees in total" in caplog.text


def test_the_nightly_job_anonymises_with_the_current_time(settings):
    from peerreview.jobs import anonymise_old_interviewees

    settings.INTERVIEWEE_RETENTION_DAYS = 30
    review_round = _round_with_interviewees(published_days_ago=0, people=1)
    review_round.published_at = timezone.now() - datetime.timedelta(days=31)
    review_round.save()

    assert anonymise_old_interviewees.apply().get() == 1
    assert _personal(review_round)[0][:4] == ("", "", "", False)


def test_planner_and_report_show_anonymised_interviewees_without_their_data(client, settings):
    settings.INTERVIEWEE_RETENTION_DAYS = 180
    review_round = _round_with_interviewees(published_days_ago=200, people=2)
    get_or_create_report(review_round)
    name = Interviewee.objects.filter(session__day__round=review_round).first().name
    client.force_login(factories.CoordinatorFactory())
    planner_url = reverse("peerreview:assessment_planner", args=[review_round.pk])
    report_url = reverse("reports:report_view", args=[review_round.pk])

    before = client.get(planner_url).content.decode()
    assert name in before and "anonymised on" not in before

    anonymise_interviewees(now=NOW)
    planner = client.get(planner_url).content.decode()
    report = client.get(report_url).content.decode()

    assert name not in planner and "@city.example" not in planner and "Facilities" not in planner
    assert planner.count("anonymised on 1 June 2027") == 2
    assert "name not given" not in planner  # anonymised, not "never given"
    assert name not in report and "@city.example" not in report
    # The report still counts the interviewees by role, without names.
    row = re.search(r"<th scope=\"row\">Buyer in a service area</th>.*?</tr>", report, re.S).group(0)
    assert '<td class="text-end">2</td>' in row
