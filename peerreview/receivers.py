"""Keeping the benchmark's counts (`network_tally`) when a round that is or was published, or
one of its agreed scores, changes; and each evaluator's load (`services.evaluator_load`) when
one of their assignments, or the step of its round, changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import network_tally
from .models import AgreedScore, Assignment, Round, RoundState
from .services.evaluator_load import refresh_loads


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


# --- each evaluator's load (services.evaluator_load) -------------------------------------


@receiver(post_save, sender=Assignment, dispatch_uid="peerreview-load-assignment-saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="peerreview-load-assignment-deleted")
def assignment_changed(sender, instance: Assignment, **kwargs) -> None:
    refresh_loads([instance.evaluator_id])


@receiver(post_save, sender=Round, dispatch_uid="peerreview-load-round-saved")
def round_step_changed(sender, instance: Round, created: bool, update_fields=None, **kwargs) -> None:
    """A round closed, reopened or cancelled changes its panel's loads. A new round has no
    panel; a save of other fields (`update_fields` without the step) changes none."""
    if created or (update_fields is not None and "state" not in update_fields):
        return
    refresh_loads(Assignment.objects.filter(round_id=instance.pk).values_list("evaluator_id", flat=True))
