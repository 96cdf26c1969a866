"""The repeat round opener, progress reporting, notifications and reminders, in-process."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from peerreview import background
from peerreview.models import Criterion, Notification, Reminder, RoundEvent, RoundState
from peerreview.services.reminders import send_due_reminders
from peerreview.services.rounds import TransitionError, transition_round
from peerreview.tasks import send_notification
from reports.models import ActionProgress, ActionProposal, SummaryReport
from reports.repeat import open_due_repeat_rounds, progress_items
from tests import factories
from tests.parallel import queued_tasks

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


@pytest.mark.django_db(transaction=True)
def test_open_due_rounds_opens_a_due_round_once_with_the_earlier_proposals():
    repeat = make_repeat_round()
    member = factories.MembershipFactory(city=repeat.host_city, user__language="fi").user

    first = open_due_repeat_rounds(TODAY)
    second = open_due_repeat_rounds(TODAY)
    background.wait_idle()  # no broker: the e-mails went to the in-process background thread

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
def test_open_due_rounds_enqueues_each_rounds_emails_and_sends_none_itself(
    broker_queue, django_capture_on_commit_callbacks
):
    repeats = [make_repeat_round(proposals=1) for _ in range(3)]
    members = [factories.MembershipFactory(city=repeat.host_city).user for repeat in repeats]
    coordinator = factories.CoordinatorFactory()

    with django_capture_on_commit_callbacks(execute=True):
        opened = open_due_repeat_rounds(TODAY)

    assert sorted(r.pk for r in opened) == sorted(r.pk for r in repeats)
    assert mail.outbox == []  # nothing sent inside the job
    tasks = queued_tasks(broker_queue)
    assert {task for task, _args in tasks} == {"peerreview.tasks.send_notification"}
    queued = sorted(args[0] for _task, args in tasks)
    expected = Notification.objects.filter(round__in=repeats, kind=Notification.Kind.REPEAT_ROUND_OPENED)
    assert queued == sorted(expected.values_list("pk", flat=True))
    assert {n.recipient for n in expected} == {*members, coordinator}
    assert set(expected.values_list("status", flat=True)) == {Notification.Status.PENDING}
    for notification_id in queued:  # what the worker does with them
        send_notification.apply(args=[notification_id])
    assert len(mail.outbox) == len(queued) == 6


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
def test_entering_the_assessment_step_sends_no_programme(django_capture_on_commit_callbacks):
    """The lead sends the programme when it is ready (tests/test_assessment_programme.py);
    entering the step used to send an empty calendar."""
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

    assert mail.outbox == []
    assert not Notification.objects.filter(kind=Notification.Kind.ASSESSMENT_PROGRAMME).exists()


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


# --- the framework version of the repeat round -------------------------------------------


def _newer_version(framework, *, codes, is_active=True):
    """A newer version of `framework` (same slug) with scored criteria WHY.<code>."""
    newer = factories.FrameworkFactory(
        slug=framework.slug, version=framework.version + 1, is_active=is_active
    )
    theme = factories.ThemeFactory(framework=newer, code="WHY", title="Why", order=1)
    for order, code in enumerate(codes, start=1):
        criterion = factories.CriterionFactory(theme=theme, code=code, order=order)
        for level in range(5):
            factories.LevelDescriptorFactory(criterion=criterion, level=level)
    return newer


def _criterion(framework, code):
    return Criterion.objects.get(theme__framework=framework, code=code)


@pytest.mark.django_db
def test_publish_form_offers_the_newest_framework_choice_and_publishing_records_it(client):
    coordinator = factories.CoordinatorFactory()
    review_round = factories.RoundFactory(state=RoundState.FACTUAL_CHECK)
    SummaryReport.objects.create(round=review_round)
    client.force_login(coordinator)
    url = reverse("reports:publish", args=[review_round.pk])

    page = client.get(url).content.decode()
    assert 'type="checkbox" name="repeat_with_newest_framework"' in page
    assert "newest version at the time it opens" in page  # the help text

    response = client.post(url, {"repeat_interval_months": "12", "repeat_with_newest_framework": "on"})

    assert response.status_code == 302
    review_round.refresh_from_db()
    repeat = review_round.repeat_rounds.get()
    assert (review_round.state, review_round.repeat_with_newest_framework) == (RoundState.PUBLISHED, True)
    assert (repeat.state, repeat.framework_id) == (RoundState.PLANNED, review_round.framework_id)
    detail = client.get(reverse("peerreview:round_detail", args=[review_round.pk])).content.decode()
    assert "with the framework's newest version" in detail


@pytest.mark.django_db
@pytest.mark.parametrize("months", ["11", "25", "0", "eighteen"])
def test_a_repeat_interval_outside_12_to_24_months_is_refused_at_the_field(client, months):
    review_round = factories.RoundFactory(state=RoundState.FACTUAL_CHECK)
    SummaryReport.objects.create(round=review_round)
    client.force_login(factories.CoordinatorFactory())

    response = client.post(
        reverse("reports:publish", args=[review_round.pk]), {"repeat_interval_months": months}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["repeat_interval_months"]
    assert f'value="{months}"' in response.content.decode()  # what the user typed is kept
    assert 'aria-describedby="' in response.content.decode() and "is-invalid" in response.content.decode()
    review_round.refresh_from_db()
    assert review_round.state == RoundState.FACTUAL_CHECK
    assert not review_round.repeat_rounds.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("months", [11, 25])
def test_the_publish_service_refuses_an_interval_outside_12_to_24_months(months):
    from django.core.exceptions import ValidationError

    from reports.services import publish_report

    review_round = factories.RoundFactory(state=RoundState.FACTUAL_CHECK)
    SummaryReport.objects.create(round=review_round)

    with pytest.raises(ValidationError) as error:
        publish_report(review_round=review_round, actor=None, repeat_interval_months=months)

    assert "repeat_interval_months" in error.value.message_dict
    assert not review_round.repeat_rounds.exists()


def _repeat_with_proposals_on_criteria(*, newest: bool):
    repeat = make_repeat_round(proposals=0)
    previous = repeat.previous_round
    previous.repeat_with_newest_framework = newest
    previous.save()
    report = SummaryReport.objects.get(round=previous)
    old = previous.framework
    ActionProposal.objects.create(report=report, number=1, title="Kept", criterion=_criterion(old, "WHY.2"))
    ActionProposal.objects.create(report=report, number=2, title="Gone", criterion=_criterion(old, "WHY.3"))
    ActionProposal.objects.create(report=report, number=3, title="General")
    return repeat


@pytest.mark.django_db
def test_repeat_round_opens_with_the_newest_framework_version_when_chosen(client):
    repeat = _repeat_with_proposals_on_criteria(newest=True)
    old = repeat.framework
    newer = _newer_version(old, codes=["WHY.1", "WHY.2", "WHY.9"])
    _newer_version(newer, codes=["WHY.1"], is_active=False)  # a draft version is not used

    assert [r.pk for r in open_due_repeat_rounds(TODAY)] == [repeat.pk]

    repeat.refresh_from_db()
    assert repeat.framework == newer
    answered = set(repeat.prereport.answers.values_list("criterion__theme__framework", flat=True))
    assert answered == {newer.pk}
    event = RoundEvent.objects.get(round=repeat, to_state=RoundState.PREREPORT_OPEN)
    assert event.display_note == "Repeat round opened on schedule, with the newest version of the framework."

    # The earlier proposals carry over; their criterion is matched by code in the new version.
    items = {item.proposal.title: item for item in progress_items(repeat)}
    assert sorted(items) == ["General", "Gone", "Kept"]
    assert items["Kept"].current_criterion == _criterion(newer, "WHY.2")
    assert items["Gone"].current_criterion is None
    assert items["General"].current_criterion is None

    member = factories.MembershipFactory(city=repeat.host_city).user
    client.force_login(member)
    page = client.get(reverse("reports:action_progress", args=[repeat.pk])).content.decode()
    assert "WHY.3 (not in this round's framework version)" in page
    item = items["Kept"]
    response = client.post(
        reverse("reports:action_progress", args=[repeat.pk]),
        {
            **{f"status-{i.pk}": "in_progress" for i in items.values()},
            **{f"evidence-{i.pk}": "" for i in items.values()},
            f"status-{item.pk}": "implemented",
        },
    )
    assert response.status_code == 302
    assert ActionProgress.objects.get(pk=item.pk).status == "implemented"


@pytest.mark.django_db
def test_repeat_round_keeps_the_same_framework_version_by_default():
    repeat = _repeat_with_proposals_on_criteria(newest=False)
    old = repeat.framework
    _newer_version(old, codes=["WHY.1"])

    open_due_repeat_rounds(TODAY)

    repeat.refresh_from_db()
    assert repeat.framework == old
    event = RoundEvent.objects.get(round=repeat, to_state=RoundState.PREREPORT_OPEN)
    assert event.note == "Repeat round opened on schedule."
    items = {item.proposal.title: item for item in progress_items(repeat)}
    assert items["Gone"].current_criterion == _criterion(old, "WHY.3")


@pytest.mark.django_db
def test_the_audit_note_of_the_opening_is_shown_in_the_readers_language():
    from django.utils import translation

    repeat = make_repeat_round(proposals=0)
    open_due_repeat_rounds(TODAY)
    event = RoundEvent.objects.get(round=repeat, to_state=RoundState.PREREPORT_OPEN)

    with translation.override("fi"):
        finnish = event.display_note
    with translation.override("sv"):
        swedish = event.display_note

    assert event.note == "Repeat round opened on schedule."  # stored once, in English
    # Translated when the catalogues have it (another engineer fills them); never the raw
    # text of a typed note.
    assert finnish and swedish
    typed = RoundEvent(note="Repeat round opened on schedule. Typed by hand.")
    assert typed.display_note == typed.note


# --- a round cancelled before its repeat opens -----------------------------------------------


@pytest.mark.django_db
def test_a_repeat_round_cancelled_before_it_opens_never_opens(django_capture_on_commit_callbacks):
    from peerreview.services.rounds import cancel_round, transition_round

    coordinator = factories.CoordinatorFactory()
    previous = factories.RoundFactory(state=RoundState.FACTUAL_CHECK)
    SummaryReport.objects.create(round=previous)
    factories.MembershipFactory(city=previous.host_city)
    transition_round(review_round=previous, to_state=RoundState.PUBLISHED, actor=coordinator)
    repeat = previous.repeat_rounds.get()
    assert repeat.state == RoundState.PLANNED

    cancel_round(review_round=repeat, reason="The city left the network.", actor=coordinator)
    mail.outbox.clear()
    later = repeat.opens_on + datetime.timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        opened = open_due_repeat_rounds(later)
        output = io.StringIO()
        call_command("open_due_rounds", "--today", later.isoformat(), stdout=output)

    repeat.refresh_from_db()
    assert opened == []
    assert output.getvalue() == f"0 repeat round(s) opened for {later.isoformat()}.\n"
    assert repeat.state == RoundState.CANCELLED
    assert not hasattr(repeat, "prereport") or repeat.prereport is None
    assert not ActionProgress.objects.filter(round=repeat).exists()
    assert not Notification.objects.filter(kind=Notification.Kind.REPEAT_ROUND_OPENED).exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_round_cancelled_while_the_opener_runs_is_not_opened():
    """The opener read the round as due, then a coordinator cancelled it: the claim fails."""
    from peerreview.services.repeat_rounds import due_repeat_rounds, open_repeat_round
    from peerreview.services.rounds import cancel_round

    repeat = make_repeat_round()
    (due,) = due_repeat_rounds(TODAY)
    cancel_round(review_round=repeat, reason="Merged with another round.", actor=None)

    assert open_repeat_round(due) is False
    repeat.refresh_from_db()
    assert repeat.state == RoundState.CANCELLED


# --- the previous round's agreed scores on the repeat round's pages ----------------------------


def _scoring_repeat_round(*, newer_framework: bool):
    """A repeat round at scoring whose previous round agreed WHY.1 = 4 and WHY.2 = N/A (WHY.3
    was left unscored). With `newer_framework` the repeat uses a newer framework version, so
    the previous scores are found by criterion code."""
    previous = factories.RoundFactory(state=RoundState.PUBLISHED)
    old = previous.framework
    factories.AgreedScoreFactory(round=previous, criterion=_criterion(old, "WHY.1"), level=4)
    factories.AgreedScoreFactory(
        round=previous, criterion=_criterion(old, "WHY.2"), level=None, not_applicable=True
    )
    framework = _newer_version(old, codes=["WHY.1", "WHY.2", "WHY.3"]) if newer_framework else old
    repeat = factories.RoundFactory(
        host_city=previous.host_city, framework=framework, previous_round=previous, state=RoundState.PLANNED
    )
    from peerreview.services.panel import ensure_scores
    from peerreview.services.rounds import prepare_prereport

    prepare_prereport(repeat)
    repeat.state = RoundState.SCORING
    repeat.save()
    lead = factories.AssignmentFactory(round=repeat, role="lead")
    for score in ensure_scores(lead):
        score.level = 1
        score.save()
    return repeat, lead


def _previous_cells_of_overview(page: str, repeat) -> list[str]:
    import re

    cells = []
    for code in ("WHY.1", "WHY.2", "WHY.3"):
        criterion = _criterion(repeat.framework, code)
        row = re.search(rf'<tr id="criterion-{criterion.pk}".*?</tr>', page, re.S).group(0)
        cells.append(re.findall(r'<td class="score-cell">\s*(.*?)\s*</td>', row, re.S)[-1])
    return cells


@pytest.mark.django_db
@pytest.mark.parametrize("newer_framework", [False, True], ids=["same-version", "newer-version"])
def test_repeat_round_sheet_and_overview_show_the_previous_agreed_scores(client, newer_framework):
    import re

    repeat, lead = _scoring_repeat_round(newer_framework=newer_framework)

    client.force_login(lead.evaluator)
    sheet = client.get(reverse("peerreview:scoring_sheet", args=[repeat.pk])).content.decode()
    client.force_login(factories.CoordinatorFactory())
    overview = client.get(reverse("peerreview:score_overview", args=[repeat.pk])).content.decode()

    previous_on_sheet = re.findall(
        r"Agreed score in the previous round:</strong>\s*(.*?)\s*</p>", sheet, re.S
    )
    assert previous_on_sheet == [
        "4 – leading (measured, improved, shared with peers)",
        "N/A – not applicable",
        "none recorded",
    ]
    assert "Agreed in the previous round" in overview
    assert _previous_cells_of_overview(overview, repeat) == ["4", "N/A", "–"]


@pytest.mark.django_db
def test_a_first_round_shows_no_previous_scores(client):
    repeat, lead = _scoring_repeat_round(newer_framework=False)
    repeat.previous_round = None
    repeat.save()

    client.force_login(lead.evaluator)
    sheet = client.get(reverse("peerreview:scoring_sheet", args=[repeat.pk])).content.decode()

    assert "Agreed score in the previous round" not in sheet


# --- notifications a crashed worker left in "sending" -------------------------------------------


@pytest.mark.django_db
def test_notifications_stuck_in_sending_are_retried_once_by_the_sweep(
    settings, caplog, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from peerreview.jobs import retry_stuck_sends
    from peerreview.services.notifications import MAX_SEND_ATTEMPTS

    settings.NOTIFICATION_STUCK_MINUTES = 15
    now = timezone.now()
    review_round = factories.RoundFactory()

    def notification(key, *, minutes_ago, attempts=1):
        return Notification.objects.create(
            recipient=factories.UserFactory(),
            kind=Notification.Kind.REPORT_PUBLISHED,
            round=review_round,
            dedupe_key=key,
            status=Notification.Status.SENDING,
            sending_since=now - datetime.timedelta(minutes=minutes_ago),
            attempts=attempts,
        )

    stuck = notification("stuck", minutes_ago=20)
    in_flight = notification("in-flight", minutes_ago=5)
    worn_out = notification("worn-out", minutes_ago=60, attempts=MAX_SEND_ATTEMPTS)

    with caplog.at_level("WARNING", logger="peerreview.services.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            retried = retry_stuck_sends.apply().get()
        with django_capture_on_commit_callbacks(execute=True):
            again = retry_stuck_sends.apply().get()

    for row in (stuck, in_flight, worn_out):
        row.refresh_from_db()
    assert retried == [stuck.pk]
    assert again == []
    assert [message.to for message in mail.outbox] == [[stuck.recipient.email]]
    assert (stuck.status, stuck.attempts, stuck.last_error) == (Notification.Status.SENT, 2, "")
    assert in_flight.status == Notification.Status.SENDING  # a worker may still be sending it
    assert worn_out.status == Notification.Status.FAILED
    assert "Not retried: no attempts left." in worn_out.last_error
    logged = caplog.text
    assert f"Notification {stuck.pk} stuck in sending since" in logged
    assert f"Notification {worn_out.pk} stuck in sending after {MAX_SEND_ATTEMPTS} attempts" in logged


@pytest.mark.django_db
def test_a_stuck_notification_whose_retry_fails_is_recorded_as_failed(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    import smtplib

    from django.utils import timezone

    from peerreview.services.notifications import retry_stuck_notifications

    settings.CELERY_TASK_EAGER_PROPAGATES = False
    row = Notification.objects.create(
        recipient=factories.UserFactory(),
        kind=Notification.Kind.REPORT_PUBLISHED,
        round=factories.RoundFactory(),
        dedupe_key="stuck-then-smtp",
        status=Notification.Status.SENDING,
        sending_since=timezone.now() - datetime.timedelta(hours=2),
        attempts=1,
    )

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        released = retry_stuck_notifications(now=timezone.now())

    row.refresh_from_db()
    assert released == [row.pk]
    assert row.status == Notification.Status.FAILED
    assert "connection lost" in row.last_error
    assert row.attempts > 1


# --- e-mail content ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", Notification.Kind.values)
@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_every_email_names_the_round_in_subject_text_and_html(kind, language):
    from peerreview.services.mail import build_message

    review_round = factories.RoundFactory(title="Åbo & Turku's 2027 <review>", host_city__name="Turku")
    notification = Notification(
        recipient=factories.UserFactory(language=language),
        kind=kind,
        round=review_round,
        dedupe_key=f"content:{kind}",
        context={
            "path": "/rounds/1/",
            "role": "lead",
            "step": "prereport_open",
            "due_field": "prereport_due",
            "due_date": "2027-03-20",
            "reminder_kind": "before",
            "days_left": 7,
        },
    )

    message = build_message(notification)
    text = message.body
    html = message.alternatives[0][0]

    assert "Åbo & Turku's 2027 <review>" in message.subject  # plain text is not HTML-escaped
    assert "Åbo & Turku's 2027 <review>" in text
    assert "Åbo &amp; Turku&#x27;s 2027 &lt;review&gt;" in html  # escaped in HTML, never markup
    assert "%(" not in message.subject + text + html
    if kind in (Notification.Kind.REMINDER, Notification.Kind.ESCALATION):
        assert "2027-03-20" not in text  # the date is written in the recipient's format
        assert "prereport_open" not in text and "prereport_due" not in text
    if kind == Notification.Kind.INVITATION:
        assert "Turku" in text and " lead." not in text  # the role's label, not its code


@pytest.mark.django_db
def test_coordinator_opens_a_repeat_round_early_with_the_earlier_proposals_carried_over(client):
    repeat = make_repeat_round(opens_on=TODAY + datetime.timedelta(days=200))
    coordinator = factories.CoordinatorFactory()
    client.force_login(coordinator)

    response = client.post(reverse("reports:open_repeat_round", kwargs={"round_id": repeat.pk}))

    repeat.refresh_from_db()
    assert response.status_code == 302
    assert repeat.state == RoundState.PREREPORT_OPEN
    assert ActionProgress.objects.filter(round=repeat).count() == 2
    assert RoundEvent.objects.get(round=repeat, to_state=RoundState.PREREPORT_OPEN).actor == coordinator


@pytest.mark.django_db
def test_a_plain_state_change_cannot_open_a_repeat_round():
    repeat = make_repeat_round()

    with pytest.raises(TransitionError):
        transition_round(review_round=repeat, to_state=RoundState.PREREPORT_OPEN)
    repeat.refresh_from_db()
    assert repeat.state == RoundState.PLANNED
