"""The README's "round end to end with the demo", in Chromium, in English (here), Finnish and
Swedish (test_round_journey_fi.py, _sv.py: each journey in a file of its own, run in parallel).

`seed_demo` builds the demo; the demo accounts then take Espoo's round — pre-report open, about
40% written, two invitations pending — from the pre-report to the published report and its PDF,
through the interface only. axe-core checks each page type once per language (a failure names
the rule and the element); screenshots go to test-artifacts/screenshots/.

Every selector is language-independent: form field names, submit buttons' `name`/`value`, form
actions and link targets (`href`), never the text on the screen. Where the text matters, the test
asks Django for the translation and checks that the page shows it.
"""

from __future__ import annotations

import datetime
import io
import re
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from icalendar import Calendar
from playwright.sync_api import expect

from cities.models import User
from peerreview.models import AgreedScore, Assignment, Criterion, PreReport, Round, Session
from reports.models import ActionProposal, FactualComment, PanelComment, SummaryReport
from tests.browser.conftest import switch_language
from tests.files import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A small PDF the evidence check accepts (it parses and has a page).
SMALL_PDF = pdf_bytes("Procurement strategy")
HOST, LEAD, MEMBER, COORDINATOR, OTHER_CITY = (
    "espoo@demo.eu",
    "eva.lund@demo.eu",
    "jan.devries@demo.eu",
    "coordinator@demo.eu",
    "malmo@demo.eu",
)


@pytest.fixture
def demo(db, browser_settings):
    """The demo as `manage.py seed_demo` builds it, and Espoo's open round in it."""
    call_command("seed_demo", stdout=io.StringIO())
    review_round = Round.objects.select_related("framework").get(
        host_city__name="Espoo", state="prereport_open"
    )
    criteria = list(
        Criterion.objects.filter(theme__framework=review_round.framework)
        .select_related("theme")
        .order_by("theme__order", "order")
    )
    return {
        "round": review_round,
        "criteria": criteria,
        "scored": [c for c in criteria if c.theme.is_scored],
        "users": {u.email: u for u in User.objects.filter(email__endswith="@demo.eu")},
    }


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def submit(page, selector: str) -> None:
    """Press a submit button (found by a stable attribute) and wait for the next page."""
    button = page.locator(selector)
    expect(button).to_have_count(1)
    with page.expect_navigation():
        button.click()


def follow(page, href: str) -> None:
    """Click the link to `href` in the page's main part, as a person would."""
    link = page.locator(f'main a[href="{href}"]').first
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()
    assert page.url.split("#")[0].endswith(href), page.url


def expect_saved(page) -> None:
    """The page says that it worked (a success message), and shows no error."""
    expect(page.locator("main .messages .alert-success").first).to_be_visible()
    expect(page.locator("main [role=alert]")).to_have_count(0)


class Journey:
    """One language's walk through the round: who is who, and the page types axe has seen."""

    def __init__(self, *, language, visit, demo, open_as, tmp_path):
        self.language, self.visit, self.tmp_path = language, visit, tmp_path
        self.round = demo["round"]
        self.criteria, self.scored = demo["criteria"], demo["scored"]
        self.users = demo["users"]
        self.open_as = open_as

    def text(self, message: str) -> str:
        with translation.override(self.language):
            return translation.gettext(message)

    def state(self) -> str:
        self.round.refresh_from_db(fields=["state"])
        return self.round.state

    def check(self, page, label: str, *, kind: str | None = None, screenshot: bool = False) -> None:
        assert page.locator("html").get_attribute("lang") == self.language, f"{label}: not in {self.language}"
        self.visit.check(page, f"{label} ({self.language})", kind=kind or label, screenshot=screenshot)

    def log_in(self, email: str, *, check_login: bool = False):
        page = self.open_as(self.users[email], language=self.language, check_login=check_login)
        # The interface speaks the person's language: the navbar's "Dashboard" is translated.
        expect(page.locator("header nav a.nav-link[href='/']")).to_have_text(self.text("Dashboard"))
        return page

    def round_page(self, page, who: str) -> None:
        """From anywhere: the dashboard (navbar), then the round's own page. What both show
        depends on the person and the step, so axe sees each pair once."""
        with page.expect_navigation():
            page.locator("header nav a.nav-link[href='/']").click()
        self.check(page, f"Dashboard ({who}, {self.state()})")
        follow(page, url("peerreview:round_detail", self.round.pk))
        self.check(page, f"Round page ({who}, {self.state()})")

    def move_round(self, page, to_state: str) -> None:
        """The coordinator moves the round on from the round page."""
        self.round_page(page, "coordinator")
        page.locator(f"input[name=to_state][value={to_state}]").check()
        submit(
            page, f'form[action="{url("peerreview:round_transition", self.round.pk)}"] button[type=submit]'
        )
        expect_saved(page)
        assert self.state() == to_state


def fill_prereport(journey: Journey, page) -> None:
    """Espoo completes the pre-report the demo left at about 40%, uploads evidence, submits."""
    review_round = journey.round
    follow(page, url("peerreview:prereport_edit", review_round.pk))
    journey.check(page, "Pre-report editor (partly written)", kind="pre-report editor", screenshot=True)
    progress_before = PreReport.objects.get(round=review_round).answers.filter(narrative="").count()
    assert progress_before > 0, "the demo's pre-report should still have gaps"

    for criterion in journey.criteria:
        card = page.locator(f"#criterion-{criterion.pk}")
        if criterion.theme.is_scored and card.locator(
            f"input[name='c{criterion.pk}-level']:checked"
        ).get_attribute("value") in ("", None):
            card.locator(f"input[name='c{criterion.pk}-level'][value='3']").check()
        narrative = card.locator(f"textarea[name='c{criterion.pk}-narrative']")
        if not narrative.input_value().strip():
            narrative.fill(f"How {criterion.code} works in Espoo, with examples.")
    submit(page, "main .form-actions button[name=action][value=save]")
    expect_saved(page)
    assert not PreReport.objects.get(round=review_round).answers.filter(narrative="").exists()

    # An evidence file for the first criterion.
    evidence = journey.tmp_path / "procurement-strategy.pdf"
    evidence.write_bytes(SMALL_PDF)
    # The upload sits in the editor's form (the typed text is saved with it).
    upload = page.locator("#evidence-upload")
    upload.locator("select[name=evidence-criterion]").select_option(value=str(journey.criteria[0].pk))
    upload.locator("input[name=evidence-file]").set_input_files(evidence)
    upload.locator("input[name=evidence-description]").fill("Procurement strategy 2025–2030")
    submit(page, "main button[name=action][value=upload]")
    expect_saved(page)
    expect(page.locator(f"#criterion-{journey.criteria[0].pk}")).to_contain_text("procurement-strategy.pdf")
    journey.check(page, "Pre-report editor (complete)", kind="pre-report editor")

    submit(page, "main .form-actions button[name=action][value=review]")
    journey.check(page, "Pre-report submission", screenshot=True)
    submit(page, f'form[action="{url("peerreview:prereport_submit", review_round.pk)}"] button[type=submit]')
    expect_saved(page)
    assert PreReport.objects.get(round=review_round).is_submitted
    assert journey.state() == "prereport_submitted"


def accept_invitation(journey: Journey, page, email: str) -> None:
    assignment = Assignment.objects.get(round=journey.round, evaluator__email=email)
    role = "lead" if email == LEAD else "member"
    journey.check(page, f"Dashboard ({role}, {journey.state()})", screenshot=email == LEAD)
    follow(page, url("peerreview:invitation_respond", assignment.pk))
    journey.check(page, "Invitation", screenshot=email == LEAD)
    submit(page, "main form button[name=decision][value=accept]")
    expect_saved(page)
    assignment.refresh_from_db()
    assert assignment.state == "accepted"


def score_everything(journey: Journey, page, who: str, level: int) -> None:
    role = "lead" if who == LEAD else "member"
    journey.round_page(page, role)
    follow(page, url("peerreview:scoring_sheet", journey.round.pk))
    journey.check(page, f"Scoring sheet ({role}, empty)", kind="scoring sheet")
    for criterion in journey.scored:
        prefix = f"criterion-{criterion.pk}"
        page.locator(f"input[name='{prefix}-level'][value='{level}']").check()
        page.locator(f"textarea[name='{prefix}-comment']").fill(f"{criterion.code}: seen in the evidence.")
    submit(page, "main form button[name=action][value=submit]")
    expect_saved(page)
    journey.check(
        page, f"Scoring sheet ({role}, submitted)", kind="scoring sheet (submitted)", screenshot=True
    )
    assert Assignment.objects.get(round=journey.round, evaluator__email=who).has_submitted_scores


def plan_assessment_day(journey: Journey, page) -> None:
    review_round = journey.round
    journey.round_page(page, "lead")
    follow(page, url("peerreview:assessment_planner", review_round.pk))
    journey.check(page, "Assessment planner (empty)", kind="assessment planner")
    day_form = f'form[action^="{url("peerreview:assessment_planner", review_round.pk)}"]'

    # A form error first: it must be tied to its field for assistive technology.
    submit(page, f"{day_form} button[type=submit]")
    date_field = page.locator(f"{day_form} input[name=date]")
    expect(date_field).to_have_attribute("aria-invalid", "true")
    described_by = (date_field.get_attribute("aria-describedby") or "").split()
    errors = [ident for ident in described_by if page.locator(f"#{ident}.invalid-feedback").count()]
    assert errors, f"the error is not tied to the date field: {described_by!r}"
    assert page.locator(f"#{errors[0]}").inner_text().strip() == journey.text("This field is required.")
    journey.check(page, "Assessment planner (form error)", screenshot=True)

    day = datetime.date.today() + datetime.timedelta(days=40)
    date_field.fill(day.isoformat())
    page.locator(f"{day_form} input[name=location]").fill("Espoo city hall")
    submit(page, f"{day_form} button[type=submit]")
    expect_saved(page)

    new_session = page.locator(
        f'main a[href^="{url("peerreview:assessment_planner", review_round.pk)}days/"]'
    )
    expect(new_session).to_have_count(1)
    with page.expect_navigation():
        new_session.click()
    journey.check(page, "New session")
    page.locator("input[name=start_time]").fill("09:00")
    page.locator("input[name=end_time]").fill("10:30")
    page.locator("input[name=topic]").fill("Interview with the head of procurement")
    page.locator(f"input[name=criteria][value='{journey.criteria[0].pk}']").check()
    page.locator("select[name=interviewees-0-role]").select_option(value="procurement_head")
    page.locator("input[name=interviewees-0-name]").fill("Pia Virtanen")
    submit(page, "main form[data-warn-unsaved] button[type=submit]")
    expect_saved(page)
    assert Session.objects.filter(day__round=review_round, topic__startswith="Interview").exists()
    journey.check(
        page, "Assessment planner (one session)", kind="assessment planner (planned)", screenshot=True
    )

    # Planning e-mailed nobody; the lead sends the programme when it is ready.
    assert not programme_mails()
    button = page.locator(f'form[action="{url("peerreview:programme_send", review_round.pk)}"] button')
    expect(button).to_have_text(journey.text("Send the programme"))
    submit(page, f'form[action="{url("peerreview:programme_send", review_round.pk)}"] button[type=submit]')
    expect_saved(page)
    host_mails = programme_mails(HOST)
    assert len(host_mails) == 1, [m.to for m in mail.outbox]
    assert programme_mails(LEAD) and programme_mails(MEMBER)
    message = host_mails[0]
    # The real session, in the e-mail and in its calendar file, at Espoo's local time.
    assert "09:00–10:30: Interview with the head of procurement (Espoo city hall)" in message.body
    (attachment,) = [part for part in message.attachments if not isinstance(part, tuple)]
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]).endswith("Interview with the head of procurement")
    start = event.decoded("DTSTART")
    assert (start.date(), start.hour, start.minute, str(start.tzinfo)) == (day, 9, 0, "Europe/Helsinki")


def programme_mails(email: str | None = None) -> list:
    """The programme e-mails sent so far (they carry the calendar file), to ``email`` or anyone."""
    sent = [m for m in mail.outbox if m.attachments and "assessment-days.ics" in str(m.message())]
    return [m for m in sent if email is None or email in m.to]


def record_agreed_scores(journey: Journey, page) -> None:
    review_round = journey.round
    journey.round_page(page, "lead")
    follow(page, url("peerreview:score_overview", review_round.pk))
    journey.check(page, "Score overview", kind="score overview")
    for criterion in journey.scored:
        page.locator(f"select[name='agreed-{criterion.pk}-level']").select_option(value="2")
        page.locator(f"textarea[name='agreed-{criterion.pk}-rationale']").fill("The panel agreed on level 2.")
    submit(page, f'form[action="{url("peerreview:score_overview", review_round.pk)}"] button[type=submit]')
    expect_saved(page)
    assert AgreedScore.objects.filter(round=review_round).count() == len(journey.scored)
    journey.check(page, "Score overview (agreed)", kind="score overview (agreed)", screenshot=True)


def write_report(journey: Journey, page) -> None:
    review_round = journey.round
    journey.round_page(page, "lead")
    follow(page, url("reports:report_edit", review_round.pk))
    journey.check(page, "Report editor")
    # Each section and finding is a form of its own: saved with its button, or by autosave.
    page.locator("textarea[name=report-executive_summary]").fill(
        "Espoo uses procurement strategically; indicators lag behind."
    )
    submit(page, "form#section-executive_summary button[type=submit]")
    expect_saved(page)
    strengths = page.locator("form#section-key_strengths")
    strengths.locator("textarea[name=report-key_strengths]").fill("Strong mandate and good market dialogue.")
    saved_at = re.escape(journey.text("Saved at %(time)s")).replace(re.escape("%(time)s"), r"\d\d:\d\d")
    expect(strengths.locator(".autosave-status")).to_have_text(re.compile(saved_at))
    first = page.locator(f"form#criterion-{slugify(journey.criteria[0].code)}")
    expect(first).to_have_count(1)
    first.locator("textarea[name$='-strengths']").fill("A clear political mandate.")
    first.locator("textarea[name$='-areas_to_develop']").fill("Follow the targets with indicators.")
    submit(page, f"form#criterion-{slugify(journey.criteria[0].code)} button[type=submit]")
    expect_saved(page)
    report = SummaryReport.objects.get(round=review_round)
    assert report.executive_summary.startswith("Espoo uses procurement")
    assert report.key_strengths == "Strong mandate and good market dialogue."
    assert report.findings.filter(strengths="A clear political mandate.").exists()
    journey.check(page, "Report editor (saved)", kind="report editor (saved)", screenshot=True)

    follow(page, url("reports:actions_edit", review_round.pk))
    journey.check(page, "Action proposals")
    page.locator("select[name=new-criterion]").select_option(value=str(journey.criteria[0].pk))
    page.locator("input[name=new-title]").fill("Set indicators for the procurement strategy")
    page.locator("select[name=new-priority]").select_option(value="high")
    page.locator("input[name=new-owner]").fill("Head of procurement")
    page.locator("input[name=new-timeframe]").fill("2027")
    page.locator("input[name=new-success_indicator]").fill("Indicators reported yearly")
    submit(page, "form#new-proposal button[type=submit]")
    expect_saved(page)
    assert ActionProposal.objects.filter(
        report__round=review_round, title="Set indicators for the procurement strategy", priority="high"
    ).exists()
    journey.check(page, "Action proposals (saved)", kind="action proposals (saved)", screenshot=True)

    follow(page, url("reports:report_edit", review_round.pk))
    submit(page, f'form[action="{url("reports:send_for_check", review_round.pk)}"] button[type=submit]')
    expect_saved(page)
    assert journey.state() == "factual_check"
    journey.check(page, "Draft report", kind="report page (lead)")


def comment_on_draft(journey: Journey, page) -> None:
    """Espoo comments on one section of the draft (not one box for the whole report) and writes
    its response, which is published in the report."""
    review_round = journey.round
    journey.round_page(page, "host")
    follow(page, url("reports:factual_check", review_round.pk))
    journey.check(page, "Factual check", screenshot=True)
    page.locator("select[name=comment-section]").select_option(value="executive_summary")
    page.locator("textarea[name=comment-text]").fill("The spend is 920 million euros, not 900.")
    submit(page, "main form[data-factual-comment-form] button[type=submit]")
    expect_saved(page)
    assert FactualComment.objects.filter(
        report__round=review_round, section="executive_summary", text__startswith="The spend is 920"
    ).exists()
    page.locator("textarea[name=response-city_response]").fill("We accept the proposals.")
    submit(page, "main form[data-city-response-form] button[type=submit]")
    expect_saved(page)
    assert SummaryReport.objects.get(round=review_round).city_response == "We accept the proposals."
    journey.check(page, "Factual check (commented)", kind="factual check (commented)")


def answer_the_city_and_discuss(journey: Journey, lead, member) -> None:
    """Eva sees Espoo's open comment on the round page, answers it from the report editor; Jan
    mentions her in the panel's general thread; Eva clears a section by mistake and restores
    it from its history, then answers Jan in the thread."""
    review_round = journey.round
    comment = FactualComment.objects.get(report__round=review_round)
    journey.round_page(lead, "lead")
    follow(lead, url("reports:report_edit", review_round.pk))
    journey.check(lead, "Report editor (city comments)", kind="report editor (factual check)")
    follow(lead, url("reports:factual_comment_resolve", review_round.pk, comment.pk))
    journey.check(lead, "Answer the city's comment")
    lead.locator("textarea[name=response]").fill("Corrected to 920 million euros.")
    submit(lead, "main form[method=post] button[type=submit]")
    expect_saved(lead)
    comment.refresh_from_db()
    assert comment.is_resolved and comment.response == "Corrected to 920 million euros."

    journey.round_page(member, "member")
    follow(member, url("reports:discussion", review_round.pk))
    journey.check(member, "Panel discussion")
    follow(member, url("reports:discussion_thread", review_round.pk, "general"))
    member.locator("textarea[name=text]").fill("@Eva Lund shall we add a proposal on market dialogue?")
    submit(member, "main form[data-panel-comment-form] button[type=submit]")
    expect_saved(member)
    journey.check(member, "Discussion thread", screenshot=True)
    assert PanelComment.objects.get(round=review_round).mentions.filter(email=LEAD).exists()

    # Eva is back on the report editor after answering.
    lead.locator("textarea[name=report-executive_summary]").fill("")
    submit(lead, "form#section-executive_summary button[type=submit]")
    expect_saved(lead)
    history = url("reports:unit_history", review_round.pk, "section", "executive_summary")
    follow(lead, history)
    journey.check(lead, "Edit history")
    submit(lead, "main form[method=post] button[name=restore]")
    expect_saved(lead)
    assert SummaryReport.objects.get(round=review_round).executive_summary.startswith(
        "Espoo uses procurement"
    )

    # Eva answers Jan in the same thread: a discussion, not a single note.
    journey.round_page(lead, "lead")
    follow(lead, url("reports:discussion", review_round.pk))
    follow(lead, url("reports:discussion_thread", review_round.pk, "general"))
    expect(lead.locator("main")).to_contain_text("shall we add a proposal on market dialogue?")
    lead.locator("textarea[name=text]").fill("@Jan de Vries yes, I will add it as AP-2.")
    submit(lead, "main form[data-panel-comment-form] button[type=submit]")
    expect_saved(lead)
    thread = list(PanelComment.objects.filter(round=review_round).order_by("created_at"))
    assert [comment.author.email for comment in thread] == [MEMBER, LEAD]
    assert thread[1].mentions.filter(email=MEMBER).exists()


def other_city_sees_nothing(journey: Journey, page) -> None:
    """A member of another city gets a 404 for every page of Espoo's unpublished round."""
    pk = journey.round.pk
    for name in (
        "peerreview:round_detail",
        "peerreview:prereport_edit",
        "peerreview:score_overview",
        "reports:report_view",
    ):
        response = page.goto(url(name, pk))
        assert response.status == 404, f"{OTHER_CITY} got {response.status} for {name} at {journey.state()}"
    journey.check(page, "Not found (another city's round)", kind="404")


def publish_and_download(journey: Journey, page) -> None:
    review_round = journey.round
    journey.round_page(page, "coordinator")
    follow(page, url("reports:report_view", review_round.pk))
    journey.check(page, "Report before publishing", kind="report page (coordinator)")
    follow(page, url("reports:publish", review_round.pk))
    journey.check(page, "Publish", screenshot=True)
    submit(page, "main form[method=post] button[type=submit]")
    expect_saved(page)
    assert journey.state() == "published"
    assert Round.objects.filter(previous_round=review_round).exists(), "no repeat round was scheduled"
    journey.check(page, "Published report", kind="report page (published)", screenshot=True)

    # The PDF is rendered in the background after publishing (in-process here): the link
    # serves the file, or a 202 "being prepared" page until it is ready.
    pdf_link = page.locator(f'main a[href="{url("reports:report_pdf", review_round.pk)}"]')
    expect(pdf_link).to_have_count(1)
    href = pdf_link.get_attribute("href")
    response = page.request.get(href)
    deadline = time.monotonic() + 300  # a ceiling for the render on a loaded machine
    while response.status == 202 and time.monotonic() < deadline:
        page.wait_for_timeout(500)  # poll interval
        response = page.request.get(href)
    assert response.status == 200, response.status
    assert response.body().startswith(b"%PDF")


def test_demo_round_end_to_end_in_english(open_as, visit, demo, tmp_path):
    """Finnish and Swedish: test_round_journey_fi.py and _sv.py, files of their own so that
    `--dist loadfile` runs the three journeys (2.5 minutes each) on different workers."""
    run_journey("en", open_as, visit, demo, tmp_path)


def run_journey(language, open_as, visit, demo, tmp_path) -> None:
    visit.prefix = f"round_journey-{language}"
    journey = Journey(language=language, visit=visit, demo=demo, open_as=open_as, tmp_path=tmp_path)
    # Two people choose their language with the navbar's switcher; the others have it set in
    # their profile (User.language), which the site follows from the first page after login.
    User.objects.filter(email__in=[MEMBER, COORDINATOR, OTHER_CITY]).update(language=language)
    User.objects.filter(email__in=[HOST, LEAD]).update(language="en" if language != "en" else "sv")

    # A member of another city cannot open Espoo's round.
    other = journey.log_in(OTHER_CITY)
    other_city_sees_nothing(journey, other)

    # Espoo completes and submits its pre-report with an evidence file.
    host = open_as(demo["users"][HOST], language=language, check_login=True)
    switch_language(host, language)
    journey.check(host, "Dashboard (host, prereport_open)", screenshot=True)
    journey.round_page(host, "host")
    fill_prereport(journey, host)

    # Eva (lead) and Jan accept their invitations.
    lead = open_as(demo["users"][LEAD], language=language)
    switch_language(lead, language)
    accept_invitation(journey, lead, LEAD)
    member = journey.log_in(MEMBER)
    accept_invitation(journey, member, MEMBER)

    # The coordinator moves the round to scoring; both evaluators score and submit.
    coordinator = journey.log_in(COORDINATOR)
    journey.check(coordinator, "Dashboard (coordinator, prereport_submitted)", screenshot=True)
    journey.move_round(coordinator, "scoring")
    score_everything(journey, lead, LEAD, level=2)
    score_everything(journey, member, MEMBER, level=3)

    # The assessment days: Eva plans a day and records the agreed scores.
    journey.move_round(coordinator, "assessment")
    plan_assessment_day(journey, lead)
    record_agreed_scores(journey, lead)

    # Drafting: findings, action proposals, and the draft goes to Espoo for the factual check.
    journey.move_round(coordinator, "drafting")
    write_report(journey, lead)

    # Espoo comments; the round is still closed to other cities.
    comment_on_draft(journey, host)
    other_city_sees_nothing(journey, other)
    answer_the_city_and_discuss(journey, lead, member)

    # The coordinator publishes and downloads the PDF; Espoo reads the published report.
    publish_and_download(journey, coordinator)
    journey.round_page(host, "host")
    follow(host, url("reports:report_view", journey.round.pk))
    journey.check(host, "Published report (host city)", kind="report page (host)")

    assert User.objects.get(email=HOST).language == language  # the switcher remembered it
    visit.assert_clean()
