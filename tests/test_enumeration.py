"""An attacker learns nothing about which e-mail addresses have accounts: not from the answer
of the login form or of "Forgot your password?", nor from how long the answer takes.

Timing is proved by structure first: the paths of a known and of an unknown address do the
same work, counted where it costs (password hashing, SQL statements, tasks queued). A median
timing check on top uses a real PBKDF2 hasher (so hashing dominates), interleaves the two
kinds of request (so load on the machine hits both alike) and allows a generous margin."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

KNOWN = "kaisa@example.eu"
UNKNOWN = "nobody@example.eu"
INACTIVE = "left@example.eu"
INVITED = "not-yet@example.eu"  # invited, has not chosen a password yet


class CountingPBKDF2Hasher(PBKDF2PasswordHasher):
    """Django's PBKDF2, fewer rounds (the suite stays quick), counting every hash it computes."""

    iterations = 120_000
    computed = 0

    def encode(self, password, salt, iterations=None):
        type(self).computed += 1
        return super().encode(password, salt, iterations)


@pytest.fixture
def accounts(settings):
    settings.PASSWORD_HASHERS = ["tests.test_enumeration.CountingPBKDF2Hasher"]
    settings.AXES_FAILURE_LIMIT = 1000  # the lockout has its own tests; here every try is a real check
    factories.UserFactory(email=KNOWN, language="en")
    factories.UserFactory(email=INACTIVE, is_active=False)
    invited = factories.UserFactory(email=INVITED)
    invited.set_unusable_password()
    invited.save()


def _visible(response) -> str:
    """The page as the visitor sees it, without the per-request CSRF token and CSP nonce."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r'nonce="[^"]+"', "", text)


def _log_in(client, email: str, password: str = "wrong-password-1"):
    return client.post(reverse("login"), {"username": email, "password": password})


# --- the login form ----------------------------------------------------------------------------


def test_login_answers_the_same_for_known_unknown_inactive_and_invited_addresses(client, accounts):
    attempts = {
        "known, wrong password": (KNOWN, "wrong-password-1"),
        "unknown": (UNKNOWN, "wrong-password-1"),
        "inactive, right password": (INACTIVE, factories.PASSWORD),
        "invited, no password yet": (INVITED, "wrong-password-1"),
    }
    seen = {}
    for label, (email, password) in attempts.items():
        CountingPBKDF2Hasher.computed = 0
        with CaptureQueriesContext(connection) as queries:
            response = _log_in(client.__class__(), email, password)
        page = _visible(response).replace(email, "ADDRESS")
        seen[label] = (response.status_code, page, CountingPBKDF2Hasher.computed, len(queries))

    statuses = {label: value[0] for label, value in seen.items()}
    assert set(statuses.values()) == {200}, statuses
    pages = {value[1] for value in seen.values()}
    assert len(pages) == 1, "the login page differs between kinds of address"
    assert "Please enter a correct e-mail address and password" in pages.pop()
    # One password hash on every path: an unknown address is hashed against nothing, a
    # password-less account against a random one (Django's ModelBackend and hashers).
    assert {label: value[2] for label, value in seen.items()} == dict.fromkeys(attempts, 1)
    counts = {label: value[3] for label, value in seen.items()}
    assert len(set(counts.values())) == 1, counts


def test_login_timing_does_not_tell_a_known_address_from_an_unknown_one(client, accounts):
    """Medians of interleaved attempts; each does one real PBKDF2 hash, which dominates."""
    durations: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for _round in range(9):
        for email in (KNOWN, UNKNOWN):
            started = time.perf_counter()
            assert _log_in(client.__class__(), email).status_code == 200
            durations[email].append(time.perf_counter() - started)

    known, unknown = (statistics.median(durations[email]) for email in (KNOWN, UNKNOWN))
    assert 0.5 < known / unknown < 2.0, (known, unknown)


# --- "Forgot your password?" -----------------------------------------------------------------


def test_reset_request_does_the_same_work_for_every_kind_of_address(
    client, accounts, django_capture_on_commit_callbacks
):
    """Not even a lookup in the request: the worker finds out whether the address has an account."""
    seen = {}
    for email in (KNOWN, UNKNOWN, INACTIVE, INVITED):
        CountingPBKDF2Hasher.computed = 0
        browser = client.__class__()
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            response = browser.post(reverse("accounts:password_reset"), {"email": email})
        done = browser.get(response["Location"])
        seen[email] = (
            response.status_code,
            response["Location"],
            _visible(done),
            [query["sql"] for query in queries.captured_queries],
            len(callbacks),
            CountingPBKDF2Hasher.computed,
        )

    assert len({value[:3] for value in seen.values()}) == 1  # same answer, same next page
    assert len({tuple(value[3]) for value in seen.values()}) == 1  # the same SQL, if any
    assert {value[4] for value in seen.values()} == {1}  # one task queued for each
    assert {value[5] for value in seen.values()} == {0}
    page = seen[KNOWN][2]
    assert "If the address you entered belongs to an account" in page
    assert not any(email in page for email in seen)


def test_only_a_known_active_address_with_a_password_gets_the_email(
    client, accounts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for email in (KNOWN, UNKNOWN, INACTIVE, INVITED):
            client.post(reverse("accounts:password_reset"), {"email": email.upper()})

    assert [message.to for message in mail.outbox] == [[KNOWN]]


def test_reset_request_timing_does_not_tell_a_known_address_from_an_unknown_one(client, accounts):
    """The same code path for both (see above); medians of interleaved requests agree within
    a generous margin (the e-mail itself is built by the worker after the answer)."""
    durations: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for _round in range(9):
        for email in (KNOWN, UNKNOWN):
            started = time.perf_counter()
            assert client.post(reverse("accounts:password_reset"), {"email": email}).status_code == 302
            durations[email].append(time.perf_counter() - started)

    known, unknown = (statistics.median(durations[email]) for email in (KNOWN, UNKNOWN))
    assert abs(known - unknown) < max(0.05, min(known, unknown)), (known, unknown)


# --- links from e-mails ------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["accounts:invitation_accept", "accounts:password_reset_confirm"])
def test_a_forged_link_reads_the_same_for_an_existing_and_a_missing_account(client, accounts, url_name):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from cities.models import User

    existing = urlsafe_base64_encode(force_bytes(User.objects.get(email=INVITED).pk))
    missing = urlsafe_base64_encode(force_bytes(User.objects.order_by("-pk").first().pk + 1000))
    pages = []
    for uid in (existing, missing):
        response = client.get(reverse(url_name, kwargs={"uidb64": uid, "token": "abc-0123456789abcdef"}))
        assert response.status_code == 200 and not response.context["validlink"]
        pages.append(_visible(response))

    assert pages[0] == pages[1]
