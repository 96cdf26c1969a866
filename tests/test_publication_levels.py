"""Who may read a published report: the host city chooses (from the factual check on), the
coordinator publishes with that choice, and once published the readership only widens.
The public page shows the final report and nothing of the round's inner work."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from peerreview.models import AssessmentDay, Interviewee, Session
from reports.models import ActionProposal, SummaryReport
from reports.publication import set_publication_level
from reports.services import get_or_create_report, publish_report, save_report_texts
from tests.parallel import in_parallel


def _report_in(review_round, state: str) -> SummaryReport:
    review_round.state = "drafting"
    review_round.save()
    report = get_or_create_report(review_round)
    save_report_texts(
        report=report,
        executive_summary="The unit buys with a clear mandate.",
        key_strengths="Market dialogue.",
        purpose_and_scope="Whole city.",
        process_notes="No conflicts.",
        next_steps="Repeat in 18 months.",
    )
    ActionProposal.objects.create(report=report, number=1, title="Set indicator baselines")
    review_round.state = state
    review_round.save()
    return report


@pytest.mark.django_db
def test_the_city_chooses_in_the_factual_check_and_the_coordinator_publishes_with_it(client, personas):
    review_round = personas.review_round
    report = _report_in(review_round, "factual_check")
    url = reverse("reports:publication_level", kwargs={"round_id": review_round.pk})
    client.force_login(personas.host_member)

    page = client.get(url).content.decode()
    assert 'value="round"' in page and 'value="network"' in page and 'value="public"' in page
    response = client.post(url, {"publication_level": "network"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.publication_level == "network"
    assert report.publication_level_set_by == personas.host_member

    client.force_login(personas.coordinator)
    publish_page = client.get(
        reverse("reports:publish", kwargs={"round_id": review_round.pk})
    ).content.decode()
    assert "The whole network" in publish_page
    publish_report(review_round=review_round, actor=personas.coordinator, repeat_interval_months=18)

    client.force_login(personas.other_city_member)
    assert client.get(reverse("reports:report_view", kwargs={"round_id": review_round.pk})).status_code == 200


@pytest.mark.django_db
def test_before_publishing_the_city_may_change_its_mind(personas):
    report = _report_in(personas.review_round, "factual_check")
    set_publication_level(report=report, level="public", actor=personas.host_member)
    set_publication_level(report=report, level="round", actor=personas.host_member)
    report.refresh_from_db()
    assert report.publication_level == "round"


@pytest.mark.django_db
def test_once_published_the_readership_only_widens(client, personas):
    review_round = personas.review_round
    report = _report_in(review_round, "published")
    SummaryReport.objects.filter(pk=report.pk).update(
        published_at=timezone.now(), publication_level="network"
    )
    url = reverse("reports:publication_level", kwargs={"round_id": review_round.pk})
    client.force_login(personas.host_member)

    page = client.get(url).content.decode()
    assert 'value="round"' not in page and 'value="network"' in page and 'value="public"' in page
    refused = client.post(url, {"publication_level": "round"})

    assert refused.status_code == 200  # the form again, with the reason at the field
    assert "is-invalid" in refused.content.decode()
    report.refresh_from_db()
    assert report.publication_level == "network"
    with pytest.raises(ValidationError):
        set_publication_level(report=report, level="round", actor=personas.host_member)

    assert client.post(url, {"publication_level": "public"}).status_code == 302
    report.refresh_from_db()
    assert report.publication_level == "public"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "everyone", "public' OR 1=1", "x" * 5000])
def test_a_malformed_level_is_explained_at_the_field(client, personas, value):
    review_round = personas.review_round
    _report_in(review_round, "factual_check")
    client.force_login(personas.host_member)
    response = client.post(
        reverse("reports:publication_level", kwargs={"round_id": review_round.pk}),
        {"publication_level": value},
    )
    assert response.status_code == 200
    assert 'class="invalid-feedback d-block"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["prereport_open", "drafting", "cancelled"])
def test_the_level_is_chosen_only_from_the_factual_check_on(personas, state):
    report = _report_in(personas.review_round, state)
    with pytest.raises(ValidationError):
        set_publication_level(report=report, level="network", actor=personas.host_member)


@pytest.mark.django_db
def test_the_public_page_shows_the_final_report_and_nothing_of_the_inner_work(client, personas):
    review_round = personas.review_round
    report = _report_in(review_round, "published")
    day = AssessmentDay.objects.create(
        round=review_round, date=datetime.date(2026, 10, 1), location="City hall", notes="Day note: tense"
    )
    session = Session.objects.create(
        day=day,
        start_time=datetime.time(9),
        end_time=datetime.time(10),
        topic="Contract management",
        notes="Interview note: the buyer admitted skipping checks",
    )
    Interviewee.objects.create(session=session, role="buyer", name="Nora Named", consent_to_name=True)
    Interviewee.objects.create(session=session, role="buyer", name="Sam Secret", consent_to_name=False)
    SummaryReport.objects.filter(pk=report.pk).update(
        published_at=timezone.now(),
        publication_level="public",
        factual_comment="Internal remark: figure on page 3 wrong",
    )

    page = client.get(reverse("reports:public_report", kwargs={"round_id": review_round.pk})).content.decode()

    assert "The unit buys with a clear mandate." in page
    assert "Nora Named" in page
    for secret in ("Sam Secret", "Interview note", "Day note", "Internal remark"):
        assert secret not in page
    assert reverse("peerreview:round_detail", kwargs={"round_id": review_round.pk}) not in page


@pytest.mark.django_db(transaction=True)
def test_a_widening_is_never_undone_by_a_parallel_choice(personas):
    """Two host members at once: one widens to the public, the other picks the network. Checked on
    the locked row, the report ends public whichever commits first."""
    report = _report_in(personas.review_round, "published")
    SummaryReport.objects.filter(pk=report.pk).update(published_at=timezone.now(), publication_level="round")

    def choose(level: str) -> str:
        try:
            set_publication_level(report=report, level=level, actor=personas.host_member)
        except ValidationError:
            return f"{level}: refused"
        return f"{level}: saved"

    outcomes = in_parallel(lambda: choose("public"), lambda: choose("network"))

    report.refresh_from_db()
    assert report.publication_level == "public", outcomes
    assert "public: saved" in outcomes
