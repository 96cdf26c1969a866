"""Loading evaluation frameworks from data files.

Framework content lives in versioned JSON (``peerreview/data/``) rather than in migrations, so that the
wording can be reviewed and translated like any other text and a new version can be shipped without a
schema change. Loading is idempotent because a round keeps the framework version it started with: an
existing version is never touched, a change of wording is a new version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from ..models import MATURITY_LEVELS, Criterion, Framework, Indicator, LevelDescriptor, Theme

DEFAULT_FRAMEWORK_PATH = Path(__file__).resolve().parent.parent / "data" / "default_framework.json"

# The languages every text is stored in (modeltranslation adds one column per language).
LANGUAGES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)
LEVELS: tuple[int, ...] = tuple(level for level, _label in MATURITY_LEVELS)

Translations = dict[str, str]


class FrameworkDataError(ValueError):
    """The framework data is incomplete; raised before anything is written."""


@dataclass(frozen=True)
class LoadResult:
    """What a load did, so a command can report it without counting queries of its own."""

    framework: Framework
    created: bool


def _translated(
    field: str, texts: Translations | None, where: str, *, required: bool = True
) -> dict[str, str]:
    """Spread ``{"en": ..., "fi": ...}`` onto ``field_en``, ``field_fi`` ... keyword arguments.

    Every language is required for required fields: a missing translation would silently fall back to
    English in a Finnish or Swedish report, which is worse than failing the load.
    """
    texts = texts or {}
    values: dict[str, str] = {}
    for lang in LANGUAGES:
        text = (texts.get(lang) or "").strip()
        if required and not text:
            raise FrameworkDataError(f"{where}: {field} has no {lang} text.")
        values[f"{field}_{lang}"] = text
    return values


def _descriptor_texts(criterion: dict[str, Any], scored: bool, where: str) -> dict[int, Translations]:
    """Descriptors keyed by level; a scored criterion needs one per maturity level, since
    evaluators score by descriptor and a missing level could not be chosen."""
    raw = criterion.get("descriptors") or {}
    descriptors = {int(level): texts for level, texts in raw.items()}
    unknown = set(descriptors) - set(LEVELS)
    if unknown:
        raise FrameworkDataError(f"{where}: unknown maturity levels {sorted(unknown)}.")
    if scored and set(descriptors) != set(LEVELS):
        raise FrameworkDataError(f"{where}: a scored criterion needs descriptors for levels {list(LEVELS)}.")
    return descriptors


def _create_framework(data: dict[str, Any]) -> Framework:
    """Write one framework version with its whole tree; the caller holds the transaction."""
    slug, version = data["slug"], int(data["version"])
    framework = Framework.objects.create(
        slug=slug,
        version=version,
        **_translated("name", data.get("name"), slug),
        **_translated("description", data.get("description"), slug, required=False),
    )
    descriptors: list[LevelDescriptor] = []
    for theme_order, theme_data in enumerate(data.get("themes", []), start=1):
        scored = bool(theme_data.get("is_scored", True))
        theme = Theme.objects.create(
            framework=framework,
            code=theme_data["code"],
            is_scored=scored,
            order=theme_order,
            **_translated("title", theme_data.get("title"), theme_data["code"]),
            **_translated("description", theme_data.get("description"), theme_data["code"], required=False),
        )
        for criterion_order, criterion_data in enumerate(theme_data.get("criteria", []), start=1):
            where = criterion_data["code"]
            level_texts = _descriptor_texts(criterion_data, scored, where)
            criterion = Criterion.objects.create(
                theme=theme,
                code=criterion_data["code"],
                order=criterion_order,
                **_translated("title", criterion_data.get("title"), where),
                **_translated("guidance", criterion_data.get("guidance"), where),
            )
            descriptors.extend(
                LevelDescriptor(
                    criterion=criterion,
                    level=level,
                    **_translated("text", texts, f"{where} level {level}"),
                )
                for level, texts in sorted(level_texts.items())
            )
    LevelDescriptor.objects.bulk_create(descriptors)
    Indicator.objects.bulk_create(
        Indicator(
            framework=framework,
            code=indicator["code"],
            unit=indicator.get("unit", ""),
            order=order,
            **_translated("name", indicator.get("name"), indicator["code"]),
        )
        for order, indicator in enumerate(data.get("indicators", []), start=1)
    )
    return framework


def ensure_framework(data: dict[str, Any]) -> LoadResult:
    """Create the framework version described by ``data`` unless it already exists.

    All of it is written in one transaction, so a failed load never leaves a half-built framework that
    a coordinator could offer for a new round.
    """
    slug, version = data["slug"], int(data["version"])
    existing = Framework.objects.filter(slug=slug, version=version).first()
    if existing is not None:
        return LoadResult(existing, created=False)
    try:
        with transaction.atomic():
            return LoadResult(_create_framework(data), created=True)
    except IntegrityError:
        # Another process loaded the same version between our check and our insert.
        existing = Framework.objects.filter(slug=slug, version=version).first()
        if existing is None:
            raise
        return LoadResult(existing, created=False)


def load_framework(data: dict[str, Any]) -> Framework:
    """Return the framework version described by ``data``, creating it on first load only."""
    return ensure_framework(data).framework


def read_framework_file(path: Path = DEFAULT_FRAMEWORK_PATH) -> dict[str, Any]:
    """Read a framework data file (UTF-8 JSON)."""
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_default_framework() -> Framework:
    """Load the framework shipped with the project, so a fresh installation can open rounds at once."""
    return load_framework(read_framework_file())
