"""`|as_field`: crispy-forms' `|as_crispy_field`, in Python for the plain fields.

The editing pages show one or two text fields per criterion; crispy's field template (a dozen
nested conditions and includes per field) was a large part of their server time."""

from __future__ import annotations

from collections.abc import Sequence

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
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
    as a template loop, and still 0.37 ms a criterion through `format_html`. Each value is
    escaped as `format_html` escapes it (`conditional_escape`), and the HTML is the same."""
    invalid_class, aria_invalid = (" is-invalid", ' aria-invalid="true"') if errors else ("", "")
    name_html = conditional_escape(name)
    parts = []
    for option in options:
        option_id = conditional_escape(option["id"])
        checked = " checked" if option["checked"] else ""
        description = option["description"]
        described = (
            f'<span class="d-block descriptor-text">{conditional_escape(description)}</span>'
            if description
            else ""
        )
        parts.append(
            '\n      <div class="form-check descriptor-option">\n'
            f'        <input class="form-check-input{invalid_class}" type="radio" name="{name_html}" '
            f'id="{option_id}" value="{conditional_escape(option["value"])}"{checked}{aria_invalid}>\n'
            f'        <label class="form-check-label" for="{option_id}"><span class="fw-semibold">'
            f"{conditional_escape(option['label'])}</span>{described}</label>\n"
            "      </div>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
