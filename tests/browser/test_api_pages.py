"""The API as a new user meets it, in a real browser and in English, Finnish and Swedish: create a
token on My account, call the API with it, revoke it and get a 401; the Swagger UI documentation
runs under the site's Content-Security-Policy; axe checks the token page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.urls import reverse

from tests import factories
from tests.browser.conftest import LANGUAGES, translated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _call(base: str, path: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the live server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_user_creates_uses_and_revokes_a_token(open_as, visit, live_server, language):
    person = factories.MembershipFactory(user__language=language).user
    review_round = factories.RoundFactory(host_city=person.memberships.get().city, title="Oulu 2026")
    page = open_as(person, language=language)

    page.goto(reverse("accounts:account"))
    with page.expect_navigation():
        page.locator(f"main a[href='{reverse('api_access:tokens')}']").click()
    assert page.locator("h1").inner_text() == translated(language, "API tokens and calendar")
    page.locator("input[name=name]").fill("City dashboard")
    page.locator("input[name=scope][value=read]").check()
    with page.expect_navigation():
        page.locator(f"main form[action='{reverse('api_access:tokens')}'] button[type=submit]").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("prt_")
    visit.check(page, f"API tokens ({language})", screenshot=True)

    status, body = _call(live_server.url, "/api/v1/rounds/", secret)
    assert status == 200 and [row["title"] for row in body["results"]] == [review_round.title]

    page.reload()
    row = page.locator("main tbody tr", has_text="City dashboard")
    assert secret not in page.content()  # shown once
    last_used = row.locator("td").nth(3).inner_text()  # its last use is shown: a date, not "never"
    assert any(character.isdigit() for character in last_used), last_used
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    status, body = _call(live_server.url, "/api/v1/rounds/", secret)
    assert status == 401 and body["status"] == 401 and body["detail"]
    visit.assert_clean()


def test_the_documentation_runs_under_the_content_security_policy(open_as, visit):
    page = open_as(factories.UserFactory())
    page.goto(reverse("api:docs"))
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 20  # every operation of the schema
    visit.screenshot(page, "API documentation")
    # Swagger UI is a third party's page: checked for blocked scripts and styles, not with axe.
    assert not visit.csp_violations, visit.csp_violations
    assert not visit.server_errors, visit.server_errors
