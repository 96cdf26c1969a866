"""The form renderer's Python widgets give the HTML of Django's own widget templates, and
`|as_field` the HTML of crispy-forms' `|as_crispy_field`."""

from __future__ import annotations

import datetime
import re

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils import translation
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from peerreview.forms.renderer import RENDERERS, FastWidgetRenderer, plain_field
from peerreview.forms.scoring import DescriptorChoice
from peerreview.templatetags.form_fields import as_field

lazy_label = lazy(lambda: "Tasolla <2>", str)()

CHOICES = [
    ("", "– none –"),
    ("0", DescriptorChoice("Level 0", "Nothing & <nobody>")),
    (1, 1234),
    ("1.5", 1.5),
    ("lazy", lazy_label),
    ("safe", mark_safe("<em>safe</em>")),
]
GROUPED = [('Group "A"', [("a", "A"), ("b", "B & b")]), ("c", "C"), ("Group B", [("d", "D")])]

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


@pytest.mark.parametrize("wrap_label", [False, True])
@pytest.mark.parametrize(
    "widget", [forms.RadioSelect(choices=CHOICES), forms.CheckboxSelectMultiple(choices=CHOICES)]
)
def test_one_option_alone_matches_the_templates(widget, wrap_label) -> None:
    """A template that lays out the options itself renders each with `{{ choice.tag }}`."""
    bound = forms.Form()
    bound.fields["choice"] = forms.ChoiceField(choices=CHOICES, widget=widget)
    for option in bound["choice"]:
        expected = option.parent_widget._render(
            option.template_name, {"widget": {**option.data, "wrap_label": wrap_label}}, DjangoTemplates()
        )
        assert RENDERERS[option.template_name]({**option.data, "wrap_label": wrap_label}).strip() == expected
        assert option.tag(wrap_label=wrap_label) == expected


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


class Sample(forms.Form):
    required_css_class = "required"
    error_css_class = "has-error"

    title = forms.CharField(label='Title "<b>"', help_text="Help with <em>markup</em>", max_length=30)
    text = forms.CharField(label=lazy_label, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    narrative = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"class": "narrative textarea-x"})
    )
    choice = forms.ChoiceField(choices=CHOICES, required=False)
    email = forms.EmailField(label="", required=False)
    number = forms.DecimalField(help_text="Up to two decimals.", required=False)

    def clean_narrative(self) -> str:
        if "no" in self.cleaned_data["narrative"]:
            raise forms.ValidationError(["Not <this>.", "Nor that."])
        return self.cleaned_data["narrative"]


def _normalized(html: str) -> str:
    """Crispy's template puts whitespace between and inside the elements, which HTML ignores."""
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


SAMPLES = [
    ({}, {}),
    ({"data": {"title": "", "text": "Line 1\n<b>2</b>", "narrative": "no", "choice": "x", "email": "a", "number": "1.555"}}, {}),
    ({"data": {"c1-title": "A title", "c1-narrative": "not fine", "c1-number": "1,5"}}, {"prefix": "c1"}),
    ({}, {"auto_id": False}),
]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "fi"])
@pytest.mark.parametrize(("bound", "options"), SAMPLES)
@pytest.mark.parametrize("name", list(Sample.base_fields))
def test_plain_fields_match_crispy(name, bound, options, language) -> None:
    with translation.override(language):
        expected = as_crispy_field(Sample(**bound, **options)[name])
        field = Sample(**bound, **options)[name]
        python = plain_field(field)
        assert python is not None, "rendered by crispy"
        assert _normalized(python) == _normalized(expected)
        assert str(field) in python  # the widget itself, byte for byte (a textarea's text)
        assert as_field(Sample(**bound, **options)[name]) == python


class Others(forms.Form):
    agree = forms.BooleanField(required=False)
    level = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
    file = forms.FileField()
    hidden = forms.CharField(widget=forms.HiddenInput)
    when = forms.SplitDateTimeField()


@pytest.mark.parametrize("name", list(Others.base_fields))
def test_other_fields_are_left_to_crispy(name) -> None:
    assert plain_field(Others()[name]) is None
    assert as_field(Others()[name]) == as_crispy_field(Others()[name])


def test_a_form_with_a_crispy_helper_is_left_to_crispy() -> None:
    form = Sample()
    form.helper = FormHelper()
    assert plain_field(form["title"]) is None


def _level_radios_through_format_html(options, name, errors):
    """The self-score options as `format_html` wrote them (the tag's first version)."""
    from django.utils.html import format_html

    invalid_class, aria_invalid = (" is-invalid", mark_safe(' aria-invalid="true"')) if errors else ("", "")
    return "".join(
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


@pytest.mark.parametrize("errors", [[], ["Choose a level."]])
@pytest.mark.parametrize("language", ["en", "fi"])
def test_level_radios_escape_as_format_html_does(errors, language) -> None:
    """`level_radios` writes its options with f-strings and `conditional_escape`: the same HTML as
    `format_html` for quotes, angle brackets, ampersands, lazy and safe labels and numbers."""
    from peerreview.templatetags.form_fields import level_radios

    lazy_label = lazy(lambda: 'Défini <b>& "kuvattu"</b>', str)()
    options = [
        {
            "value": 1,
            "label": "1 – initial",
            "description": "Ad hoc <script>\"x\"</script> & 'y'",
            "id": "id_a_0",
            "checked": False,
        },
        {"value": "2", "label": lazy_label, "description": "", "id": 'id_"a"_1', "checked": True},
        {
            "value": "na",
            "label": mark_safe("<em>N/A</em>"),
            "description": mark_safe("<i>safe</i>"),
            "id": "id_a_2",
            "checked": False,
        },
        {"value": "", "label": "", "description": None, "id": "id_a_3", "checked": False},
    ]
    with translation.override(language):
        for name in ("answer-12-level", 'a"<b>'):
            assert level_radios(options, name, errors) == _level_radios_through_format_html(
                options, name, errors
            )
