"""The form renderer's Python widgets give the HTML of Django's own widget templates."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils import translation
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from peerreview.forms.renderer import RENDERERS, FastWidgetRenderer
from peerreview.forms.scoring import DescriptorChoice

lazy_label = lazy(lambda: "Tasolla <2>", str)()

CHOICES = [
    ("", "– none –"),
    ("0", DescriptorChoice("Level 0", "Nothing & <nobody>")),
    (1, 1234),
    ("1.5", 1.5),
    ("lazy", lazy_label),
    ("safe", mark_safe("<em>safe</em>")),
]
GROUPED = [("Group \"A\"", [("a", "A"), ("b", "B & b")]), ("c", "C"), ("Group B", [("d", "D")])]

WIDGETS = [
    (forms.TextInput(), "title", 'He said "hi" <b>&amp;</b>', {"id": "id_title", "required": True}),
    (forms.TextInput(attrs={"class": "form-control", "disabled": False}), "t", None, {}),
    (forms.TextInput(), "t", mark_safe("<b>safe</b>"), {"data-x": mark_safe("<y>"), "data-none": None}),
    (forms.EmailInput(), "email", "a@b.eu", {"id": "id_email", "aria-describedby": "id_email_helptext"}),
    (forms.NumberInput(), "n", 1234.5, {"step": "0.01", "min": 0}),
    (forms.HiddenInput(), "base_version", 7, {"id": "id_v"}),
    (forms.PasswordInput(render_value=True), "p", "secret", {}),
    (forms.DateInput(), "d", datetime.date(2026, 12, 3), {"id": "id_d"}),
    (forms.CheckboxInput(), "c", True, {"id": "id_c", "class": "form-check-input"}),
    (forms.CheckboxInput(), "c", False, {}),
    (forms.FileInput(), "file", None, {"id": "id_file", "accept": ".pdf,.docx"}),
    (forms.Textarea(), "text", "Line 1\n<script>x</script> & more", {"id": "id_text", "rows": 4}),
    (forms.Textarea(attrs={"data-markdown": ""}), "text", "", {"cols": 40}),
    (forms.Textarea(), "text", None, {}),
    (forms.Select(choices=CHOICES), "level", "0", {"id": "id_level", "class": "form-select is-invalid"}),
    (forms.Select(choices=CHOICES), "level", None, {}),
    (forms.Select(choices=GROUPED), "g", "b", {"id": "id_g"}),
    (forms.SelectMultiple(choices=CHOICES), "m", ["0", "lazy"], {"id": "id_m"}),
    (forms.RadioSelect(choices=CHOICES), "r", "1", {"id": "id_r", "class": "form-check-input"}),
    (forms.RadioSelect(choices=CHOICES), "r", None, {}),
    (forms.RadioSelect(choices=GROUPED), "r", "d", {"id": "id_rg"}),
    (forms.CheckboxSelectMultiple(choices=CHOICES), "cb", ["", "safe"], {"id": "id_cb"}),
    (forms.CheckboxSelectMultiple(choices=GROUPED), "cb", [], {}),
]


@pytest.mark.parametrize("language", ["en", "fi"])
@pytest.mark.parametrize(("widget", "name", "value", "attrs"), WIDGETS)
def test_python_widgets_match_the_templates(widget, name, value, attrs, language) -> None:
    stock = DjangoTemplates()
    with translation.override(language):
        expected = widget.render(name, value, attrs, renderer=stock)
        context = widget.get_context(name, value, attrs)
        python = RENDERERS[widget.template_name](context["widget"])
        through_renderer = widget.render(name, value, attrs, renderer=FastWidgetRenderer())
    assert python is not None, "rendered by the templates, not in Python"
    assert python.strip() == expected
    assert through_renderer == expected


def test_an_option_with_a_template_of_its_own_goes_through_the_templates() -> None:
    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/checkbox.html"

    widget = OwnOption(choices=[("a", "A")])
    context = widget.get_context("o", "a", {})
    assert RENDERERS[widget.template_name](context["widget"]) is None
    expected = widget.render("o", "a", {}, renderer=DjangoTemplates())
    assert widget.render("o", "a", {}, renderer=FastWidgetRenderer()) == expected


def test_forms_use_it() -> None:
    assert settings.FORM_RENDERER == "peerreview.forms.renderer.FastWidgetRenderer"
    assert isinstance(get_default_renderer(), FastWidgetRenderer)
