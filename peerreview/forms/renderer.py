"""Django's form renderer, with its plainest widget templates written in Python.

The editing pages render hundreds of widgets (a select and a textarea per row of the score
overview, a radio group per criterion of the scoring sheet): through the templates, every
widget is several includes (the input, its attributes, each option and the option's
attributes), which was most of those pages' server time. These functions give the same HTML,
byte for byte, as Django's templates of the same name (tests/test_form_renderer.py compares
them); every other template, and any option whose template is not the stock one, still goes
through the templates.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.forms import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"


def _show(value) -> str:
    """`{{ value }}` in an autoescaping template (django.template.base.render_value_in_context)."""
    value = localize(template_localtime(value))
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def _as_s(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe string safe, else it is escaped."""
    text = str(value)
    return text if isinstance(value, SafeData) else _show(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html"""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(f" {_show(name)}" if value is True else f' {_show(name)}="{_as_s(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html (with its final newline)"""
    value = widget["value"]
    shown = f' value="{_as_s(value)}"' if value is not None else ""
    return f'<input type="{_show(widget["type"])}" name="{_show(widget["name"])}"{shown}{_attrs(widget["attrs"])}>\n'


def _textarea(widget: dict) -> str:
    value = widget["value"]
    text = _show(value) if value else ""
    return f'<textarea name="{_show(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>\n'


def _select_option(option: dict) -> str:
    return f'<option value="{_as_s(option["value"])}"{_attrs(option["attrs"])}>{_show(option["label"])}</option>\n'


def _input_option(option: dict) -> str:
    """django/forms/widgets/input_option.html"""
    if not option.get("wrap_label"):
        return _input(option) + "\n"
    option_id = option["attrs"].get("id")
    label_for = f' for="{_show(option_id)}"' if option_id else ""
    return f"<label{label_for}>{_input(option)} {_show(option['label'])}</label>\n"


def _wrapped_input_option(option: dict) -> str:
    """radio_option.html and checkbox_option.html: an include of input_option.html, and a newline"""
    return _input_option(option) + "\n"


OPTIONS: dict[str, Callable[[dict], str]] = {
    WIDGETS + "select_option.html": _select_option,
    WIDGETS + "input_option.html": _input_option,
    WIDGETS + "radio_option.html": _wrapped_input_option,
    WIDGETS + "checkbox_option.html": _wrapped_input_option,
}


def _options(widget: dict) -> list[tuple[str, list[dict]]] | None:
    """The option groups, or None when an option has a template of its own (then the templates render it)."""
    groups = []
    for group, options, _index in widget["optgroups"]:
        for option in options:
            if option["template_name"] not in OPTIONS:
                return None
        groups.append((group, options))
    return groups


def _select(widget: dict) -> str | None:
    groups = _options(widget)
    if groups is None:
        return None
    parts = [f'<select name="{_show(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options in groups:
        if group:
            parts.append(f'\n  <optgroup label="{_show(group)}">')
        for option in options:
            parts.append("\n  " + OPTIONS[option["template_name"]](option))
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _multiple_input(widget: dict) -> str | None:
    """django/forms/widgets/multiple_input.html (radio.html and checkbox_select.html include it)"""
    groups = _options(widget)
    if groups is None:
        return None
    attrs = widget["attrs"]
    widget_id, widget_class = attrs.get("id"), attrs.get("class")
    parts = ["<div"]
    if widget_id:
        parts.append(f' id="{_show(widget_id)}"')
    if widget_class:
        parts.append(f' class="{_show(widget_class)}"')
    parts.append(">")
    for group, options in groups:
        if group:
            parts.append(f"\n  <div><label>{_show(group)}</label>")
        for option in options:
            parts.append("<div>\n    " + OPTIONS[option["template_name"]](option) + "</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


RENDERERS: dict[str, Callable[[dict], str | None]] = {
    **{
        WIDGETS + f"{name}.html": _input
        for name in (
            "input",
            "text",
            "email",
            "number",
            "password",
            "hidden",
            "url",
            "search",
            "tel",
            "date",
            "datetime",
            "time",
            "color",
            "checkbox",
            "file",
        )
    },
    WIDGETS + "textarea.html": _textarea,
    WIDGETS + "select.html": _select,
    WIDGETS + "radio.html": _multiple_input,
    WIDGETS + "checkbox_select.html": _multiple_input,
    **OPTIONS,  # one option alone: a template's `{{ choice.tag }}` (BoundWidget.tag)
}


class FastWidgetRenderer(DjangoTemplates):
    """FORM_RENDERER: the stock renderer, but the plain widgets above are rendered in Python."""

    def render(self, template_name, context, request=None):
        fast = RENDERERS.get(template_name)
        if fast is not None and set(context) == {"widget"}:
            html = fast(context["widget"])
            if html is not None:
                return mark_safe(html.strip())
        return super().render(template_name, context, request=request)


# --- a whole field, as crispy-forms' Bootstrap 5 field.html lays it out -----------------------


def _add_classes(widget, classes: str) -> None:
    """What crispy's `{% crispy_field field 'class' classes %}` does to the widget: its class
    name in lower case (CRISPY_CLASS_CONVERTERS), then each of `classes` it lacks."""
    name = type(widget).__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    css_class = widget.attrs.get("class", "")
    if not css_class:
        css_class = name
    elif css_class.find(name) == -1:
        css_class += f" {name}"
    for extra in classes.split():
        if extra not in css_class.split():
            css_class += f" {extra}"
    widget.attrs["class"] = css_class


ASTERISK = '<span class="asteriskField">*</span>'


def plain_field(field: BoundField) -> str | None:
    """A text input, textarea or select with its label, help text and errors: the elements,
    attributes and texts of crispy-forms' bootstrap5/field.html (`|as_crispy_field`), without its
    template's whitespace. None for any other field (checkboxes, radios, files, hidden inputs, a
    form with a crispy helper), which crispy renders."""
    widget = field.field.widget
    if (
        field.is_hidden
        or getattr(field.form, "helper", None) is not None
        or field.use_fieldset
        or hasattr(widget, "widgets")
        or hasattr(widget, "widget")
        or isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.FileInput)
        or not isinstance(widget, forms.widgets.Input | forms.Textarea | forms.Select)
    ):
        return None
    errors = field.errors
    invalid = " is-invalid" if errors else ""
    _add_classes(widget, ("form-select" if isinstance(widget, forms.Select) else "form-control") + invalid)
    auto_id = field.auto_id
    required = field.field.required
    css_classes = field.css_classes()
    extra_classes = f" {_show(css_classes)}" if css_classes else ""
    parts = [f'<div id="div_{_show(auto_id)}" class="mb-3{extra_classes}">']
    if field.label:
        label_for = f' for="{_show(field.id_for_label)}"' if field.id_for_label else ""
        label_class, asterisk = (" requiredField", ASTERISK) if required else ("", "")
        parts.append(
            f'<label{label_for} class="form-label{label_class}">{_show(field.label)}{asterisk}</label>'
        )
    parts.append(str(field))
    if errors:
        parts.append(f'<div id="{_show(errors.field_id)}_error" class="invalid-feedback">')
        parts.extend(
            f'<p id="error_{number}_{_show(auto_id)}"><strong>{_show(error)}</strong></p>'
            for number, error in enumerate(errors, start=1)
        )
        parts.append("</div>")
    if field.help_text:
        help_id = f'id="{_show(auto_id)}_helptext" ' if auto_id else ""
        parts.append(f'<div {help_id}class="form-text">{field.help_text}</div>')
    parts.append("</div>")
    return mark_safe("".join(parts))
