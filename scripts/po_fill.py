"""Fill Finnish and Swedish translations into locale/*/django.po from a JSON file.

    python scripts/po_fill.py --missing > todo.json   # untranslated or fuzzy entries, as a template
    python scripts/po_fill.py todo.json               # after filling "fi" and "sv" in it

Each JSON item: {"msgid": ..., "msgctxt": null, "msgid_plural": null, "fi": "...", "sv": "..."};
for a plural entry "fi"/"sv" are lists [singular, plural]. Filling clears the fuzzy flag.
Run `make messages` first (new strings) and after (compiles the .mo files).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("fi", "sv")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"), wrapwidth=79)


def missing() -> list[dict]:
    items: dict[tuple, dict] = {}
    for language in LANGUAGES:
        for entry in catalogue(language):
            if entry.obsolete:
                continue
            if entry.translated() and "fuzzy" not in entry.flags:
                continue
            key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
            item = items.setdefault(
                key,
                {"msgid": entry.msgid, "msgctxt": entry.msgctxt, "msgid_plural": entry.msgid_plural or None},
            )
            item[language] = ["", ""] if entry.msgid_plural else ""
    return list(items.values())


def fill(path: str) -> int:
    items = json.loads(Path(path).read_text(encoding="utf-8"))
    filled = 0
    for language in LANGUAGES:
        po = catalogue(language)
        index = {(e.msgctxt, e.msgid, e.msgid_plural or None): e for e in po if not e.obsolete}
        for item in items:
            text = item.get(language)
            if not text:
                continue
            entry = index.get((item.get("msgctxt"), item["msgid"], item.get("msgid_plural") or None))
            if entry is None:
                print(f"not in {language} catalogue: {item['msgid'][:60]!r}", file=sys.stderr)
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = {0: text[0], 1: text[1]}
            else:
                entry.msgstr = text
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
            entry.previous_msgctxt = None
            filled += 1
        po.save()
    return filled


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--missing":
        json.dump(missing(), sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif len(sys.argv) == 2:
        print(f"filled {fill(sys.argv[1])} entries")
    else:
        sys.exit(__doc__)
