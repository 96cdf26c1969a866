"""The demo a new user first sees: rounds in every state, and no page of it fails."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from cities.models import User
from peerreview.models import Round, RoundState
from reports.models import SummaryReport

pytestmark = pytest.mark.django_db

ROUND_PAGES = [
    "peerreview:round_detail",
    "peerreview:prereport_edit",
    "peerreview:indicators_edit",
    "peerreview:panel_manage",
    "peerreview:scoring_sheet",
    "peerreview:score_overview",
    "peerreview:assessment_planner",
    "reports:report_view",
    "reports:report_edit",
    "reports:actions_edit",
    "reports:factual_check",
    "reports:publish",
]


@pytest.fixture
def demo(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", verbosity=0)


def test_demo_has_rounds_in_every_state_and_a_published_report(demo):
    states = set(Round.objects.values_list("state", flat=True))
    assert states == set(RoundState.values)
    published = Round.objects.get(state=RoundState.PUBLISHED, host_city__name="Tampere")
    report = SummaryReport.objects.get(round=published)
    assert report.action_proposals.count() >= 6
    repeat = Round.objects.get(previous_round=published)
    assert repeat.state == RoundState.PLANNED and repeat.opens_on is not None
    assert User.objects.filter(is_coordinator=True).exists()
    assert {round_.host_city.country for round_ in Round.objects.all()} >= {"FI", "SE", "NL"}


def test_second_run_changes_nothing(demo):
    before = Round.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Round.objects.count() == before


def test_no_demo_page_is_a_server_error_for_any_demo_user(demo, client):
    rounds = list(Round.objects.all())
    for user in User.objects.filter(email__endswith="@demo.eu"):
        client.force_login(user)
        assert client.get(reverse("peerreview:dashboard")).status_code == 200, user
        for review_round in rounds:
            for name in ROUND_PAGES:
                response = client.get(reverse(name, kwargs={"round_id": review_round.pk}))
                assert response.status_code in (200, 302, 403, 404), (user.email, review_round.title, name)


def test_back_office_pages_open_for_the_coordinator(demo, client):
    client.force_login(User.objects.get(email="coordinator@demo.eu"))
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        first = model.objects.order_by("pk").first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert client.get(change).status_code == 200, change


def test_tampere_shares_its_published_report_with_the_network(demo, client):
    tampere = Round.objects.get(host_city__name="Tampere", state=RoundState.PUBLISHED)
    assert tampere.summary_report.publication_level == "network"
    client.force_login(User.objects.get(email="porto@demo.eu"))
    assert client.get(reverse("reports:report_view", kwargs={"round_id": tampere.pk})).status_code == 200
    assert client.get(reverse("reports:public_report", kwargs={"round_id": tampere.pk})).status_code == 404


def test_the_library_has_five_published_reports_from_five_cities(demo, client):
    published = Round.objects.filter(state=RoundState.PUBLISHED)
    assert published.values("host_city").distinct().count() >= 5
    levels = set(
        SummaryReport.objects.filter(round__in=published).values_list("publication_level", flat=True)
    )
    assert {"network", "public"} <= levels
    client.force_login(User.objects.get(email="porto@demo.eu"))
    page = client.get(reverse("network:library"), {"q": "published minutes"}).content.decode()
    assert "finding-who5-good-practice" in page
    good_practice = client.get(reverse("network:good_practice"), {"criterion": "HOW.3"}).content.decode()
    assert "Malmö" in good_practice and "Ghent" in good_practice
