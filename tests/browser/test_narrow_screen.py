"""On a phone-wide screen (320 CSS pixels, WCAG 1.4.10 Reflow) the coordinator's and an
evaluator's busiest pages do not scroll sideways as a whole: their wide tables scroll inside
their own wrapper (`.table-responsive`, which also holds the tables' visually hidden labels)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cities.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 640}


def test_the_busiest_pages_fit_a_phone_wide_screen(open_as, visit, browser_settings):
    call_command("seed_demo", stdout=io.StringIO())
    pages = {
        "coordinator@demo.eu": ["/", "/audit/"],
        "eva.lund@demo.eu": ["/"],
    }
    too_wide = {}
    for email, urls in pages.items():
        page = open_as(User.objects.get(email=email))
        page.set_viewport_size(NARROW)
        for url in urls:
            page.goto(url)
            page.wait_for_load_state("load")
            assert page.locator("main table").count() > 0, url
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > NARROW["width"] + 2:
                too_wide[f"{email} {url}"] = width
    assert not too_wide, too_wide
    visit.assert_clean()
