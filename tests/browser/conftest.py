"""Real-browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
`live_server`, with axe-core checking every page a journey visits.

Chromium comes from apt (`/usr/bin/chromium`): Playwright's own browser download does not work
here. Screenshots land in `test-artifacts/screenshots/` (git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Generous limits: these are ceilings for conditions to come true, not waits. On a fully loaded
# two-core machine (CI with other work, load average 10) a navigation can take many seconds;
# a timeout must mean a defect, not a busy machine.
ACTION_TIMEOUT_MS = 60_000
NAVIGATION_TIMEOUT_MS = 120_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that it is safe (it is: nothing here is async).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FAILURES = SCREENSHOTS.parent / "failures"
PASSWORD = "review-demo-2026"  # tests.factories.PASSWORD, and the demo accounts' (seed_demo)
# The browser's own locale per interface language: what a person of that language sends as
# Accept-Language, so that even the login page comes in their language.
BROWSER_LOCALES = {"en": "en-GB", "fi": "fi-FI", "sv": "sv-SE"}
LANGUAGES = list(BROWSER_LOCALES)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    # Each run's pictures replace the last run's, so the folder shows the code as it is.
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    shutil.rmtree(FAILURES, ignore_errors=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def browser_settings(settings):
    """What the live server needs: plain static files (no manifest, no collectstatic),
    tasks in-process, fast password hashing (set in tests/conftest.py)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.DEBUG = False
    return settings


@dataclass
class Visit:
    """Collects what goes wrong across the pages of a test: server errors, axe violations."""

    axe: object
    prefix: str = "page"
    server_errors: list[str] = field(default_factory=list)
    violations: list[tuple[str, str]] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    shots: int = 0

    def watch(self, page) -> None:
        def on_response(response):
            if response.status >= 500:
                self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

        page.on("response", on_response)

        def on_console(message):
            # Chromium reports every script, style or handler the CSP blocks as a console error.
            if message.type == "error" and "Content Security Policy" in message.text:
                self.csp_violations.append(f"{page.url}: {message.text}")

        page.on("console", on_console)

    def check(self, page, label: str, *, screenshot: bool = False, kind: str | None = None) -> None:
        """Run axe on the page as it is now; optionally save a full-page screenshot.

        With `kind` (a page type, such as "scoring sheet" or "round page (lead)"), axe runs only
        the first time a page of that kind is seen in this test: a journey passes the same page
        types again and again, and axe is what costs the time."""
        page.wait_for_load_state("load")
        assert not self.server_errors, f"server error(s): {self.server_errors}"
        assert not self.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(
            self.csp_violations
        )
        if screenshot:
            self.screenshot(page, label)
        if kind is not None:
            if kind in self.kinds:
                return
            self.kinds.add(kind)
        results = self.axe.run(page, options=AXE_OPTIONS)
        path = re.sub(r"^https?://[^/]+", "", page.url)
        self.checked.append(f"{label} ({path})")
        for violation in results.response.get("violations", []):
            for node in violation["nodes"]:
                self.violations.append(
                    (
                        f"{violation['id']} ({violation['impact']}) at {', '.join(map(str, node['target']))}: "
                        f"{violation['help']}",
                        f"{label} {path}",
                    )
                )

    def screenshot(self, page, label: str) -> None:
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        page.screenshot(path=str(SCREENSHOTS / f"{self.prefix}-{self.shots:02d}-{slug}.png"), full_page=True)

    def assert_clean(self) -> None:
        assert not self.server_errors, f"server error(s): {self.server_errors}"
        assert not self.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(
            self.csp_violations
        )
        if self.violations:
            # One line per rule and element, with the pages it was seen on.
            seen: dict[str, list[str]] = {}
            for violation, page in self.violations:
                seen.setdefault(violation, []).append(page)
            lines = [
                f"{violation}\n    on: {', '.join(dict.fromkeys(pages))}" for violation, pages in seen.items()
            ]
            pytest.fail("axe found WCAG 2.1 A/AA violations:\n" + "\n".join(lines), pytrace=False)


@pytest.fixture
def visit(request, axe):
    return Visit(axe=axe, prefix=request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))


def translated(language: str, message: str) -> str:
    """`message` as Django translates it into `language`: what the page must show. Outside English
    the catalogue must have it, or the page would prove nothing about the translation."""
    from django.utils import translation

    with translation.override(language):
        text = translation.gettext(message)
    assert language == "en" or text != message, f"no {language} translation of {message!r}"
    return text


def switch_language(page, language: str) -> None:
    """Choose the interface language with the navbar's switcher, as a person would."""
    from django.urls import reverse

    switcher = page.locator(f"header form[action='{reverse('cities:set_language')}']")
    switcher.locator("select[name=language]").select_option(value=language)
    with page.expect_navigation():
        switcher.locator("button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == language


@pytest.fixture
def open_as(request, chromium, live_server, visit, browser_settings):
    """`open_as(user)` gives a logged-in page in a browser context of its own: each person
    logs in through the login form, as a person would."""
    contexts = []

    def _open(user, *, check_login: bool = False, language: str = "en"):
        context = chromium.new_context(
            base_url=live_server.url, locale=BROWSER_LOCALES[language], accept_downloads=True
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        visit.watch(page)
        page.goto("/accounts/login/")
        if check_login:
            visit.check(page, f"Login ({language})", screenshot=True, kind="login")
        # By field name, not by label: the same in every language.
        page.locator("input[name=username]").fill(user.email)
        page.locator("input[name=password]").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("main form[method=post] button[type=submit]").click()
        assert "/accounts/login/" not in page.url, f"{user.email} could not log in"
        return page

    yield _open
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, context in enumerate(contexts, start=1):
        if failed:  # what each person saw last, for the one who reads the CI log
            FAILURES.mkdir(parents=True, exist_ok=True)
            for page in context.pages:
                stem = FAILURES / f"{request.node.name}-{number}"
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content())
        context.close()
