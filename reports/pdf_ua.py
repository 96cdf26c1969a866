"""Finishing WeasyPrint's tagged PDF so that it meets PDF/UA-1 (and claims PDF/A-2a).

WeasyPrint tags the document well but leaves a few things a PDF/UA validator (the Matterhorn
protocol) refuses. They are fixed here on the produced file with pikepdf, in one pass:

- header cells (TH) get a ``/Scope`` (Column in a table head, Row elsewhere) — 15-003;
- marked content that no structure element reaches (the running header and footer in the page
  margins) becomes a pagination Artifact — 01-004 / 18-001;
- lists (L) keep only their items: the empty NonStruct WeasyPrint appends is removed;
- structure element ``/ID``\\s are removed (nothing refers to them and there is no IDTree);
- link annotations get a ``/Contents`` that describes the target ("Go to …"), not an anchor id;
- the XMP metadata says PDF/UA-1 next to the PDF/A-2a identification WeasyPrint writes with its
  sRGB output intent; the catalogue's ``/Lang`` is the report's language and the title is shown;
- an element in another language (``lang="en"`` on a Finnish report's text) gets ``/Lang`` on its
  structure element: WeasyPrint 70 does not carry ``lang=`` into the structure tree, so
  `tag_languages()` wraps the function that builds it (the one place that sees both the HTML
  element and its structure element) before the render.

`check_pdf_ua(data)` lists what is still wrong: the tests run it on every rendered report.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pikepdf
from django.utils import translation
from django.utils.translation import gettext

ARTIFACT = pikepdf.Name("/Artifact")
# A BCP 47 language tag as PDF's /Lang takes it (Matterhorn 11-00x: the language must be valid).
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
PAGINATION = pikepdf.Dictionary(Type=pikepdf.Name("/Pagination"))
LIST_CHILDREN = {"/LI", "/Caption"}


# --- reading the structure tree --------------------------------------------------------------


def children(element: pikepdf.Object) -> list:
    kids = element.get("/K") if isinstance(element, pikepdf.Dictionary) else None
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def struct_elements(
    root: pikepdf.Dictionary,
) -> Iterator[tuple[pikepdf.Dictionary, pikepdf.Dictionary | None]]:
    """Every structure element reachable from the root, with its parent element."""
    stack = [(kid, None) for kid in children(root)]
    seen: set[tuple[int, int]] = set()
    while stack:
        element, parent = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue
        if element.is_indirect:
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
        yield element, parent
        stack.extend((kid, element) for kid in children(element))


def reachable_mcids(pdf: pikepdf.Pdf) -> set[tuple[tuple[int, int], int]]:
    """(page, MCID) of every marked-content sequence some reachable structure element owns."""
    owned: set[tuple[tuple[int, int], int]] = set()
    for element, _parent in struct_elements(pdf.Root.StructTreeRoot):
        page = element.get("/Pg")
        for kid in children(element):
            if isinstance(kid, int) and page is not None:
                owned.add((page.objgen, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                kid_page = kid.get("/Pg", page)
                if kid_page is not None:
                    owned.add((kid_page.objgen, int(kid.MCID)))
    return owned


def _attribute_dicts(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    attributes = element.get("/A")
    if attributes is None:
        return []
    if isinstance(attributes, pikepdf.Array):
        return [item for item in attributes if isinstance(item, pikepdf.Dictionary)]
    return [attributes] if isinstance(attributes, pikepdf.Dictionary) else []


# --- link descriptions from the HTML -----------------------------------------------------------


VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
HEADING_TAGS = {f"h{level}" for level in range(1, 7)}


class _AnchorText(HTMLParser):
    """Collects, for each wanted id, its first heading's text and its own text (stdlib parser:
    the HTML5 parser took two thirds of the finishing time)."""

    def __init__(self, anchors: set[str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors = anchors
        self.open: list[dict] = []  # captures in progress: id, depth, text, heading, in_heading
        self.depth = 0
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        if tag in VOID_ELEMENTS:
            return
        self.depth += 1
        anchor = dict(attrs).get("id")
        if anchor and anchor not in self.found and (self.anchors is None or anchor in self.anchors):
            self.open.append({"id": anchor, "depth": self.depth, "text": [], "heading": None, "in": None})
        if tag in HEADING_TAGS:
            for capture in self.open:
                if capture["heading"] is None and capture["in"] is None:
                    capture["in"] = self.depth
                    capture["heading"] = []

    def handle_endtag(self, tag) -> None:
        if tag in VOID_ELEMENTS:
            return
        for capture in self.open:
            if capture["in"] == self.depth:
                capture["in"] = -1  # the first heading is complete
        while self.open and self.open[-1]["depth"] == self.depth:
            capture = self.open.pop()
            parts = capture["heading"] if capture["heading"] else capture["text"]
            self.found[capture["id"]] = " ".join(parts)
        self.depth -= 1

    def handle_data(self, data) -> None:
        for capture in self.open:
            if sum(map(len, capture["text"])) < 400:
                capture["text"].append(data)
            if capture["in"] not in (None, -1):
                capture["heading"].append(data)


def anchor_descriptions(html: str, anchors: set[str] | None = None) -> dict[str, str]:
    """id → a short text naming that place: its heading when it has one, else its own text.

    Only the ``anchors`` asked for (all when None).
    """
    parser = _AnchorText(anchors)
    parser.feed(html)
    parser.close()
    descriptions = {}
    for anchor, text in parser.found.items():
        text = re.sub(r"\s+", " ", text).strip()
        descriptions[anchor] = text[:117] + "…" if len(text) > 120 else text
    return descriptions


def _link_contents(annotation: pikepdf.Dictionary, descriptions: dict[str, str]) -> str:
    action = annotation.get("/A")
    if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/URI":
        return gettext("Opens %(address)s") % {"address": str(action.URI)}
    target = annotation.get("/Dest")
    if target is None and isinstance(action, pikepdf.Dictionary):
        target = action.get("/D")
    name = str(target) if isinstance(target, (pikepdf.String, pikepdf.Name)) else ""
    name = name.lstrip("/")
    place = descriptions.get(name) or name.replace("-", " ")
    return gettext("Go to “%(place)s”") % {"place": place}


# --- languages of parts of the document ---------------------------------------------------------


def tag_languages() -> None:
    """Make WeasyPrint write an HTML element's ``lang`` as its structure element's ``/Lang``.

    Wraps ``weasyprint.pdf.tags._build_box_tree`` (a recursive generator that looks itself up in
    its module, so every level goes through the wrapper): each structure element it yields for a
    box whose element carries ``lang=`` gets ``/Lang``. Idempotent; the structure test fails if a
    WeasyPrint upgrade changes this function.
    """
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import tags

    if getattr(tags._build_box_tree, "tags_languages", False):
        return
    original = tags._build_box_tree

    def build_box_tree(box, *args, **kwargs):
        real = box._box if isinstance(box, AbsolutePlaceholder) else box
        lang = None
        element = getattr(real, "element", None)
        if (
            element is not None
            and getattr(real, "element_tag", None) not in ("html", "body")
            and not isinstance(real, (boxes.PageBox, boxes.MarginBox))
        ):
            lang = element.get("lang")
        for structure_element in original(box, *args, **kwargs):
            if lang and LANGUAGE_TAG.match(lang) and "Lang" not in structure_element:
                structure_element["Lang"] = pydyf.String(lang)
            yield structure_element

    build_box_tree.tags_languages = True
    tags._build_box_tree = build_box_tree


def marked_languages(html: str) -> set[str]:
    """The languages the HTML marks on elements below its root (lang="…")."""
    return set(re.findall(r"<(?!html\b)[a-z][a-z0-9]*\b[^>]*\blang=\"([A-Za-z-]+)\"", html))


# --- the fixes ------------------------------------------------------------------------------


def _fix_structure(pdf: pikepdf.Pdf) -> None:
    for element, parent in list(struct_elements(pdf.Root.StructTreeRoot)):
        if "/ID" in element:
            del element["/ID"]
        kind = element.get("/S")
        if kind == "/TH":
            in_head = parent is not None and parent.get("/P") is not None and parent.P.get("/S") == "/THead"
            scope = pikepdf.Name("/Column") if in_head else pikepdf.Name("/Row")
            tables = [item for item in _attribute_dicts(element) if item.get("/O") == "/Table"]
            if tables:
                tables[0]["/Scope"] = scope
            else:
                element["/A"] = pikepdf.Dictionary(O=pikepdf.Name("/Table"), Scope=scope)
        elif kind == "/L":
            kept = [
                kid
                for kid in children(element)
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") in LIST_CHILDREN
            ]
            dropped = [kid for kid in children(element) if kid not in kept]
            if any(children(kid) for kid in dropped if isinstance(kid, pikepdf.Dictionary)):
                continue  # a non-item child with content: leave it for the checker to report
            element["/K"] = pikepdf.Array(kept)


# How WeasyPrint (pydyf) writes the start of a tagged marked-content sequence.
MARKED_CONTENT = re.compile(rb"/([A-Za-z0-9]+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _artifact_unowned_content(pdf: pikepdf.Pdf) -> None:
    """Marked content no structure element owns becomes a pagination artifact; the parent tree
    stops pointing at the orphaned elements.

    The page streams are edited as bytes (WeasyPrint writes text as hex glyph strings, so the
    pattern cannot occur inside text); parsing every operator with pikepdf took ten times longer.
    The checker below parses them properly and the tests run it on every page.
    """
    owned = reachable_mcids(pdf)
    parent_tree = pdf.Root.StructTreeRoot.get("/ParentTree")
    numbers = parent_tree.get("/Nums") if parent_tree is not None else None
    for page in pdf.pages:
        page_id = page.obj.objgen
        orphaned: set[int] = set()

        def replace(match: re.Match, page_id=page_id, orphaned=orphaned) -> bytes:
            mcid = int(match.group(2))
            if (page_id, mcid) in owned:
                return match.group(0)
            orphaned.add(mcid)
            return b"/Artifact <</Type /Pagination>> BDC"

        contents = page.obj.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        for stream in streams:
            if stream is None:
                continue
            data = stream.read_bytes()
            edited = MARKED_CONTENT.sub(replace, data)
            if edited != data:
                stream.write(edited)
        key = page.obj.get("/StructParents")
        if orphaned and numbers is not None and key is not None:
            for index in range(0, len(numbers), 2):
                if int(numbers[index]) == int(key) and isinstance(numbers[index + 1], pikepdf.Array):
                    entries = numbers[index + 1]
                    for mcid in orphaned:
                        if mcid < len(entries):
                            entries[mcid] = None


def _describe_links(pdf: pikepdf.Pdf, html: str) -> None:
    links = [
        annotation
        for page in pdf.pages
        for annotation in page.obj.get("/Annots") or []
        if annotation.get("/Subtype") == "/Link"
    ]
    targets = {str(link.get("/Dest", "")).lstrip("/") for link in links}
    descriptions = anchor_descriptions(html, targets) if links else {}
    for link in links:
        link.Contents = pikepdf.String(_link_contents(link, descriptions))


def _identify(pdf: pikepdf.Pdf, language: str) -> None:
    pdf.Root.Lang = pikepdf.String(language)
    preferences = pdf.Root.get("/ViewerPreferences")
    if preferences is None:
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    else:
        preferences.DisplayDocTitle = True
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfuaid:part"] = "1"


def finish(data: bytes, *, html: str, language: str) -> bytes:
    """WeasyPrint's PDF/A-2a output made PDF/UA-1 (see the module's doc)."""
    with translation.override(language):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            _artifact_unowned_content(pdf)
            _fix_structure(pdf)
            _describe_links(pdf, html)
            _identify(pdf, language)
            out = io.BytesIO()
            pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
            return out.getvalue()


# --- our own small Matterhorn checker ---------------------------------------------------------


def check_pdf_ua(
    data: bytes, *, language: str | None = None, other_languages: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """What a PDF/UA-1 validator would refuse, for the rules this project has broken before.

    Checks every structure element and every page: TH scope, list children, IDs without an
    IDTree, unowned marked content, link descriptions, Figure alternative text, identification
    (pdfuaid, pdfaid, output intent), document language, title display and Marked; every
    ``/Lang`` is a valid language tag, and each of ``other_languages`` (the languages the HTML
    marks on parts of the text) is on some structure element.
    """
    problems: list[str] = []
    tagged_languages: set[str] = set()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        if "/StructTreeRoot" not in root:
            return ["no structure tree: the PDF is not tagged"]
        has_id_tree = "/IDTree" in root.StructTreeRoot
        for element, _parent in struct_elements(root.StructTreeRoot):
            kind = str(element.get("/S"))
            if kind == "/TH":
                scopes = [
                    item.get("/Scope") for item in _attribute_dicts(element) if item.get("/O") == "/Table"
                ]
                if not any(scope in ("/Row", "/Column", "/Both") for scope in scopes):
                    problems.append("TH without /Scope (Matterhorn 15-003)")
            if kind == "/L":
                for kid in children(element):
                    if not (isinstance(kid, pikepdf.Dictionary) and kid.get("/S") in LIST_CHILDREN):
                        name = kid.get("/S") if isinstance(kid, pikepdf.Dictionary) else type(kid).__name__
                        problems.append(f"L with a {name} child (only LI and Caption are allowed)")
            if "/ID" in element and not has_id_tree:
                problems.append(f"{kind} with /ID but the structure tree has no /IDTree")
            if kind == "/Figure" and not str(element.get("/Alt", "")).strip():
                problems.append("Figure without /Alt (Matterhorn 13-004)")
            if "/Lang" in element:
                value = str(element.Lang)
                if not LANGUAGE_TAG.match(value):
                    problems.append(f"{kind} with an invalid /Lang {value!r} (11-006)")
                tagged_languages.add(value.lower())
        owned = reachable_mcids(pdf)
        for number, page in enumerate(pdf.pages, start=1):
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) != "BDC" or len(operands) != 2:
                    continue
                properties = operands[1]
                if operands[0] == ARTIFACT or not isinstance(properties, pikepdf.Dictionary):
                    continue
                mcid = properties.get("/MCID")
                if mcid is None:
                    problems.append(f"page {number}: tagged content without an MCID")
                elif (page.obj.objgen, int(mcid)) not in owned:
                    problems.append(
                        f"page {number}: content MCID {int(mcid)} is neither an artifact nor in the structure tree (01-004)"
                    )
            for annotation in page.obj.get("/Annots") or []:
                if annotation.get("/Subtype") != "/Link":
                    continue
                contents = str(annotation.get("/Contents", "")).strip()
                destination = str(annotation.get("/Dest", "")).lstrip("/")
                if not contents or contents == destination:
                    problems.append(f"page {number}: link annotation without a description (28-012)")
        meta = pdf.open_metadata()
        if meta.get("pdfuaid:part") != "1":
            problems.append("XMP metadata lacks pdfuaid:part 1 (Matterhorn 06-002)")
        if meta.get("pdfaid:part") != "2" or meta.get("pdfaid:conformance") != "A":
            problems.append("XMP metadata lacks the PDF/A-2a identification")
        if not meta.get("dc:title"):
            problems.append("XMP metadata lacks dc:title (06-003)")
        intents = root.get("/OutputIntents")
        if not intents or not any("/DestOutputProfile" in intent for intent in intents):
            problems.append("no output intent with an ICC profile (PDF/A)")
        lang = str(root.get("/Lang", ""))
        if not lang:
            problems.append("no document /Lang (11-006)")
        elif language and lang.lower() != language.lower():
            problems.append(f"document /Lang is {lang!r}, not the report's language {language!r}")
        for other in sorted(other_languages):
            if other.lower() not in tagged_languages:
                problems.append(f"text marked lang={other!r} has no structure element with /Lang (11-001)")
        preferences = root.get("/ViewerPreferences")
        if preferences is None or not bool(preferences.get("/DisplayDocTitle", False)):
            problems.append("ViewerPreferences /DisplayDocTitle is not true (07-002)")
        mark_info = root.get("/MarkInfo")
        if mark_info is None or not bool(mark_info.get("/Marked", False)):
            problems.append("MarkInfo /Marked is not true (01-002)")
    # One line per distinct problem, with how often it occurs.
    counted: dict[str, int] = {}
    for problem in problems:
        counted[problem] = counted.get(problem, 0) + 1
    return [f"{problem} ×{count}" if count > 1 else problem for problem, count in counted.items()]
