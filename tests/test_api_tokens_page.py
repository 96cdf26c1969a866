"""My account → API tokens and calendar: a person creates a token (shown once), uses it, sees
its last use, revokes it and gets a 401 — in English, Finnish and Swedish."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from tests import factories
from tests.api_helpers import ApiClient, clear_throttles, is_problem

pytestmark = pytest.mark.django_db

HEADINGS = {
    "en": "API tokens and calendar",
    "fi": "API-avaimet ja kalenteri",
    "sv": "API-nycklar och kalender",
}


@pytest.fixture(autouse=True)
def _fresh_throttles():
    clear_throttles()


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_create_use_and_revoke_a_token_on_the_profile_page(client, personas, language):
    person = personas.host_member
    person.language = language
    person.save()
    client.force_login(person)
    account = client.get(reverse("accounts:account")).content.decode()
    assert reverse("api_access:tokens") in account and HEADINGS[language] in account

    page = reverse("api_access:tokens")
    created = client.post(page, {"name": "City dashboard", "scope": "read", "expires_in": "90"})
    assert created.status_code == 302
    shown = client.get(page).content.decode()
    assert HEADINGS[language] in shown
    secret = re.search(r'value="(prt_[^"]+)"', shown).group(1)
    assert secret not in client.get(page).content.decode()  # shown once
    token = ApiToken.objects.get(user=person)
    assert token.name == "City dashboard" and token.scope == "read" and token.expires_at is not None

    api = ApiClient(secret)
    rounds = api.get("/api/v1/rounds/")
    assert rounds.status_code == 200 and rounds.json()["results"][0]["id"] == personas.review_round.pk
    token.refresh_from_db()
    assert token.last_used_at is not None

    revoked = client.post(reverse("api_access:token_revoke", args=[token.pk]))
    assert revoked.status_code == 302
    body = is_problem(api.get("/api/v1/rounds/"), 401)
    assert body["detail"]


def test_a_token_needs_a_name_and_the_form_says_so(client, personas):
    client.force_login(personas.host_member)
    response = client.post(reverse("api_access:tokens"), {"name": " ", "scope": "read", "expires_in": ""})
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token(client, personas):
    owner = factories.UserFactory()
    client.force_login(owner)
    client.post(reverse("api_access:tokens"), {"name": "Mine", "scope": "read_write", "expires_in": ""})
    token = ApiToken.objects.get(user=owner)
    client.force_login(personas.coordinator)
    assert client.post(reverse("api_access:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_and_calendar_addresses_are_in_the_audit_trail(client, personas):
    from audit.models import AuditEntry

    person = personas.host_member
    client.force_login(person)
    client.post(reverse("api_access:tokens"), {"name": "City dashboard", "scope": "read", "expires_in": ""})
    token = ApiToken.objects.get(user=person)
    client.post(reverse("api_access:token_revoke", args=[token.pk]))
    client.post(reverse("api_access:calendar_create"))
    client.post(reverse("api_access:calendar_create"))  # the first address is revoked by the second

    rows = AuditEntry.objects.filter(event=AuditEntry.Event.API_ACCESS, actor=person).order_by("pk")
    assert [row.additional_data["change"] for row in rows] == [
        "api_token_created",
        "api_token_revoked",
        "calendar_address_created",
        "calendar_address_revoked",
        "calendar_address_created",
    ]
    assert rows[0].additional_data["name"] == "City dashboard"
    assert not any(token.digest in str(row.__dict__) for row in rows)
