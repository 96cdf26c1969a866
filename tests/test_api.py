"""The REST API's conventions: tokens, problem details for every kind of bad input, pagination,
filters, ETags, languages, throttling, and the two write actions through the existing services."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.models import ApiToken
from api.tokens import revoke_api_token
from peerreview.models import Assignment
from reports.models import ActionProgress, ActionProposal
from reports.services import get_or_create_report
from tests import factories
from tests.api_helpers import ApiClient, clear_throttles, is_problem, publish, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    clear_throttles()
    yield
    clear_throttles()


def test_a_token_from_the_command_reads_the_rounds_the_person_sees(personas):
    out = StringIO()
    call_command(
        "create_api_token", personas.host_member.email, "--scope", "read", stdout=out, stderr=StringIO()
    )
    secret = out.getvalue().strip()
    assert secret.startswith("prt_")
    other_round = factories.RoundFactory()

    response = ApiClient(secret).get("/api/v1/rounds/")

    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [personas.review_round.pk] and other_round.pk not in ids
    token = ApiToken.objects.get()
    assert token.scope == "read" and token.last_used_at is not None
    assert token.digest != secret and secret not in str(token.__dict__)


def test_bad_tokens_are_401_problems_that_say_why(personas):
    secret = token_for(personas.host_member)
    is_problem(ApiClient("prt_not-a-real-token").get("/api/v1/rounds/"), 401)
    body = is_problem(ApiClient().get("/api/v1/rounds/", HTTP_AUTHORIZATION="Bearer"), 401)
    assert "malformed" in body["detail"]
    response = ApiClient().get("/api/v1/rounds/", HTTP_AUTHORIZATION="Bearer a b")
    is_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")

    revoke_api_token(user=personas.host_member, token_id=ApiToken.objects.get().pk)
    body = is_problem(ApiClient(secret).get("/api/v1/rounds/"), 401)
    assert "revoked" in body["detail"]

    expired = token_for(personas.coordinator)
    ApiToken.objects.filter(user=personas.coordinator).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert "expired" in is_problem(ApiClient(expired).get("/api/v1/rounds/"), 401)["detail"]

    inactive = token_for(personas.other_city_member)
    personas.other_city_member.is_active = False
    personas.other_city_member.save()
    assert "deactivated" in is_problem(ApiClient(inactive).get("/api/v1/rounds/"), 401)["detail"]


def test_anonymous_callers_get_a_401_except_for_public_reports(personas):
    is_problem(ApiClient().get("/api/v1/rounds/"), 401)
    is_problem(ApiClient().get(f"/api/v1/rounds/{personas.review_round.pk}/progress/"), 401)
    publish(personas.review_round, "public")
    response = ApiClient().get("/api/v1/reports/")
    assert response.status_code == 200 and response.json()["count"] == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ("updated_since=yesterday", "updated_since"),
        ("state=nonsense", "state"),
        ("host_city=abc", "host_city"),
        ("colour=red", "colour"),
        ("page_size=0", "page_size"),
        ("page=first", "page"),
    ],
)
def test_malformed_filters_and_unknown_parameters_are_400_problems(personas, query, field):
    client = ApiClient(token_for(personas.coordinator))
    body = is_problem(client.get(f"/api/v1/rounds/?{query}"), 400)
    assert [error["field"] for error in body["errors"]] == [field]


def test_a_page_past_the_end_is_a_404_that_says_how_many_pages(personas):
    client = ApiClient(token_for(personas.coordinator))
    body = is_problem(client.get("/api/v1/rounds/?page=7"), 404)
    assert "1 page" in body["detail"]


def test_page_size_is_capped(personas, settings):
    settings.API_MAX_PAGE_SIZE = 2
    for _ in range(3):
        factories.RoundFactory()
    body = ApiClient(token_for(personas.coordinator)).get("/api/v1/rounds/?page_size=500").json()
    assert len(body["results"]) == 2 and body["count"] == 4 and body["next"]


def test_unknown_paths_and_wrong_methods_are_problems(personas):
    client = ApiClient(token_for(personas.coordinator))
    is_problem(client.get("/api/v1/nothing-here/"), 404)
    is_problem(client.delete(f"/api/v1/rounds/{personas.review_round.pk}/"), 405)
    is_problem(client.get("/api/v1/rounds/999999/"), 404)


def test_updated_since_returns_only_what_changed(personas):
    client = ApiClient(token_for(personas.coordinator))
    old = factories.RoundFactory()
    from peerreview.models import Round

    Round.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=10))
    Round.objects.filter(pk=personas.review_round.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=10)
    )
    Assignment.objects.filter(round=personas.review_round).update(
        invited_at=timezone.now() - datetime.timedelta(days=10)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    assert client.get(f"/api/v1/rounds/?updated_since={since}").json()["count"] == 0

    Assignment.objects.filter(round=personas.review_round).update(responded_at=timezone.now())
    ids = [row["id"] for row in client.get(f"/api/v1/rounds/?updated_since={since}").json()["results"]]
    assert ids == [personas.review_round.pk]


def test_single_objects_carry_an_etag_and_answer_304(personas):
    client = ApiClient(token_for(personas.host_member))
    url = f"/api/v1/rounds/{personas.review_round.pk}/"
    first = client.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    personas.review_round.title = "Renamed"
    personas.review_round.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_framework_texts_follow_accept_language(personas):
    framework = personas.review_round.framework
    theme = framework.themes.first()
    theme.title_fi = "Miksi"
    theme.save()
    client = ApiClient(token_for(personas.host_member))
    fi = client.get(f"/api/v1/frameworks/{framework.pk}/", HTTP_ACCEPT_LANGUAGE="fi-FI,fi;q=0.9,en;q=0.8")
    en = client.get(f"/api/v1/frameworks/{framework.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert fi["Content-Language"] == "fi" and fi.json()["themes"][0]["title"] == "Miksi"
    assert en.json()["themes"][0]["title"] == theme.title_en
    # a problem in the caller's language too
    sv = is_problem(ApiClient().get("/api/v1/rounds/", HTTP_ACCEPT_LANGUAGE="sv"), 401)
    assert (
        sv["detail"]
        != is_problem(ApiClient().get("/api/v1/rounds/", HTTP_ACCEPT_LANGUAGE="en"), 401)["detail"]
    )


def test_throttling_per_token_with_retry_after(personas, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    first = ApiClient(token_for(personas.host_member))
    second = ApiClient(token_for(personas.host_member))
    for _ in range(3):
        assert first.get("/api/v1/me/").status_code == 200
    response = first.get("/api/v1/me/")
    body = is_problem(response, 429)
    assert int(response["Retry-After"]) > 0 and body["retry_after"] > 0
    assert second.get("/api/v1/me/").status_code == 200  # another token has its own budget


def _repeat_round(personas):
    """personas.review_round as the repeat round of an earlier published review of the same city."""
    earlier = factories.RoundFactory(
        host_city=personas.review_round.host_city, framework=personas.review_round.framework
    )
    report = publish(earlier, proposals=2)
    review_round = personas.review_round
    review_round.previous_round = earlier
    review_round.state = "prereport_open"
    review_round.save()
    items = [
        ActionProgress.objects.create(round=review_round, proposal=p)
        for p in ActionProposal.objects.filter(report=report)
    ]
    return review_round, items


def test_the_host_city_reports_progress_through_the_service(personas):
    review_round, items = _repeat_round(personas)
    url = f"/api/v1/rounds/{review_round.pk}/progress/{items[0].pk}/"
    client = ApiClient(token_for(personas.host_member))

    response = client.patch_json(url, {"status": "in_progress", "evidence": "Training plan adopted."})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    items[0].refresh_from_db()
    assert items[0].status == "in_progress" and items[0].updated_by == personas.host_member
    # unknown field and bad value: 400 problems; nothing saved
    body = is_problem(client.patch_json(url, {"statu": "dropped"}), 400)
    assert body["errors"][0]["field"] == "statu"
    is_problem(client.patch_json(url, {"status": "finished"}), 400)
    items[0].refresh_from_db()
    assert items[0].status == "in_progress"


def test_progress_writes_are_refused_with_the_reason(personas):
    review_round, items = _repeat_round(personas)
    url = f"/api/v1/rounds/{review_round.pk}/progress/{items[0].pk}/"
    # read-only token
    body = is_problem(
        ApiClient(token_for(personas.host_member, "read")).patch_json(url, {"status": "dropped"}), 403
    )
    assert "read-only" in body["detail"]
    # the lead evaluator sees the progress but may not report it
    lead = ApiClient(token_for(personas.assigned_evaluator))
    assert lead.get(url).status_code == 200
    assert "host city" in is_problem(lead.patch_json(url, {"status": "dropped"}), 403)["detail"]
    # out of turn
    review_round.state = "scoring"
    review_round.save()
    host = ApiClient(token_for(personas.host_member))
    assert "pre-report is open" in is_problem(host.patch_json(url, {"status": "dropped"}), 403)["detail"]
    # not visible at all
    is_problem(ApiClient(token_for(personas.other_city_member)).patch_json(url, {"status": "dropped"}), 404)


def test_an_evaluator_accepts_and_declines_invitations(personas):
    evaluator = personas.unassigned_evaluator
    first = factories.AssignmentFactory(evaluator=evaluator, state="invited")
    second = factories.AssignmentFactory(evaluator=evaluator, state="invited")
    client = ApiClient(token_for(evaluator))
    listed = client.get("/api/v1/me/invitations/?state=invited").json()
    assert {row["id"] for row in listed["results"]} == {first.pk, second.pk}

    accepted = client.post_json(f"/api/v1/me/invitations/{first.pk}/accept/")
    declined = client.post_json(f"/api/v1/me/invitations/{second.pk}/decline/", {"reason": "Busy in May."})

    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert declined.json()["state"] == "declined" and declined.json()["decline_reason"] == "Busy in May."
    # answered already: a 409 that says so; someone else's invitation does not exist
    assert (
        "already answered"
        in is_problem(client.post_json(f"/api/v1/me/invitations/{first.pk}/accept/"), 409)["detail"]
    )
    other = ApiClient(token_for(personas.assigned_evaluator))
    is_problem(other.post_json(f"/api/v1/me/invitations/{first.pk}/decline/"), 404)
    # now on the panel: the round is visible
    assert client.get(f"/api/v1/rounds/{first.round_id}/").status_code == 200


def test_session_writes_need_the_csrf_token(personas):
    review_round, items = _repeat_round(personas)
    client = ApiClient(enforce_csrf_checks=True)
    client.force_login(personas.host_member)
    url = f"/api/v1/rounds/{review_round.pk}/progress/{items[0].pk}/"
    assert client.get(url).status_code == 200
    is_problem(client.patch_json(url, {"status": "dropped"}), 403)


def test_the_schema_and_the_docs_page(client, personas):
    assert client.get("/api/v1/schema/").status_code == 200  # public, it holds no data
    assert client.get("/api/v1/docs/").status_code == 302  # a page of the site: sign in first
    client.force_login(personas.host_member)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    nonce = page.wsgi_request.csp_nonce
    assert "swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert html.count(f'nonce="{nonce}"') == 2 and "<script>" not in html
    assert f"'nonce-{nonce}'" in page["Content-Security-Policy"]


def test_a_refusal_is_in_the_persons_language_without_accept_language(personas):
    personas.host_member.language = "fi"
    personas.host_member.save()
    review_round, items = _repeat_round(personas)
    client = ApiClient(token_for(personas.host_member, "read"))
    url = f"/api/v1/rounds/{review_round.pk}/progress/{items[0].pk}/"
    response = client.patch_json(url, {"status": "dropped"})
    assert is_problem(response, 403)["detail"].startswith("Tällä API-avaimella on vain lukuoikeus")
    assert response["Content-Language"] == "fi"


def test_api_action_proposals_newest_report_first_counted_as_before(client, personas):
    """The page is read with the published-report hint (ActionProposalViewSet.rows_to_page): the
    same rows in the same order, and the same count, as the plain list."""
    now = timezone.now()
    expected = []
    for days_ago, titles in (
        (3, ["Old one", "Old two"]),
        (1, ["New one"]),
        (2, ["Middle one", "Middle two"]),
    ):
        review_round = factories.published_round(
            published_at=now - datetime.timedelta(days=days_ago), publication_level="network"
        )
        report = review_round.summary_report
        ActionProposal.objects.filter(report=report).delete()
        for number, title in enumerate(titles, start=1):
            ActionProposal.objects.create(report=report, number=number, title=title)
        expected.append((days_ago, report.pk, titles))
    draft = get_or_create_report(factories.RoundFactory(state="drafting"))
    ActionProposal.objects.create(report=draft, number=1, title="Not published")
    titles_in_order = [
        title for _, _, titles in sorted(expected, key=lambda row: (row[0], row[1])) for title in titles
    ]
    client.force_login(personas.host_member)

    pages = [
        client.get("/api/v1/action-proposals/", {"page": page, "page_size": 2}).json() for page in (1, 2, 3)
    ]

    assert [page["count"] for page in pages] == [5, 5, 5]
    assert [row["title"] for page in pages for row in page["results"]] == titles_in_order
    assert pages[2]["next"] is None
