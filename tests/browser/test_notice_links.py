"""Links inside the coloured notices (Bootstrap's alerts) are readable: a plain link's blue on an
alert's pale background is below WCAG's 4.5:1 contrast, so they take the alert's own link colour
(`alert-link`). axe checks two notices a person meets: the repeat round's pre-report, which
points to the progress on the earlier proposals, and the scoring sheet's list of criteria still
to score after an early "Submit"."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from peerreview.models import Round
from peerreview.services.framework_loader import load_default_framework
from peerreview.services.repeat_rounds import open_repeat_round
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_links_inside_notices_meet_the_contrast_minimum(open_as, visit):
    framework = load_default_framework()
    coordinator = factories.CoordinatorFactory()
    host = factories.CityFactory(name="Tampere")
    earlier = factories.RoundFactory(host_city=host, framework=framework, title="Tampere 2024")
    repeat = factories.RoundFactory(
        host_city=host, framework=framework, title="Tampere 2026", previous_round=earlier
    )
    lead = factories.AssignmentFactory(round=repeat, role="lead").evaluator
    assert open_repeat_round(repeat, actor=coordinator)

    page = open_as(factories.MembershipFactory(city=host).user)
    page.goto(reverse("peerreview:prereport_edit", args=[repeat.pk]))
    progress = page.locator(f"main .alert a[href='{reverse('reports:action_progress', args=[repeat.pk])}']")
    expect(progress).to_have_class("alert-link")
    visit.check(page, "Repeat round's pre-report with its notice")

    # The steps between (submission, the panel's start) are other tests' subject.
    Round.objects.filter(pk=repeat.pk).update(state="scoring")
    sheet = open_as(lead)
    sheet.goto(reverse("peerreview:scoring_sheet", args=[repeat.pk]))
    with sheet.expect_navigation():
        sheet.locator("main form button[name=action][value=submit]").click()
    to_score = sheet.locator("main .alert a[href^='#criterion-']")
    expect(to_score.first).to_be_visible()
    assert to_score.count() == 20
    visit.check(sheet, "Scoring sheet submitted too early, with the criteria to score")
    visit.assert_clean()
