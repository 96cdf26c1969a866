"""Every report unit keeps its history: who changed what when, a readable diff, restore."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import ActionProposal, SummaryReport
from reports.services import get_or_create_report
from tests.html_forms import unit_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafting(personas):
    review_round = personas.review_round
    review_round.state = "drafting"
    review_round.save()
    return review_round, get_or_create_report(review_round)


def _save_section(client, review_round, field, text):
    url = reverse("reports:report_edit", args=[review_round.pk])
    data = unit_data(client.get(url), f"section-{field}")
    data[f"report-{field}"] = text
    assert client.post(url, data).status_code == 302


def test_a_section_history_shows_who_changed_what_and_restores_an_earlier_text(client, personas, drafting):
    review_round, report = drafting
    client.force_login(personas.assigned_evaluator)
    _save_section(client, review_round, "executive_summary", "Strong mandate, weak indicators.")
    client.force_login(personas.coordinator)
    _save_section(client, review_round, "executive_summary", "Strong mandate, good indicators.")
    _save_section(client, review_round, "next_steps", "Unrelated change.")  # not in this section's history

    url = reverse("reports:unit_history", args=[review_round.pk, "section", "executive_summary"])
    page = client.get(url).content.decode()

    assert page.count('class="card mb-3"') == 2
    assert personas.assigned_evaluator.full_name in page and personas.coordinator.full_name in page
    assert "<del>weak</del>" in page and "<ins>good</ins>" in page
    assert "Unrelated change." not in page

    earlier = SummaryReport.history.filter(id=report.pk, executive_summary__contains="weak").get()
    response = client.post(url, {"history_id": earlier.history_id})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.executive_summary == "Strong mandate, weak indicators."
    assert report.next_steps == "Unrelated change."  # restoring one section leaves the others alone
    newest = SummaryReport.history.filter(id=report.pk).order_by("-history_date", "-history_id").first()
    assert newest.history_user == personas.coordinator


def test_a_finding_and_a_proposal_have_their_own_history(client, personas, drafting):
    review_round, report = drafting
    client.force_login(personas.assigned_evaluator)
    url = reverse("reports:report_edit", args=[review_round.pk])
    finding = report.findings.first()
    data = unit_data(client.get(url), f"finding-{finding.pk}")
    data[f"finding-{finding.pk}-strengths"] = "A clear mandate."
    client.post(url, data)
    actions = reverse("reports:actions_edit", args=[review_round.pk])
    data = unit_data(client.get(actions), "new")
    data["new-title"] = "Train the buyers"
    client.post(actions, data)
    proposal = ActionProposal.objects.get(report=report)
    data = unit_data(client.get(actions), f"proposal-{proposal.pk}")
    data[f"proposal-{proposal.pk}-owner"] = "Head of procurement"
    client.post(actions, data)

    finding_page = client.get(reverse("reports:unit_history", args=[review_round.pk, "finding", finding.pk]))
    proposal_page = client.get(
        reverse("reports:unit_history", args=[review_round.pk, "proposal", proposal.pk])
    )

    assert "A clear mandate." in finding_page.content.decode()
    proposal_html = proposal_page.content.decode()
    assert "Train the buyers" in proposal_html and "Head of procurement" in proposal_html
    assert proposal_html.count('class="card mb-3"') == 2


def test_a_unit_of_another_report_is_not_found(client, personas, drafting):
    review_round, _report = drafting
    other = get_or_create_report(
        type(review_round).objects.create(
            host_city=review_round.host_city,
            framework=review_round.framework,
            title="Other",
            state="drafting",
        )
    )
    client.force_login(personas.coordinator)
    url = reverse("reports:unit_history", args=[review_round.pk, "finding", other.findings.first().pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(
            reverse("reports:unit_history", args=[review_round.pk, "section", "city_response"])
        ).status_code
        == 404
    )


def test_no_restore_after_publication(client, personas, drafting):
    review_round, report = drafting
    client.force_login(personas.assigned_evaluator)
    _save_section(client, review_round, "key_strengths", "First.")
    _save_section(client, review_round, "key_strengths", "Second.")
    earlier = SummaryReport.history.filter(id=report.pk, key_strengths="First.").get()
    review_round.state = "published"
    review_round.save()

    url = reverse("reports:unit_history", args=[review_round.pk, "section", "key_strengths"])
    page = client.get(url)
    response = client.post(url, {"history_id": earlier.history_id})

    assert page.status_code == 200 and "history_id" not in page.content.decode()
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.key_strengths == "Second."
