"""Account pages: password reset and change (Django's own views with our templates),
the invitation link, "My account", logging out everywhere, and inviting a person."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .account_forms import InvitePersonForm, PasswordResetRequestForm
from .accounts import axes_username, invitation_token_generator, log_out_everywhere, unlock


class ResetMinutesMixin:
    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60}


class PasswordResetView(ResetMinutesMixin, auth_views.PasswordResetView):
    """Ask for a reset link. The next page says the same for every address."""

    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(ResetMinutesMixin, auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail: works once (the token dies with the old password) and only
    for PASSWORD_RESET_TIMEOUT; otherwise the page explains and offers a new link."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # Whoever proves they own the address is past any lockout of the account.
        unlock(user=self.user)
        return super().form_valid(form)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a locked account sees on the login page (django-axes' AXES_LOCKOUT_CALLABLE), in the
    visitor's language; the same for an address without an account, so it tells nothing."""
    message = _(
        "Too many wrong passwords: this account is locked for %(minutes)d minutes after "
        "%(limit)d failed attempts in a row. Try again later, choose a new password with "
        '"Forgot your password?", or ask the network\'s coordinators to unlock it.'
    ) % {
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "limit": settings.AXES_FAILURE_LIMIT,
    }
    form = AuthenticationForm(request, initial={"username": axes_username(request, credentials)})
    context = {"form": form, "locked_out_message": message, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation link: the new person chooses their own password, once."""

    template_name = "registration/invitation_accept.html"
    token_generator = invitation_token_generator
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, _("Your password is set. Log in with your e-mail address and the new password.")
        )
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password (the old one is asked for); other sessions end, this one stays."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, _("Your password has been changed. Your other sessions have been signed out.")
        )
        return response


def account(request: HttpRequest) -> HttpResponse:
    """My account: who I am, and links to everything about signing in."""
    return render(request, "cities/account.html", {"person": request.user})


@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in person, this one included."""
    log_out_everywhere(user=request.user)
    logout(request)
    messages.success(
        request,
        _(
            "You have been logged out everywhere: on every device and in every browser. Log in again to continue."
        ),
    )
    return redirect("login")


def invite_person(request: HttpRequest) -> HttpResponse:
    """Coordinators add a person (host-city member and/or evaluator), who gets an e-mail
    with a link to set their own password."""
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only coordinators invite new people."))
    form = InvitePersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.save_and_invite(actor=request.user)
        messages.success(
            request,
            _("%(name)s has been sent an invitation to %(email)s to set their own password.")
            % {"name": person.full_name, "email": person.email},
        )
        return redirect("accounts:invite")
    return render(request, "cities/invite.html", {"form": form, "days": settings.INVITATION_TIMEOUT_DAYS})
