"""Keeping the programme synthesis's tallies (`network.tallies`) when a published round, its
report, agreed scores, findings, action proposals or their follow-up change."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from peerreview.models import AgreedScore, Round, RoundState
from reports.models import ActionProgress, ActionProposal, Finding, SummaryReport

from . import tallies
from .models import TalliedRound


@receiver(post_save, sender=Round, dispatch_uid="network-tally-round-saved")
@receiver(post_delete, sender=Round, dispatch_uid="network-tally-round-deleted")
def round_changed(sender, instance: Round, **kwargs) -> None:
    if instance.state == RoundState.PUBLISHED or instance.published_at is not None:
        tallies.refresh_round(instance.pk)
    if instance.state == RoundState.CANCELLED and instance.previous_round_id:
        # A cancelled repeat round's follow-up no longer counts for the earlier rounds' proposals.
        for round_id in (
            ActionProgress.objects.filter(round=instance)
            .values_list("proposal__report__round_id", flat=True)
            .distinct()
        ):
            tallies.refresh_if_tallied(round_id)


@receiver(post_save, sender=SummaryReport, dispatch_uid="network-tally-report-saved")
@receiver(post_delete, sender=SummaryReport, dispatch_uid="network-tally-report-deleted")
def report_changed(sender, instance: SummaryReport, **kwargs) -> None:
    if instance.published_at is not None:
        tallies.refresh_round(instance.round_id)
    else:
        tallies.refresh_if_tallied(instance.round_id)


@receiver(post_save, sender=AgreedScore, dispatch_uid="network-tally-score-saved")
@receiver(post_delete, sender=AgreedScore, dispatch_uid="network-tally-score-deleted")
def agreed_score_changed(sender, instance: AgreedScore, **kwargs) -> None:
    if AgreedScore.round.is_cached(instance) and instance.round.published_at is None:
        return  # scoring before publication: nothing counted yet, no query
    tallies.refresh_if_tallied(instance.round_id)


@receiver(post_save, sender=Finding, dispatch_uid="network-tally-finding-saved")
@receiver(post_delete, sender=Finding, dispatch_uid="network-tally-finding-deleted")
@receiver(post_save, sender=ActionProposal, dispatch_uid="network-tally-proposal-saved")
@receiver(post_delete, sender=ActionProposal, dispatch_uid="network-tally-proposal-deleted")
def report_part_changed(sender, instance: Finding | ActionProposal, **kwargs) -> None:
    if type(instance).report.is_cached(instance) and instance.report.published_at is None:
        return  # a draft's finding or proposal: nothing counted yet, no query
    round_id = (
        TalliedRound.objects.filter(round__summary_report__pk=instance.report_id)
        .values_list("round_id", flat=True)
        .first()
    )
    if round_id is not None:
        tallies.refresh_round(round_id)


@receiver(post_save, sender=ActionProgress, dispatch_uid="network-tally-progress-saved")
@receiver(post_delete, sender=ActionProgress, dispatch_uid="network-tally-progress-deleted")
def follow_up_changed(sender, instance: ActionProgress, **kwargs) -> None:
    """A repeat round recorded (or changed) its progress on an earlier round's proposal."""
    round_id = (
        ActionProposal.objects.filter(pk=instance.proposal_id)
        .values_list("report__round_id", flat=True)
        .first()
    )
    tallies.refresh_if_tallied(round_id)
