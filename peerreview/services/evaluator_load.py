"""Each evaluator's panels, kept as counts (`EvaluatorLoad`) for the ranking of suggestions.

What counts (the same rules `services.matching` weighs):
- open panels: invitations not declined, on rounds neither published nor cancelled;
- panels in the last year, and in the rotation period (two years): invitations accepted then,
  on rounds not cancelled.

`refresh_loads` counts some evaluators again from their assignments. It runs when an assignment
is saved or deleted, and when a round's step changes (`receivers`), in the same transaction, so
the ranking never misses a change that has been committed. Time moves the windows on: each row
says when its next counted invitation leaves one (`changes_at`), and `refresh_expired_loads`
counts those rows again before the ranking reads them (and every hour in the worker).
`rebuild_loads` counts everyone (`manage.py rebuild_evaluator_loads`, the demo's seeding)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from ..models import Assignment, EvaluatorLoad, RoundState

YEAR = datetime.timedelta(days=365)
ROTATION_YEARS = 2
ROTATION = datetime.timedelta(days=365 * ROTATION_YEARS)
CLOSED = (RoundState.PUBLISHED, RoundState.CANCELLED)

OPEN_PANEL = ~Q(state=Assignment.State.DECLINED) & ~Q(round__state__in=CLOSED)
COUNTED_PANEL = Q(state=Assignment.State.ACCEPTED) & ~Q(round__state=RoundState.CANCELLED)


def count_loads(evaluator_ids: Iterable[int] | None, now: datetime.datetime) -> list[EvaluatorLoad]:
    """The loads of these evaluators (None: of everyone with an assignment) counted from their
    assignments at `now`; an evaluator without any gets a row of zeros. One query."""
    assignments = Assignment.objects.order_by()
    ids = None if evaluator_ids is None else sorted(set(evaluator_ids))
    if ids is not None:
        assignments = assignments.filter(evaluator_id__in=ids)
    in_year = COUNTED_PANEL & Q(invited_at__gte=now - YEAR)
    in_rotation = COUNTED_PANEL & Q(invited_at__gte=now - ROTATION)
    rows = assignments.values("evaluator_id").annotate(
        open_panels=Count("pk", filter=OPEN_PANEL),
        year_panels=Count("pk", filter=in_year),
        rotation_panels=Count("pk", filter=in_rotation),
        first_in_year=Min("invited_at", filter=in_year),
        first_in_rotation=Min("invited_at", filter=in_rotation),
    )
    loads = {}
    for row in rows:
        leaves = [
            moment + window
            for moment, window in ((row["first_in_year"], YEAR), (row["first_in_rotation"], ROTATION))
            if moment is not None
        ]
        loads[row["evaluator_id"]] = EvaluatorLoad(
            evaluator_id=row["evaluator_id"],
            open_panels=row["open_panels"],
            year_panels=row["year_panels"],
            rotation_panels=row["rotation_panels"],
            changes_at=min(leaves) if leaves else None,
        )
    for evaluator_id in ids or ():
        loads.setdefault(evaluator_id, EvaluatorLoad(evaluator_id=evaluator_id))
    return [loads[evaluator_id] for evaluator_id in sorted(loads)]


FIELDS = ["open_panels", "year_panels", "rotation_panels", "changes_at"]


@transaction.atomic
def refresh_loads(evaluator_ids: Iterable[int], now: datetime.datetime | None = None) -> None:
    """Count these evaluators' loads again. Their rows are locked first (in id order), and
    counted after: two changes for one person at once are counted one after the other, the
    second with the first one's assignment committed, so the last count has both."""
    ids = sorted(set(evaluator_ids))
    if not ids:
        return
    EvaluatorLoad.objects.bulk_create([EvaluatorLoad(evaluator_id=pk) for pk in ids], ignore_conflicts=True)
    list(EvaluatorLoad.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    EvaluatorLoad.objects.bulk_update(count_loads(ids, now or timezone.now()), FIELDS)


def refresh_expired_loads(now: datetime.datetime | None = None) -> int:
    """Count again the loads one of whose invitations has left its window since they were
    counted (an index on `changes_at`: usually none or a few). Returns how many."""
    now = now or timezone.now()
    ids = list(EvaluatorLoad.objects.filter(changes_at__lt=now).values_list("pk", flat=True))
    refresh_loads(ids, now)
    return len(ids)


@transaction.atomic
def rebuild_loads(now: datetime.datetime | None = None) -> int:
    """Count every evaluator's load from all the assignments (one aggregate), written over the
    rows there are. On PostgreSQL the table is locked against writers first: a refresh under way
    commits before the count, and one that starts meanwhile waits and counts after it, so no
    count of this rebuild is older than a change it writes over. Returns how many evaluators
    have an assignment."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{EvaluatorLoad._meta.db_table}" IN EXCLUSIVE MODE')
    loads = count_loads(None, now or timezone.now())
    EvaluatorLoad.objects.bulk_create(
        loads, batch_size=5000, update_conflicts=True, unique_fields=["evaluator"], update_fields=FIELDS
    )
    # NOT EXISTS, not NOT IN: PostgreSQL runs a NOT IN over 417,000 assignments once per row.
    EvaluatorLoad.objects.filter(~Exists(Assignment.objects.filter(evaluator_id=OuterRef("pk")))).update(
        open_panels=0, year_panels=0, rotation_panels=0, changes_at=None
    )
    return len(loads)
