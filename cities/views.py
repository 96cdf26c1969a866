"""Views about the signed-in person, and the public accessibility statement and privacy notice."""

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
# When the privacy notice was last brought up to date with what the platform keeps.
PRIVACY_NOTICE_REVIEWED_ON = datetime.date(2026, 12, 3)


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


@login_not_required
@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """What the platform keeps about people, why, for how long, who sees it, and how to use
    one's rights (GDPR Art. 13 and 14). Public: people must read it before they have an account,
    and interviewees never have one. The periods come from the settings the jobs use."""
    context = {
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "interviewee_days": settings.INTERVIEWEE_RETENTION_DAYS,
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "session_hours": settings.SESSION_MAX_AGE_HOURS,
        "reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        "invitation_days": settings.INVITATION_TIMEOUT_DAYS,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "reviewed_on": PRIVACY_NOTICE_REVIEWED_ON,
    }
    return render(request, "cities/privacy.html", context)
