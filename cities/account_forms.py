"""Forms of the account pages: reset request, inviting a person, and the second factor."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .accounts import invite, request_password_reset
from .autocomplete import AutocompleteModelChoiceField
from .models import City, EvaluatorProfile, Membership, User


class PasswordResetRequestForm(forms.Form):
    """The address to send a reset link to. Saving queues a task for any address (the worker
    finds out whether it has an account), and the page after it is the same either way."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def save(self, **_ignored) -> None:
        # Django's PasswordResetView passes its e-mail options; our service builds the e-mail.
        request_password_reset(email=self.cleaned_data["email"])


class InvitePersonForm(forms.ModelForm):
    """A new person, their role, and an e-mail with a link to set their own password."""

    city = AutocompleteModelChoiceField(
        queryset=City.objects.all(),
        source="cities",
        required=False,
        label=_("Member of the procurement unit of"),
        help_text=_("Leave empty for a person who does not act for a host city."),
    )
    evaluator_home_city = AutocompleteModelChoiceField(
        queryset=City.objects.all(),
        source="cities",
        required=False,
        label=_("Peer evaluator from"),
        help_text=_("Choose the evaluator's home city to make them available as a peer evaluator."),
    )

    class Meta:
        model = User
        fields = ["email", "full_name", "job_title", "language"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "A person with this e-mail address already has an account. Send them a new invitation from the back office instead."
                )
            )
        return email

    @transaction.atomic
    def save_and_invite(self, *, actor: User) -> User:
        user = self.save(commit=False)
        user.set_unusable_password()
        user.save()
        if self.cleaned_data.get("city"):
            Membership.objects.create(user=user, city=self.cleaned_data["city"])
        if self.cleaned_data.get("evaluator_home_city"):
            EvaluatorProfile.objects.create(user=user, home_city=self.cleaned_data["evaluator_home_city"])
        invite(user=user, actor=actor)
        return user


class AdminInviteUserForm(forms.ModelForm):
    """The back office's "add person" form: no password; the person gets an invitation."""

    class Meta:
        model = User
        fields = ["email", "full_name", "job_title", "language", "is_coordinator"]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class MfaCodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
