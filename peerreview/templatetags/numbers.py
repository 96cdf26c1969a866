"""`|rounded`: Django's `|floatformat`, kept per language, value and argument.

A report page shows about 150 means and medians; `floatformat` goes through `Decimal` and the
language's number format for each (about 15 µs), and the same few values recur on every page."""

from __future__ import annotations

import functools

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import get_language

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _rounded(language: str | None, kind: type, value, arg) -> str:
    return floatformat(value, arg)


@register.filter
def rounded(value, arg=-1) -> str:
    """`value|floatformat:arg`, the same text: a pure function of the language, value and argument."""
    try:
        return _rounded(get_language(), type(value), value, arg)
    except TypeError:  # not hashable: as Django does it
        return floatformat(value, arg)
