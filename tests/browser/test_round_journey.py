"""A whole peer-review round in Chromium, through the interface only, for every role;
axe-core checks every page the journey visits and screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from peerreview.models import Criterion
from peerreview.services.framework_loader import load_default_framework
from peerreview.services.rounds import transition_round
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The smallest file the evidence check accepts as a PDF.
SMALL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _criteria(framework) -> list[Criterion]:
    return list(
        Criterion.objects.filter(theme__framework=framework)
        .select_related("theme")
        .prefetch_related("descriptors")
        .order_by("theme__order", "order")
    )


def _descriptor(criterion: Criterion, level: int) -> str:
    """The text of a level descriptor: options are chosen by what they say, not by number."""
    return next(d.text for d in criterion.descriptors.all() if d.level == level)


def _round_page(page, visit, review_round, who: str) -> None:
    """From anywhere: the dashboard, then the round's own page; both checked with axe, since
    what they show depends on the person and the step."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    visit.check(page, f"Dashboard ({who}, {review_round_state(review_round)})")
    page.locator(f'main a[href="/rounds/{review_round.pk}/"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    visit.check(page, f"Round page ({who}, {review_round_state(review_round)})")


def review_round_state(review_round) -> str:
    review_round.refresh_from_db(fields=["state"])
    return review_round.state


def _move_round(page, visit, review_round, step: str) -> None:
    """The coordinator moves the round to the next step from the round page."""
    _round_page(page, visit, review_round, "coordinator")
    page.get_by_role("radio", name=step, exact=True).check()
    page.get_by_role("button", name="Move the round on").click()
    expect(
        page.get_by_role("status").filter(has_text=f"The round is now at the step “{step}”")
    ).to_be_visible()
    visit.check(page, f"Round page at {step}", screenshot=step == "Scoring")


@pytest.fixture
def round_data(db):
    framework = load_default_framework()
    host = factories.CityFactory(name="Espoo")
    review_round = factories.RoundFactory(
        host_city=host, framework=framework, state="planned", title="Espoo peer review 2026"
    )
    lead = factories.EvaluatorProfileFactory(
        home_city=factories.CityFactory(name="Malmö", country="SE"), user__full_name="Eva Lund"
    ).user
    member = factories.EvaluatorProfileFactory(
        home_city=factories.CityFactory(name="Utrecht", country="NL"), user__full_name="Jan de Vries"
    ).user
    factories.AssignmentFactory(round=review_round, evaluator=lead, role="lead", state="invited")
    factories.AssignmentFactory(round=review_round, evaluator=member, role="member", state="invited")
    coordinator = factories.CoordinatorFactory(full_name="Clara Coordinator")
    # Opening the pre-report prepares an empty answer per criterion (the service does it).
    transition_round(review_round=review_round, to_state="prereport_open", actor=coordinator)
    return {
        "round": review_round,
        "criteria": _criteria(framework),
        "coordinator": coordinator,
        "host_member": factories.MembershipFactory(city=host, user__full_name="Hanna Host").user,
        "lead": lead,
        "member": member,
    }


def fill_prereport(page, visit, criteria, tmp_path) -> None:
    page.get_by_role("link", name="Fill in the pre-report").click()
    visit.check(page, "Pre-report editor (empty)")
    page.get_by_label("Guiding question 1").fill("How can procurement support our climate targets?")
    page.get_by_label("Context of the city and its procurement").fill(
        "Espoo buys for about 900 million euros a year through a central procurement unit."
    )
    for criterion in criteria:
        card = page.locator(f"#criterion-{criterion.pk}")
        if criterion.theme.is_scored:
            card.get_by_role("radio", name=_descriptor(criterion, 3)).check()
            card.get_by_label(f"Self-assessment of {criterion.code}").fill(
                f"How {criterion.code} works in Espoo, with examples."
            )
        else:
            card.get_by_label(f"Your text for {criterion.code}").fill(f"What we need: {criterion.code}.")
    page.locator(".form-actions").get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft saved.")).to_be_visible()
    visit.check(page, "Pre-report editor (filled)", screenshot=True)

    # An evidence file for the first criterion.
    evidence = tmp_path / "procurement-strategy.pdf"
    evidence.write_bytes(SMALL_PDF)
    upload = page.locator("#evidence-upload")
    upload.get_by_label("Evidence for").select_option(value=str(criteria[0].pk))
    upload.get_by_label("File").set_input_files(evidence)
    upload.get_by_label("Description").fill("Procurement strategy 2025–2030")
    upload.get_by_role("button", name="Upload the file").click()
    expect(page.get_by_role("status").filter(has_text="procurement-strategy.pdf")).to_be_visible()
    expect(page.locator(f"#criterion-{criteria[0].pk}")).to_contain_text("procurement-strategy.pdf")

    page.get_by_role("button", name="Save and review submission").click()
    visit.check(page, "Pre-report submission", screenshot=True)
    page.get_by_role("button", name="Submit the pre-report").click()
    expect(page.get_by_role("status").filter(has_text="The pre-report is submitted")).to_be_visible()
    visit.check(page, "Round page after submission")


def accept_invitation(page, visit, screenshot: bool = False) -> None:
    visit.check(page, "Evaluator dashboard", screenshot=screenshot)
    page.get_by_role("link", name="Accept or decline").first.click()
    visit.check(page, "Invitation", screenshot=screenshot)
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.get_by_role("status").filter(has_text="you are on the panel")).to_be_visible()
    visit.check(page, "Round page after accepting")


def score_everything(page, visit, criteria, level: int, screenshot: bool = False) -> None:
    page.get_by_role("link", name="Score the criteria").click()
    visit.check(page, "Scoring sheet (empty)")
    for criterion in criteria:
        if not criterion.theme.is_scored:
            continue
        card = page.locator(f"#criterion-{criterion.pk}")
        card.get_by_role("radio", name=_descriptor(criterion, level)).check()
        card.get_by_label(f"Your comment on {criterion.code}").fill(
            f"{criterion.code}: seen in the evidence."
        )
    page.get_by_role("button", name="Submit scores").click()
    expect(page.get_by_text("You submitted your scores on")).to_be_visible()
    visit.check(page, "Scoring sheet (submitted)", screenshot=screenshot)


def plan_assessment_day(page, visit, criteria) -> None:
    page.get_by_role("link", name="Plan the assessment days").click()
    visit.check(page, "Assessment planner (empty)")
    # A form error first: it must be tied to its field for assistive technology.
    page.get_by_role("button", name="Add the day").click()
    date_field = page.get_by_label("Date")
    expect(date_field).to_have_attribute("aria-invalid", "true")
    described_by = date_field.get_attribute("aria-describedby") or ""
    messages = " ".join(page.locator(f"#{ident}").inner_text() for ident in described_by.split())
    assert "required" in messages.lower(), f"the error is not tied to the date field: {described_by!r}"
    visit.check(page, "Assessment planner (form error)", screenshot=True)

    day = datetime.date.today() + datetime.timedelta(days=40)
    date_field.fill(day.isoformat())
    page.get_by_label("Location").fill("Espoo city hall")
    page.get_by_role("button", name="Add the day").click()
    page.get_by_role("link", name=re.compile(r"^Add a session on")).click()
    visit.check(page, "New session")
    page.get_by_label("Starts").fill("09:00")
    page.get_by_label("Ends").fill("10:30")
    page.get_by_label("Topic").fill("Interview with the head of procurement")
    page.get_by_role("checkbox", name=re.compile(re.escape(criteria[0].code))).first.check()
    interviewee = page.get_by_role("group", name="Interviewee 1")
    interviewee.get_by_label("Role").select_option(label="Head of procurement")
    interviewee.get_by_label("Name", exact=True).fill("Pia Virtanen")
    page.get_by_role("button", name="Add the session").click()
    expect(
        page.get_by_role("heading", name=re.compile("Interview with the head of procurement"))
    ).to_be_visible()
    visit.check(page, "Assessment planner (one session)", screenshot=True)


def write_report(page, visit, review_round, criteria) -> None:
    page.get_by_role("link", name="Record the agreed scores").click()
    visit.check(page, "Score overview")
    for criterion in criteria:
        if criterion.theme.is_scored:
            page.get_by_label(f"Agreed score for {criterion.code}").select_option(value="2")
            page.get_by_label(f"Rationale for {criterion.code}").fill("The panel agreed on level 2.")
    page.get_by_role("button", name="Save the agreed scores").click()
    expect(page.get_by_role("status").filter(has_text="Agreed scores recorded for")).to_be_visible()
    visit.check(page, "Score overview (agreed)", screenshot=True)

    _round_page(page, visit, review_round, "lead")
    page.get_by_role("link", name="Write the report").click()
    visit.check(page, "Report editor")
    page.get_by_label("Executive summary").fill(
        "Espoo uses procurement strategically; indicators lag behind."
    )
    page.get_by_label("Key strengths").fill("Strong mandate and good market dialogue.")
    first = page.get_by_role("group", name=f"{criteria[0].code} {criteria[0].title}")
    first.get_by_label("Strengths").fill("A clear political mandate.")
    first.get_by_label("Areas to develop").fill("Follow the targets with indicators.")
    page.get_by_role("button", name="Save the report").click()
    expect(page.get_by_role("status").filter(has_text="The report is saved.")).to_be_visible()
    visit.check(page, "Report editor (saved)", screenshot=True)

    page.get_by_role("link", name=re.compile("Edit the action proposals")).click()
    visit.check(page, "Action proposals")
    page.get_by_label("Criterion (new row 1)").select_option(value=str(criteria[0].pk))
    page.get_by_label("Proposal (new row 1)").fill("Set indicators for the procurement strategy")
    page.get_by_label("Priority (new row 1)").select_option(label="High")
    page.get_by_label("Owner (new row 1)").fill("Head of procurement")
    page.get_by_label("Timeframe (new row 1)").fill("2027")
    page.get_by_label("Success indicator (new row 1)").fill("Indicators reported yearly")
    page.get_by_role("button", name="Save the action proposals").click()
    expect(page.get_by_role("status").filter(has_text="The action proposals are saved.")).to_be_visible()
    visit.check(page, "Action proposals (saved)", screenshot=True)

    page.get_by_role("link", name="Back to the report editor").click()
    page.get_by_role("button", name="Send the draft to the city for factual check").click()
    expect(page.get_by_role("status").filter(has_text="factual check")).to_be_visible()
    visit.check(page, "Draft report")


def test_whole_round_through_the_interface(open_as, visit, round_data, tmp_path):
    review_round, criteria = round_data["round"], round_data["criteria"]
    assert len([c for c in criteria if c.theme.is_scored]) == 20

    # The host city fills in and submits its pre-report with an evidence file.
    host = open_as(round_data["host_member"], check_login=True)
    visit.check(host, "Host city dashboard", screenshot=True)
    _round_page(host, visit, review_round, "host")
    visit.screenshot(host, "Round page (host city)")
    fill_prereport(host, visit, criteria, tmp_path)

    # Two evaluators accept their invitations.
    lead = open_as(round_data["lead"])
    accept_invitation(lead, visit, screenshot=True)
    member = open_as(round_data["member"])
    accept_invitation(member, visit)

    # The coordinator moves the round to scoring.
    coordinator = open_as(round_data["coordinator"])
    visit.check(coordinator, "Coordinator dashboard", screenshot=True)
    _move_round(coordinator, visit, review_round, "Scoring")

    # Both evaluators score every criterion and submit.
    _round_page(lead, visit, review_round, "lead")
    score_everything(lead, visit, criteria, level=2)
    _round_page(member, visit, review_round, "member")
    score_everything(member, visit, criteria, level=3, screenshot=True)

    _move_round(coordinator, visit, review_round, "Assessment days")

    _round_page(lead, visit, review_round, "lead")
    plan_assessment_day(lead, visit, criteria)

    _move_round(coordinator, visit, review_round, "Report drafting")

    _round_page(lead, visit, review_round, "lead")
    write_report(lead, visit, review_round, criteria)

    # The city leaves a factual comment.
    _round_page(host, visit, review_round, "host")
    host.get_by_role("link", name="Check the draft report").click()
    visit.check(host, "Factual check", screenshot=True)
    host.get_by_label("Factual errors you found in the draft").fill(
        "The spend is 920 million euros, not 900."
    )
    host.get_by_label("The city's response, published in the report").fill("We accept the proposals.")
    host.get_by_role("button", name="Save the comment").click()
    expect(host.get_by_role("status").filter(has_text="Your comment is saved.")).to_be_visible()
    visit.check(host, "Factual check (commented)")

    # The coordinator publishes.
    _round_page(coordinator, visit, review_round, "coordinator")
    coordinator.get_by_role("link", name="Sign off and publish the report").click()
    visit.check(coordinator, "Report before publishing")
    coordinator.get_by_role("link", name="Sign off and publish").click()
    visit.check(coordinator, "Publish", screenshot=True)
    coordinator.get_by_role("button", name="Publish the report").click()
    expect(coordinator.get_by_role("status").filter(has_text="The report is published.")).to_be_visible()
    visit.check(coordinator, "Published report", screenshot=True)

    # The PDF (reports:report_pdf): rendered in the background after publishing (in-process
    # in the tests), so the link serves the file, or a 202 "being prepared" page until it is.
    pdf_link = coordinator.get_by_role("link", name=re.compile("as PDF"))
    expect(pdf_link).to_have_count(1)
    href = pdf_link.get_attribute("href")
    response = coordinator.request.get(href)
    for _attempt in range(10):
        if response.status != 202:
            break
        coordinator.wait_for_timeout(500)
        response = coordinator.request.get(href)
    assert response.status == 200, response.status
    assert response.body().startswith(b"%PDF")

    # The host city reads the published report.
    _round_page(host, visit, review_round, "host")
    host.get_by_role("link", name="Read the report").click()
    visit.check(host, "Published report (host city)")

    visit.assert_clean()
