"""What the platform told people: e-mail notifications (also listed on the dashboard)
and the reminders sent before and after due dates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .rounds import Round


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_dashboard(self, user) -> NotificationQuerySet:
        return self.filter(recipient=user).select_related("round").order_by("-created_at", "-pk")


class Notification(models.Model):
    """One message to one person. The row is created with a unique `dedupe_key` in the
    transaction of the change it tells about; the task that sends it claims it with a
    conditional update, so a task delivered twice sends one e-mail."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation to evaluate")
        INVITATION_REMINDER = "invitation_reminder", _("Invitation waiting for an answer")
        INVITATION_DECLINED = "invitation_declined", _("Invitation declined")
        INVITATION_UNANSWERED = "invitation_unanswered", _("Invitation not answered in time")
        PREREPORT_SUBMITTED = "prereport_submitted", _("Pre-report submitted")
        SCORES_IN = "scores_in", _("All scores in")
        ASSESSMENT_PROGRAMME = "assessment_programme", _("Assessment-day programme")
        FACTUAL_CHECK = "factual_check", _("Draft report ready for the factual check")
        REPORT_PUBLISHED = "report_published", _("Report published")
        REPEAT_ROUND_OPENED = "repeat_round_opened", _("Repeat round opened")
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Overdue step")
        DIGEST = "digest", _("New comments and mentions")
        PDF_FAILED = "pdf_failed", _("Report PDF could not be made")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will be retried")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    context = models.JSONField(_("details"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    read = models.BooleanField(_("read"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    enqueued_at = models.DateTimeField(
        _("enqueued again at"),
        null=True,
        blank=True,
        help_text=_("When the sweep last enqueued a notification that was still waiting to be sent."),
    )
    sending_since = models.DateTimeField(
        _("sending since"),
        null=True,
        blank=True,
        help_text=_("When a worker claimed it for sending; a row stuck in sending is retried by a sweep."),
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The back office's list, newest first (docs/performance.md).
            models.Index(fields=["-created_at", "-id"], name="notification_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"


class Reminder(models.Model):
    """A reminder about one step's due date, sent once: the unique key
    (round, step, due date, kind) is claimed before anything is sent."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Before the due date")
        OVERDUE = "overdue", _("Due date passed")
        ESCALATION = "escalation", _("Escalated to the coordinators")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reminders")
    step = models.CharField(_("step"), max_length=24)
    due_date = models.DateField(_("due date"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    days = models.SmallIntegerField(_("days before (+) or after (−) the due date"), default=0)
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "step", "due_date", "kind", "days"], name="reminder_once_per_step_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.step} {self.due_date} {self.kind} {self.days}"

    @property
    def step_label(self) -> str:
        """The step as people read it: a round state's label, or an evaluator's answer to an invitation."""
        from .rounds import RoundState

        if self.step.startswith("invitation-"):
            return str(_("An evaluator's answer to the invitation"))
        return str(RoundState(self.step).label) if self.step in RoundState.values else self.step
