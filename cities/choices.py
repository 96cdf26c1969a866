"""The searchable choices of this app's tables (`cities.autocomplete`): cities and evaluators.
Both are the coordinators' choices (opening a round, inviting to a panel, inviting a person):
anyone else is refused."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext

from .autocomplete import ChoiceSource, register
from .models import City, User

# "Name (something)": the label as the list shows it, typed back.
_LABELLED = re.compile(r"^(?P<name>.+?)\s*\((?P<detail>[^()]+)\)$")


def _coordinator(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_coordinator)


def cities_for(request: HttpRequest) -> QuerySet[City] | None:
    return City.objects.all() if _coordinator(request) else None


def city_label(city: City) -> str:
    return str(city)  # "Tampere (FI)"


def city_exact(text: str) -> Q:
    match = _LABELLED.match(text)
    condition = Q(name__iexact=text)
    if match:
        condition |= Q(name__iexact=match["name"], country__iexact=match["detail"])
    return condition


def evaluators_for(request: HttpRequest) -> QuerySet[User] | None:
    """Active people with an evaluator profile; with ?round=ID, not those already asked to it."""
    if not _coordinator(request):
        return None
    evaluators = User.objects.filter(evaluator_profile__isnull=False, is_active=True).select_related(
        "evaluator_profile__home_city"
    )
    round_id = request.GET.get("round", "")
    if round_id.isdigit():
        evaluators = evaluators.exclude(assignments__round_id=int(round_id))
    return evaluators


def evaluator_label(user: User) -> str:
    profile = getattr(user, "evaluator_profile", None)
    if profile is None or profile.home_city_id is None:
        return str(user)
    return gettext("%(name)s (%(city)s)") % {"name": user, "city": profile.home_city.name}


def evaluator_exact(text: str) -> Q:
    match = _LABELLED.match(text)
    condition = Q(full_name__iexact=text) | Q(email__iexact=text)
    if match:
        condition |= Q(
            full_name__iexact=match["name"], evaluator_profile__home_city__name__iexact=match["detail"]
        )
    return condition


CITIES = register(
    ChoiceSource(
        name="cities",
        queryset=cities_for,
        search_fields=("name", "region", "country"),
        exact=city_exact,
        label=city_label,
        ordering=("name", "country", "pk"),
    )
)
EVALUATORS = register(
    ChoiceSource(
        name="evaluators",
        queryset=evaluators_for,
        search_fields=("full_name", "email", "evaluator_profile__home_city__name"),
        exact=evaluator_exact,
        label=evaluator_label,
        ordering=("full_name", "pk"),
    )
)
