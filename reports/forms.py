"""Forms of the summary report: texts, findings, action proposals, the city's comment, publication."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from peerreview.forms.versioned import VersionedFormMixin
from peerreview.models import Criterion

from .editing import FINDING_FIELDS, PROPOSAL_FIELDS, SECTION_FIELDS, new_form_token
from .models import ActionProposal, Finding, PublicationLevel, SummaryReport
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


class ReportTextsForm(VersionedModelForm):
    versioned_fields = list(SECTION_FIELDS)

    class Meta:
        model = SummaryReport
        fields = ["executive_summary", "key_strengths", "purpose_and_scope", "process_notes", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}
        help_texts = {
            "executive_summary": _(
                "The panel's overall conclusion in a few paragraphs. Required before the draft goes to the city."
            ),
            "key_strengths": _("What the city does well, for the executive summary."),
            "purpose_and_scope": _("Why the review was made and what it covered."),
            "process_notes": _(
                "How the review was carried out, and the panel's statement on conflicts of interest."
            ),
            "next_steps": _("What happens after the report, up to the repeat round."),
        }


class FindingForm(VersionedModelForm):
    versioned_fields = list(FINDING_FIELDS)

    class Meta:
        model = Finding
        fields = ["evidence", "strengths", "areas_to_develop", "good_practice"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}


FindingFormSet = modelformset_factory(Finding, form=FindingForm, extra=0, edit_only=True)


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
    """An existing proposal (versioned) or a new row (with a one-time token, so a double
    submission creates one proposal)."""

    versioned_fields = list(PROPOSAL_FIELDS)

    class Meta:
        model = ActionProposal
        fields = ["criterion", "title", "description", "priority", "owner", "timeframe", "success_indicator"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, criteria: list[Criterion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"] = CriterionChoiceField(
            criteria, required=False, label=_("criterion"), empty_label=_("(the whole unit)")
        )
        if self.instance.pk is None:
            self.fields["form_token"] = forms.UUIDField(
                widget=forms.HiddenInput, required=False, initial=new_form_token
            )


class BaseActionProposalFormSet(BaseModelFormSet):
    def __init__(self, *args, criteria: list[Criterion], **kwargs) -> None:
        kwargs.setdefault("form_kwargs", {})["criteria"] = criteria
        super().__init__(*args, **kwargs)


ActionProposalFormSet = modelformset_factory(
    ActionProposal, form=ActionProposalForm, formset=BaseActionProposalFormSet, extra=3, can_delete=True
)


class FactualCommentForm(forms.ModelForm):
    class Meta:
        model = SummaryReport
        fields = ["factual_comment", "city_response"]
        labels = {
            "factual_comment": _("Factual errors you found in the draft"),
            "city_response": _("The city's response, published in the report"),
        }
        help_texts = {
            "factual_comment": _(
                "Point to the section and say what is wrong. The panel corrects factual errors; "
                "its assessment stays its own."
            ),
            "city_response": _(
                "Your view of the report and its action proposals, printed in the report as written."
            ),
        }
        widgets = {
            "factual_comment": forms.Textarea(attrs={"rows": 8}),
            "city_response": forms.Textarea(attrs={"rows": 8}),
        }


class PublishForm(forms.Form):
    repeat_interval_months = forms.IntegerField(
        label=_("Repeat round after (months)"),
        help_text=_("The repeat round opens this many months after publication (12–24)."),
        validators=[MinValueValidator(REPEAT_INTERVAL_RANGE[0]), MaxValueValidator(REPEAT_INTERVAL_RANGE[1])],
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
