"""The programme synthesis: what the network's published rounds say together, for the
coordinators (the secretariat's message to national and EU level).

Everything here is an aggregate (kept in tallies, or computed by the database), or one page of
rows: the page, the PDF and the exports never load every round. Criteria are matched by their
codes across framework versions ("HOW.3" in each version), as in the library.

- `SynthesisFigures`: the counts the aggregates below are made from, read from the tallies
  `network.tallies` keeps per year (and month), country and framework version (so the page reads a few
  hundred rows however many rounds are published), or counted from rounds (`figures_of`);
- `maturity_distribution`: per criterion, how the agreed scores spread over the levels 0–4,
  with the mean and quartiles (from the counts);
- `heatmap_cells`: the agreed scores of one page of rounds (criteria × rounds);
- `common_areas_to_develop`: the criteria whose findings most often name an area to develop;
- `proposals_by_theme`: action proposals per theme with their follow-up status from repeat rounds;
- `island_messages`: every NOT AN ISLAND answer of a city and finding of a panel, under its heading
  (the criteria of the unscored themes: better regulation, better tools and support, better
  collaboration).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from peerreview.models import AgreedScore, Answer, Criterion, Round, RoundState
from peerreview.stats import LEVELS, Distribution
from reports.models import ActionProgress, ActionProposal, Finding

# The follow-up of an action proposal, as the synthesis groups it.
FOLLOW_UP_GROUPS = (
    ("implemented", _("Done")),
    ("in_progress", _("Under way")),
    ("not_started", _("Not started")),
    ("dropped", _("Dropped")),
    ("", _("Not yet followed up")),
)
FOLLOW_UP_LABELS = dict(FOLLOW_UP_GROUPS)
NO_THEME = ""
# The heatmap's colour key: each level's colour, and the two cells without a level.
HEAT_LEVELS = (
    (0, _("not in place")),
    (1, _("initial")),
    (2, _("defined")),
    (3, _("managed")),
    (4, _("leading")),
    ("na", _("not applicable")),
    ("none", _("not scored")),
)
COMMON_AREAS_LIMIT = 10

# Where an island message comes from, in the order it is shown within a round.
ISLAND_SOURCES = (
    ("answer", _("The city's answer")),
    ("strengths", _("Panel: strengths")),
    ("areas_to_develop", _("Panel: areas to develop")),
    ("good_practice", _("Panel: good practice")),
)
ISLAND_SOURCE_LABELS = dict(ISLAND_SOURCES)


@dataclass(frozen=True)
class SynthesisFilters:
    """Which published rounds the synthesis covers."""

    published_from: datetime.date | None = None
    published_to: datetime.date | None = None
    country: str = ""
    framework_id: int | None = None

    @classmethod
    def from_cleaned(cls, data: dict) -> SynthesisFilters:
        framework = data.get("framework")
        return cls(
            published_from=data.get("published_from"),
            published_to=data.get("published_to"),
            country=data.get("country") or "",
            framework_id=int(framework) if framework else None,
        )

    def as_query(self) -> dict[str, str]:
        """The filters as GET parameters (for links, the PDF's key and the exports)."""
        query = {}
        if self.published_from:
            query["published_from"] = self.published_from.isoformat()
        if self.published_to:
            query["published_to"] = self.published_to.isoformat()
        if self.country:
            query["country"] = self.country
        if self.framework_id:
            query["framework"] = str(self.framework_id)
        return query

    @property
    def is_filtered(self) -> bool:
        return bool(self.as_query())


def published_rounds(filters: SynthesisFilters) -> QuerySet[Round]:
    """The published rounds (with a published report) the filters select."""
    rounds = Round.objects.filter(state=RoundState.PUBLISHED, summary_report__published_at__isnull=False)
    if filters.published_from:
        rounds = rounds.filter(summary_report__published_at__date__gte=filters.published_from)
    if filters.published_to:
        rounds = rounds.filter(summary_report__published_at__date__lte=filters.published_to)
    if filters.country:
        rounds = rounds.filter(host_city__country=filters.country)
    if filters.framework_id:
        rounds = rounds.filter(framework_id=filters.framework_id)
    return rounds


def _ids(rounds: QuerySet[Round]) -> QuerySet:
    """The rounds as a subquery (``round_id IN (SELECT …)``), never as a list in Python."""
    return rounds.order_by().values("pk")


def rounds_page_queryset(rounds: QuerySet[Round]) -> QuerySet[Round]:
    """The rounds as heatmap rows, newest report first."""
    return (
        rounds.select_related("host_city", "framework")
        .annotate(report_published_at=F("summary_report__published_at"))
        .order_by("-summary_report__published_at", "-pk")
    )


# --- criteria by code ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionColumn:
    theme_code: str
    theme_title: str
    code: str
    title: str


@dataclass
class ThemeGroup:
    code: str
    title: str
    columns: list[CriterionColumn] = field(default_factory=list)


@dataclass
class CriteriaByCode:
    scored: list[CriterionColumn]
    unscored: list[CriterionColumn]  # the NOT AN ISLAND headings

    @property
    def theme_groups(self) -> list[ThemeGroup]:
        groups: list[ThemeGroup] = []
        for column in self.scored:
            if not groups or groups[-1].code != column.theme_code:
                groups.append(ThemeGroup(code=column.theme_code, title=column.theme_title))
            groups[-1].columns.append(column)
        return groups

    @property
    def titles(self) -> dict[str, str]:
        return {column.code: column.title for column in [*self.scored, *self.unscored]}

    @property
    def theme_titles(self) -> dict[str, str]:
        return {column.theme_code: column.theme_title for column in self.scored}


def criteria_by_code(rounds: QuerySet[Round]) -> CriteriaByCode:
    """The criteria of the framework versions the rounds used, one per code (the newest
    version's title), in the framework's order. One query."""
    criteria = (
        Criterion.objects.filter(theme__framework_id__in=rounds.order_by().values("framework_id"))
        .select_related("theme")
        .order_by("theme__order", "order", "-theme__framework__version", "pk")
    )
    scored: dict[str, CriterionColumn] = {}
    unscored: dict[str, CriterionColumn] = {}
    for criterion in criteria:
        target = scored if criterion.theme.is_scored else unscored
        target.setdefault(
            criterion.code,
            CriterionColumn(
                theme_code=criterion.theme.code,
                theme_title=criterion.theme.title,
                code=criterion.code,
                title=criterion.title,
            ),
        )
    return CriteriaByCode(scored=list(scored.values()), unscored=list(unscored.values()))


# --- maturity -----------------------------------------------------------------------------------


@dataclass
class SynthesisFigures:
    """The counts every aggregate of the synthesis is made from, for some published rounds:
    from the tallies (`network.tallies`) or counted from the rounds (`figures_of`); two sets of
    rounds that do not overlap add up (`add`)."""

    levels: dict[str, list[int]] = field(default_factory=dict)  # code → rounds at each level 0–4
    areas: dict[str, int] = field(default_factory=dict)  # code → reports naming an area to develop
    messages: dict[str, int] = field(default_factory=dict)  # heading code → NOT AN ISLAND messages
    themes: dict[str, str] = field(default_factory=dict)  # criterion code → theme code
    follow_up: dict[tuple[str, str], int] = field(default_factory=dict)  # (theme, status) → proposals

    def add(self, other: SynthesisFigures) -> SynthesisFigures:
        for code, counts in other.levels.items():
            mine = self.levels.setdefault(code, [0] * len(LEVELS))
            for level, count in enumerate(counts):
                mine[level] += count
        for target, source in ((self.areas, other.areas), (self.messages, other.messages)):
            for code, count in source.items():
                target[code] = target.get(code, 0) + count
        for key, count in other.follow_up.items():
            self.follow_up[key] = self.follow_up.get(key, 0) + count
        self.themes.update(other.themes)
        return self


def _level_counts(rounds: QuerySet[Round]) -> QuerySet:
    return (
        AgreedScore.objects.filter(
            round_id__in=_ids(rounds),
            not_applicable=False,
            level__isnull=False,
            criterion__theme__is_scored=True,
        )
        .values(code=F("criterion__code"), theme_code=F("criterion__theme__code"))
        .annotate(**{f"l{level}": Count("pk", filter=Q(level=level)) for level in LEVELS})
        .order_by()
    )


def _area_counts(rounds: QuerySet[Round]) -> QuerySet:
    return (
        Finding.objects.filter(report__round_id__in=_ids(rounds), criterion__theme__is_scored=True)
        .exclude(areas_to_develop="")
        .values(code=F("criterion__code"), theme_code=F("criterion__theme__code"))
        .annotate(reports=Count("report_id", distinct=True))
        .order_by()
    )


def figures_of(rounds: QuerySet[Round]) -> SynthesisFigures:
    """The figures counted from the rounds themselves (what the tallies store per bucket, and the
    rounds of a partly covered year). Six queries."""
    figures = SynthesisFigures()
    for row in _level_counts(rounds):
        figures.levels[row["code"]] = [row[f"l{level}"] for level in LEVELS]
        figures.themes[row["code"]] = row["theme_code"]
    for row in _area_counts(rounds):
        figures.areas[row["code"]] = row["reports"]
        figures.themes[row["code"]] = row["theme_code"]
    figures.messages = island_counts(rounds)
    figures.follow_up = follow_up_counts(rounds)
    return figures


def maturity_distribution(figures: SynthesisFigures) -> dict[str, Distribution]:
    """Per criterion code: the agreed scores' spread over the levels, mean and quartiles (from
    the counts: the same numbers as ``percentile_cont`` over the scores)."""
    distribution = {}
    for code, counts in figures.levels.items():
        n = sum(counts)
        if not n:
            continue
        row = {"n": n, "mean": sum(level * count for level, count in enumerate(counts)) / n}
        row |= {f"l{level}": count for level, count in enumerate(counts)}
        distribution[code] = Distribution.from_row(row)
    return distribution


@dataclass(frozen=True)
class Cell:
    level: int | None
    not_applicable: bool = False

    @property
    def css(self) -> str:
        if self.not_applicable:
            return "heat-na"
        return "heat-none" if self.level is None else f"heat-{self.level}"


EMPTY_CELL = Cell(level=None)


@dataclass
class HeatmapRow:
    review_round: Round
    cells: list[Cell]


def heatmap_rows(rounds: Iterable[Round], columns: list[CriterionColumn]) -> list[HeatmapRow]:
    """The agreed score of each criterion (by code) in each of these rounds (one page). One query."""
    rounds = list(rounds)
    scores = AgreedScore.objects.filter(
        round_id__in=[r.pk for r in rounds], criterion__theme__is_scored=True
    ).values_list("round_id", "criterion__code", "level", "not_applicable")
    by_key = {(round_id, code): Cell(level, na) for round_id, code, level, na in scores}
    return [
        HeatmapRow(
            review_round=review_round,
            cells=[by_key.get((review_round.pk, column.code), EMPTY_CELL) for column in columns],
        )
        for review_round in rounds
    ]


# --- areas to develop ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CommonArea:
    code: str
    title: str
    theme_code: str
    reports: int  # reports whose finding on the criterion names an area to develop
    distribution: Distribution | None

    @property
    def low_scores(self) -> int:
        """Rounds whose agreed score on the criterion is 0 or 1."""
        return sum(self.distribution.counts[:2]) if self.distribution else 0


def common_areas_to_develop(
    figures: SynthesisFigures,
    criteria: CriteriaByCode,
    distribution: dict[str, Distribution],
    *,
    limit: int = COMMON_AREAS_LIMIT,
) -> list[CommonArea]:
    """The scored criteria whose findings most often name an area to develop."""
    titles = criteria.titles
    ranked = sorted(((-count, code) for code, count in figures.areas.items() if count))[:limit]
    return [
        CommonArea(
            code=code,
            title=titles.get(code, ""),
            theme_code=figures.themes.get(code, ""),
            reports=-negative,
            distribution=distribution.get(code),
        )
        for negative, code in ranked
    ]


# --- action proposals and their follow-up ---------------------------------------------------------


def latest_follow_up() -> Subquery:
    """The status the newest (not cancelled) repeat round recorded for a proposal."""
    return Subquery(
        ActionProgress.objects.filter(proposal=OuterRef("pk"))
        .exclude(round__state=RoundState.CANCELLED)
        .order_by("-round_id")
        .values("status")[:1]
    )


def proposals_with_follow_up(rounds: QuerySet[Round]) -> QuerySet[ActionProposal]:
    return ActionProposal.objects.filter(report__round_id__in=_ids(rounds)).annotate(
        follow_up=Coalesce(latest_follow_up(), Value("", output_field=CharField()))
    )


@dataclass
class ThemeProgress:
    theme_code: str
    theme_title: str
    counts: dict[str, int] = field(default_factory=dict)  # follow-up status → proposals

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def followed_up(self) -> int:
        return self.total - self.counts.get("", 0)

    @property
    def groups(self) -> list[tuple[str, str, int, int]]:
        """(status, label, proposals, percent of the theme's proposals) in a fixed order."""
        total = self.total
        return [
            (status, str(label), self.counts.get(status, 0), round(100 * self.counts.get(status, 0) / total))
            if total
            else (status, str(label), 0, 0)
            for status, label in FOLLOW_UP_GROUPS
        ]


def follow_up_counts(rounds: QuerySet[Round]) -> dict[tuple[str, str], int]:
    """Action proposals per (theme code, latest follow-up status; "" not yet followed up). Two
    queries: the proposals per theme, and the latest progress row of each proposal (an anti-join:
    no newer row of a repeat round that was not cancelled) per theme and status."""
    theme = Coalesce(F("criterion__theme__code"), Value(NO_THEME))
    totals = (
        ActionProposal.objects.filter(report__round_id__in=_ids(rounds))
        .values(theme_code=theme)
        .annotate(n=Count("pk"))
        .order_by()
    )
    newer = ActionProgress.objects.filter(
        proposal_id=OuterRef("proposal_id"), round_id__gt=OuterRef("round_id")
    ).exclude(round__state=RoundState.CANCELLED)
    latest = (
        ActionProgress.objects.filter(proposal__report__round_id__in=_ids(rounds))
        .exclude(round__state=RoundState.CANCELLED)
        .filter(~Exists(newer))
        .values(
            theme_code=Coalesce(F("proposal__criterion__theme__code"), Value(NO_THEME)), follow_up=F("status")
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    followed: dict[str, int] = {}
    for row in latest:
        key = (row["theme_code"], row["follow_up"])
        counts[key] = counts.get(key, 0) + row["n"]
        followed[row["theme_code"]] = followed.get(row["theme_code"], 0) + row["n"]
    for row in totals:
        waiting = row["n"] - followed.get(row["theme_code"], 0)
        if waiting:
            counts[(row["theme_code"], "")] = waiting
    return counts


def proposals_by_theme(figures: SynthesisFigures, criteria: CriteriaByCode) -> list[ThemeProgress]:
    """Action proposals per theme, counted by their latest follow-up."""
    themes = criteria.theme_titles
    by_theme: dict[str, ThemeProgress] = {
        code: ThemeProgress(theme_code=code, theme_title=title) for code, title in themes.items()
    }
    for (theme_code, status), count in sorted(figures.follow_up.items()):
        if theme_code not in by_theme:
            title = "" if theme_code == NO_THEME else theme_code
            by_theme[theme_code] = ThemeProgress(theme_code=theme_code, theme_title=title)
        progress = by_theme[theme_code]
        progress.counts[status] = progress.counts.get(status, 0) + count
    return [progress for progress in by_theme.values() if progress.total]


# --- NOT AN ISLAND ------------------------------------------------------------------------------

ISLAND_COLUMNS = (
    "heading",
    "round_pk",
    "round_title",
    "city",
    "country",
    "language",
    "published",
    "source_order",
    "source",
    "text",
)


def _island_values(queryset: QuerySet, *, round_path: str, source: str, order: int, text: str) -> QuerySet:
    """One part of the union, its columns in `ISLAND_COLUMNS` order."""
    return queryset.values(
        heading=F("criterion__code"),
        round_pk=F(f"{round_path}_id"),
        round_title=F(f"{round_path}__title"),
        city=F(f"{round_path}__host_city__name"),
        country=F(f"{round_path}__host_city__country"),
        language=F(f"{round_path}__language"),
        published=F(f"{round_path}__summary_report__published_at"),
        source_order=Value(order, output_field=IntegerField()),
        source=Value(source, output_field=CharField()),
        text=F(text),
    ).order_by()


def island_messages(rounds: QuerySet[Round], heading: str | None = None) -> QuerySet:
    """Every non-empty NOT AN ISLAND answer and finding of the rounds, as dicts
    (`ISLAND_COLUMNS`), by heading, city, round and source. One query (a UNION)."""
    ids = _ids(rounds)
    answers = Answer.objects.filter(prereport__round_id__in=ids, criterion__theme__is_scored=False).exclude(
        narrative=""
    )
    findings = Finding.objects.filter(report__round_id__in=ids, criterion__theme__is_scored=False)
    if heading:
        answers = answers.filter(criterion__code=heading)
        findings = findings.filter(criterion__code=heading)
    parts = [
        _island_values(answers, round_path="prereport__round", source="answer", order=0, text="narrative")
    ]
    for order, (source, _label) in enumerate(ISLAND_SOURCES[1:], start=1):
        parts.append(
            _island_values(
                findings.exclude(**{source: ""}),
                round_path="report__round",
                source=source,
                order=order,
                text=source,
            )
        )
    return parts[0].union(*parts[1:], all=True).order_by("heading", "city", "round_pk", "source_order")


def island_rounds(rounds: QuerySet[Round], heading: str) -> QuerySet[Round]:
    """The rounds with at least one message under `heading`, in the order of the messages (city,
    then round): the page of the messages is a page of these rounds (`island_messages` of a few
    rounds), so a page never sorts every message of the network, only the rounds' keys."""
    answers = Answer.objects.filter(
        prereport__round_id=OuterRef("pk"), criterion__code=heading, criterion__theme__is_scored=False
    ).exclude(narrative="")
    written = reduce(or_, (~Q(**{source: ""}) for source, _label in ISLAND_SOURCES[1:]))
    findings = Finding.objects.filter(
        written, report__round_id=OuterRef("pk"), criterion__code=heading, criterion__theme__is_scored=False
    )
    return rounds.filter(Exists(answers) | Exists(findings)).order_by("host_city__name", "pk")


def island_counts(rounds: QuerySet[Round]) -> dict[str, int]:
    """Per heading (criterion code): how many island messages there are. Two queries."""
    ids = _ids(rounds)
    counts: dict[str, int] = {}
    for row in (
        Answer.objects.filter(prereport__round_id__in=ids, criterion__theme__is_scored=False)
        .exclude(narrative="")
        .values(code=F("criterion__code"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["code"]] = counts.get(row["code"], 0) + row["n"]
    sources = [source for source, _label in ISLAND_SOURCES[1:]]
    for row in (
        Finding.objects.filter(report__round_id__in=ids, criterion__theme__is_scored=False)
        .values(code=F("criterion__code"))
        .annotate(**{source: Count("pk", filter=~Q(**{source: ""})) for source in sources})
        .order_by()
    ):
        counts[row["code"]] = counts.get(row["code"], 0) + sum(row[source] for source in sources)
    return counts


@dataclass
class IslandHeading:
    code: str
    title: str
    count: int
    messages: list[dict] = field(default_factory=list)


def island_headings(criteria: CriteriaByCode, counts: dict[str, int]) -> list[IslandHeading]:
    return [
        IslandHeading(code=column.code, title=column.title, count=counts.get(column.code, 0))
        for column in criteria.unscored
    ]


# --- when the data last changed (the PDF's key) ---------------------------------------------------


def data_stamp(rounds: QuerySet[Round]) -> str:
    """What the synthesis of these rounds depends on that can change: which rounds there are
    (count, newest publication) and the latest follow-up recorded on their proposals. Two queries."""
    summary = rounds.order_by().aggregate(
        count=Count("pk", distinct=True),
        newest=Max("summary_report__published_at", output_field=DateTimeField()),
    )
    progress = ActionProgress.objects.filter(proposal__report__round_id__in=_ids(rounds)).aggregate(
        latest=Max("updated_at"), count=Count("pk")
    )
    parts = [summary["count"], summary["newest"], progress["latest"], progress["count"]]
    return "|".join("" if part is None else str(part) for part in parts)
