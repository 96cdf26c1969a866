"""Autosave in a real browser: two host-city members type in the same pre-report, and the lead
and a coordinator in the same report finding. Each unit saves itself after a pause ("Saved at
HH:MM"); the person whose page is stale gets a visible conflict with both texts, nothing of
theirs is lost, and saving the merged text works."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.text import slugify
from playwright.sync_api import expect

from peerreview.models import Answer, PreReport
from peerreview.services.rounds import transition_round
from reports.services import get_or_create_report
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_autosave_per_criterion_and_a_visible_conflict(open_as, visit):
    host = factories.CityFactory(name="Tampere")
    review_round = factories.RoundFactory(host_city=host, title="Tampere 2026")
    transition_round(
        review_round=review_round, to_state="prereport_open", actor=factories.CoordinatorFactory()
    )
    anna = factories.MembershipFactory(city=host).user
    bert = factories.MembershipFactory(city=host).user
    answers = list(
        Answer.objects.filter(prereport__round=review_round)
        .select_related("criterion")
        .order_by("criterion__order")
    )
    first, second = answers[0], answers[1]
    editor = reverse("peerreview:prereport_edit", args=[review_round.pk])

    a, b = open_as(anna), open_as(bert)
    a.goto(editor)
    b.goto(editor)

    # Different criteria: both autosave, both kept.
    a.locator(f"textarea[name='c{first.criterion_id}-narrative']").fill("Anna on the first criterion.")
    b.locator(f"textarea[name='c{second.criterion_id}-narrative']").fill("Bert on the second criterion.")
    saved = re.compile(r"Saved at \d\d:\d\d")
    expect(a.locator(f"#criterion-{first.criterion_id} .autosave-status")).to_have_text(saved)
    expect(b.locator(f"#criterion-{second.criterion_id} .autosave-status")).to_have_text(saved)
    assert Answer.objects.get(pk=first.pk).narrative == "Anna on the first criterion."
    assert Answer.objects.get(pk=second.pk).narrative == "Bert on the second criterion."

    # The same criterion: Bert's page still has the version before Anna's save.
    b.locator(f"textarea[name='c{first.criterion_id}-narrative']").fill("Bert's view of the first.")
    card = b.locator(f"#criterion-{first.criterion_id}")
    expect(card.locator("[data-edit-conflict]")).to_be_visible()
    expect(card.locator("[data-edit-conflict]")).to_contain_text("Anna on the first criterion.")
    expect(card.locator("[data-edit-conflict]")).to_contain_text("Bert's view of the first.")
    visit.check(b, "Pre-report editor (autosave conflict)", screenshot=True)
    assert Answer.objects.get(pk=first.pk).narrative == "Anna on the first criterion."

    # Bert merges in the form and saves deliberately.
    b.locator(f"textarea[name='c{first.criterion_id}-narrative']").fill("Anna on the first. Bert agrees.")
    card.locator(".autosave-conflict button").click()
    expect(card.locator(".autosave-status")).to_have_text(saved)
    expect(card.locator("[data-edit-conflict]")).to_have_count(0)
    assert Answer.objects.get(pk=first.pk).narrative == "Anna on the first. Bert agrees."

    # The header autosaves too, and the plain "Save draft" after autosaves is not a conflict.
    b.locator("textarea[name='prereport-context']").fill("Spend 900 M€ a year.")
    expect(b.locator("#intro .autosave-status")).to_have_text(saved)
    with b.expect_navigation():
        b.locator("main .form-actions button[name=action][value=save]").click()
    expect(b.locator("main .messages .alert-success").first).to_be_visible()
    expect(b.locator("main [data-edit-conflict]")).to_have_count(0)
    assert PreReport.objects.get(round=review_round).context == "Spend 900 M€ a year."
    visit.assert_clean()


def test_two_browsers_on_one_report_finding_merge_different_fields_and_show_a_conflict(
    open_as, visit, personas
):
    """The lead and a coordinator write the same finding: different fields both stay; the same
    field, from the page loaded before the other's save, shows both texts and loses nothing."""
    review_round = personas.review_round
    review_round.state = "drafting"
    review_round.save()
    report = get_or_create_report(review_round)
    finding = report.findings.select_related("criterion").first()
    unit = f"finding-{finding.pk}"
    editor = reverse("reports:report_edit", args=[review_round.pk])
    card_id = f"#criterion-{slugify(finding.criterion.code)}"

    lead, coordinator = open_as(personas.assigned_evaluator), open_as(personas.coordinator)
    lead.goto(editor)
    coordinator.goto(editor)
    visit.check(lead, "Report editor (per-unit forms)")
    lead_card, coordinator_card = lead.locator(card_id), coordinator.locator(card_id)
    saved = re.compile(r"Saved at \d\d:\d\d")

    # Different fields of one finding: both autosave, both kept.
    lead_card.locator(f"textarea[name='{unit}-strengths']").fill("A clear political mandate.")
    expect(lead_card.locator(".autosave-status")).to_have_text(saved)
    coordinator_card.locator(f"textarea[name='{unit}-evidence']").fill("Strategy 2025 and the minutes.")
    expect(coordinator_card.locator(".autosave-status")).to_have_text(saved)
    finding.refresh_from_db()
    assert (finding.strengths, finding.evidence) == (
        "A clear political mandate.",
        "Strategy 2025 and the minutes.",
    )

    # The same field: the coordinator's page still shows the strengths as they were loaded.
    coordinator_card.locator(f"textarea[name='{unit}-strengths']").fill("Mandate, but no indicators.")
    conflict = coordinator_card.locator("[data-edit-conflict]")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("A clear political mandate.")
    expect(conflict).to_contain_text("Mandate, but no indicators.")
    expect(coordinator_card.locator(f"textarea[name='{unit}-strengths']")).to_have_value(
        "Mandate, but no indicators."
    )
    visit.check(coordinator, "Report editor (autosave conflict)", screenshot=True)
    finding.refresh_from_db()
    assert finding.strengths == "A clear political mandate."

    # The coordinator merges and saves deliberately.
    coordinator_card.locator(f"textarea[name='{unit}-strengths']").fill(
        "A clear political mandate, but no indicators yet."
    )
    coordinator_card.locator(".autosave-conflict button").click()
    expect(coordinator_card.locator(".autosave-status")).to_have_text(saved)
    expect(conflict).to_have_count(0)
    finding.refresh_from_db()
    assert finding.strengths == "A clear political mandate, but no indicators yet."
    assert finding.evidence == "Strategy 2025 and the minutes."
    visit.assert_clean()
