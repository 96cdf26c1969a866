"""A coordinator moves a round's dates in the UI and the reminders follow; a repeat round is
planned with proposed dates and its earlier panel is offered for re-invitation."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from peerreview.models import AssessmentDay, Reminder
from peerreview.services.reminders import send_due_reminders
from peerreview.services.rounds import schedule_repeat_round
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


def _form(review_round, **changes) -> dict:
    """The form as the page shows it (with the dates it started from), with `changes`."""
    data = {}
    for name in (
        "opens_on",
        "prereport_due",
        "scoring_due",
        "assessment_due",
        "report_due",
        "factual_check_due",
    ):
        value = getattr(review_round, name)
        data[f"base_{name}"] = value.isoformat() if value else ""
        data[name] = data[f"base_{name}"]
    data.update({name: value.isoformat() if value else "" for name, value in changes.items()})
    return data


@pytest.fixture
def coordinator(client):
    user = factories.CoordinatorFactory()
    client.force_login(user)
    return user


@pytest.fixture
def open_round():
    return factories.RoundFactory(
        state="prereport_open",
        opens_on=TODAY - datetime.timedelta(days=10),
        prereport_due=TODAY + datetime.timedelta(days=1),
        scoring_due=TODAY + datetime.timedelta(days=30),
    )


def test_moving_a_due_date_moves_its_reminders(client, coordinator, open_round):
    factories.MembershipFactory(city=open_round.host_city)
    assert [(r.kind, r.days) for r in send_due_reminders(TODAY)] == [("before", 1)]
    new_due = TODAY + datetime.timedelta(days=20)
    url = reverse("peerreview:round_dates", args=[open_round.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(open_round, prereport_due=new_due))
    assert response.status_code == 302
    open_round.refresh_from_db()
    assert open_round.prereport_due == new_due and open_round.current_due_date == new_due
    # The old date's reminders are history; the new date gets its own, at its time.
    assert send_due_reminders(TODAY + datetime.timedelta(days=1)) == []
    sent = send_due_reminders(new_due - datetime.timedelta(days=7))
    assert [(r.kind, r.days, r.due_date) for r in sent] == [("before", 7, new_due)]
    assert Reminder.objects.filter(round=open_round, due_date=new_due).count() == 1


def test_dates_stay_in_the_order_of_the_process(client, coordinator, open_round):
    url = reverse("peerreview:round_dates", args=[open_round.pk])
    response = client.post(url, _form(open_round, prereport_due=TODAY + datetime.timedelta(days=60)))
    assert response.status_code == 200
    assert "scoring_due" in response.context["form"].errors
    open_round.refresh_from_db()
    assert open_round.prereport_due == TODAY + datetime.timedelta(days=1)


def test_a_date_changed_meanwhile_is_not_overwritten(client, coordinator, open_round):
    page = _form(open_round, scoring_due=TODAY + datetime.timedelta(days=40))
    type(open_round).objects.filter(pk=open_round.pk).update(scoring_due=TODAY + datetime.timedelta(days=35))
    response = client.post(reverse("peerreview:round_dates", args=[open_round.pk]), page)
    assert response.status_code == 200
    assert "was changed by someone else meanwhile" in response.content.decode()
    open_round.refresh_from_db()
    assert open_round.scoring_due == TODAY + datetime.timedelta(days=35)
    # A colleague's change to another date is kept when this person changes a different one.
    page = _form(open_round, prereport_due=TODAY + datetime.timedelta(days=3))
    type(open_round).objects.filter(pk=open_round.pk).update(report_due=TODAY + datetime.timedelta(days=90))
    assert client.post(reverse("peerreview:round_dates", args=[open_round.pk]), page).status_code == 302
    open_round.refresh_from_db()
    assert open_round.report_due == TODAY + datetime.timedelta(days=90)
    assert open_round.prereport_due == TODAY + datetime.timedelta(days=3)


def test_assessment_days_keep_the_assessment_date(client, coordinator, open_round):
    open_round.assessment_due = TODAY + datetime.timedelta(days=60)
    open_round.save()
    AssessmentDay.objects.create(
        round=open_round, date=TODAY + datetime.timedelta(days=55), location="City hall"
    )
    response = client.post(
        reverse("peerreview:round_dates", args=[open_round.pk]),
        _form(open_round, assessment_due=TODAY + datetime.timedelta(days=50)),
    )
    assert response.status_code == 200
    assert "Assessment days are planned after" in response.content.decode()


def test_a_closed_round_keeps_its_dates(client, coordinator, open_round):
    open_round.state = "published"
    open_round.save()
    response = client.get(reverse("peerreview:round_dates", args=[open_round.pk]))
    assert response.status_code == 403
    assert "closed" in response.content.decode()


def test_a_repeat_round_is_planned_with_proposed_dates(open_round):
    open_round.state = "published"
    open_round.published_at = timezone.make_aware(datetime.datetime(2026, 6, 1, 12))
    open_round.repeat_interval_months = 18
    open_round.save()
    repeat = schedule_repeat_round(open_round)
    assert repeat.opens_on == datetime.date(2027, 12, 1)
    # The earlier round's rhythm: pre-report 11 days after opening, scoring 40 days.
    assert repeat.prereport_due == repeat.opens_on + datetime.timedelta(days=11)
    assert repeat.scoring_due == repeat.opens_on + datetime.timedelta(days=40)
    # Steps the earlier round had no date for get the defaults, in order.
    assert repeat.scoring_due <= repeat.assessment_due <= repeat.report_due <= repeat.factual_check_due


def test_the_repeat_rounds_panel_page_offers_the_earlier_panel(client, coordinator):
    previous = factories.published_round()
    lead = factories.AssignmentFactory(round=previous, role="lead").evaluator
    member = factories.AssignmentFactory(round=previous, role="member").evaluator
    factories.AssignmentFactory(round=previous, role="member", state="declined")
    previous.published_at = timezone.now()
    previous.save()
    repeat = schedule_repeat_round(previous)
    url = reverse("peerreview:panel_manage", args=[repeat.pk])
    response = client.get(url)
    offered = {profile.user_id: role for profile, _reasons, role in response.context["previous_panel"]}
    assert offered == {lead.pk: "lead", member.pk: "member"}
    page = response.content.decode()
    assert "The earlier review&#x27;s panel" in page or "The earlier review's panel" in page
    assert f'id="role-previous-{lead.evaluator_profile.pk}"' in page
    response = client.post(url, {"evaluator": lead.pk, "role": "lead", "due_date": ""})
    assert response.status_code == 302
    response = client.get(url)
    assert {p.user_id for p, _r, _role in response.context["previous_panel"]} == {member.pk}
