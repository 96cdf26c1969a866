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
    # Named, not by their bytes: generated files differ per run (ids, zip times), and every
    # pytest-xdist worker must collect the same test names.
    ids=[
        "pdf-html-script",
        "pdf-html-doctype",
        "pdf-header-only",
        "pdf-javascript",
        "docm",
        "docx-vba",
        "docx-macro-type",
        "docx-no-content-types",
        "xlsx-as-docx",
        "broken-zip",
        "xlsx-too-many-parts",
        "png-unreadable",
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


def test_oversized_upload_is_read_no_further_than_text_can_reach(client, settings, personas, open_prereport):
    """The request claims more bytes than the limit and holds exactly as much as a form's text
    may take, with no file in it; the test client's payload raises if anything reads past what
    it holds, so the answer (400: not a form) means nothing was read further."""
    from peerreview.middleware import text_read_limit

    review_round, _prereport = open_prereport
    client.force_login(personas.host_member)
    claimed = settings.UPLOAD_MAX_REQUEST_BYTES + 1

    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        data=b"x" * text_read_limit(),  # not even a multipart body
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(claimed),
    )

    assert response.status_code == 400
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


# --- a file over the limit does not cost the text typed in the same form ----------------------


def _editor_body_with_a_big_file(client, review_round, *, typed: str, keep_marker: bool = True):
    """The editor's form as the browser sends it (the file input last), with `typed` in the first
    criterion's narrative, and a file part that is only begun: the request claims 30 MB more
    than the body holds, so a parser that read on past the file's start would fail the test."""
    from django.test.client import encode_multipart

    from tests.html_forms import form_data

    page = client.get(reverse("peerreview:prereport_edit", kwargs={"round_id": review_round.pk}))
    fields = form_data(page)
    narrative = next(name for name in fields if name.endswith("-narrative"))
    fields[narrative] = typed
    fields["evidence-description"] = "Our strategy, signed"
    if not keep_marker:
        fields.pop("editor-complete")
    boundary = "EditorAndFileBoundary"
    body = encode_multipart(boundary, fields).removesuffix(f"--{boundary}--\r\n".encode())
    body += (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="evidence-file"; filename="strategy.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"%PDF-1.7\n"
        + bytes(300_000)
    )
    content_type = f"multipart/form-data; boundary={boundary}"
    return narrative, body, content_type, len(body) + 30 * 1024 * 1024


def test_too_large_upload_keeps_and_saves_the_text_typed_with_it(client, personas, open_prereport):
    review_round, prereport = open_prereport
    client.force_login(personas.host_member)
    typed = "Our procurement strategy was adopted by the council in 2025."
    narrative, body, content_type, claimed = _editor_body_with_a_big_file(client, review_round, typed=typed)

    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        data=body,
        content_type=content_type,
        CONTENT_LENGTH=str(claimed),
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "Nothing was uploaded" in page and "the limit is" in page
    assert typed in page  # the editor, with the text
    assert 'value="Our strategy, signed"' in page  # and the upload's own description
    assert EvidenceFile.objects.count() == 0
    criterion_id = int(narrative.split("-")[0].removeprefix("c"))
    assert prereport.answers.get(criterion_id=criterion_id).narrative == typed  # saved
    assert response["Connection"] == "close"


def test_too_large_upload_with_part_of_the_text_shows_it_unsaved(client, personas, open_prereport):
    """Without the marker that follows the editor's fields, not all text is known to have
    arrived: nothing is saved (a missing field would blank a saved one), the text is shown."""
    review_round, prereport = open_prereport
    personas.host_member.language = "fi"
    personas.host_member.save()
    client.force_login(personas.host_member)
    typed = "A draft that must not vanish."
    narrative, body, content_type, claimed = _editor_body_with_a_big_file(
        client, review_round, typed=typed, keep_marker=False
    )

    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        data=body,
        content_type=content_type,
        CONTENT_LENGTH=str(claimed),
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert typed in page
    assert "Mitään ei ladattu" in page  # "Nothing was uploaded", in the user's language
    criterion_id = int(narrative.split("-")[0].removeprefix("c"))
    assert prereport.answers.get(criterion_id=criterion_id).narrative != typed


def test_other_oversized_requests_are_still_refused_unread(client, personas):
    """Only a view marked to keep text is read up to its file; any other gets the plain 413."""
    client.force_login(personas.coordinator)
    response = client.post(
        reverse("peerreview:round_create"),
        data=b"--BoUnDaRy\r\n" + b"x" * 1024,
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413 and "Nothing was uploaded" in response.content.decode()


def test_the_upload_forms_criteria_from_the_editor_are_the_frameworks_and_still_checked(open_prereport):
    """The editor hands the upload form the criteria it holds (`criteria=`), instead of the
    form's own query: the same options in the same order, and a criterion of another framework
    is still refused when posted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from peerreview.forms.prereport import EvidenceUploadForm
    from tests import factories

    review_round, prereport = open_prereport
    framework = review_round.framework
    criteria = [answer.criterion for answer in prereport.answers.select_related("criterion")]
    queried = EvidenceUploadForm(framework=framework, prefix="evidence")
    with CaptureQueriesContext(connection) as listing:
        given = EvidenceUploadForm(framework=framework, criteria=criteria, prefix="evidence")
        shown = str(given["criterion"])
    assert not listing.captured_queries
    assert shown == str(queried["criterion"])
    assert shown.count("<option") == len(criteria) + 1 and len(criteria) > 3

    other = factories.RoundFactory().framework.themes.first().criteria.first()
    posted = EvidenceUploadForm(
        {"evidence-criterion": str(other.pk)}, {}, framework=framework, criteria=criteria, prefix="evidence"
    )
    assert not posted.is_valid() and "criterion" in posted.errors
