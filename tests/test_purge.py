"""A round is never deleted from the pages or the back office; `purge_round --confirm` removes
it with its stored files, keeps the audit rows about it and records the purge."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEntry
from peerreview.models import Answer, EvidenceFile, Round, RoundState
from peerreview.services.prereport import add_evidence
from peerreview.services.rounds import prepare_prereport
from reports.models import ReportPdf
from reports.pdf import ensure_pdf
from reports.services import get_or_create_report
from tests import factories
from tests.files import pdf_bytes

E = AuditEntry.Event


@pytest.fixture
def full_round(personas):
    review_round = personas.review_round
    prereport = prepare_prereport(review_round)
    evidence = add_evidence(
        prereport=prereport,
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf"),
        user=personas.host_member,
    )
    review_round.state = RoundState.DRAFTING
    review_round.save()
    pdf = ensure_pdf(get_or_create_report(review_round))
    return review_round, evidence, pdf


@pytest.mark.django_db(transaction=True)
def test_purge_removes_the_round_its_files_and_records_itself(full_round, capsys):
    review_round, evidence, pdf = full_round
    paths = [evidence.file.path, pdf.file.path]
    coordinator = factories.CoordinatorFactory(email="secretariat@example.eu")
    rows_before = AuditEntry.objects.filter(round_id=review_round.pk).count()
    assert rows_before > 0
    import os

    assert all(os.path.exists(path) for path in paths)

    call_command("purge_round", review_round.pk)  # without --confirm: a dry run
    assert Round.objects.filter(pk=review_round.pk).exists()
    assert "Would remove" in capsys.readouterr().out

    call_command(
        "purge_round", review_round.pk, "--confirm", "--by", coordinator.email, "--reason", "test data"
    )

    assert not Round.objects.filter(pk=review_round.pk).exists()
    assert (
        not EvidenceFile.objects.filter(pk=evidence.pk).exists()
        and not ReportPdf.objects.filter(pk=pdf.pk).exists()
    )
    assert not Answer.objects.filter(prereport__round_id=review_round.pk).exists()
    assert not any(os.path.exists(path) for path in paths)
    purge = AuditEntry.objects.get(event=E.PURGE)
    assert (purge.actor, purge.round_id, purge.reason) == (coordinator, review_round.pk, "test data")
    assert purge.additional_data["files"] == 2
    assert purge.additional_data["rows"]["peerreview.Round"] == 1
    # the trail of the round outlives it
    assert AuditEntry.objects.filter(round_id=review_round.pk).count() == rows_before + 1


@pytest.mark.django_db
def test_a_round_with_a_repeat_round_is_not_purged_and_says_why():
    first = factories.RoundFactory(state=RoundState.PUBLISHED)
    factories.RoundFactory(previous_round=first, host_city=first.host_city)

    with pytest.raises(CommandError, match="refers to this round"):
        call_command("purge_round", first.pk, "--confirm")
    assert Round.objects.filter(pk=first.pk).exists()
    assert not AuditEntry.objects.filter(event=E.PURGE).exists()


@pytest.mark.django_db
def test_the_back_office_never_deletes_a_round(client, personas):
    client.force_login(factories.CoordinatorFactory(is_superuser=True))
    url = reverse("admin:peerreview_round_delete", args=[personas.review_round.pk])

    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = client.post(
        reverse("admin:peerreview_round_changelist"),
        {"action": "delete_selected", "_selected_action": [personas.review_round.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert Round.objects.filter(pk=personas.review_round.pk).exists()
