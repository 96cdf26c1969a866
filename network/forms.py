"""The library's search and filters (GET). A value that is not offered is an error at its field
and is left out of the search, never a server error."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cities.models import COUNTRY_CHOICES
from peerreview.models import MATURITY_LEVELS

from .search import Facets

ANY = ("", _("Any"))
ENTRY_FILTERS = ("q", "theme", "criterion", "level")  # these search the report's texts, not the reports


class LibraryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words in English, Finnish or Swedish; inflected forms are found too."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    criterion = forms.ChoiceField(label=_("Criterion"), required=False)
    level = forms.ChoiceField(label=_("Agreed maturity level"), required=False)
    year = forms.ChoiceField(label=_("Year published"), required=False)

    def __init__(self, data=None, *, facets: Facets) -> None:
        super().__init__(data)
        country_names = dict(COUNTRY_CHOICES)
        themes: dict[str, str] = {}
        for criterion in facets.criteria:
            themes.setdefault(criterion.theme.code, f"{criterion.theme.code} – {criterion.theme.title}")
        self.fields["country"].choices = [ANY, *[(c, country_names.get(c, c)) for c in facets.countries]]
        self.fields["theme"].choices = [ANY, *themes.items()]
        self.fields["criterion"].choices = [
            ANY,
            *[(c.code, f"{c.code} – {c.title}") for c in facets.criteria],
        ]
        self.fields["level"].choices = [ANY, *[(str(level), label) for level, label in MATURITY_LEVELS]]
        self.fields["year"].choices = [ANY, *[(str(year), str(year)) for year in facets.years]]

    def active_filters(self) -> dict[str, str]:
        """The valid, non-empty filters (an invalid one stays out, its error shown at the field)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value.strip() for name, value in self.cleaned_data.items() if value and value.strip()}

    def searches_texts(self, filters: dict[str, str]) -> bool:
        return any(name in filters for name in ENTRY_FILTERS)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class SynthesisFilterForm(forms.Form):
    """Which published rounds the programme synthesis covers (GET). Offers only the countries
    and framework versions of published rounds."""

    published_from = forms.DateField(label=_("Published from"), required=False, widget=DateInput())
    published_to = forms.DateField(label=_("Published until"), required=False, widget=DateInput())
    country = forms.ChoiceField(label=_("Country"), required=False)
    framework = forms.ChoiceField(label=_("Framework version"), required=False)

    def __init__(self, data=None, *, countries: list[str], frameworks: list) -> None:
        super().__init__(data)
        names = dict(COUNTRY_CHOICES)
        self.fields["country"].choices = [ANY, *[(code, names.get(code, code)) for code in countries]]
        self.fields["framework"].choices = [ANY, *[(str(f.pk), str(f)) for f in frameworks]]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            self.add_error("published_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> dict:
        """The valid filters; an invalid one is shown at its field and left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}
