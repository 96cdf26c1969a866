"""The report's items in the round page's activity feed, each shown only to those who may see
it: the panel's drafting and discussion to the panel and coordinators (never the host city);
the city's factual-check comments and the panel's answers to everyone who reads the draft
(the city from the factual check on); the published PDF to its readers."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerreview.activity import recent_activity
from peerreview.permissions import RoundAccess
from peerreview.services.versioning import base_digests
from reports import discussion, factual
from reports.editing import create_action_proposal, delete_action_proposal, save_unit
from reports.models import ActionProposal, Finding, ReportPdf, SummaryReport
from reports.services import get_or_create_report, publish_report
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db

DRAFTING = (
    "changed the report section “executive summary”",
    "changed the finding",
    "added the action proposal AP-1 “Train the buyers”",
    "changed the action proposal AP-1 “Train the buyers”",
    "deleted the action proposal AP-2 “Drop this”",
)
DISCUSSION = "commented in the general discussion"
CITY_COMMENT = "commented on the draft: Executive summary"
ANSWER = "answered the city's comment on Executive summary"
PDF = "made the PDF of the published report"


def _feed(user, review_round) -> str:
    review_round.refresh_from_db()
    return "\n".join(
        f"{item.actor} {item.text}" for item in recent_activity(RoundAccess(user=user, round=review_round))
    )


def _save(report, unit, values, actor):
    fields = list(values)
    save_unit(
        report=report,
        model=type(unit),
        pk=unit.pk,
        base_version=unit.version,
        base=base_digests(unit, fields),
        values=values,
        actor=actor,
    )


@pytest.fixture
def drafted(personas):
    """A draft written by the lead, with a proposal added, changed and another deleted, and a
    comment in the panel's general thread."""
    review_round = personas.review_round
    review_round.state = "drafting"
    review_round.save()
    lead = personas.assigned_evaluator
    for assignment in review_round.assignments.all():
        assignment.scores_submitted_at = timezone.now()
        assignment.save()
    report = get_or_create_report(review_round)
    _save(report, report, {"executive_summary": "Strong mandate."}, lead)
    finding = Finding.objects.filter(report=report).select_related("criterion").first()
    _save(report, finding, {"strengths": "Published minutes."}, lead)
    proposal, _created = create_action_proposal(
        report=report, form_token=None, values={"title": "Train the buyers"}, actor=lead
    )
    _save(report, proposal, {"owner": "Head of procurement"}, lead)
    dropped, _created = create_action_proposal(
        report=report, form_token=None, values={"title": "Drop this"}, actor=lead
    )
    delete_action_proposal(report=report, pk=dropped.pk, base_version=dropped.version, actor=lead)
    discussion.add_comment(
        review_round=review_round,
        criterion=None,
        text="Shall we add market dialogue?",
        author=personas.second_evaluator,
        form_token=None,
    )
    return review_round, report, finding


def test_the_panel_and_coordinators_see_the_drafting_and_the_discussion(personas, drafted):
    review_round, _report, finding = drafted
    for person in (personas.coordinator, personas.assigned_evaluator, personas.second_evaluator):
        feed = _feed(person, review_round)
        for text in DRAFTING:
            assert text in feed, (person, text)
        assert f"changed the finding {finding.criterion.code}" in feed
        assert f"{personas.second_evaluator} {DISCUSSION}" in feed


def test_the_city_sees_no_draft_and_no_panel_comment_while_the_panel_writes(personas, drafted):
    review_round, _report, _finding = drafted
    feed = _feed(personas.host_member, review_round)
    for text in (*DRAFTING, DISCUSSION, "finding", "proposal", "report section"):
        assert text not in feed


def test_an_evaluator_sees_the_discussion_only_once_their_scores_are_in(personas, drafted):
    review_round, _report, _finding = drafted
    review_round.state = "scoring"
    review_round.save()
    second = review_round.assignments.get(evaluator=personas.second_evaluator)
    lead = review_round.assignments.get(evaluator=personas.assigned_evaluator)
    second.scores_submitted_at = None
    second.save()
    assert DISCUSSION not in _feed(personas.second_evaluator, review_round)
    assert lead.has_submitted_scores and DISCUSSION in _feed(personas.assigned_evaluator, review_round)


def test_the_city_sees_its_comments_and_the_answers_but_still_no_panel_material(personas, drafted):
    review_round, report, _finding = drafted
    review_round.state = "factual_check"
    review_round.save()
    comment, _created = factual.add_comment(
        report=report,
        section="executive_summary",
        text="Spend is 920 M€.",
        author=personas.host_member,
        form_token=None,
    )
    factual.resolve_comment(comment=comment, response="Corrected.", actor=personas.assigned_evaluator)

    city = _feed(personas.host_member, review_round)
    assert f"{personas.host_member} {CITY_COMMENT}" in city
    assert f"{personas.assigned_evaluator} {ANSWER}" in city
    for text in (*DRAFTING, DISCUSSION):
        assert text not in city
    panel = _feed(personas.assigned_evaluator, review_round)
    assert CITY_COMMENT in panel and ANSWER in panel and DRAFTING[0] in panel
    # Another city's member cannot open the round at all (its page is a 404, so no feed).
    assert not type(review_round).objects.visible_to(personas.other_city_member).filter(pk=review_round.pk)


def test_the_published_pdf_is_in_the_feed_of_its_readers(personas, drafted):
    review_round, report, _finding = drafted
    review_round.state = "factual_check"
    review_round.save()
    publish_report(review_round=review_round, actor=personas.coordinator, repeat_interval_months=18)
    assert PDF not in _feed(personas.host_member, review_round)  # rendered later, in the worker
    stored = ReportPdf(report=report, version=1, sha256="0" * 64, is_final=True)
    stored.file.save("final.pdf", ContentFile(pdf_bytes()), save=False)
    stored.save()

    city = _feed(personas.host_member, review_round)
    assert f"{PDF} (version 1)" in city
    assert DISCUSSION not in city and DRAFTING[0] not in city


def test_the_round_page_shows_the_report_items_with_links_in_the_same_number_of_queries(
    client, personas, drafted
):
    review_round, report, finding = drafted
    client.force_login(personas.assigned_evaluator)
    url = reverse("peerreview:round_detail", args=[review_round.pk])
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert reverse("reports:unit_history", args=[review_round.pk, "finding", finding.pk]) in page
    assert reverse("reports:unit_history", args=[review_round.pk, "section", "executive_summary"]) in page
    for index in range(15):
        report = SummaryReport.objects.get(pk=report.pk)
        _save(report, report, {"next_steps": f"Step {index}"}, personas.assigned_evaluator)
        discussion.add_comment(
            review_round=review_round,
            criterion=finding.criterion,
            text=f"Point {index}",
            author=personas.assigned_evaluator,
            form_token=None,
        )
    ActionProposal.objects.filter(report=report).update(title="Renamed")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many)
