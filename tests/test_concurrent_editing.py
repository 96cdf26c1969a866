"""Many hands, nothing lost: real parallel requests on PostgreSQL (threads, each with its own
Client and database connection) against the pre-report editor, the indicator table, the scoring
sheet and the agreed scores. Two people on different units: both kept. Two people on the same
field: one saved, the other shown both texts, never a silent overwrite. A save racing a
submission lands before it (and is submitted) or is refused — never after it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerreview.models import (
    AgreedScore,
    Answer,
    EvidenceFile,
    Indicator,
    IndicatorValue,
    PreReport,
    RoundEvent,
    Score,
)
from peerreview.services.panel import ensure_scores
from peerreview.services.rounds import prepare_prereport
from tests import factories
from tests.files import pdf_bytes
from tests.parallel import in_parallel

pytestmark = pytest.mark.django_db(transaction=True)


# --- helpers ---------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_data(forms) -> dict:
    """What the page's form would post back untouched: every field's value as rendered."""
    data: dict = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is not None:
                data[bound.html_name] = value
    return data


def editor_data(response) -> dict:
    editor = response.context["editor"]
    return page_data([editor.header, *editor.answer_forms])


def sheet_data(response) -> dict:
    return page_data([item.form for item in response.context["items"]])


@pytest.fixture
def open_round():
    review_round = factories.RoundFactory(state="planned")
    prereport = prepare_prereport(review_round)
    review_round.state = "prereport_open"
    review_round.save()
    city = review_round.host_city
    anna = factories.MembershipFactory(city=city, user__full_name="Anna Aalto").user
    bert = factories.MembershipFactory(city=city, user__full_name="Bert Berg").user
    answers = list(prereport.answers.select_related("criterion__theme").order_by("criterion__order"))
    return review_round, prereport, answers, anna, bert


def editor_url(review_round) -> str:
    return reverse("peerreview:prereport_edit", args=[review_round.pk])


def complete(prereport: PreReport) -> None:
    PreReport.objects.filter(pk=prereport.pk).update(context="Spend 900 M€ a year.")
    for answer in prereport.answers.select_related("criterion__theme"):
        Answer.objects.filter(pk=answer.pk).update(
            narrative="We do this.", self_score=2 if answer.criterion.theme.is_scored else None
        )


# --- pre-report answers and header --------------------------------------------------------------


def test_two_members_saving_different_criteria_from_stale_pages_keep_both(open_round):
    review_round, _prereport, answers, anna, bert = open_round
    first, second = answers[0], answers[1]
    a, b = client_for(anna), client_for(bert)
    a_data, b_data = (
        editor_data(a.get(editor_url(review_round))),
        editor_data(b.get(editor_url(review_round))),
    )
    a_data[f"c{first.criterion_id}-narrative"] = "Anna's text on the first criterion."
    b_data[f"c{second.criterion_id}-narrative"] = "Bert's text on the second criterion."

    responses = in_parallel(
        lambda: a.post(editor_url(review_round), a_data), lambda: b.post(editor_url(review_round), b_data)
    )

    assert [r.status_code for r in responses] == [302, 302]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.narrative == "Anna's text on the first criterion."
    assert second.narrative == "Bert's text on the second criterion."


def test_same_answer_saved_by_two_members_is_one_conflict_with_both_texts(open_round):
    review_round, _prereport, answers, anna, bert = open_round
    answer = answers[0]
    field = f"c{answer.criterion_id}-narrative"
    a, b = client_for(anna), client_for(bert)
    a_data, b_data = (
        editor_data(a.get(editor_url(review_round))),
        editor_data(b.get(editor_url(review_round))),
    )
    a_data[field] = "Anna: we publish a procurement strategy."
    b_data[field] = "Bert: the council approved the strategy."

    responses = in_parallel(
        lambda: a.post(editor_url(review_round), a_data), lambda: b.post(editor_url(review_round), b_data)
    )

    assert sorted(r.status_code for r in responses) == [302, 409]
    winner, loser = (0, 1) if responses[0].status_code == 302 else (1, 0)
    texts = [a_data[field], b_data[field]]
    answer.refresh_from_db()
    assert answer.narrative == texts[winner]
    page = responses[loser].content.decode()
    assert "Someone else changed this since you opened the page" in page
    assert texts[winner] in page and texts[loser] in page  # both versions, side by side
    # The loser's text is still in the form, now based on the saved version: saving again is a merge.
    form = responses[loser].context["editor"].forms_by_criterion[answer.criterion_id]
    assert form["narrative"].value() == texts[loser]
    assert form["base_version"].value() == str(answer.version)


def test_a_conflict_on_one_answer_still_saves_the_others(open_round):
    review_round, _prereport, answers, anna, bert = open_round
    a, b = client_for(anna), client_for(bert)
    stale = editor_data(b.get(editor_url(review_round)))
    fresh = editor_data(a.get(editor_url(review_round)))
    fresh[f"c{answers[0].criterion_id}-narrative"] = "Anna first."
    assert a.post(editor_url(review_round), fresh).status_code == 302

    stale[f"c{answers[0].criterion_id}-narrative"] = "Bert, from a page loaded earlier."
    stale[f"c{answers[1].criterion_id}-narrative"] = "Bert on the second."
    response = b.post(editor_url(review_round), stale)

    assert response.status_code == 409
    assert Answer.objects.get(pk=answers[0].pk).narrative == "Anna first."
    assert Answer.objects.get(pk=answers[1].pk).narrative == "Bert on the second."
    # Saving the merged form again writes the merge and nothing else.
    merged = page_data([response.context["editor"].header, *response.context["editor"].answer_forms])
    merged[f"c{answers[0].criterion_id}-narrative"] = "Anna first. Bert, merged."
    assert b.post(editor_url(review_round), merged).status_code == 302
    assert Answer.objects.get(pk=answers[0].pk).narrative == "Anna first. Bert, merged."
    assert Answer.objects.get(pk=answers[1].pk).narrative == "Bert on the second."


def test_header_fields_changed_by_two_members_are_both_kept(open_round):
    review_round, prereport, _answers, anna, bert = open_round
    a, b = client_for(anna), client_for(bert)
    a_data, b_data = (
        editor_data(a.get(editor_url(review_round))),
        editor_data(b.get(editor_url(review_round))),
    )
    a_data["prereport-guiding_question_1"] = "How do we measure SME access?"
    b_data["prereport-context"] = "Spend 900 M€, 1,200 procedures."

    responses = in_parallel(
        lambda: a.post(editor_url(review_round), a_data), lambda: b.post(editor_url(review_round), b_data)
    )

    assert [r.status_code for r in responses] == [302, 302]
    prereport.refresh_from_db()
    assert prereport.guiding_question_1 == "How do we measure SME access?"
    assert prereport.context == "Spend 900 M€, 1,200 procedures."


def test_same_header_field_is_a_conflict_not_an_overwrite(open_round):
    review_round, prereport, _answers, anna, bert = open_round
    a, b = client_for(anna), client_for(bert)
    a_data, b_data = (
        editor_data(a.get(editor_url(review_round))),
        editor_data(b.get(editor_url(review_round))),
    )
    a_data["prereport-context"] = "Context by Anna."
    b_data["prereport-context"] = "Context by Bert."

    responses = in_parallel(
        lambda: a.post(editor_url(review_round), a_data), lambda: b.post(editor_url(review_round), b_data)
    )

    assert sorted(r.status_code for r in responses) == [302, 409]
    prereport.refresh_from_db()
    loser = responses[0] if responses[0].status_code == 409 else responses[1]
    assert prereport.context in ("Context by Anna.", "Context by Bert.")
    assert "Context by Anna." in loser.content.decode() and "Context by Bert." in loser.content.decode()


# --- indicator values ----------------------------------------------------------------------------


def _indicators_url(review_round) -> str:
    return reverse("peerreview:indicators_edit", args=[review_round.pk])


def _table_data(response) -> dict:
    return page_data(response.context["table"].cells)


def test_indicator_cells_saved_by_two_members(open_round):
    review_round, prereport, _answers, anna, bert = open_round
    indicator = Indicator.objects.create(
        framework=review_round.framework, code="single-bid", name="Single bidder"
    )
    year = timezone.localdate().year
    a, b = client_for(anna), client_for(bert)
    a_data, b_data = (
        _table_data(a.get(_indicators_url(review_round))),
        _table_data(b.get(_indicators_url(review_round))),
    )
    a_data[f"i{indicator.pk}-{year}-value"] = "12"
    b_data[f"i{indicator.pk}-{year - 1}-value"] = "15"
    responses = in_parallel(
        lambda: a.post(_indicators_url(review_round), a_data),
        lambda: b.post(_indicators_url(review_round), b_data),
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert {(v.year, int(v.value)) for v in IndicatorValue.objects.filter(prereport=prereport)} == {
        (year, 12),
        (year - 1, 15),
    }

    # Same cell from two stale pages: one wins, the other is shown both values; no silent overwrite.
    a_data, b_data = (
        _table_data(a.get(_indicators_url(review_round))),
        _table_data(b.get(_indicators_url(review_round))),
    )
    a_data[f"i{indicator.pk}-{year}-value"] = "13"
    b_data[f"i{indicator.pk}-{year}-value"] = "14"
    responses = in_parallel(
        lambda: a.post(_indicators_url(review_round), a_data),
        lambda: b.post(_indicators_url(review_round), b_data),
    )
    assert sorted(r.status_code for r in responses) == [302, 409]
    saved = IndicatorValue.objects.get(prereport=prereport, year=year)
    loser = responses[0] if responses[0].status_code == 409 else responses[1]
    assert int(saved.value) in (13, 14)
    assert "Changed by a colleague meanwhile" in loser.content.decode()
    # The untouched cell of the other year survived both saves (a stale empty cell deletes nothing).
    assert IndicatorValue.objects.filter(prereport=prereport, year=year - 1, value=15).exists()


# --- scores and agreed scores ---------------------------------------------------------------------


@pytest.fixture
def scoring_round():
    review_round = factories.RoundFactory(state="scoring")
    prepare_prereport(review_round)
    lead = factories.AssignmentFactory(round=review_round, role="lead")
    member = factories.AssignmentFactory(round=review_round)
    ensure_scores(lead)
    ensure_scores(member)
    return review_round, lead, member


def _sheet_url(review_round) -> str:
    return reverse("peerreview:scoring_sheet", args=[review_round.pk])


def test_scores_from_two_windows_keep_both_and_same_criterion_is_a_conflict(scoring_round):
    review_round, lead, _member = scoring_round
    scores = ensure_scores(lead)
    tab1, tab2 = client_for(lead.evaluator), client_for(lead.evaluator)
    d1, d2 = sheet_data(tab1.get(_sheet_url(review_round))), sheet_data(tab2.get(_sheet_url(review_round)))
    d1[f"criterion-{scores[0].criterion_id}-comment"] = "First window on the first."
    d2[f"criterion-{scores[1].criterion_id}-comment"] = "Second window on the second."
    responses = in_parallel(
        lambda: tab1.post(_sheet_url(review_round), d1), lambda: tab2.post(_sheet_url(review_round), d2)
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert Score.objects.get(pk=scores[0].pk).comment == "First window on the first."
    assert Score.objects.get(pk=scores[1].pk).comment == "Second window on the second."

    d1, d2 = sheet_data(tab1.get(_sheet_url(review_round))), sheet_data(tab2.get(_sheet_url(review_round)))
    d1[f"criterion-{scores[0].criterion_id}-comment"] = "Version one."
    d2[f"criterion-{scores[0].criterion_id}-comment"] = "Version two."
    responses = in_parallel(
        lambda: tab1.post(_sheet_url(review_round), d1), lambda: tab2.post(_sheet_url(review_round), d2)
    )
    assert sorted(r.status_code for r in responses) == [302, 409]
    loser = responses[0] if responses[0].status_code == 409 else responses[1]
    assert "Version one." in loser.content.decode() and "Version two." in loser.content.decode()
    assert Score.objects.get(pk=scores[0].pk).comment in ("Version one.", "Version two.")


def test_agreed_scores_from_two_windows(scoring_round):
    review_round, lead, member = scoring_round
    review_round.state = "assessment"
    review_round.save()
    for assignment in (lead, member):
        Score.objects.filter(assignment=assignment).update(level=2, comment="Seen.")
        assignment.scores_submitted_at = timezone.now()
        assignment.save()
    url = reverse("peerreview:score_overview", args=[review_round.pk])
    tab1, tab2 = client_for(lead.evaluator), client_for(lead.evaluator)

    def overview_data(response) -> dict:
        return page_data([row["form"] for row in response.context["rows"]])

    criteria = [score.criterion for score in ensure_scores(lead)]
    d1, d2 = overview_data(tab1.get(url)), overview_data(tab2.get(url))
    d1 |= {
        f"agreed-{criteria[0].pk}-level": "2",
        f"agreed-{criteria[0].pk}-rationale": "Agreed on the first.",
    }
    d2 |= {
        f"agreed-{criteria[1].pk}-level": "3",
        f"agreed-{criteria[1].pk}-rationale": "Agreed on the second.",
    }
    responses = in_parallel(lambda: tab1.post(url, d1), lambda: tab2.post(url, d2))
    assert [r.status_code for r in responses] == [302, 302]
    assert (
        AgreedScore.objects.get(round=review_round, criterion=criteria[0]).rationale == "Agreed on the first."
    )
    assert (
        AgreedScore.objects.get(round=review_round, criterion=criteria[1]).rationale
        == "Agreed on the second."
    )

    d1, d2 = overview_data(tab1.get(url)), overview_data(tab2.get(url))
    d1[f"agreed-{criteria[0].pk}-rationale"] = "Rationale A."
    d2[f"agreed-{criteria[0].pk}-rationale"] = "Rationale B."
    responses = in_parallel(lambda: tab1.post(url, d1), lambda: tab2.post(url, d2))
    assert sorted(r.status_code for r in responses) == [302, 409]
    loser = responses[0] if responses[0].status_code == 409 else responses[1]
    assert "Rationale A." in loser.content.decode() and "Rationale B." in loser.content.decode()
    assert AgreedScore.objects.get(round=review_round, criterion=criteria[0]).rationale in (
        "Rationale A.",
        "Rationale B.",
    )


def _lead_has_scored_in_assessment(review_round, lead) -> None:
    """The round at its assessment step, the lead's scores submitted: the lead may record the
    agreed scores."""
    review_round.state = "assessment"
    review_round.save()
    Score.objects.filter(assignment=lead).update(level=2, comment="Seen.")
    lead.scores_submitted_at = timezone.now()
    lead.save()


def test_agreed_scores_autosave_one_row_and_a_stale_row_is_a_conflict(scoring_round):
    """The score overview saves each agreed score as the lead types (static/js/autosave.js):
    one row at a time, with the same protection as the page's button."""
    review_round, lead, _member = scoring_round
    _lead_has_scored_in_assessment(review_round, lead)
    url = reverse("peerreview:agreed_autosave", args=[review_round.pk])
    overview = reverse("peerreview:score_overview", args=[review_round.pk])
    tab1, tab2 = client_for(lead.evaluator), client_for(lead.evaluator)
    criterion = ensure_scores(lead)[0].criterion
    prefix = f"agreed-{criterion.pk}"

    def row(response) -> dict:
        (form,) = [item["form"] for item in response.context["rows"] if item["form"].criterion == criterion]
        return {key: value for key, value in page_data([form]).items()} | {"unit": prefix}

    r1, r2 = row(tab1.get(overview)), row(tab2.get(overview))
    empty = tab1.post(url, r1)
    assert empty.json()["status"] == "unchanged" and not AgreedScore.objects.exists()
    r1 |= {f"{prefix}-level": "2", f"{prefix}-rationale": "Seen in the minutes."}
    first = tab1.post(url, r1)
    assert first.status_code == 200 and first.json()["status"] == "saved"
    r1[f"{prefix}-base_version"] = first.json()["base_version"]
    r1[f"{prefix}-base_digests"] = first.json()["base_digests"]
    r1[f"{prefix}-rationale"] = "Seen in the minutes and the strategy."
    assert tab1.post(url, r1).json()["status"] == "saved"

    r2 |= {f"{prefix}-level": "3", f"{prefix}-rationale": "Level 3 from the other window."}
    stale = tab2.post(url, r2)
    assert stale.status_code == 409 and stale.json()["status"] == "conflict"
    assert "Seen in the minutes and the strategy." in stale.json()["html"]
    agreed = AgreedScore.objects.get(round=review_round, criterion=criterion)
    assert (agreed.level, agreed.rationale) == (2, "Seen in the minutes and the strategy.")


def test_saving_agreed_scores_the_autosave_already_recorded_says_they_are_recorded(scoring_round):
    """The lead types every agreed score, the page saves each row meanwhile, then they press the
    button: the page says the scores are recorded, not "nothing to record" (they are, with what
    the page shows). Only a page with no agreed score filled in has nothing to record."""
    review_round, lead, _member = scoring_round
    _lead_has_scored_in_assessment(review_round, lead)
    overview = reverse("peerreview:score_overview", args=[review_round.pk])
    autosave = reverse("peerreview:agreed_autosave", args=[review_round.pk])
    tab = client_for(lead.evaluator)

    nothing = tab.post(
        overview, page_data([item["form"] for item in tab.get(overview).context["rows"]]), follow=True
    )
    assert [str(m) for m in nothing.context["messages"]] == [
        "Nothing to record: no agreed score was entered or changed."
    ]

    forms = [item["form"] for item in tab.get(overview).context["rows"] if item["form"] is not None]
    data = page_data(forms)
    for form in forms[:2]:
        prefix = f"agreed-{form.criterion.pk}"
        data |= {f"{prefix}-level": "2", f"{prefix}-rationale": "Agreed in the panel."}
        row = {key: value for key, value in data.items() if key.startswith(f"{prefix}-")} | {"unit": prefix}
        saved = tab.post(autosave, row).json()
        assert saved["status"] == "saved"
        data[f"{prefix}-base_version"] = saved["base_version"]  # as static/js/autosave.js does
        data[f"{prefix}-base_digests"] = saved["base_digests"]
    response = tab.post(overview, data, follow=True)

    codes = ", ".join(form.criterion.code for form in forms[:2])
    assert [str(m) for m in response.context["messages"]] == [f"Agreed scores recorded for: {codes}."]
    assert AgreedScore.objects.filter(round=review_round).count() == 2


def test_first_agreed_score_recorded_in_two_windows_is_a_conflict(scoring_round):
    review_round, lead, member = scoring_round
    for assignment in (lead, member):
        assignment.scores_submitted_at = timezone.now()
        assignment.save()
    url = reverse("peerreview:score_overview", args=[review_round.pk])
    tab1, tab2 = client_for(lead.evaluator), client_for(lead.evaluator)
    criterion = ensure_scores(lead)[0].criterion
    d1 = page_data([row["form"] for row in tab1.get(url).context["rows"]])
    d2 = dict(d1)
    d1 |= {f"agreed-{criterion.pk}-level": "2", f"agreed-{criterion.pk}-rationale": "Two."}
    d2 |= {f"agreed-{criterion.pk}-level": "3", f"agreed-{criterion.pk}-rationale": "Three."}
    responses = in_parallel(lambda: tab1.post(url, d1), lambda: tab2.post(url, d2))
    assert sorted(r.status_code for r in responses) == [302, 409]
    assert AgreedScore.objects.filter(round=review_round, criterion=criterion).count() == 1


# --- saves racing submissions --------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(3))
def test_a_save_racing_the_submission_lands_before_it_or_is_refused(open_round, attempt):
    review_round, prereport, answers, anna, bert = open_round
    complete(prereport)
    answer = answers[0]
    a, b = client_for(anna), client_for(bert)
    data = editor_data(a.get(editor_url(review_round)))
    data[f"c{answer.criterion_id}-narrative"] = "A late addition."
    data["prereport-guiding_question_2"] = "Asked at the last minute?"
    submit_url = reverse("peerreview:prereport_submit", args=[review_round.pk])

    save, submit = in_parallel(lambda: a.post(editor_url(review_round), data), lambda: b.post(submit_url))

    assert submit.status_code == 302
    review_round.refresh_from_db()
    prereport.refresh_from_db()
    answer.refresh_from_db()
    assert review_round.state == "prereport_submitted"
    assert prereport.submitted_at is not None and prereport.submitted_by == bert  # never cleared
    if save.status_code == 302:  # landed before: part of what was submitted
        assert answer.narrative == "A late addition."
        assert prereport.guiding_question_2 == "Asked at the last minute?"
    else:  # refused after: said so, with when and by whom, and the text kept on the page
        assert save.status_code == 409
        page = save.content.decode()
        assert "already submitted on" in page and "Bert Berg" in page
        assert "A late addition." in page
        assert answer.narrative == "We do this."
        assert prereport.guiding_question_2 == ""


def test_submitting_twice_says_it_was_already_submitted_when_and_by_whom(open_round):
    review_round, prereport, _answers, anna, bert = open_round
    complete(prereport)
    submit_url = reverse("peerreview:prereport_submit", args=[review_round.pk])
    a, b = client_for(anna), client_for(bert)

    responses = in_parallel(lambda: a.post(submit_url), lambda: b.post(submit_url))

    assert sorted(r.status_code for r in responses) == [200, 302]
    second = responses[0] if responses[0].status_code == 200 else responses[1]
    prereport.refresh_from_db()
    page = second.content.decode()
    assert "The pre-report was already submitted on" in page
    assert prereport.submitted_by.full_name in page
    assert RoundEvent.objects.filter(round=review_round, to_state="prereport_submitted").count() == 1
    # A stale tab later: the same clear answer, not a 403.
    again = a.post(submit_url)
    assert again.status_code == 200 and "already submitted on" in again.content.decode()


def test_a_score_save_racing_the_submission_lands_before_or_is_refused(scoring_round):
    review_round, lead, _member = scoring_round
    Score.objects.filter(assignment=lead).update(level=2, comment="Seen.")
    scores = ensure_scores(lead)
    tab1, tab2 = client_for(lead.evaluator), client_for(lead.evaluator)
    d1 = sheet_data(tab1.get(_sheet_url(review_round)))
    d2 = sheet_data(tab2.get(_sheet_url(review_round)))
    d1[f"criterion-{scores[0].criterion_id}-comment"] = "Sharper comment."
    d2["action"] = "submit"

    save, submit = in_parallel(
        lambda: tab1.post(_sheet_url(review_round), d1), lambda: tab2.post(_sheet_url(review_round), d2)
    )

    lead.refresh_from_db()
    assert lead.scores_submitted_at is not None
    comment = Score.objects.get(pk=scores[0].pk).comment
    if save.status_code == 302:
        assert comment == "Sharper comment."
    else:
        assert save.status_code == 409
        assert "already submitted on" in save.content.decode()
        assert "Sharper comment." in save.content.decode()
        assert comment == "Seen."
    assert submit.status_code == 302


def test_scores_submitted_twice_say_when(scoring_round):
    review_round, lead, _member = scoring_round
    Score.objects.filter(assignment=lead).update(level=2, comment="Seen.")
    tab1, tab2 = client_for(lead.evaluator), client_for(lead.evaluator)
    d1 = sheet_data(tab1.get(_sheet_url(review_round))) | {"action": "submit"}
    d2 = sheet_data(tab2.get(_sheet_url(review_round))) | {"action": "submit"}

    responses = in_parallel(
        lambda: tab1.post(_sheet_url(review_round), d1), lambda: tab2.post(_sheet_url(review_round), d2)
    )

    assert sorted(r.status_code for r in responses) == [302, 409]
    second = responses[0] if responses[0].status_code == 409 else responses[1]
    assert "These scores were already submitted on" in second.content.decode()
    assert lead.evaluator.full_name in second.content.decode()


# --- evidence, history, autosave ------------------------------------------------------------------


def test_uploading_evidence_saves_the_typed_text_first(open_round):
    review_round, _prereport, answers, anna, _bert = open_round
    a = client_for(anna)
    data = editor_data(a.get(editor_url(review_round)))
    data[f"c{answers[0].criterion_id}-narrative"] = "Typed, not saved, then a file chosen."
    data["evidence-criterion"] = str(answers[0].criterion_id)
    data["evidence-file"] = SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf")
    data["action"] = "upload"

    response = a.post(reverse("peerreview:evidence_upload", args=[review_round.pk]), data)

    assert response.status_code == 302
    assert Answer.objects.get(pk=answers[0].pk).narrative == "Typed, not saved, then a file chosen."
    assert EvidenceFile.objects.filter(prereport__round=review_round, original_name="plan.pdf").exists()


def test_the_same_upload_sent_twice_at_once_stores_one_file(open_round):
    """A double click on "Upload the file": both requests carry the form's one-time token."""
    review_round, _prereport, answers, anna, _bert = open_round
    a, again = client_for(anna), client_for(anna)
    response = a.get(editor_url(review_round))
    data = editor_data(response)
    data["evidence-token"] = str(response.context["upload_form"]["token"].value())
    data["evidence-criterion"] = str(answers[0].criterion_id)
    data["action"] = "upload"
    url = reverse("peerreview:evidence_upload", args=[review_round.pk])

    def upload(client):
        sent = dict(data)
        sent["evidence-file"] = SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf")
        return lambda: client.post(url, sent)

    responses = in_parallel(upload(a), upload(again))

    assert [response.status_code for response in responses] == [302, 302]
    assert EvidenceFile.objects.filter(prereport__round=review_round).count() == 1


def test_a_bad_upload_keeps_and_saves_the_typed_text(open_round):
    review_round, _prereport, answers, anna, _bert = open_round
    a = client_for(anna)
    data = editor_data(a.get(editor_url(review_round)))
    data[f"c{answers[0].criterion_id}-narrative"] = "Kept although the file is bad."
    data["evidence-file"] = SimpleUploadedFile(
        "virus.exe", b"MZ\x90\x00", content_type="application/octet-stream"
    )

    response = a.post(reverse("peerreview:evidence_upload", args=[review_round.pk]), data)

    assert response.status_code == 200
    assert "are not accepted" in response.content.decode()
    assert Answer.objects.get(pk=answers[0].pk).narrative == "Kept although the file is bad."


def test_history_shows_who_changed_what_and_restore_is_a_new_version(open_round):
    review_round, _prereport, answers, anna, bert = open_round
    answer = answers[0]
    field = f"c{answer.criterion_id}-narrative"
    a, b = client_for(anna), client_for(bert)
    data = editor_data(a.get(editor_url(review_round)))
    data[field] = "We publish our procurement strategy."
    a.post(editor_url(review_round), data)
    data = editor_data(b.get(editor_url(review_round)))
    data[field] = "We publish and follow our procurement strategy."
    b.post(editor_url(review_round), data)
    url = reverse("peerreview:unit_history", args=[review_round.pk, "answer", answer.pk])

    response = a.get(url)

    page = response.content.decode()
    assert "Anna Aalto" in page and "Bert Berg" in page
    assert "<ins> and follow</ins>" in page  # a readable word diff
    entries = response.context["entries"]
    oldest_text = [e for e in entries if not e.is_current][0]
    restore = reverse(
        "peerreview:unit_restore", args=[review_round.pk, "answer", answer.pk, oldest_text.history_id]
    )
    restored = a.post(
        restore,
        {"base_version": response.context["base_version"], "base_digests": response.context["base_digests"]},
    )
    assert restored.status_code == 302
    answer.refresh_from_db()
    assert answer.narrative == "We publish our procurement strategy."
    assert answer.history.count() == len(entries) + 1

    # A restore from a stale history page is refused as a conflict, not applied.
    data = editor_data(b.get(editor_url(review_round)))
    data[field] = "Bert again."
    b.post(editor_url(review_round), data)
    stale = a.post(
        restore,
        {"base_version": response.context["base_version"], "base_digests": response.context["base_digests"]},
    )
    assert stale.status_code == 409
    answer.refresh_from_db()
    assert answer.narrative == "Bert again."


def test_autosave_saves_one_unit_and_reports_a_conflict_with_both_texts(open_round):
    review_round, _prereport, answers, anna, bert = open_round
    answer = answers[0]
    url = reverse("peerreview:prereport_autosave", args=[review_round.pk])
    prefix = f"c{answer.criterion_id}"
    a, b = client_for(anna), client_for(bert)
    a_data = editor_data(a.get(editor_url(review_round)))
    b_data = editor_data(b.get(editor_url(review_round)))

    def unit(data: dict, text: str) -> dict:
        fields = {k: v for k, v in data.items() if k.startswith(f"{prefix}-")}
        return fields | {f"{prefix}-narrative": text, "unit": f"answer-{answer.criterion_id}"}

    saved = a.post(url, unit(a_data, "Anna, autosaved."))
    assert saved.status_code == 200 and saved.json()["status"] == "saved"
    assert "Saved at" in saved.json()["message"]
    conflict = b.post(url, unit(b_data, "Bert, autosaved from a stale page."))
    assert conflict.status_code == 409 and conflict.json()["status"] == "conflict"
    assert "Anna, autosaved." in conflict.json()["html"]
    assert "Bert, autosaved from a stale page." in conflict.json()["html"]
    assert Answer.objects.get(pk=answer.pk).narrative == "Anna, autosaved."
    # Merging deliberately: the new base from the conflict answer, then the save goes through.
    merged = unit(b_data, "Anna, autosaved. Bert, merged.")
    merged[f"{prefix}-base_version"] = conflict.json()["base_version"]
    merged[f"{prefix}-base_digests"] = conflict.json()["base_digests"]
    assert b.post(url, merged).json()["status"] == "saved"
    assert Answer.objects.get(pk=answer.pk).narrative == "Anna, autosaved. Bert, merged."


def test_out_of_order_autosave_is_a_conflict_not_an_overwrite(open_round):
    """An older autosave arriving after a newer one from the same page (a slow network)."""
    review_round, _prereport, answers, anna, _bert = open_round
    answer = answers[0]
    url = reverse("peerreview:prereport_autosave", args=[review_round.pk])
    prefix = f"c{answer.criterion_id}"
    a = client_for(anna)
    data = editor_data(a.get(editor_url(review_round)))
    fields = {k: v for k, v in data.items() if k.startswith(f"{prefix}-")} | {
        "unit": f"answer-{answer.criterion_id}"
    }

    newer = a.post(url, fields | {f"{prefix}-narrative": "Newer text."})
    older = a.post(url, fields | {f"{prefix}-narrative": "Older te"})

    assert newer.json()["status"] == "saved"
    assert older.status_code == 409
    assert Answer.objects.get(pk=answer.pk).narrative == "Newer text."


def test_scoring_autosave_refused_after_submission_says_when(scoring_round):
    review_round, lead, _member = scoring_round
    Score.objects.filter(assignment=lead).update(level=2, comment="Seen.")
    score = ensure_scores(lead)[0]
    tab = client_for(lead.evaluator)
    data = sheet_data(tab.get(_sheet_url(review_round)))
    tab.post(_sheet_url(review_round), data | {"action": "submit"})
    prefix = f"criterion-{score.criterion_id}"
    fields = {k: v for k, v in data.items() if k.startswith(f"{prefix}-")}

    response = tab.post(
        reverse("peerreview:scoring_autosave", args=[review_round.pk]),
        fields | {f"{prefix}-comment": "Too late.", "unit": f"score-{score.criterion_id}"},
    )

    assert response.status_code == 409
    assert "already submitted on" in response.json()["message"]
    assert Score.objects.get(pk=score.pk).comment == "Seen."


def test_an_agreed_score_row_left_empty_on_a_stale_page_removes_nothing(scoring_round):
    review_round, lead, member = scoring_round
    for assignment in (lead, member):
        assignment.scores_submitted_at = timezone.now()
        assignment.save()
    url = reverse("peerreview:score_overview", args=[review_round.pk])
    tab1, tab2 = client_for(lead.evaluator), client_for(lead.evaluator)
    first, second = [score.criterion for score in ensure_scores(lead)][:2]
    stale = page_data([row["form"] for row in tab2.get(url).context["rows"]])
    fresh = page_data([row["form"] for row in tab1.get(url).context["rows"]])
    fresh |= {f"agreed-{first.pk}-level": "2", f"agreed-{first.pk}-rationale": "Recorded first."}
    assert tab1.post(url, fresh).status_code == 302

    stale |= {f"agreed-{second.pk}-level": "3", f"agreed-{second.pk}-rationale": "From the stale page."}
    assert tab2.post(url, stale).status_code == 302

    assert AgreedScore.objects.get(round=review_round, criterion=first).rationale == "Recorded first."
    assert AgreedScore.objects.get(round=review_round, criterion=second).rationale == "From the stale page."


def test_first_agreed_score_from_a_page_loaded_before_it_was_recorded_is_a_conflict(scoring_round):
    review_round, lead, member = scoring_round
    for assignment in (lead, member):
        assignment.scores_submitted_at = timezone.now()
        assignment.save()
    url = reverse("peerreview:score_overview", args=[review_round.pk])
    tab1, tab2 = client_for(lead.evaluator), client_for(lead.evaluator)
    criterion = ensure_scores(lead)[0].criterion
    d2 = page_data([row["form"] for row in tab2.get(url).context["rows"]])
    d1 = page_data([row["form"] for row in tab1.get(url).context["rows"]])
    d1 |= {f"agreed-{criterion.pk}-level": "2", f"agreed-{criterion.pk}-rationale": "Two."}
    assert tab1.post(url, d1).status_code == 302

    d2 |= {f"agreed-{criterion.pk}-level": "3", f"agreed-{criterion.pk}-rationale": "Three."}
    response = tab2.post(url, d2)

    assert response.status_code == 409
    assert "Two." in response.content.decode() and "Three." in response.content.decode()
    assert AgreedScore.objects.get(round=review_round, criterion=criterion).rationale == "Two."
