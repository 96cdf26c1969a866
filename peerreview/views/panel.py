"""Stub: being written."""

from django.http import Http404


def panel_manage(request, **kwargs):
    raise Http404


def invitation_respond(request, **kwargs):
    raise Http404
