"""The panel: evaluator assignments, individual scores and the panel's agreed scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .framework import MATURITY_LEVELS, Criterion
from .rounds import Round


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def accepted(self) -> AssignmentQuerySet:
        return self.filter(state=Assignment.State.ACCEPTED)

    def open_invitations_for(self, user) -> AssignmentQuerySet:
        return self.filter(evaluator=user, state=Assignment.State.INVITED).exclude(
            round__state__in=["published", "cancelled"]
        )


class Assignment(models.Model):
    """An evaluator invited to a round's panel. The evaluator never comes from the host city."""

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead evaluator")
        MEMBER = "member", pgettext_lazy("panel role", "Evaluator")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("round")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("evaluator"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(_("invitation"), max_length=10, choices=State.choices, default=State.INVITED)
    due_date = models.DateField(_("respond by"), null=True, blank=True)
    conflict_warnings = models.TextField(
        _("conflict warnings acknowledged"),
        blank=True,
        help_text=_("Warnings the coordinator saw and accepted when inviting."),
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    scores_submitted_at = models.DateTimeField(_("scores submitted at"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["round", "role", "pk"]  # the lead ("lead" < "member") first
        constraints = [
            models.UniqueConstraint(fields=["round", "evaluator"], name="assignment_unique_evaluator"),
            models.UniqueConstraint(
                fields=["round"],
                condition=models.Q(role="lead") & ~models.Q(state="declined"),
                name="assignment_one_lead_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} – {self.round}"

    @property
    def is_lead(self) -> bool:
        return self.role == self.Role.LEAD

    @property
    def has_submitted_scores(self) -> bool:
        return self.scores_submitted_at is not None


class Score(models.Model):
    """One evaluator's score of one criterion, hidden from the other evaluators
    until they have submitted their own."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    level = models.PositiveSmallIntegerField(
        pgettext_lazy("maturity", "score"), choices=MATURITY_LEVELS, null=True, blank=True
    )
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = pgettext_lazy("maturity", "score")
        verbose_name_plural = pgettext_lazy("maturity", "scores")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}/{self.criterion_id}: {self.level}"

    def is_complete(self) -> bool:
        return bool(self.comment.strip()) and (self.not_applicable or self.level is not None)


class AgreedScore(models.Model):
    """The panel's agreed score for a criterion, recorded by the lead evaluator."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="agreed_scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="agreed_scores")
    level = models.PositiveSmallIntegerField(
        _("agreed score"), choices=MATURITY_LEVELS, null=True, blank=True
    )
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    rationale = models.TextField(_("rationale"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords(excluded_fields=["recorded_at"])

    class Meta:
        verbose_name = _("agreed score")
        verbose_name_plural = _("agreed scores")
        constraints = [
            models.UniqueConstraint(fields=["round", "criterion"], name="agreed_score_unique_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.criterion_id}: {self.level}"
