"""Every URL pattern against every persona: who gets the page, who a 403 that explains,
who a 404 that leaks nothing. A URL pattern without a row here fails the test."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.tokens import create_api_token, create_calendar_feed
from audit.models import ErasureRequest
from peerreview.models import AssessmentDay, Interviewee, Session
from peerreview.services.prereport import add_evidence
from peerreview.services.rounds import prepare_prereport
from reports.models import FactualComment, Suggestion, SummaryReport
from reports.services import get_or_create_report
from tests import factories
from tests.api_helpers import token_for
from tests.files import pdf_bytes

PERSONAS = ["coordinator", "host_member", "other_city_member", "assigned_evaluator", "unassigned_evaluator"]
ANONYMOUS = "anonymous"


def row(
    method: str,
    state: str,
    coordinator,
    host,
    other,
    assigned,
    unassigned,
    anonymous=302,
    data=None,
    published_to=None,
):
    return {
        "method": method,
        "state": state,
        "data": data or {},
        "published_to": published_to,  # a publication level: the report is published to it
        "expected": {
            "coordinator": coordinator,
            "host_member": host,
            "other_city_member": other,
            "assigned_evaluator": assigned,  # the lead evaluator, accepted
            "unassigned_evaluator": unassigned,
            ANONYMOUS: anonymous,
        },
    }


# (method, round state, coordinator, host member, member of another city, assigned lead, unassigned evaluator[, anonymous])
MATRIX = {
    "login": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "logout": row("POST", "scoring", 302, 302, 302, 302, 302),
    "admin": row("GET", "scoring", 200, 302, 302, 302, 302),
    "accounts:account": row("GET", "scoring", 200, 200, 200, 200, 200),
    "accounts:password_change": row("GET", "scoring", 200, 200, 200, 200, 200),
    "accounts:logout_everywhere": row("POST", "scoring", 302, 302, 302, 302, 302),
    "accounts:invite": row("GET", "scoring", 200, 403, 403, 403, 403),
    # Two-factor authentication: each person's own; without MFA set up, verify sends on and
    # the recovery codes page back to the MFA page; disable without a code re-renders the form.
    "accounts:mfa": row("GET", "scoring", 200, 200, 200, 200, 200),
    "accounts:mfa_setup": row("GET", "scoring", 200, 200, 200, 200, 200),
    "accounts:mfa_recovery_codes": row("GET", "scoring", 302, 302, 302, 302, 302),
    "accounts:mfa_verify": row("GET", "scoring", 302, 302, 302, 302, 302),
    "accounts:mfa_disable": row("POST", "scoring", 200, 200, 200, 200, 200),
    # Public: a person who cannot log in must reach these (an invalid link explains itself).
    "accounts:password_reset": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "accounts:password_reset_done": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "accounts:password_reset_confirm": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "accounts:password_reset_complete": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "accounts:invitation_accept": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "audit:log": row("GET", "scoring", 200, 403, 403, 403, 403),
    "audit:export": row("GET", "scoring", 200, 403, 403, 403, 403),
    "audit:my_data": row("GET", "scoring", 200, 200, 200, 200, 200),
    # Erasure: each person's own request page; coordinators list and complete requests (the
    # request in the fixture is the host member's, so no persona reviews their own).
    "audit:erasure_request": row("GET", "scoring", 200, 200, 200, 200, 200),
    "audit:erasure_withdraw": row("POST", "scoring", 302, 302, 302, 302, 302),
    "audit:erasure_list": row("GET", "scoring", 200, 403, 403, 403, 403),
    "audit:erasure_review": row("GET", "scoring", 200, 403, 403, 403, 403),
    "cities:privacy": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "cities:accessibility": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    # Searchable choices (cities and evaluators): the coordinators' forms only.
    "cities:choices": row("GET", "scoring", 200, 403, 403, 403, 403),
    # Operations: no login (load balancers, compose health checks); they reveal no round data.
    "healthz": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "readyz": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "cities:set_language": row("POST", "scoring", 302, 302, 302, 302, 302, data={"language": "fi"}),
    "peerreview:dashboard": row("GET", "scoring", 200, 200, 200, 200, 200),
    "peerreview:round_create": row("GET", "scoring", 200, 403, 403, 403, 403),
    "peerreview:round_list": row("GET", "scoring", 200, 403, 403, 403, 403),
    "peerreview:round_detail": row("GET", "scoring", 200, 200, 404, 200, 404),
    "peerreview:round_transition": row(
        "POST", "scoring", 302, 403, 404, 403, 404, data={"to_state": "assessment"}
    ),
    "peerreview:round_cancel": row("GET", "scoring", 200, 403, 404, 403, 404),
    "peerreview:round_dates": row("GET", "scoring", 200, 403, 404, 403, 404),
    "peerreview:prereport_edit": row("GET", "scoring", 200, 200, 404, 200, 404),
    # the host city is told when and by whom it was submitted (not a bare 403)
    "peerreview:prereport_submit": row("GET", "scoring", 403, 200, 404, 403, 404),
    "peerreview:indicators_edit": row("GET", "scoring", 200, 200, 404, 200, 404),
    # the host city: 409, the editor read-only with why the upload was refused and the typed text
    "peerreview:evidence_upload": row("POST", "scoring", 403, 409, 404, 403, 404),
    "peerreview:evidence_download": row("GET", "scoring", 200, 200, 404, 200, 404),
    "peerreview:evidence_delete": row("POST", "scoring", 403, 302, 404, 403, 404),
    "peerreview:prereport_autosave": row("POST", "scoring", 403, 409, 404, 403, 404, data={"unit": "header"}),
    "peerreview:scoring_autosave": row("POST", "scoring", 403, 403, 404, 400, 404),
    # the lead's page only (coordinators do not record agreed scores)
    "peerreview:agreed_autosave": row("POST", "assessment", 403, 403, 404, 400, 404),
    "peerreview:unit_history": row("GET", "scoring", 200, 200, 404, 200, 404),
    "peerreview:unit_restore": row("POST", "scoring", 403, 409, 404, 403, 404),
    "peerreview:panel_manage": row("GET", "scoring", 200, 403, 404, 403, 404),
    "peerreview:invitation_respond": row("GET", "scoring", 404, 404, 404, 200, 404),
    # one's own evaluator profile: refused (with why) to people without one
    "peerreview:evaluator_profile": row("GET", "scoring", 403, 403, 403, 200, 200),
    "peerreview:scoring_sheet": row("GET", "scoring", 403, 403, 404, 200, 404),
    "peerreview:score_overview": row("GET", "assessment", 200, 403, 404, 200, 404),
    "peerreview:assessment_planner": row("GET", "assessment", 200, 200, 404, 200, 404),
    "peerreview:session_create": row("GET", "assessment", 200, 403, 404, 200, 404),
    "peerreview:session_edit": row("GET", "assessment", 200, 403, 404, 200, 404),
    "peerreview:session_delete": row("GET", "assessment", 200, 403, 404, 200, 404),
    "peerreview:day_edit": row("GET", "assessment", 200, 403, 404, 200, 404),
    "peerreview:day_delete": row("GET", "assessment", 200, 403, 404, 200, 404),
    "peerreview:programme_send": row("POST", "assessment", 302, 403, 404, 302, 404),
    "peerreview:programme_settings": row(
        "POST", "assessment", 302, 403, 404, 403, 404, data={"programme-max_days": "3"}
    ),
    "peerreview:programme_ics": row("GET", "assessment", 200, 200, 404, 200, 404),
    # an interviewee withdrew consent to be named: recorded by the lead or a coordinator, also after publication
    "peerreview:interviewee_withdraw_consent": row("POST", "published", 302, 403, 404, 302, 404),
    "reports:report_view": row("GET", "drafting", 200, 403, 404, 200, 404),
    "reports:report_edit": row("GET", "drafting", 200, 403, 404, 200, 404),
    "reports:actions_edit": row("GET", "drafting", 200, 403, 404, 200, 404),
    "reports:report_autosave": row(
        "POST", "drafting", 200, 403, 404, 200, 404, data={"unit": "section-executive_summary"}
    ),
    "reports:send_for_check": row("POST", "drafting", 302, 403, 404, 302, 404),
    "reports:factual_check": row("GET", "factual_check", 200, 200, 404, 200, 404),
    "reports:factual_comment_resolve": row("GET", "factual_check", 200, 403, 404, 200, 404),
    "reports:unit_history": row("GET", "drafting", 200, 403, 404, 200, 404),
    # the panel's threads: never the host city
    "reports:discussion": row("GET", "drafting", 200, 403, 404, 200, 404),
    "reports:discussion_thread": row("GET", "drafting", 200, 403, 404, 200, 404),
    "reports:suggestions": row("GET", "drafting", 200, 403, 404, 200, 404),
    "reports:suggestion_decide": row(
        "POST", "drafting", 302, 403, 404, 302, 404, data={"decision": "decline"}
    ),
    "reports:open_repeat_round": row("POST", "planned", 403, 403, 404, 403, 404),
    "reports:publish": row("GET", "factual_check", 200, 403, 404, 403, 404),
    "reports:action_progress": row("GET", "prereport_open", 200, 200, 404, 200, 404),
    # no PDF rendered yet: 202 "being prepared" (the queued render never runs inside the test's transaction)
    "reports:report_pdf": row("GET", "drafting", 202, 403, 404, 202, 404),
    # what the "being prepared" page polls: the same readers as the PDF
    "reports:report_pdf_status": row("GET", "drafting", 200, 403, 404, 200, 404),
    "reports:publication_level": row("GET", "factual_check", 403, 200, 404, 403, 404),
    # The Word version: the same readers as the PDF.
    "reports:report_docx": row("GET", "drafting", 200, 403, 404, 200, 404),
    "reports:public_report_docx": row(
        "GET", "published", 200, 200, 200, 200, 200, anonymous=200, published_to="public"
    ),
    # The report's language: the lead and coordinators, until publication.
    "reports:report_language": row("POST", "drafting", 302, 403, 404, 302, 404, data={"language": "fi"}),
    # The formatting preview: anyone taking part in the round (it renders only the posted text).
    "reports:text_preview": row("POST", "drafting", 200, 200, 404, 200, 404, data={"text": "**x**"}),
    # Public: readable without an account when the city published the report to the public ...
    "reports:public_report": row(
        "GET", "published", 200, 200, 200, 200, 200, anonymous=200, published_to="public"
    ),
    "reports:public_report_pdf": row(
        "GET", "published", 202, 202, 202, 202, 202, anonymous=202, published_to="public"
    ),
    "reports:public_report_pdf_status": row(
        "GET", "published", 200, 200, 200, 200, 200, anonymous=200, published_to="public"
    ),
    "reports:export_scores": row("GET", "assessment", 200, 403, 404, 200, 404),
    "reports:export_proposals": row("GET", "assessment", 200, 403, 404, 200, 404),
    "reports:export_round_json": row("GET", "assessment", 200, 403, 404, 200, 404),
    "reports:export_all_scores": row("GET", "assessment", 200, 403, 403, 403, 403),
    "reports:export_all_proposals": row("GET", "assessment", 200, 403, 403, 403, 403),
    # The library lists only what each person may read (see test_library.py for its hits).
    # The REST API under /api/v1/ is one row here: tests/test_api_access.py walks every path of its
    # schema for every persona against the web pages' answers.
    "api": row("GET", "scoring", 200, 200, 404, 200, 404, anonymous=401),
    # API tokens and the calendar address: each person's own (another's token does not exist).
    "api_access:tokens": row("GET", "scoring", 200, 200, 200, 200, 200),
    "api_access:token_revoke": row("POST", "scoring", 302, 404, 404, 404, 404),
    "api_access:calendar_create": row("POST", "scoring", 302, 302, 302, 302, 302),
    "api_access:calendar_revoke": row("POST", "scoring", 302, 302, 302, 302, 302),
    # The feed is read by calendar apps that cannot sign in: its address is the secret.
    "api_access:calendar_feed": row("GET", "scoring", 200, 200, 200, 200, 200, anonymous=200),
    "network:library": row("GET", "scoring", 200, 200, 200, 200, 200),
    "network:good_practice": row("GET", "scoring", 200, 200, 200, 200, 200),
    # The programme synthesis: the secretariat's (no PDF yet: the ask redirects to its waiting page).
    "network:synthesis": row("GET", "published", 200, 403, 403, 403, 403),
    "network:synthesis_messages": row("GET", "published", 200, 403, 403, 403, 403),
    "network:synthesis_pdf": row("GET", "published", 302, 403, 403, 403, 403),
    "network:synthesis_export": row("GET", "published", 200, 403, 403, 403, 403),
}


def _pattern_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace == "admin":
                names.add("admin")  # Django's admin guards itself; one row stands for it
                continue
            if pattern.namespace == "api":
                names.add("api")  # walked path by path in tests/test_api_access.py
                continue
            names |= _pattern_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}<unnamed {pattern.pattern}>")
    return names


def test_every_url_pattern_has_a_row_in_the_matrix():
    assert _pattern_names(get_resolver()) == set(MATRIX)


@pytest.fixture
def round_objects(personas):
    """Objects the URL patterns point at, inside the personas' round."""
    review_round = personas.review_round
    prereport = prepare_prereport(review_round)
    prereport.submitted_at = timezone.now()
    prereport.save()
    evidence = add_evidence(
        prereport=prereport,
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf"),
        user=personas.host_member,
    )
    day = AssessmentDay.objects.create(
        round=review_round, date=datetime.date(2026, 12, 1), location="City hall"
    )
    session = Session.objects.create(
        day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Procurement strategy"
    )
    interviewee = Interviewee.objects.create(
        session=session, role="buyer", name="Aino Virtanen", consent_to_name=True
    )
    answer = prereport.answers.first()
    answer.narrative = "We do this."
    answer.save()  # a version in the history
    lead_assignment = review_round.assignments.get(evaluator=personas.assigned_evaluator)
    lead_assignment.scores_submitted_at = timezone.now()
    lead_assignment.save()
    report = get_or_create_report(review_round)
    comment = FactualComment.objects.create(report=report, section="executive_summary", text="Wrong figure.")
    suggestion = Suggestion.objects.create(report=report, kind="action", title="Train buyers", text="")
    erasure = ErasureRequest.objects.create(person=personas.host_member)
    api_token = create_api_token(user=personas.coordinator, name="Dashboard").obj
    feed = create_calendar_feed(user=personas.coordinator)
    return {
        "token_id": api_token.pk,
        "secret": feed.secret,
        "comment_id": comment.pk,
        "suggestion_id": suggestion.pk,
        "request_id": erasure.pk,
        "kind": "section",
        "key": "executive_summary",
        "thread": "general",
        "round_id": review_round.pk,
        "evidence_id": evidence.pk,
        "day_id": day.pk,
        "session_id": session.pk,
        "interviewee_id": interviewee.pk,
        "assignment_id": lead_assignment.pk,
        "uidb64": "MQ",  # a link that does not work: the page says so
        "token": "0-not-a-token",
        "answer_kind": "answer",
        "unit_id": answer.pk,
        "history_id": answer.history.latest().history_id,
        "source": "evaluators",
    }


URL_KWARGS = {
    "cities:choices": ("source",),
    "peerreview:evidence_download": ("round_id", "evidence_id"),
    "peerreview:evidence_delete": ("round_id", "evidence_id"),
    "peerreview:session_create": ("round_id", "day_id"),
    "peerreview:session_edit": ("round_id", "session_id"),
    "peerreview:session_delete": ("round_id", "session_id"),
    "peerreview:day_edit": ("round_id", "day_id"),
    "peerreview:day_delete": ("round_id", "day_id"),
    "peerreview:invitation_respond": ("assignment_id",),
    "audit:erasure_review": ("request_id",),
    "peerreview:interviewee_withdraw_consent": ("round_id", "interviewee_id"),
    "api_access:token_revoke": ("token_id",),
    "api_access:calendar_feed": ("secret",),
    "accounts:password_reset_confirm": ("uidb64", "token"),
    "accounts:invitation_accept": ("uidb64", "token"),
    "reports:factual_comment_resolve": ("round_id", "comment_id"),
    "reports:unit_history": ("round_id", "kind", "key"),
    "reports:discussion_thread": ("round_id", "thread"),
    "reports:suggestion_decide": ("round_id", "suggestion_id"),
    "peerreview:unit_history": ("round_id", "kind:answer_kind", "unit_id"),
    "peerreview:unit_restore": ("round_id", "kind:answer_kind", "unit_id", "history_id"),
}
NO_KWARGS = {
    "healthz",
    "readyz",
    "login",
    "accounts:account",
    "accounts:password_change",
    "accounts:logout_everywhere",
    "accounts:invite",
    "accounts:mfa",
    "accounts:mfa_setup",
    "accounts:mfa_recovery_codes",
    "accounts:mfa_verify",
    "accounts:mfa_disable",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "audit:log",
    "audit:export",
    "audit:my_data",
    "logout",
    "cities:set_language",
    "cities:accessibility",
    "cities:privacy",
    "audit:erasure_request",
    "audit:erasure_withdraw",
    "audit:erasure_list",
    "peerreview:dashboard",
    "peerreview:round_create",
    "peerreview:round_list",
    "peerreview:evaluator_profile",
    "reports:export_all_scores",
    "reports:export_all_proposals",
    "network:library",
    "network:good_practice",
    "network:synthesis",
    "network:synthesis_messages",
    "network:synthesis_pdf",
    "network:synthesis_export",
    "api_access:tokens",
    "api_access:calendar_create",
    "api_access:calendar_revoke",
}


def _kwargs_for(name: str, objects: dict) -> dict:
    if name in NO_KWARGS:
        return {}
    # "kwarg:object" when the URL's keyword names an object of another key.
    pairs = [key.partition(":")[::2] for key in URL_KWARGS.get(name, ("round_id",))]
    return {kwarg: objects[source or kwarg] for kwarg, source in pairs}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_access(client, personas, round_objects, url_name, persona):
    spec = MATRIX[url_name]
    review_round = personas.review_round
    review_round.state = spec["state"]
    review_round.save()
    if spec["published_to"]:
        SummaryReport.objects.filter(round=review_round).update(
            published_at=timezone.now(), publication_level=spec["published_to"]
        )
    if persona != ANONYMOUS:
        client.force_login(getattr(personas, persona))
    if url_name == "admin":
        url = reverse("admin:index")
    elif url_name == "api":
        url = reverse("api:round-detail", kwargs={"round_id": review_round.pk})
        if persona != ANONYMOUS:
            client.logout()
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(getattr(personas, persona))}"
    else:
        url = reverse(url_name, kwargs=_kwargs_for(url_name, round_objects))

    response = client.post(url, spec["data"]) if spec["method"] == "POST" else client.get(url)

    assert response.status_code == spec["expected"][persona], (url_name, persona, response.status_code)
    if persona == ANONYMOUS and spec["expected"][persona] == 302:
        assert "login/" in response["Location"]


# --- a published report, at each publication level --------------------------------------------

# Who reads a published report at each level: the report page, its PDF (202 while the final PDF is
# rendered: the request is accepted) and the public page and PDF. 302 is the way to the login page.
PUBLISHED_MATRIX = {
    "round": {
        "reports:report_view": (200, 200, 404, 200, 404, 302),
        "reports:report_pdf": (202, 202, 404, 202, 404, 302),
        "reports:public_report": (404, 404, 404, 404, 404, 404),
        "reports:public_report_pdf": (404, 404, 404, 404, 404, 404),
        "reports:report_pdf_status": (200, 200, 404, 200, 404, 302),
        "reports:public_report_pdf_status": (404, 404, 404, 404, 404, 404),
    },
    "network": {
        "reports:report_view": (200, 200, 200, 200, 200, 302),
        "reports:report_pdf": (202, 202, 202, 202, 202, 302),
        "reports:public_report": (404, 404, 404, 404, 404, 404),
        "reports:public_report_pdf": (404, 404, 404, 404, 404, 404),
        "reports:report_pdf_status": (200, 200, 200, 200, 200, 302),
        "reports:public_report_pdf_status": (404, 404, 404, 404, 404, 404),
    },
    "public": {
        "reports:report_view": (200, 200, 200, 200, 200, 302),
        "reports:report_pdf": (202, 202, 202, 202, 202, 302),
        "reports:public_report": (200, 200, 200, 200, 200, 200),
        "reports:public_report_pdf": (202, 202, 202, 202, 202, 202),
        "reports:report_pdf_status": (200, 200, 200, 200, 200, 302),
        "reports:public_report_pdf_status": (200, 200, 200, 200, 200, 200),
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
@pytest.mark.parametrize("level", sorted(PUBLISHED_MATRIX))
def test_published_report_by_level(client, personas, round_objects, level, persona):
    review_round = personas.review_round
    review_round.state = "published"
    review_round.save()
    SummaryReport.objects.filter(round=review_round).update(
        published_at=timezone.now(), publication_level=level
    )
    if persona != ANONYMOUS:
        client.force_login(getattr(personas, persona))

    for url_name, expected in PUBLISHED_MATRIX[level].items():
        response = client.get(reverse(url_name, kwargs={"round_id": review_round.pk}))
        wanted = expected[[*PERSONAS, ANONYMOUS].index(persona)]
        assert response.status_code == wanted, (level, url_name, persona, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["network", "public"])
def test_a_draft_is_never_shared_whatever_the_level(client, personas, round_objects, level):
    """The level takes effect at publishing: in the factual check only the round sees the draft."""
    review_round = personas.review_round
    review_round.state = "factual_check"
    review_round.save()
    SummaryReport.objects.filter(round=review_round).update(publication_level=level)
    client.force_login(personas.other_city_member)
    for url_name in ("reports:report_view", "reports:report_pdf", "reports:report_pdf_status"):
        assert client.get(reverse(url_name, kwargs={"round_id": review_round.pk})).status_code == 404
    client.logout()
    for url_name in (
        "reports:public_report",
        "reports:public_report_pdf",
        "reports:public_report_pdf_status",
    ):
        assert client.get(reverse(url_name, kwargs={"round_id": review_round.pk})).status_code == 404


@pytest.mark.django_db
def test_a_signed_in_person_outside_the_network_reads_only_public_reports(client, personas, round_objects):
    """An account with no city and no evaluator profile is not the network."""
    review_round = personas.review_round
    review_round.state = "published"
    review_round.save()
    report = SummaryReport.objects.get(round=review_round)
    outsider = factories.UserFactory()
    client.force_login(outsider)
    url = reverse("reports:report_view", kwargs={"round_id": review_round.pk})
    for level, status in (("round", 404), ("network", 404), ("public", 200)):
        SummaryReport.objects.filter(pk=report.pk).update(
            published_at=timezone.now(), publication_level=level
        )
        assert client.get(url).status_code == status, level
