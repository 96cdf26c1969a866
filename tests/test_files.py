"""Stored files leave the server only through views that check access: every file under
MEDIA_ROOT, for every persona, with DEBUG on and off. /media/ is no URL at all; storage names
are random; a download is an attachment with a safe name, nosniff, never cached."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from network.models import SynthesisPdf
from peerreview.downloads import safe_filename
from peerreview.services.prereport import add_evidence
from peerreview.services.rounds import prepare_prereport
from reports.models import ExportFile, ReportPdf
from reports.services import get_or_create_report
from tests.files import pdf_bytes

PERSONAS = ["coordinator", "host_member", "other_city_member", "assigned_evaluator", "unassigned_evaluator"]
ANONYMOUS = "anonymous"

# Every model with a file, the view that serves it, the round state the check runs in and who
# gets the file. A model with a FileField and no row here fails test_every_file_field_has_a_view.
FILE_VIEWS = {
    "peerreview.EvidenceFile": {
        "state": "scoring",
        "url": lambda obj: reverse("peerreview:evidence_download", args=[obj.prereport.round_id, obj.pk]),
        "expected": {
            "coordinator": 200,
            "host_member": 200,
            "other_city_member": 404,
            "assigned_evaluator": 200,
            "unassigned_evaluator": 404,
            ANONYMOUS: 302,
        },
    },
    "reports.ReportPdf": {
        "state": "published",
        "url": lambda obj: reverse("reports:report_pdf", args=[obj.report.round_id]),
        "expected": {
            "coordinator": 200,
            "host_member": 200,
            "other_city_member": 404,
            "assigned_evaluator": 200,
            "unassigned_evaluator": 404,
            ANONYMOUS: 302,
        },
    },
    "reports.ExportFile": {
        "state": "published",
        "url": lambda obj: reverse("reports:export_all_scores") + "?format=xlsx",
        "expected": {
            "coordinator": 200,
            "host_member": 403,
            "other_city_member": 403,
            "assigned_evaluator": 403,
            "unassigned_evaluator": 403,
            ANONYMOUS: 302,
        },
    },
    "network.SynthesisPdf": {
        "state": "published",
        "url": lambda obj: _synthesis_url(obj),
        "expected": {
            "coordinator": 200,
            "host_member": 403,
            "other_city_member": 403,
            "assigned_evaluator": 403,
            "unassigned_evaluator": 403,
            ANONYMOUS: 302,
        },
    },
}


def _synthesis_url(stored) -> str:
    """The synthesis PDF is found by its filters, language and the data now: key the row so."""
    from network.synthesis import SynthesisFilters, data_stamp, published_rounds
    from network.synthesis_pdf import pdf_key

    filters = SynthesisFilters()
    stored.key = pdf_key(filters, "en", data_stamp(published_rounds(filters)))
    stored.save(update_fields=["key"])
    return reverse("network:synthesis_pdf")


def _file_fields() -> set[str]:
    return {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }


def test_every_file_field_has_a_view():
    assert _file_fields() == set(FILE_VIEWS)


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    """DEBUG on or off, with the root URLconf loaded again as it would be at start-up."""
    from peerreview.config import urls

    settings.DEBUG = request.param
    importlib.reload(urls)
    clear_url_caches()
    yield request.param
    settings.DEBUG = False
    importlib.reload(urls)
    clear_url_caches()


@pytest.fixture
def stored_files(personas):
    """One of each stored file: an evidence file and the report's (final) PDF."""
    review_round = personas.review_round
    prereport = prepare_prereport(review_round)
    prereport.submitted_at = timezone.now()
    prereport.save()
    evidence = add_evidence(
        prereport=prereport,
        upload=SimpleUploadedFile("Hankintastrategia 2026.pdf", pdf_bytes(), "application/pdf"),
        user=personas.host_member,
    )
    report = get_or_create_report(review_round)
    report.published_at = timezone.now()
    report.save()
    stored = ReportPdf(report=report, version=1, sha256="0" * 64, page_count=1, is_final=True)
    stored.file.save("report.pdf", ContentFile(pdf_bytes("Summary report")), save=False)
    stored.save()
    synthesis = SynthesisPdf(key="pending", language="en", rendered_at=timezone.now())
    synthesis.file.save("synthesis.pdf", ContentFile(pdf_bytes("Programme synthesis")), save=False)
    synthesis.save()
    export = ExportFile(kind="scores", language="en", requested_at=timezone.now(), rendered_at=timezone.now())
    export.file.save("all-rounds-scores.xlsx", ContentFile(b"PK\x03\x04 a workbook"), save=False)
    export.save()
    return {
        "peerreview.EvidenceFile": evidence,
        "reports.ReportPdf": stored,
        "reports.ExportFile": export,
        "network.SynthesisPdf": synthesis,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
def test_no_file_without_a_permission_check(client, settings, personas, stored_files, debug, persona):
    media_root = Path(settings.MEDIA_ROOT)
    on_disk = {path.relative_to(media_root).as_posix() for path in media_root.rglob("*") if path.is_file()}
    assert on_disk == {obj.file.name for obj in stored_files.values()}  # every file is tested below
    if persona != ANONYMOUS:
        client.force_login(getattr(personas, persona))

    for name in sorted(on_disk):
        response = client.get(f"/{settings.MEDIA_URL.strip('/')}/{name}")
        assert response.status_code == 404, (name, persona, debug)

    for label, obj in stored_files.items():
        spec = FILE_VIEWS[label]
        type(personas.review_round).objects.filter(pk=personas.review_round.pk).update(state=spec["state"])
        response = client.get(spec["url"](obj))
        assert response.status_code == spec["expected"][persona], (label, persona, debug)
        if response.status_code == 200:
            with obj.file.open("rb") as handle:
                assert b"".join(response.streaming_content) == handle.read()
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["X-Content-Type-Options"] == "nosniff"
            assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_storage_names_are_random(stored_files):
    evidence, stored = stored_files["peerreview.EvidenceFile"], stored_files["reports.ReportPdf"]
    assert re.fullmatch(r"evidence/round-\d+/[0-9a-f]{32}\.pdf", evidence.file.name)
    assert "Hankintastrategia" not in evidence.file.name
    assert re.fullmatch(r"reports/[0-9a-f]{32}\.pdf", stored.file.name)
    assert re.fullmatch(r"synthesis/[0-9a-f]{32}\.pdf", stored_files["network.SynthesisPdf"].file.name)
    assert re.fullmatch(r"exports/[0-9a-f]{32}\.xlsx", stored_files["reports.ExportFile"].file.name)


@pytest.mark.django_db
def test_download_has_the_original_name(client, personas, stored_files):
    evidence = stored_files["peerreview.EvidenceFile"]
    client.force_login(personas.host_member)
    response = client.get(
        reverse("peerreview:evidence_download", args=[personas.review_round.pk, evidence.pk])
    )
    assert response["Content-Disposition"] == 'attachment; filename="Hankintastrategia 2026.pdf"'
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plan.pdf", "plan.pdf"),
        ('a"b;c.pdf', "a_b_c.pdf"),
        ("..\\..\\etc/passwd", "passwd"),
        ("line\r\nbreak.docx", "line_break.docx"),
        (".hidden.pdf", "hidden.pdf"),
        ("", "download"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
        ("Åbo strategi ÄÖ.xlsx", "Åbo strategi ÄÖ.xlsx"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.django_db
def test_migration_moves_guessable_pdf_names(personas, settings):
    migration = importlib.import_module("reports.migrations.0004_report_pdf_random_names")
    report = get_or_create_report(personas.review_round)
    stored = ReportPdf(report=report, version=1, sha256="0" * 64, page_count=1)
    guessable = f"reports/round-{personas.review_round.pk}/report-{personas.review_round.pk}-v1-draft.pdf"
    stored.file.name = stored.file.storage.save(guessable, ContentFile(b"%PDF-1.4 x"))
    stored.save()
    assert stored.file.name == guessable

    migration.rename_stored_pdfs(apps, None)

    stored.refresh_from_db()
    assert re.fullmatch(r"reports/[0-9a-f]{32}\.pdf", stored.file.name)
    assert stored.file.storage.exists(stored.file.name) and not stored.file.storage.exists(guessable)
    assert stored.file.open("rb").read() == b"%PDF-1.4 x"
