"""Forms for scoring: an evaluator's score per criterion and the panel's agreed scores."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ..models import MATURITY_LEVELS, AgreedScore, Score
from ..services.versioning import UnitEdit, digest
from .versioned import VersionedFormMixin

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


LEVEL_FIELDS = [("level", "not_applicable")]


class ScoreForm(VersionedFormMixin, forms.Form):
    """One criterion of the scoring sheet, one versioned unit. Everything is optional for a
    draft; completeness is checked by the submit service."""

    versioned_fields = ["level", "not_applicable", "comment"]

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
        self.instance = score
        self.conflict = None
        self.add_version_fields()
        choices = [
            (str(level), DescriptorChoice(label, descriptors.get(level, "")))
            for level, label in MATURITY_LEVELS
        ]
        choices.append((NOT_APPLICABLE, DescriptorChoice(NOT_APPLICABLE_LABEL, "")))
        self.fields["level"].choices = choices
        self.fields["level"].label = gettext("Your score for %(code)s") % {"code": score.criterion.code}
        self.fields["comment"].label = gettext("Your comment on %(code)s") % {"code": score.criterion.code}

    def model_values(self) -> dict:
        level, not_applicable = _parse_level(self.cleaned_data["level"])
        return {"level": level, "not_applicable": not_applicable, "comment": self.cleaned_data["comment"]}

    def edit(self) -> UnitEdit:
        version, base = self.base()
        code = self.score.criterion.code
        return UnitEdit(
            key=self.score.criterion_id,
            model=Score,
            pk=self.score.pk,
            base_version=version,
            base=base,
            values=self.model_values(),
            labels={
                "level": gettext("Your score for %(code)s") % {"code": code},
                "comment": gettext("Your comment on %(code)s") % {"code": code},
            },
            together=LEVEL_FIELDS,
        )


class AgreedScoreForm(VersionedFormMixin, forms.Form):
    """The lead's agreed score for one criterion, in a row of the score overview, one
    versioned unit. A row left empty is skipped; a level needs a rationale and the reverse."""

    versioned_fields = ["level", "not_applicable", "rationale"]

    level = forms.ChoiceField(label=_("Agreed score"), required=False)
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        # The report shows it formatted (the small Markdown subset): the editor offers the preview.
        widget=forms.Textarea(attrs={"rows": 2, "data-markdown": ""}),
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
        self.conflict = None
        # Not recorded yet: the base is an empty agreed score, so a colleague's first
        # recording since is seen as a change.
        # The version -1 matches no saved row, so a row recorded meanwhile is always compared.
        self.instance = agreed or AgreedScore(criterion=criterion, rationale="", version=-1)
        self.add_version_fields()
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
        elif not level and self.agreed is not None and self._had_agreed_score():
            self.add_error(
                "level", _("An agreed score cannot be removed; choose the score the panel agreed on instead.")
            )
        return cleaned

    def _had_agreed_score(self) -> bool:
        """Whether the page the lead loaded showed an agreed score (a page loaded before it was
        recorded elsewhere shows none: its empty row is left alone, not a removal)."""
        _version, base = self.base()
        return not base or base.get("level") != digest(None) or base.get("not_applicable") != digest(False)

    @property
    def to_record(self) -> bool:
        """Filled in; the versioned save writes only what differs from what the lead loaded."""
        return bool(self.cleaned_data.get("level"))

    def values(self) -> dict:
        level, not_applicable = _parse_level(self.cleaned_data["level"])
        return {"level": level, "not_applicable": not_applicable, "rationale": self.cleaned_data["rationale"]}

    def model_values(self) -> dict:
        return self.values()

    def edit(self, actor) -> UnitEdit:
        version, base = self.base()
        code = self.criterion.code
        return UnitEdit(
            key=self.criterion.pk,
            model=AgreedScore,
            pk=self.agreed.pk if self.agreed else None,
            base_version=version,
            base=base,
            values=self.values(),
            labels={
                "level": gettext("Agreed score for %(code)s") % {"code": code},
                "rationale": gettext("Rationale for %(code)s") % {"code": code},
            },
            together=LEVEL_FIELDS,
            extra={"recorded_by": actor},
        )
