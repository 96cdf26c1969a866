"""Keeping the benchmark's counts (`network_tally`) when a round that is or was published, or
one of its agreed scores, changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import network_tally
from .models import AgreedScore, Round, RoundState


def _counts(review_round: Round) -> bool:
    """Whether the round is or was published (a round never published is not counted)."""
    return review_round.state == RoundState.PUBLISHED or review_round.published_at is not None


@receiver(post_save, sender=Round, dispatch_uid="peerreview-tally-round-saved")
@receiver(post_delete, sender=Round, dispatch_uid="peerreview-tally-round-deleted")
def round_changed(sender, instance: Round, **kwargs) -> None:
    if _counts(instance):
        network_tally.refresh_city(instance.host_city_id)


@receiver(post_save, sender=AgreedScore, dispatch_uid="peerreview-tally-score-saved")
@receiver(post_delete, sender=AgreedScore, dispatch_uid="peerreview-tally-score-deleted")
def agreed_score_changed(sender, instance: AgreedScore, **kwargs) -> None:
    """A published round's agreed score changed (rare: scores are final at publication)."""
    if AgreedScore.round.is_cached(instance) and instance.round.published_at is None:
        return  # scoring before publication: no query
    city_id = (
        Round.objects.filter(pk=instance.round_id, published_at__isnull=False)
        .values_list("host_city_id", flat=True)
        .first()
    )
    if city_id is not None:
        network_tally.refresh_city(city_id)
