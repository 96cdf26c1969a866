"""What the benchmark reads instead of every published round (`peerreview.network_tally`): per
criterion code, how many cities' latest published rounds agreed each level, and per theme code,
how many had each theme mean. Kept when a round is published, changed or withdrawn; rebuilt
from the rounds by `manage.py rebuild_synthesis_tallies`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cities.models import City

from .rounds import Round


class NetworkLatestRound(models.Model):
    """A city's latest published round as the tallies count it, and what it added to them (so a
    change subtracts exactly that). One row per city with a published round."""

    city = models.OneToOneField(City, on_delete=models.CASCADE, primary_key=True, related_name="+")
    # DO_NOTHING: deleting the round leaves the row to `network_tally.refresh_city` (the Round's
    # post_delete), which subtracts what it added; a cascade would lose that.
    round = models.ForeignKey(Round, on_delete=models.DO_NOTHING, related_name="+")
    levels = models.JSONField(default=dict)  # criterion code → agreed level
    theme_means = models.JSONField(default=dict)  # theme code → mean agreed level

    class Meta:
        verbose_name = _("latest published round of a city")
        verbose_name_plural = _("latest published rounds of the cities")

    def __str__(self) -> str:
        return f"{self.city_id}: {self.round_id}"


class NetworkTally(models.Model):
    """How many cities' latest published rounds have ``value`` for ``code``: an agreed level of
    a criterion, a theme mean, or (kind "cities", code "") the number of such cities."""

    class Kind(models.TextChoices):
        CRITERION = "criterion", _("criterion")
        THEME = "theme", _("theme")
        CITIES = "cities", _("cities")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField(max_length=20, blank=True)
    value = models.FloatField(default=0)
    rounds = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("network tally")
        verbose_name_plural = _("network tallies")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code", "value"], name="network_tally_unique_value")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} {self.value}: {self.rounds}"


class EvaluatorLoad(models.Model):
    """An evaluator's panels as the suggestions weigh them (`services.matching`), kept when
    their assignments or their rounds change (`services.evaluator_load`): ranking every
    evaluator then reads one row each, where counting them aggregated every assignment of the
    network (164,000 at EU scale, 270 ms for each panel page). The counts of the last year and
    the last two years are as of when the row was counted; `changes_at` is when one of the
    invitations they count leaves its window, and the row is counted again before it is read
    after that."""

    evaluator = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="panel_load"
    )
    open_panels = models.PositiveIntegerField(default=0)  # not declined, the round not closed
    year_panels = models.PositiveIntegerField(default=0)  # accepted in the last year, not cancelled
    rotation_panels = models.PositiveIntegerField(default=0)  # the same in the rotation period
    changes_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evaluator's load")
        verbose_name_plural = _("evaluators' loads")
        indexes = [
            models.Index(fields=["changes_at"], name="evaluator_load_changes_at"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator_id}: {self.open_panels} open"
