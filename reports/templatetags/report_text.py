"""The report's texts in templates: Markdown long texts, short texts, each tagged with the
language they are written in when it is not the report's (WCAG 3.1.2; `lang=` becomes the
structure element's /Lang in the PDF), and strings for CSS."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..text import css_string as _css_string
from ..text import render_markdown

register = template.Library()


@register.filter
def markdown(value: str | None) -> SafeString:
    """A long text as sanitised HTML (see reports/text.py for what is allowed)."""
    return render_markdown(value)


@register.filter
def css_string(value: object) -> SafeString:
    return _css_string(value)


@register.simple_tag
def report_text(document, value: str | None, css_class: str = "") -> SafeString:
    """A long text written in the platform: Markdown, in a <div> with the texts' language."""
    body = render_markdown(value)
    classes = f"report-text {css_class}".strip()
    lang = getattr(document, "text_lang", "")
    if lang:
        return format_html('<div class="{}" lang="{}">{}</div>', classes, lang, body)
    return format_html('<div class="{}">{}</div>', classes, body)


@register.simple_tag
def report_phrase(document, value: object) -> SafeString:
    """A short text written in the platform (a title, an owner), in the texts' language."""
    lang = getattr(document, "text_lang", "")
    if lang and value not in (None, ""):
        return format_html('<span lang="{}">{}</span>', lang, value)
    return format_html("{}", value if value is not None else "")
