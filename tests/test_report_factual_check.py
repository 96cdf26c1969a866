"""The factual check per part of the report: the city comments on sections and findings, the
lead and coordinators hear of it and answer each comment, the city reads the answers, and
publishing with open comments needs the coordinator's explicit confirmation."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from reports import digest
from reports.models import ActionProposal, FactualComment
from reports.services import get_or_create_report
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_check(personas):
    review_round = personas.review_round
    review_round.state = "factual_check"
    review_round.save()
    report = get_or_create_report(review_round)
    ActionProposal.objects.create(report=report, number=1, title="Train the buyers")
    return review_round, report


def _comment(client, review_round, section, text):
    url = reverse("reports:factual_check", args=[review_round.pk])
    data = form_data(client.get(url), attr="data-factual-comment-form")
    data.update({"comment-section": section, "comment-text": text})
    return client.post(url, data)


def test_the_city_comments_per_section_and_finding_and_reads_the_answers(client, personas, in_check):
    review_round, report = in_check
    finding = report.findings.select_related("criterion").first()
    client.force_login(personas.host_member)

    assert _comment(client, review_round, "executive_summary", "Spend is 920 M€, not 900.").status_code == 302
    assert (
        _comment(client, review_round, f"finding:{finding.pk}", "The strategy dates from 2024.").status_code
        == 302
    )

    comments = list(report.factual_comments.order_by("pk"))
    assert [(c.section, c.finding_id) for c in comments] == [
        ("executive_summary", None),
        ("finding", finding.pk),
    ]

    # The lead sees the open comments in the editor and on the round page, and answers one.
    client.force_login(personas.assigned_evaluator)
    editor = client.get(reverse("reports:report_edit", args=[review_round.pk])).content.decode()
    assert "Spend is 920 M€, not 900." in editor and "The strategy dates from 2024." in editor
    round_page = client.get(reverse("peerreview:round_detail", args=[review_round.pk])).content.decode()
    assert "2 comments of the city wait for an answer." in round_page
    answer = reverse("reports:factual_comment_resolve", args=[review_round.pk, comments[0].pk])
    empty = client.post(answer, {"response": "  "})
    assert empty.status_code == 200 and "is-invalid" in empty.content.decode()
    assert client.post(answer, {"response": "Corrected to 920 M€."}).status_code == 302
    comments[0].refresh_from_db()
    assert comments[0].is_resolved and comments[0].resolved_by == personas.assigned_evaluator

    # The city sees the answer next to its comment.
    client.force_login(personas.host_member)
    page = client.get(reverse("reports:factual_check", args=[review_round.pk])).content.decode()
    assert "Corrected to 920 M€." in page


def test_a_comment_on_a_part_of_another_report_is_refused_at_the_field(client, personas, in_check):
    review_round, _report = in_check
    client.force_login(personas.host_member)

    response = _comment(client, review_round, "finding:999999", "Wrong.")

    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() and "Wrong." in response.content.decode()
    assert not FactualComment.objects.exists()


def test_the_lead_and_coordinators_get_the_city_comment_in_one_digest(
    client, personas, in_check, django_capture_on_commit_callbacks
):
    review_round, _report = in_check
    client.force_login(personas.host_member)
    _comment(client, review_round, "key_strengths", "Market dialogue started in 2023.")
    _comment(client, review_round, "next_steps", "The repeat round is in 2028.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        digest.send_digests()

    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([personas.assigned_evaluator.email, personas.coordinator.email])
    body = mail.outbox[0].body
    assert "Market dialogue started in 2023." in body and "The repeat round is in 2028." in body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        digest.send_digests()
    assert mail.outbox == []  # each comment is in one digest only


def test_publishing_with_open_comments_needs_the_coordinators_confirmation(client, personas, in_check):
    review_round, report = in_check
    FactualComment.objects.create(report=report, section="general", text="Open question.")
    client.force_login(personas.coordinator)
    url = reverse("reports:publish", args=[review_round.pk])

    page = client.get(url).content.decode()
    refused = client.post(url, {"repeat_interval_months": 18})
    review_round.refresh_from_db()

    assert "1 comment of the city is not answered yet." in page
    assert refused.status_code == 200 and review_round.state == "factual_check"
    assert (
        client.post(url, {"repeat_interval_months": 18, "publish_with_open_comments": "on"}).status_code
        == 302
    )
    review_round.refresh_from_db()
    assert review_round.state == "published"


def test_the_city_response_is_saved_and_a_stale_save_is_refused_with_both_texts(client, personas, in_check):
    review_round, report = in_check
    url = reverse("reports:factual_check", args=[review_round.pk])
    client.force_login(personas.host_member)
    stale = form_data(client.get(url), attr="data-city-response-form")
    fresh = dict(stale)
    fresh["response-city_response"] = "We accept the proposals."
    assert client.post(url, fresh).status_code == 302

    stale["response-city_response"] = "We accept most proposals."
    refused = client.post(url, stale)

    assert refused.status_code == 409
    assert "We accept the proposals." in refused.content.decode()
    report.refresh_from_db()
    assert report.city_response == "We accept the proposals."


def test_no_comment_outside_the_factual_check(client, personas, in_check):
    review_round, _report = in_check
    client.force_login(personas.host_member)
    data = form_data(
        client.get(reverse("reports:factual_check", args=[review_round.pk])), attr="data-factual-comment-form"
    )
    review_round.state = "published"
    review_round.save()
    data.update({"comment-section": "general", "comment-text": "Late."})

    response = client.post(reverse("reports:factual_check", args=[review_round.pk]), data)

    assert response.status_code == 403
    assert not FactualComment.objects.exists()
