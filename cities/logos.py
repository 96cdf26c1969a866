"""A city's logo for the report's cover: uploaded by a coordinator in the back office, checked
like the evidence images (extension, size, Pillow verifies the content and refuses
decompression bombs, the content matches the extension), kept in the database (it is small and
is embedded in the report as a data: URI, so it needs no download view)."""

from __future__ import annotations

import base64
import io
import warnings
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 4000
LOGO_FORMATS = {".png": ("PNG", "image/png"), ".jpg": ("JPEG", "image/jpeg"), ".jpeg": ("JPEG", "image/jpeg")}


def validate_logo(upload: IO[bytes], name: str, size: int) -> tuple[bytes, str]:
    """The logo's bytes and content type, or a ValidationError for the person uploading it."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in LOGO_FORMATS:
        raise ValidationError(
            _("Files of type “%(type)s” are not accepted. Allowed: %(allowed)s.")
            % {"type": suffix or _("no extension"), "allowed": ", ".join(sorted(LOGO_FORMATS))},
            code="file_type",
        )
    if size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{LOGO_MAX_BYTES / 1048576:.1f}"},
            code="file_size",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    upload.seek(0)
    data = upload.read()
    from PIL import Image

    expected_format, content_type = LOGO_FORMATS[suffix]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format, (width, height) = image.format, image.size
                image.verify()
    except Exception as error:  # Pillow raises many kinds on hostile input
        raise ValidationError(_("The file is not a readable image."), code="file_content") from error
    if image_format != expected_format:
        raise ValidationError(
            _("The file's content does not match its “%(type)s” extension.") % {"type": suffix},
            code="file_content",
        )
    if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
        raise ValidationError(
            _("The image is %(width)s × %(height)s pixels; at most %(limit)s on each side.")
            % {"width": width, "height": height, "limit": LOGO_MAX_SIDE},
            code="file_size",
        )
    return data, content_type


def data_uri(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64," + base64.b64encode(data).decode("ascii")
