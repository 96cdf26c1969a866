"""Every stored file (evidence, report PDFs, anything under MEDIA_ROOT) leaves the server
through a view that has checked access first (`permissions.round_access` and its rules), then
through `attachment()` here. There is no /media/ URL, in DEBUG either: storage names are random
and never shown, and the browser gets the original name only as the download's file name."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

# Characters a file name in a header or on a user's disk must not carry.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_filename(name: str, *, default: str = "download") -> str:
    """The original name as a download name: no path, no control characters, quotes,
    separators or characters Windows refuses; not hidden (no leading dot); at most 150 characters
    (the extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = PurePosixPath(name.replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" ._")
    if not name:
        return default
    path = PurePosixPath(name)
    suffix = path.suffix[:16]
    stem = name[: len(name) - len(path.suffix)] if path.suffix else name
    return stem[: 150 - len(suffix)] + suffix


def attachment(field_file: FieldFile, filename: str, *, content_type: str | None = None) -> FileResponse:
    """A stored file as a download: attachment with a safe name, nosniff, never cached."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404(_("The file is no longer stored.")) from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_filename(filename),
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
