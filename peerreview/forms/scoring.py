"""Forms for scoring: an evaluator's score per criterion and the panel's agreed scores."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ..models import MATURITY_LEVELS, AgreedScore, Score

NOT_APPLICABLE = "na"
NOT_APPLICABLE_LABEL = pgettext_lazy("maturity", "N/A – not applicable")


@dataclass(frozen=True)
class DescriptorChoice:
    """A radio option's label: the level's name and what the level looks like for this criterion."""

    title: str
    text: str

    def __str__(self) -> str:
        return f"{self.title}: {self.text}" if self.text else str(self.title)


def _level_value(level: int | None, not_applicable: bool) -> str:
    if not_applicable:
        return NOT_APPLICABLE
    return "" if level is None else str(level)


def _parse_level(value: str) -> tuple[int | None, bool]:
    """A posted level as (level, not applicable)."""
    if value == NOT_APPLICABLE:
        return None, True
    return (int(value), False) if value not in ("", None) else (None, False)


class ScoreForm(forms.Form):
    """One criterion of the scoring sheet. Everything is optional for a draft;
    completeness is checked by the submit service."""

    level = forms.ChoiceField(
        label=_("Your score"), required=False, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    comment = forms.CharField(
        label=_("Your comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What in the pre-report and its evidence supports this score."),
    )

    def __init__(self, *args, score: Score, descriptors: dict[int, str], **kwargs) -> None:
        kwargs.setdefault("prefix", f"criterion-{score.criterion_id}")
        kwargs.setdefault(
            "initial", {"level": _level_value(score.level, score.not_applicable), "comment": score.comment}
        )
        super().__init__(*args, **kwargs)
        self.score = score
        choices = [
            (str(level), DescriptorChoice(label, descriptors.get(level, "")))
            for level, label in MATURITY_LEVELS
        ]
        choices.append((NOT_APPLICABLE, DescriptorChoice(NOT_APPLICABLE_LABEL, "")))
        self.fields["level"].choices = choices
        self.fields["level"].label = gettext("Your score for %(code)s") % {"code": score.criterion.code}
        self.fields["comment"].label = gettext("Your comment on %(code)s") % {"code": score.criterion.code}

    def apply(self) -> bool:
        """Copy the cleaned values onto the score; True when something changed."""
        level, not_applicable = _parse_level(self.cleaned_data["level"])
        comment = self.cleaned_data["comment"]
        score = self.score
        if (score.level, score.not_applicable, score.comment) == (level, not_applicable, comment):
            return False
        score.level, score.not_applicable, score.comment = level, not_applicable, comment
        score.updated_at = timezone.now()
        return True


def save_score_drafts(score_forms: list[ScoreForm]) -> int:
    """Save the changed scores of a valid sheet in one query; returns how many changed."""
    changed = [form.score for form in score_forms if form.apply()]
    if changed:
        Score.objects.bulk_update(changed, ["level", "not_applicable", "comment", "updated_at"])
    return len(changed)


class AgreedScoreForm(forms.Form):
    """The lead's agreed score for one criterion, in a row of the score overview.
    A row left empty is skipped; a level needs a rationale and the reverse."""

    level = forms.ChoiceField(label=_("Agreed score"), required=False)
    rationale = forms.CharField(
        label=_("Rationale"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, criterion, agreed: AgreedScore | None, **kwargs) -> None:
        kwargs.setdefault("prefix", f"agreed-{criterion.pk}")
        if agreed is not None:
            kwargs.setdefault(
                "initial",
                {"level": _level_value(agreed.level, agreed.not_applicable), "rationale": agreed.rationale},
            )
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        self.agreed = agreed
        self.fields["level"].choices = [
            ("", _("– not agreed yet –")),
            *[(str(level), label) for level, label in MATURITY_LEVELS],
            (NOT_APPLICABLE, NOT_APPLICABLE_LABEL),
        ]
        self.fields["level"].label = gettext("Agreed score for %(code)s") % {"code": criterion.code}
        self.fields["rationale"].label = gettext("Rationale for %(code)s") % {"code": criterion.code}

    def clean(self):
        cleaned = super().clean()
        level, rationale = cleaned.get("level", ""), cleaned.get("rationale", "").strip()
        if level and not rationale:
            self.add_error("rationale", _("Give the rationale for the agreed score."))
        elif rationale and not level:
            self.add_error("level", _("Choose the agreed score, or N/A."))
        elif not level and self.agreed is not None:
            self.add_error(
                "level", _("An agreed score cannot be removed; choose the score the panel agreed on instead.")
            )
        return cleaned

    @property
    def to_record(self) -> bool:
        """Filled in and different from what is already recorded."""
        return bool(self.cleaned_data.get("level")) and self.has_changed()

    def values(self) -> dict:
        level, not_applicable = _parse_level(self.cleaned_data["level"])
        return {"level": level, "not_applicable": not_applicable, "rationale": self.cleaned_data["rationale"]}
