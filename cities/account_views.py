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
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import mfa
from .account_forms import InvitePersonForm, MfaCodeForm, PasswordResetRequestForm
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
    language = request.user.language
    log_out_everywhere(user=request.user)
    logout(request)
    messages.success(
        request,
        _(
            "You have been logged out everywhere: on every device and in every browser. Log in again to continue."
        ),
    )
    response = redirect("login")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


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


# --- Two-factor authentication -------------------------------------------------------------------

NEW_CODES_SESSION_KEY = "mfa_new_recovery_codes"


def _next_url(request: HttpRequest) -> str:
    """Where to go after an MFA step: the page asked for, if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("peerreview:dashboard")


def _wrong_code_message(*, throttled: bool) -> str:
    if throttled:
        return _("Too many wrong codes in a row: wait a minute, then try again.")
    return _(
        "That code is not right. Enter the six digits your app shows now (they change every 30 seconds), "
        "or one of your recovery codes."
    )


def mfa_manage(request: HttpRequest) -> HttpResponse:
    """Two-factor authentication on My account: on or off, recovery codes left, turn off."""
    return _render_manage(request, MfaCodeForm())


def _render_manage(request: HttpRequest, disable_form: MfaCodeForm, status: int = 200) -> HttpResponse:
    user = request.user
    context = {
        "required": mfa.mfa_required(user),
        "codes_left": mfa.recovery_codes_left(user) if user.mfa_enabled else 0,
        "disable_form": disable_form,
    }
    return render(request, "cities/mfa.html", context, status=status)


def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key) into an authenticator app, confirm with a first code,
    then see the recovery codes once."""
    user = request.user
    next_url = _next_url(request)
    if user.mfa_enabled:
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("accounts:mfa")
    device = mfa.pending_app_device(user)
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.confirm_app(user=user, device=device, code=form.cleaned_data["code"])
        if codes is None:
            form.add_error(
                "code",
                _(
                    "That code is not right. Enter the six digits the app shows now for this account; "
                    "they change every 30 seconds."
                ),
            )
        else:
            request.session.cycle_key()
            otp_login(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(f"{reverse('accounts:mfa_recovery_codes')}?{urlencode({'next': next_url})}")
    context = {
        "form": form,
        "qr_svg": mfa.qr_code_svg(device, label=_("QR code for your authenticator app")),
        "secret": mfa.secret_for_typing(device),
        "required": mfa.mfa_required(user),
        "next": next_url,
    }
    return render(request, "cities/mfa_setup.html", context)


def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes are shown once, right after they are made; POST makes new ones
    (the old ones stop working)."""
    user = request.user
    if not user.mfa_enabled:
        return redirect("accounts:mfa")
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = mfa.regenerate_recovery_codes(user=user)
        messages.success(request, _("New recovery codes are ready. The old ones no longer work."))
        return redirect("accounts:mfa_recovery_codes")
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    context = {"codes": codes, "codes_left": mfa.recovery_codes_left(user), "next": _next_url(request)}
    return render(request, "cities/mfa_recovery_codes.html", context)


def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in, for a person with an authenticator."""
    user = request.user
    next_url = _next_url(request)
    if not user.mfa_enabled or user.is_verified():
        return redirect(next_url)
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Waiting after wrong codes (django-otp's throttle) is told apart from a wrong code.
        throttled = mfa.throttled(user)
        device = mfa.verify(request=request, user=user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error("code", _wrong_code_message(throttled=throttled))
        else:
            request.session.cycle_key()
            otp_login(request, device)
            if mfa.is_recovery_device(device):
                left = mfa.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; it no longer works. %(count)d code is left.",
                        "You used a recovery code; it no longer works. %(count)d codes are left.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url)
    return render(request, "registration/mfa_verify.html", {"form": form, "next": next_url})


@require_POST
def mfa_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor authentication off, after a current code (not for those who must have it)."""
    user = request.user
    if mfa.mfa_required(user):
        messages.error(
            request, _("Coordinators and back-office users must keep two-factor authentication on.")
        )
        return redirect("accounts:mfa")
    form = MfaCodeForm(request.POST)
    if form.is_valid():
        throttled = mfa.throttled(user)
        if mfa.verify(request=request, user=user, code=form.cleaned_data["code"]) is not None:
            mfa.disable(user=user)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:mfa")
        form.add_error("code", _wrong_code_message(throttled=throttled))
    return _render_manage(request, form, status=200)
