"""Sending one notification by e-mail, in the recipient's language.

Called by the `send_notification` task. The notification row is claimed with a conditional
update (pending or failed → sending, stamping `sending_since`) that must change one row, so a
task delivered twice sends one e-mail. A failure is recorded on the row and raised for the
task to retry. A row left in "sending" by a worker that died mid-send is released by the
periodic sweep `notifications.retry_stuck_notifications`.
"""

from __future__ import annotations

import datetime
import logging
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst

from cities.request_id import mail_headers

from ..models import DUE_FIELD_BY_STATE, Assignment, Notification, Round, RoundState, SessionInvitation
from .calendar import programme_calendar, programme_sessions

logger = logging.getLogger(__name__)

N = Notification.Status


def calendar_part(content: bytes, filename: str) -> MIMEText:
    """A calendar attachment whose MIME type says what the file says (METHOD:PUBLISH), so
    mail programs offer to add the events instead of treating it as an unknown file."""
    part = MIMEText(content.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", "PUBLISH")
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def localised_details(details: dict) -> dict:
    """A notification's stored details with codes turned into labels and dates formatted in
    the active language: `role` (an assignment role), `step` (a round state), `due_field`
    (a Round due-date field, giving `due_label`) and `due_date` (ISO). Values that are not
    codes (rows written before codes were stored) are kept as they are."""
    details = dict(details)
    if details.get("role") in Assignment.Role.values:
        details["role"] = Assignment.Role(details["role"]).label
    if details.get("step") in RoundState.values:
        details["step"] = RoundState(details["step"]).label
    if details.get("due_field") in DUE_FIELD_BY_STATE.values():
        details["due_label"] = capfirst(Round._meta.get_field(details["due_field"]).verbose_name)
    if details.get("due_date"):
        try:
            details["due_date"] = date_format(datetime.date.fromisoformat(details["due_date"]), "DATE_FORMAT")
        except (TypeError, ValueError):
            pass
    return details


def render_plain(template_name: str, context: dict) -> str:
    """Render a plain-text template (subject, text body) without HTML escaping, so a
    round called "Åbo & Turku" is not written "Åbo &amp; Turku" in a text e-mail."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def build_message(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of a notification, rendered in the recipient's language."""
    recipient = notification.recipient
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {
            "recipient": recipient,
            "review_round": notification.round,
            "site_url": settings.SITE_URL.rstrip("/"),
            **localised_details(notification.context),
        }
        if notification.kind == Notification.Kind.ASSESSMENT_PROGRAMME and notification.round is not None:
            context["sessions"] = programme_sessions(notification.round)  # as they are when it is sent
        base = f"emails/{notification.kind}"
        subject = " ".join(render_plain(f"{base}.subject.txt", context).split())
        text = render_plain(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[recipient.email], headers=mail_headers())
    message.attach_alternative(html, "text/html")
    if notification.kind == Notification.Kind.ASSESSMENT_PROGRAMME and notification.round is not None:
        message.attach(calendar_part(programme_calendar(notification.round), "assessment-days.ics"))
    return message


def deliver_notification(notification_id: int) -> bool:
    """Send a notification's e-mail once. Returns False when there is nothing to do
    (already sent, being sent by another worker, or gone)."""
    claimed = Notification.objects.filter(pk=notification_id, status__in=[N.PENDING, N.FAILED]).update(
        status=N.SENDING, attempts=F("attempts") + 1, sending_since=timezone.now()
    )
    if claimed != 1:
        return False
    notification = Notification.objects.select_related("recipient", "round").get(pk=notification_id)
    try:
        message = build_message(notification)
        message.send()
    except Exception as error:
        Notification.objects.filter(pk=notification_id).update(status=N.FAILED, last_error=repr(error)[:2000])
        logger.warning("Sending notification %s failed: %r", notification_id, error)
        raise
    Notification.objects.filter(pk=notification_id).update(
        status=N.SENT, sent_at=timezone.now(), subject=message.subject[:300], last_error=""
    )
    return True


def deliver_session_invitation(invitation_id: int) -> bool:
    """Send an interviewee's session invitation once (claimed like a notification); the
    address is erased when it is sent, as the invitation is all it was kept for."""
    IS = SessionInvitation.Status
    claimed = SessionInvitation.objects.filter(pk=invitation_id, status__in=[IS.PENDING, IS.FAILED]).update(
        status=IS.SENDING, attempts=F("attempts") + 1, sending_since=timezone.now()
    )
    if claimed != 1:
        return False
    invitation = SessionInvitation.objects.get(pk=invitation_id)
    if not invitation.email:
        SessionInvitation.objects.filter(pk=invitation_id).update(status=IS.SENT, sent_at=timezone.now())
        return False
    try:
        message = EmailMultiAlternatives(
            subject=invitation.subject, body=invitation.body, to=[invitation.email], headers=mail_headers()
        )
        message.attach(calendar_part(invitation.calendar.encode("utf-8"), "session.ics"))
        message.send()
    except Exception as error:
        SessionInvitation.objects.filter(pk=invitation_id).update(
            status=IS.FAILED, last_error=repr(error)[:2000]
        )
        logger.warning("Sending session invitation %s failed: %r", invitation_id, error)
        raise
    SessionInvitation.objects.filter(pk=invitation_id).update(
        status=IS.SENT, sent_at=timezone.now(), email=""
    )
    return True
