"""Stub: being written."""

from django.http import Http404


def report_view(request, **kwargs):
    raise Http404


def report_edit(request, **kwargs):
    raise Http404


def actions_edit(request, **kwargs):
    raise Http404


def send_for_factual_check(request, **kwargs):
    raise Http404


def factual_check(request, **kwargs):
    raise Http404


def publish(request, **kwargs):
    raise Http404
