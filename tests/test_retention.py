"""Retention: interviewees' names and contact data are erased a set time after publication."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from peerreview import background
from peerreview.models import AssessmentDay, Interviewee, RoundState, Session
from peerreview.services.retention import anonymise_interviewees
from reports.services import get_or_create_report
from reports.tasks import render_report_pdf
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 6, 1, 3, 30, tzinfo=datetime.UTC)


def _round_with_interviewees(*, state=RoundState.PUBLISHED, published_days_ago=None, people=2):
    review_round = factories.RoundFactory(state=state)
    if published_days_ago is not None:
        review_round.published_at = NOW - datetime.timedelta(days=published_days_ago)
        review_round.save()
    day = AssessmentDay.objects.create(
        round=review_round, date=datetime.date(2026, 11, 3), location="City hall"
    )
    session = Session.objects.create(
        day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Strategy"
    )
    for index in range(people):
        Interviewee.objects.create(
            session=session,
            role="buyer",
            name=f"Aino Virtanen {review_round.pk}-{index}",
            organisation="Facilities",
            email=f"aino{review_round.pk}-{index}@city.example",
            consent_to_name=True,
        )
    return review_round


def _personal(review_round):
    return list(
        Interviewee.objects.filter(session__day__round=review_round)
        .order_by("pk")
        .values_list("name", "email", "organisation", "consent_to_name", "anonymised_at")
    )


def test_interviewees_are_anonymised_after_the_retention_period_and_not_before(settings, caplog):
    settings.INTERVIEWEE_RETENTION_DAYS = 180
    due = _round_with_interviewees(published_days_ago=181, people=2)
    exactly = _round_with_interviewees(published_days_ago=180, people=1)  # the cut-off itself is due
    recent = _round_with_interviewees(published_days_ago=179)
    running = _round_with_interviewees(state=RoundState.DRAFTING)
    recent_before, running_before = _personal(recent), _personal(running)

    with caplog.at_level("INFO", logger="peerreview.services.retention"):
        count = anonymise_interviewees(now=NOW)

    assert count == 3
    assert _personal(due) == [("", "", "", False, NOW)] * 2
    assert _personal(exactly) == [("", "", "", False, NOW)]
    assert _personal(recent) == recent_before
    assert _personal(running) == running_before
    # The role stays: the report still counts interviewees by role.
    assert set(Interviewee.objects.filter(session__day__round=due).values_list("role", flat=True)) == {
        "buyer"
    }
    assert f"Anonymised 2 interviewees of round {due.pk}" in caplog.text
    assert f"Anonymised 1 interviewees of round {exactly.pk}" in caplog.text
    assert f"round {recent.pk}" not in caplog.text
    assert "Retention: anonymised 3 interviewees in total" in caplog.text

    caplog.clear()
    with caplog.at_level("INFO", logger="peerreview.services.retention"):
        assert anonymise_interviewees(now=NOW + datetime.timedelta(hours=1)) == 0
    assert _personal(due) == [("", "", "", False, NOW)] * 2  # the first stamp is kept
    assert "Retention: anonymised 0 interviewees in total" in caplog.text


def test_the_nightly_job_anonymises_with_the_current_time(settings):
    from peerreview.jobs import anonymise_old_interviewees

    settings.INTERVIEWEE_RETENTION_DAYS = 30
    review_round = _round_with_interviewees(published_days_ago=0, people=1)
    review_round.published_at = timezone.now() - datetime.timedelta(days=31)
    review_round.save()

    assert anonymise_old_interviewees.apply().get() == 1
    assert _personal(review_round)[0][:4] == ("", "", "", False)


def test_planner_and_report_show_anonymised_interviewees_without_their_data(client, settings):
    settings.INTERVIEWEE_RETENTION_DAYS = 180
    review_round = _round_with_interviewees(published_days_ago=200, people=2)
    get_or_create_report(review_round)
    name = Interviewee.objects.filter(session__day__round=review_round).first().name
    client.force_login(factories.CoordinatorFactory())
    planner_url = reverse("peerreview:assessment_planner", args=[review_round.pk])
    report_url = reverse("reports:report_view", args=[review_round.pk])

    before = client.get(planner_url).content.decode()
    assert name in before and "anonymised on" not in before

    anonymise_interviewees(now=NOW)
    planner = client.get(planner_url).content.decode()
    report = client.get(report_url).content.decode()

    assert name not in planner and "@city.example" not in planner and "Facilities" not in planner
    assert planner.count("anonymised on 1 June 2027") == 2
    assert "name not given" not in planner  # anonymised, not "never given"
    assert name not in report and "@city.example" not in report
    # The report still counts the interviewees by role, without names.
    row = re.search(r"<th scope=\"row\">Buyer in a service area</th>.*?</tr>", report, re.S).group(0)
    assert '<td class="text-end">2</td>' in row


# --- consent to be named, withdrawn after publication ----------------------------------------


def _published_round_with_named_interviewees(personas):
    from reports.services import publish_report
    from tests.test_report_pdf import build_round

    review_round, report = build_round(personas, publish=False)
    day = AssessmentDay.objects.create(
        round=review_round, date=datetime.date(2026, 11, 3), location="City hall"
    )
    session = Session.objects.create(
        day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Strategy"
    )
    aino = Interviewee.objects.create(
        session=session, role="buyer", name="Aino Virtanen", organisation="Facilities", consent_to_name=True
    )
    Interviewee.objects.create(
        session=session, role="management", name="Matti Korhonen", consent_to_name=True
    )
    review_round.state = RoundState.FACTUAL_CHECK
    review_round.save()
    publish_report(review_round=review_round, actor=personas.coordinator, repeat_interval_months=18)
    report.refresh_from_db()
    return review_round, report, aino


def _flat_pdf_text(stored) -> str:
    from tests.test_report_pdf import pdf_text

    return " ".join(pdf_text(stored)[0].split())


def test_withdrawn_consent_removes_the_name_from_the_regenerated_pdf_and_keeps_the_wording(
    client, personas, django_capture_on_commit_callbacks
):
    """The lead records the withdrawal after publication; the published PDF is not served
    again; the retention job (here run as if the immediate render had been lost) makes it
    again: read back, the name is gone, the other interviewee and the report's wording stay,
    and the old file is deleted."""
    from django.core.files.storage import default_storage

    from reports import pdf as report_pdf
    from reports.jobs import remove_names_from_published_pdfs
    from reports.models import ReportPdf

    review_round, report, aino = _published_round_with_named_interviewees(personas)
    first = report_pdf.ensure_pdf(report)
    before = _flat_pdf_text(first)
    assert "Aino Virtanen" in before and "Matti Korhonen" in before
    client.force_login(personas.assigned_evaluator)  # the lead evaluator
    planner = client.get(reverse("peerreview:assessment_planner", args=[review_round.pk])).content.decode()
    withdraw_url = reverse("peerreview:interviewee_withdraw_consent", args=[review_round.pk, aino.pk])
    assert withdraw_url in planner

    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the immediate render
        response = client.post(withdraw_url)

    assert response.status_code == 302
    aino.refresh_from_db()
    assert not aino.consent_to_name and aino.consent_withdrawn_at is not None
    assert aino.name == "Aino Virtanen"  # the panel keeps it until the retention period ends
    page = client.get(reverse("reports:report_view", args=[review_round.pk])).content.decode()
    assert "Aino Virtanen" not in page and "Matti Korhonen" in page
    assert report_pdf.current_pdf(report) is None  # the old PDF is no longer served

    with django_capture_on_commit_callbacks(execute=True):  # the old file goes after commit
        assert remove_names_from_published_pdfs.apply().get() == [report.pk]

    final = ReportPdf.objects.get(report=report, is_final=True)
    assert final.version > first.version
    after = _flat_pdf_text(final)
    assert "Aino Virtanen" not in after and "Matti Korhonen" in after
    for wording in ("Strong strategy, weak follow-up.", "Adopt a procurement indicator set with baselines"):
        assert wording in before and wording in after
    assert not default_storage.exists(first.file.name)
    assert report_pdf.current_pdf(report) == final
    assert remove_names_from_published_pdfs.apply().get() == []  # done once
    planner = client.get(reverse("peerreview:assessment_planner", args=[review_round.pk])).content.decode()
    assert "consent to be named withdrawn on" in planner and withdraw_url not in planner


def test_withdrawal_queues_the_new_pdf_at_once(client, personas, django_capture_on_commit_callbacks):
    from reports import pdf as report_pdf

    review_round, report, aino = _published_round_with_named_interviewees(personas)
    render_report_pdf.apply(args=[report.pk])  # the render publication queued, done
    first = report_pdf.current_pdf(report)
    client.force_login(personas.coordinator)

    # The render the withdrawal queues runs in this thread: the test's data lives in its transaction.
    with background.run_inline(), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("peerreview:interviewee_withdraw_consent", args=[review_round.pk, aino.pk]))

    final = report_pdf.current_pdf(report)
    assert final is not None and final.pk != first.pk
    assert "Aino Virtanen" not in _flat_pdf_text(final)


def test_only_the_lead_and_coordinators_record_a_withdrawal(client, personas):
    review_round, _report, aino = _published_round_with_named_interviewees(personas)
    url = reverse("peerreview:interviewee_withdraw_consent", args=[review_round.pk, aino.pk])
    for persona, status in (("host_member", 403), ("second_evaluator", 403), ("other_city_member", 404)):
        client.force_login(getattr(personas, persona))
        assert client.post(url).status_code == status, persona
    aino.refresh_from_db()
    assert aino.consent_to_name


def test_the_retention_job_also_remakes_pdfs_that_named_anonymised_interviewees(personas, settings):
    from reports import pdf as report_pdf
    from reports.jobs import remove_names_from_published_pdfs

    settings.INTERVIEWEE_RETENTION_DAYS = 180
    review_round, report, _aino = _published_round_with_named_interviewees(personas)
    first = report_pdf.ensure_pdf(report)
    review_round.published_at = timezone.now() - datetime.timedelta(days=181)
    review_round.save()

    assert anonymise_interviewees(now=timezone.now()) == 2
    assert remove_names_from_published_pdfs.apply().get() == [report.pk]

    final = report_pdf.current_pdf(report)
    assert final.pk != first.pk
    text = _flat_pdf_text(final)
    assert "Aino Virtanen" not in text and "Matti Korhonen" not in text
    assert "Strong strategy, weak follow-up." in text
