"""A create form posted twice at once — a double click, a reloaded tab — creates one row: the
form carries a one-time token stored in a unique column, and the second request gets the first
one's row back. Real parallel requests on PostgreSQL (tests/parallel.py). The other create forms
are tested beside their features (assessment days and sessions, action proposals, comments,
suggestions, evidence uploads, invitations)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from peerreview.models import Framework, Round, RoundEvent
from tests import factories
from tests.html_forms import form_data
from tests.parallel import in_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def test_opening_a_round_posted_twice_at_once_opens_one_round():
    coordinator = factories.CoordinatorFactory()
    city = factories.CityFactory(name="Ghent", country="BE")
    factories.RoundFactory()  # a framework in use, as in a real network
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(coordinator)
    url = reverse("peerreview:round_create")
    data = form_data(clients[0].get(url))
    assert data["form_token"]
    data.update(
        host_city_text="Ghent", framework=str(Framework.objects.active().first().pk), title="Ghent 2027"
    )

    responses = in_parallel(*(lambda c=c: c.post(url, data) for c in clients))

    assert [response.status_code for response in responses] == [302, 302]
    (review_round,) = Round.objects.filter(title="Ghent 2027")
    assert review_round.host_city == city
    assert {response["Location"] for response in responses} == {
        reverse("peerreview:round_detail", args=[review_round.pk])
    }
    assert RoundEvent.objects.filter(round=review_round).count() == 1
