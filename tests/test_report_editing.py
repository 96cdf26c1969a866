"""Writing the report: who may edit when, and what the factual check needs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reports.models import ActionProposal
from reports.services import get_or_create_report, save_report_texts, send_for_factual_check
from tests import factories

pytestmark = pytest.mark.django_db

TEXTS = {
    "executive_summary": "Strong mandate.",
    "key_strengths": "Market dialogue.",
    "purpose_and_scope": "Whole city.",
    "process_notes": "No conflicts.",
    "next_steps": "Repeat in 18 months.",
}


@pytest.mark.parametrize("state", ["assessment", "drafting", "factual_check"])
def test_the_panel_edits_the_report_until_publication(state):
    review_round = factories.RoundFactory(state=state)
    report = get_or_create_report(review_round)

    save_report_texts(report=report, **TEXTS)

    report.refresh_from_db()
    assert report.executive_summary == "Strong mandate."


@pytest.mark.parametrize("state", ["scoring", "published", "cancelled"])
def test_the_report_cannot_be_edited_outside_its_steps(state):
    review_round = factories.RoundFactory(state="drafting")
    report = get_or_create_report(review_round)
    review_round.state = state
    review_round.save()

    with pytest.raises(ValidationError):
        save_report_texts(report=report, **TEXTS)


def test_the_draft_goes_to_the_city_only_with_a_summary_and_a_proposal():
    review_round = factories.RoundFactory(state="drafting")
    report = get_or_create_report(review_round)

    with pytest.raises(ValidationError) as refused:
        send_for_factual_check(review_round=review_round, actor=None)
    assert len(refused.value.messages) == 2

    save_report_texts(report=report, **TEXTS)
    ActionProposal.objects.create(report=report, number=1, title="Set indicator baselines")
    send_for_factual_check(review_round=review_round, actor=None)
    review_round.refresh_from_db()
    assert review_round.state == "factual_check"


def test_lead_corrects_the_draft_during_the_factual_check_through_the_page(client, personas):
    review_round = personas.review_round
    review_round.state = "factual_check"
    review_round.save()
    get_or_create_report(review_round)
    client.force_login(personas.assigned_evaluator)

    response = client.get(reverse("reports:report_edit", kwargs={"round_id": review_round.pk}))

    assert response.status_code == 200
