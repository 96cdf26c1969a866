"""Stub: being written."""

from django.http import Http404


def assessment_planner(request, **kwargs):
    raise Http404


def session_create(request, **kwargs):
    raise Http404


def session_edit(request, **kwargs):
    raise Http404
