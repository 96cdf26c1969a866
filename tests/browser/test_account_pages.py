"""The account pages in a real browser, with axe: My account, two-factor setup (the QR code is
an inline SVG drawn on the server), password change, and the public reset request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_account_pages_are_accessible(open_as, visit, chromium, live_server):
    person = factories.UserFactory(full_name="Kaisa Mäki")
    page = open_as(person)

    page.goto(reverse("accounts:account"))
    visit.check(page, "My account", screenshot=True)
    page.goto(reverse("accounts:mfa_setup"))
    assert page.locator("main svg[role=img]").count() == 1
    visit.check(page, "Two-factor setup", screenshot=True)
    page.goto(reverse("accounts:password_change"))
    visit.check(page, "Password change")

    anonymous = chromium.new_context(base_url=live_server.url)
    try:
        reset = anonymous.new_page()
        visit.watch(reset)
        reset.goto(reverse("accounts:password_reset"))
        reset.locator("input[name=email]").fill("nobody@example.eu")
        with reset.expect_navigation():
            reset.locator("main form button[type=submit]").click()
        assert reset.url.endswith(reverse("accounts:password_reset_done"))
        visit.check(reset, "Password reset requested")
    finally:
        anonymous.close()
    visit.assert_clean()
