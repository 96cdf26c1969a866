"""Keyboard only, in English, Finnish and Swedish: the skip link, visible focus, and the two long
forms (the pre-report editor and the scoring sheet) completed with Tab, Space, the arrow keys and
typing — no clicks.

Every selector is language-independent (field names, button `name`/`value`, form actions, `href`s);
where the text on the screen matters, it is compared with Django's own translation of it.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cities.models import User
from peerreview.models import Answer, Assignment, PreReport, Score
from peerreview.services.framework_loader import load_default_framework
from peerreview.services.rounds import transition_round
from tests import factories
from tests.browser.conftest import LANGUAGES, translated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element is, whether its focus can be seen (an outline or a box shadow), and
# whether it is the element that the CSS selector `target` matches.
FOCUSED_JS = """(target) => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    tag: e.tagName.toLowerCase(), type: e.type || "", name: e.name || "", id: e.id,
    value: e.value || "", checked: !!e.checked, text: (e.innerText || "").trim(),
    visible: outline || style.boxShadow !== "none", target: !!target && e.matches(target),
  };
}"""


def focused(page, target: str | None = None) -> dict:
    return page.evaluate(FOCUSED_JS, target) or {}


def assert_language(page, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == language, f"{page.url}: not in {language}"


def complete_with_keyboard(
    page,
    *,
    button: str,
    label: str,
    level_field: str | None = None,
    level: str = "",
    text_fields: dict[str, str] | None = None,
) -> set[str]:
    """Tab through the page; in each radio group named `*<level_field>` move to `level` with the
    arrow keys; type into each empty text field whose name ends with a key of `text_fields`;
    press Enter on the button that the CSS selector `button` matches, which must read `label`.
    Every focused element must show its focus."""
    groups_done: set[str] = set()
    invisible: list[str] = []
    for _step in range(1500):
        page.keyboard.press("Tab")
        element = focused(page, button)
        if not element:
            continue
        if not element["visible"]:
            invisible.append(f"{element['tag']}#{element['id'] or element['name']}")
        if element["target"]:
            assert not invisible, f"focus not visible on: {invisible}"
            assert element["text"] == label, f"the button reads {element['text']!r}, not {label!r}"
            page.keyboard.press("Enter")
            return groups_done
        name = element["name"]
        if (
            level_field
            and element["type"] == "radio"
            and name.endswith(level_field)
            and name not in groups_done
        ):
            if not element["checked"]:
                page.keyboard.press("Space")
            for _move in range(10):
                if focused(page)["value"] == level:
                    break
                page.keyboard.press("ArrowDown")
            assert focused(page)["checked"] and focused(page)["value"] == level
            groups_done.add(name)
        elif text_fields and element["tag"] in ("textarea", "input") and not element["value"]:
            for suffix, text in text_fields.items():
                if name.endswith(suffix):
                    page.keyboard.type(text)
                    break
    raise AssertionError(f"never reached the button {button} with Tab")


@pytest.fixture
def keyboard_round(db, language):
    """A round open for the pre-report; everyone's profile language is the test's `language`."""
    framework = load_default_framework()
    host = factories.CityFactory(name="Tampere")
    coordinator = factories.CoordinatorFactory()
    review_round = factories.RoundFactory(host_city=host, framework=framework, title="Tampere 2026")
    lead = factories.AssignmentFactory(round=review_round, role="lead")
    factories.AssignmentFactory(round=review_round)
    transition_round(review_round=review_round, to_state="prereport_open", actor=coordinator)
    people = {
        "coordinator": coordinator,
        "host_member": factories.MembershipFactory(city=host).user,
        "lead": lead.evaluator,
    }
    User.objects.filter(pk__in=[user.pk for user in people.values()]).update(language=language)
    return {"round": review_round, **people}


@pytest.mark.parametrize("language", LANGUAGES)
def test_skip_link_and_visible_focus(language, open_as, visit, keyboard_round):
    visit.prefix = f"keyboard-{language}"
    page = open_as(keyboard_round["host_member"], language=language)
    assert_language(page, language)
    page.keyboard.press("Tab")
    skip = page.locator("body > a[href='#main']")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visually hidden until focused
    expect(skip).to_have_text(translated(language, "Skip to main content"))
    assert focused(page)["visible"], "the skip link shows no focus indicator"
    visit.check(page, f"Dashboard with the skip link focused ({language})", screenshot=True)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    visit.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_prereport_and_scoring_with_the_keyboard_alone(language, open_as, visit, keyboard_round):
    visit.prefix = f"keyboard-{language}"
    review_round = keyboard_round["round"]
    submit_url = reverse("peerreview:prereport_submit", args=[review_round.pk])

    # The host city: the whole pre-report, then its submission.
    host = open_as(keyboard_round["host_member"], language=language)
    host.goto(reverse("peerreview:prereport_edit", args=[review_round.pk]))
    assert_language(host, language)
    visit.check(host, f"Pre-report editor (keyboard, empty) ({language})")
    groups = complete_with_keyboard(
        host,
        button="main .form-actions button[name=action][value=review]",
        label=translated(language, "Save and review submission"),
        level_field="-level",
        level="3",
        text_fields={"-context": "Our context.", "-narrative": "What we do."},
    )
    assert len(groups) == 20
    expect(host).to_have_url(re.compile(re.escape(submit_url) + "$"))
    assert_language(host, language)
    expect(host.locator("main h1")).to_have_text(translated(language, "Submit the pre-report"))
    visit.check(host, f"Pre-report submission (keyboard) ({language})")
    complete_with_keyboard(
        host,
        button=f'main form[action="{submit_url}"] button[type=submit]',
        label=translated(language, "Submit the pre-report"),
    )
    expect(host.locator("main .messages [role=status]")).to_have_text(
        translated(language, "The pre-report is submitted. It is now read-only and goes to the panel.")
    )
    expect(host).to_have_url(
        re.compile(re.escape(reverse("peerreview:round_detail", args=[review_round.pk])) + "$")
    )
    assert_language(host, language)
    visit.check(host, f"Round page (pre-report submitted) ({language})")
    prereport = PreReport.objects.get(round=review_round)
    assert prereport.is_submitted
    assert set(
        Answer.objects.filter(prereport=prereport, self_score__isnull=False).values_list(
            "self_score", flat=True
        )
    ) == {3}

    # The lead evaluator: the whole scoring sheet, then submit.
    transition_round(review_round=review_round, to_state="scoring", actor=keyboard_round["coordinator"])
    lead = open_as(keyboard_round["lead"], language=language)
    lead.goto(reverse("peerreview:scoring_sheet", args=[review_round.pk]))
    assert_language(lead, language)
    groups = complete_with_keyboard(
        lead,
        button="main form button[name=action][value=submit]",
        label=translated(language, "Submit scores"),
        level_field="-level",
        level="2",
        text_fields={"-comment": "Seen."},
    )
    assert len(groups) == 20
    expect(lead.locator("main .messages [role=status]")).to_have_text(
        translated(
            language,
            "Your scores are submitted and locked. You now see the other evaluators' submitted scores.",
        )
    )
    overview = reverse("peerreview:score_overview", args=[review_round.pk])
    expect(lead.locator(f"main .alert-success[role=status] a[href='{overview}']")).to_be_visible()
    assert_language(lead, language)
    visit.check(lead, f"Scoring sheet (keyboard, submitted) ({language})")
    assignment = Assignment.objects.get(round=review_round, evaluator=keyboard_round["lead"])
    assert assignment.has_submitted_scores
    assert set(Score.objects.filter(assignment=assignment).values_list("level", flat=True)) == {2}
    visit.assert_clean()
