"""The network learns: a member of another city searches the library for a word from Tampere's
good practice, sees the hit and opens Tampere's published report at that finding."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from cities.models import User
from peerreview.models import Round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READER = "porto@demo.eu"
ANCHOR = "finding-who5-good-practice"  # Tampere's market-dialogue model with published minutes


def test_another_city_finds_tamperes_good_practice_and_opens_the_report_there(
    open_as, visit, browser_settings
):
    call_command("seed_demo", stdout=io.StringIO())
    tampere = Round.objects.get(host_city__name="Tampere", state="published")
    report_url = reverse("reports:report_view", args=[tampere.pk])
    library = reverse("network:library")
    page = open_as(User.objects.get(email=READER))

    with page.expect_navigation():
        page.locator(f"header a[href='{library}']").click()
    visit.check(page, "Library", screenshot=True)
    expect(page.locator(f"main a[href='{report_url}']")).to_be_visible()  # Tampere's report is listed

    search = page.locator("main form[role=search]")
    search.locator("input[name=q]").fill("published minutes")
    with page.expect_navigation():
        search.locator("button[type=submit]").click()
    hit = page.locator(f"main a[href='{report_url}#{ANCHOR}']")
    expect(hit).to_be_visible()
    expect(hit.locator("xpath=ancestor::li[1]").locator("mark").first).to_be_visible()
    visit.check(page, "Library search hits", screenshot=True)

    with page.expect_navigation():
        hit.click()
    expect(page).to_have_url(re.compile(re.escape(f"{report_url}#{ANCHOR}") + "$"))
    target = page.locator(f"#{ANCHOR}")
    expect(target).to_be_in_viewport()
    expect(target.locator("xpath=following-sibling::dd[1]")).to_contain_text("published minutes")
    visit.check(page, "Tampere's report at the good practice", screenshot=True)

    page.goto(f"{reverse('network:good_practice')}?criterion=WHO.5")
    expect(page.locator(f"main a[href='{report_url}#{ANCHOR}']")).to_be_visible()
    visit.check(page, "Good practice for WHO.5", screenshot=True)

    page.goto(f"{library}?q=zzzqqxx&country=FI")
    expect(page.locator("main [role=status]").first).to_be_visible()
    visit.check(page, "Library without hits")
    visit.assert_clean()
