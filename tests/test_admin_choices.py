"""The back office never lists a growing table in a dropdown: every foreign key (and many-to-many
field) on a change form of our apps' models, inlines included, is an autocomplete or a raw id,
and its change page runs the same queries with 5,000 more cities and people."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import connection
from django.db.models import ForeignKey, ManyToManyField, OneToOneField
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.test_autocomplete import _grow

OUR_APPS = {"cities", "peerreview", "reports", "network", "audit", "api", "demo"}
# Small fixed tables a dropdown may list.
SMALL = {"auth.Group", "auth.Permission", "contenttypes.ContentType"}


def _relation_fields(model_admin, request, parent=None) -> list[str]:
    """Relation fields the admin's change form shows as editable (an inline's key to its parent
    is not shown)."""
    model = model_admin.model
    fields = flatten_fieldsets(model_admin.get_fieldsets(request))
    readonly = set(model_admin.get_readonly_fields(request))
    names = []
    for name in fields:
        if name in readonly:
            continue
        try:
            field = model._meta.get_field(name)
        except Exception:
            continue
        if isinstance(field, ForeignKey | OneToOneField | ManyToManyField):
            if field.related_model is parent and not isinstance(field, ManyToManyField):
                continue
            if field.related_model._meta.label not in SMALL:
                names.append(name)
    return names


@pytest.mark.django_db
def test_every_relation_in_the_back_office_is_searched_or_typed():
    request = RequestFactory().get("/admin/")
    request.user = factories.CoordinatorFactory(is_staff=True, is_superuser=True)
    offending = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        admins = [
            (model_admin, None),
            *((inline(model, admin.site), model) for inline in model_admin.inlines),
        ]
        for each, parent in admins:
            chosen = set(each.autocomplete_fields) | set(each.raw_id_fields)
            for name in _relation_fields(each, request, parent):
                if name not in chosen:
                    offending.append(f"{type(each).__name__}.{name}")
    assert offending == [], "\n".join(offending)


@pytest.mark.django_db
def test_the_round_change_page_does_not_grow_with_the_network(client, personas):
    client.force_login(factories.CoordinatorFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:peerreview_round_change", args=[personas.review_round.pk])
    client.get(url)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(response.content), len(queries)

    small_size, small_queries = measure()
    _grow(5_000)
    large_size, large_queries = measure()
    assert large_queries == small_queries
    assert abs(large_size - small_size) < 200


def test_a_required_searchable_choice_offers_an_empty_first_option_that_saving_refuses(client, personas):
    """HTML's rule for a required select (cities/admin_widgets.py): the empty first option is
    there, and leaving it chosen is refused with the field's error, nothing saved."""
    from cities.models import DeclaredConflict

    client.force_login(factories.CoordinatorFactory(is_staff=True, is_superuser=True))
    add = reverse("admin:cities_declaredconflict_add")
    page = client.get(add).content.decode()
    assert '<option value="">---------</option>' in page
    response = client.post(add, {"evaluator": "", "city": "", "reason": "Worked there"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() >= {"evaluator", "city"}
    assert not DeclaredConflict.objects.exists()
