"""Evidence uploads are checked by content, not by their first bytes: PDFs parse and are not
web pages, Office documents are sane zips without macros, images verify; a round has a storage
quota; an oversized request is refused from its Content-Length before its body is read."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peerreview.models import EvidenceFile
from peerreview.services.prereport import add_evidence, validate_evidence_file
from peerreview.services.rounds import prepare_prereport
from tests.files import office_bytes, pdf_bytes, png_bytes
from tests.parallel import in_parallel

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_prereport(personas):
    review_round = personas.review_round
    prereport = prepare_prereport(review_round)
    review_round.state = "prereport_open"
    review_round.save()
    return review_round, prereport


def _check(name: str, content: bytes) -> str:
    """The refusal message, or "" when the file is accepted."""
    try:
        validate_evidence_file(SimpleUploadedFile(name, content))
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def zip_bomb(megabytes: int = 200) -> bytes:
    """A .docx-looking package holding `megabytes` MB of zeros (a few hundred KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
        with package.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    return buffer.getvalue()


def pdf_with_javascript() -> bytes:
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.alert('hello');"))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("strategy.pdf", pdf_bytes()),
        ("strategy.docx", office_bytes(".docx")),
        ("spend.xlsx", office_bytes(".xlsx")),
        ("slides.pptx", office_bytes(".pptx")),
        ("chart.png", png_bytes()),
        ("notes.txt", "Hankintastrategia – Åbo".encode()),
    ],
)
def test_real_files_are_accepted(name, content):
    assert _check(name, content) == ""


def test_zip_bomb_docx_is_refused():
    bomb = zip_bomb(200)
    assert len(bomb) < 1024 * 1024  # 200 MB of zeros packed into a few hundred KB
    assert "zip bomb" in _check("strategy.docx", bomb)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("report.pdf", b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>", "web page"),
        ("report.pdf", b"%PDF-1.4\n<!DOCTYPE html><p>hi</p>", "web page"),
        ("report.pdf", b"%PDF-1.4\n%just a header, no document\n%%EOF\n", "not a readable PDF"),
        ("report.pdf", pdf_with_javascript(), "contains scripts"),
        ("macros.docm", office_bytes(".docx"), "not accepted"),
        ("macros.docx", office_bytes(".docx", extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "macros"),
        (
            "macros.docx",
            office_bytes(".docx", main_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
            "macros",
        ),
        ("plain.docx", office_bytes(".docx", content_types=False), "not a real"),
        ("sheet.docx", office_bytes(".xlsx"), "not a real"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "damaged"),
        (
            "many.xlsx",
            office_bytes(".xlsx", extra={f"xl/part{n}.xml": b"" for n in range(1001)}),
            "too many parts",
        ),
        ("chart.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a readable image"),
    ],
)
def test_hostile_files_are_refused(name, content, expected):
    assert expected in _check(name, content)


def test_refusal_is_shown_at_the_field_and_nothing_is_stored(client, personas, open_prereport):
    review_round, _prereport = open_prereport
    client.force_login(personas.host_member)
    polyglot = b"%PDF-1.4\n<html><script>document.cookie</script></html>"
    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        {"evidence-file": SimpleUploadedFile("plan.pdf", polyglot), "evidence-description": "Our plan"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "it contains a web page" in content and "Our plan" in content
    assert EvidenceFile.objects.count() == 0


def test_over_quota_is_refused_with_a_clear_message(client, settings, personas, open_prereport):
    review_round, prereport = open_prereport
    first = pdf_bytes("First")
    settings.EVIDENCE_ROUND_QUOTA_BYTES = len(first) + 100
    add_evidence(prereport=prereport, upload=SimpleUploadedFile("a.pdf", first), user=personas.host_member)
    client.force_login(personas.host_member)

    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        {"evidence-file": SimpleUploadedFile("b.pdf", pdf_bytes("Second")), "evidence-description": "More"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "does not fit" in content and "Delete files you no longer need" in content
    assert EvidenceFile.objects.count() == 1


def test_oversized_request_is_refused_before_its_body_is_read(client, settings, personas, open_prereport):
    """The request claims more bytes than the limit; the test client's payload raises if anything
    reads past what it holds, so a 413 here means nobody read the body."""
    review_round, _prereport = open_prereport
    personas.host_member.language = "fi"
    personas.host_member.save()
    client.force_login(personas.host_member)
    claimed = settings.UPLOAD_MAX_REQUEST_BYTES + 1

    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        data=b"x" * 1024,
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(claimed),
    )

    assert response.status_code == 413
    assert "Tiedosto on liian suuri" in response.content.decode()  # in the user's language
    assert response["Connection"] == "close"
    assert EvidenceFile.objects.count() == 0


def test_request_within_the_limit_passes(client, settings, personas, open_prereport):
    review_round, _prereport = open_prereport
    client.force_login(personas.host_member)
    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        {"evidence-file": SimpleUploadedFile("plan.pdf", pdf_bytes())},
    )
    assert response.status_code == 302
    assert EvidenceFile.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_uploads_do_not_overrun_the_quota(settings, personas, open_prereport):
    """Two uploads that each fit, but not together, race: exactly one is stored."""
    _review_round, prereport = open_prereport
    content = pdf_bytes("Parallel")
    settings.EVIDENCE_ROUND_QUOTA_BYTES = len(content) * 2 - 1

    def upload(number: int) -> str:
        try:
            add_evidence(
                prereport=prereport,
                upload=SimpleUploadedFile(f"{number}.pdf", content),
                user=personas.host_member,
            )
        except ValidationError:
            return "refused"
        return "stored"

    outcomes = in_parallel(lambda: upload(1), lambda: upload(2))

    assert sorted(outcomes) == ["refused", "stored"]
    assert EvidenceFile.objects.count() == 1
