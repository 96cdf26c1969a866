"""My account → API tokens and calendar: make, see and revoke one's own API tokens and the
private calendar address. A new secret is shown once, on the page right after it is made."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from peerreview.services.calendar import person_calendar

from . import tokens
from .forms import ApiTokenForm
from .models import ApiToken, CalendarFeed

NEW_SECRET_KEY = "api_new_secret"  # in the session between the POST and the page that shows it once


def feed_url(secret: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("api_access:calendar_feed", kwargs={"secret": secret})


def _page(request: HttpRequest, form: ApiTokenForm, status: int = 200) -> HttpResponse:
    new = request.session.pop(NEW_SECRET_KEY, None)
    context = {
        "form": form,
        "api_tokens": ApiToken.objects.filter(user=request.user),
        "feed": CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).first(),
        "new_token": new if new and new.get("kind") == "token" else None,
        "new_feed_url": feed_url(new["secret"]) if new and new.get("kind") == "feed" else "",
        "now": timezone.now(),
        "docs_url": reverse("api:docs"),
        "example_url": request.build_absolute_uri(reverse("api:round-list")),
    }
    return render(request, "api/tokens.html", context, status=status)


@never_cache
def tokens_page(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                issued = tokens.create_api_token(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_in_days=form.expires_in_days(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                request.session[NEW_SECRET_KEY] = {
                    "kind": "token",
                    "secret": issued.secret,
                    "name": issued.obj.name,
                }
                return redirect("api_access:tokens")
        return _page(request, form, status=400)
    return _page(request, form)


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = tokens.revoke_api_token(user=request.user, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404(_("No such token among yours.")) from None
    messages.success(
        request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("api_access:tokens")


@require_POST
def calendar_create(request: HttpRequest) -> HttpResponse:
    issued = tokens.create_calendar_feed(user=request.user)
    request.session[NEW_SECRET_KEY] = {"kind": "feed", "secret": issued.secret}
    return redirect(f"{reverse('api_access:tokens')}#calendar")


@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    if tokens.revoke_calendar_feeds(user=request.user):
        messages.success(
            request, _("Your calendar address is switched off: calendars subscribed to it get nothing more.")
        )
    return redirect(f"{reverse('api_access:tokens')}#calendar")


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The private feed: whoever has the address reads it (calendar apps cannot sign in), so the
    address is a long random secret the person can switch off. Rights are checked now, each time."""
    feed = tokens.find_calendar_feed(secret)
    if feed is None:
        raise Http404("No such calendar.")
    tokens.note_use(feed)
    user = feed.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        content = person_calendar(user, title=_("Peer review: %(name)s") % {"name": user.full_name})
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="peer-review.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
