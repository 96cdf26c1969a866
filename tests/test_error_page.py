"""The server error page speaks the person's language, reassures them that what they saved is
kept, and links the privacy notice like every other page; every page has an icon (no /favicon.ico
404 in the logs)."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error


@pytest.mark.parametrize(
    ("language", "heading", "privacy"),
    [("en", "Something went wrong", "Privacy notice"), ("fi", "Jokin meni vikaan", "Tietosuojaseloste")],
)
def test_the_server_error_page_is_translated_and_links_the_privacy_notice(language, heading, privacy):
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
        privacy_url = reverse("cities:privacy")
    page = response.content.decode()
    assert response.status_code == 500
    assert f'lang="{language}"' in page and heading in page
    assert f'href="{privacy_url}"' in page and privacy in page


@pytest.mark.django_db
def test_pages_name_an_icon_that_exists(client):
    page = client.get(reverse("cities:privacy")).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    assert finders.find("favicon.svg")
