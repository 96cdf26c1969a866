"""Pages anyone reaches without an account, in English, Finnish and Swedish: the login page and
the accessibility statement. The browser's locale alone chooses the language (Accept-Language).

Selectors are language-independent (`href`s, `html[lang]`); the texts are compared with Django's
own translations of them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import (
    ACTION_TIMEOUT_MS,
    BROWSER_LOCALES,
    LANGUAGES,
    NAVIGATION_TIMEOUT_MS,
    translated,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT = "saavutettavuus@example.eu"


@pytest.mark.parametrize("language", LANGUAGES)
def test_accessibility_statement_is_public_and_linked_from_the_footer(
    language, chromium, live_server, visit, browser_settings
):
    visit.prefix = f"public_pages-{language}"
    browser_settings.ACCESSIBILITY_CONTACT_EMAIL = CONTACT
    statement = reverse("cities:accessibility")
    context = chromium.new_context(base_url=live_server.url, locale=BROWSER_LOCALES[language])
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    try:
        page = context.new_page()
        visit.watch(page)
        page.goto(reverse("login"))
        assert page.locator("html").get_attribute("lang") == language
        visit.check(page, f"Login ({language})")

        link = page.locator(f"footer a[href='{statement}']")
        expect(link).to_have_text(translated(language, "Accessibility statement"))
        with page.expect_navigation():
            link.click()
        expect(page).to_have_url(re.compile(re.escape(statement) + "$"))
        assert page.locator("html").get_attribute("lang") == language
        expect(page.locator("main h1")).to_have_text(translated(language, "Accessibility statement"))
        contact = page.locator(f"main a[href='mailto:{CONTACT}']")
        expect(contact).to_have_text(CONTACT)
        visit.check(page, f"Accessibility statement ({language})", screenshot=True)
        visit.assert_clean()
    finally:
        context.close()
