"""Pages run a fixed number of queries whatever the size of the data: each list and dashboard
is rendered with one item and with many, and both must take the same number of queries."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerreview.models import AssessmentDay, Interviewee, Notification, Session
from peerreview.services.panel import ensure_scores
from peerreview.services.rounds import prepare_prereport
from reports.models import ActionProposal
from reports.services import get_or_create_report, publish_report
from tests import factories

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _host_round(city, evaluator_users, state="prereport_open"):
    review_round = factories.RoundFactory(host_city=city, state="planned")
    prereport = prepare_prereport(review_round)
    review_round.state = state
    review_round.save()
    for index, evaluator in enumerate(evaluator_users):
        assignment = factories.AssignmentFactory(
            round=review_round, evaluator=evaluator, role="lead" if index == 0 else "member"
        )
        ensure_scores(assignment)
    factories.AssignmentFactory(
        round=review_round, evaluator=factories.EvaluatorProfileFactory().user, state="invited"
    )
    return review_round, prereport


@pytest.mark.parametrize("persona", ["coordinator", "host", "evaluator"])
def test_dashboard_queries_do_not_grow_with_rounds(client, persona):
    city = factories.CityFactory()
    member = factories.MembershipFactory(city=city).user
    evaluator = factories.EvaluatorProfileFactory().user
    coordinator = factories.CoordinatorFactory()
    user = {"coordinator": coordinator, "host": member, "evaluator": evaluator}[persona]
    client.force_login(user)
    url = reverse("peerreview:dashboard")

    _host_round(city, [evaluator], state="scoring")
    one = _count(client, url)
    for state in ["prereport_open", "scoring", "assessment", "drafting", "published"]:
        review_round, _prereport = _host_round(city, [evaluator], state=state)
        AssessmentDay.objects.create(
            round=review_round, date=timezone.localdate() + datetime.timedelta(days=3)
        )
    many = _count(client, url)

    assert one == many


@pytest.mark.parametrize("persona", ["coordinator", "host", "evaluator"])
def test_dashboard_queries_do_not_grow_with_notifications(client, persona):
    city = factories.CityFactory()
    member = factories.MembershipFactory(city=city).user
    evaluator = factories.EvaluatorProfileFactory().user
    coordinator = factories.CoordinatorFactory()
    user = {"coordinator": coordinator, "host": member, "evaluator": evaluator}[persona]
    client.force_login(user)
    url = reverse("peerreview:dashboard")
    review_round, _prereport = _host_round(city, [evaluator], state="scoring")

    def notify(number: int, status: str) -> None:
        other_round, _prereport = _host_round(city, [evaluator], state="scoring")
        Notification.objects.create(
            recipient=user,
            kind=Notification.Kind.REMINDER,
            round=other_round if number % 2 else review_round,
            dedupe_key=f"count-test:{persona}:{number}",
            status=status,
        )

    notify(0, Notification.Status.SENT)
    one = _count(client, url)
    for number in range(1, 12):  # more than the dashboard lists, some failed, on several rounds
        notify(number, Notification.Status.FAILED if number % 3 else Notification.Status.SENT)
    Notification.objects.create(
        recipient=user, kind=Notification.Kind.REMINDER, dedupe_key=f"{persona}:no-round"
    )
    many = _count(client, url)
    page = client.get(url).content.decode()

    assert one == many
    assert "e-mail not delivered yet" in page


def _scoring_round_with(criteria: int, evaluators: int):
    framework = factories.make_framework(scored_criteria=criteria)
    review_round = factories.RoundFactory(framework=framework, state="planned")
    prepare_prereport(review_round)
    review_round.state = "scoring"
    review_round.save()
    review_round.prereport.submitted_at = timezone.now()
    review_round.prereport.save()
    assignments = []
    for index in range(evaluators):
        assignment = factories.AssignmentFactory(round=review_round, role="lead" if index == 0 else "member")
        for score in ensure_scores(assignment):
            score.level, score.comment = 2, "Fine."
            score.save()
        assignment.scores_submitted_at = timezone.now()
        assignment.save()
        assignments.append(assignment)
    return review_round, assignments


@pytest.mark.parametrize(
    "url_name", ["peerreview:scoring_sheet", "peerreview:score_overview", "peerreview:prereport_edit"]
)
def test_round_pages_queries_do_not_grow_with_criteria_or_evaluators(client, url_name):
    small, (small_lead, *_rest) = _scoring_round_with(criteria=1, evaluators=2)
    large, (large_lead, *_rest) = _scoring_round_with(criteria=8, evaluators=3)

    client.force_login(small_lead.evaluator)
    one = _count(client, reverse(url_name, kwargs={"round_id": small.pk}))
    client.force_login(large_lead.evaluator)
    many = _count(client, reverse(url_name, kwargs={"round_id": large.pk}))

    assert one == many


def _planned_days(review_round, days: int, sessions: int) -> None:
    for day_index in range(days):
        day = AssessmentDay.objects.create(
            round=review_round, date=datetime.date(2026, 12, 1) + datetime.timedelta(days=day_index)
        )
        for session_index in range(sessions):
            session = Session.objects.create(
                day=day,
                start_time=datetime.time(9 + session_index),
                end_time=datetime.time(10 + session_index),
                topic="T",
            )
            session.criteria.set(review_round.framework.themes.first().criteria.all())
            Interviewee.objects.create(session=session, role="buyer", name="A. Buyer", consent_to_name=True)


@pytest.mark.parametrize(
    "url_name",
    ["peerreview:assessment_planner", "reports:report_view", "reports:actions_edit", "reports:report_edit"],
)
def test_report_and_planner_queries_do_not_grow(client, url_name):
    counts = []
    for size in (1, 4):
        review_round, (lead, *_rest) = _scoring_round_with(criteria=size, evaluators=2)
        review_round.state = "drafting"
        review_round.save()
        _planned_days(review_round, days=size, sessions=size)
        report = get_or_create_report(review_round)
        for number in range(1, size * 2 + 1):
            ActionProposal.objects.create(
                report=report,
                number=number,
                title=f"Proposal {number}",
                criterion=review_round.framework.themes.first().criteria.first(),
            )
        client.force_login(lead.evaluator)
        counts.append(_count(client, reverse(url_name, kwargs={"round_id": review_round.pk})))

    assert counts[0] == counts[1]


def _published(city, number: int) -> None:
    """A report published to the network, with good practice and a proposal (indexed on publish)."""
    review_round = factories.RoundFactory(host_city=city, state="factual_check", title=f"Round {number}")
    report = get_or_create_report(review_round)
    report.executive_summary = f"Tender calendar summary {number}."
    report.publication_level = "network"
    report.save()
    for finding in report.findings.all():
        finding.good_practice = f"Tender calendar practice {number}."
        finding.strengths = "Tender calendar strengths."
        finding.save()
    ActionProposal.objects.create(report=report, number=1, title=f"Publish the tender calendar {number}")
    publish_report(review_round=review_round, actor=None, repeat_interval_months=18)


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("network:library", {}),
        ("network:library", {"q": "tender calendar"}),
        ("network:library", {"q": "calendar", "theme": "WHY", "country": "FI"}),
        ("network:good_practice", {}),
        ("network:good_practice", {"q": "calendar"}),
    ],
)
def test_library_queries_do_not_grow_with_reports(client, url_name, params):
    reader = factories.MembershipFactory().user  # a member of another city: the network's reports
    client.force_login(reader)
    city = factories.CityFactory(country="FI")
    url = f"{reverse(url_name)}?{urlencode(params)}"

    _published(city, 1)
    one = _count(client, url)
    for number in range(2, 8):
        _published(factories.CityFactory(country="FI" if number % 2 else "SE"), number)
    many = _count(client, url)

    assert one == many


def test_unit_history_page_queries_do_not_grow_with_versions(client):
    from peerreview.services.prereport import save_prereport_draft
    from peerreview.services.versioning import UnitEdit, base_digests

    city = factories.CityFactory()
    member = factories.MembershipFactory(city=city).user
    review_round, prereport = _host_round(city, [])
    answer = prereport.answers.first()
    client.force_login(member)
    url = reverse("peerreview:unit_history", args=[review_round.pk, "answer", answer.pk])
    counts = []
    for versions in (1, 12):
        for index in range(versions):
            answer.refresh_from_db()
            edit = UnitEdit(
                key=answer.pk,
                model=type(answer),
                pk=answer.pk,
                base_version=answer.version,
                base=base_digests(answer, ["narrative"]),
                values={"narrative": f"Version {versions}-{index} by {member}"},
            )
            save_prereport_draft(review_round=review_round, actor=member, edits=[edit])
        counts.append(_count(client, url))

    assert counts[0] == counts[1]
