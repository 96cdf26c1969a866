"""Telling people about a round: one `Notification` row per recipient, created in the
transaction of the change it tells about, and its e-mail sent by a task after commit.

Each row has a unique dedupe key, so the same event never produces two notifications;
the `send_notification` task claims the row before sending, so a task delivered twice
sends one e-mail. Sending never blocks or breaks the request: the task runs after
commit (in a worker, or in-process without a broker) and failures are logged.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from cities.models import User

from .. import background
from ..models import Assignment, Notification, Round, RoundState, SessionInvitation
from ..tasks import send_notification, send_session_invitation

logger = logging.getLogger(__name__)

K = Notification.Kind
N = Notification.Status
S = RoundState

# A notification is sent at most this many times: the task's own tries, then no more
# retries by the sweep of rows stuck in "sending".
MAX_SEND_ATTEMPTS = send_notification.max_retries + 1


def coordinators():
    return User.objects.filter(is_coordinator=True, is_active=True)


def host_members(review_round: Round):
    return User.objects.filter(memberships__city_id=review_round.host_city_id, is_active=True).distinct()


def panel_members(review_round: Round):
    return User.objects.filter(
        assignments__round=review_round, assignments__state=Assignment.State.ACCEPTED, is_active=True
    ).distinct()


def notify(
    *,
    kind: str,
    recipients: Iterable[User],
    review_round: Round | None,
    event_key: str,
    context: dict | None = None,
    in_background: bool = False,
) -> list[Notification]:
    """Record a notification for each recipient (once per `event_key` and person) and
    send their e-mails after the current transaction commits. `in_background`: for jobs that
    tell about many rounds at once: without a broker the e-mails go to the in-process background
    thread (`peerreview.background`) instead of being sent one by one inside the job's loop."""
    created = []
    for recipient in {user.pk: user for user in recipients}.values():
        notification, is_new = Notification.objects.get_or_create(
            dedupe_key=f"{kind}:{event_key}:{recipient.pk}",
            defaults={
                "recipient": recipient,
                "kind": kind,
                "round": review_round,
                "context": context or {},
            },
        )
        if is_new:
            created.append(notification)
    enqueue = _enqueue_in_background if in_background else send_notification.delay
    for notification in created:
        notification_id = notification.pk
        transaction.on_commit(lambda pk=notification_id: enqueue(pk), robust=True)
    return created


def _enqueue_in_background(notification_id: int) -> None:
    background.enqueue(send_notification, notification_id)


def _round_url(name: str, review_round: Round) -> str:
    return reverse(name, args=[review_round.pk])


def notify_invitation(assignment: Assignment) -> list[Notification]:
    return notify(
        kind=K.INVITATION,
        recipients=[assignment.evaluator],
        review_round=assignment.round,
        event_key=f"assignment-{assignment.pk}",
        context={
            "path": reverse("peerreview:invitation_respond", args=[assignment.pk]),
            "role": assignment.role,  # a code: the e-mail shows its label in the recipient's language
        },
    )


def _suggestion_context(suggestion) -> dict:
    """The next suggested evaluator for a coordinators' e-mail: names and reasons as they are now
    (the e-mail is a snapshot; the panel page ranks again when opened)."""
    if suggestion is None:
        return {}
    profile, reasons = suggestion
    return {
        "suggestion_name": profile.user.full_name or profile.user.email,
        "suggestion_city": profile.home_city.name,
        "suggestion_reasons": [reason.text for reason in reasons if reason.good][:4],
    }


def _panel_context(assignment: Assignment, suggestion=None) -> dict:
    """What the coordinators' messages about an invitation share: the panel page, the evaluator
    and who to ask next."""
    return {
        "path": _round_url("peerreview:panel_manage", assignment.round),
        "evaluator_name": assignment.evaluator.full_name or assignment.evaluator.email,
        **_suggestion_context(suggestion),
    }


def notify_declined(assignment: Assignment, suggestion=None) -> list[Notification]:
    """Tell the coordinators that an evaluator declined, with the reason and who to ask next."""
    review_round = assignment.round
    return notify(
        kind=K.INVITATION_DECLINED,
        recipients=coordinators(),
        review_round=review_round,
        event_key=f"assignment-{assignment.pk}",
        context={**_panel_context(assignment, suggestion), "reason": assignment.decline_reason},
    )


def notify_unanswered(assignment: Assignment, suggestion=None, *, reminder_id: int) -> list[Notification]:
    """Tell the coordinators that an invitation was not answered by its date."""
    review_round = assignment.round
    return notify(
        kind=K.INVITATION_UNANSWERED,
        recipients=coordinators(),
        review_round=review_round,
        event_key=f"reminder-{reminder_id}",
        context={
            **_panel_context(assignment, suggestion),
            "due_date": assignment.due_date.isoformat() if assignment.due_date else "",
        },
    )


def notify_invitation_reminder(
    assignment: Assignment, *, reminder_id: int, days_left: int
) -> list[Notification]:
    return notify(
        kind=K.INVITATION_REMINDER,
        recipients=[assignment.evaluator],
        review_round=assignment.round,
        event_key=f"reminder-{reminder_id}",
        context={
            "path": reverse("peerreview:invitation_respond", args=[assignment.pk]),
            "role": assignment.role,
            "due_date": assignment.due_date.isoformat() if assignment.due_date else "",
            "days_left": days_left,
        },
    )


def notify_scores_in(review_round: Round) -> list[Notification]:
    return notify(
        kind=K.SCORES_IN,
        recipients=[
            *panel_members(review_round).filter(assignments__role=Assignment.Role.LEAD),
            *coordinators(),
        ],
        review_round=review_round,
        event_key=f"round-{review_round.pk}",
        context={"path": _round_url("peerreview:score_overview", review_round)},
    )


def notify_round_transition(review_round: Round, *, to_state: str, event_id: int) -> list[Notification]:
    """The notifications a state change sends (called by `transition_round` after it
    records the RoundEvent; `event_id` makes each change's notifications distinct)."""
    key = f"event-{event_id}"
    if to_state == S.PREREPORT_SUBMITTED:
        return notify(
            kind=K.PREREPORT_SUBMITTED,
            recipients=[*coordinators(), *panel_members(review_round)],
            review_round=review_round,
            event_key=key,
            context={"path": _round_url("peerreview:prereport_edit", review_round)},
        )
    # Entering the assessment step sends nothing: the lead sends the programme when it is
    # ready (`services.assessment.send_programme`), and updates follow each change.
    if to_state == S.FACTUAL_CHECK:
        return notify(
            kind=K.FACTUAL_CHECK,
            recipients=host_members(review_round),
            review_round=review_round,
            event_key=key,
            context={"path": reverse("reports:factual_check", args=[review_round.pk])},
        )
    if to_state == S.PUBLISHED:
        return notify(
            kind=K.REPORT_PUBLISHED,
            recipients=[*host_members(review_round), *panel_members(review_round), *coordinators()],
            review_round=review_round,
            event_key=key,
            context={"path": reverse("reports:report_view", args=[review_round.pk])},
        )
    return []


def notify_repeat_round_opened(review_round: Round) -> list[Notification]:
    """The job opens many rounds in one run: their e-mails are enqueued, never sent in its loop."""
    return notify(
        kind=K.REPEAT_ROUND_OPENED,
        recipients=[*host_members(review_round), *coordinators()],
        review_round=review_round,
        event_key=f"round-{review_round.pk}",
        context={"path": _round_url("peerreview:round_detail", review_round)},
        in_background=True,
    )


@dataclass(frozen=True)
class Outbox:
    """A table of e-mails each sent once by a task that claims its row first (pending → sending
    → sent, or failed and retried): people's notifications and interviewees' session invitations.
    The sweeps below keep both moving when the broker or a worker fails."""

    model: type[Notification] | type[SessionInvitation]
    task: Any
    label: str

    @property
    def max_attempts(self) -> int:
        # The task's own tries; past them the sweep of rows stuck in "sending" gives up.
        return self.task.max_retries + 1


NOTIFICATIONS = Outbox(Notification, send_notification, "Notification")
SESSION_INVITATIONS = Outbox(SessionInvitation, send_session_invitation, "Session invitation")


def requeue_pending(outbox: Outbox, *, now: datetime.datetime) -> list[int]:
    """Enqueue again the rows still "pending" NOTIFICATION_PENDING_MINUTES after they were made:
    their task never reached the broker (it was down when the request committed; the enqueue
    after commit is logged, never raised) or was lost. A second task for a row whose first one is
    merely late is harmless: the send claims the row first. Each row is enqueued at most once per
    period (`enqueued_at`). Returns the ids enqueued."""
    pending = outbox.model.Status.PENDING
    cutoff = now - datetime.timedelta(minutes=settings.NOTIFICATION_PENDING_MINUTES)
    due = list(
        outbox.model.objects.filter(status=pending, created_at__lt=cutoff)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    requeued = []
    for pk in due:
        if not outbox.model.objects.filter(pk=pk, status=pending).update(enqueued_at=now):
            continue
        try:
            outbox.task.delay(pk)
        except Exception:  # the broker is still down: the next sweep tries again
            logger.exception("%s %s: could not enqueue its e-mail; the next sweep retries", outbox.label, pk)
            break
        logger.warning("%s %s was still pending: enqueued again", outbox.label, pk)
        requeued.append(pk)
    return requeued


def retry_stuck(outbox: Outbox, *, now: datetime.datetime) -> list[int]:
    """Release the rows stuck in "sending" for longer than NOTIFICATION_STUCK_MINUTES (the worker
    died mid-send, so no task will finish them) and send each once more. Returns the ids retried.

    Each row is released with a conditional update (still sending, same claim time), so two
    sweeps at once retry it once; the release is recorded on the row (`last_error`) and
    logged. A row that has used up its attempts is left failed and not retried. The crash may
    have come after the SMTP server took the message, so a retry can repeat an e-mail: a rare
    duplicate is preferred to a message never sent."""
    status = outbox.model.Status
    cutoff = now - datetime.timedelta(minutes=settings.NOTIFICATION_STUCK_MINUTES)
    stuck = outbox.model.objects.filter(
        Q(sending_since__lt=cutoff) | Q(sending_since__isnull=True), status=status.SENDING
    ).values_list("pk", "sending_since", "attempts")
    retried = []
    for pk, since, attempts in stuck:
        gave_up = attempts >= outbox.max_attempts
        note = (
            f"Stuck in sending since {since.isoformat() if since else 'an unknown time'}: "
            f"the worker stopped mid-send. {'Not retried: no attempts left.' if gave_up else 'Retried by the sweep.'}"
        )
        with transaction.atomic():
            released = outbox.model.objects.filter(pk=pk, status=status.SENDING, sending_since=since).update(
                status=status.FAILED, last_error=note
            )
            if released != 1:
                continue  # sent or released meanwhile
            if gave_up:
                logger.error(
                    "%s %s stuck in sending after %d attempts: not retried", outbox.label, pk, attempts
                )
                continue
            logger.warning("%s %s stuck in sending since %s: retrying", outbox.label, pk, since)
            transaction.on_commit(lambda pk=pk: outbox.task.delay(pk), robust=True)
            retried.append(pk)
    return retried


def requeue_pending_notifications(*, now: datetime.datetime) -> list[int]:
    return requeue_pending(NOTIFICATIONS, now=now)


def requeue_pending_invitations(*, now: datetime.datetime) -> list[int]:
    return requeue_pending(SESSION_INVITATIONS, now=now)


def retry_stuck_notifications(*, now: datetime.datetime) -> list[int]:
    return retry_stuck(NOTIFICATIONS, now=now)


def retry_stuck_invitations(*, now: datetime.datetime) -> list[int]:
    return retry_stuck(SESSION_INVITATIONS, now=now)
