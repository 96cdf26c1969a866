"""Pages anyone reaches without an account: the login page and the accessibility statement."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accessibility_statement_is_public_and_linked_from_the_footer(
    chromium, live_server, visit, browser_settings
):
    browser_settings.ACCESSIBILITY_CONTACT_EMAIL = "saavutettavuus@example.eu"
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        visit.watch(page)
        page.goto("/accounts/login/")
        page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
        expect(page).to_have_url(f"{live_server.url}/accessibility/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
        contact = page.get_by_role("link", name="saavutettavuus@example.eu")
        expect(contact).to_have_attribute("href", "mailto:saavutettavuus@example.eu")
        visit.check(page, "Accessibility statement", screenshot=True)
        visit.assert_clean()
    finally:
        context.close()
