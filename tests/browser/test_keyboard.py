"""Keyboard only: the skip link, visible focus, and the two long forms (the pre-report editor
and the scoring sheet) completed with Tab, Space, the arrow keys and typing — no clicks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from peerreview.models import Answer, Assignment, PreReport, Score
from peerreview.services.framework_loader import load_default_framework
from peerreview.services.rounds import transition_round
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element is, and whether its focus can be seen (an outline or a box shadow).
FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    tag: e.tagName.toLowerCase(), type: e.type || "", name: e.name || "", id: e.id,
    value: e.value || "", checked: !!e.checked, text: (e.innerText || "").trim(),
    visible: outline || style.boxShadow !== "none",
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED_JS) or {}


def complete_with_keyboard(page, *, level_field: str, level: str, text_fields: dict[str, str], button: str):
    """Tab through the page; in each radio group named `*<level_field>` move to `level` with the
    arrow keys; type into each empty text field whose name ends with a key of `text_fields`;
    press Enter on the button named `button`. Every focused element must show its focus."""
    groups_done: set[str] = set()
    invisible: list[str] = []
    for _step in range(1500):
        page.keyboard.press("Tab")
        element = focused(page)
        if not element:
            continue
        if not element["visible"]:
            invisible.append(f"{element['tag']}#{element['id'] or element['name']}")
        if element["tag"] == "button" and element["text"] == button:
            assert not invisible, f"focus not visible on: {invisible}"
            page.keyboard.press("Enter")
            return groups_done
        name = element["name"]
        if element["type"] == "radio" and name.endswith(level_field) and name not in groups_done:
            if not element["checked"]:
                page.keyboard.press("Space")
            for _move in range(10):
                if focused(page)["value"] == level:
                    break
                page.keyboard.press("ArrowDown")
            assert focused(page)["checked"] and focused(page)["value"] == level
            groups_done.add(name)
        elif element["tag"] in ("textarea", "input") and not element["value"]:
            for suffix, text in text_fields.items():
                if name.endswith(suffix):
                    page.keyboard.type(text)
                    break
    raise AssertionError(f"never reached the button “{button}” with Tab")


@pytest.fixture
def keyboard_round(db):
    framework = load_default_framework()
    host = factories.CityFactory(name="Tampere")
    coordinator = factories.CoordinatorFactory()
    review_round = factories.RoundFactory(host_city=host, framework=framework, title="Tampere 2026")
    lead = factories.AssignmentFactory(round=review_round, role="lead")
    factories.AssignmentFactory(round=review_round)
    transition_round(review_round=review_round, to_state="prereport_open", actor=coordinator)
    return {
        "round": review_round,
        "coordinator": coordinator,
        "host_member": factories.MembershipFactory(city=host).user,
        "lead": lead.evaluator,
    }


def test_skip_link_and_visible_focus(open_as, visit, keyboard_round):
    page = open_as(keyboard_round["host_member"])
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visually hidden until focused
    assert focused(page)["visible"], "the skip link shows no focus indicator"
    visit.check(page, "Dashboard with the skip link focused", screenshot=True)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    visit.assert_clean()


def test_prereport_and_scoring_with_the_keyboard_alone(open_as, visit, keyboard_round):
    review_round = keyboard_round["round"]

    # The host city: the whole pre-report, then its submission.
    host = open_as(keyboard_round["host_member"])
    host.goto(f"/rounds/{review_round.pk}/pre-report/")
    groups = complete_with_keyboard(
        host,
        level_field="-level",
        level="3",
        text_fields={"-context": "Our context.", "-narrative": "What we do."},
        button="Save and review submission",
    )
    assert len(groups) == 20
    expect(host.get_by_role("heading", level=1)).to_contain_text("Submit")
    visit.check(host, "Pre-report submission (keyboard)")
    complete_with_keyboard(
        host, level_field="-none", level="", text_fields={}, button="Submit the pre-report"
    )
    expect(host.get_by_role("status").filter(has_text="The pre-report is submitted")).to_be_visible()
    prereport = PreReport.objects.get(round=review_round)
    assert prereport.is_submitted
    assert set(
        Answer.objects.filter(prereport=prereport, self_score__isnull=False).values_list(
            "self_score", flat=True
        )
    ) == {3}

    # The lead evaluator: the whole scoring sheet, then submit.
    transition_round(review_round=review_round, to_state="scoring", actor=keyboard_round["coordinator"])
    lead = open_as(keyboard_round["lead"])
    lead.goto(f"/rounds/{review_round.pk}/scoring/")
    groups = complete_with_keyboard(
        lead, level_field="-level", level="2", text_fields={"-comment": "Seen."}, button="Submit scores"
    )
    assert len(groups) == 20
    expect(lead.get_by_text("You submitted your scores on")).to_be_visible()
    visit.check(lead, "Scoring sheet (keyboard, submitted)")
    assignment = Assignment.objects.get(round=review_round, evaluator=keyboard_round["lead"])
    assert assignment.has_submitted_scores
    assert set(Score.objects.filter(assignment=assignment).values_list("level", flat=True)) == {2}
    visit.assert_clean()
