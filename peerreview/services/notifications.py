"""Telling people about a round: one `Notification` row per recipient, created in the
transaction of the change it tells about, and its e-mail sent by a task after commit.

Each row has a unique dedupe key, so the same event never produces two notifications;
the `send_notification` task claims the row before sending, so a task delivered twice
sends one e-mail. Sending never blocks or breaks the request: the task runs after
commit (in a worker, or in-process without a broker) and failures are logged.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse

from cities.models import User

from ..models import Assignment, Notification, Round, RoundState
from ..tasks import send_notification

K = Notification.Kind
S = RoundState


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
) -> list[Notification]:
    """Record a notification for each recipient (once per `event_key` and person) and
    send their e-mails after the current transaction commits."""
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
    for notification in created:
        notification_id = notification.pk
        transaction.on_commit(lambda pk=notification_id: send_notification.delay(pk), robust=True)
    return created


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
            "role": str(assignment.get_role_display()),
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
    if to_state == S.ASSESSMENT:
        return notify(
            kind=K.ASSESSMENT_PROGRAMME,
            recipients=[*panel_members(review_round), *host_members(review_round)],
            review_round=review_round,
            event_key=key,
            context={"path": _round_url("peerreview:assessment_planner", review_round)},
        )
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
    return notify(
        kind=K.REPEAT_ROUND_OPENED,
        recipients=[*host_members(review_round), *coordinators()],
        review_round=review_round,
        event_key=f"round-{review_round.pk}",
        context={"path": _round_url("peerreview:round_detail", review_round)},
    )
