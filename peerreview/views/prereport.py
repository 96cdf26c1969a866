"""Stub: being written."""

from django.http import Http404


def prereport_edit(request, **kwargs):
    raise Http404


def prereport_submit(request, **kwargs):
    raise Http404


def indicators_edit(request, **kwargs):
    raise Http404


def evidence_upload(request, **kwargs):
    raise Http404


def evidence_download(request, **kwargs):
    raise Http404


def evidence_delete(request, **kwargs):
    raise Http404
