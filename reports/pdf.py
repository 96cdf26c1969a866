"""The report as a tagged PDF (WeasyPrint, PDF/UA-1): rendering, storing and finding the
current file.

- `render_html(review_round)` is the HTML the PDF is made of (`templates/reports/pdf.html`,
  in the round's language); its hash decides whether a draft's PDF is still current, so a
  change to the report *or* to the template triggers a new render.
- `ensure_pdf(report)` renders only when needed: a draft when its content hash changed or its
  file is missing or broken; a published report once, as a final version that is never
  overwritten (a new version is made only if the stored file is lost or damaged, or when a
  name it may show has been removed since — consent withdrawn, a person erased —, and then
  the earlier final versions and their files go).
- `current_pdf(report)` is what a download may serve; it never renders.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation

from peerreview.models import Round

from .document import report_document
from .models import ReportPdf, SummaryReport

logger = logging.getLogger(__name__)

# Bump when the rendering pipeline changes in a way the HTML does not show.
LAYOUT_VERSION = "3"
# WeasyPrint writes PDF/A-2a (tags, sRGB output intent, identification); reports.pdf_ua then
# fixes what PDF/UA-1 needs beyond that and adds its identification.
PDF_VARIANT = "pdf/a-2a"


def render_html(review_round: Round) -> str:
    """The PDF's HTML, in the report's language whatever the reader's or the worker's.
    Raises SummaryReport.DoesNotExist."""
    document = report_document(review_round)
    with translation.override(document.language):
        return render_to_string("reports/pdf.html", {"document": document, "review_round": review_round})


def content_hash(html: str) -> str:
    import weasyprint

    digest = hashlib.sha256()
    digest.update(f"{LAYOUT_VERSION}|{weasyprint.__version__}|{PDF_VARIANT}|".encode())
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()


def base_url() -> str:
    return str(settings.BASE_DIR)


def write_pdf(html: str) -> bytes:
    """WeasyPrint on the report's HTML: a tagged PDF/UA-1 document."""
    return _layout_and_write(html)[0]


def _layout_and_write(html: str) -> tuple[bytes, int]:
    """The PDF and its page count from one layout (no second parse of the PDF)."""
    from weasyprint import HTML

    from .pdf_ua import finish, tag_languages

    tag_languages()
    document = HTML(string=html, base_url=base_url()).render(pdf_variant=PDF_VARIANT)
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return finish(pdf, html=html, language=html_language(html)), len(document.pages)


def html_language(html: str) -> str:
    """The language the report's HTML declares on its root element."""
    match = re.search(r"<html[^>]*\blang=\"([A-Za-z-]+)\"", html)
    return match.group(1) if match else settings.LANGUAGE_CODE


@dataclass
class Rendered:
    html: str
    sha256: str
    pdf: bytes
    page_count: int


def render_pdf(review_round: Round) -> Rendered:
    """The full render, no cache: HTML, hash, WeasyPrint, page count."""
    html = render_html(review_round)
    pdf, pages = _layout_and_write(html)
    return Rendered(html=html, sha256=content_hash(html), pdf=pdf, page_count=pages)


# --- checking stored files ------------------------------------------------------------------


def looks_like_pdf(stored: ReportPdf) -> bool:
    """Cheap check for downloads: the file exists, starts with %PDF and ends with %%EOF."""
    try:
        with stored.file.open("rb") as handle:
            head = handle.read(5)
            handle.seek(0, io.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 1024))
            tail = handle.read()
    except (OSError, ValueError):
        return False
    return head == b"%PDF-" and b"%%EOF" in tail


def is_readable_pdf(stored: ReportPdf) -> bool:
    """Thorough check: the cheap one, then pypdf reads every page."""
    if not looks_like_pdf(stored):
        return False
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with stored.file.open("rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
            return len(reader.pages) > 0
    except (OSError, ValueError, PyPdfError):
        return False


# --- the current PDF ------------------------------------------------------------------------


def _latest(report: SummaryReport, *, final: bool) -> ReportPdf | None:
    return report.pdfs.filter(is_final=final).order_by("-version").first()


def shows_removed_names(report: SummaryReport, stored: ReportPdf) -> bool:
    """Whether a final PDF was rendered before a name it may show was removed (an interviewee
    withdrew consent or was anonymised, a panel member was erased: Round.names_changed_at)."""
    changed = report.round.names_changed_at
    return changed is not None and (stored.names_as_of is None or stored.names_as_of < changed)


def reports_showing_removed_names() -> list[int]:
    """Ids of published reports whose latest final PDF was made before a name was removed."""
    from django.db.models import Exists, F, OuterRef, Q, Subquery

    latest_final = ReportPdf.objects.filter(report=OuterRef("pk"), is_final=True).order_by("-version")
    return list(
        SummaryReport.objects.filter(published_at__isnull=False, round__names_changed_at__isnull=False)
        .annotate(has_final=Exists(latest_final), as_of=Subquery(latest_final.values("names_as_of")[:1]))
        .filter(has_final=True)
        .filter(Q(as_of__isnull=True) | Q(as_of__lt=F("round__names_changed_at")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def current_pdf(report: SummaryReport, *, html: str | None = None) -> ReportPdf | None:
    """The stored PDF a download may serve, or None. Never renders a PDF: a published
    report's final version if its file is sound and shows no name removed since; a draft's
    latest version if its hash matches the report's HTML now (rendering the HTML, not the
    PDF, is a template render)."""
    if report.is_published:
        stored = _latest(report, final=True)
        if stored is None or shows_removed_names(report, stored):
            return None
        return stored if looks_like_pdf(stored) else None
    stored = _latest(report, final=False)
    if stored is None or not looks_like_pdf(stored):
        return None
    if html is None:
        html = render_html(report.round)
    return stored if stored.sha256 == content_hash(html) else None


def _store(report: SummaryReport, rendered: Rendered, *, final: bool) -> ReportPdf:
    version = (report.pdfs.aggregate(highest=Max("version"))["highest"] or 0) + 1
    stored = ReportPdf(
        report=report,
        version=version,
        sha256=rendered.sha256,
        page_count=rendered.page_count,
        is_final=final,
        # read with the report's row lock, before the render read any name
        names_as_of=report.round.names_changed_at,
    )
    kind = "final" if final else "draft"
    stored.file.save(f"report-{report.round_id}-v{version}-{kind}.pdf", ContentFile(rendered.pdf), save=False)
    stored.save()
    return stored


def _discard_drafts(report: SummaryReport, keep: ReportPdf) -> None:
    """Older draft versions are of no use once a newer one (or the final) exists."""
    for old in report.pdfs.filter(is_final=False).exclude(pk=keep.pk):
        name = old.file.name
        old.delete()
        if name:
            transaction.on_commit(lambda name=name, storage=old.file.storage: storage.delete(name))


def _discard_older_finals(report: SummaryReport, keep: ReportPdf) -> None:
    """Earlier final versions, rows and files, once a new final is made without removed names."""
    for old in report.pdfs.filter(is_final=True).exclude(pk=keep.pk):
        name = old.file.name
        old.delete()
        if name:
            transaction.on_commit(lambda name=name, storage=old.file.storage: storage.delete(name))


def _current_stored(report: SummaryReport, digest: str | None) -> ReportPdf | None:
    """The stored PDF that needs no new render: a published report's sound final version that
    shows no removed names, or a draft's latest version when its hash is `digest` and it reads."""
    if report.is_published:
        stored = _latest(report, final=True)
        stale = stored is not None and shows_removed_names(report, stored)
        if stored is not None and not stale and is_readable_pdf(stored):
            return stored  # frozen: never re-rendered, whatever else changed since
        if stale:
            logger.info(
                "Final PDF %s of report %s may show removed names: rendering again", stored, report.pk
            )
        elif stored is not None:
            logger.warning(
                "Final PDF %s of report %s is missing or broken: rendering again", stored, report.pk
            )
        return None
    stored = _latest(report, final=False)
    return stored if stored is not None and stored.sha256 == digest and is_readable_pdf(stored) else None


def ensure_pdf(report: SummaryReport) -> ReportPdf:
    """The report's current PDF, rendered only when needed (see the module's doc).

    WeasyPrint runs outside any transaction (seconds; on SQLite, the demo, a reader holding a
    transaction that long blocks every writer); the result is stored under the report's row lock
    after checking again, so two renders at once store one version (the later one is dropped)."""
    report = SummaryReport.objects.select_related("round").get(pk=report.pk)
    html = None if report.is_published else render_html(report.round)
    digest = None if html is None else content_hash(html)
    stored = _current_stored(report, digest)
    if stored is not None:
        return stored
    if html is None:
        rendered = render_pdf(report.round)
    else:
        pdf, pages = _layout_and_write(html)
        rendered = Rendered(html, digest, pdf, pages)
    with transaction.atomic():
        report = (
            SummaryReport.objects.select_for_update(of=("self",)).select_related("round").get(pk=report.pk)
        )
        published_meanwhile = report.is_published and html is not None
        if not published_meanwhile:
            stored = _current_stored(report, rendered.sha256)
            if stored is None:
                previous = _latest(report, final=True) if report.is_published else None
                stale = previous is not None and shows_removed_names(report, previous)
                stored = _store(report, rendered, final=report.is_published)
                _discard_drafts(report, keep=stored)
                if stale:
                    _discard_older_finals(report, keep=stored)  # they hold the names
            return stored  # ours, or the same one stored by someone else meanwhile
    # Published while the draft was rendering: the final version is rendered afresh.
    return ensure_pdf(report)
