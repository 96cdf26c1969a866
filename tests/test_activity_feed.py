"""The round page's activity feed: edits, uploads and state changes, each shown only to those
who may see it (the city never sees evaluators' scores or the panel's agreed scores; an
evaluator sees others' scores only once both have submitted), in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerreview.activity import _SOURCES, ActivityItem, recent_activity, register
from peerreview.models import AgreedScore, Answer
from peerreview.permissions import RoundAccess
from peerreview.services.panel import ensure_scores, save_agreed_scores, save_scores
from peerreview.services.prereport import save_prereport_draft, upload_evidence
from peerreview.services.rounds import prepare_prereport
from peerreview.services.versioning import UnitEdit, base_digests
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


def _edit(unit, values: dict, key=None) -> UnitEdit:
    return UnitEdit(
        key=key or unit.pk,
        model=type(unit),
        pk=unit.pk,
        base_version=unit.version,
        base=base_digests(unit, list(values)),
        values=values,
    )


def _texts(client, review_round) -> str:
    response = client.get(reverse("peerreview:round_detail", args=[review_round.pk]))
    assert response.status_code == 200
    return " ".join(f"{item.actor} {item.text}" for item in response.context["activity"])


@pytest.fixture
def busy_round(personas):
    review_round = personas.review_round
    prereport = prepare_prereport(review_round)
    review_round.state = "prereport_open"
    review_round.save()
    answer = prereport.answers.select_related("criterion").first()
    save_prereport_draft(
        review_round=review_round, actor=personas.host_member, edits=[_edit(answer, {"narrative": "We do."})]
    )
    upload_evidence(
        review_round=review_round,
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes()),
        user=personas.host_member,
    )
    review_round.state = "scoring"
    review_round.save()
    lead = review_round.assignments.get(evaluator=personas.assigned_evaluator)
    second = review_round.assignments.get(evaluator=personas.second_evaluator)
    for assignment in (lead, second):
        score = ensure_scores(assignment)[0]
        save_scores(
            assignment=assignment, actor=assignment.evaluator, edits=[_edit(score, {"comment": "Draft."})]
        )
    return review_round, answer.criterion.code, score.criterion.code, lead, second


def test_the_city_sees_its_edits_and_uploads_but_no_scores(client, personas, busy_round):
    review_round, answer_code, score_code, _lead, _second = busy_round
    client.force_login(personas.host_member)

    texts = _texts(client, review_round)

    assert f"changed the answer to {answer_code}" in texts
    assert "uploaded the evidence file “plan.pdf”" in texts
    assert "score" not in texts


def test_an_evaluator_sees_own_draft_scores_and_others_only_after_both_submitted(
    client, personas, busy_round
):
    review_round, _answer_code, score_code, lead, second = busy_round
    personas.review_round.prereport.submitted_at = timezone.now()
    personas.review_round.prereport.save()
    client.force_login(personas.assigned_evaluator)

    texts = _texts(client, review_round)
    assert texts.count(f"changed a score for {score_code}") == 1  # own draft only
    assert str(personas.second_evaluator) not in texts

    for assignment in (lead, second):
        assignment.scores_submitted_at = timezone.now()
        assignment.save()
    assert _texts(client, review_round).count(f"changed a score for {score_code}") == 2


def test_agreed_scores_are_the_panels_not_the_citys(client, personas, busy_round):
    review_round, _answer_code, score_code, lead, second = busy_round
    for assignment in (lead, second):
        assignment.scores_submitted_at = timezone.now()
        assignment.save()
    criterion = ensure_scores(lead)[0].criterion
    save_agreed_scores(
        review_round=review_round,
        actor=personas.assigned_evaluator,
        edits=[
            UnitEdit(
                key=criterion.pk,
                model=AgreedScore,
                pk=None,
                base_version=0,
                base={},
                values={"level": 2, "not_applicable": False, "rationale": "Agreed."},
            )
        ],
    )
    client.force_login(personas.coordinator)
    assert f"recorded the agreed score for {criterion.code}" in _texts(client, review_round)
    client.force_login(personas.host_member)
    assert "agreed score" not in _texts(client, review_round)


def test_other_apps_can_add_a_source(personas, busy_round):
    review_round = busy_round[0]

    def comments(access, limit):
        return [ActivityItem(at=timezone.now(), actor=None, text="commented on section 3", kind="comment")]

    register(comments)
    try:
        items = recent_activity(RoundAccess(user=personas.coordinator, round=review_round))
    finally:
        _SOURCES.remove(comments)
    assert items[0].text == "commented on section 3"


def test_the_round_page_runs_the_same_queries_with_one_edit_or_many(client, personas):
    review_round = personas.review_round
    prereport = prepare_prereport(review_round)
    review_round.state = "prereport_open"
    review_round.save()
    client.force_login(personas.host_member)
    url = reverse("peerreview:round_detail", args=[review_round.pk])
    answer = prereport.answers.first()
    save_prereport_draft(
        review_round=review_round, actor=personas.host_member, edits=[_edit(answer, {"narrative": "1"})]
    )
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for index in range(30):
        answer = Answer.objects.get(pk=answer.pk)
        save_prereport_draft(
            review_round=review_round,
            actor=personas.host_member,
            edits=[_edit(answer, {"narrative": f"v{index}"})],
        )
        upload_evidence(
            review_round=review_round,
            upload=SimpleUploadedFile(f"f{index}.pdf", pdf_bytes()),
            user=personas.host_member,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(one) == len(many)
    assert len(response.context["activity"]) == 20
