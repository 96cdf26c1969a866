"""`|as_field`: crispy-forms' `|as_crispy_field`, in Python for the plain fields.

The editing pages show one or two text fields per criterion; crispy's field template (a dozen
nested conditions and includes per field) was a large part of their server time."""

from __future__ import annotations

from collections.abc import Sequence

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import template
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ..forms.renderer import plain_field

register = template.Library()


@register.filter
def as_field(field: BoundField) -> str:
    """The field as `|as_crispy_field` renders it: label, widget, errors and help text."""
    html = plain_field(field)
    return as_crispy_field(field) if html is None else html


@register.simple_tag
def level_radios(options: list[dict], name: str, errors: Sequence[str]) -> SafeString:
    """The pre-report's self-score options, each with the criterion's descriptor
    (AnswerForm.level_options): over a hundred per page, a large share of its rendering time
    as a template loop."""
    invalid_class, aria_invalid = (" is-invalid", mark_safe(' aria-invalid="true"')) if errors else ("", "")
    return mark_safe(
        "".join(
            format_html(
                '\n      <div class="form-check descriptor-option">\n'
                '        <input class="form-check-input{}" type="radio" name="{}" id="{}" value="{}"{}{}>\n'
                '        <label class="form-check-label" for="{}"><span class="fw-semibold">{}</span>{}</label>\n'
                "      </div>",
                invalid_class,
                name,
                option["id"],
                option["value"],
                mark_safe(" checked") if option["checked"] else "",
                aria_invalid,
                option["id"],
                option["label"],
                format_html('<span class="d-block descriptor-text">{}</span>', option["description"])
                if option["description"]
                else "",
            )
            for option in options
        )
    )
