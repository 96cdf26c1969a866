"""Many hands on one report: real parallel requests on PostgreSQL, each its own client.

Two people load the same page, change something and save at the same moment (a barrier
releases both threads together). Different fields merge; the same field is refused for the
later save, with both texts on the page and the person's own text kept in the form.
A form posted twice at once creates one row. Nothing is saved after publication.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.editing import create_action_proposal, save_unit
from reports.models import ActionProposal, Finding, PanelComment, Suggestion, SummaryReport
from reports.services import get_or_create_report, publish_report
from tests.html_forms import form_data
from tests.parallel import in_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def drafting(personas):
    review_round = personas.review_round
    review_round.state = "drafting"
    review_round.save()
    report = get_or_create_report(review_round)
    lead = client_for(personas.assigned_evaluator)
    coordinator = client_for(personas.coordinator)
    return review_round, report, lead, coordinator


def _loaded(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response)


def _post(client, url, data):
    return lambda: client.post(url, data)


def test_two_people_writing_different_sections_and_findings_both_keep_their_text(drafting):
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:report_edit", args=[review_round.pk])
    mine, theirs = _loaded(lead, url), _loaded(coordinator, url)
    mine["report-executive_summary"] = "The lead's summary."
    mine["findings-0-strengths"] = "The lead's strengths."
    theirs["report-key_strengths"] = "The coordinator's strengths."
    theirs["findings-0-evidence"] = "The coordinator's evidence."

    responses = in_parallel(_post(lead, url, mine), _post(coordinator, url, theirs))

    assert [response.status_code for response in responses] == [302, 302]
    report.refresh_from_db()
    assert report.executive_summary == "The lead's summary."
    assert report.key_strengths == "The coordinator's strengths."
    finding = report.findings.first()
    assert (finding.strengths, finding.evidence) == ("The lead's strengths.", "The coordinator's evidence.")


@pytest.mark.parametrize("field", ["report-executive_summary", "findings-0-areas_to_develop"])
def test_two_people_changing_the_same_field_one_is_refused_with_both_texts(drafting, field):
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:report_edit", args=[review_round.pk])
    mine, theirs = _loaded(lead, url), _loaded(coordinator, url)
    mine[field] = "Text of the lead."
    theirs[field] = "Text of the coordinator."

    responses = in_parallel(_post(lead, url, mine), _post(coordinator, url, theirs))

    codes = sorted(response.status_code for response in responses)
    assert codes == [302, 409]
    refused = next(response for response in responses if response.status_code == 409)
    page = refused.content.decode()
    assert "data-edit-conflict" in page
    assert "Text of the lead." in page and "Text of the coordinator." in page
    # The refused person's own text is still in the form, now based on the saved version.
    again = form_data(refused)
    saved_text = (
        "Text of the lead." if again[field] == "Text of the coordinator." else "Text of the coordinator."
    )
    report.refresh_from_db()
    finding = report.findings.first()
    stored = report.executive_summary if field.startswith("report-") else finding.areas_to_develop
    assert stored == saved_text
    # Saving again after merging is deliberate and goes through.
    again[field] = "Both texts, merged."
    client = lead if refused is responses[0] else coordinator
    assert client.post(url, again).status_code == 302
    report.refresh_from_db()
    finding.refresh_from_db()
    stored = report.executive_summary if field.startswith("report-") else finding.areas_to_develop
    assert stored == "Both texts, merged."


def test_an_untouched_field_is_never_written_back(drafting):
    """The bug seen: each save wrote the whole form back, untouched fields included."""
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:report_edit", args=[review_round.pk])
    stale = _loaded(lead, url)
    fresh = _loaded(coordinator, url)
    fresh["report-next_steps"] = "Repeat in 18 months."
    assert coordinator.post(url, fresh).status_code == 302

    stale["report-process_notes"] = "No conflicts of interest."
    assert lead.post(url, stale).status_code == 302

    report.refresh_from_db()
    assert (report.next_steps, report.process_notes) == ("Repeat in 18 months.", "No conflicts of interest.")


def _proposal(report, number=1, **fields):
    return ActionProposal.objects.create(report=report, number=number, title=f"Proposal {number}", **fields)


def test_action_proposals_merge_different_fields_and_refuse_the_same_field(drafting):
    review_round, report, lead, coordinator = drafting
    _proposal(report)
    url = reverse("reports:actions_edit", args=[review_round.pk])
    mine, theirs = _loaded(lead, url), _loaded(coordinator, url)
    mine["actions-0-owner"] = "Head of procurement"
    theirs["actions-0-timeframe"] = "2027"

    responses = in_parallel(_post(lead, url, mine), _post(coordinator, url, theirs))

    assert [response.status_code for response in responses] == [302, 302]
    proposal = ActionProposal.objects.get(report=report)
    assert (proposal.owner, proposal.timeframe) == ("Head of procurement", "2027")

    mine, theirs = _loaded(lead, url), _loaded(coordinator, url)
    mine["actions-0-title"] = "Set indicator baselines"
    theirs["actions-0-title"] = "Publish indicator baselines"
    responses = in_parallel(_post(lead, url, mine), _post(coordinator, url, theirs))
    assert sorted(response.status_code for response in responses) == [302, 409]
    refused = next(response for response in responses if response.status_code == 409).content.decode()
    assert "Set indicator baselines" in refused and "Publish indicator baselines" in refused


def test_a_new_action_proposal_posted_twice_at_once_is_created_once(drafting):
    review_round, report, lead, _coordinator = drafting
    url = reverse("reports:actions_edit", args=[review_round.pk])
    data = _loaded(lead, url)
    data["actions-0-title"] = "Train the buyers"
    second = client_for(report.round.assignments.get(role="lead").evaluator)

    responses = in_parallel(_post(lead, url, data), _post(second, url, data))

    assert [response.status_code for response in responses] == [302, 302]
    assert list(ActionProposal.objects.filter(report=report).values_list("title", "number")) == [
        ("Train the buyers", 1)
    ]


def test_two_different_new_proposals_at_once_get_different_numbers(drafting):
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:actions_edit", args=[review_round.pk])
    mine, theirs = _loaded(lead, url), _loaded(coordinator, url)
    mine["actions-0-title"] = "Train the buyers"
    theirs["actions-0-title"] = "Measure the results"

    in_parallel(_post(lead, url, mine), _post(coordinator, url, theirs))

    assert sorted(ActionProposal.objects.filter(report=report).values_list("number", flat=True)) == [1, 2]


def test_nothing_is_saved_after_publication(drafting, personas):
    review_round, report, lead, coordinator = drafting
    proposal = _proposal(report)
    url = reverse("reports:report_edit", args=[review_round.pk])
    stale = _loaded(lead, url)
    review_round.state = "factual_check"
    review_round.save()
    publish_report(review_round=review_round, actor=personas.coordinator, repeat_interval_months=18)

    stale["report-executive_summary"] = "Too late."
    response = lead.post(url, stale)
    assert response.status_code == 403
    assert "published" in response.content.decode()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="published"):
        save_unit(
            report=report,
            model=ActionProposal,
            pk=proposal.pk,
            base_version=proposal.version,
            base={},
            values={"title": "Too late"},
            actor=personas.coordinator,
        )
    with pytest.raises(ValidationError, match="published"):
        create_action_proposal(report=report, form_token=None, values={"title": "Late"}, actor=None)
    report.refresh_from_db()
    assert report.executive_summary == ""
    assert ActionProposal.objects.get(pk=proposal.pk).title == "Proposal 1"


def test_a_save_racing_publication_lands_before_it_or_is_refused(drafting, personas):
    review_round, report, lead, coordinator = drafting
    review_round.state = "factual_check"
    review_round.save()
    finding = Finding.objects.filter(report=report).first()

    def save():
        try:
            save_unit(
                report=report,
                model=Finding,
                pk=finding.pk,
                base_version=0,
                base={},
                values={"strengths": "Racing"},
                actor=personas.assigned_evaluator,
            )
            return timezone.now()
        except Exception as error:
            return error

    def publish():
        publish_report(review_round=review_round, actor=personas.coordinator, repeat_interval_months=18)
        return SummaryReport.objects.get(pk=report.pk).published_at

    saved, published_at = in_parallel(save, publish)

    finding.refresh_from_db()
    if finding.strengths == "Racing":
        assert finding.updated_at <= published_at
    else:
        assert "published" in str(saved)


def test_a_factual_check_comment_posted_twice_at_once_is_saved_once(drafting, personas):
    review_round, report, _lead, _coordinator = drafting
    review_round.state = "factual_check"
    review_round.save()
    url = reverse("reports:factual_check", args=[review_round.pk])
    host, host_again = client_for(personas.host_member), client_for(personas.host_member)
    data = form_data(host.get(url), attr="data-factual-comment-form")
    data.update({"comment-section": "executive_summary", "comment-text": "The spend is 920 M€."})

    responses = in_parallel(_post(host, url, data), _post(host_again, url, data))

    assert [response.status_code for response in responses] == [302, 302]
    assert list(report.factual_comments.values_list("text", flat=True)) == ["The spend is 920 M€."]


def test_a_panel_comment_posted_twice_at_once_is_saved_once(drafting, personas):
    review_round, _report, lead, _coordinator = drafting
    url = reverse("reports:discussion_thread", args=[review_round.pk, "general"])
    data = form_data(lead.get(url), attr="data-panel-comment-form")
    data["text"] = "Shall we score WHY.1 at 2?"
    again = client_for(personas.assigned_evaluator)

    responses = in_parallel(_post(lead, url, data), _post(again, url, data))

    assert [response.status_code for response in responses] == [302, 302]
    assert PanelComment.objects.filter(round=review_round).count() == 1


def test_a_suggestion_posted_twice_at_once_is_saved_once_and_accepted_once(drafting, personas):
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:suggestions", args=[review_round.pk])
    member, member_again = client_for(personas.second_evaluator), client_for(personas.second_evaluator)
    data = form_data(member.get(url), attr="data-suggest-action")
    data["action-title"] = "Publish a procurement calendar"

    in_parallel(_post(member, url, data), _post(member_again, url, data))

    suggestion = Suggestion.objects.get(report=report)
    decide = reverse("reports:suggestion_decide", args=[review_round.pk, suggestion.pk])
    in_parallel(
        _post(lead, decide, {"decision": "accept"}), _post(coordinator, decide, {"decision": "accept"})
    )
    assert list(ActionProposal.objects.filter(report=report).values_list("title", flat=True)) == [
        "Publish a procurement calendar"
    ]
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.decided_by in (
        personas.assigned_evaluator,
        personas.coordinator,
    )
