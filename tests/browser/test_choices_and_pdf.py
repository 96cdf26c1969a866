"""In a browser: a city is found by typing and chosen with the keyboard (the
ARIA combobox of static/js/autocomplete.js, checked by axe), and the "PDF being prepared" page
follows the render in the background and says when the file is ready."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from peerreview.models import Framework, Round
from reports.models import ReportPdf
from reports.services import get_or_create_report
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_finds_a_city_with_the_keyboard(open_as, visit):
    framework = factories.make_framework()
    Framework.objects.filter(pk=framework.pk).update(is_active=True)
    for name in ("Tallinn", "Tampere", "Tartu", "Turku"):
        factories.CityFactory(name=name)
    page = open_as(factories.CoordinatorFactory())

    page.goto(reverse("peerreview:round_create"))
    city = page.locator("input[name=host_city_text]")
    city.click()
    city.type("tam")
    option = page.get_by_role("option", name="Tampere (FI)")
    expect(option).to_be_visible()
    expect(city).to_have_attribute("aria-expanded", "true")
    visit.check(page, "New round form, city suggestions")
    city.press("ArrowDown")
    expect(city).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    city.press("Enter")
    expect(city).to_have_value("Tampere (FI)")
    expect(city).to_have_attribute("aria-expanded", "false")
    page.locator("input[name=title]").fill("Tampere 2027")
    page.locator("select[name=framework]").select_option(value=str(framework.pk))
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    assert Round.objects.get(title="Tampere 2027").host_city.name == "Tampere"

    visit.assert_clean()


def test_the_pdf_page_says_when_the_background_render_is_done(open_as, visit):
    review_round = factories.RoundFactory(state="drafting", title="Lahti 2026")
    lead = factories.AssignmentFactory(round=review_round, role="lead").evaluator
    report = get_or_create_report(review_round)
    page = open_as(lead)

    page.goto(reverse("reports:report_view", args=[review_round.pk]))
    with page.expect_download(timeout=300_000) as download:
        page.goto(reverse("reports:report_pdf", args=[review_round.pk]), wait_until="commit")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        visit.check(page, "PDF being prepared")
    assert download.value.suggested_filename.endswith(".pdf")
    expect(page.locator("[data-pdf-state]")).to_have_attribute("data-pdf-state", "ready")
    assert ReportPdf.objects.filter(report=report).count() == 1
    visit.assert_clean()


def test_the_all_rounds_spreadsheet_is_prepared_by_the_worker_and_downloaded(open_as, visit):
    """The coordinator's Excel export of every round: the dashboard's link opens a page that
    explains the wait (checked by axe), follows the background job and downloads the file."""
    factories.RoundFactory(state="drafting", title="Lahti 2026")
    page = open_as(factories.CoordinatorFactory())

    page.goto(reverse("peerreview:dashboard"))
    with page.expect_download(timeout=300_000) as download:
        page.get_by_role("link", name="All rounds: action proposals (Excel)").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        visit.check(page, "All-rounds spreadsheet being prepared")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(2) == b"PK"  # an XLSX is a zip archive
    visit.assert_clean()


def test_an_old_spreadsheet_is_not_made_again_until_the_coordinator_asks(open_as, visit):
    """The waiting page opened again after the file's freshness window: it says so (checked by
    axe), does not poll a new file into being, and its "ask again" button makes and downloads one."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from peerreview import background
    from reports.models import ExportFile

    factories.RoundFactory(state="drafting", title="Lahti 2026")
    old = timezone.now() - datetime.timedelta(hours=1)
    stored = ExportFile(kind="proposals", language="en", requested_at=old, rendered_at=old)
    stored.file.save("all-rounds-action-proposals.xlsx", ContentFile(b"PK\x03\x04 an old workbook"))
    page = open_as(factories.CoordinatorFactory())

    page.goto(reverse("reports:export_all_proposals") + "?format=xlsx&wait=1")
    expect(page.locator("[data-pdf-state]")).to_have_attribute("data-pdf-state", "none")
    expect(page.get_by_role("link", name="Download the spreadsheet")).to_be_hidden()
    visit.check(page, "All-rounds spreadsheet too old: ask again")
    assert list(ExportFile.objects.all()) == [stored]
    with page.expect_download(timeout=300_000) as download:
        page.get_by_role("link", name="Ask for a new spreadsheet").click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read(2) == b"PK"
    background.wait_idle()  # the job deletes the old file just after marking the new one made
    assert ExportFile.objects.get().pk != stored.pk  # made anew, the old one deleted
    visit.assert_clean()


def test_scores_too_many_for_an_excel_sheet_are_offered_as_csv(open_as, visit, monkeypatch):
    """A network whose scores pass what an Excel sheet holds (here the limit is scaled down to
    the test's data): the waiting page turns to saying so (checked by axe), offers no "ask again"
    and its CSV link downloads every row."""
    from reports import export_files

    monkeypatch.setattr(export_files, "XLSX_MAX_ROWS", 0)  # Excel's limit, scaled to the data
    factories.RoundFactory(state="drafting", title="Lahti 2026")  # its framework has scored criteria
    page = open_as(factories.CoordinatorFactory())

    page.goto(reverse("peerreview:dashboard"))
    page.get_by_role("link", name="All rounds: scores (Excel)").click()
    expect(page.locator("[data-pdf-state]")).to_have_attribute("data-pdf-state", "too-large")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many rows for one Excel sheet")
    expect(page.get_by_role("link", name="Ask for a new spreadsheet")).to_be_hidden()
    visit.check(page, "All-rounds scores too many for Excel: the CSV instead")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV file instead").click()
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        assert "Lahti 2026" in handle.read()
    visit.assert_clean()
