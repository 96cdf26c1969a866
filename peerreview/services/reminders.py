"""Reminders before and after due dates, and escalation of overdue steps.

A daily job calls `send_due_reminders(today)`. What is due is computed from the rounds'
due-date columns, not from messages waiting in the broker; each reminder is claimed by
creating a `Reminder` row whose unique key is (round, step, due date, kind, days), so a
reminder is sent once per step and due date, however often the job runs. After days
with the job down, the next run sends what is still relevant once: the nearest
"before" reminder if the date has not passed, else the overdue notice and escalation.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..models import DUE_FIELD_BY_STATE, Assignment, Notification, Reminder, Round, RoundState
from .notifications import coordinators, host_members, notify, panel_members

S = RoundState
R = Reminder.Kind


def pending_reminders(review_round: Round, today: datetime.date) -> list[tuple[str, int]]:
    """(kind, days) of the reminders due for the round's current step on `today`."""
    due = review_round.current_due_date
    if due is None or review_round.state == S.PLANNED:
        return []
    if today <= due:
        started = [
            days for days in settings.REMINDER_DAYS_BEFORE if due - datetime.timedelta(days=days) <= today
        ]
        return [(R.BEFORE, min(started))] if started else []
    reminders = [(R.OVERDUE, 0)]
    escalate_after = settings.REMINDER_ESCALATE_AFTER_DAYS
    if (today - due).days >= escalate_after:
        reminders.append((R.ESCALATION, escalate_after))
    return reminders


def step_recipients(review_round: Round):
    """Who has to act at the round's current step."""
    state = review_round.state
    if state in (S.PREREPORT_OPEN, S.FACTUAL_CHECK):
        return list(host_members(review_round))
    if state == S.SCORING:
        return list(
            panel_members(review_round).filter(
                assignments__round=review_round, assignments__scores_submitted_at__isnull=True
            )
        )
    if state in (S.ASSESSMENT, S.DRAFTING):
        return list(panel_members(review_round).filter(assignments__role=Assignment.Role.LEAD))
    return list(coordinators())


def send_due_reminders(today: datetime.date) -> list[Reminder]:
    """Send every reminder due on `today` that was not sent before; returns those sent."""
    sent = []
    rounds = Round.objects.active().exclude(state=S.PLANNED).select_related("host_city").order_by("pk")
    for review_round in rounds:
        for kind, days in pending_reminders(review_round, today):
            with transaction.atomic():
                reminder, created = Reminder.objects.get_or_create(
                    round=review_round,
                    step=review_round.state,
                    due_date=review_round.current_due_date,
                    kind=kind,
                    days=days,
                )
                if not created:
                    continue
                recipients = list(coordinators()) if kind == R.ESCALATION else step_recipients(review_round)
                notify(
                    kind=Notification.Kind.ESCALATION if kind == R.ESCALATION else Notification.Kind.REMINDER,
                    recipients=recipients,
                    review_round=review_round,
                    event_key=f"reminder-{reminder.pk}",
                    # Codes, not labels: the e-mail is rendered in each recipient's language
                    # (`mail.build_message` turns them into labels and a localised date).
                    context={
                        "due_field": DUE_FIELD_BY_STATE[review_round.state],
                        "due_date": review_round.current_due_date.isoformat(),
                        "reminder_kind": kind,
                        "days_left": (review_round.current_due_date - today).days,
                        "path": reverse("peerreview:round_detail", args=[review_round.pk]),
                        "step": review_round.state,
                    },
                )
                reminder.recipients = len(recipients)
                reminder.save(update_fields=["recipients"])
                sent.append(reminder)
    return sent


# --- invitations waiting for an answer --------------------------------------------------------


def invitation_step(assignment: Assignment) -> str:
    """The `Reminder.step` of an invitation: one series of reminders per invitation and date."""
    return f"invitation-{assignment.pk}"


def pending_invitation_reminders(assignment: Assignment, today: datetime.date) -> list[tuple[str, int]]:
    """(kind, days) due for an unanswered invitation on `today`: before its respond-by date (only
    reminders that fall after the invitation was sent), then once overdue."""
    due = assignment.due_date
    if due is None:
        return []
    if today <= due:
        invited_on = timezone.localdate(assignment.invited_at)
        started = [
            days
            for days in settings.REMINDER_DAYS_BEFORE
            if invited_on < due - datetime.timedelta(days=days) <= today
        ]
        return [(R.BEFORE, min(started))] if started else []
    return [(R.OVERDUE, 0)]


def send_invitation_reminders(today: datetime.date) -> list[Reminder]:
    """Remind evaluators of unanswered invitations; once the date has passed, also tell the
    coordinators, with the next suggested evaluator. Each once (a `Reminder` row claims it)."""
    from .matching import next_suggestion
    from .notifications import notify_invitation_reminder, notify_unanswered

    sent = []
    invitations = (
        Assignment.objects.filter(state=Assignment.State.INVITED, due_date__isnull=False)
        .exclude(round__state__in=[S.PUBLISHED, S.CANCELLED])
        .select_related("round__host_city", "evaluator")
        .order_by("pk")
    )
    for assignment in invitations:
        for kind, days in pending_invitation_reminders(assignment, today):
            with transaction.atomic():
                reminder, created = Reminder.objects.get_or_create(
                    round=assignment.round,
                    step=invitation_step(assignment),
                    due_date=assignment.due_date,
                    kind=kind,
                    days=days,
                )
                if not created:
                    continue
                notifications = notify_invitation_reminder(
                    assignment, reminder_id=reminder.pk, days_left=(assignment.due_date - today).days
                )
                if kind == R.OVERDUE:
                    notifications += notify_unanswered(
                        assignment, next_suggestion(assignment.round), reminder_id=reminder.pk
                    )
                reminder.recipients = len(notifications)
                reminder.save(update_fields=["recipients"])
                sent.append(reminder)
    return sent
