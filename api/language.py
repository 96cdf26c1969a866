"""The language of an API answer: the caller's Accept-Language when it names one we have,
otherwise the person's own preferred language, otherwise the site's default. Translated
framework texts (django-modeltranslation) and every message follow it."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def requested_language(header: str) -> str | None:
    """The supported language the Accept-Language header prefers most, or None."""
    choices = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            choices.append((-quality, position, tag))
    for _quality, _position, tag in sorted(choices):
        try:
            return translation.get_supported_language_variant(tag.lower())
        except LookupError:
            continue
    return None


def activate_for(request, user=None) -> str:
    language = requested_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if language is None and user is not None and user.is_authenticated and getattr(user, "language", ""):
        language = user.language
    language = language or settings.LANGUAGE_CODE
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language
