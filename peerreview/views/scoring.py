"""Stub: being written."""

from django.http import Http404


def scoring_sheet(request, **kwargs):
    raise Http404


def score_overview(request, **kwargs):
    raise Http404
