"""Response headers: a strict Content-Security-Policy with a nonce, Permissions-Policy,
no-store for signed-in pages and downloads; templates that keep the CSP possible; a NUL
character in any admin search or filter is a 400, never a 500."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from tests import factories

ROOT = Path(settings.BASE_DIR)


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.django_db
def test_csp_has_a_nonce_and_no_unsafe_inline(client, personas):
    client.force_login(personas.host_member)
    response = client.get(reverse("peerreview:dashboard"))
    policy = _directives(response["Content-Security-Policy"])
    nonces = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    nonce = nonces[0][len("'nonce-") : -1]
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    # a new nonce for every response
    again = _directives(client.get(reverse("peerreview:dashboard"))["Content-Security-Policy"])
    assert [s for s in again["script-src"] if s.startswith("'nonce-")] != nonces


@pytest.mark.django_db
def test_csp_covers_the_admin_and_the_login_page(client, personas):
    assert "Content-Security-Policy" in client.get(reverse("login")).headers
    client.force_login(personas.coordinator)
    assert "'unsafe-inline'" not in client.get(reverse("admin:index"))["Content-Security-Policy"]


@pytest.mark.django_db
def test_permissions_policy_everywhere(client, personas):
    for response in (client.get(reverse("login")), client.get(reverse("cities:accessibility"))):
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
            assert feature in policy


@pytest.mark.django_db
def test_signed_in_pages_and_downloads_are_never_stored(client, personas):
    review_round = personas.review_round
    review_round.state = "assessment"
    review_round.save()
    client.force_login(personas.coordinator)
    for url in (
        reverse("peerreview:dashboard"),
        reverse("peerreview:round_detail", args=[review_round.pk]),
        reverse("admin:index"),
        reverse("reports:export_scores", args=[review_round.pk]) + "?format=xlsx",
        reverse("reports:export_all_proposals"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url


@pytest.mark.django_db
def test_public_pages_may_be_cached(client):
    assert "no-store" not in client.get(reverse("cities:accessibility")).get("Cache-Control", "")


# Templates a browser renders (e-mails go to mail programs; the PDFs' templates to WeasyPrint).
NOT_FOR_BROWSERS = ("templates/emails/", "templates/reports/pdf.html", "templates/network/synthesis_pdf.html")
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_unsafe_inline():
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")) + sorted(ROOT.glob("*/templates/**/*.html")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(NOT_FOR_BROWSERS):
            continue
        text = path.read_text(encoding="utf-8")
        problems += [f"{relative}: {label}" for pattern, label in INLINE if pattern.search(text)]
    assert problems == []


# --- NUL characters ---------------------------------------------------------------------


def _changelists() -> list[tuple[str, str]]:
    """(changelist URL name, a filter parameter of it) for every model in the admin."""
    found = []
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        filters = [f for f in model_admin.list_filter if isinstance(f, str)]
        parameter = f"{filters[0]}__exact" if filters else "id__exact"
        found.append((name, parameter))
    return sorted(found)


@pytest.mark.django_db
def test_nul_in_any_admin_search_or_filter_is_a_400(client, personas):
    client.force_login(factories.CoordinatorFactory(is_superuser=True))
    changelists = _changelists()
    assert len(changelists) >= 15
    for name, parameter in changelists:
        url = reverse(name)
        assert client.get(url).status_code == 200, name
        for query in ("?q=%00", f"?{parameter}=%00", "?q=a%00b&o=1", "?%00=1"):
            response = client.get(url + query)
            assert response.status_code == 400, (name, query, response.status_code)


@pytest.mark.django_db
def test_nul_elsewhere_is_a_400(client, personas):
    client.force_login(personas.host_member)
    assert client.get(reverse("peerreview:dashboard") + "?page=%00").status_code == 400
    assert client.get("/rounds/%00/").status_code in (400, 404)
