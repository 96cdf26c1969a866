"""A session's interviewees and criteria are edited by several people (the lead, the
coordinators) like its own fields: every interviewee row is a versioned unit, a stale change of
what a colleague changed since is a conflict with both versions (nothing saved, nothing lost),
different changes merge, and each save is a version in the session's history, criteria and
interviewees included. Races run with real threads on PostgreSQL (tests/parallel.py)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from peerreview.models import Criterion, Interviewee, RoundState, Session
from peerreview.services.retention import anonymise_interviewees
from tests import factories
from tests.html_forms import form_data
from tests.parallel import in_parallel
from tests.test_assessment_programme import add_day, add_session, client_for, make_round


def _edit_url(review_round, session) -> str:
    return reverse("peerreview:session_edit", args=[review_round.pk, session.pk])


def _loaded(client, review_round, session) -> dict:
    """The session form as the page was loaded (hidden versions and digests included)."""
    response = client.get(_edit_url(review_round, session))
    assert response.status_code == 200
    return form_data(response)


def _row(data: dict, person: Interviewee) -> str:
    """The formset prefix of a person's row in the loaded form."""
    for key, value in data.items():
        if key.endswith("-id") and value == str(person.pk):
            return key.removesuffix("-id")
    raise AssertionError(f"no row for {person}")


@pytest.fixture
def planned():
    review_round, lead, _member, _host = make_round()
    coordinator = factories.CoordinatorFactory()
    session = add_session(add_day(review_round), topic="Strategy")
    ana = Interviewee.objects.create(session=session, role="buyer", name="Ana", organisation="Porto")
    return review_round, session, ana, client_for(lead), client_for(coordinator), lead, coordinator


@pytest.mark.django_db(transaction=True)
def test_an_interviewee_and_the_topic_changed_at_once_are_both_kept(planned):
    review_round, session, ana, lead, coordinator, *_people = planned
    mine, theirs = _loaded(lead, review_round, session), _loaded(coordinator, review_round, session)
    mine[f"{_row(mine, ana)}-name"] = "Ana Sousa"
    theirs["topic"] = "Strategy and budget"
    url = _edit_url(review_round, session)

    responses = in_parallel(lambda: lead.post(url, mine), lambda: coordinator.post(url, theirs))

    assert [response.status_code for response in responses] == [302, 302]
    session.refresh_from_db()
    ana.refresh_from_db()
    assert (session.topic, ana.name, ana.organisation) == ("Strategy and budget", "Ana Sousa", "Porto")


@pytest.mark.django_db(transaction=True)
def test_the_same_interviewee_field_changed_at_once_is_one_conflict_with_both_names(planned):
    review_round, session, ana, lead, coordinator, *_people = planned
    mine, theirs = _loaded(lead, review_round, session), _loaded(coordinator, review_round, session)
    mine[f"{_row(mine, ana)}-name"] = "Ana Sousa"
    theirs[f"{_row(theirs, ana)}-name"] = "Ana M. Sousa"
    theirs["notes"] = "Ask about the budget."  # saved with it, or not at all
    url = _edit_url(review_round, session)

    responses = in_parallel(lambda: lead.post(url, mine), lambda: coordinator.post(url, theirs))

    assert sorted(response.status_code for response in responses) == [200, 302]
    refused = next(response for response in responses if response.status_code == 200)
    page = refused.content.decode()
    assert "data-edit-conflict" in page and "Ana Sousa" in page and "Ana M. Sousa" in page
    ana.refresh_from_db()
    session.refresh_from_db()
    if refused is responses[1]:  # the coordinator's save is refused as a whole
        assert (ana.name, session.notes) == ("Ana Sousa", "")
    else:
        assert (ana.name, session.notes) == ("Ana M. Sousa", "Ask about the budget.")
    # The refused person merges and saves again: now it goes through.
    again = form_data(refused)
    again[f"{_row(again, ana)}-name"] = "Ana Maria Sousa"
    client = lead if refused is responses[0] else coordinator
    assert client.post(url, again).status_code == 302
    ana.refresh_from_db()
    assert ana.name == "Ana Maria Sousa"


@pytest.mark.django_db(transaction=True)
def test_criteria_changed_differently_at_once_are_one_conflict_and_the_same_change_is_not(planned):
    review_round, session, _ana, lead, coordinator, *_people = planned
    first, second, third = Criterion.objects.filter(theme__framework=review_round.framework)[:3]
    session.criteria.set([first])
    url = _edit_url(review_round, session)
    mine, theirs = _loaded(lead, review_round, session), _loaded(coordinator, review_round, session)
    mine["criteria"], theirs["criteria"] = [first.pk, second.pk], [first.pk, third.pk]

    responses = in_parallel(lambda: lead.post(url, mine), lambda: coordinator.post(url, theirs))

    assert sorted(response.status_code for response in responses) == [200, 302]
    refused = next(response for response in responses if response.status_code == 200).content.decode()
    assert "data-edit-conflict" in refused
    kept = set(session.criteria.values_list("pk", flat=True))
    assert kept in ({first.pk, second.pk}, {first.pk, third.pk})


@pytest.mark.django_db
def test_removing_a_person_a_colleague_changed_meanwhile_is_shown_first(client, planned):
    review_round, session, ana, lead, coordinator, lead_user, _coordinator_user = planned
    url = _edit_url(review_round, session)
    stale = _loaded(lead, review_round, session)
    fresh = dict(stale)
    fresh[f"{_row(fresh, ana)}-organisation"] = "Porto city council"
    assert coordinator.post(url, fresh).status_code == 302

    stale[f"{_row(stale, ana)}-DELETE"] = "on"
    refused = lead.post(url, stale)
    assert refused.status_code == 200 and "Porto city council" in refused.content.decode()
    assert Interviewee.objects.filter(pk=ana.pk).exists()

    again = form_data(refused)
    again[f"{_row(again, ana)}-DELETE"] = "on"
    assert lead.post(url, again).status_code == 302
    assert not Interviewee.objects.filter(pk=ana.pk).exists()
    removed = Interviewee.history.get(id=ana.pk, history_type="-")
    assert removed.history_user == lead_user


@pytest.mark.django_db
def test_the_session_history_shows_criteria_and_interviewees_and_who_changed_them(planned):
    review_round, session, ana, lead, coordinator, lead_user, coordinator_user = planned
    first = Criterion.objects.filter(theme__framework=review_round.framework).first()
    url = _edit_url(review_round, session)
    before = session.history.count()
    data = _loaded(lead, review_round, session)
    data["criteria"] = [first.pk]
    assert lead.post(url, data).status_code == 302
    data = _loaded(coordinator, review_round, session)
    data[f"{_row(data, ana)}-name"] = "Ana Sousa"
    new = f"interviewees-{data['interviewees-TOTAL_FORMS']}"
    data["interviewees-TOTAL_FORMS"] = str(int(data["interviewees-TOTAL_FORMS"]) + 1)
    data.update({f"{new}-role": "procurement_head", f"{new}-name": "Pia Virtanen"})
    assert coordinator.post(url, data).status_code == 302
    assert session.history.count() == before + 2  # one version per save, criteria and people included

    history = reverse("peerreview:unit_history", args=[review_round.pk, "session", session.pk])
    page = lead.get(history).content.decode()

    assert lead_user.full_name in page and coordinator_user.full_name in page
    assert "criteria probed" in page.lower() and f"<ins>{first.code}</ins>" in page
    assert "Ana<ins> Sousa</ins>" in page
    assert "Interviewee added" in page and "Pia Virtanen" in page
    # the restore buttons of other units are not offered: a session is changed on its page
    assert "/restore/" not in page
    round_page = lead.get(reverse("peerreview:round_detail", args=[review_round.pk]))
    feed = " ".join(item.text for item in round_page.context["activity"])
    assert "changed the session “Strategy”" in feed
    # The city reads the programme, not the panel's planning history.
    host = factories.MembershipFactory(city=review_round.host_city).user
    lead.force_login(host)
    assert lead.get(history).status_code == 403


@pytest.mark.django_db
def test_retention_erases_interviewees_names_in_the_history_too(planned):
    review_round, session, ana, lead, _coordinator, *_people = planned
    url = _edit_url(review_round, session)
    data = _loaded(lead, review_round, session)
    data[f"{_row(data, ana)}-name"] = "Ana Sousa"
    assert lead.post(url, data).status_code == 302
    gone = Interviewee.objects.create(session=session, role="business", name="Rui", organisation="Rui Lda")
    gone._history_user = None
    gone.delete()
    assert Interviewee.history.filter(name__in=["Ana Sousa", "Rui"]).exists()
    review_round.state = RoundState.PUBLISHED
    review_round.published_at = timezone.now() - datetime.timedelta(days=3650)
    review_round.save()

    anonymise_interviewees(now=timezone.now())

    assert not Interviewee.history.exclude(name="").exists()
    assert not Interviewee.history.exclude(organisation="").exists()
    assert Session.objects.get(pk=session.pk).interviewees.get().name == ""
