"""Assessment days: a programme of sessions with interviewees, each probing criteria.

Days and sessions are edited by several people (the lead, the coordinators), so each carries a
``version`` for conflict-checked saves (``services.versioning``) and an edit history. A session's
``sequence`` is its calendar revision: it goes up whenever what a calendar shows changes, so the
programme e-mails update the same event (same UID) instead of adding a second one.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from .framework import Criterion
from .rounds import Round

# At most this many assessment days unless a coordinator allows more (the process says 1–2).
DEFAULT_MAX_ASSESSMENT_DAYS = 2


class AssessmentProgramme(models.Model):
    """A round's programme as a whole: how many days it may have, and whether (and how
    often) it was sent. Before the lead sends it nobody gets an e-mail; after, every change
    sends an update (``revision`` counts the versions sent)."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="assessment_programme")
    max_days = models.PositiveSmallIntegerField(
        _("assessment days allowed"),
        default=DEFAULT_MAX_ASSESSMENT_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("The process foresees one or two days; a coordinator may allow more for this round."),
    )
    sent_at = models.DateTimeField(_("programme sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveIntegerField(_("versions sent"), default=0)

    class Meta:
        verbose_name = _("assessment programme")
        verbose_name_plural = _("assessment programmes")

    def __str__(self) -> str:
        return f"{self.round} – {self.revision}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


class AssessmentDay(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assessment_days")
    date = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The one-time token of the form that created the day: a double click creates one day.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment day")
        verbose_name_plural = _("assessment days")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.round} – {self.date}"


class SessionHistoryFields(models.Model):
    """What a session's history row keeps beside the session's own fields: the criteria it
    probed at that moment (a many-to-many set, which django-simple-history does not copy)."""

    criteria_codes = models.CharField(_("criteria probed"), max_length=2000, blank=True)

    class Meta:
        abstract = True


class Session(models.Model):
    day = models.ForeignKey(
        AssessmentDay, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("day")
    )
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    topic = models.CharField(_("topic"), max_length=300)
    criteria = models.ManyToManyField(
        Criterion, blank=True, related_name="+", verbose_name=_("criteria probed")
    )
    notes = models.TextField(_("notes"), blank=True)
    share_notes_with_city = models.BooleanField(
        _("share these notes with the city at the factual check"),
        default=False,
        help_text=_(
            "Notes are the panel's working notes. The host city never sees them during the assessment "
            "days; from the factual check on it sees the notes of sessions marked here."
        ),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Written once per save by the service (after the criteria and interviewees are set), so
    # a row shows the session as it was then, its criteria included (``history_extra``).
    history = HistoricalRecords(bases=[SessionHistoryFields])

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["day", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.start_time:%H:%M} {self.topic}"

    @property
    def calendar_uid(self) -> str:
        """Stable for the life of the session, whatever changes: calendars update the event."""
        return f"session-{self.pk}@peer-review"

    def history_extra(self) -> dict[str, str]:
        """The fields of a history row that are not the session's own (see SessionHistoryFields)."""
        if self.pk is None:
            return {"criteria_codes": ""}
        return {"criteria_codes": ", ".join(sorted(self.criteria.values_list("code", flat=True)))}

    def overlaps(self, other: Session) -> bool:
        return (
            self.pk != other.pk
            and self.day_id == other.day_id
            and self.start_time < other.end_time
            and other.start_time < self.end_time
        )


class CancelledSession(models.Model):
    """What a calendar needs to cancel a session that was sent and then deleted (or whose
    day was deleted): the update carries it as a cancelled event with the same UID."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="cancelled_sessions")
    uid = models.CharField(max_length=200, unique=True)
    sequence = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    topic = models.CharField(max_length=300)
    location = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cancelled session")
        verbose_name_plural = _("cancelled sessions")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.uid} (cancelled)"


class Interviewee(models.Model):
    """A person interviewed in a session. The name appears in the report only with consent;
    personal data is anonymised after a retention period."""

    class Role(models.TextChoices):
        POLITICAL = "political", _("Political leadership")
        MANAGEMENT = "management", _("City management")
        PROCUREMENT_HEAD = "procurement_head", _("Head of procurement")
        BUYER = "buyer", _("Buyer in a service area")
        CONTRACT_MANAGER = "contract_manager", _("Contract manager")
        BUSINESS = "business", _("Local business")
        OTHER = "other", _("Other")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="interviewees")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(
        _("e-mail"),
        blank=True,
        help_text=_("When given, the person gets an invitation to their session once the programme is sent."),
    )
    consent_to_name = models.BooleanField(_("agrees to be named in the report"), default=False)
    # When the person withdrew their consent to be named (services.retention.withdraw_consent):
    # the name leaves the report at once and its published PDF is made again without it.
    consent_withdrawn_at = models.DateTimeField(
        _("consent withdrawn at"), null=True, blank=True, editable=False
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # Edited by the lead and coordinators at once: conflict-checked saves (services.versioning)
    # and a history. The address is kept out of the history (it is needed only until the
    # invitation is sent); names there are erased with the row's (services.retention).
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["email", "anonymised_at"])

    class Meta:
        verbose_name = _("interviewee")
        verbose_name_plural = _("interviewees")
        ordering = ["session", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name or '—'}"

    @property
    def public_name(self) -> str:
        return self.name if self.consent_to_name and self.name else ""


class SessionInvitation(models.Model):
    """An interviewee's invitation to their session (or its update or cancellation), sent
    once per calendar revision: the unique key is claimed before anything is sent. The
    calendar is rendered when the row is created, so a later deletion still sends it; the
    address is erased once the message is sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will be retried")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="session_invitations")
    dedupe_key = models.CharField(max_length=200, unique=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="en")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    calendar = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the sweep last enqueued it again because it was still waiting (the broker was down
    # when it was made): at most once per period (peerreview.services.notifications).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # When a worker claimed it for sending: a row stuck in "sending" (the worker died mid-send)
    # is sent once more by the sweep, as notifications are.
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)

    class Meta:
        verbose_name = _("session invitation")
        verbose_name_plural = _("session invitations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.dedupe_key


@receiver(pre_create_historical_record, sender=Session.history.model, dispatch_uid="session-history-criteria")
def _session_history_criteria(sender, instance, history_instance, **kwargs) -> None:
    """A history row made by ``save()`` (creation, the back office) carries the criteria too."""
    for name, value in instance.history_extra().items():
        setattr(history_instance, name, value)


def session_bounds(session: Session, day: AssessmentDay, tz) -> tuple[datetime.datetime, datetime.datetime]:
    """A session's start and end as aware datetimes in the host city's time zone."""
    return (
        datetime.datetime.combine(day.date, session.start_time, tzinfo=tz),
        datetime.datetime.combine(day.date, session.end_time, tzinfo=tz),
    )
