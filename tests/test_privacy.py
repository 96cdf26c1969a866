"""Each person downloads everything kept about them, and nothing of anyone else's."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from peerreview.models import RoundState
from reports.services import get_or_create_report
from tests import factories

pytestmark = pytest.mark.django_db


def test_my_data_holds_my_records_and_nothing_of_others(client, personas):
    me, colleague = personas.assigned_evaluator, personas.second_evaluator
    criterion = factories.CriterionFactory(theme__framework=personas.review_round.framework)
    mine = me.assignments.get(round=personas.review_round)
    theirs = colleague.assignments.get(round=personas.review_round)
    factories.ScoreFactory(assignment=mine, criterion=criterion, comment="My own reasoning on the mandate")
    factories.ScoreFactory(assignment=theirs, criterion=criterion, comment="A colleague's private view")
    review_round = personas.review_round
    review_round.state = RoundState.PUBLISHED
    review_round.save()
    report = get_or_create_report(review_round)
    report.executive_summary = "The lead's summary text"
    report.factual_comment = "My factual remark"
    report.factual_comment_by = me
    report.save()
    client.post(reverse("login"), {"username": me.email, "password": "not-my-password"})  # a failed sign-in
    client.force_login(me)

    response = client.get(reverse("audit:my_data"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    text = response.content.decode()
    assert data["profile"]["email"] == me.email and "password" not in data["profile"]
    assert "My own reasoning on the mandate" in text
    assert "My factual remark" in text
    assert [row["linked_as"] for row in data["records"]["peerreview.Assignment"]] == ["evaluator"]
    assert any(row["event"] == "login_failed" for row in data["audit_trail"])
    # nothing of others
    assert "A colleague's private view" not in text
    assert "The lead's summary text" not in text
    assert colleague.email not in text
    assert "not-my-password" not in text
    # the download is itself recorded
    assert AuditEntry.objects.filter(event=AuditEntry.Event.PRIVACY_EXPORT, actor=me).exists()


def test_the_account_page_links_to_the_download(client, personas):
    client.force_login(personas.host_member)

    page = client.get(reverse("accounts:account")).content.decode()

    assert reverse("audit:my_data") in page


# --- the privacy notice -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "heading", "rights"),
    [
        ("en", "Privacy notice", "Your rights and how to use them"),
        ("fi", "Tietosuojaseloste", "Oikeutesi ja niiden käyttäminen"),
        ("sv", "Dataskyddsbeskrivning", "Dina rättigheter och hur du använder dem"),
    ],
)
def test_the_privacy_notice_is_public_in_three_languages(client, settings, language, heading, rights):
    settings.INTERVIEWEE_RETENTION_DAYS = 123
    settings.PRIVACY_CONTACT_EMAIL = "dpo@network.example"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(reverse("cities:privacy"))

    assert response.status_code == 200  # no login
    page = response.content.decode()
    assert f'lang="{language}"' in page
    assert heading in page and rights in page
    assert "123" in page  # the retention period the job uses
    assert "mailto:dpo@network.example" in page
    assert reverse("audit:my_data") not in page  # public: it names the pages, it does not link into accounts


def test_the_privacy_notice_is_linked_from_every_page_and_from_login(client, personas):
    login = client.get(reverse("login")).content.decode()
    assert login.count(reverse("cities:privacy")) == 2  # the footer and the login form

    client.force_login(personas.host_member)
    for url in (
        reverse("peerreview:dashboard"),
        reverse("accounts:account"),
        reverse("cities:accessibility"),
    ):
        assert reverse("cities:privacy") in client.get(url).content.decode(), url
