"""The repeat round opener, progress reporting, notifications and reminders, in-process."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from peerreview.models import Notification, Reminder, RoundEvent, RoundState
from peerreview.services.reminders import send_due_reminders
from peerreview.tasks import send_notification
from reports.models import ActionProgress, ActionProposal, SummaryReport
from reports.repeat import open_due_repeat_rounds
from tests import factories

TODAY = datetime.date(2027, 6, 1)


def make_repeat_round(*, previous_state="published", opens_on=TODAY, proposals=2):
    host = factories.CityFactory()
    previous = factories.RoundFactory(host_city=host, state=previous_state)
    report = SummaryReport.objects.create(round=previous)
    for number in range(1, proposals + 1):
        ActionProposal.objects.create(report=report, number=number, title=f"Proposal {number}")
    return factories.RoundFactory(
        host_city=host, framework=previous.framework, previous_round=previous, opens_on=opens_on
    )


@pytest.mark.django_db
def test_open_due_rounds_opens_a_due_round_once_with_the_earlier_proposals(
    django_capture_on_commit_callbacks,
):
    repeat = make_repeat_round()
    member = factories.MembershipFactory(city=repeat.host_city, user__language="fi").user

    with django_capture_on_commit_callbacks(execute=True):
        first = open_due_repeat_rounds(TODAY)
    second = open_due_repeat_rounds(TODAY)

    repeat.refresh_from_db()
    assert [r.pk for r in first] == [repeat.pk]
    assert second == []
    assert repeat.state == RoundState.PREREPORT_OPEN
    assert RoundEvent.objects.filter(round=repeat, to_state=RoundState.PREREPORT_OPEN).count() == 1
    assert repeat.prereport.answers.count() == 4
    assert sorted(ActionProgress.objects.filter(round=repeat).values_list("proposal__number", "status")) == [
        (1, "not_started"),
        (2, "not_started"),
    ]
    assert [message.to for message in mail.outbox] == [[member.email]]
    assert Notification.objects.get(recipient=member).status == Notification.Status.SENT


@pytest.mark.django_db
def test_open_due_rounds_skips_rounds_not_due_or_cancelled():
    not_yet = make_repeat_round(opens_on=TODAY + datetime.timedelta(days=1))
    previous_cancelled = make_repeat_round(previous_state="cancelled")
    cancelled = make_repeat_round()
    cancelled.state = RoundState.CANCELLED
    cancelled.save()

    assert open_due_repeat_rounds(TODAY) == []
    for review_round in (not_yet, previous_cancelled, cancelled):
        state = type(review_round).objects.values_list("state", flat=True).get(pk=review_round.pk)
        assert state in (RoundState.PLANNED, RoundState.CANCELLED)


@pytest.mark.django_db
def test_open_due_rounds_command_prints_what_it_opened_and_a_second_run_opens_nothing():
    repeat = make_repeat_round()
    first, second = io.StringIO(), io.StringIO()

    call_command("open_due_rounds", "--today", TODAY.isoformat(), stdout=first)
    call_command("open_due_rounds", "--today", TODAY.isoformat(), stdout=second)

    assert f"Opened round {repeat.pk}: {repeat.title}" in first.getvalue()
    assert "1 repeat round(s) opened for 2027-06-01." in first.getvalue()
    assert second.getvalue() == "0 repeat round(s) opened for 2027-06-01.\n"


@pytest.mark.django_db
def test_host_member_reports_progress_while_the_prereport_is_open(client):
    repeat = make_repeat_round(proposals=1)
    open_due_repeat_rounds(TODAY)
    member = factories.MembershipFactory(city=repeat.host_city).user
    item = ActionProgress.objects.get(round=repeat)
    client.force_login(member)

    response = client.post(
        reverse("reports:action_progress", args=[repeat.pk]),
        {f"status-{item.pk}": "implemented", f"evidence-{item.pk}": "Adopted by the council."},
    )

    item.refresh_from_db()
    assert response.status_code == 302
    assert (item.status, item.evidence, item.updated_by) == ("implemented", "Adopted by the council.", member)


@pytest.mark.django_db
def test_outsider_cannot_see_progress(client):
    repeat = make_repeat_round(proposals=1)
    client.force_login(factories.MembershipFactory().user)

    assert client.get(reverse("reports:action_progress", args=[repeat.pk])).status_code == 404


@pytest.mark.django_db
def test_a_notification_task_delivered_twice_sends_one_email():
    user = factories.UserFactory(language="sv")
    review_round = factories.RoundFactory()
    notification = Notification.objects.create(
        recipient=user, kind=Notification.Kind.REPORT_PUBLISHED, round=review_round, dedupe_key="test:1"
    )

    send_notification.apply(args=[notification.pk])
    send_notification.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert len(mail.outbox) == 1
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)
    assert notification.subject == mail.outbox[0].subject


@pytest.mark.django_db
def test_an_smtp_error_is_recorded_and_retried(settings, monkeypatch):
    import smtplib

    settings.CELERY_TASK_EAGER_PROPAGATES = False
    user = factories.UserFactory()
    notification = Notification.objects.create(
        recipient=user,
        kind=Notification.Kind.REPORT_PUBLISHED,
        round=factories.RoundFactory(),
        dedupe_key="t:2",
    )

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({user.email: (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    result = send_notification.apply(args=[notification.pk], retries=send_notification.max_retries)

    notification.refresh_from_db()
    assert result.failed()
    assert notification.status == Notification.Status.FAILED
    assert "no such user" in notification.last_error


@pytest.mark.django_db
def test_assessment_programme_has_a_calendar_attachment(django_capture_on_commit_callbacks):
    from peerreview.models import AssessmentDay, Session
    from peerreview.services.rounds import transition_round

    review_round = factories.RoundFactory(state=RoundState.SCORING)
    assignment = factories.AssignmentFactory(round=review_round, role="lead")
    assignment.scores_submitted_at = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    assignment.save()
    day = AssessmentDay.objects.create(round=review_round, date=datetime.date(2027, 2, 3), location="Hall")
    Session.objects.create(day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Strategy")

    with django_capture_on_commit_callbacks(execute=True):
        transition_round(review_round=review_round, to_state=RoundState.ASSESSMENT)

    assert len(mail.outbox) == 1
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert (name, mimetype) == ("assessment-days.ics", "text/calendar")
    assert "SUMMARY:" in content and "DTSTART:20270203T070000Z" in content


@pytest.mark.django_db
def test_reminders_after_days_down_are_each_sent_once(settings):
    settings.REMINDER_DAYS_BEFORE = [7, 1]
    settings.REMINDER_ESCALATE_AFTER_DAYS = 3
    factories.CoordinatorFactory()
    due = datetime.date(2027, 3, 20)
    review_round = factories.RoundFactory(state=RoundState.PREREPORT_OPEN, prereport_due=due)
    factories.MembershipFactory(city=review_round.host_city)
    days = [-10, -5, -5, -2, 0, 0, 2, 6, 6, 9]  # the job ran on these days only (beat down in between)

    sent = [(r.kind, r.days) for day in days for r in send_due_reminders(due + datetime.timedelta(days=day))]

    assert sent == [("before", 7), ("before", 1), ("overdue", 0), ("escalation", 3)]
    assert Reminder.objects.filter(round=review_round).count() == 4
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION).count() == 1
