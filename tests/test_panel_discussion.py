"""The panel's discussion: threads per criterion and a general one, never seen by the city;
@-mentions reach a person in their next digest, once; non-lead evaluators suggest findings and
action proposals that the lead accepts into the report."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from reports import digest
from reports.models import ActionProposal, DigestItem, PanelComment, Suggestion
from reports.services import get_or_create_report
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafting(personas):
    review_round = personas.review_round
    review_round.state = "drafting"
    review_round.save()
    return review_round, get_or_create_report(review_round)


def _post_comment(client, url, text):
    data = form_data(client.get(url), attr="data-panel-comment-form")
    data["text"] = text
    return client.post(url, data)


def _criterion(review_round):
    return review_round.framework.themes.order_by("order").first().criteria.order_by("order").first()


def test_the_panel_talks_per_criterion_and_the_city_never_sees_it(client, personas, drafting):
    review_round, _report = drafting
    criterion = _criterion(review_round)
    url = reverse("reports:discussion_thread", args=[review_round.pk, criterion.pk])
    client.force_login(personas.second_evaluator)
    assert _post_comment(client, url, "Level 2 or 3 for this one?").status_code == 302
    client.force_login(personas.assigned_evaluator)
    assert _post_comment(client, url, "Level 2: no indicators yet.").status_code == 302

    thread = client.get(url).content.decode()
    index = client.get(reverse("reports:discussion", args=[review_round.pk])).content.decode()
    assert "Level 2 or 3 for this one?" in thread and "Level 2: no indicators yet." in thread
    assert f"{criterion.code} {criterion.title}" in index

    for review_round.state in ("drafting", "factual_check", "published"):
        review_round.save()
        client.force_login(personas.host_member)
        for name, args in (
            ("reports:discussion", [review_round.pk]),
            ("reports:discussion_thread", [review_round.pk, criterion.pk]),
            ("reports:discussion_thread", [review_round.pk, "general"]),
        ):
            response = client.get(reverse(name, args=args))
            assert response.status_code == 403, (name, review_round.state)
            assert "Level 2" not in response.content.decode()
        page = client.get(reverse("peerreview:round_detail", args=[review_round.pk])).content.decode()
        assert reverse("reports:discussion", args=[review_round.pk]) not in page
        if review_round.state != "drafting":
            report_page = client.get(reverse("reports:report_view", args=[review_round.pk])).content.decode()
            assert "Level 2" not in report_page


def test_an_evaluator_reads_the_threads_only_after_submitting_their_scores(client, personas, drafting):
    review_round, _report = drafting
    review_round.state = "scoring"
    review_round.save()
    client.force_login(personas.second_evaluator)

    response = client.get(reverse("reports:discussion", args=[review_round.pk]))

    assert response.status_code == 403
    assert "submitted your own scores" in response.content.decode()


def test_a_mention_reaches_the_person_in_one_digest_once(
    client, personas, drafting, django_capture_on_commit_callbacks
):
    review_round, _report = drafting
    coordinator = personas.coordinator
    url = reverse("reports:discussion_thread", args=[review_round.pk, "general"])
    client.force_login(personas.second_evaluator)
    _post_comment(client, url, f"@{coordinator.full_name} can we move the factual check?")
    _post_comment(client, url, "And a second note for the lead.")

    assert DigestItem.objects.filter(recipient=coordinator, kind="mention").count() == 1
    # Not mentioned in the second comment: coordinators follow mentions only.
    assert DigestItem.objects.filter(recipient=coordinator).count() == 1
    assert DigestItem.objects.filter(recipient=personas.assigned_evaluator).count() == 2
    assert not DigestItem.objects.filter(recipient=personas.second_evaluator).exists()  # not the author's own
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        digest.send_digests()

    to_coordinator = [message for message in mail.outbox if message.to == [coordinator.email]]
    assert len(to_coordinator) == 1
    assert "can we move the factual check?" in to_coordinator[0].body
    assert "mentioned you" in to_coordinator[0].body
    to_lead = [message for message in mail.outbox if message.to == [personas.assigned_evaluator.email]]
    assert len(to_lead) == 1 and to_lead[0].body.count("A second note") == 0
    assert "And a second note for the lead." in to_lead[0].body
    assert to_lead[0].body.count("can we move the factual check?") == 1

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        digest.send_digests()
    assert mail.outbox == []
    assert PanelComment.objects.get(text__startswith="@").mentions.get() == coordinator


def test_a_non_lead_suggests_and_the_lead_accepts_or_declines(client, personas, drafting):
    review_round, report = drafting
    criterion = _criterion(review_round)
    url = reverse("reports:suggestions", args=[review_round.pk])
    client.force_login(personas.second_evaluator)
    finding_data = form_data(client.get(url), attr="data-suggest-finding")
    finding_data.update(
        {
            "finding-criterion": criterion.pk,
            "finding-finding_field": "strengths",
            "finding-text": "Clear mandate.",
        }
    )
    assert client.post(url, finding_data).status_code == 302
    action_data = form_data(client.get(url), attr="data-suggest-action")
    action_data.update({"action-title": "Publish a procurement calendar", "action-priority": "high"})
    assert client.post(url, action_data).status_code == 302
    other = form_data(client.get(url), attr="data-suggest-action")
    other["action-title"] = "Something the lead declines"
    client.post(url, other)
    # A non-lead may not write the report itself.
    assert client.get(reverse("reports:report_edit", args=[review_round.pk])).status_code == 403

    client.force_login(personas.assigned_evaluator)
    finding_s, action_s, declined_s = Suggestion.objects.order_by("pk")
    for suggestion, decision in ((finding_s, "accept"), (action_s, "accept"), (declined_s, "decline")):
        response = client.post(
            reverse("reports:suggestion_decide", args=[review_round.pk, suggestion.pk]),
            {"decision": decision},
        )
        assert response.status_code == 302

    finding = report.findings.get(criterion=criterion)
    assert finding.strengths == "Clear mandate."
    proposal = ActionProposal.objects.get(report=report)
    assert (proposal.title, proposal.priority, proposal.number) == (
        "Publish a procurement calendar",
        "high",
        1,
    )
    statuses = {s.pk: (s.status, s.decided_by) for s in Suggestion.objects.all()}
    assert statuses[finding_s.pk] == ("accepted", personas.assigned_evaluator)
    assert statuses[declined_s.pk] == ("declined", personas.assigned_evaluator)
    page = client.get(url).content.decode()
    assert "AP-1" in page
    # A decided suggestion is decided once.
    again = client.post(
        reverse("reports:suggestion_decide", args=[review_round.pk, action_s.pk]), {"decision": "accept"}
    )
    assert again.status_code == 302 and ActionProposal.objects.filter(report=report).count() == 1
