"""Views about the signed-in person."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Change the interface language and remember it on the user, so e-mails follow it too."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or reverse("peerreview:dashboard")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("peerreview:dashboard")
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language)
    return response
