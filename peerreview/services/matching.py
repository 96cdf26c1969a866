"""Matching evaluators to a round: a ranked list of suggestions with the reasons shown.

What a round needs (`round_needs`) comes from its own data: the city's weakest themes (lowest
mean self-score in the pre-report, or in a repeat round the lowest agreed scores of the earlier
review), the themes the city's guiding questions ask about (words of the question found in the
themes' and criteria's titles, in any of the three languages), and its working languages.

Every evaluator is scored in the database (`suggestions` annotates and orders an
`EvaluatorProfile` queryset), so the invite page shows a page of the ranking without loading the
pool: expertise in the weak and asked-about themes, a shared language, current workload and the
year's load against what the person can take, whether they reviewed this city before, declared
conflicts, reciprocal reviews and shared joint-procurement units, another evaluator from the
same city on the panel, how much their home city has reviewed lately (rotation), availability.
`reasons` turns one ranked row into the sentences the coordinator reads."""

from __future__ import annotations

import datetime
import re
import statistics
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.sql.constants import LOUTER
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_cte import CTE, with_cte

from cities.models import DeclaredConflict, EvaluatorProfile, JointProcurementUnit, split_codes

from ..models import AgreedScore, Answer, Assignment, Criterion, EvaluatorLoad, Round, RoundState, Theme
from .evaluator_load import refresh_expired_loads

WEAK_THEMES = 2
QUESTION_THEMES = 2

# Points of each reason in the ranking (the order the list is in, not shown to anyone).
WEIGHTS = {
    "weak": 6,
    "question": 4,
    "round_language": 4,
    "city_language": 2,
    "workload": -2,  # per open panel
    "reviewed_before": -4,
    "conflict": -20,
    "reciprocal": -6,
    "joint_unit": -6,
    "same_city_on_panel": -8,
    "rotation": -1,  # per panel of the home city in the last two years
    "full": -6,
    "unavailable": -30,
}


@dataclass
class RoundNeeds:
    weak_themes: list[tuple[str, str]] = field(default_factory=list)  # (code, title)
    question_themes: list[tuple[str, str, str]] = field(default_factory=list)  # (code, title, question)
    round_language: str = "en"
    city_languages: list[str] = field(default_factory=list)
    weak_source: str = ""  # "self" (pre-report) or "previous" (earlier review)

    @property
    def target_codes(self) -> list[str]:
        return list(
            dict.fromkeys([c for c, _t in self.weak_themes] + [c for c, _t, _q in self.question_themes])
        )


def _stems(text: str) -> set[str]:
    """Crude, language-independent stems: the first five letters of each word of 5+ letters."""
    return {word[:5] for word in re.findall(r"[^\W\d_]{5,}", (text or "").lower())}


def _theme_words(themes: list[Theme], criteria: list[Criterion]) -> dict[str, set[str]]:
    words: dict[str, set[str]] = {}
    fields = ("title_en", "title_fi", "title_sv")
    for theme in themes:
        words.setdefault(theme.code, set()).update(*(_stems(getattr(theme, name, "")) for name in fields))
    for criterion in criteria:
        words.setdefault(criterion.theme.code, set()).update(
            *(_stems(getattr(criterion, name, "")) for name in fields)
        )
    # Words several themes share ("procurement", "management") say nothing about which one is asked.
    seen: dict[str, int] = {}
    for stems in words.values():
        for stem in stems:
            seen[stem] = seen.get(stem, 0) + 1
    return {code: {stem for stem in stems if seen[stem] == 1} for code, stems in words.items()}


def round_needs(review_round: Round) -> RoundNeeds:
    """What the round asks of its evaluators. Four queries."""
    criteria = list(
        Criterion.objects.filter(theme__framework_id=review_round.framework_id, theme__is_scored=True)
        .select_related("theme")
        .order_by("theme__order", "order")
    )
    themes = list({criterion.theme.pk: criterion.theme for criterion in criteria}.values())
    titles = {theme.code: theme.title for theme in themes}
    needs = RoundNeeds(
        round_language=review_round.language,
        city_languages=split_codes(review_round.host_city.languages),
    )
    by_theme: dict[str, list[int]] = {}
    answers = Answer.objects.filter(
        prereport__round=review_round, criterion__theme__is_scored=True, self_score__isnull=False
    ).values_list("criterion__theme__code", "self_score")
    for code, level in answers:
        by_theme.setdefault(code, []).append(level)
    needs.weak_source = "self" if by_theme else ""
    if not by_theme and review_round.previous_round_id:
        for code, level in AgreedScore.objects.filter(
            round_id=review_round.previous_round_id, level__isnull=False, criterion__theme__is_scored=True
        ).values_list("criterion__theme__code", "level"):
            by_theme.setdefault(code, []).append(level)
        needs.weak_source = "previous" if by_theme else ""
    means = sorted((statistics.fmean(levels), code) for code, levels in by_theme.items() if code in titles)
    needs.weak_themes = [(code, titles[code]) for _mean, code in means[:WEAK_THEMES]]
    prereport = getattr(review_round, "prereport", None)
    questions = prereport.guiding_questions if prereport is not None else []
    words = _theme_words(themes, criteria)
    asked: dict[str, tuple[int, str]] = {}
    for question in questions:
        stems = _stems(question)
        for code, theme_stems in words.items():
            hits = len(stems & theme_stems)
            if hits and hits > asked.get(code, (0, ""))[0]:
                asked[code] = (hits, question)
    ranked = sorted(asked.items(), key=lambda item: (-item[1][0], item[0]))[:QUESTION_THEMES]
    needs.question_themes = [
        (code, titles[code], question) for code, (_hits, question) in ranked if code in titles
    ]
    return needs


def _code_pattern(code: str) -> str:
    """A regular expression for a code in a comma-separated field (PostgreSQL and SQLite)."""
    return rf"(^|[^A-Za-z0-9_.]){re.escape(code)}([^A-Za-z0-9_.]|$)"


def _hits(field_name: str, values: set[str], codes: list[str]) -> Case | Value:
    """How many of `codes` the row's field has (each matched by `_code_pattern`, any case),
    decided here for each of the field's distinct `values` (the forms write them in one order: a
    few dozen) and asked in SQL as "the field is one of these": eight case-insensitive patterns
    for each of 20,000 evaluators took 60 ms at EU scale. A value not among them (changed since
    they were read) has none."""
    patterns = [re.compile(_code_pattern(code), re.IGNORECASE) for code in codes]
    by_count: dict[int, list[str]] = {}
    for value in values:
        count = sum(1 for pattern in patterns if pattern.search(value))
        if count:
            by_count.setdefault(count, []).append(value)
    if not by_count:
        return Value(0, output_field=IntegerField())
    return Case(
        *[
            When(**{f"{field_name}__in": sorted(by_count[count])}, then=Value(count))
            for count in sorted(by_count, reverse=True)
        ],
        default=Value(0),
        output_field=IntegerField(),
    )


def _flag_exists(rows: QuerySet) -> Case:
    return Case(When(Exists(rows), then=Value(1)), default=Value(0), output_field=IntegerField())


def _flag(name: str) -> Case:
    return Case(When(**{name: True}, then=Value(1)), default=Value(0), output_field=IntegerField())


def suggestion_pool(
    review_round: Round, *, query: str = "", only_users: list[int] | None = None
) -> QuerySet[EvaluatorProfile]:
    """The evaluators `suggestions` ranks, unranked: what its paginator counts (counting the
    ranking would aggregate every evaluator's load for a number it does not change)."""
    host = review_round.host_city_id
    pool = (
        EvaluatorProfile.objects.filter(user__is_active=True)
        .exclude(home_city_id=host)
        .exclude(user__memberships__city_id=host)
        .exclude(user__assignments__round=review_round)
        .select_related("user")
        # Not joined: the ranking would read all 250,000 cities at EU scale (130 ms).
        .prefetch_related("home_city")
    )
    if only_users is not None:
        pool = pool.filter(user_id__in=only_users)
    if query:
        pool = pool.filter(
            Q(user__full_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(home_city__name__icontains=query)
            | Q(expertise__icontains=query)
        )
    return pool


def suggestions(
    review_round: Round,
    needs: RoundNeeds,
    *,
    query: str = "",
    today: datetime.date | None = None,
    only_users: list[int] | None = None,
):
    """Every evaluator who may review the round (not from the host city, not already on its
    panel), annotated with the reasons and ranked best first (or only `only_users` among them).
    A queryset: page it; each row's home city is fetched for the page (`prefetch_related`)."""
    today = today or timezone.localdate()
    host = review_round.host_city_id
    # Each evaluator's panels are kept counted (services.evaluator_load): one row each, where
    # counting them read every assignment of the network (164,000 at EU scale, 270 ms). Rows a
    # window has moved past since they were counted are counted again first.
    refresh_expired_loads()
    # Each home city's panels in the rotation period: the sum of its evaluators' (20,000 rows;
    # for a few people, only their home cities' evaluators).
    city_loads = EvaluatorLoad.objects.filter(rotation_panels__gt=0)
    if only_users is not None:
        city_loads = city_loads.filter(
            evaluator__evaluator_profile__home_city_id__in=EvaluatorProfile.objects.filter(
                user_id__in=only_users
            ).values("home_city_id")
        )
    city_load = CTE(
        city_loads.order_by()
        .values(city_id=F("evaluator__evaluator_profile__home_city_id"))
        .annotate(panels=Sum("rotation_panels")),
        name="home_city_load",
    )
    active_on_this_round = Assignment.objects.filter(round=review_round).exclude(
        state=Assignment.State.DECLINED
    )
    pool = suggestion_pool(review_round, query=query, only_users=only_users)
    joined = city_load.join(pool, home_city_id=city_load.col.city_id, _join_type=LOUTER)
    profiles = with_cte(city_load, select=joined)
    weak = [code for code, _title in needs.weak_themes]
    asked = [code for code, _title, _question in needs.question_themes if code not in weak]
    pairs = set(EvaluatorProfile.objects.order_by().values_list("expertise", "languages").distinct())
    expertise_values = {expertise for expertise, _languages in pairs}
    language_values = {languages for _expertise, languages in pairs}
    profiles = profiles.annotate(
        weak_hits=_hits("expertise", expertise_values, weak),
        question_hits=_hits("expertise", expertise_values, asked),
        round_language_hit=_hits("languages", language_values, [needs.round_language]),
        city_language_hits=_hits("languages", language_values, needs.city_languages),
        open_panels=Coalesce(F("user__panel_load__open_panels"), Value(0)),
        year_panels=Coalesce(F("user__panel_load__year_panels"), Value(0)),
        # Whether they have reviewed this city (1) or not (0): its few rounds' panels, by index.
        host_reviews=_flag_exists(
            Assignment.objects.filter(
                evaluator_id=OuterRef("user_id"), state=Assignment.State.ACCEPTED, round__host_city_id=host
            )
        ),
        home_city_panels=Coalesce(city_load.col.panels, Value(0)),
        declared_conflict=Exists(
            DeclaredConflict.objects.filter(evaluator=OuterRef("user_id"), city_id=host)
        ),
        reciprocal=Exists(
            Assignment.objects.filter(
                round__host_city_id=OuterRef("home_city_id"), evaluator__evaluator_profile__home_city_id=host
            )
            .exclude(state=Assignment.State.DECLINED)
            .exclude(round__state=RoundState.CANCELLED)
        ),
        joint_unit=Exists(
            JointProcurementUnit.objects.filter(cities=OuterRef("home_city_id")).filter(cities=host)
        ),
        same_city_on_panel=Exists(
            active_on_this_round.filter(evaluator__evaluator_profile__home_city_id=OuterRef("home_city_id"))
        ),
        away=Case(
            When(available=False, then=Value(1)),
            When(unavailable_until__gt=today, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )
    W = WEIGHTS
    profiles = profiles.annotate(
        full=Case(
            When(year_panels__gte=F("max_rounds_per_year"), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    ).annotate(
        match_score=(
            W["weak"] * F("weak_hits")
            + W["question"] * F("question_hits")
            + W["round_language"] * F("round_language_hit")
            + W["city_language"]
            * Case(
                When(city_language_hits__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
            + W["workload"] * F("open_panels")
            + W["reviewed_before"]
            * Case(When(host_reviews__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField())
            + W["conflict"] * _flag("declared_conflict")
            + W["reciprocal"] * _flag("reciprocal")
            + W["joint_unit"] * _flag("joint_unit")
            + W["same_city_on_panel"] * _flag("same_city_on_panel")
            + W["rotation"] * F("home_city_panels")
            + W["full"] * F("full")
            + W["unavailable"] * F("away")
        )
    )
    return profiles.order_by("-match_score", "open_panels", "user__full_name", "pk")


@dataclass(frozen=True)
class Reason:
    good: bool
    text: str


def reasons(profile: EvaluatorProfile, needs: RoundNeeds, review_round: Round) -> list[Reason]:
    """Why a ranked evaluator is where they are, from the row's annotations (no queries)."""
    out: list[Reason] = []
    expertise = set(profile.expertise_codes)
    weak = [(code, title) for code, title in needs.weak_themes if code in expertise]
    if weak:
        source = (
            _("the city's lowest self-scores")
            if needs.weak_source == "self"
            else _("the lowest agreed scores of the earlier review")
        )
        out.append(
            Reason(
                True,
                _("Expertise in %(themes)s, where %(source)s are.")
                % {"themes": ", ".join(f"{code} ({title})" for code, title in weak), "source": source},
            )
        )
    for code, title, question in needs.question_themes:
        if code in expertise and code not in {c for c, _t in weak}:
            out.append(
                Reason(
                    True,
                    _("Expertise in %(theme)s, which the city's guiding question asks about: “%(question)s”")
                    % {"theme": f"{code} ({title})", "question": question},
                )
            )
    if needs.target_codes and not weak and not any(code in expertise for code in needs.target_codes):
        out.append(Reason(False, _("No declared expertise in the themes this round needs most.")))
    languages = profile.language_codes
    if needs.round_language in languages:
        out.append(
            Reason(
                True,
                _("Works in the language of the report (%(language)s).") % {"language": needs.round_language},
            )
        )
    else:
        shared = [code for code in needs.city_languages if code in languages]
        if shared:
            out.append(
                Reason(
                    True,
                    _("Shares a working language with the city: %(languages)s.")
                    % {"languages": ", ".join(shared)},
                )
            )
        else:
            out.append(
                Reason(
                    False,
                    _("No shared working language declared (report in %(language)s).")
                    % {"language": needs.round_language},
                )
            )
    if profile.open_panels:
        out.append(
            Reason(
                profile.open_panels < 2,
                ngettext(
                    "On %(count)d other panel at the moment.",
                    "On %(count)d other panels at the moment.",
                    profile.open_panels,
                )
                % {"count": profile.open_panels},
            )
        )
    else:
        out.append(Reason(True, _("On no other panel at the moment.")))
    if profile.full:
        out.append(
            Reason(
                False,
                _("Has taken %(count)d panels in twelve months, their stated maximum.")
                % {"count": profile.year_panels},
            )
        )
    if profile.host_reviews:
        out.append(Reason(False, _("Has reviewed %(city)s before.") % {"city": review_round.host_city.name}))
    else:
        out.append(
            Reason(True, _("Has not reviewed %(city)s before.") % {"city": review_round.host_city.name})
        )
    if profile.declared_conflict:
        out.append(
            Reason(
                False,
                _("Declared a conflict of interest with %(city)s.") % {"city": review_round.host_city.name},
            )
        )
    else:
        out.append(Reason(True, _("No declared conflict with the city.")))
    if profile.reciprocal:
        out.append(
            Reason(
                False,
                _("Reciprocal review: evaluators from %(host)s review %(home)s.")
                % {"host": review_round.host_city.name, "home": profile.home_city.name},
            )
        )
    if profile.joint_unit:
        out.append(
            Reason(
                False,
                _("%(home)s shares a joint procurement unit with the city.")
                % {"home": profile.home_city.name},
            )
        )
    if profile.same_city_on_panel:
        out.append(
            Reason(
                False,
                _("Another evaluator from %(home)s is already on this panel: the panel needs two cities.")
                % {"home": profile.home_city.name},
            )
        )
    else:
        out.append(Reason(True, _("Adds %(home)s to the panel's cities.") % {"home": profile.home_city.name}))
    if profile.home_city_panels >= 3:
        out.append(
            Reason(
                False,
                _(
                    "Evaluators from %(home)s sat on %(count)d panels in the last two years: rotation favours "
                    "other cities."
                )
                % {"home": profile.home_city.name, "count": profile.home_city_panels},
            )
        )
    else:
        out.append(
            Reason(
                True,
                _("Evaluators from %(home)s sat on few panels in the last two years (%(count)d): their turn.")
                % {"home": profile.home_city.name, "count": profile.home_city_panels},
            )
        )
    if profile.away:
        until = profile.unavailable_until
        out.append(
            Reason(
                False,
                _("Not taking invitations until %(date)s.") % {"date": until.isoformat()}
                if profile.available and until
                else _("Not taking invitations at the moment."),
            )
        )
    return out


def next_suggestion(review_round: Round) -> tuple[EvaluatorProfile, list[Reason]] | None:
    """The best-ranked evaluator for the round now (for the coordinators' e-mail after a decline)."""
    needs = round_needs(review_round)
    best = suggestions(review_round, needs).first()
    return (best, reasons(best, needs, review_round)) if best is not None else None
