"""Structured logs with a request id: JSON lines (LOG_FORMAT=json) that carry the id of the request
they belong to, the same id in the response's and the e-mails' X-Request-ID header, and a client's
or proxy's id kept when it is a UUID. The id reaching a real worker through the task header is
tested in tests/test_background.py."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import uuid

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests import factories


@pytest.fixture
def json_log():
    """The root logger writes, for the test, through the settings' JSON formatter and request-id
    filter (what production's console handler uses) into a buffer; yields the parsed lines."""
    config = settings.LOGGING
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    configurator = logging.config.DictConfigurator(
        {"version": 1, "formatters": config["formatters"], "filters": config["filters"]}
    )
    handler.setFormatter(configurator.configure_custom(dict(config["formatters"]["json"])))
    handler.addFilter(configurator.configure_custom(dict(config["filters"]["request_id"])))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_log_lines_of_a_request_are_json_with_its_request_id(client, json_log):
    member = factories.MembershipFactory().user
    client.force_login(member)

    # Only coordinators see the list of all rounds: Django logs the refusal (django.request).
    response = client.get(reverse("peerreview:round_list"))

    assert response.status_code == 403
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    refusal = [line for line in json_log() if line["logger"] == "django.request"]
    assert refusal, json_log()
    assert refusal[0]["request_id"] == request_id
    assert refusal[0]["level"] == "WARNING"
    assert "Forbidden" in refusal[0]["message"] and refusal[0]["time"]


@pytest.mark.django_db
def test_each_request_gets_its_own_id_and_a_proxys_uuid_is_kept(client):
    first = client.get(reverse("healthz"))["X-Request-ID"]
    second = client.get(reverse("healthz"))["X-Request-ID"]
    given = uuid.uuid4().hex

    kept = client.get(reverse("healthz"), headers={"X-Request-ID": given})["X-Request-ID"]
    replaced = client.get(reverse("healthz"), headers={"X-Request-ID": "<script>"})["X-Request-ID"]

    assert first != second
    assert kept == given
    assert replaced not in ("<script>", given) and len(replaced) == 32


# Committed for real (transaction=True): the e-mail task runs after commit inside the request,
# as it does without a broker, not after the test's block.
@pytest.mark.django_db(transaction=True)
def test_account_email_carries_the_request_id(client):
    user = factories.UserFactory(email="anna@city.example")

    response = client.post(reverse("accounts:password_reset"), {"email": user.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["X-Request-ID"] == response["X-Request-ID"]
    assert mail.outbox[0].message()["X-Request-ID"] == response["X-Request-ID"]


@pytest.mark.django_db(transaction=True)
def test_notification_email_carries_the_request_id(client):
    import datetime

    from peerreview.models import AssessmentDay, RoundState, Session

    review_round = factories.RoundFactory(state=RoundState.ASSESSMENT)
    lead = factories.AssignmentFactory(round=review_round, role="lead")
    day = AssessmentDay.objects.create(round=review_round, date=datetime.date(2027, 2, 3))
    Session.objects.create(day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Strategy")
    client.force_login(lead.evaluator)

    response = client.post(reverse("peerreview:programme_send", args=[review_round.pk]))

    assert response.status_code == 302
    assert mail.outbox, "the programme was not sent"
    assert {message.extra_headers.get("X-Request-ID") for message in mail.outbox} == {
        response["X-Request-ID"]
    }


def test_outside_a_request_emails_have_no_request_id_header():
    from cities.request_id import mail_headers

    assert mail_headers() == {}
