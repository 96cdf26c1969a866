"""The report's long texts: a small, safe Markdown subset rendered the same on the web page, in
the PDF and (as Word paragraphs) in the .docx.

What a writer may use: paragraphs (a blank line), single line breaks, bulleted ("- item") and
numbered ("1. item") lists, **bold**, *italic*, [links](https://…) and a passage in another
language as ``<span lang="sv">…</span>`` (screen readers and the PDF then read it in that language).
Anything else stays text: markdown-it-py parses with every other rule switched off (no
headings, images, code blocks, tables or raw HTML blocks), and nh3 (Ammonia) keeps only the tags
and attributes listed here, so neither a typed tag nor a crafted link reaches the page.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import nh3
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "a", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"lang"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
# Rules markdown-it keeps on; everything else in CommonMark is off.
BLOCK_RULES = ["paragraph", "list"]
INLINE_RULES = ["emphasis", "link", "autolink", "newline", "escape", "entity", "html_inline", "text"]


SPAN_OPEN = re.compile(r"""<span\s+lang\s*=\s*["']?([A-Za-z-]+)["']?\s*>""", re.IGNORECASE)
SPAN_CLOSE = re.compile(r"</span\s*>", re.IGNORECASE)


def _inline_html(self, tokens, index, options, env) -> str:
    """Only ``<span lang>`` and ``</span>`` pass as markup; any other typed tag is shown as text."""
    content = tokens[index].content
    if SPAN_OPEN.fullmatch(content) or SPAN_CLOSE.fullmatch(content):
        return content
    return escape(content)


@functools.cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"html": True, "breaks": True, "linkify": False, "typographer": False})
    parser.enable(BLOCK_RULES + INLINE_RULES)
    parser.add_render_rule("html_inline", _inline_html)
    return parser


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "span" and attribute == "lang":
        return value if value in LANGUAGE_CODES else None
    return value


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@functools.lru_cache(maxsize=2048)
def _render(text: str) -> str:
    return sanitise(_parser().render(text)).strip()


def render_markdown(text: str | None) -> SafeString:
    """The text as sanitised HTML (paragraphs, lists, emphasis, links), "" for no text."""
    if not text or not text.strip():
        return mark_safe("")
    return mark_safe(_render(text.replace("\r\n", "\n")))  # noqa: S308 - sanitised by nh3 above


# --- the same text as runs and paragraphs, for the Word document ------------------------------


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    href: str = ""
    lang: str = ""


@dataclass
class Block:
    """A paragraph, or an item of a bulleted ("bullet") or numbered ("ordered") list."""

    runs: list[Run] = field(default_factory=list)
    list_kind: str = ""
    level: int = 0


def markdown_blocks(text: str | None) -> list[Block]:
    """The text as paragraphs of styled runs (what `render_markdown` shows, for python-docx)."""
    if not text or not text.strip():
        return []
    blocks: list[Block] = []
    lists: list[str] = []
    for token in _parser().parse(text.replace("\r\n", "\n")):
        if token.type == "bullet_list_open":
            lists.append("bullet")
        elif token.type == "ordered_list_open":
            lists.append("ordered")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "inline":
            block = Block(list_kind=lists[-1] if lists else "", level=max(len(lists) - 1, 0))
            block.runs = _runs(token.children or [])
            blocks.append(block)
    return blocks


def _runs(children) -> list[Run]:
    runs: list[Run] = []
    bold = italic = 0
    href = ""
    langs: list[str] = []
    for child in children:
        if child.type == "strong_open":
            bold += 1
        elif child.type == "strong_close":
            bold -= 1
        elif child.type == "em_open":
            italic += 1
        elif child.type == "em_close":
            italic -= 1
        elif child.type == "link_open":
            target = str(child.attrs.get("href", ""))
            href = target if target.split(":", 1)[0].lower() in URL_SCHEMES else ""
        elif child.type == "link_close":
            href = ""
        elif child.type in ("softbreak", "hardbreak"):
            runs.append(Run(text="\n"))
        elif child.type == "html_inline" and SPAN_OPEN.fullmatch(child.content):
            lang = SPAN_OPEN.fullmatch(child.content).group(1)
            langs.append(lang if lang in LANGUAGE_CODES else "")
        elif child.type == "html_inline" and SPAN_CLOSE.fullmatch(child.content):
            if langs:
                langs.pop()
        elif child.type in ("text", "code_inline", "html_inline") and child.content:
            runs.append(
                Run(
                    text=child.content,
                    bold=bold > 0,
                    italic=italic > 0,
                    href=href,
                    lang=next((lang for lang in reversed(langs) if lang), ""),
                )
            )
    return runs


# --- CSS strings ------------------------------------------------------------------------------


def css_string(value: object) -> SafeString:
    """`value` for the inside of a double-quoted CSS string in a <style> element (the PDF's
    running header and footer): every character but letters, digits and spaces as a CSS hex
    escape ended by the one space CSS consumes after it. (`escapejs` wrote JavaScript escapes,
    which CSS prints as "u002D".)"""
    out = []
    for char in str(value):
        if char.isalnum() or char == " ":
            out.append(char)
        else:
            out.append(f"\\{ord(char):X} ")
    return mark_safe("".join(out))  # noqa: S308 - nothing but letters, digits, spaces and escapes
