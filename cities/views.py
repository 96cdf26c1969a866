"""Views about the signed-in person, and the public accessibility statement."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

# When the statement was last reviewed against the site (update with each review).
STATEMENT_REVIEWED_ON = datetime.date(2026, 11, 26)


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


@login_not_required
@require_GET
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement the EU Web Accessibility Directive (2016/2102) asks of
    public-sector sites, with a feedback contact. Public: people must reach it without an account."""
    return render(
        request,
        "cities/accessibility.html",
        {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL, "reviewed_on": STATEMENT_REVIEWED_ON},
    )
