"""factory_boy factories: plain objects, nothing surprising. Rounds get their state
through the real services in tests that care; `RoundFactory(state=...)` is for setup."""

from __future__ import annotations

import datetime

import factory

from cities.models import City, DeclaredConflict, EvaluatorProfile, JointProcurementUnit, Membership, User
from peerreview.models import (
    AgreedScore,
    Assignment,
    Criterion,
    Framework,
    LevelDescriptor,
    Round,
    Score,
    Theme,
)

PASSWORD = "review-demo-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.eu")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if create:
            obj.save()


class CoordinatorFactory(UserFactory):
    is_coordinator = True
    is_staff = True


class JointProcurementUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointProcurementUnit

    name = factory.Sequence(lambda n: f"Joint unit {n}")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    name = factory.Sequence(lambda n: f"City {n}")
    country = "FI"
    procurement_unit = factory.LazyAttribute(lambda city: f"{city.name} procurement")
    population = 250_000


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    city = factory.SubFactory(CityFactory)


class EvaluatorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluatorProfile

    user = factory.SubFactory(UserFactory)
    home_city = factory.SubFactory(CityFactory)


class DeclaredConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeclaredConflict

    evaluator = factory.SubFactory(UserFactory)
    city = factory.SubFactory(CityFactory)
    reason = "Former employee"


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    slug = factory.Sequence(lambda n: f"framework-{n}")
    name = "Test framework"
    version = 1


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    framework = factory.SubFactory(FrameworkFactory)
    code = factory.Sequence(lambda n: f"T{n}")
    title = factory.Sequence(lambda n: f"Theme {n}")
    order = factory.Sequence(lambda n: n)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    theme = factory.SubFactory(ThemeFactory)
    code = factory.Sequence(lambda n: f"C{n}")
    title = factory.Sequence(lambda n: f"Criterion {n}")
    guidance = "Describe what you do."
    order = factory.Sequence(lambda n: n)


class LevelDescriptorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LevelDescriptor

    criterion = factory.SubFactory(CriterionFactory)
    level = 0
    text = factory.LazyAttribute(lambda d: f"Level {d.level} looks like this.")


def make_framework(scored_criteria: int = 3, unscored_criteria: int = 1) -> Framework:
    """A small framework: one scored theme with descriptors, one unscored theme."""
    framework = FrameworkFactory()
    scored = ThemeFactory(framework=framework, code="WHY", title="Why", order=1)
    for index in range(scored_criteria):
        criterion = CriterionFactory(theme=scored, code=f"WHY.{index + 1}", order=index + 1)
        for level in range(5):
            LevelDescriptorFactory(criterion=criterion, level=level)
    if unscored_criteria:
        island = ThemeFactory(
            framework=framework, code="ISLAND", title="Not an island", is_scored=False, order=2
        )
        for index in range(unscored_criteria):
            CriterionFactory(theme=island, code=f"ISLAND.{index + 1}", order=index + 1)
    return framework


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    host_city = factory.SubFactory(CityFactory)
    framework = factory.LazyFunction(make_framework)
    title = factory.Sequence(lambda n: f"Round {n}")
    state = "planned"
    prereport_due = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))
    scoring_due = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=60))


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    round = factory.SubFactory(RoundFactory)
    evaluator = factory.LazyAttribute(lambda a: EvaluatorProfileFactory().user)
    role = "member"
    state = "accepted"


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    assignment = factory.SubFactory(AssignmentFactory)
    criterion = factory.SubFactory(CriterionFactory)
    level = 2
    comment = "Seen in the documents."


class AgreedScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreedScore

    round = factory.SubFactory(RoundFactory)
    criterion = factory.SubFactory(CriterionFactory)
    level = 2
    rationale = "The panel agreed."


def published_round(
    *,
    city: City | None = None,
    framework: Framework | None = None,
    agreed: dict[str, int | None] | None = None,
    self_scores: dict[str, int | None] | None = None,
    island: dict[str, str] | None = None,
    areas: dict[str, str] | None = None,
    proposals: list[tuple[str, str]] | None = None,
    published_at: datetime.datetime | None = None,
    publication_level: str = "round",
    previous_round: Round | None = None,
    language: str = "en",
) -> Round:
    """A published round with its report, set up directly (tests of what reads published
    rounds: the library, the synthesis, benchmarking). Keys are criterion codes; an agreed
    score of None is “not applicable”; `proposals` are (criterion code, title)."""
    from django.utils import timezone

    from peerreview.models import Answer, PreReport
    from reports.models import ActionProposal, Finding, SummaryReport

    framework = framework or make_framework()
    review_round = RoundFactory(
        host_city=city or CityFactory(),
        framework=framework,
        state="published",
        previous_round=previous_round,
        language=language,
    )
    criteria = {
        c.code: c for c in Criterion.objects.filter(theme__framework=framework).select_related("theme")
    }
    prereport = PreReport.objects.create(round=review_round, submitted_at=timezone.now(), context="Context.")
    answers = []
    for code, criterion in criteria.items():
        answers.append(
            Answer(
                prereport=prereport,
                criterion=criterion,
                self_score=(self_scores or {}).get(code),
                narrative=(
                    f"Self-assessment of {code}."
                    if criterion.theme.is_scored
                    else (island or {}).get(code, "")
                ),
            )
        )
    Answer.objects.bulk_create(answers)
    report = SummaryReport.objects.create(
        round=review_round,
        executive_summary="Summary.",
        published_at=published_at or timezone.now(),
        publication_level=publication_level,
    )
    Finding.objects.bulk_create(
        [
            Finding(report=report, criterion=criterion, areas_to_develop=(areas or {}).get(code, ""))
            for code, criterion in criteria.items()
        ]
    )
    for code, level in (agreed or {}).items():
        AgreedScore.objects.create(
            round=review_round,
            criterion=criteria[code],
            level=level,
            not_applicable=level is None,
            rationale="Agreed.",
        )
    for number, (code, title) in enumerate(proposals or [], start=1):
        ActionProposal.objects.create(report=report, number=number, criterion=criteria.get(code), title=title)
    review_round.published_at = report.published_at
    review_round.save(update_fields=["published_at"])
    return review_round
