"""`|as_field`: crispy-forms' `|as_crispy_field`, in Python for the plain fields.

The editing pages show one or two text fields per criterion; crispy's field template (a dozen
nested conditions and includes per field) was a large part of their server time."""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import template
from django.forms import BoundField

from ..forms.renderer import plain_field

register = template.Library()


@register.filter
def as_field(field: BoundField) -> str:
    """The field as `|as_crispy_field` renders it: label, widget, errors and help text."""
    html = plain_field(field)
    return as_crispy_field(field) if html is None else html
