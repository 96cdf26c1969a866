"""Stub: being written."""

from django.http import Http404


def round_create(request, **kwargs):
    raise Http404


def round_detail(request, **kwargs):
    raise Http404


def round_transition(request, **kwargs):
    raise Http404


def round_cancel(request, **kwargs):
    raise Http404
