"""Purging a round: the only way a round leaves the database. Never from the pages or the
back office (there a round can only be cancelled); a coordinator runs
`manage.py purge_round ID --confirm`. Everything that belongs to the round goes, its stored
files (evidence, report PDFs) and its edit history too; the audit trail's rows about the round
stay (they have no foreign key to it) and one more row records the purge."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from auditlog.context import disable_auditlog
from django.db import models, router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from peerreview.models import Round

from .services import E, record

logger = logging.getLogger(__name__)


class PurgeRefused(Exception):
    """The round cannot be purged; `.problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class PurgePlan:
    review_round: Round
    rows: Counter = field(default_factory=Counter)  # model label → count
    files: list[tuple[object, str]] = field(default_factory=list)  # (storage, name)
    # django-simple-history's tables: (historical model, name of the original pk, pks)
    history: list[tuple[type[models.Model], str, list]] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        return {"rows": dict(sorted(self.rows.items())), "files": len(self.files)}


def _collect(review_round: Round) -> tuple[Collector, PurgePlan]:
    collector = Collector(using=router.db_for_write(Round))
    try:
        collector.collect([review_round])
    except (ProtectedError, RestrictedError) as error:
        blocking = getattr(error, "protected_objects", None) or getattr(error, "restricted_objects", [])
        items = sorted({f"{obj._meta.verbose_name} “{obj}”" for obj in blocking})
        raise PurgeRefused(
            [
                _("Other data still refers to this round: %(items)s. Purge or change that first.")
                % {"items": ", ".join(items[:10])}
            ]
        ) from error
    plan = PurgePlan(review_round=review_round)
    for model, instances in collector.data.items():
        instances = list(instances)
        plan.rows[model._meta.label] += len(instances)
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for instance in instances:
            for file_field in file_fields:
                value = getattr(instance, file_field.attname)
                if value:
                    plan.files.append((file_field.storage, str(value)))
        history = getattr(model, "history", None)
        if history is not None and hasattr(history, "model"):
            plan.history.append((history.model, model._meta.pk.name, [instance.pk for instance in instances]))
    for qs in collector.fast_deletes:
        plan.rows[qs.model._meta.label] += qs.count()
        file_fields = [f for f in qs.model._meta.concrete_fields if isinstance(f, models.FileField)]
        for file_field in file_fields:
            for name in qs.exclude(**{file_field.attname: ""}).values_list(file_field.attname, flat=True):
                plan.files.append((file_field.storage, name))
        history = getattr(qs.model, "history", None)
        if history is not None and hasattr(history, "model"):
            plan.history.append(
                (history.model, qs.model._meta.pk.name, list(qs.values_list("pk", flat=True)))
            )
    return collector, plan


def plan_purge(round_id: int) -> PurgePlan:
    """What purging would remove, without removing anything."""
    return _collect(Round.objects.get(pk=round_id))[1]


def purge_round(*, round_id: int, actor=None, reason: str = "") -> PurgePlan:
    """Delete the round and everything of it, then its files once the deletion is committed.
    Raises Round.DoesNotExist or PurgeRefused."""
    with transaction.atomic():
        review_round = Round.objects.select_for_update().get(pk=round_id)
        title, city = review_round.title, str(review_round.host_city)
        collector, plan = _collect(review_round)
        with disable_auditlog():  # one purge row, not one row per deleted answer
            collector.delete()
            for history_model, pk_name, pks in plan.history:
                history_model.objects.filter(**{f"{pk_name}__in": pks}).delete()
        record(
            event=E.PURGE,
            actor=actor,
            round_id=round_id,
            object_repr=f"{title} ({city})",
            reason=reason,
            details=plan.summary,
        )
        for storage, name in plan.files:
            transaction.on_commit(lambda storage=storage, name=name: _delete_file(storage, name))
    logger.warning("Round %s (%s) purged: %s", round_id, title, plan.summary)
    return plan


def _delete_file(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.exception("Purge: could not delete the stored file %s", name)
