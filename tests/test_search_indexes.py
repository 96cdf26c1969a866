"""Searches over tables that grow are served by indexes (docs/performance.md): the trigram
indexes serve every icontains the back office and the searchable choices ask, the back office's
searches across joins find exactly what Django's own search finds, its pages never count the
whole table besides the matches."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.autocomplete import first_matches, search
from cities.choices import CITIES, EVALUATORS
from cities.models import City, EvaluatorProfile, User
from peerreview.models import Notification, Round
from reports.models import SummaryReport
from reports.services import get_or_create_report
from tests import factories

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    """The plan PostgreSQL would choose if reading the whole table were its last resort (the
    test tables are tiny: a sequential scan would win on cost alone)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
    return queryset.explain()


@pytest.mark.parametrize(
    ("model", "field", "index"),
    [
        (City, "name", "city_name_trgm"),
        (City, "region", "city_region_trgm"),
        (City, "procurement_unit", "city_procurement_unit_trgm"),
        (City, "country", "city_country_trgm"),
        (User, "full_name", "user_full_name_trgm"),
        (User, "email", "user_email_trgm"),
        (Round, "title", "round_title_trgm"),
    ],
)
def test_icontains_is_served_by_its_trigram_index(model, field, index):
    plan = _plan(model.objects.filter(**{f"{field}__icontains": "tampere"}))
    assert index in plan


def test_city_choices_search_every_field_through_an_index():
    plan = _plan(search(CITIES, City.objects.all(), "tam"))
    assert "Seq Scan" not in plan
    assert {"city_name_trgm", "city_region_trgm", "city_country_trgm"} <= set(plan.replace("(", " ").split())


def _admin_search(model, term: str):
    request = RequestFactory().get("/admin/", {"q": term})
    request.user = factories.CoordinatorFactory(is_superuser=True)
    model_admin = admin.site._registry[model]
    ours, duplicates = model_admin.get_search_results(request, model.objects.all(), term)
    djangos, _ = admin.ModelAdmin.get_search_results(model_admin, request, model.objects.all(), term)
    return ours, duplicates, djangos


@pytest.fixture
def thousands():
    """Enough rows, analysed, that the plan is the one of a real table, not of an empty one."""
    framework = factories.make_framework()
    creator = factories.CoordinatorFactory()
    cities = City.objects.bulk_create(
        City(name=f"Town {n}", country="FI", procurement_unit=f"Unit {n}") for n in range(2000)
    )
    users = User.objects.bulk_create(User(email=f"p{n}@example.eu", full_name=f"P {n}") for n in range(2000))
    EvaluatorProfile.objects.bulk_create(
        EvaluatorProfile(user=user, home_city=city) for user, city in zip(users, cities, strict=True)
    )
    rounds = Round.objects.bulk_create(
        Round(host_city=city, framework=framework, title=f"Round {n}", created_by=creator)
        for n, city in enumerate(cities)
    )
    SummaryReport.objects.bulk_create(SummaryReport(round=review_round) for review_round in rounds)
    with connection.cursor() as cursor:
        for model in (City, User, EvaluatorProfile, Round, SummaryReport):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


@pytest.mark.parametrize(
    ("model", "indexes"),
    [
        (Round, {"round_title_trgm", "city_name_trgm"}),
        (SummaryReport, {"round_title_trgm", "city_name_trgm"}),
        (EvaluatorProfile, {"user_full_name_trgm", "user_email_trgm", "city_name_trgm"}),
    ],
)
def test_back_office_search_across_joins_is_served_by_the_indexes(thousands, model, indexes):
    ours, duplicates, _ = _admin_search(model, "tampere")
    plan = _plan(ours)
    assert duplicates is False
    assert all(index in plan for index in indexes), plan


@pytest.fixture
def searchable():
    tampere = factories.CityFactory(name="Tampere")
    turku = factories.CityFactory(name="Turku")
    rounds = [
        factories.RoundFactory(host_city=tampere, title="Peer review 2026"),
        factories.RoundFactory(host_city=turku, title="Tampere region joint procurement review"),
        factories.RoundFactory(host_city=turku, title="Peer review of Turku"),
        factories.RoundFactory(host_city=tampere, title="Second peer REVIEW"),
    ]
    for review_round in rounds:
        get_or_create_report(review_round)
    factories.EvaluatorProfileFactory(home_city=tampere, user__full_name="Anna Virtanen")
    factories.EvaluatorProfileFactory(home_city=turku, user__full_name="Tampere Expert")
    factories.EvaluatorProfileFactory(home_city=turku, user__email="eva@tampere.fi")
    factories.EvaluatorProfileFactory(home_city=turku, user__full_name="Someone else")


@pytest.mark.parametrize("model", [Round, SummaryReport, EvaluatorProfile])
@pytest.mark.parametrize(
    "term",
    ["tampere", "TAMP", "tampere review", '"peer review"', "turku peer", "no such thing", "", "   "],
)
def test_back_office_search_finds_what_djangos_search_finds(searchable, model, term):
    ours, _, djangos = _admin_search(model, term)
    assert sorted(ours.values_list("pk", flat=True)) == sorted(
        djangos.distinct().values_list("pk", flat=True)
    )


def test_back_office_search_finds_by_either_table(searchable):
    ours, _, _ = _admin_search(Round, "tampere")
    assert sorted(ours.values_list("title", flat=True)) == [
        "Peer review 2026",
        "Second peer REVIEW",
        "Tampere region joint procurement review",
    ]
    ours, _, _ = _admin_search(EvaluatorProfile, "tampere")
    assert ours.count() == 3


@pytest.fixture
def admin_client(client):
    client.force_login(factories.CoordinatorFactory(is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("model", "params"),
    [
        (User, {"q": "tampere"}),
        (City, {"q": "tampere"}),
        (EvaluatorProfile, {"q": "tampere"}),
        (Round, {"q": "tampere"}),
        (SummaryReport, {"q": "tampere"}),
        (Notification, {"status__exact": "sent"}),
    ],
)
def test_back_office_page_counts_the_matches_not_the_whole_table(admin_client, searchable, model, params):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    whole_table = f'SELECT COUNT(*) AS "__count" FROM "{model._meta.db_table}"'

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(url, params)

    assert response.status_code == 200
    assert [query["sql"] for query in captured if query["sql"] == whole_table] == []


def _evaluators():
    return User.objects.filter(evaluator_profile__isnull=False, is_active=True)


def test_evaluator_choices_search_across_the_join_through_the_indexes(thousands):
    plan = _plan(search(EVALUATORS, _evaluators(), "tampere"))
    assert all(index in plan for index in ("user_full_name_trgm", "user_email_trgm", "city_name_trgm")), plan


def _matches(word: str, text: str) -> bool:
    """What a person expects: a word of three letters or more anywhere, a shorter one at the
    beginning of one of the text's words (after a space, a hyphen, a full stop or an at sign)."""
    word, text = word.lower(), text.lower()
    if len(word) >= 3:
        return word in text
    return any(part.startswith(word) for part in re.split(r"[ .@-]", text))


@pytest.mark.parametrize(
    "term", ["tampere", "TAMP eva", "an", "an vi", "e", "ev", "t", "tu", "fi", "no such person", "x"]
)
def test_evaluator_choices_find_what_a_person_expects(searchable, term):
    factories.EvaluatorProfileFactory(
        home_city=City.objects.get(name="Turku"), user__full_name="Jan-Erik Lund"
    )
    factories.EvaluatorProfileFactory(user__full_name="Joanna Evans", user__email="joanna.evans@example.eu")
    expected = {
        user.pk
        for user in _evaluators().select_related("evaluator_profile__home_city")
        if all(
            any(
                _matches(word, text)
                for text in (user.full_name, user.email, user.evaluator_profile.home_city.name)
            )
            for word in term.split()
        )
    }

    found = search(EVALUATORS, _evaluators(), term)

    assert sorted(found.values_list("pk", flat=True)) == sorted(expected)
    if term == "tampere":
        assert found.count() == 3
    if term == "an":  # Anna, not Joanna; Jan-Erik's "Erik" for "e", Evans for "ev"
        assert {user.full_name for user in found} == {"Anna Virtanen"}


def test_a_short_word_is_looked_up_in_the_trigram_indexes(thousands):
    """One or two letters have no trigram of their own: "contains" read every city (70–170 ms
    at 250,000); the beginning of a word is in the index."""
    plan = _plan(search(CITIES, City.objects.all(), "an"))
    assert "Seq Scan" not in plan
    assert {"city_name_trgm", "city_region_trgm", "city_country_trgm"} <= set(plan.replace("(", " ").split())
    plan = _plan(search(EVALUATORS, _evaluators(), "an"))
    assert all(index in plan for index in ("user_full_name_trgm", "user_email_trgm", "city_name_trgm")), plan


def test_the_first_matches_of_one_word_are_the_searchs_own(thousands):
    """`first_matches` takes each field's first rows in order for one word: the same page as
    the whole search, for words every row matches (in one field or another) and rare ones, on
    the first page, the second and the last."""
    factories.EvaluatorProfileFactory(user__full_name="Tampere Expert")  # a second table's city name too

    for term in ("p", "P 1", "town", "t", "1999", "p19", "example", "no such person"):
        for start in (0, 20, 1980):
            expected = list(
                search(EVALUATORS, _evaluators(), term).order_by(*EVALUATORS.ordering)[start : start + 21]
            )
            found = first_matches(EVALUATORS, _evaluators(), term, start, 21)

            assert [user.pk for user in found] == [user.pk for user in expected], (term, start)
            if term == "town" and start == 0:
                assert len(found) == 21  # every evaluator's home city is a town: a full page
