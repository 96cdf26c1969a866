"""Erasure: a person asks on their account page, a coordinator completes it with anonymisation
that keeps the rounds' record and the published report intact; the name leaves every page,
the published PDF (rendered again and read back), the edit history and the audit trail."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.erasure import placeholder_email, pseudonym
from audit.models import AuditEntry, ErasureRequest
from peerreview import background
from peerreview.models import Notification, Score
from reports import pdf as report_pdf
from reports.models import DigestItem, PanelComment, ReportPdf
from reports.tasks import render_report_pdf
from tests import factories
from tests.test_report_pdf import build_round, pdf_text

E = AuditEntry.Event
pytestmark = pytest.mark.django_db


def _ask(client, person, *, password=factories.PASSWORD, message=""):
    client.force_login(person)
    return client.post(reverse("audit:erasure_request"), {"password": password, "message": message})


def _all_audit_text() -> str:
    rows = AuditEntry.objects.values_list(
        "actor_email", "attempted_email", "object_repr", "changes", "reason", "path", "additional_data"
    )
    return repr(list(rows)).lower()


def test_the_account_page_explains_erasure_and_asks_for_the_password(client, personas):
    person = personas.host_member
    client.force_login(person)
    account = client.get(reverse("accounts:account")).content.decode()
    assert reverse("audit:erasure_request") in account

    page = client.get(reverse("audit:erasure_request")).content.decode()
    assert f"Former member {person.pk}" in page  # the pseudonym they would get
    assert "What stays" in page and "audit trail" in page

    wrong = _ask(client, person, password="not-my-password")
    assert wrong.status_code == 200
    assert "That is not your password" in wrong.content.decode()
    assert not ErasureRequest.objects.exists()

    response = _ask(client, person, message="My name is in a comment on round 3.")
    assert response.status_code == 302
    erasure = ErasureRequest.objects.get(person=person)
    assert erasure.status == ErasureRequest.Status.PENDING
    assert AuditEntry.objects.filter(event=E.ERASURE_REQUESTED, actor=person).exists()
    assert "You asked for erasure on" in client.get(reverse("audit:erasure_request")).content.decode()
    assert _ask(client, person).status_code == 200  # a second request: the page shows the first
    assert ErasureRequest.objects.count() == 1


def test_the_person_can_withdraw_while_it_waits(client, personas):
    person = personas.host_member
    _ask(client, person)

    client.post(reverse("audit:erasure_withdraw"))

    erasure = ErasureRequest.objects.get(person=person)
    assert erasure.status == ErasureRequest.Status.WITHDRAWN and erasure.decided_at
    assert AuditEntry.objects.filter(event=E.ERASURE_WITHDRAWN, actor=person).exists()
    person.refresh_from_db()
    assert person.is_active and person.erased_at is None


def test_coordinators_see_waiting_requests_paginated(client, personas):
    people = [factories.UserFactory(full_name=f"Asker {number:02d}") for number in range(30)]
    for person in people:
        ErasureRequest.objects.create(person=person)
    ErasureRequest.objects.create(person=personas.host_member, status=ErasureRequest.Status.COMPLETED)
    client.force_login(personas.coordinator)

    first = client.get(reverse("audit:erasure_list"))
    second = client.get(reverse("audit:erasure_list"), {"page": 2})

    assert first.status_code == 200
    assert [e.person.full_name for e in first.context["page"].object_list] == [
        f"Asker {number:02d}" for number in range(25)
    ]
    assert len(second.context["page"].object_list) == 5
    everything = client.get(reverse("audit:erasure_list"), {"status": "all", "page": 2})
    assert list(everything.context["page"].object_list)[-1].person == personas.host_member  # waiting first
    for persona in ("host_member", "assigned_evaluator"):
        client.force_login(getattr(personas, persona))
        assert client.get(reverse("audit:erasure_list")).status_code == 403


def test_a_coordinator_cannot_complete_their_own_request(client, personas):
    coordinator = personas.coordinator
    _ask(client, coordinator)
    erasure = ErasureRequest.objects.get(person=coordinator)

    page = client.get(reverse("audit:erasure_review", args=[erasure.pk]))
    refused = client.post(reverse("audit:erasure_review", args=[erasure.pk]))

    assert "Another coordinator must complete" in page.content.decode()
    assert refused.status_code == 403
    coordinator.refresh_from_db()
    assert coordinator.erased_at is None


def test_erasure_anonymises_the_person_and_keeps_the_published_report_intact(
    client, personas, django_capture_on_commit_callbacks
):
    evaluator = personas.assigned_evaluator
    evaluator.full_name = "Ingrid Åkesson-Lind"
    evaluator.save()
    old_email = evaluator.email
    review_round, report = build_round(personas)  # published; the panel is on the cover
    render_report_pdf.apply(args=[report.pk])  # the render publication queued, done
    first_pdf = report_pdf.current_pdf(report)
    first_text, _reader = pdf_text(first_pdf)
    assert "Ingrid Åkesson-Lind" in " ".join(first_text.split())
    first_file = first_pdf.file.name
    # What the person did and what others have about them
    assignment = evaluator.assignments.get(round=review_round)
    criterion = factories.CriterionFactory(theme__framework=review_round.framework)
    score = factories.ScoreFactory(
        assignment=assignment, criterion=criterion, comment="Indicators lack baselines."
    )
    score.comment = "Indicators lack baselines; spend data is good."
    score._history_user = evaluator  # as the pages record who saved
    score.save()  # a second version in the history, by the person
    PanelComment.objects.create(round=review_round, author=evaluator, text="Let us probe HOW.3 on day 1.")
    DigestItem.objects.create(
        recipient=personas.second_evaluator,
        round=review_round,
        source="comment-1",
        kind="comment",
        author_name="Ingrid Åkesson-Lind",
        excerpt="Let us probe HOW.3 on day 1.",
    )
    Notification.objects.create(recipient=evaluator, kind="reminder", dedupe_key="mine-1", subject="Due soon")
    client.post(reverse("login"), {"username": old_email, "password": "a-wrong-one"})  # a failed sign-in
    client.post(reverse("login"), {"username": old_email, "password": factories.PASSWORD})  # a sign-in
    _ask(client, evaluator, message="I am Ingrid Åkesson-Lind; please also check round 3.")
    rows_before = set(AuditEntry.objects.values_list("pk", flat=True))
    erasure = ErasureRequest.objects.get(person=evaluator)
    coordinator_client = client.__class__()
    coordinator_client.force_login(personas.coordinator)

    review = coordinator_client.get(reverse("audit:erasure_review", args=[erasure.pk]))
    assert review.status_code == 200 and review.context["impact"].published_reports == 1
    # The render the erasure queues runs in this thread: the test's data lives in its transaction.
    with background.run_inline(), django_capture_on_commit_callbacks(execute=True):
        done = coordinator_client.post(reverse("audit:erasure_review", args=[erasure.pk]))

    assert done.status_code == 302
    name = f"Former member {evaluator.pk}"
    evaluator.refresh_from_db()
    assert (
        (evaluator.full_name, evaluator.email)
        == (name, placeholder_email(evaluator))
        == (
            pseudonym(evaluator),
            f"former-member-{evaluator.pk}@erased.invalid",
        )
    )
    assert not evaluator.is_active and not evaluator.has_usable_password() and evaluator.erased_at
    assert client.get(reverse("accounts:account")).status_code == 302  # the person's session ended
    # what they did stays, under the pseudonym
    assert Score.objects.get(pk=score.pk).comment == "Indicators lack baselines; spend data is good."
    latest = Score.history.filter(id=score.pk).latest()
    assert latest.history_user == evaluator and str(latest.history_user) == name
    assert PanelComment.objects.get(round=review_round).author == evaluator
    report_page = coordinator_client.get(
        reverse("reports:report_view", args=[review_round.pk])
    ).content.decode()
    assert name in report_page and "Ingrid" not in report_page
    assert "Strong strategy, weak follow-up." in report_page  # the published wording stays
    # the published PDF was made again without the name; the old file is gone
    final = ReportPdf.objects.get(report=report, is_final=True)
    assert final.pk != first_pdf.pk
    text = " ".join(pdf_text(final)[0].split())
    assert name in text and "Ingrid" not in text and "Åkesson" not in text
    assert "Strong strategy, weak follow-up." in text
    assert not default_storage.exists(first_file)
    assert report_pdf.current_pdf(report) == final
    # copies of the name as text
    assert DigestItem.objects.get().author_name == name
    assert not Notification.objects.filter(recipient=evaluator).exists()
    assert ErasureRequest.objects.get(pk=erasure.pk).message == ""
    # the audit trail keeps every row, under the pseudonym
    audit_text = _all_audit_text()
    assert "ingrid" not in audit_text and old_email.lower() not in audit_text
    assert AuditEntry.objects.filter(event=E.LOGIN_FAILED, attempted_email=evaluator.email).exists()
    assert AuditEntry.objects.filter(event=E.LOGIN, actor=evaluator, actor_email=evaluator.email).exists()
    completed = AuditEntry.objects.get(event=E.ERASURE_COMPLETED)
    assert completed.actor == personas.coordinator and completed.object_repr == name
    assert rows_before <= set(AuditEntry.objects.values_list("pk", flat=True))  # no row lost
    # the account cannot log in any more
    assert (
        client.post(reverse("login"), {"username": old_email, "password": factories.PASSWORD}).status_code
        == 200
    )


def test_the_audit_trail_allows_erasure_to_change_names_only(personas):
    """The trigger lets an UPDATE through only with audit.pseudonymise on, and then only of the
    text columns: not the time, the event or the IP address."""
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    entry = AuditEntry.objects.create(
        event=E.LOGIN, actor_email="someone@example.eu", remote_addr="192.0.2.1"
    )

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor_email="changed@example.eu")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.pseudonymise = 'on'")
        AuditEntry.objects.filter(pk=entry.pk).update(actor_email="former-member-1@erased.invalid")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(remote_addr="198.51.100.7")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(event=E.LOGOUT)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.pseudonymise = 'off'")  # as erasure does when done
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(actor_email="again@example.eu")
    entry.refresh_from_db()
    assert (entry.actor_email, entry.remote_addr, entry.event) == (
        "former-member-1@erased.invalid",
        "192.0.2.1",
        E.LOGIN,
    )
