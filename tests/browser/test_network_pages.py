"""The network's pages as their users see them, with axe on each: the coordinator's programme
synthesis (and its PDF, with every published city's NOT AN ISLAND messages; its PDF and XLSX made
again only when asked after a failure), Espoo against the network, ranked evaluator suggestions when
inviting, an invitation before it is answered, and changing a round's dates."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from cities.models import User
from network.models import SynthesisPdf
from network.synthesis import SynthesisFilters, data_stamp, published_rounds
from network.synthesis_pdf import FAILED_RETRY_AFTER, pdf_key
from peerreview import background
from peerreview.models import Answer, Assignment, Round
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_network_pages(open_as, visit, browser_settings):
    call_command("seed_demo", stdout=io.StringIO())

    # The coordinator: the programme synthesis, its NOT AN ISLAND page and its PDF.
    page = open_as(User.objects.get(email="coordinator@demo.eu"))
    with page.expect_navigation():
        page.locator(f"header a[href='{reverse('network:synthesis')}']").click()
    expect(page.locator("table.heatmap tbody tr").first).to_be_visible()
    visit.check(page, "Programme synthesis", screenshot=True)
    page.locator("main a[href*='heading=ISLAND.1']").first.click()
    expect(page.locator("main .island-messages li").first).to_be_visible()
    visit.check(page, "Not an island: better regulation", screenshot=True)

    pdf_url = reverse("network:synthesis_pdf")
    page.goto(reverse("network:synthesis"))
    with page.expect_download() as download:
        # The ask's render runs on commit (in-process here), so its waiting page gives the file.
        page.locator(f"main a[href^='{pdf_url}']").click()
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(open(download.value.path(), "rb").read())).pages
    )
    text = " ".join(text.split())
    published = Round.objects.filter(state="published")
    for review_round in published:
        messages = Answer.objects.filter(
            prereport__round=review_round, criterion__theme__is_scored=False
        ).exclude(narrative="")
        for answer in messages:
            assert " ".join(answer.narrative.split())[:40] in text, (
                review_round.host_city.name,
                answer.criterion.code,
            )

    # Inviting: ranked suggestions with their reasons, not a dropdown.
    espoo_round = Round.objects.get(host_city__name="Espoo", state="prereport_open")
    page.goto(reverse("peerreview:panel_manage", args=[espoo_round.pk]))
    expect(page.locator("main ol.suggestions li .match-reasons li").first).to_be_visible()
    visit.check(page, "Panel: ranked suggestions", screenshot=True)

    page.goto(reverse("peerreview:round_dates", args=[espoo_round.pk]))
    visit.check(page, "Change the dates", screenshot=True)

    # An invited evaluator sees what to decide on.
    invited = (
        Assignment.objects.filter(round=espoo_round, state="invited").select_related("evaluator").first()
    )
    evaluator_page = open_as(invited.evaluator)
    evaluator_page.goto(reverse("peerreview:invitation_respond", args=[invited.pk]))
    expect(evaluator_page.locator("#effort-heading")).to_be_visible()
    visit.check(evaluator_page, "Invitation before answering", screenshot=True)
    evaluator_page.goto(reverse("peerreview:evaluator_profile"))
    visit.check(evaluator_page, "Evaluator profile", screenshot=True)

    # Espoo against the network, on its dashboard and its report.
    espoo = open_as(User.objects.get(email="espoo@demo.eu"))
    earlier = Round.objects.get(host_city__name="Espoo", state="published")
    # Espoo's people work in Finnish: the card is found by what it is, not by its English title.
    expect(espoo.locator(f"main article[aria-labelledby='benchmark-{earlier.pk}'] table")).to_be_visible()
    visit.check(espoo, "Espoo's dashboard with its benchmark", screenshot=True)
    espoo.goto(reverse("reports:report_view", args=[earlier.pk]) + "#benchmark")
    expect(espoo.locator("#benchmark")).to_be_visible()
    visit.check(espoo, "Espoo's report: scores against the network", screenshot=True)

    visit.assert_clean()


@pytest.mark.parametrize(
    "fmt,url_name,query,noun,magic",
    [
        ("xlsx", "network:synthesis_export", "?format=xlsx", "spreadsheet", b"PK"),  # a zip archive
        ("pdf", "network:synthesis_pdf", "", "PDF", b"%P"),
    ],
)
def test_a_failed_synthesis_file_is_made_again_only_when_the_coordinator_asks(
    open_as, visit, fmt, url_name, query, noun, magic
):
    """The programme synthesis's XLSX or PDF failed a while ago: its waiting page says so (checked
    by axe), does not poll a new job into being, and its "ask again" button makes and downloads it."""
    framework = factories.make_framework(scored_criteria=2, unscored_criteria=3)
    factories.published_round(
        city=factories.CityFactory(name="Lahti", country="FI"),
        framework=framework,
        agreed={"WHY.1": 2, "WHY.2": 3},
        published_at=timezone.now() - datetime.timedelta(days=3),
    )
    filters = SynthesisFilters()
    failed = SynthesisPdf.objects.create(
        key=pdf_key(filters, "en", data_stamp(published_rounds(filters)), fmt),
        format=fmt,
        filters=filters.as_query(),
        language="en",
        error="OSError: disk full",
        attempts=1,
    )
    SynthesisPdf.objects.filter(pk=failed.pk).update(requested_at=timezone.now() - 2 * FAILED_RETRY_AFTER)
    page = open_as(factories.CoordinatorFactory())

    page.goto(reverse(url_name) + (f"{query}&wait=1" if query else "?wait=1"))
    expect(page.locator("[data-pdf-state]")).to_have_attribute("data-pdf-state", "failed")
    expect(page.get_by_role("link", name=f"Download the {noun}")).to_be_hidden()
    visit.check(page, f"Programme synthesis {noun} failed: ask again")
    assert SynthesisPdf.objects.get().error == "OSError: disk full"  # the page asked for nothing
    with page.expect_download(timeout=300_000) as download:
        page.get_by_role("link", name=f"Ask for a new {noun}").click()
    assert download.value.suggested_filename.endswith(f".{fmt}")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(2) == magic
    background.wait_idle()
    stored = SynthesisPdf.objects.get()
    assert stored.pk == failed.pk and stored.is_ready and stored.attempts == 2
    visit.assert_clean()
