"""Each evaluator's panels kept counted (services.evaluator_load), counted once here from the
assignments there are, with the rules of that module as they are in this migration."""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def count_every_load(apps, schema_editor):
    from django.db.models import Count, Min, Q
    from django.utils import timezone

    Assignment = apps.get_model("peerreview", "Assignment")
    EvaluatorLoad = apps.get_model("peerreview", "EvaluatorLoad")
    now = timezone.now()
    year, rotation = datetime.timedelta(days=365), datetime.timedelta(days=730)
    counted = Q(state="accepted") & ~Q(round__state="cancelled")
    in_year = counted & Q(invited_at__gte=now - year)
    in_rotation = counted & Q(invited_at__gte=now - rotation)
    rows = (
        Assignment.objects.order_by()
        .values("evaluator_id")
        .annotate(
            open_panels=Count(
                "pk", filter=~Q(state="declined") & ~Q(round__state__in=["published", "cancelled"])
            ),
            year_panels=Count("pk", filter=in_year),
            rotation_panels=Count("pk", filter=in_rotation),
            first_in_year=Min("invited_at", filter=in_year),
            first_in_rotation=Min("invited_at", filter=in_rotation),
        )
    )
    loads = []
    for row in rows.iterator(chunk_size=5000):
        leaves = [
            moment + window
            for moment, window in ((row["first_in_year"], year), (row["first_in_rotation"], rotation))
            if moment is not None
        ]
        loads.append(
            EvaluatorLoad(
                evaluator_id=row["evaluator_id"],
                open_panels=row["open_panels"],
                year_panels=row["year_panels"],
                rotation_panels=row["rotation_panels"],
                changes_at=min(leaves) if leaves else None,
            )
        )
    EvaluatorLoad.objects.bulk_create(loads, batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [
        ("cities", "0014_user_full_name"),
        ("peerreview", "0022_latest_closed_rounds_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="EvaluatorLoad",
            fields=[
                (
                    "evaluator",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="panel_load",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("open_panels", models.PositiveIntegerField(default=0)),
                ("year_panels", models.PositiveIntegerField(default=0)),
                ("rotation_panels", models.PositiveIntegerField(default=0)),
                ("changes_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "evaluator's load",
                "verbose_name_plural": "evaluators' loads",
                "indexes": [models.Index(fields=["changes_at"], name="evaluator_load_changes_at")],
            },
        ),
        migrations.RunPython(count_every_load, migrations.RunPython.noop),
    ]
