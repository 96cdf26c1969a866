"""Helpers for the API tests: a token for a persona and a client that sends it."""

from __future__ import annotations

from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.tokens import create_api_token
from reports.models import ActionProposal, Finding, SummaryReport
from reports.services import get_or_create_report


def token_for(user, scope: str = ApiToken.Scope.READ_WRITE) -> str:
    return create_api_token(user=user, name="tests", scope=scope).secret


class ApiClient(Client):
    """Django's test client with an API token (or none: anonymous) on every request."""

    def __init__(self, secret: str | None = None, **defaults):
        if secret:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        super().__init__(**defaults)

    def patch_json(self, path: str, data: dict, **extra):
        return self.patch(path, data=data, content_type="application/json", **extra)

    def post_json(self, path: str, data: dict | None = None, **extra):
        return self.post(path, data=data or {}, content_type="application/json", **extra)


def clear_throttles() -> None:
    caches["default"].clear()


def publish(review_round, level: str = "round", *, proposals: int = 1) -> SummaryReport:
    """A published report with a finding per scored criterion and `proposals` action proposals."""
    report = get_or_create_report(review_round)
    report.executive_summary = "The unit buys with a clear mandate."
    report.save()
    for number in range(1, proposals + 1):
        ActionProposal.objects.create(report=report, number=number, title=f"Proposal {number}")
    Finding.objects.filter(report=report).update(strengths="Market dialogue.")
    review_round.state = "published"
    review_round.published_at = timezone.now()
    review_round.save()
    SummaryReport.objects.filter(pk=report.pk).update(published_at=timezone.now(), publication_level=level)
    report.refresh_from_db()
    return report


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    return body
