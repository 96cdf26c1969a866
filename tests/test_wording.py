"""Wording: no doubled punctuation in what the demo's pages show, in English, Finnish and
Swedish, to each kind of demo user; British English dates; durations in words."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation

from cities.models import User
from peerreview.models import Round
from peerreview.templatetags.peerreview_tags import duration

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fi", "sv"]
# A sentence ending on an abbreviation ("a.m."), a unit joined with a stray space, an empty list item.
DOUBLED = re.compile(r"\.\.(?!\.)|\s,|,,|\s\.(?![.\w])")

ROUND_PAGES = [
    "peerreview:round_detail",
    "peerreview:prereport_edit",
    "peerreview:indicators_edit",
    "peerreview:panel_manage",
    "peerreview:scoring_sheet",
    "peerreview:score_overview",
    "peerreview:assessment_planner",
    "reports:report_view",
    "reports:report_edit",
    "reports:actions_edit",
    "reports:factual_check",
    "reports:publish",
    "reports:discussion",
    "reports:action_progress",
]
PAGES = ["peerreview:dashboard", "peerreview:round_list", "network:library", "network:good_practice"]
BLOCKS = {
    "address", "article", "aside", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
    "option", "p", "section", "table", "td", "th", "tr", "ul", "label", "legend", "fieldset", "button",
}  # fmt: skip


class VisibleText(HTMLParser):
    """The text a reader sees: no scripts, styles or attributes; blocks separated by a space."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style", "template"):
            self.hidden += 1
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style", "template"):
            self.hidden -= 1
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data) -> None:
        if not self.hidden:
            self.parts.append(data)

    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts))


def doubled_punctuation(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = parser.text()
    return [text[max(0, m.start() - 40) : m.end() + 20] for m in DOUBLED.finditer(text)]


def test_the_checker_finds_each_doubled_mark():
    for bad in ("at 9:43 a.m..", "8 kuukautta , 1 viikko", "one,, two", "the end ."):
        assert doubled_punctuation(f"<p>{bad}</p>"), bad
    for good in ("<p>Wait…</p>", "<p>1,5 %</p>", "<p>file .pdf</p>", "<p>a</p><p>.b</p>"):
        assert not doubled_punctuation(good), good


@pytest.fixture
def demo(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", verbosity=0)


def _demo_users() -> list[User]:
    """One person of each kind: coordinator, host-city member, lead evaluator, evaluator."""
    users = [User.objects.get(email="coordinator@demo.eu"), User.objects.get(email="tampere@demo.eu")]
    for role in ("lead", "member"):
        users.append(
            User.objects.filter(
                email__endswith="@demo.eu", assignments__role=role, assignments__state="accepted"
            )
            .order_by("pk")
            .first()
        )
    return [user for user in users if user is not None]


def test_demo_pages_have_no_doubled_punctuation_in_any_language(demo, client):
    rounds = list(Round.objects.order_by("pk"))
    found: dict[str, list[str]] = {}
    visited = 0
    for user in _demo_users():
        client.force_login(user)
        urls = [reverse(name) for name in PAGES]
        for review_round in Round.objects.visible_to(user).order_by("pk"):
            for name in ROUND_PAGES:
                try:
                    urls.append(reverse(name, kwargs={"round_id": review_round.pk}))
                except NoReverseMatch:
                    continue
        for index, url in enumerate(urls):
            # Every page in one language, turn about; the first pages (dashboards) in all three.
            languages = LANGUAGES if index < len(PAGES) else [LANGUAGES[index % 3]]
            for language in languages:
                User.objects.filter(pk=user.pk).update(language=language)
                response = client.get(url)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                visited += 1
                problems = doubled_punctuation(response.content.decode())
                if problems:
                    found[f"{user.email} {language} {url}"] = problems
    for review_round in rounds:
        response = client.get(reverse("reports:public_report", kwargs={"round_id": review_round.pk}))
        if response.status_code == 200:
            problems = doubled_punctuation(response.content.decode())
            if problems:
                found[f"public {review_round.pk}"] = problems
    assert visited > 50
    assert not found, found


def test_dates_are_british_in_english_and_native_in_finnish_and_swedish():
    day = datetime.datetime(2026, 11, 12, 9, 43)
    expected = {
        "en": ("12 November 2026", "12/11/2026", "09:43"),
        "fi": ("12. marraskuuta 2026", "12.11.2026", "9.43"),
        "sv": ("12 november 2026", "2026-11-12", "09:43"),
    }
    for language, (long, short, time) in expected.items():
        with translation.override(language):
            assert formats.date_format(day) == long
            assert formats.date_format(day, "SHORT_DATE_FORMAT") == short
            assert formats.time_format(day) == time


def test_durations_and_overdue_steps_read_as_sentences(settings):
    earlier, later = datetime.date(2026, 1, 1), datetime.date(2026, 9, 9)
    with translation.override("fi"):
        assert duration(earlier, later) == "8\xa0kuukautta, 1\xa0viikko"
    with translation.override("sv"):
        assert duration(earlier, later) == "8\xa0månader, 1\xa0vecka"
    review_round = Round(state="prereport_open", prereport_due=datetime.date(2020, 1, 1))
    template = Template("{% load peerreview_tags %}{% due_cell review_round %}")
    for language in LANGUAGES:
        with translation.override(language):
            html = template.render(
                Context({"review_round": review_round, "today": datetime.date(2020, 1, 7)})
            )
        words = re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
        assert not doubled_punctuation(html), words
        if language == "en":
            assert "Overdue by 6\xa0days" in words
    with translation.override("fi"):
        html = template.render(Context({"review_round": review_round, "today": datetime.date(2020, 1, 7)}))
    assert "myöhässä" not in html.lower().split("</span>", 1)[1], html  # says "late" once


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_durations_read_the_same_each_time_in_each_language(language):
    """`duration` keeps each unit's translation per language and number (`DurationUnit`): the
    words must be the catalogue's, whatever language asked first."""
    from django.utils.translation import ngettext, override

    start = datetime.date(2024, 1, 31)
    spans = [0, 1, 2, 6, 7, 8, 15, 31, 45, 61, 365, 366, 400, 800]
    for other in ("en", "fi", "sv"):  # fill the memory in another language first
        with override(other):
            [duration(start, start + datetime.timedelta(days=days)) for days in spans]
    with override(language):
        for days in spans:
            text = duration(start, start + datetime.timedelta(days=days))
            assert text == duration(start, start + datetime.timedelta(days=days))
        one_day = (ngettext("%(num)d day", "%(num)d days", 1) % {"num": 1}).replace(" ", "\xa0")
        two_months = (ngettext("%(num)d month", "%(num)d months", 2) % {"num": 2}).replace(" ", "\xa0")
        assert duration(start, start + datetime.timedelta(days=1)) == one_day
        assert duration(datetime.date(2024, 1, 1), datetime.date(2024, 3, 1)) == two_months


def test_due_cells_follow_the_language_and_the_day_however_often_they_are_asked():
    """`due_cell` keeps each cell it writes (`_due_cell_html`): a cell kept for one language or
    day must never be served for another."""
    review_round = Round(state="prereport_open", prereport_due=datetime.date(2026, 3, 10))
    template = Template("{% load peerreview_tags %}{% due_cell review_round %}")

    def words(language: str, today: datetime.date) -> str:
        with translation.override(language):
            html = template.render(Context({"review_round": review_round, "today": today}))
        return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()

    for _round in range(2):  # the second time from the memory
        assert words("en", datetime.date(2026, 3, 8)) == "10 March 2026 (in 2\xa0days)"
        assert words("en", datetime.date(2026, 3, 10)) == "10 March 2026 Due today"
        assert words("en", datetime.date(2026, 3, 13)) == "10 March 2026 Overdue by 3\xa0days"
        assert words("fi", datetime.date(2026, 3, 8)).startswith("10. maaliskuuta 2026")
        assert words("sv", datetime.date(2026, 3, 13)).startswith("10 mars 2026")
        assert "March" not in words("fi", datetime.date(2026, 3, 13))


def test_rounded_numbers_read_as_floatformat_in_each_language_however_often_they_are_asked():
    """`|rounded` keeps what Django's `|floatformat` wrote, per language, value and argument: the
    text must be floatformat's, whichever language or type asked first (1, 1.0 and Decimal("1")
    are equal keys to a plain memory)."""
    from decimal import Decimal

    from django.template.defaultfilters import floatformat

    from peerreview.templatetags.numbers import rounded

    values = [
        0,
        1,
        1.0,
        Decimal("1"),
        Decimal("1.00"),
        2.25,
        2.35,
        -0.05,
        3.14159,
        1234567.891,
        "2.5",
        None,
        "",
    ]
    arguments = [1, 0, "-1", "-2", "2g", -1]
    for _round in range(2):  # the second time from the memory
        for language in ("fi", "en", "sv"):
            with translation.override(language):
                for value in values:
                    for argument in arguments:
                        assert rounded(value, argument) == floatformat(value, argument), (
                            language,
                            value,
                            argument,
                        )
    with translation.override("fi"):
        assert rounded(2.25, 1) == "2,3"
    with translation.override("en"):
        assert rounded(2.25, 1) == "2.3"
