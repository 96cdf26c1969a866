"""Every list of the API runs the same number of queries for 1 item and for 50."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerreview.models import AgreedScore, Criterion, Indicator, IndicatorValue
from peerreview.services.rounds import prepare_prereport
from reports.models import ActionProgress, ActionProposal
from tests import factories
from tests.api_helpers import ApiClient, clear_throttles, publish, token_for

ITEMS = 50


class Scene:
    """One round (a repeat round with a submitted pre-report) and the people looking at it."""

    def __init__(self) -> None:
        self.coordinator = factories.CoordinatorFactory()
        self.city = factories.CityFactory()
        self.member = factories.MembershipFactory(city=self.city).user
        self.evaluator = factories.EvaluatorProfileFactory().user
        self.earlier = factories.RoundFactory(host_city=self.city)
        self.earlier_report = publish(self.earlier, proposals=0)
        self.review_round = factories.RoundFactory(
            host_city=self.city,
            framework=self.earlier.framework,
            previous_round=self.earlier,
            state="prereport_open",
        )
        self.prereport = prepare_prereport(self.review_round)
        self.theme = self.review_round.framework.themes.get(code="WHY")
        self.made = 0

    def next(self) -> int:
        self.made += 1
        return self.made


def _cities(scene: Scene) -> None:
    factories.CityFactory()


def _frameworks(scene: Scene) -> None:
    factories.make_framework(scored_criteria=2)


def _rounds(scene: Scene) -> None:
    review_round = factories.RoundFactory(host_city=scene.city)
    factories.AssignmentFactory(round=review_round, role="lead")
    factories.AssignmentFactory(round=review_round)


def _reports(scene: Scene) -> None:
    review_round = factories.RoundFactory()
    publish(review_round, "network")


def _proposals(scene: Scene) -> None:
    number = scene.next()
    criterion = Criterion.objects.filter(theme=scene.theme).first()
    ActionProposal.objects.create(
        report=scene.earlier_report, number=number, title=f"P{number}", criterion=criterion
    )


def _progress(scene: Scene) -> None:
    number = scene.next()
    proposal = ActionProposal.objects.create(report=scene.earlier_report, number=number, title=f"P{number}")
    ActionProgress.objects.create(round=scene.review_round, proposal=proposal)


def _indicator_values(scene: Scene) -> None:
    number = scene.next()
    indicator = Indicator.objects.create(
        framework=scene.review_round.framework, code=f"I{number}", name=f"Indicator {number}"
    )
    IndicatorValue.objects.create(prereport=scene.prereport, indicator=indicator, year=2025, value=number)


def _agreed_scores(scene: Scene) -> None:
    number = scene.next()
    criterion = factories.CriterionFactory(theme=scene.theme, code=f"X.{number}")
    AgreedScore.objects.create(round=scene.review_round, criterion=criterion, level=2, rationale="Agreed.")


def _invitations(scene: Scene) -> None:
    factories.AssignmentFactory(evaluator=scene.evaluator, state="invited")


def _tasks(scene: Scene) -> None:
    factories.AssignmentFactory(evaluator=scene.evaluator, state="invited")
    review_round = factories.RoundFactory(host_city=scene.city, state="prereport_open")
    prepare_prereport(review_round)


# list path → (who looks, how to make one more item)
LISTS: dict[str, tuple[str, Callable[[Scene], None]]] = {
    "/api/v1/cities/": ("coordinator", _cities),
    "/api/v1/frameworks/": ("coordinator", _frameworks),
    "/api/v1/rounds/": ("member", _rounds),
    "/api/v1/reports/": ("member", _reports),
    "/api/v1/action-proposals/": ("member", _proposals),
    "/api/v1/rounds/{round_id}/progress/": ("member", _progress),
    "/api/v1/rounds/{round_id}/indicator-values/": ("member", _indicator_values),
    "/api/v1/rounds/{round_id}/agreed-scores/": ("coordinator", _agreed_scores),
    "/api/v1/me/invitations/": ("evaluator", _invitations),
    "/api/v1/me/tasks/": ("evaluator", _tasks),
}


def test_every_list_of_the_schema_is_counted(django_db_blocker):
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("spectacular", "--format", "openapi-json", stdout=out)
    paths = json.loads(out.getvalue())["paths"]
    lists = {
        path
        for path, operations in paths.items()
        if "get" in operations and "/Paginated" in json.dumps(operations["get"]["responses"]["200"])
    }
    assert lists == set(LISTS)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(LISTS))
def test_list_queries_do_not_grow_with_items(path, settings):
    settings.API_PAGE_SIZE = 100
    clear_throttles()
    scene = Scene()
    persona, make = LISTS[path]
    client = ApiClient(token_for(getattr(scene, persona)))
    url = path.replace("{round_id}", str(scene.review_round.pk))

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return len(queries), len(response.json()["results"])

    make(scene)
    client.get(url)  # the token's first use is stamped once; not part of the count
    one, shown_one = count()
    for _ in range(ITEMS - 1):
        make(scene)
    many, shown_many = count()

    assert shown_many >= shown_one + ITEMS - 1 >= ITEMS - 1
    assert many == one, f"{path}: {one} queries for {shown_one} items, {many} for {shown_many}"
