"""Accounts: invitations, password reset and change, log out everywhere.

Logins that are themselves under test go through the real login form (the test client
posting to it); everything else uses force_login."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cities.accounts import invitation_token_generator
from cities.models import EvaluatorProfile, Membership, User
from tests import factories

NEW_PASSWORD = "a-fresh-passphrase-for-2027"


def log_in(client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


def link_in(message) -> str:
    match = re.search(r"(http://testserver\S+/)", message.body)
    assert match, message.body
    return match.group(1).removeprefix("http://testserver")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def person(db):
    return factories.UserFactory(email="kaisa@example.eu", full_name="Kaisa Mäki", language="fi")


# --- Password reset ------------------------------------------------------------------------


@pytest.mark.django_db
def test_reset_link_sets_a_new_password_once(client, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "Kaisa@Example.eu"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kaisa@example.eu"]
    assert "salasana" in message.subject.lower()  # in the person's own language (Finnish)
    link = link_in(message)

    response = client.get(link)  # the token moves into the session, out of the address bar
    assert response.status_code == 302
    form_url = response["Location"]
    assert "set-password" in form_url
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("accounts:password_reset_complete")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)

    second = client.get(link)  # the same link again
    assert second.status_code == 200
    assert not second.context["validlink"]
    assert "no longer works" in second.content.decode()
    assert log_in(client, person.email, NEW_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_reset_link_expires(client, person, settings):
    generator = default_token_generator
    too_old = generator._num_seconds(generator._now()) - settings.PASSWORD_RESET_TIMEOUT - 60
    token = generator._make_token_with_timestamp(person, too_old, generator.secret)
    uid = urlsafe_base64_encode(force_bytes(person.pk))

    response = client.get(reverse("accounts:password_reset_confirm", args=[uid, token]))

    assert response.status_code == 200
    assert not response.context["validlink"]
    assert reverse("accounts:password_reset") in response.content.decode()  # offers a new link


@pytest.mark.django_db
def test_reset_form_keeps_the_typed_password_rules_at_the_field(client, person):
    token = default_token_generator.make_token(person)
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    form_url = client.get(reverse("accounts:password_reset_confirm", args=[uid, token]))["Location"]

    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]  # too short, entirely numeric, common
    person.refresh_from_db()
    assert not person.check_password("12345678")


@pytest.mark.django_db
def test_reset_request_for_an_unknown_address_looks_the_same(
    client, person, django_capture_on_commit_callbacks
):
    """An attacker learns nothing about which addresses have accounts: same redirect, same page."""
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:password_reset"), {"email": person.email})
        unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.eu"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1  # only the real account gets an e-mail
    page = client.get(known["Location"]).content.decode()
    assert "If the address you entered belongs to an account" in page
    assert "nobody@example.eu" not in page and person.email not in page


@pytest.mark.django_db
def test_reset_request_does_not_build_the_email_in_the_request(
    client, person, django_capture_on_commit_callbacks
):
    """The e-mail is built and sent after commit (a background task), so the request itself does
    the same work for known and unknown addresses."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("accounts:password_reset"), {"email": person.email})
    assert len(mail.outbox) == 0
    assert len(callbacks) == 1


# --- Invitations --------------------------------------------------------------------------


@pytest.mark.django_db
def test_coordinator_invites_a_person_who_sets_their_password_once(
    client, django_capture_on_commit_callbacks
):
    coordinator = factories.CoordinatorFactory()
    city = factories.CityFactory(name="Oulu")
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invite"),
            {
                "email": "Ville.Nieminen@Oulu.example",
                "full_name": "Ville Nieminen",
                "job_title": "Buyer",
                "language": "sv",
                "city": city.pk,
                "evaluator_home_city": city.pk,
            },
        )
    assert response.status_code == 302
    invited = User.objects.get(email="ville.nieminen@oulu.example")
    assert not invited.has_usable_password()  # nobody, the coordinator included, knows a password
    assert Membership.objects.filter(user=invited, city=city).exists()
    assert EvaluatorProfile.objects.filter(user=invited, home_city=city).exists()
    assert len(mail.outbox) == 1
    assert "konto" in mail.outbox[0].subject.lower()  # Swedish, as chosen
    link = link_in(mail.outbox[0])
    assert "/accounts/welcome/" in link

    anonymous = client.__class__()
    form_url = anonymous.get(link)["Location"]
    response = anonymous.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("login")
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)

    again = anonymous.get(link)
    assert again.status_code == 200 and not again.context["validlink"]
    assert log_in(anonymous, invited.email, NEW_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_invitation_link_expires_and_is_no_reset_link(client, person, settings):
    person.set_unusable_password()
    person.save()
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    generator = invitation_token_generator
    too_old = generator._num_seconds(generator._now()) - settings.INVITATION_TIMEOUT_DAYS * 86400 - 60
    old_token = generator._make_token_with_timestamp(person, too_old, generator.secret)
    reset_token = default_token_generator.make_token(person)

    expired = client.get(reverse("accounts:invitation_accept", args=[uid, old_token]))
    wrong_kind = client.get(reverse("accounts:invitation_accept", args=[uid, reset_token]))

    assert not expired.context["validlink"]
    assert not wrong_kind.context["validlink"]
    fresh = client.get(reverse("accounts:invitation_accept", args=[uid, generator.make_token(person)]))
    assert fresh.status_code == 302  # a fresh invitation works


@pytest.mark.django_db
def test_invite_form_refuses_a_known_address_at_the_field(client, person):
    client.force_login(factories.CoordinatorFactory())
    response = client.post(
        reverse("accounts:invite"), {"email": "KAISA@example.eu", "full_name": "Kaisa", "language": "fi"}
    )
    assert response.status_code == 200
    assert "already has an account" in str(response.context["form"].errors["email"])
    assert 'value="KAISA@example.eu"' in response.content.decode()  # typed text kept


@pytest.mark.django_db
def test_only_coordinators_invite(client, person):
    client.force_login(person)
    response = client.post(
        reverse("accounts:invite"), {"email": "x@example.eu", "full_name": "X", "language": "en"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.eu").exists()


@pytest.mark.django_db
def test_back_office_add_person_sends_an_invitation(client, django_capture_on_commit_callbacks):
    admin_user = factories.CoordinatorFactory(is_superuser=True)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:cities_user_add"),
            {"email": "new.person@example.eu", "full_name": "New Person", "language": "en", "job_title": ""},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new.person@example.eu")
    assert not created.has_usable_password()
    assert [m.to for m in mail.outbox] == [["new.person@example.eu"]]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:cities_user_changelist"),
            {"action": "send_invitation", "_selected_action": [created.pk]},
        )
    assert len(mail.outbox) == 2
    assert "/accounts/welcome/" in mail.outbox[1].body


# --- Password change and sessions ------------------------------------------------------------


@pytest.mark.django_db
def test_password_change_keeps_this_session_and_ends_the_others(client, person):
    other_device = client.__class__()
    other_device.force_login(person)
    client.force_login(person)

    wrong = client.post(
        reverse("accounts:password_change"),
        {"old_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["old_password"]

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": factories.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("accounts:account")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:account")).status_code == 200
    assert other_device.get(reverse("accounts:account")).status_code == 302


@pytest.mark.django_db
def test_log_out_everywhere_ends_every_session(client, person):
    laptop, phone = client.__class__(), client.__class__()
    laptop.force_login(person)
    phone.force_login(person)
    someone_else = client.__class__()
    someone_else.force_login(factories.UserFactory())

    response = laptop.post(reverse("accounts:logout_everywhere"))

    assert response["Location"] == reverse("login")
    for device in (laptop, phone):
        redirected = device.get(reverse("accounts:account"))
        assert redirected.status_code == 302 and "login" in redirected["Location"]
    assert someone_else.get(reverse("accounts:account")).status_code == 200
    # and logging in again works
    assert log_in(phone, person.email, factories.PASSWORD).status_code == 302
    assert phone.get(reverse("accounts:account")).status_code == 200


@pytest.mark.django_db
def test_account_page_links_to_everything_about_signing_in(client, person):
    client.force_login(person)
    page = client.get(reverse("accounts:account")).content.decode()
    assert reverse("accounts:password_change") in page
    assert reverse("accounts:logout_everywhere") in page
    assert 'id="my-data"' in page


@pytest.mark.django_db
def test_login_page_links_to_password_reset(client):
    assert reverse("accounts:password_reset") in client.get(reverse("login")).content.decode()


# --- Lockout (django-axes) ---------------------------------------------------------------------


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, person, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = [log_in(client, person.email, "wrong-password").status_code for _attempt in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth wrong password locks

    response = client.post(
        reverse("login"),
        {"username": person.email.upper(), "password": factories.PASSWORD},
        HTTP_ACCEPT_LANGUAGE="fi",
    )

    assert response.status_code == 429
    page = response.content.decode()
    assert "lukittu" in page  # the locked-out message, in the visitor's language (Finnish)
    assert 'value="KAISA@EXAMPLE.EU"' in page or 'value="kaisa@example.eu"' in page
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:account")).status_code == 302


@pytest.mark.django_db
def test_lockout_counts_per_account_not_per_address(client, person):
    for _attempt in range(5):
        log_in(client, person.email, "wrong-password")
    colleague = factories.UserFactory(email="colleague@example.eu")
    # Same office, same address: the colleague still logs in.
    assert log_in(client, colleague.email, factories.PASSWORD).status_code == 302


@pytest.mark.django_db
def test_unknown_address_locks_like_a_known_one(client):
    """Whether an address has an account is not told by the lockout either."""
    responses = [log_in(client, "nobody@example.eu", "wrong-password") for _attempt in range(6)]
    assert [r.status_code for r in responses] == [200] * 4 + [429] * 2


@pytest.mark.django_db
def test_coordinator_unlocks_an_account_in_the_back_office(client, person):
    for _attempt in range(6):
        log_in(client, person.email, "wrong-password")
    assert log_in(client, person.email, factories.PASSWORD).status_code == 429

    coordinator_browser = client.__class__()
    coordinator_browser.force_login(factories.CoordinatorFactory(is_superuser=True))
    response = coordinator_browser.post(
        reverse("admin:cities_user_changelist"),
        {"action": "unlock_accounts", "_selected_action": [person.pk]},
    )
    assert response.status_code == 302

    assert log_in(client, person.email, factories.PASSWORD).status_code == 302


@pytest.mark.django_db
def test_password_reset_ends_a_lockout(client, person):
    for _attempt in range(6):
        log_in(client, person.email, "wrong-password")
    token = default_token_generator.make_token(person)
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    form_url = client.get(reverse("accounts:password_reset_confirm", args=[uid, token]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert log_in(client, person.email, NEW_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_login_signals_fire_for_the_audit_trail(client, person):
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    seen = []

    def record(name):
        def receiver(sender, **kwargs):
            seen.append(name)

        return receiver

    receivers = {"failed": record("failed"), "locked": record("locked"), "in": record("in")}
    user_login_failed.connect(receivers["failed"])
    user_locked_out.connect(receivers["locked"])
    user_logged_in.connect(receivers["in"])
    try:
        log_in(client, person.email, factories.PASSWORD)
        for _attempt in range(5):
            log_in(client.__class__(), person.email, "wrong-password")
    finally:
        user_login_failed.disconnect(receivers["failed"])
        user_locked_out.disconnect(receivers["locked"])
        user_logged_in.disconnect(receivers["in"])
    assert seen[0] == "in"
    assert seen.count("failed") == 5
    assert "locked" in seen


# --- Two-factor authentication (django-otp) ---------------------------------------------------


def app_code(device, *, offset_steps: int = 0) -> str:
    """What the person's authenticator app shows now (or `offset_steps` periods later)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def set_up_mfa(client, user) -> tuple[object, list[str]]:
    """Through the pages: open setup, confirm a code from the 'app', read the recovery codes."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = client.get(reverse("accounts:mfa_setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code, rendered on the server
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:mfa_setup"), {"code": app_code(device)})
    assert response.status_code == 302, response.content.decode()[:3000]
    codes_page = client.get(response["Location"])
    codes = codes_page.context["codes"]
    assert len(codes) == 10
    device.refresh_from_db()
    return device, codes


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_COORDINATORS = True
    return settings


@pytest.mark.django_db
def test_coordinator_must_set_up_mfa_before_anything_else(client, mfa_required):
    coordinator = factories.CoordinatorFactory()
    response = log_in(client, coordinator.email, factories.PASSWORD)
    assert response.status_code == 302

    for url in [reverse("peerreview:dashboard"), reverse("admin:index"), reverse("accounts:account")]:
        redirected = client.get(url)
        assert redirected.status_code == 302
        assert redirected["Location"].startswith(reverse("accounts:mfa_setup")), url

    set_up_mfa(client, coordinator)
    assert client.get(reverse("peerreview:dashboard")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200
    coordinator.refresh_from_db()
    assert coordinator.mfa_enabled


@pytest.mark.django_db
def test_mfa_is_not_required_with_the_setting_off(client, settings):
    settings.MFA_REQUIRED_FOR_COORDINATORS = False  # the demo (DEBUG on)
    coordinator = factories.CoordinatorFactory()
    log_in(client, coordinator.email, factories.PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_login_with_mfa_asks_for_the_code_and_refuses_a_wrong_one(client, person, mfa_required):
    mfa_required.OTP_TOTP_THROTTLE_FACTOR = 0  # throttling has its own test below
    person.language = "en"
    person.save()
    client.force_login(person)
    device, _codes = set_up_mfa(client, person)
    client.post(reverse("logout"))

    response = log_in(client, person.email, factories.PASSWORD)
    dashboard = client.get(reverse("peerreview:dashboard"))
    assert dashboard.status_code == 302 and dashboard["Location"].startswith(reverse("accounts:mfa_verify"))
    verify_url = dashboard["Location"]

    wrong = client.post(verify_url, {"code": "000000" if app_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "That code is not right" in str(wrong.context["form"].errors["code"])
    assert client.get(reverse("peerreview:dashboard")).status_code == 302  # still not in

    client.post(verify_url, {"code": "not a code"})
    response = client.post(verify_url, {"code": app_code(device, offset_steps=1)})
    assert response.status_code == 302
    assert response["Location"] == reverse("peerreview:dashboard")
    assert client.get(reverse("peerreview:dashboard")).status_code == 200


@pytest.mark.django_db
def test_wrong_codes_are_throttled(client, person, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # after one wrong code, a minute's wait
    person.language = "en"
    person.save()
    client.force_login(person)
    device, _codes = set_up_mfa(client, person)
    client.post(reverse("logout"))
    log_in(client, person.email, factories.PASSWORD)
    wrong = "000000" if app_code(device) != "000000" else "111111"
    client.post(reverse("accounts:mfa_verify"), {"code": wrong})

    right_but_too_soon = client.post(
        reverse("accounts:mfa_verify"), {"code": app_code(device, offset_steps=1)}
    )

    assert right_but_too_soon.status_code == 200
    assert "Too many wrong codes" in str(right_but_too_soon.context["form"].errors["code"])


@pytest.mark.django_db
def test_wrong_mfa_code_message_in_the_users_language(client, person):
    client.force_login(person)
    device, _codes = set_up_mfa(client, person)
    client.post(reverse("logout"))
    log_in(client, person.email, factories.PASSWORD)  # Kaisa's language is Finnish
    wrong = "000000" if app_code(device) != "000000" else "111111"
    response = client.post(reverse("accounts:mfa_verify"), {"code": wrong})
    assert response.status_code == 200
    assert 'lang="fi"' in response.content.decode()
    assert "Koodi ei ole oikein" in str(response.context["form"].errors["code"]), response.context[
        "form"
    ].errors


@pytest.mark.django_db
def test_recovery_code_works_once(client, person, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # no wait after the refused second use
    client.force_login(person)
    _device, codes = set_up_mfa(client, person)
    client.post(reverse("logout"))

    log_in(client, person.email, factories.PASSWORD)
    response = client.post(reverse("accounts:mfa_verify"), {"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    assert client.get(reverse("peerreview:dashboard")).status_code == 200
    client.post(reverse("logout"))

    log_in(client, person.email, factories.PASSWORD)
    again = client.post(reverse("accounts:mfa_verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert again.context["form"].errors["code"]
    assert client.get(reverse("peerreview:dashboard")).status_code == 302
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[1]}).status_code == 302


@pytest.mark.django_db
def test_recovery_codes_are_shown_once(client, person):
    client.force_login(person)
    set_up_mfa(client, person)
    page = client.get(reverse("accounts:mfa_recovery_codes"))
    assert page.context["codes"] is None
    assert page.context["codes_left"] == 10


@pytest.mark.django_db
def test_disable_mfa_needs_a_code_and_is_refused_to_coordinators_who_must_keep_it(
    client, person, mfa_required
):
    client.force_login(person)
    device, _codes = set_up_mfa(client, person)

    refused = client.post(reverse("accounts:mfa_disable"), {"code": "12345"})
    assert refused.status_code == 200 and refused.context["disable_form"].errors["code"]
    person.refresh_from_db()
    assert person.mfa_enabled

    client.post(reverse("accounts:mfa_disable"), {"code": app_code(device, offset_steps=1)})
    person.refresh_from_db()
    assert not person.mfa_enabled

    coordinator = factories.CoordinatorFactory()
    coordinator_client = client.__class__()
    coordinator_client.force_login(coordinator)
    coordinator_device, codes = set_up_mfa(coordinator_client, coordinator)
    coordinator_client.post(reverse("accounts:mfa_disable"), {"code": codes[0]})
    coordinator.refresh_from_db()
    assert coordinator.mfa_enabled


@pytest.mark.django_db
def test_mfa_pages_keep_a_verified_session_to_its_own_device(client, person):
    """A second browser of the same person, logged in with the password only, is sent to the code step."""
    client.force_login(person)
    set_up_mfa(client, person)
    other = client.__class__()
    log_in(other, person.email, factories.PASSWORD)
    response = other.get(reverse("accounts:mfa_recovery_codes"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert other.post(reverse("accounts:mfa_recovery_codes")).status_code == 302
    assert client.get(reverse("accounts:mfa_recovery_codes")).context["codes_left"] == 10


@pytest.mark.django_db
def test_recovery_codes_are_stored_only_as_salted_hashes(client, person):
    """ASVS 2.6.2: a copy of the database holds no usable recovery code."""
    import hashlib

    from django.db import connection

    from cities.models import RecoveryCode

    client.force_login(person)
    _device, codes = set_up_mfa(client, person)
    plain = [code.replace("-", "") for code in codes]

    stored = list(RecoveryCode.objects.filter(device__user=person))
    assert len(stored) == 10
    assert len({row.salt for row in stored}) == 10  # a salt of its own each
    for code in plain:  # each code is the salted SHA-256 of exactly one row
        assert [
            row.pk
            for row in stored
            if row.digest == hashlib.sha256(f"{row.salt}:{code}".encode()).hexdigest()
        ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT salt, digest FROM cities_recoverycode")
        dump = repr(cursor.fetchall())
    assert not any(code in dump for code in plain)
    assert not _plain_static_tokens()


def _plain_static_tokens() -> list[str]:
    from django_otp.plugins.otp_static.models import StaticToken

    return list(StaticToken.objects.values_list("token", flat=True))


@pytest.mark.django_db
def test_plain_text_codes_from_before_are_hashed_and_keep_working(client, person, settings):
    """Migration cities 0005 moves django-otp's plain-text static tokens into hashed codes."""
    import importlib

    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    old = StaticDevice.objects.create(user=person, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=old, token="abcdefghijklmnop")
    StaticToken.objects.create(device=old, token="qrstuvwxyz234567")
    person.mfa_enabled = True
    person.save()
    migration = importlib.import_module("cities.migrations.0005_recovery_codes_hashed")

    migration.hash_static_tokens(apps, None)

    assert _plain_static_tokens() == [] and not StaticDevice.objects.exists()
    log_in(client, person.email, factories.PASSWORD)
    assert client.post(reverse("accounts:mfa_verify"), {"code": "ABCD-EFGH-IJKL-MNOP"}).status_code == 302
    client.post(reverse("logout"))
    log_in(client, person.email, factories.PASSWORD)
    assert client.post(reverse("accounts:mfa_verify"), {"code": "abcd-efgh-ijkl-mnop"}).status_code == 200


@pytest.mark.django_db
def test_the_back_office_never_shows_an_authenticator_secret(client, person):
    """django-otp's device pages are not in the back office; the people page shows no key."""
    client.force_login(person)
    device, _codes = set_up_mfa(client, person)
    coordinator = factories.CoordinatorFactory(is_staff=True, is_superuser=True)
    admin_client = client.__class__()
    admin_client.force_login(coordinator)

    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "otp_totp" not in index and "otp_static" not in index
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 404
    assert admin_client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert admin_client.get("/admin/cities/recoverycodedevice/").status_code == 404
    person_page = admin_client.get(reverse("admin:cities_user_change", args=[person.pk])).content.decode()
    assert device.key not in person_page


@pytest.mark.django_db
def test_my_data_download_leaves_out_the_authenticator_secret(client, person):
    client.force_login(person)
    device, codes = set_up_mfa(client, person)

    text = client.get(reverse("audit:my_data")).content.decode()

    assert "otp_totp.TOTPDevice" in text  # that there is an authenticator is the person's data
    assert device.key not in text
    assert not any(code.replace("-", "") in text for code in codes)


# --- Session lifetime ----------------------------------------------------------------------------


def _age_session(client, *, idle_seconds: int = 0, since_login_seconds: int = 0) -> None:
    from cities.middleware import LAST_SEEN_KEY, LOGGED_IN_AT_KEY

    session = client.session
    session[LAST_SEEN_KEY] -= idle_seconds
    session[LOGGED_IN_AT_KEY] -= since_login_seconds
    session.save()


@pytest.mark.django_db
def test_idle_session_is_signed_out_with_a_message(client, person, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    client.force_login(person)
    assert client.get(reverse("accounts:account")).status_code == 200
    _age_session(client, idle_seconds=29 * 60)
    assert client.get(reverse("accounts:account")).status_code == 200  # 29 minutes: still in

    _age_session(client, idle_seconds=31 * 60)
    response = client.get(reverse("accounts:account"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    page = response.content.decode()
    assert "30 minuutin" in page  # Kaisa's language: "signed out after 30 minutes"
    assert client.get(reverse("accounts:account")).status_code == 302


@pytest.mark.django_db
def test_session_ends_after_its_absolute_lifetime_even_when_active(client, person, settings):
    settings.SESSION_MAX_AGE_HOURS = 12
    person.language = "en"
    person.save()
    client.force_login(person)
    _age_session(client, since_login_seconds=12 * 3600 + 60)

    response = client.get(reverse("accounts:account"), follow=True)

    assert "sessions end 12 hours after logging in" in response.content.decode()
    assert settings.SESSION_COOKIE_AGE < 14 * 24 * 3600
