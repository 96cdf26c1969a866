"""Every path of the API's schema, for every persona, answers what the web app answers the same
person: a resource is readable exactly when its web page is (200), refused with a reason when
the page is (403), and does not exist when the page does not (404); anonymous callers get a 401
where the web sends them to the login page. Lists hold exactly what the web pages show each
persona. A path of the schema without a row here fails the test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerreview.models import AgreedScore, Indicator, IndicatorValue, PreReport
from peerreview.services.rounds import prepare_prereport
from reports.models import ActionProgress, ActionProposal, SummaryReport
from reports.services import get_or_create_report
from tests import factories
from tests.api_helpers import ApiClient, clear_throttles, publish, token_for

PERSONAS = ["coordinator", "host_member", "other_city_member", "assigned_evaluator", "unassigned_evaluator"]
ANONYMOUS = "anonymous"
# The round's states the walk is made in; "published:<level>" publishes the report to that level.
STATES = [
    "prereport_open",
    "scoring",
    "assessment",
    "factual_check",
    "published:round",
    "published:network",
    "published:public",
]

# API path → how its answer is decided on the web:
#   ("page", web URL name, {url kwarg: world attribute}) the web page for the same object;
#   ("signed_in",)  every signed-in person (the page is the dashboard), anonymous 401;
#   ("report", world attribute of the round) a published report: the report page (the public page
#                   for anonymous callers); the API serves only published reports, so a draft is 404.
# Lists are also checked row by row below (LISTS).
PATHS = {
    "/api/v1/cities/": ("signed_in",),
    "/api/v1/cities/{id}/": ("signed_in",),
    "/api/v1/frameworks/": ("signed_in",),
    "/api/v1/frameworks/{id}/": ("signed_in",),
    "/api/v1/me/": ("signed_in",),
    "/api/v1/me/tasks/": ("signed_in",),
    "/api/v1/me/invitations/": ("signed_in",),
    "/api/v1/me/invitations/{id}/": (
        "page",
        "peerreview:invitation_respond",
        {"assignment_id": "invitation"},
    ),
    "/api/v1/me/invitations/{id}/accept/": (
        "page",
        "peerreview:invitation_respond",
        {"assignment_id": "invitation"},
    ),
    "/api/v1/me/invitations/{id}/decline/": (
        "page",
        "peerreview:invitation_respond",
        {"assignment_id": "invitation"},
    ),
    "/api/v1/rounds/": ("signed_in",),
    "/api/v1/rounds/{round_id}/": ("page", "peerreview:round_detail", {"round_id": "round_id"}),
    "/api/v1/rounds/{round_id}/progress/": ("page", "reports:action_progress", {"round_id": "round_id"}),
    "/api/v1/rounds/{round_id}/progress/{id}/": ("page", "reports:action_progress", {"round_id": "round_id"}),
    "/api/v1/rounds/{round_id}/indicator-values/": (
        "page",
        "peerreview:indicators_edit",
        {"round_id": "round_id"},
    ),
    "/api/v1/rounds/{round_id}/agreed-scores/": (
        "page",
        "peerreview:score_overview",
        {"round_id": "round_id"},
    ),
    "/api/v1/reports/": ("public_list",),
    "/api/v1/reports/{round_id}/": ("report", "round_id"),
    "/api/v1/action-proposals/": ("public_list",),
    "/api/v1/action-proposals/{id}/": ("report", "round_id"),
}

# What the web answers → what the API answers. A web redirect to the login page is the API's 401;
# 202 is the report PDF being prepared (readable).
WEB_TO_API = {200: 200, 202: 200, 302: 401, 403: 403, 404: 404}


@dataclass
class World:
    round_id: int
    earlier_round_id: int
    other_round_id: int
    city_id: int
    framework_id: int
    invitation: int
    progress_id: int
    proposal_id: int


@pytest.fixture
def world(personas) -> World:
    review_round = personas.review_round
    earlier = factories.RoundFactory(
        host_city=review_round.host_city, framework=review_round.framework, title="Tampere 2024"
    )
    publish(earlier, "round", proposals=2)
    other_city = personas.other_city_member.memberships.get().city
    other_round = factories.RoundFactory(host_city=other_city, title="Malmö 2026", state="scoring")
    review_round.previous_round = earlier
    review_round.save()
    prereport = prepare_prereport(review_round)
    prereport.submitted_at = timezone.now()
    prereport.save()
    indicator = Indicator.objects.create(
        framework=review_round.framework, code="SB", name="Single bidder", unit="%"
    )
    IndicatorValue.objects.create(prereport=prereport, indicator=indicator, year=2025, value=12)
    lead = review_round.assignments.get(evaluator=personas.assigned_evaluator)
    lead.scores_submitted_at = timezone.now()
    lead.save()
    criterion = review_round.framework.themes.get(code="WHY").criteria.first()
    AgreedScore.objects.create(round=review_round, criterion=criterion, level=2, rationale="Agreed.")
    progress = [
        ActionProgress.objects.create(round=review_round, proposal=proposal)
        for proposal in ActionProposal.objects.filter(report__round=earlier)
    ]
    report = get_or_create_report(review_round)
    proposal = ActionProposal.objects.create(report=report, number=1, title="Train the buyers")
    return World(
        round_id=review_round.pk,
        earlier_round_id=earlier.pk,
        other_round_id=other_round.pk,
        city_id=review_round.host_city_id,
        framework_id=review_round.framework_id,
        invitation=lead.pk,
        progress_id=progress[0].pk,
        proposal_id=proposal.pk,
    )


@pytest.fixture(scope="module")
def schema_paths(django_db_blocker) -> dict[str, list[str]]:
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("spectacular", "--format", "openapi-json", stdout=out)
    paths = json.loads(out.getvalue())["paths"]
    return {
        path: [method for method in operations if method in ("get", "post", "patch")]
        for path, operations in paths.items()
    }


def test_every_path_of_the_schema_has_a_row(schema_paths):
    assert set(schema_paths) == set(PATHS)


def _set_state(personas, world: World, state: str) -> None:
    review_round = personas.review_round
    state, _sep, level = state.partition(":")
    if state == "published":
        publish(review_round, level, proposals=0)
    elif state == "prereport_open":  # not submitted yet: the panel does not read it
        PreReport.objects.filter(round=review_round).update(submitted_at=None)
        review_round.state = state
        review_round.save()
    else:
        review_round.state = state
        review_round.save()


def _answer(client, method: str, url: str, data: dict | None = None, json_body: bool = False) -> int:
    """One request whose effects are rolled back, so every persona meets the same world."""
    with transaction.atomic():
        if method == "get":
            response = client.get(url)
        elif json_body:
            response = getattr(client, method)(url, data=data or {}, content_type="application/json")
        else:
            response = client.post(url, data or {})
        transaction.set_rollback(True)
    return response.status_code


def _web_client(personas, persona: str) -> Client:
    client = Client()
    if persona != ANONYMOUS:
        client.force_login(getattr(personas, persona))
    return client


def _api_client(personas, persona: str) -> ApiClient:
    return ApiClient(None if persona == ANONYMOUS else token_for(getattr(personas, persona)))


def _api_url(path: str, world: World) -> str:
    ids = {
        "/api/v1/cities/{id}/": world.city_id,
        "/api/v1/frameworks/{id}/": world.framework_id,
        "/api/v1/me/invitations/{id}/": world.invitation,
        "/api/v1/me/invitations/{id}/accept/": world.invitation,
        "/api/v1/me/invitations/{id}/decline/": world.invitation,
        "/api/v1/rounds/{round_id}/progress/{id}/": world.progress_id,
        "/api/v1/action-proposals/{id}/": world.proposal_id,
    }
    return path.replace("{round_id}", str(world.round_id)).replace("{id}", str(ids.get(path, "")))


# The writes, on the API and as the web page's form does them.
WRITES = {
    ("/api/v1/rounds/{round_id}/progress/{id}/", "patch"): (
        {"status": "in_progress"},
        lambda world: {f"status-{world.progress_id}": "in_progress"},
    ),
    ("/api/v1/me/invitations/{id}/accept/", "post"): ({}, lambda world: {"decision": "accept"}),
    ("/api/v1/me/invitations/{id}/decline/", "post"): (
        {"reason": "Busy"},
        lambda world: {"decision": "decline"},
    ),
}
# A write the web page takes is a redirect (302) there and the changed object (200) in the API; one
# the service refuses (an invitation answered already) re-renders the page with the message (200)
# there and is a 409 in the API.
WEB_WRITE_TO_API = {302: 200, 200: 409, 403: 403, 404: 404}


def _expected(spec, method: str, web: Client, persona: str, world: World, published: bool, path: str) -> int:
    kind = spec[0]
    if kind == "signed_in":
        return 401 if persona == ANONYMOUS else 200
    if kind == "public_list":
        return 200
    if kind == "report":
        if not published:
            return 404
        name = "reports:public_report" if persona == ANONYMOUS else "reports:report_view"
        return WEB_TO_API[_answer(web, "get", reverse(name, kwargs={"round_id": getattr(world, spec[1])}))]
    _kind, name, kwargs = spec
    url = reverse(name, kwargs={key: getattr(world, attribute) for key, attribute in kwargs.items()})
    if method == "get":
        return WEB_TO_API[_answer(web, "get", url)]
    if persona == ANONYMOUS:
        return 401
    status = _answer(web, "post", url, WRITES[(path, method)][1](world))
    return WEB_WRITE_TO_API[status]


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_every_path_answers_each_persona_as_the_web_does(personas, world, schema_paths, state):
    clear_throttles()
    _set_state(personas, world, state)
    published = state.startswith("published")
    mismatches = []
    for persona in [*PERSONAS, ANONYMOUS]:
        web, api = _web_client(personas, persona), _api_client(personas, persona)
        for path, methods in sorted(schema_paths.items()):
            for method in methods:
                expected = _expected(PATHS[path], method, web, persona, world, published, path)
                data = WRITES[(path, method)][0] if method != "get" else None
                got = _answer(api, method, _api_url(path, world), data, json_body=True)
                if got != expected:
                    mismatches.append(
                        (persona, method.upper(), path, f"web says {expected}, API answered {got}")
                    )
    assert not mismatches, "\n".join(map(str, mismatches))


# --- lists: exactly what the web shows -------------------------------------------------------


def _all_ids(api: ApiClient, url: str, key=lambda row: row["id"]) -> set:
    ids, page = set(), 1
    while True:
        response = api.get(f"{url}?page={page}")
        assert response.status_code == 200, (url, response.status_code)
        body = response.json()
        ids |= {key(row) for row in body["results"]}
        if not body["next"]:
            return ids
        page += 1


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_lists_hold_what_the_web_pages_show(personas, world, state):
    clear_throttles()
    _set_state(personas, world, state)
    rounds = [world.round_id, world.earlier_round_id, world.other_round_id]
    for persona in [*PERSONAS, ANONYMOUS]:
        web, api = _web_client(personas, persona), _api_client(personas, persona)
        if persona != ANONYMOUS:
            visible = {
                round_id
                for round_id in rounds
                if web.get(reverse("peerreview:round_detail", kwargs={"round_id": round_id})).status_code
                == 200
            }
            assert _all_ids(api, "/api/v1/rounds/") == visible, persona
        page = "reports:public_report" if persona == ANONYMOUS else "reports:report_view"
        readable = {
            round_id
            for round_id in rounds
            if SummaryReport.objects.filter(round_id=round_id, published_at__isnull=False).exists()
            and web.get(reverse(page, kwargs={"round_id": round_id})).status_code in (200, 202)
        }
        assert _all_ids(api, "/api/v1/reports/", key=lambda row: row["round"]["id"]) == readable, persona
        assert _all_ids(api, "/api/v1/action-proposals/", key=lambda row: row["round"]["id"]) == readable, (
            persona
        )
