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
from tests.html_forms import form_data, unit_data
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


def _loaded(client, url, unit):
    response = client.get(url)
    assert response.status_code == 200
    return unit_data(response, unit)


def _post(client, url, data):
    return lambda: client.post(url, data)


def _finding_unit(report) -> str:
    return f"finding-{report.findings.first().pk}"


def test_two_people_writing_different_sections_and_findings_both_keep_their_text(drafting):
    """Each from a page loaded before the other's save, each posting one unit at a time."""
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:report_edit", args=[review_round.pk])
    finding = _finding_unit(report)
    lead_page, coordinator_page = lead.get(url), coordinator.get(url)
    lead_summary = unit_data(lead_page, "section-executive_summary")
    lead_finding = unit_data(lead_page, finding)
    coordinator_strengths = unit_data(coordinator_page, "section-key_strengths")
    coordinator_finding = unit_data(coordinator_page, finding)
    lead_summary["report-executive_summary"] = "The lead's summary."
    lead_finding[f"{finding}-strengths"] = "The lead's strengths."
    coordinator_strengths["report-key_strengths"] = "The coordinator's strengths."
    coordinator_finding[f"{finding}-evidence"] = "The coordinator's evidence."

    responses = in_parallel(
        _post(lead, url, lead_summary), _post(coordinator, url, coordinator_strengths)
    ) + in_parallel(_post(lead, url, lead_finding), _post(coordinator, url, coordinator_finding))

    assert [response.status_code for response in responses] == [302, 302, 302, 302]
    report.refresh_from_db()
    assert report.executive_summary == "The lead's summary."
    assert report.key_strengths == "The coordinator's strengths."
    finding = report.findings.first()
    assert (finding.strengths, finding.evidence) == ("The lead's strengths.", "The coordinator's evidence.")


@pytest.mark.parametrize("unit", ["section-executive_summary", "finding"])
def test_two_people_changing_the_same_field_one_is_refused_with_both_texts(drafting, unit):
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:report_edit", args=[review_round.pk])
    if unit == "finding":
        unit = _finding_unit(report)
        field = f"{unit}-areas_to_develop"
    else:
        field = "report-executive_summary"
    mine, theirs = _loaded(lead, url, unit), _loaded(coordinator, url, unit)
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
    again = unit_data(refused, unit)
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


def test_an_untouched_section_is_never_written_back(drafting):
    """The bug seen: each save wrote the whole form back, untouched fields included. Now a form
    holds one unit, and a section's form only its own text."""
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:report_edit", args=[review_round.pk])
    stale = _loaded(lead, url, "section-process_notes")
    fresh = _loaded(coordinator, url, "section-next_steps")
    fresh["report-next_steps"] = "Repeat in 18 months."
    assert coordinator.post(url, fresh).status_code == 302

    stale["report-process_notes"] = "No conflicts of interest."
    assert lead.post(url, stale).status_code == 302

    report.refresh_from_db()
    assert (report.next_steps, report.process_notes) == ("Repeat in 18 months.", "No conflicts of interest.")


def test_a_finding_autosaves_and_a_stale_autosave_of_the_same_field_is_a_conflict(drafting):
    review_round, report, lead, coordinator = drafting
    editor = reverse("reports:report_edit", args=[review_round.pk])
    url = reverse("reports:report_autosave", args=[review_round.pk])
    unit = _finding_unit(report)
    mine, theirs = _loaded(lead, editor, unit), _loaded(coordinator, editor, unit)

    mine[f"{unit}-good_practice"] = "Published minutes."
    saved = lead.post(url, mine)
    assert saved.status_code == 200 and saved.json()["status"] == "saved"
    assert "Saved at" in saved.json()["message"]
    theirs[f"{unit}-strengths"] = "Clear mandate."  # another field: merged
    merged = coordinator.post(url, theirs).json()
    assert merged["status"] == "saved"
    # The page takes the base it is given (as autosave.js does); it still shows the good
    # practice as loaded, so changing it now is a change of a text it has not seen.
    theirs[f"{unit}-base_version"] = merged["base_version"]
    theirs[f"{unit}-base_digests"] = merged["base_digests"]
    theirs[f"{unit}-good_practice"] = "Open data."
    conflict = coordinator.post(url, theirs)
    assert conflict.status_code == 409 and conflict.json()["status"] == "conflict"
    assert "Published minutes." in conflict.json()["html"] and "Open data." in conflict.json()["html"]
    finding = report.findings.first()
    assert (finding.good_practice, finding.strengths) == ("Published minutes.", "Clear mandate.")


def test_saving_the_merged_text_after_a_conflict_keeps_a_colleagues_other_field(drafting):
    """The conflict page shows the person's form again; fields they did not touch still hold
    the text they loaded, and saving the merge must not write those back over a colleague's."""
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:report_edit", args=[review_round.pk])
    unit = _finding_unit(report)
    stale = _loaded(lead, url, unit)
    fresh = dict(stale)
    fresh[f"{unit}-strengths"] = "The coordinator's strengths."
    fresh[f"{unit}-evidence"] = "The coordinator's evidence."
    assert coordinator.post(url, fresh).status_code == 302

    stale[f"{unit}-evidence"] = "The lead's evidence."
    refused = lead.post(url, stale)
    assert refused.status_code == 409
    again = unit_data(refused, unit)
    assert again[f"{unit}-strengths"] == ""  # as the lead loaded it
    again[f"{unit}-evidence"] = "Both kinds of evidence."
    assert lead.post(url, again).status_code == 302

    finding = report.findings.first()
    assert (finding.evidence, finding.strengths) == (
        "Both kinds of evidence.",
        "The coordinator's strengths.",
    )


def _proposal(report, number=1, **fields):
    return ActionProposal.objects.create(report=report, number=number, title=f"Proposal {number}", **fields)


def test_action_proposals_merge_different_fields_and_refuse_the_same_field(drafting):
    review_round, report, lead, coordinator = drafting
    proposal = _proposal(report)
    unit = f"proposal-{proposal.pk}"
    url = reverse("reports:actions_edit", args=[review_round.pk])
    mine, theirs = _loaded(lead, url, unit), _loaded(coordinator, url, unit)
    mine[f"{unit}-owner"] = "Head of procurement"
    theirs[f"{unit}-timeframe"] = "2027"

    responses = in_parallel(_post(lead, url, mine), _post(coordinator, url, theirs))

    assert [response.status_code for response in responses] == [302, 302]
    proposal.refresh_from_db()
    assert (proposal.owner, proposal.timeframe) == ("Head of procurement", "2027")

    mine, theirs = _loaded(lead, url, unit), _loaded(coordinator, url, unit)
    mine[f"{unit}-title"] = "Set indicator baselines"
    theirs[f"{unit}-title"] = "Publish indicator baselines"
    responses = in_parallel(_post(lead, url, mine), _post(coordinator, url, theirs))
    assert sorted(response.status_code for response in responses) == [302, 409]
    refused = next(response for response in responses if response.status_code == 409).content.decode()
    assert "Set indicator baselines" in refused and "Publish indicator baselines" in refused


def test_a_proposal_changed_meanwhile_is_not_deleted_from_a_stale_page(drafting):
    review_round, report, lead, coordinator = drafting
    proposal = _proposal(report)
    unit = f"proposal-{proposal.pk}"
    url = reverse("reports:actions_edit", args=[review_round.pk])
    stale = _loaded(lead, url, unit)
    fresh = dict(stale)
    fresh[f"{unit}-owner"] = "Head of procurement"
    assert coordinator.post(url, fresh).status_code == 302

    refused = lead.post(url, stale | {"action": "delete"}, follow=True)
    assert "was changed by someone else" in refused.content.decode()
    assert ActionProposal.objects.filter(pk=proposal.pk).exists()

    again = unit_data(refused, unit)  # the page after the refusal shows the proposal as it is now
    assert lead.post(url, again | {"action": "delete"}).status_code == 302
    assert not ActionProposal.objects.filter(pk=proposal.pk).exists()
    deleted = ActionProposal.history.get(id=proposal.pk, history_type="-")
    assert deleted.history_user == report.round.assignments.get(role="lead").evaluator


def test_a_new_action_proposal_posted_twice_at_once_is_created_once(drafting):
    review_round, report, lead, _coordinator = drafting
    url = reverse("reports:actions_edit", args=[review_round.pk])
    data = _loaded(lead, url, "new")
    data["new-title"] = "Train the buyers"
    second = client_for(report.round.assignments.get(role="lead").evaluator)

    responses = in_parallel(_post(lead, url, data), _post(second, url, data))

    assert [response.status_code for response in responses] == [302, 302]
    assert list(ActionProposal.objects.filter(report=report).values_list("title", "number")) == [
        ("Train the buyers", 1)
    ]


def test_two_different_new_proposals_at_once_get_different_numbers(drafting):
    review_round, report, lead, coordinator = drafting
    url = reverse("reports:actions_edit", args=[review_round.pk])
    mine, theirs = _loaded(lead, url, "new"), _loaded(coordinator, url, "new")
    mine["new-title"] = "Train the buyers"
    theirs["new-title"] = "Measure the results"

    in_parallel(_post(lead, url, mine), _post(coordinator, url, theirs))

    assert sorted(ActionProposal.objects.filter(report=report).values_list("number", flat=True)) == [1, 2]


def test_nothing_is_saved_after_publication(drafting, personas):
    review_round, report, lead, coordinator = drafting
    proposal = _proposal(report)
    url = reverse("reports:report_edit", args=[review_round.pk])
    stale = _loaded(lead, url, "section-executive_summary")
    review_round.state = "factual_check"
    review_round.save()
    publish_report(review_round=review_round, actor=personas.coordinator, repeat_interval_months=18)

    stale["report-executive_summary"] = "Too late."
    response = lead.post(url, stale)
    assert response.status_code == 403
    assert "published" in response.content.decode()
    autosave = lead.post(reverse("reports:report_autosave", args=[review_round.pk]), stale)
    assert autosave.status_code == 409 and autosave.json()["status"] == "refused"
    assert "published" in autosave.json()["message"]
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
