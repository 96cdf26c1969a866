"""The audit trail: changes to round data (the back office included) with old and new values,
sign-ins, failed sign-ins, refusals and downloads; append-only for everyone; the coordinators'
page filters per round and person and exports a spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditEntry
from peerreview.models import RoundState
from peerreview.services.prereport import add_evidence
from peerreview.services.rounds import prepare_prereport
from reports.services import get_or_create_report
from tests import factories
from tests.files import pdf_bytes

E = AuditEntry.Event
pytestmark = pytest.mark.django_db


def admin_form_data(response) -> dict:
    """What the admin change form would post back as loaded: the main form and every inline."""
    data = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            elif value is not None:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_an_edit_in_the_back_office_is_recorded_with_old_and_new_values_and_the_round(client):
    review_round = factories.RoundFactory(state=RoundState.PUBLISHED)
    report = get_or_create_report(review_round)
    report.executive_summary = "Spend analysis is done yearly."
    report.save()
    coordinator = factories.CoordinatorFactory(is_superuser=True)
    client.force_login(coordinator)
    url = reverse("admin:reports_summaryreport_change", args=[report.pk])
    data = admin_form_data(client.get(url))
    data["executive_summary"] = "Spend analysis is done monthly."

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(
        event=E.CHANGE, action=AuditEntry.Action.UPDATE, object_pk=str(report.pk), actor=coordinator
    )
    assert entry.changes["executive_summary"] == [
        "Spend analysis is done yearly.",
        "Spend analysis is done monthly.",
    ]
    assert (entry.actor, entry.actor_email, entry.round_id) == (
        coordinator,
        coordinator.email,
        review_round.pk,
    )


def test_changes_to_interviewees_never_keep_their_names():
    from peerreview.models import AssessmentDay, Interviewee, Session

    review_round = factories.RoundFactory()
    day = AssessmentDay.objects.create(round=review_round, date=datetime.date(2026, 12, 1))
    session = Session.objects.create(
        day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Strategy"
    )
    person = Interviewee.objects.create(session=session, role="buyer", name="Aino Virtanen")
    person.name = "Aino Korhonen"
    person.save()

    rows = AuditEntry.objects.filter(object_pk=str(person.pk), content_type__model="interviewee")
    assert rows.count() == 2 and all(row.round_id == review_round.pk for row in rows)
    assert "Aino" not in str(list(rows.values_list("changes", "object_repr")))


def test_sign_in_and_failed_sign_in_are_recorded_without_the_password(client):
    user = factories.UserFactory(email="maria@example.eu")

    client.post(reverse("login"), {"username": "maria@example.eu", "password": "Wrong-guess-42"})
    client.post(reverse("login"), {"username": "maria@example.eu", "password": factories.PASSWORD})

    failed = AuditEntry.objects.get(event=E.LOGIN_FAILED)
    assert (failed.attempted_email, failed.actor) == ("maria@example.eu", None)
    assert failed.path == reverse("login") and failed.remote_addr == "127.0.0.1"
    login = AuditEntry.objects.get(event=E.LOGIN)
    assert login.actor == user
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM audit_auditentry WHERE row_to_json(audit_auditentry)::text LIKE %s",
            ["%Wrong-guess%"],
        )
        assert cursor.fetchone()[0] == 0


def test_a_refusal_is_recorded_with_path_person_round_and_reason(client, personas):
    client.force_login(personas.host_member)
    url = reverse("peerreview:panel_manage", args=[personas.review_round.pk])

    assert client.get(url).status_code == 403

    entry = AuditEntry.objects.get(event=E.FORBIDDEN)
    assert (entry.actor, entry.path, entry.round_id) == (personas.host_member, url, personas.review_round.pk)
    assert entry.reason  # the explanation the 403 page showed


def test_a_csrf_refusal_is_recorded_with_its_reason(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.coordinator)
    client.post(reverse("cities:set_language"), {"language": "fi"})

    entry = AuditEntry.objects.get(event=E.FORBIDDEN)
    assert entry.reason.startswith("CSRF:")


def test_downloads_of_evidence_and_of_the_report_pdf_are_recorded(client, personas):
    prereport = prepare_prereport(personas.review_round)
    evidence = add_evidence(
        prereport=prereport,
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf"),
        user=personas.host_member,
    )
    client.force_login(personas.host_member)

    response = client.get(
        reverse("peerreview:evidence_download", args=[personas.review_round.pk, evidence.pk])
    )

    assert response.status_code == 200, AuditEntry.objects.filter(event=E.FORBIDDEN).values_list("reason")
    entry = AuditEntry.objects.get(event=E.DOWNLOAD)
    assert (entry.actor, entry.round_id, entry.object_repr) == (
        personas.host_member,
        personas.review_round.pk,
        "plan.pdf",
    )
    assert entry.additional_data == {"kind": "evidence"}


def test_report_pdf_download_is_recorded(client, personas):
    from reports.pdf import ensure_pdf

    review_round = personas.review_round
    review_round.state = RoundState.DRAFTING
    review_round.save()
    ensure_pdf(get_or_create_report(review_round))
    client.force_login(personas.coordinator)

    response = client.get(reverse("reports:report_pdf", args=[review_round.pk]))

    assert response.status_code == 200
    entry = AuditEntry.objects.get(event=E.DOWNLOAD)
    assert (entry.actor, entry.round_id, entry.additional_data) == (
        personas.coordinator,
        review_round.pk,
        {"kind": "report_pdf"},
    )


def test_the_trail_is_append_only_in_the_database():
    factories.RoundFactory()
    entry = AuditEntry.objects.filter(event=E.CHANGE).first()
    assert entry is not None

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()


def test_the_trail_is_read_only_in_the_back_office_even_for_superusers(client):
    factories.RoundFactory()
    entry = AuditEntry.objects.first()
    client.force_login(factories.CoordinatorFactory(is_superuser=True))

    delete = client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    change = client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"reason": "x"})

    assert delete.status_code == 403
    assert change.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_person_keeps_their_rows_and_email(client):
    user = factories.UserFactory(email="leaver@example.eu")
    client.force_login(user)
    client.get(reverse("peerreview:round_create"))  # a refusal: one row by them

    user.delete()

    entry = AuditEntry.objects.get(event=E.FORBIDDEN)
    assert (entry.actor_id, entry.actor_email) == (None, "leaver@example.eu")


# --- the coordinators' page ------------------------------------------------------------------


def test_coordinators_filter_per_round_and_person(client, personas):
    other_round = factories.RoundFactory(title="Other round")
    client.force_login(personas.host_member)
    client.get(reverse("peerreview:panel_manage", args=[personas.review_round.pk]))  # a 403 row, our round
    client.force_login(personas.coordinator)

    by_round = client.get(reverse("audit:log"), {"round": personas.review_round.pk})
    rows = list(by_round.context["page"].object_list)
    assert rows and {row.round_id for row in rows} == {personas.review_round.pk}
    assert other_round.pk not in {row.round_id for row in rows}

    by_person = client.get(reverse("audit:log"), {"person": personas.host_member.email.upper()})
    assert {row.actor for row in by_person.context["page"].object_list} == {personas.host_member}
    assert by_person.status_code == 200


def test_bad_filters_are_explained_at_the_field_with_the_text_kept(client, personas):
    client.force_login(personas.coordinator)

    response = client.get(
        reverse("audit:log"), {"round": "abc", "date_from": "2026-12-02", "date_to": "2026-12-01"}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "round" in form.errors and "date_to" in form.errors
    assert 'value="abc"' in response.content.decode()


def test_the_page_is_paginated_and_runs_a_fixed_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    for _ in range(60):
        factories.RoundFactory()
    client.force_login(personas.coordinator)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:log"))

    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].has_next()


def test_the_csv_export_is_filtered_and_neutralises_formulas(client, personas):
    evil = factories.RoundFactory(title='=HYPERLINK("http://evil.example")')
    client.force_login(personas.coordinator)

    response = client.get(reverse("audit:export"), {"round": evil.pk})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0][0] == "time (UTC)"
    assert len(table) == 2  # the header and the round's creation
    record = table[1][5]
    assert record.startswith("'=HYPERLINK")
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in table for cell in row)


@pytest.mark.parametrize("persona", ["host_member", "assigned_evaluator", "unassigned_evaluator"])
def test_only_coordinators_read_the_trail(client, personas, persona):
    client.force_login(getattr(personas, persona))

    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_a_lockout_is_recorded(client, settings):
    """django-axes locks the account after AXES_FAILURE_LIMIT wrong passwords; the trail says so."""
    factories.UserFactory(email="target@example.eu")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "target@example.eu", "password": "guess"})

    assert AuditEntry.objects.filter(event=E.LOGIN_FAILED, attempted_email="target@example.eu").count() >= 1
    lockout = AuditEntry.objects.get(event=E.LOCKOUT)
    assert lockout.attempted_email == "target@example.eu"


def test_two_factor_changes_are_recorded_about_the_person(client, settings):
    """Turning it on, new recovery codes, using one up, a wrong code, and a coordinator
    turning it off for a person who lost their phone: each a row about that person's account."""
    from tests.test_accounts import app_code, set_up_mfa

    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    person = factories.UserFactory(email="mfa.person@example.eu", language="en")
    client.force_login(person)
    device, codes = set_up_mfa(client, person)
    client.post(reverse("accounts:mfa_recovery_codes"))  # new codes
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": person.email, "password": factories.PASSWORD})
    wrong = "000000" if app_code(device) != "000000" else "111111"
    client.post(reverse("accounts:mfa_verify"), {"code": wrong})
    # the first set of recovery codes is void since new ones were made
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 200
    coordinator = factories.CoordinatorFactory(is_superuser=True, is_staff=True)
    admin_client = client.__class__()
    admin_client.force_login(coordinator)
    admin_client.post(
        reverse("admin:cities_user_changelist"),
        {"action": "turn_off_mfa", "_selected_action": [person.pk]},
    )

    rows = list(AuditEntry.objects.filter(object_id=person.pk, event=E.MFA).order_by("pk"))
    assert [row.additional_data["change"] for row in rows] == [
        "app_added",
        "recovery_codes_regenerated",
        "app_removed",
    ]
    added, regenerated, removed = rows
    assert added.actor == person and added.changes["authenticator app"] == ["", "added"]
    assert regenerated.changes == {"recovery codes": ["10 left", "10 new"]}
    assert removed.actor == coordinator and removed.actor_email == coordinator.email
    assert removed.changes["authenticator app"] == ["on", "removed"]
    failed = AuditEntry.objects.filter(event=E.LOGIN_FAILED, actor=person)
    assert [row.reason for row in failed] == ["wrong second-factor code"] * 2  # wrong app code, void code
    # every code in the trail is absent: only that something changed
    assert not any(code in str(row.changes) for row in rows for code in codes)
    # the coordinators' page lists them under the person
    page = admin_client.get(reverse("audit:log"), {"person": "mfa.person", "event": "mfa"})
    assert len(page.context["page"].object_list) == 3


def test_using_a_recovery_code_is_recorded(client, settings):
    from tests.test_accounts import set_up_mfa

    person = factories.UserFactory(email="codes.person@example.eu", language="en")
    client.force_login(person)
    _device, codes = set_up_mfa(client, person)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": person.email, "password": factories.PASSWORD})

    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[3]}).status_code == 302

    used = AuditEntry.objects.get(
        event=E.MFA, object_id=person.pk, additional_data__change="recovery_code_used"
    )
    assert used.changes == {"recovery codes": ["10 left", "9 left"]}
    assert used.actor == person
