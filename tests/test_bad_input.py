"""Bad input: a clear message at the field, nothing typed lost, actions out of turn refused
with an explanation — never a server error."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from peerreview.models import AgreedScore, EvidenceFile, Round
from peerreview.services.panel import ensure_scores
from peerreview.services.rounds import prepare_prereport
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_prereport(personas):
    review_round = personas.review_round
    prereport = prepare_prereport(review_round)
    review_round.state = "prereport_open"
    review_round.save()
    return review_round, prereport


def _editor_url(review_round: Round) -> str:
    return reverse("peerreview:prereport_edit", kwargs={"round_id": review_round.pk})


def test_invalid_self_score_is_shown_at_the_field_and_typed_text_is_kept(client, personas, open_prereport):
    review_round, prereport = open_prereport
    answer = prereport.answers.filter(criterion__theme__is_scored=True).first()
    prefix = f"c{answer.criterion_id}"
    client.force_login(personas.host_member)

    response = client.post(
        _editor_url(review_round),
        {
            "prereport-context": "Our context, typed carefully.",
            f"{prefix}-level": "7",
            f"{prefix}-narrative": "A narrative the city must not lose.",
        },
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "A narrative the city must not lose." in content
    assert "Our context, typed carefully." in content
    assert 'aria-invalid="true"' in content
    answer.refresh_from_db()
    assert answer.narrative == ""


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("tool.exe", b"MZ\x90\x00", "not accepted"),
        ("fake.pdf", b"GIF89a not a pdf", "does not match"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * 3000, "limit"),
    ],
)
def test_bad_upload_is_refused_with_a_message_and_nothing_is_stored(
    client, settings, personas, open_prereport, name, content, expected
):
    settings.EVIDENCE_MAX_BYTES = 2048
    review_round, _prereport = open_prereport
    client.force_login(personas.host_member)

    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        {"evidence-file": SimpleUploadedFile(name, content), "evidence-description": "Our strategy"},
    )

    assert response.status_code == 200
    assert expected in response.content.decode()
    assert "Our strategy" in response.content.decode()
    assert EvidenceFile.objects.count() == 0


def test_editing_a_submitted_pre_report_is_refused_with_the_reason(client, personas, open_prereport):
    review_round, prereport = open_prereport
    prereport.submitted_at = timezone.now()
    prereport.submitted_by = personas.host_member
    prereport.save()
    review_round.state = "prereport_submitted"
    review_round.save()
    client.force_login(personas.host_member)

    response = client.post(_editor_url(review_round), {"prereport-context": "Late change"})

    # Said at the place, with when and by whom; the typed text is shown so it is not lost.
    assert response.status_code == 409
    page = response.content.decode()
    assert "The pre-report was already submitted on" in page
    assert personas.host_member.full_name in page
    assert "Late change" in page
    prereport.refresh_from_db()
    assert prereport.context == ""


def test_scoring_a_round_that_is_not_in_scoring_is_refused_with_the_reason(client, personas):
    review_round = personas.review_round
    review_round.state = "assessment"
    review_round.save()
    assignment = review_round.assignments.get(evaluator=personas.assigned_evaluator)
    score = ensure_scores(assignment)[0]
    client.force_login(personas.assigned_evaluator)

    response = client.post(
        reverse("peerreview:scoring_sheet", kwargs={"round_id": review_round.pk}),
        {f"criterion-{score.criterion_id}-level": "2", f"criterion-{score.criterion_id}-comment": "Late"},
    )

    assert response.status_code == 409
    assert "only while the round is at the scoring step" in response.content.decode()
    assert "Late" in response.content.decode()
    score.refresh_from_db()
    assert score.comment == ""


def test_due_dates_out_of_order_are_an_error_at_the_field_and_the_title_is_kept(client, personas):
    framework = personas.review_round.framework
    client.force_login(personas.coordinator)

    response = client.post(
        reverse("peerreview:round_create"),
        {
            "host_city": personas.review_round.host_city.pk,
            "framework": framework.pk,
            "title": "Tampere 2027 typed title",
            "language": "en",
            "prereport_due": "2027-05-01",
            "scoring_due": "2027-04-01",
            "repeat_interval_months": "18",
        },
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Tampere 2027 typed title" in content
    assert "must be on or after" in content
    assert not Round.objects.filter(title="Tampere 2027 typed title").exists()


def test_agreed_score_without_rationale_is_an_error_at_the_field(client, personas):
    review_round = personas.review_round
    review_round.state = "assessment"
    review_round.save()
    lead = review_round.assignments.get(evaluator=personas.assigned_evaluator)
    lead.scores_submitted_at = timezone.now()
    lead.save()
    criterion = ensure_scores(lead)[0].criterion
    client.force_login(personas.assigned_evaluator)

    response = client.post(
        reverse("peerreview:score_overview", kwargs={"round_id": review_round.pk}),
        {f"agreed-{criterion.pk}-level": "3", f"agreed-{criterion.pk}-rationale": ""},
    )

    assert response.status_code == 200
    assert "Give the rationale for the agreed score." in response.content.decode()
    assert AgreedScore.objects.count() == 0


def test_answering_an_invitation_twice_is_explained_not_an_error(client):
    assignment = factories.AssignmentFactory(state="declined")
    client.force_login(assignment.evaluator)

    response = client.post(
        reverse("peerreview:invitation_respond", kwargs={"assignment_id": assignment.pk}),
        {"decision": "accept"},
        follow=True,
    )

    assert response.status_code == 200
    assert "already answered" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.state == "declined"
