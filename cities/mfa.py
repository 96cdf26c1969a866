"""Two-factor authentication: a TOTP authenticator app (django-otp's otp_totp) plus single-use
recovery codes (our `RecoveryCodeDevice`, a django-otp device that keeps only salted hashes of
the codes), and the rule of who must have it.

`User.mfa_enabled` mirrors "has a confirmed authenticator", so that the middleware can decide
on every request without a query."""

from __future__ import annotations

import base64
import re
import secrets

import segno
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import RecoveryCode, RecoveryCodeDevice, User

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

# For the audit trail (audit/receivers.py). Arguments: `user`; `actor` when someone else acted
# (a coordinator turning it off); `codes` (how many new recovery codes) where codes were made;
# for verification `request` and the `device` that accepted the code.
mfa_enabled = Signal()
mfa_disabled = Signal()
recovery_codes_regenerated = Signal()
mfa_verified = Signal()
mfa_verification_failed = Signal()


def mfa_required(user: User) -> bool:
    """Coordinators and anyone with back-office access must use a second factor when
    MFA_REQUIRED_FOR_COORDINATORS is on (the default when DEBUG is off)."""
    return bool(
        settings.MFA_REQUIRED_FOR_COORDINATORS
        and user.is_authenticated
        and (user.is_coordinator or user.is_staff or user.is_superuser)
    )


def pending_app_device(user: User) -> TOTPDevice:
    """The not-yet-confirmed authenticator being set up: the same secret on every visit to
    the setup page until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for apps where one types it in."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice, *, label: str) -> str:
    """The otpauth:// address as an inline SVG QR code (rendered here, no external service)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, svgclass="mfa-qr")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def normalise(code: str) -> str:
    """Codes as people type them: spaces and dashes removed, recovery codes in lower case."""
    return re.sub(r"[\s-]", "", code or "").lower()


@transaction.atomic
def confirm_app(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a first code. On success MFA is on, any earlier app is
    replaced, and fresh recovery codes are returned (to be shown once); None if the code is wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(normalise(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user.mfa_enabled = True
    user.save(update_fields=["mfa_enabled"])
    codes = new_recovery_codes(user=user)
    mfa_enabled.send(sender=User, user=user, codes=len(codes))
    return codes


@transaction.atomic
def new_recovery_codes(*, user: User) -> list[str]:
    """Replace the recovery codes: MFA_RECOVERY_CODES codes of 16 characters (80 bits), each
    accepted once in place of an app code. Returned for showing once, grouped for reading."""
    device, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.codes.all().delete()
    codes = []
    for _number in range(settings.MFA_RECOVERY_CODES):
        token = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 characters
        device.add_code(token)  # only its salted hash is stored
        codes.append("-".join(token[i : i + 4] for i in range(0, 16, 4)))
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    """New recovery codes on the person's request (the old ones stop working); recorded."""
    left = recovery_codes_left(user)
    codes = new_recovery_codes(user=user)
    recovery_codes_regenerated.send(sender=User, user=user, codes=len(codes), codes_left_before=left)
    return codes


def is_recovery_device(device) -> bool:
    """Whether a device that accepted a code holds recovery codes (not an authenticator app)."""
    return isinstance(device, RecoveryCodeDevice)


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


def verify(*, request, user: User, code: str):
    """Check a code from the app or a recovery code (which is then used up). Returns the
    device that accepted it, or None. django-otp throttles each device after failures."""
    code = normalise(code)
    devices = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *RecoveryCodeDevice.objects.filter(user=user, confirmed=True),
    ]
    for device in devices:
        # A code only goes to the kind of device it can be for, so that a mistyped app code
        # never counts against (throttles) the recovery codes, and the other way round.
        is_app_code = code.isdigit() and len(code) == 6
        if isinstance(device, TOTPDevice) != is_app_code:
            continue
        accepted = verify_token(user, device.persistent_id, code)
        if accepted is not None:
            mfa_verified.send(sender=User, user=user, request=request, device=accepted)
            return accepted
    mfa_verification_failed.send(sender=User, user=user, request=request)
    return None


def throttled(user: User) -> bool:
    """Whether django-otp is making the person wait after wrong codes."""
    return any(
        not device.verify_is_allowed()[0] for device in TOTPDevice.objects.filter(user=user, confirmed=True)
    )


@transaction.atomic
def disable(*, user: User, actor: User | None = None) -> None:
    """Remove the authenticator and the recovery codes. `actor`: who did it, if not the person."""
    codes_left = recovery_codes_left(user)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    user.mfa_enabled = False
    user.save(update_fields=["mfa_enabled"])
    mfa_disabled.send(sender=User, user=user, actor=actor, codes_left_before=codes_left)
