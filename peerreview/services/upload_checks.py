"""Content checks for uploaded evidence, beyond the first bytes: a file must be what its
extension says, whole, and harmless to open for the panel.

- PDF: no HTML in its first kilobytes (a ``%PDF``-prefixed web page is still a web page),
  pypdf opens it and it has pages; no document-level JavaScript; not locked with a password.
- Office Open XML (docx, xlsx, pptx) and OpenDocument (odt, ods): a zip with a sane number of
  entries, total size once unpacked and compression ratio (zip bombs are refused while being
  unpacked, whatever their headers claim), the package's own parts present, no macros.
- Images: Pillow verifies the file and refuses decompression bombs.

Every check raises `ValidationError` with a message for the person who uploaded the file."""

from __future__ import annotations

import io
import warnings
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PDF_SCAN_BYTES = 8192
HTML_MARKERS = (b"<html", b"<script", b"<!doctype", b"<body", b"<head", b"<iframe", b"<object", b"<embed")

# The part every Office Open XML package of that kind has, besides [Content_Types].xml.
OOXML_MAIN_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml", ".pptx": "ppt/presentation.xml"}
ODF_MIMETYPE = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
MACRO_PARTS = ("vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml")
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="file_content")


def check_content(upload: IO[bytes], suffix: str) -> None:
    """Dispatch on the (already accepted) extension; other types need no deeper check."""
    upload.seek(0)
    try:
        if suffix == ".pdf":
            check_pdf(upload.read())
        elif suffix in OOXML_MAIN_PART or suffix in ODF_MIMETYPE:
            check_office(upload, suffix)
        elif suffix in IMAGE_FORMATS:
            check_image(upload, suffix)
    finally:
        upload.seek(0)


# --- PDF ------------------------------------------------------------------------------------


def check_pdf(data: bytes) -> None:
    head = data[:PDF_SCAN_BYTES].lower()
    if any(marker in head for marker in HTML_MARKERS):
        raise _refuse(_("The file is not a PDF document: it contains a web page."))
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _refuse(_("The PDF is protected with a password; upload a copy without one."))
        pages = len(reader.pages)
        root = reader.trailer["/Root"].get_object()
        scripted = _pdf_has_javascript(root)
    except ValidationError:
        raise
    except FileNotDecryptedError as error:
        raise _refuse(_("The PDF is protected with a password; upload a copy without one.")) from error
    except (PyPdfError, Exception) as error:  # hostile input may break the parser anywhere
        raise _refuse(_("The file is not a readable PDF document.")) from error
    if pages == 0:
        raise _refuse(_("The PDF has no pages."))
    if scripted:
        raise _refuse(
            _("The PDF contains scripts; upload a copy without them (for example, print it to PDF).")
        )


def _pdf_has_javascript(root) -> bool:
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        return True
    action = root.get("/OpenAction")
    if action is not None:
        action = action.get_object()
        if hasattr(action, "get") and action.get("/S") in ("/JavaScript", "/Launch"):
            return True
    return "/AA" in root


# --- Office documents -----------------------------------------------------------------------


def check_office(upload: IO[bytes], suffix: str) -> None:
    try:
        package = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _refuse(
            _("The file is damaged or not a real “%(type)s” document.") % {"type": suffix}
        ) from error
    with package:
        entries = package.infolist()
        if len(entries) > settings.OFFICE_MAX_ENTRIES:
            raise _refuse(
                _("The document has too many parts (%(count)s; at most %(limit)s).")
                % {"count": len(entries), "limit": settings.OFFICE_MAX_ENTRIES}
            )
        names = {entry.filename for entry in entries}
        lowered = {name.lower() for name in names}
        if any(name.rsplit("/", 1)[-1] in MACRO_PARTS for name in lowered) or any(
            name.startswith(("basic/", "scripts/")) for name in lowered
        ):
            raise _refuse(_("The document contains macros; save it without macros and upload it again."))
        _unpack_within_limits(package, entries)
        if suffix in OOXML_MAIN_PART:
            _check_ooxml(package, names, suffix)
        else:
            _check_odf(package, names, suffix)


def _unpack_within_limits(package: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Unpack every entry, counting the real bytes (headers can lie), and stop as soon as the
    total or the compression ratio is over the limit: a zip bomb is never unpacked whole."""
    limit = settings.OFFICE_MAX_UNPACKED_BYTES
    compressed = max(sum(entry.compress_size for entry in entries), 1)
    ratio_limit = settings.OFFICE_MAX_COMPRESSION_RATIO
    total = 0
    too_big = _refuse(
        _(
            "The document unpacks to more than %(limit)s MB or is compressed suspiciously much; "
            "it may be a “zip bomb”. Save it again from your office program and upload it again."
        )
        % {"limit": f"{limit / 1048576:.0f}"}
    )
    try:
        for entry in entries:
            with package.open(entry) as member:
                while chunk := member.read(65536):
                    total += len(chunk)
                    if total > limit or total > compressed * ratio_limit:
                        raise too_big
    except ValidationError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as error:
        raise _refuse(_("The file is damaged or could not be unpacked.")) from error


def _check_ooxml(package: zipfile.ZipFile, names: set[str], suffix: str) -> None:
    if "[Content_Types].xml" not in names or OOXML_MAIN_PART[suffix] not in names:
        raise _refuse(_("The file is not a real “%(type)s” document.") % {"type": suffix})
    content_types = package.read("[Content_Types].xml").lower()
    if b"macroenabled" in content_types or b"vbaproject" in content_types:
        raise _refuse(_("The document contains macros; save it without macros and upload it again."))


def _check_odf(package: zipfile.ZipFile, names: set[str], suffix: str) -> None:
    if "mimetype" not in names or package.read("mimetype").strip() != ODF_MIMETYPE[suffix]:
        raise _refuse(_("The file is not a real “%(type)s” document.") % {"type": suffix})


# --- images ---------------------------------------------------------------------------------


def check_image(upload: IO[bytes], suffix: str) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                image.verify()
    except Exception as error:  # Pillow raises many kinds on hostile input
        raise _refuse(_("The file is not a readable image.")) from error
    if image_format != IMAGE_FORMATS[suffix]:
        raise _refuse(_("The file's content does not match its “%(type)s” extension.") % {"type": suffix})
