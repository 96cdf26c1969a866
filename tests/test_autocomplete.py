"""City and evaluator choices are searched, never listed: the new-round form, the panel page (its
ranked suggestions: services/matching.py) and the invitation of a person weigh the same and run
the same queries with 5,000 more cities and evaluators; the JSON endpoint answers only
coordinators, a page at a time, without the evaluators already asked; without JavaScript a typed
name is found, and a name that is missing or ambiguous is explained."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.autocomplete import PAGE_SIZE
from cities.models import City, EvaluatorProfile, User
from peerreview.models import Framework, Round
from tests import factories
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db


def _grow(count: int) -> None:
    """`count` more cities, and as many people with an evaluator profile (bulk inserts)."""
    start = City.objects.count()
    cities = City.objects.bulk_create(
        City(name=f"Kunta {start + n:05d}", country="FI", procurement_unit="Hankinnat") for n in range(count)
    )
    users = User.objects.bulk_create(
        User(email=f"evaluator{start + n}@example.eu", full_name=f"Arvioija {start + n:05d}")
        for n in range(count)
    )
    EvaluatorProfile.objects.bulk_create(
        EvaluatorProfile(user=user, home_city=city) for user, city in zip(users, cities, strict=True)
    )


def _measure(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(response.content), len(queries)


def test_the_new_round_form_and_the_panel_page_do_not_grow_with_the_network(client, personas):
    client.force_login(personas.coordinator)
    pages = [
        reverse("peerreview:round_create"),
        reverse("peerreview:panel_manage", args=[personas.review_round.pk]),
        reverse("accounts:invite"),
    ]
    _grow(100)  # more than any page of suggestions shows: from here on nothing may grow
    client.get(pages[0])  # warm up caches (content types, templates)
    small = [_measure(client, url) for url in pages]
    _grow(5_000)
    large = [_measure(client, url) for url in pages]

    for url, (small_size, small_queries), (large_size, large_queries) in zip(
        pages, small, large, strict=True
    ):
        assert large_queries == small_queries, url
        assert abs(large_size - small_size) < 200, (url, small_size, large_size)  # a token's length at most
    assert small[0][0] < 60_000


def test_the_city_endpoint_searches_pages_and_answers_coordinators_only(client, personas):
    _grow(PAGE_SIZE + 5)
    url = reverse("cities:choices", args=["cities"])
    client.force_login(personas.coordinator)

    first = client.get(url, {"q": "kunta"}).json()
    second = client.get(url, {"q": "kunta", "page": 2}).json()
    assert len(first["results"]) == PAGE_SIZE and first["more"] is True
    assert len(second["results"]) == 5 and second["more"] is False
    labels = [row["label"] for row in first["results"] + second["results"]]
    assert labels == sorted(labels) and len(set(labels)) == PAGE_SIZE + 5
    assert client.get(url, {"q": "tampere fi"}).json()["results"] == [
        {"id": personas.review_round.host_city.pk, "label": "Tampere (FI)"}
    ]
    assert client.get(url, {"q": "no such place"}).json() == {"results": [], "page": 1, "more": False}

    for someone in (personas.host_member, personas.assigned_evaluator, personas.unassigned_evaluator):
        client.force_login(someone)
        assert client.get(url, {"q": "kunta"}).status_code == 403
    client.logout()
    assert client.get(url, {"q": "kunta"}).status_code == 302  # to the login page
    client.force_login(personas.coordinator)
    assert client.get(reverse("cities:choices", args=["rounds-of-nobody"])).status_code == 404


def test_the_evaluator_endpoint_leaves_out_those_already_asked_to_the_round(client, personas):
    review_round = personas.review_round
    client.force_login(personas.coordinator)
    url = reverse("cities:choices", args=["evaluators"])

    everyone = {row["id"] for row in client.get(url).json()["results"]}
    for_round = client.get(url, {"round": review_round.pk}).json()["results"]

    on_panel = {personas.assigned_evaluator.pk, personas.second_evaluator.pk}
    assert on_panel <= everyone
    assert {row["id"] for row in for_round} == everyone - on_panel
    unassigned = personas.unassigned_evaluator
    assert {"id": unassigned.pk, "label": f"{unassigned.full_name} (Malmö)"} in for_round
    assert personas.host_member.pk not in everyone  # no evaluator profile: not a choice


def _round_form(client, **changes) -> dict:
    data = form_data(client.get(reverse("peerreview:round_create")))
    framework = Framework.objects.active().first()
    data.update(title="Typed round", framework=str(framework.pk), **changes)
    return data


def test_without_javascript_a_typed_city_name_is_found(client, personas):
    city = personas.review_round.host_city
    factories.CityFactory(name="Tampereen seutu")
    client.force_login(personas.coordinator)

    for typed in ("Tampere", "tampere (fi)"):
        response = client.post(reverse("peerreview:round_create"), _round_form(client, host_city_text=typed))
        assert response.status_code == 302, response.content.decode()[:3000]
        assert Round.objects.get(title="Typed round").host_city == city
        Round.objects.filter(title="Typed round").delete()


@pytest.mark.parametrize(
    "typed,message",
    [("Atlantis", "Nothing called “Atlantis” was found"), ("Kunta", "2 match “Kunta”")],
)
def test_a_missing_or_ambiguous_city_is_explained_at_the_field(client, personas, typed, message):
    factories.CityFactory(name="Kunta A")
    factories.CityFactory(name="Kunta B")
    client.force_login(personas.coordinator)

    response = client.post(reverse("peerreview:round_create"), _round_form(client, host_city_text=typed))

    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert f'value="{typed}"' in page  # the typed text is kept
    assert not Round.objects.filter(title="Typed round").exists()


def test_a_chosen_id_wins_and_a_changed_text_is_looked_up_again(client, personas):
    tampere = personas.review_round.host_city
    other = factories.CityFactory(name="Oulu")
    client.force_login(personas.coordinator)

    chosen = _round_form(client, host_city=str(tampere.pk), host_city_text="Tampere (FI)")
    assert client.post(reverse("peerreview:round_create"), chosen).status_code == 302
    assert Round.objects.get(title="Typed round").host_city == tampere
    Round.objects.filter(title="Typed round").delete()
    # The text was changed after choosing (no JavaScript to clear the id): the text decides.
    retyped = _round_form(client, host_city=str(tampere.pk), host_city_text="Oulu")
    assert client.post(reverse("peerreview:round_create"), retyped).status_code == 302
    assert Round.objects.get(title="Typed round").host_city == other
