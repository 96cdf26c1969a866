"""Signal receivers that write the audit trail: sign-ins, failed sign-ins, sign-outs,
lockouts (django-axes, when installed), two-factor changes (cities.mfa), downloads and
versioned saves of round data."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from api.models import ApiToken
from api.signals import credential_changed
from cities import mfa
from peerreview.signals import file_downloaded, versioned_saved

from .models import AuditEntry
from .rounds import MASKED_FIELDS, ROUND_DATA, round_id_of
from .services import E, mask_personal_data, record


@receiver(user_logged_in, dispatch_uid="audit-login")
def on_login(sender, request, user, **kwargs) -> None:
    record(event=E.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit-logout")
def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(event=E.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Only the e-mail tried is kept, never the password (Django masks it in `credentials`
    anyway; we do not even keep the mask)."""
    attempted = credentials.get("username") or credentials.get("email") or ""
    record(event=E.LOGIN_FAILED, request=request, attempted_email=str(attempted))


# --- two-factor authentication (cities.mfa) ---------------------------------------------------
# Each change is a row about the person's account (so it is in their "my data" download and
# under their name on the audit page), with what changed as old → new values.


def _mfa_change(*, user, actor, change: str, changes: dict, request=None) -> None:
    record(
        event=E.MFA,
        actor=actor or user,
        request=request,
        instance=user,
        object_repr=user.email,
        changes=changes,
        details={"change": change},
    )


@receiver(mfa.mfa_enabled, dispatch_uid="audit-mfa-enabled")
def on_mfa_enabled(sender, user, codes=0, **kwargs) -> None:
    _mfa_change(
        user=user,
        actor=None,
        change="app_added",
        changes={"authenticator app": ["", "added"], "recovery codes": ["", f"{codes} new"]},
    )


@receiver(mfa.mfa_disabled, dispatch_uid="audit-mfa-disabled")
def on_mfa_disabled(sender, user, actor=None, codes_left_before=0, **kwargs) -> None:
    _mfa_change(
        user=user,
        actor=actor,
        change="app_removed",
        changes={
            "authenticator app": ["on", "removed"],
            "recovery codes": [f"{codes_left_before} left", "removed"],
        },
    )


@receiver(mfa.recovery_codes_regenerated, dispatch_uid="audit-mfa-codes")
def on_recovery_codes_regenerated(sender, user, codes=0, codes_left_before=0, **kwargs) -> None:
    _mfa_change(
        user=user,
        actor=None,
        change="recovery_codes_regenerated",
        changes={"recovery codes": [f"{codes_left_before} left", f"{codes} new"]},
    )


@receiver(mfa.mfa_verified, dispatch_uid="audit-mfa-verified")
def on_mfa_verified(sender, user, request=None, device=None, **kwargs) -> None:
    """Using up a recovery code changes the account's second factor; an app code does not."""
    if device is not None and mfa.is_recovery_device(device):
        left = mfa.recovery_codes_left(user)
        _mfa_change(
            user=user,
            actor=None,
            request=request,
            change="recovery_code_used",
            changes={"recovery codes": [f"{left + 1} left", f"{left} left"]},
        )


@receiver(mfa.mfa_verification_failed, dispatch_uid="audit-mfa-failed")
def on_mfa_verification_failed(sender, user, request=None, **kwargs) -> None:
    """A wrong second-factor code is a failed sign-in of that account."""
    record(
        event=E.LOGIN_FAILED,
        actor=user,
        request=request,
        instance=user,
        object_repr=user.email,
        attempted_email=user.email,
        reason="wrong second-factor code",
    )


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """django-axes' `user_locked_out`: connected in `connect_optional_signals` when axes is installed."""
    record(event=E.LOCKOUT, request=request, attempted_email=str(username or ""))


def connect_optional_signals() -> None:
    from django.apps import apps

    if not apps.is_installed("axes"):
        return
    from axes.signals import user_locked_out

    user_locked_out.connect(on_locked_out, dispatch_uid="audit-lockout")


connect_optional_signals()


@receiver(file_downloaded, dispatch_uid="audit-download")
def on_file_downloaded(sender, request, user, round_id, kind, instance, name="", **kwargs) -> None:
    record(
        event=E.DOWNLOAD,
        actor=user,
        request=request,
        round_id=round_id,
        instance=instance,
        object_repr=name or str(instance),
        details={"kind": kind},
    )


@receiver(versioned_saved, dispatch_uid="audit-versioned-save")
def on_versioned_saved(sender, instance, actor=None, changes=None, **kwargs) -> None:
    """The conditional UPDATE of a versioned save bypasses save(); record its old and new values."""
    label = instance._meta.label
    if label not in ROUND_DATA or not changes:
        return
    masked = set(MASKED_FIELDS.get(label, []))
    diff = {
        name: [
            mask_personal_data(str(old)) if name in masked else ("" if old is None else str(old)),
            mask_personal_data(str(new)) if name in masked else ("" if new is None else str(new)),
        ]
        for name, (old, new) in changes.items()
    }
    AuditEntry.objects.log_create(
        instance,
        action=AuditEntry.Action.UPDATE,
        changes=diff,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        round_id=round_id_of(instance),
    )


@receiver(credential_changed, dispatch_uid="audit-api-credential")
def on_credential_changed(sender, user, obj, change: str, **kwargs) -> None:
    """An API token or a calendar address made or revoked: who holds a key to the person's data.
    Never the secret; its first characters tell the rows apart."""
    kind = "api token" if isinstance(obj, ApiToken) else "calendar address"
    details = {"change": f"{kind.replace(' ', '_')}_{change}", "starts_with": obj.prefix}
    if isinstance(obj, ApiToken):
        details |= {"name": obj.name, "scope": obj.scope}
    record(
        event=E.API_ACCESS,
        actor=user,
        instance=obj,
        object_repr=str(obj),
        changes={kind: ["", change] if change == "created" else ["active", change]},
        details=details,
    )
