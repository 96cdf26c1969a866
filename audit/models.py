"""The audit trail: one append-only table for changes to round data (written by
django-auditlog, whose log-entry model this is: AUDITLOG_LOGENTRY_MODEL) and for events
that are not model changes (logins, failed logins, refusals, downloads, purges, privacy
requests).

Rows outlive what they describe: the round is a plain column (no foreign key), so a purged
round's trail stays; the actor link is nulled if a person is ever deleted, while the e-mail
written at the time stays. On PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE.
"""

from __future__ import annotations

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def for_round(self, round_id: int) -> AuditEntryQuerySet:
        return self.filter(round_id=round_id)

    def about_person(self, user) -> AuditEntryQuerySet:
        """Rows the person caused, rows about their own account, failed logins with their e-mail."""
        from django.contrib.auth import get_user_model
        from django.contrib.contenttypes.models import ContentType

        user_type = ContentType.objects.get_for_model(get_user_model())
        return self.filter(
            models.Q(actor=user)
            | models.Q(content_type=user_type, object_id=user.pk)
            | models.Q(attempted_email__iexact=user.email)
        )


class AuditEntryManager(LogEntryManager.from_queryset(AuditEntryQuerySet)):
    def log_create(self, instance, force_log: bool = False, **kwargs):
        """django-auditlog's entry, with the round the changed object belongs to."""
        from .rounds import MASKED_FIELDS, round_id_of

        kwargs.setdefault("round_id", round_id_of(instance))
        if instance._meta.label in MASKED_FIELDS:  # its str() shows personal data
            kwargs.setdefault("object_repr", f"{instance._meta.verbose_name} {instance.pk}")
        kwargs.setdefault("event", AuditEntry.Event.CHANGE)
        return super().log_create(instance, force_log=force_log, **kwargs)


class AuditEntry(AbstractLogEntry):
    class Event(models.TextChoices):
        CHANGE = "change", _("Change to round data")
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")
        LOCKOUT = "lockout", _("Account locked after failed sign-ins")
        MFA = "mfa", _("Two-step verification changed")
        FORBIDDEN = "forbidden", _("Refused (403)")
        DOWNLOAD = "download", _("File downloaded")
        PURGE = "purge", _("Round purged")
        PRIVACY_EXPORT = "privacy_export", _("Personal data downloaded")
        ERASURE_REQUESTED = "erasure_requested", _("Erasure requested")
        ERASURE_WITHDRAWN = "erasure_withdrawn", _("Erasure request withdrawn")
        ERASURE_COMPLETED = "erasure_completed", _("Person anonymised")
        API_ACCESS = "api_access", _("API token or calendar address changed")

    # Not every row is about a model instance (a failed login is not).
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kind of record"),
    )
    object_pk = models.CharField(_("record id"), max_length=255, blank=True, default="", db_index=True)
    object_repr = models.TextField(_("record"), blank=True, default="")
    action = models.PositiveSmallIntegerField(
        _("action"),
        choices=AbstractLogEntry.Action.choices,
        default=AbstractLogEntry.Action.ACCESS,
        db_index=True,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    event = models.CharField(_("event"), max_length=24, choices=Event.choices, db_index=True)
    round_id = models.BigIntegerField(_("round"), null=True, blank=True, db_index=True)
    attempted_email = models.CharField(_("e-mail tried"), max_length=254, blank=True, default="")
    path = models.CharField(_("address"), max_length=500, blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="")

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-timestamp", "-pk"]
        indexes = [
            models.Index(fields=["round_id", "-timestamp"], name="audit_round_time"),
            models.Index(fields=["actor", "-timestamp"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.event} {self.object_repr}"

    @property
    def changes_list(self) -> list[tuple[str, str, str]]:
        """(field, old, new) for a change row."""
        out = []
        for name, values in (self.changes or {}).items():
            if isinstance(values, list) and len(values) == 2:
                out.append((name, str(values[0]), str(values[1])))
            else:
                out.append((name, "", str(values)))
        return out


class ErasureRequest(models.Model):
    """A person's request to be erased (GDPR Art. 17), made on their account page and
    completed by a coordinator with anonymisation (audit.erasure). At most one is pending
    per person."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a coordinator")
        COMPLETED = "completed", _("Completed: the person is anonymised")
        WITHDRAWN = "withdrawn", _("Withdrawn by the person")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("person"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(
        _("message to the coordinators"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Optional. For example, a text in which your name appears that should be changed too. "
            "It is deleted when the request is completed."
        ),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("completed or withdrawn at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="pending"),
                name="erasure_one_pending_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_status_display()})"
