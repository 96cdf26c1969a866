"""Real files of each accepted evidence type, and hostile ones, for upload and download tests."""

from __future__ import annotations

import io
import zipfile

from demo.management.commands.seed_demo import minimal_pdf


def pdf_bytes(title: str = "Procurement strategy") -> bytes:
    """A valid one-page PDF."""
    return minimal_pdf(title, ["Evidence for the pre-report."])


CONTENT_TYPES = {
    ".docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    ".xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    ".pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


def office_bytes(
    suffix: str = ".docx",
    *,
    extra: dict[str, bytes] | None = None,
    main_type: str | None = None,
    content_types: bool = True,
) -> bytes:
    """A small Office Open XML package: [Content_Types].xml, the main part, extra entries."""
    part, default_type = CONTENT_TYPES[suffix]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        if content_types:
            package.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/{part}" ContentType="{main_type or default_type}"/></Types>',
            )
        package.writestr(part, "<document>Evidence</document>")
        for name, content in (extra or {}).items():
            package.writestr(name, content)
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()
