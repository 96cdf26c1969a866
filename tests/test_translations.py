"""The interface is complete in Finnish and Swedish, and the catalogues match the code.

- every message in locale/{fi,sv}/LC_MESSAGES/django.po is translated and none is fuzzy;
- placeholders and plural forms are kept;
- the tracked .mo files say the same as the .po files (the demo runs without gettext);
- the catalogues hold exactly the strings the code marks for translation: `makemessages`
  is run on a temporary copy of the project and its message ids are compared;
- activating "fi" or "sv" translates the interface.

When a test here fails after you added or changed a string: run `make messages`, translate
the new entries in both .po files (remove `#, fuzzy` only after checking), then
`python manage.py compilemessages`.
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
LANGUAGES = ["fi", "sv"]
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

# Keep in step with MESSAGES_IGNORE in the Makefile (`make messages`).
MAKEMESSAGES_IGNORE = [
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "static/vendor",
    "staticfiles",
    "media",
    "tests",
    "bench",
    "test-artifacts",
]


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def describe(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the live (not obsolete) entries of a .po file.

    Enough of the PO format for gettext's own output: entries separated by blank lines,
    comments (`#,` flags kept), keywords with C-quoted strings and continuation lines.
    Obsolete entries (`#~`) are left out: gettext keeps them for reuse only.
    """
    entries: list[Entry] = []
    current = Entry()
    field_name: str | None = None

    def finish() -> None:
        nonlocal current, field_name
        if field_name is not None:
            entries.append(current)
        current, field_name = Entry(), None

    def append(name: str, value: str) -> None:
        if name.startswith("msgstr"):
            index = int(name[7:-1]) if name != "msgstr" else 0
            current.msgstr[index] = current.msgstr.get(index, "") + value
        elif name == "msgctxt":
            current.msgctxt = (current.msgctxt or "") + value
        elif name == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + value
        else:
            current.msgid += value

    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue  # references, comments, previous msgids, obsolete entries
        elif line.startswith('"'):
            assert field_name is not None, f"{path}:{number}: continuation line without a keyword"
            append(field_name, ast.literal_eval(line))
        else:
            match = keyword.match(line)
            assert match, f"{path}:{number}: cannot parse {raw!r}"
            name, text = match.groups()
            if name in ("msgctxt", "msgid") and field_name is not None and field_name.startswith("msgstr"):
                finish()  # a new entry without a blank line before it
            if field_name is None:
                current.line = number
            field_name = name
            append(name, ast.literal_eval(text))
    finish()
    header = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(header) == 1, f"{path}: expected one header entry"
    return header[0], [entry for entry in entries if entry is not header[0]]


def po_path(language: str, root: Path | None = None) -> Path:
    return (root or LOCALE_DIR) / language / "LC_MESSAGES" / "django.po"


PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%%|\{[^{}]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_header_declares_language_and_plural_forms(language):
    header, _ = parse_po(po_path(language))
    fields = dict(line.split(": ", 1) for line in header.msgstr.get(0, "").splitlines() if ": " in line)
    assert "fuzzy" not in header.flags, "the header is marked fuzzy"
    assert fields.get("Language") == language
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == PLURAL_FORMS


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    _, entries = parse_po(po_path(language))
    assert entries, f"the {language} catalogue is empty"
    fuzzy = [entry.describe() for entry in entries if "fuzzy" in entry.flags]
    untranslated = []
    for entry in entries:
        forms = 2 if entry.msgid_plural is not None else 1
        if any(not entry.msgstr.get(index, "").strip() for index in range(forms)):
            untranslated.append(entry.describe())
    assert not fuzzy, f"{len(fuzzy)} fuzzy message(s) in {language}:\n" + "\n".join(fuzzy)
    assert not untranslated, f"{len(untranslated)} untranslated message(s) in {language}:\n" + "\n".join(
        untranslated
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders(language):
    _, entries = parse_po(po_path(language))
    problems = []
    for entry in entries:
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            if placeholders(text) != placeholders(source):
                problems.append(f"{entry.describe()} msgstr[{index}] {text!r}")
    assert not problems, "placeholders differ from the English:\n" + "\n".join(problems)


def test_finnish_and_swedish_catalogues_hold_the_same_messages():
    fi = {entry.key for entry in parse_po(po_path("fi"))[1]}
    sv = {entry.key for entry in parse_po(po_path("sv"))[1]}
    assert fi == sv, f"only in fi: {sorted(fi - sv, key=str)}; only in sv: {sorted(sv - fi, key=str)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    """The tracked .mo says what the .po says: run compilemessages after editing a .po file."""
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `python manage.py compilemessages`"
    with mo_path.open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    _, entries = parse_po(po_path(language))
    stale = []
    for entry in entries:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                found = [compiled.gettext(entry.msgid)]
            else:
                found = [compiled.pgettext(entry.msgctxt, entry.msgid)]
        elif entry.msgctxt is None:
            found = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        else:
            found = [compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        if found != [entry.msgstr.get(index) for index in range(len(found))]:
            stale.append(entry.describe())
    assert not stale, (
        f"{mo_path.name} for {language} is out of date with the .po file "
        f"(run `python manage.py compilemessages`):\n" + "\n".join(stale[:20])
    )


def _copy_project(destination: Path) -> None:
    ignored = {os.path.normpath(pattern) for pattern in MAKEMESSAGES_IGNORE}
    ignored |= {"locale", ".pytest_cache", ".ruff_cache"}

    def ignore(directory: str, names: list[str]) -> set[str]:
        relative = os.path.relpath(directory, BASE_DIR)
        skip = {name for name in names if name == "__pycache__"}
        for name in names:
            path = os.path.normpath(os.path.join(relative, name))
            if path in ignored:
                skip.add(name)
        return skip

    shutil.copytree(BASE_DIR, destination, ignore=ignore, symlinks=True)


def test_catalogues_are_up_to_date_with_the_code(tmp_path):
    """`makemessages` on a copy of the project finds exactly the messages in the catalogues."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        if os.environ.get("CI"):
            pytest.fail("gettext is not installed (apt-get install gettext)")
        pytest.skip("gettext is not installed (apt-get install gettext)")
    copy = tmp_path / "project"
    _copy_project(copy)
    command = [sys.executable, "manage.py", "makemessages", "--locale", "fi", "--no-location"]
    command += [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "peerreview.config.settings"}
    result = subprocess.run(command, cwd=copy, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    extracted = {entry.key for entry in parse_po(po_path("fi", copy / "locale"))[1]}
    catalogued = {entry.key for entry in parse_po(po_path("fi"))[1]}
    missing = sorted(extracted - catalogued, key=str)
    unused = sorted(catalogued - extracted, key=str)
    assert not missing and not unused, (
        "the catalogues are out of date with the code: run `make messages`, translate, compilemessages.\n"
        f"In the code but not in locale/ ({len(missing)}): {missing}\n"
        f"In locale/ but no longer in the code ({len(unused)}): {unused}"
    )


@pytest.mark.parametrize(
    ("language", "dashboard", "log_in"),
    [("fi", "Työpöytä", "Kirjaudu sisään"), ("sv", "Översikt", "Logga in")],
)
def test_activating_a_language_translates_the_interface(language, dashboard, log_in):
    with translation.override(language):
        assert translation.gettext("Dashboard") == dashboard
        assert translation.gettext("Log in") == log_in
    with translation.override("en"):
        assert translation.gettext("Dashboard") == "Dashboard"


def test_plural_forms_and_contexts_are_used():
    singular_plural = ("%(done)s of %(total)s criterion complete", "%(done)s of %(total)s criteria complete")
    with translation.override("fi"):
        assert translation.ngettext(*singular_plural, 1) % {"done": 1, "total": 1} == "1/1 kriteeri valmiina"
        assert translation.ngettext(*singular_plural, 2) % {"done": 2, "total": 9} == "2/9 kriteeriä valmiina"
        assert translation.pgettext("report status", "DRAFT") == "LUONNOS"
    with translation.override("sv"):
        assert translation.ngettext(*singular_plural, 1) % {"done": 1, "total": 1} == "1 av 1 kriterium klart"
        assert translation.ngettext(*singular_plural, 2) % {"done": 2, "total": 9} == "2 av 9 kriterier klara"
        assert translation.pgettext("report status", "DRAFT") == "UTKAST"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("fi", "Kirjaudu sisään"), ("sv", "Logga in")])
def test_login_page_follows_the_browser_language(client, language, expected):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert f'lang="{language}"' in response.content.decode()
