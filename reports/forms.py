"""Forms of the summary report: texts, findings, action proposals, the city's comment, publication."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from peerreview.forms.versioned import VersionedFormMixin
from peerreview.models import Criterion

from .editing import FINDING_FIELDS, PROPOSAL_FIELDS, SECTION_FIELDS, new_form_token
from .models import ActionProposal, FactualComment, Finding, PublicationLevel, SummaryReport
from .services import REPEAT_INTERVAL_RANGE

# Hidden bookkeeping fields that never count as a change a person made.
BOOKKEEPING_FIELDS = {"base_version", "base_digests", "form_token"}


class VersionedModelForm(VersionedFormMixin, forms.ModelForm):
    """A ModelForm for one versioned unit of the report; ``conflict`` is set after a refused save."""

    conflict = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.add_version_fields()

    def has_changed(self) -> bool:
        return any(name not in BOOKKEEPING_FIELDS for name in self.changed_data)

    def labels(self) -> dict[str, str]:
        return {name: str(self.fields[name].label) for name in self.versioned_fields if name in self.fields}


SECTION_HELP_TEXTS = {
    "executive_summary": _(
        "The panel's overall conclusion in a few paragraphs. Required before the draft goes to the city."
    ),
    "key_strengths": _("What the city does well, for the executive summary."),
    "purpose_and_scope": _("Why the review was made and what it covered."),
    "process_notes": _("How the review was carried out, and the panel's statement on conflicts of interest."),
    "next_steps": _("What happens after the report, up to the repeat round."),
}


class ReportSectionForm(VersionedModelForm):
    """One text section of the report, saved on its own (the sections share the report's
    version; the digest of the one field decides whether a colleague changed it)."""

    class Meta:
        model = SummaryReport
        fields = list(SECTION_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 5, "data-markdown": ""}) for name in SECTION_FIELDS}
        help_texts = SECTION_HELP_TEXTS

    def __init__(self, *args, section: str, **kwargs) -> None:
        if section not in SECTION_FIELDS:
            raise ValueError(section)
        self.section = section
        self.versioned_fields = [section]
        # The same field names on every section's form ("report-…"), ids of their own.
        kwargs.setdefault("prefix", "report")
        kwargs.setdefault("auto_id", f"id_{section}_%s")
        super().__init__(*args, **kwargs)
        for name in SECTION_FIELDS:
            if name != section:
                del self.fields[name]

    @property
    def unit(self) -> str:
        return f"section-{self.section}"

    @property
    def field(self):
        return self[self.section]


class ReportLanguageForm(forms.Form):
    """The report's language and, when another, the language its written texts are in."""

    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=settings.LANGUAGES,
        help_text=_(
            "Headings, labels, dates and the chart, on the page, in the PDF and in Word, for every reader."
        ),
    )
    text_language = forms.ChoiceField(
        label=_("Language of the written texts"),
        choices=[("", _("The same as the report")), *settings.LANGUAGES],
        required=False,
        help_text=_(
            "When the panel and the city write in another language, their texts are marked as such "
            "for screen readers and in the PDF."
        ),
    )


class FindingForm(VersionedModelForm):
    versioned_fields = list(FINDING_FIELDS)

    class Meta:
        model = Finding
        fields = ["evidence", "strengths", "areas_to_develop", "good_practice"]
        widgets = {name: forms.Textarea(attrs={"rows": 3, "data-markdown": ""}) for name in fields}

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", f"finding-{kwargs['instance'].pk}")
        super().__init__(*args, **kwargs)

    @property
    def unit(self) -> str:
        return f"finding-{self.instance.pk}"


class CriterionChoiceField(forms.ModelChoiceField):
    """A criterion chosen from a list fetched once for the whole formset, so the page
    runs the same number of queries whatever the number of rows."""

    def __init__(self, criteria: list[Criterion], **kwargs) -> None:
        self.by_pk = {str(criterion.pk): criterion for criterion in criteria}
        super().__init__(queryset=Criterion.objects.none(), **kwargs)
        self.choices = [("", self.empty_label), *((c.pk, f"{c.code} {c.title}") for c in criteria)]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        criterion = self.by_pk.get(str(value))
        if criterion is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return criterion

    def has_changed(self, initial, data) -> bool:
        return str(initial or "") != str(data or "")


class ActionProposalForm(VersionedModelForm):
    """An existing proposal (versioned, prefix ``proposal-<pk>``) or a new one (prefix ``new``,
    with a one-time token, so a form posted twice creates one proposal)."""

    versioned_fields = list(PROPOSAL_FIELDS)

    class Meta:
        model = ActionProposal
        fields = ["criterion", "title", "description", "priority", "owner", "timeframe", "success_indicator"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "data-markdown": ""})}

    def __init__(self, *args, criteria: list[Criterion], **kwargs) -> None:
        instance = kwargs.get("instance")
        kwargs.setdefault(
            "prefix", f"proposal-{instance.pk}" if instance is not None and instance.pk else "new"
        )
        super().__init__(*args, **kwargs)
        self.fields["criterion"] = CriterionChoiceField(
            criteria, required=False, label=_("criterion"), empty_label=_("(the whole unit)")
        )
        if self.instance.pk is None:
            self.fields["form_token"] = forms.UUIDField(
                widget=forms.HiddenInput, required=False, initial=new_form_token
            )

    @property
    def unit(self) -> str:
        return f"proposal-{self.instance.pk}" if self.instance.pk else "new"


class FactualCommentForm(forms.Form):
    """The city's comment on one part of the draft (one form, one comment; posted twice, saved once)."""

    section = forms.ChoiceField(
        label=_("Part of the report"),
        help_text=_("The section, finding or table your comment is about."),
    )
    text = forms.CharField(
        label=_("What is wrong, and what is right"),
        help_text=_(
            "Point out factual errors: wrong figures, names, dates or descriptions. The panel corrects "
            "factual errors and answers each comment; its assessment stays its own."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=new_form_token)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = choices


class CityResponseForm(VersionedModelForm):
    versioned_fields = ["city_response"]

    class Meta:
        model = SummaryReport
        fields = ["city_response"]
        labels = {"city_response": _("The city's response, published in the report")}
        help_texts = {
            "city_response": _(
                "Your view of the report and its action proposals, printed in the report as written."
            ),
        }
        widgets = {"city_response": forms.Textarea(attrs={"rows": 6, "data-markdown": ""})}


class ResolveFactualCommentForm(forms.ModelForm):
    class Meta:
        model = FactualComment
        fields = ["response"]
        labels = {"response": _("The panel's answer to the city")}
        help_texts = {
            "response": _(
                "Say what was corrected, or why the text stays as it is. The city reads this answer."
            )
        }
        widgets = {"response": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["response"].required = True


class PublishForm(forms.Form):
    repeat_interval_months = forms.IntegerField(
        label=_("Repeat round after (months)"),
        help_text=_("The repeat round opens this many months after publication (12–24)."),
        validators=[MinValueValidator(REPEAT_INTERVAL_RANGE[0]), MaxValueValidator(REPEAT_INTERVAL_RANGE[1])],
    )
    publish_with_open_comments = forms.BooleanField(
        label=_("Publish although some of the city's comments are not answered"),
        required=False,
    )

    repeat_with_newest_framework = forms.BooleanField(
        label=_("Open the repeat round with the framework's newest version"),
        help_text=_(
            "Leave unticked to repeat with the same version as this round, so the scores compare "
            "directly. Ticked, the repeat round uses the newest version at the time it opens; earlier "
            "scores and action proposals are matched to it by criterion code."
        ),
        required=False,
    )

    def __init__(self, *args, open_comments: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.open_comments = open_comments
        if not open_comments:
            del self.fields["publish_with_open_comments"]

    def clean(self):
        data = super().clean()
        if self.open_comments and not data.get("publish_with_open_comments"):
            self.add_error(
                "publish_with_open_comments",
                ngettext(
                    "One comment of the city is not answered. Answer it from the report editor, "
                    "or tick this box to publish anyway.",
                    "%(count)d comments of the city are not answered. Answer them from the report editor, "
                    "or tick this box to publish anyway.",
                    self.open_comments,
                )
                % {"count": self.open_comments},
            )
        return data


class PublicationLevelForm(forms.Form):
    """The host city's choice of who may read the published report; `levels` are the choices
    open now (after publishing only the current level and wider ones)."""

    publication_level = forms.ChoiceField(
        label=_("Who may read the published report"), widget=forms.RadioSelect, choices=()
    )

    def __init__(self, *args, levels: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publication_level"].choices = [
            (value, label) for value, label in PublicationLevel.choices if value in levels
        ]


class PanelCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        help_text=_("Write @ and a person's name (for example @Eva Lund) to make sure they are told."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=new_form_token)


class FindingSuggestionForm(forms.Form):
    criterion = forms.ChoiceField(label=_("Criterion"))
    finding_field = forms.ChoiceField(label=_("Part of the finding"))
    text = forms.CharField(
        label=_("Text you propose"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=new_form_token)

    def __init__(self, *args, criteria: list[Criterion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"] = CriterionChoiceField(
            criteria, label=_("Criterion"), empty_label=_("Choose a criterion")
        )
        self.fields["finding_field"].choices = [
            (name, str(Finding._meta.get_field(name).verbose_name).capitalize()) for name in FINDING_FIELDS
        ]


class ActionSuggestionForm(forms.Form):
    criterion = forms.ChoiceField(label=_("Criterion"), required=False)
    title = forms.CharField(label=_("Proposal"), max_length=300)
    text = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10_000
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=ActionProposal.Priority.choices, initial="medium"
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=new_form_token)

    def __init__(self, *args, criteria: list[Criterion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"] = CriterionChoiceField(
            criteria, required=False, label=_("Criterion"), empty_label=_("(the whole unit)")
        )
