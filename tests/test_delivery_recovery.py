"""Delivery that recovers: notifications left "pending" (the broker was down when they were
made) are enqueued again by the sweep; a failing PDF render is recorded, retried with backoff by
a job (never by a request), shown to the coordinators, and the download page says so."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from peerreview.jobs import retry_stuck_sends
from peerreview.models import Notification, RoundState, SessionInvitation
from reports.jobs import retry_failed_pdfs
from reports.models import PdfRenderFailure, ReportPdf
from reports.services import get_or_create_report
from reports.tasks import render_report_pdf
from tests import factories

pytestmark = pytest.mark.django_db


def _pending(key: str, *, minutes_ago: int) -> Notification:
    row = Notification.objects.create(
        recipient=factories.UserFactory(),
        kind=Notification.Kind.REPORT_PUBLISHED,
        round=factories.RoundFactory(),
        dedupe_key=key,
    )
    Notification.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return row


def test_pending_notifications_are_enqueued_again_by_the_sweep(settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_PENDING_MINUTES = 10
    lost = _pending("lost", minutes_ago=30)
    fresh = _pending("fresh", minutes_ago=2)  # its task may still be on its way

    with django_capture_on_commit_callbacks(execute=True):
        enqueued = retry_stuck_sends.apply().get()

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert enqueued == [lost.pk]
    assert (lost.status, lost.attempts) == (Notification.Status.SENT, 1)
    assert [message.to for message in mail.outbox] == [[lost.recipient.email]]
    assert fresh.status == Notification.Status.PENDING and fresh.enqueued_at is None


def test_while_the_broker_is_down_a_pending_row_is_tried_once_per_period(settings, caplog):
    """The enqueue fails (logged, never raised); the row keeps waiting and the sweep does not
    hammer the broker: it tries again one period later."""
    from peerreview.config.celery import app
    from peerreview.services.notifications import requeue_pending_notifications

    settings.NOTIFICATION_PENDING_MINUTES = 10
    lost = _pending("lost", minutes_ago=30)
    now = timezone.now()
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.update(
        task_always_eager=False, broker_url="redis://127.0.0.1:1/0", broker_connection_retry=False
    )
    app.__dict__.pop("amqp", None)
    app._pool = None
    try:
        with caplog.at_level("ERROR", logger="peerreview.services.notifications"):
            tries = [
                requeue_pending_notifications(now=now + datetime.timedelta(minutes=minutes))
                for minutes in (0, 1, 11)
            ]
    finally:
        app.conf.update(task_always_eager=saved[0], broker_url=saved[1])
        app.__dict__.pop("amqp", None)
        app._pool = None
    lost.refresh_from_db()
    assert tries == [[], [], []]
    assert caplog.text.count(f"Notification {lost.pk}: could not enqueue") == 2  # at 0 and 11 minutes
    assert lost.status == Notification.Status.PENDING
    assert lost.enqueued_at == now + datetime.timedelta(minutes=11)


def _pending_invitation(key: str, *, minutes_ago: int) -> SessionInvitation:
    row = SessionInvitation.objects.create(
        round=factories.RoundFactory(),
        dedupe_key=key,
        email=f"{key}@porto.example",
        subject="Your interview on 3 December",
        body="Please come to the city hall.",
        calendar="BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n",
    )
    SessionInvitation.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return row


def test_pending_session_invitations_are_enqueued_again_by_the_sweep(
    settings, django_capture_on_commit_callbacks
):
    """An interviewee's invitation made while the broker was down waits as "pending" like a
    notification does; the same periodic sweep enqueues it again, and it is sent once."""
    settings.NOTIFICATION_PENDING_MINUTES = 10
    lost = _pending_invitation("lost", minutes_ago=30)
    fresh = _pending_invitation("fresh", minutes_ago=2)  # its task may still be on its way

    with django_capture_on_commit_callbacks(execute=True):
        retry_stuck_sends.apply().get()
        retry_stuck_sends.apply().get()  # a second sweep sends nothing more

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, lost.attempts, lost.email) == (SessionInvitation.Status.SENT, 1, "")
    assert lost.enqueued_at is not None
    assert [message.to for message in mail.outbox] == [["lost@porto.example"]]
    assert mail.outbox[0].subject == "Your interview on 3 December"
    assert fresh.status == SessionInvitation.Status.PENDING and fresh.enqueued_at is None


def test_while_the_broker_is_down_a_pending_invitation_is_tried_once_per_period(settings, caplog):
    from peerreview.config.celery import app
    from peerreview.services.notifications import requeue_pending_invitations

    settings.NOTIFICATION_PENDING_MINUTES = 10
    lost = _pending_invitation("lost", minutes_ago=30)
    now = timezone.now()
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.update(
        task_always_eager=False, broker_url="redis://127.0.0.1:1/0", broker_connection_retry=False
    )
    app.__dict__.pop("amqp", None)
    app._pool = None
    try:
        with caplog.at_level("ERROR", logger="peerreview.services.notifications"):
            tries = [
                requeue_pending_invitations(now=now + datetime.timedelta(minutes=minutes))
                for minutes in (0, 1, 11)
            ]
    finally:
        app.conf.update(task_always_eager=saved[0], broker_url=saved[1])
        app.__dict__.pop("amqp", None)
        app._pool = None
    lost.refresh_from_db()
    assert tries == [[], [], []]
    assert caplog.text.count(f"Session invitation {lost.pk}: could not enqueue") == 2  # at 0 and 11 minutes
    assert lost.status == SessionInvitation.Status.PENDING
    assert lost.enqueued_at == now + datetime.timedelta(minutes=11)


def test_a_session_invitation_stuck_in_sending_is_sent_once_more_by_the_sweep(
    settings, django_capture_on_commit_callbacks, caplog
):
    """A worker that died mid-send leaves the interviewee's invitation in "sending": the sweep
    releases it after NOTIFICATION_STUCK_MINUTES and sends it once more; a fresh claim (a worker
    still sending) and one with no attempts left are not touched by the retry."""
    from peerreview.services.notifications import SESSION_INVITATIONS

    settings.NOTIFICATION_STUCK_MINUTES = 30
    now = timezone.now()
    rows = {}
    for key, minutes_ago, attempts in (
        ("stuck", 60, 1),
        ("busy", 5, 1),
        ("worn-out", 60, SESSION_INVITATIONS.max_attempts),
    ):
        rows[key] = _pending_invitation(key, minutes_ago=minutes_ago)
        SessionInvitation.objects.filter(pk=rows[key].pk).update(
            status=SessionInvitation.Status.SENDING,
            sending_since=now - datetime.timedelta(minutes=minutes_ago),
            attempts=attempts,
        )

    with caplog.at_level("WARNING"), django_capture_on_commit_callbacks(execute=True):
        retry_stuck_sends()

    for row in rows.values():
        row.refresh_from_db()
    assert [message.to for message in mail.outbox] == [["stuck@porto.example"]]
    assert (rows["stuck"].status, rows["stuck"].attempts, rows["stuck"].email) == ("sent", 2, "")
    assert rows["busy"].status == "sending"
    assert rows["worn-out"].status == "failed" and "no attempts left" in rows["worn-out"].last_error
    assert f"Session invitation {rows['worn-out'].pk} stuck in sending after" in caplog.text


# --- report PDFs --------------------------------------------------------------------------------


@pytest.fixture
def broken_weasyprint(monkeypatch):
    """WeasyPrint (a third party) fails, as it does on a broken font or image."""
    import weasyprint

    def fail(self, *args, **kwargs):
        raise RuntimeError("font subsetting failed")

    monkeypatch.setattr(weasyprint.HTML, "render", fail)
    return monkeypatch


@pytest.fixture
def drafting_report(personas):
    review_round = personas.review_round
    review_round.state = RoundState.DRAFTING
    review_round.save()
    return get_or_create_report(review_round)


def test_a_failing_render_is_recorded_shown_and_retried_with_backoff(
    client, personas, drafting_report, broken_weasyprint, django_capture_on_commit_callbacks
):
    report = drafting_report
    with django_capture_on_commit_callbacks(execute=True):
        render_report_pdf.apply(args=[report.pk])

    failure = PdfRenderFailure.objects.get(report=report)
    assert failure.attempts == 1 and "font subsetting failed" in failure.last_error
    first_wait = failure.next_attempt_at - failure.last_failed_at
    assert first_wait == datetime.timedelta(minutes=5)
    told = Notification.objects.filter(kind=Notification.Kind.PDF_FAILED)
    assert {n.recipient for n in told} == {personas.coordinator}
    assert "could not be made" in mail.outbox[-1].subject

    # The download page says so, and does not queue a render from the request.
    client.force_login(personas.assigned_evaluator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get(reverse("reports:report_pdf", args=[report.round_id]))
    assert page.status_code == 503 and int(page["Retry-After"]) > 0
    assert "the secretariat has been told" in page.content.decode()
    assert callbacks == [] and PdfRenderFailure.objects.get(report=report).attempts == 1

    # Coordinators see it on their dashboard and on the round page.
    client.force_login(personas.coordinator)
    assert "could not be made" in client.get(reverse("peerreview:dashboard")).content.decode()
    assert (
        "could not be made"
        in client.get(reverse("peerreview:round_detail", args=[report.round_id])).content.decode()
    )

    # Not due yet: the job leaves it alone.
    assert retry_failed_pdfs.apply().get() == []
    # Due: tried again in the worker, fails again, waits twice as long; told only once.
    PdfRenderFailure.objects.filter(pk=failure.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_failed_pdfs.apply().get() == [report.pk]
    failure.refresh_from_db()
    assert failure.attempts == 2
    assert failure.next_attempt_at - failure.last_failed_at == datetime.timedelta(minutes=10)
    assert told.count() == 1

    # WeasyPrint works again: the next retry stores the PDF and clears the failure.
    broken_weasyprint.undo()
    PdfRenderFailure.objects.filter(pk=failure.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        retry_failed_pdfs.apply().get()
    assert not PdfRenderFailure.objects.filter(report=report).exists()
    assert ReportPdf.objects.filter(report=report).exists()
    assert client.get(reverse("reports:report_pdf", args=[report.round_id])).status_code == 200


def test_backoff_is_capped(settings):
    from reports.pdf_failures import backoff

    settings.PDF_RETRY_FIRST_MINUTES, settings.PDF_RETRY_MAX_MINUTES = 5, 360
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 10, 30)] == [5, 10, 20, 40, 360, 360]
