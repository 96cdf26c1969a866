"""Benchmarking a city: its agreed scores per theme and criterion against the network's
distribution (median and quartiles), and its self-scores against the panel's (calibration).

The network is the latest published review of each *other* city (one round per city, so a city
reviewed often does not weigh more, and no city is compared with itself). A distribution is shown
only where at least ``BENCHMARK_MIN_ROUNDS`` of those rounds contribute a score; below that it is
withheld with the reason, so that no single other city's score can be read from it. Individual
scores of other cities are never shown. Criteria are matched by code across framework versions.

The network's figures come from counts kept when rounds are published (`network_tally`): per
criterion, how many latest rounds agreed each level; per theme, how many had each theme mean. The
quartiles are computed from those counts (the same numbers as ``percentile_cont`` over the rounds),
so a city's comparison reads a few hundred rows however large the network grows."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import AgreedScore, Answer, Criterion, Round, RoundState
from .network_tally import network_without
from .services.panel import ScoreOverview
from .stats import QUARTILES, percentile_from_value_counts

# A self-score this many levels or more away from the panel's agreed score is a large gap.
LARGE_GAP = 2


def minimum_rounds() -> int:
    return settings.BENCHMARK_MIN_ROUNDS


def comparison_rounds(review_round: Round) -> QuerySet[Round]:
    """The latest published round of every city other than the round's host city."""
    published = Round.objects.filter(state=RoundState.PUBLISHED, published_at__isnull=False)
    newer = published.filter(host_city=OuterRef("host_city"), published_at__gt=OuterRef("published_at"))
    return published.exclude(host_city_id=review_round.host_city_id).filter(~Exists(newer))


@dataclass(frozen=True)
class Spread:
    """The network's quartiles for one theme or criterion (numbers only, never whose)."""

    n: int
    q1: float | None
    median: float | None
    q3: float | None


def _position(value: float | None, spread: Spread | None) -> str:
    if value is None or spread is None or spread.q1 is None:
        return ""
    if value < spread.q1:
        return "below"
    if value > spread.q3:
        return "above"
    return "within"


POSITION_LABELS = {
    "below": gettext_lazy("below the network's lower quartile"),
    "within": gettext_lazy("within the network's middle half"),
    "above": gettext_lazy("above the network's upper quartile"),
}


def _withheld_reason(contributors: int, minimum: int) -> str:
    return ngettext(
        "Not shown: only %(count)d other city's published review scores this; the network's spread is shown "
        "from %(minimum)d on, so that no single city's score can be told.",
        "Not shown: only %(count)d other cities' published reviews score this; the network's spread is shown "
        "from %(minimum)d on, so that no single city's score can be told.",
        contributors,
    ) % {"count": contributors, "minimum": minimum}


@dataclass
class CriterionBenchmark:
    criterion: Criterion
    agreed: int | None
    agreed_not_applicable: bool
    self_score: int | None
    network: Spread | None
    contributors: int
    withheld_reason: str = ""

    @property
    def gap(self) -> int | None:
        """Self-score minus the panel's agreed score (positive: the city rated itself higher)."""
        if self.self_score is None or self.agreed is None:
            return None
        return self.self_score - self.agreed

    @property
    def gap_flag(self) -> str:
        """ "large", "small" or "" (no gap, or nothing to compare)."""
        if not self.gap:
            return ""
        return "large" if abs(self.gap) >= LARGE_GAP else "small"

    @property
    def gap_label(self) -> str:
        if self.gap is None:
            return "–"
        if self.gap == 0:
            return _("same as the panel")
        if self.gap > 0:
            return ngettext("%(n)d level above the panel", "%(n)d levels above the panel", self.gap) % {
                "n": self.gap
            }
        return ngettext("%(n)d level below the panel", "%(n)d levels below the panel", -self.gap) % {
            "n": -self.gap
        }

    @property
    def position(self) -> str:
        return _position(self.agreed, self.network)

    @property
    def position_label(self) -> str:
        return str(POSITION_LABELS.get(self.position, ""))


@dataclass
class ThemeBenchmark:
    code: str
    title: str
    mean_agreed: float | None
    network: Spread | None
    contributors: int
    withheld_reason: str = ""
    criteria: list[CriterionBenchmark] = field(default_factory=list)

    @property
    def position(self) -> str:
        return _position(self.mean_agreed, self.network)

    @property
    def position_label(self) -> str:
        return str(POSITION_LABELS.get(self.position, ""))


@dataclass
class Benchmark:
    review_round: Round
    minimum: int
    comparison_count: int  # other cities with a published review
    themes: list[ThemeBenchmark]

    @property
    def criteria(self) -> list[CriterionBenchmark]:
        return [criterion for theme in self.themes for criterion in theme.criteria]

    @property
    def shown(self) -> bool:
        """Whether any network figure is shown (else one reason says why for all)."""
        return any(theme.network for theme in self.themes) or any(c.network for c in self.criteria)

    @property
    def withheld_reason(self) -> str:
        if self.shown:
            return ""
        return _withheld_reason(self.comparison_count, self.minimum)

    @property
    def gaps(self) -> list[CriterionBenchmark]:
        return [criterion for criterion in self.criteria if criterion.gap_flag]


def _spread_of(counts: dict[float, int] | None) -> Spread | None:
    if not counts:
        return None
    return Spread(
        sum(counts.values()),
        *(percentile_from_value_counts(counts, fraction) for fraction in QUARTILES.values()),
    )


def benchmark(review_round: Round, overview: ScoreOverview | None = None) -> Benchmark:
    """The round's agreed and self-scores against the network. Five queries whatever the size of
    the network: the network's figures come from the counts `network_tally` keeps. Two, when the
    caller has the round's `score_overview` already (the report page): its rows hold the scored
    criteria, the agreed scores and the self-scores in the same order."""
    minimum = minimum_rounds()
    network = network_without(review_round.host_city_id)
    comparison_count = network.cities
    if overview is not None:
        criteria = [row.criterion for row in overview.rows]
        agreed = {row.criterion.pk: row.agreed for row in overview.rows if row.agreed is not None}
        self_scores = {row.criterion.pk: row.self_score for row in overview.rows}
    else:
        criteria = list(
            Criterion.objects.filter(theme__framework_id=review_round.framework_id, theme__is_scored=True)
            .select_related("theme")
            .order_by("theme__order", "order")
        )
        agreed = {a.criterion_id: a for a in AgreedScore.objects.filter(round=review_round)}
        self_scores = dict(
            Answer.objects.filter(prereport__round=review_round, not_applicable=False).values_list(
                "criterion_id", "self_score"
            )
        )
    enough = comparison_count >= minimum
    criterion_spreads = (
        {code: _spread_of(counts) for code, counts in network.criteria.items()} if enough else {}
    )
    theme_spreads = {code: _spread_of(counts) for code, counts in network.themes.items()} if enough else {}
    themes: list[ThemeBenchmark] = []
    for criterion in criteria:
        if not themes or themes[-1].code != criterion.theme.code:
            spread = theme_spreads.get(criterion.theme.code)
            contributors = spread.n if spread else 0
            themes.append(
                ThemeBenchmark(
                    code=criterion.theme.code,
                    title=criterion.theme.title,
                    mean_agreed=None,
                    network=spread if contributors >= minimum else None,
                    contributors=contributors,
                    withheld_reason=""
                    if contributors >= minimum
                    else _withheld_reason(contributors, minimum),
                )
            )
        score = agreed.get(criterion.pk)
        distribution = criterion_spreads.get(criterion.code)
        contributors = distribution.n if distribution else 0
        themes[-1].criteria.append(
            CriterionBenchmark(
                criterion=criterion,
                agreed=None if score is None or score.not_applicable else score.level,
                agreed_not_applicable=bool(score and score.not_applicable),
                self_score=self_scores.get(criterion.pk),
                network=distribution if contributors >= minimum else None,
                contributors=contributors,
                withheld_reason="" if contributors >= minimum else _withheld_reason(contributors, minimum),
            )
        )
    for theme in themes:
        levels = [c.agreed for c in theme.criteria if c.agreed is not None]
        theme.mean_agreed = statistics.fmean(levels) if levels else None
    return Benchmark(
        review_round=review_round, minimum=minimum, comparison_count=comparison_count, themes=themes
    )
