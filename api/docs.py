"""The API's documentation page: Swagger UI from our own static files (drf-spectacular-sidecar,
no CDN), started by static/js/api-docs.js under the site's strict Content-Security-Policy."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html")
