"""The dashboard's notifications link to a round only when the person may open it: an invited
evaluator sees the invitation's round by name (the round page is a 404 until they accept)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerreview.models import Notification
from tests import factories


@pytest.mark.django_db
def test_an_invitation_links_to_the_round_only_once_accepted(client):
    assignment = factories.AssignmentFactory(state="invited")
    review_round, evaluator = assignment.round, assignment.evaluator
    Notification.objects.create(
        recipient=evaluator, kind=Notification.Kind.INVITATION, round=review_round, dedupe_key="invite:1"
    )
    client.force_login(evaluator)
    round_url = reverse("peerreview:round_detail", args=[review_round.pk])

    before = client.get(reverse("peerreview:dashboard")).content.decode()
    assert client.get(round_url).status_code == 404
    assert review_round.title in before and f'href="{round_url}"' not in before

    assignment.state = "accepted"
    assignment.save()
    after = client.get(reverse("peerreview:dashboard")).content.decode()
    assert f'href="{round_url}"' in after
    assert client.get(round_url).status_code == 200
