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
