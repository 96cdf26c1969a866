"""Under the strict Content-Security-Policy, the pages still work: Bootstrap's JavaScript, our
static/js, and the Django admin (inlines, translation tabs, filter widgets, autocomplete),
with no violation reported in the browser's console."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from peerreview.services.rounds import prepare_prereport
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_key_pages_and_the_admin_work_under_the_csp(open_as, visit, personas, browser_settings):
    visit.prefix = "csp"
    browser_settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    review_round = personas.review_round
    review_round.state = "prereport_open"
    review_round.opens_on = timezone.localdate()
    review_round.save()
    prepare_prereport(review_round)

    host = open_as(personas.host_member)
    host.goto(reverse("peerreview:prereport_edit", args=[review_round.pk]))
    bar = host.locator(".progress-bar[data-percent]")
    expect(bar).to_have_count(1)
    assert bar.evaluate("element => element.style.width") == f"{bar.get_attribute('data-percent')}%"
    # static/js/app.js runs: a file over the limit is refused at the field, before it is sent
    upload = host.locator("input[type=file][data-max-bytes]")
    upload.set_input_files(
        {"name": "big.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4" + b"0" * (1024 * 1024)}
    )
    assert "the limit is 1 MB" in upload.evaluate("input => input.validationMessage")
    upload.set_input_files({"name": "small.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"})
    assert upload.evaluate("input => input.validationMessage") == ""
    # Bootstrap's JavaScript runs: the collapsed navbar opens on a narrow screen.
    host.set_viewport_size({"width": 500, "height": 900})
    host.locator("button.navbar-toggler").click()
    expect(host.locator("#main-nav")).to_have_class(re.compile(r"\bcollapse show\b"))
    expect(host.locator("#main-nav a").first).to_be_visible()
    visit.check(host, "Pre-report editor under the CSP")

    coordinator = open_as(factories.CoordinatorFactory(is_superuser=True))
    framework = review_round.framework
    pages = [
        reverse("peerreview:dashboard"),
        reverse("peerreview:round_detail", args=[review_round.pk]),
        reverse("admin:index"),
        reverse("admin:peerreview_round_changelist"),
        reverse("admin:peerreview_round_change", args=[review_round.pk]),
        reverse("admin:peerreview_framework_change", args=[framework.pk]),
        reverse("admin:cities_city_change", args=[review_round.host_city_id]),
        reverse("admin:cities_evaluatorprofile_add"),
        reverse("admin:cities_user_changelist") + "?q=a",
    ]
    for url in pages:
        coordinator.goto(url)
        coordinator.wait_for_load_state("load")
        assert not visit.csp_violations, visit.csp_violations
    # the admin's own JavaScript runs: select2 autocomplete opens its search box
    coordinator.goto(reverse("admin:cities_evaluatorprofile_add"))
    coordinator.locator(".field-user .select2-selection").first.click()
    expect(coordinator.locator(".select2-search__field")).to_be_visible()
    visit.assert_clean()
