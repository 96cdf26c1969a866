"""Assessment days: a programme of sessions with interviewees, each probing criteria."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .framework import Criterion
from .rounds import Round


class AssessmentDay(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assessment_days")
    date = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("assessment day")
        verbose_name_plural = _("assessment days")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.round} – {self.date}"


class Session(models.Model):
    day = models.ForeignKey(AssessmentDay, on_delete=models.CASCADE, related_name="sessions")
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    topic = models.CharField(_("topic"), max_length=300)
    criteria = models.ManyToManyField(
        Criterion, blank=True, related_name="+", verbose_name=_("criteria probed")
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["day", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.start_time:%H:%M} {self.topic}"


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
    email = models.EmailField(_("e-mail"), blank=True)
    consent_to_name = models.BooleanField(_("agrees to be named in the report"), default=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("interviewee")
        verbose_name_plural = _("interviewees")
        ordering = ["session", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name or '—'}"

    @property
    def public_name(self) -> str:
        return self.name if self.consent_to_name and self.name else ""
