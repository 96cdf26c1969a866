"""Evaluator pool and matching: ranked suggestions with reasons (never the whole pool in the page),
the panel rule (2–3 evaluators from at least two cities other than the host, or a recorded
exception), what an invited evaluator sees before accepting, reminders of unanswered
invitations and the coordinators' notice of a decline with the next suggestion."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cities.models import EvaluatorProfile
from peerreview.models import Assignment, Notification, Reminder
from peerreview.services.matching import reasons, round_needs, suggestion_pool, suggestions
from peerreview.services.panel import invite_evaluator, respond_to_invitation
from peerreview.services.panel_rule import override_panel_rule
from peerreview.services.reminders import send_invitation_reminders
from peerreview.services.rounds import TransitionError, prepare_prereport, transition_round
from tests import factories
from tests.parallel import in_parallel

pytestmark = pytest.mark.django_db


def _framework():
    framework = factories.FrameworkFactory()
    for order, (code, title) in enumerate(
        [("WHY", "Why procurement matters"), ("HOW", "Means to deliver"), ("WHO", "Organisation and roles")]
    ):
        theme = factories.ThemeFactory(framework=framework, code=code, title=title, order=order)
        titles = {
            "WHY": ["Influence of procurement", "Response to crises"],
            "HOW": ["Change management", "Tools and training"],
            "WHO": ["Decision making", "Market dialogue with suppliers"],
        }[code]
        for index, criterion_title in enumerate(titles, start=1):
            factories.CriterionFactory(
                theme=theme, code=f"{code}.{index}", title=criterion_title, order=index
            )
    return framework


@pytest.fixture
def espoo_round():
    host = factories.CityFactory(name="Espoo", languages="fi, sv, en")
    review_round = factories.RoundFactory(host_city=host, framework=_framework(), language="en")
    prereport = prepare_prereport(review_round)
    for answer in prereport.answers.select_related("criterion__theme"):
        answer.self_score = {"WHY": 3, "HOW": 1, "WHO": 2}[answer.criterion.theme.code]
        answer.save()
    prereport.guiding_question_1 = "How do we organise market dialogue with our suppliers?"
    prereport.save()
    return review_round


def _evaluator(name, *, city=None, expertise="", languages="en", **extra):
    city = city or factories.CityFactory(name=f"{name} city", country="SE")
    user = factories.UserFactory(full_name=name)
    return factories.EvaluatorProfileFactory(
        user=user, home_city=city, expertise=expertise, languages=languages, **extra
    ).user


@pytest.fixture
def coordinator(client):
    user = factories.CoordinatorFactory()
    client.force_login(user)
    return user


def test_the_round_needs_its_weakest_and_asked_about_themes(espoo_round):
    needs = round_needs(espoo_round)
    assert [code for code, _title in needs.weak_themes] == ["HOW", "WHO"]
    assert [code for code, _title, _question in needs.question_themes] == ["WHO"]  # "market dialogue"
    assert needs.city_languages == ["fi", "sv", "en"]


def test_suggestions_rank_expertise_language_and_conflicts(espoo_round):
    best = _evaluator("Ada", expertise="HOW, WHO")
    why_only = _evaluator("Ben", expertise="WHY")
    no_language = _evaluator("Cem", expertise="HOW, WHO", languages="de")
    conflicted = _evaluator("Dag", expertise="HOW, WHO")
    factories.DeclaredConflictFactory(evaluator=conflicted, city=espoo_round.host_city)
    away = _evaluator("Eli", expertise="HOW, WHO", available=False)
    _evaluator("Fin", city=espoo_round.host_city, expertise="HOW, WHO")  # from the host city: never
    ranked = list(suggestions(espoo_round, round_needs(espoo_round)))
    names = [profile.user.full_name for profile in ranked]
    assert names[0] == "Ada"
    assert "Fin" not in names
    assert names.index("Ada") < names.index("Cem") < names.index("Dag")
    assert names.index("Ben") < names.index("Dag") and names[-1] == "Eli"
    texts = [reason.text for reason in reasons(ranked[0], round_needs(espoo_round), espoo_round)]
    assert any("Expertise in HOW (Means to deliver), WHO (Organisation and roles)" in text for text in texts)
    assert "Works in the language of the report (en)." in texts
    assert "No declared conflict with the city." in texts
    assert {best.pk, why_only.pk, no_language.pk, conflicted.pk, away.pk} == {p.user_id for p in ranked}


def test_workload_and_a_city_already_on_the_panel_count_against(espoo_round):
    malmo = factories.CityFactory(name="Malmö", country="SE")
    busy = _evaluator("Busy", expertise="HOW")
    for _index in range(3):
        factories.AssignmentFactory(evaluator=busy, round=factories.RoundFactory(state="scoring"))
    _evaluator("Free", expertise="HOW")
    factories.AssignmentFactory(
        round=espoo_round, evaluator=_evaluator("Already", city=malmo), state="invited"
    )
    same_city = _evaluator("Same city", city=malmo, expertise="HOW")
    ranked = [p.user.full_name for p in suggestions(espoo_round, round_needs(espoo_round))]
    assert ranked.index("Free") < ranked.index("Busy")
    assert ranked.index("Free") < ranked.index("Same city")
    row = next(p for p in suggestions(espoo_round, round_needs(espoo_round)) if p.user_id == same_city.pk)
    assert any("already on this panel" in r.text for r in reasons(row, round_needs(espoo_round), espoo_round))


def test_the_invite_page_shows_a_page_of_ranked_suggestions_in_fixed_queries(
    client, coordinator, espoo_round
):
    url = reverse("peerreview:panel_manage", args=[espoo_round.pk])
    for index in range(4):
        _evaluator(f"Evaluator {index}", expertise="HOW")
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    for index in range(4, 30):
        _evaluator(f"Evaluator {index}", expertise="WHY" if index % 2 else "HOW")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    page = response.content.decode()
    assert len(response.context["rows"]) == 10
    assert response.context["page"].paginator.count == 30
    assert "<select" not in page.split('id="suggestions"')[1].split("<form")[0]  # no dropdown of people
    assert "Expertise in HOW" in page
    searched = client.get(url, {"q": "Evaluator 17"})
    assert [p.user.full_name for p, _r in searched.context["rows"]] == ["Evaluator 17"]


def test_inviting_from_a_suggestion(client, coordinator, espoo_round):
    ada = _evaluator("Ada", expertise="HOW")
    url = reverse("peerreview:panel_manage", args=[espoo_round.pk])
    response = client.post(url, {"evaluator": ada.pk, "role": "lead", "due_date": ""})
    assert response.status_code == 302
    assignment = Assignment.objects.get(round=espoo_round, evaluator=ada)
    assert assignment.role == "lead" and assignment.state == "invited"
    assert assignment.due_date == timezone.localdate() + datetime.timedelta(days=7)


# --- the panel rule ---------------------------------------------------------------------------


def _accepted(review_round, *cities, lead_first=True):
    for index, city in enumerate(cities):
        factories.AssignmentFactory(
            round=review_round,
            evaluator=_evaluator(f"Panel {index}", city=city),
            role="lead" if index == 0 and lead_first else "member",
        )


def _ready_for_scoring(review_round):
    review_round.state = "prereport_submitted"
    review_round.save()


def test_two_evaluators_from_one_city_are_not_a_panel(espoo_round, coordinator):
    _ready_for_scoring(espoo_round)
    malmo = factories.CityFactory(name="Malmö", country="SE")
    _accepted(espoo_round, malmo, malmo)
    with pytest.raises(TransitionError) as refused:
        transition_round(review_round=espoo_round, to_state="scoring", actor=coordinator)
    assert any("at least 2 cities other than the host" in problem for problem in refused.value.problems)


def test_two_cities_make_a_panel(espoo_round, coordinator):
    _ready_for_scoring(espoo_round)
    _accepted(espoo_round, factories.CityFactory(name="Malmö"), factories.CityFactory(name="Ghent"))
    transition_round(review_round=espoo_round, to_state="scoring", actor=coordinator)
    espoo_round.refresh_from_db()
    assert espoo_round.state == "scoring"


def test_a_recorded_exception_lets_the_panel_differ(client, espoo_round, coordinator):
    _ready_for_scoring(espoo_round)
    malmo = factories.CityFactory(name="Malmö", country="SE")
    _accepted(espoo_round, malmo, malmo)
    url = reverse("peerreview:panel_manage", args=[espoo_round.pk])
    response = client.post(url, {"action": "override", "override-reason": ""})
    assert response.status_code == 200 and "override_form" in response.context
    assert response.context["override_form"].errors
    response = client.post(url, {"action": "override", "override-reason": "Only Malmö has Finnish speakers."})
    assert response.status_code == 302
    espoo_round.refresh_from_db()
    assert espoo_round.panel_rule_override_reason == "Only Malmö has Finnish speakers."
    assert espoo_round.panel_rule_override_by == coordinator and espoo_round.panel_rule_override_at
    transition_round(review_round=espoo_round, to_state="scoring", actor=coordinator)


def test_no_fourth_evaluator_without_an_exception(espoo_round, coordinator):
    for name in ("One", "Two", "Three"):
        invite_evaluator(
            review_round=espoo_round, evaluator=_evaluator(name), role="member", invited_by=coordinator
        )
    fourth = _evaluator("Four")
    with pytest.raises(ValidationError) as refused:
        invite_evaluator(review_round=espoo_round, evaluator=fourth, role="member", invited_by=coordinator)
    assert refused.value.error_list[0].code == "panel_full"
    # A decline frees the seat.
    respond_to_invitation(assignment=espoo_round.assignments.first(), accept=False, reason="Busy")
    invite_evaluator(review_round=espoo_round, evaluator=fourth, role="member", invited_by=coordinator)
    fifth = _evaluator("Five")
    override_panel_rule(review_round=espoo_round, reason="A trainee joins the panel.", actor=coordinator)
    espoo_round.refresh_from_db()
    invite_evaluator(review_round=espoo_round, evaluator=fifth, role="member", invited_by=coordinator)


def test_a_full_panel_page_says_why_and_offers_no_invite_button(client, coordinator, espoo_round):
    for name in ("One", "Two", "Three"):
        invite_evaluator(
            review_round=espoo_round, evaluator=_evaluator(name), role="member", invited_by=coordinator
        )
    _evaluator("Four", expertise="HOW")
    page = client.get(reverse("peerreview:panel_manage", args=[espoo_round.pk])).content.decode()
    assert "the most the rule allows" in page
    assert 'name="evaluator" value=' not in page


# --- the invited evaluator, reminders and declines ------------------------------------------------


def test_the_invited_evaluator_sees_what_to_decide_on_before_accepting(client, espoo_round, coordinator):
    evaluator = _evaluator("Ada")
    assignment = invite_evaluator(
        review_round=espoo_round, evaluator=evaluator, role="lead", invited_by=coordinator
    )
    client.force_login(evaluator)
    assert client.get(reverse("peerreview:round_detail", args=[espoo_round.pk])).status_code == 404
    page = client.get(reverse("peerreview:invitation_respond", args=[assignment.pk])).content.decode()
    assert "How do we organise market dialogue with our suppliers?" in page
    assert "Espoo" in page and str(espoo_round.framework) in page
    assert "Scoring 6 criteria with a comment each: about 2.0 hours." in page
    assert "drafting the report" in page  # the lead's share
    dashboard = client.get(reverse("peerreview:dashboard")).content.decode()
    assert reverse("peerreview:invitation_respond", args=[assignment.pk]) in dashboard


def test_unanswered_invitations_are_reminded_once_then_coordinators_told(espoo_round, coordinator):
    ada = _evaluator("Ada", expertise="HOW")
    _evaluator("Ben", expertise="HOW, WHO")
    assignment = invite_evaluator(
        review_round=espoo_round, evaluator=ada, role="member", invited_by=coordinator
    )
    Assignment.objects.filter(pk=assignment.pk).update(
        invited_at=timezone.now() - datetime.timedelta(days=10)
    )
    due = assignment.due_date
    assert send_invitation_reminders(due - datetime.timedelta(days=1))
    assert send_invitation_reminders(due - datetime.timedelta(days=1)) == []  # once
    reminder = Notification.objects.get(kind="invitation_reminder", recipient=ada)
    assert reminder.context["path"] == reverse("peerreview:invitation_respond", args=[assignment.pk])
    sent = send_invitation_reminders(due + datetime.timedelta(days=1))
    assert [r.kind for r in sent] == [Reminder.Kind.OVERDUE]
    told = Notification.objects.get(kind="invitation_unanswered", recipient=coordinator)
    assert told.context["suggestion_name"] == "Ben"
    assert send_invitation_reminders(due + datetime.timedelta(days=2)) == []
    respond_to_invitation(assignment=assignment, accept=True)
    assert send_invitation_reminders(due + datetime.timedelta(days=3)) == []


def test_a_fresh_invitation_is_not_reminded_at_once(espoo_round, coordinator):
    assignment = invite_evaluator(
        review_round=espoo_round, evaluator=_evaluator("Ada"), role="member", invited_by=coordinator
    )
    assert send_invitation_reminders(timezone.localdate()) == []  # the 7-day reminder would be today
    assert send_invitation_reminders(assignment.due_date - datetime.timedelta(days=1))


def test_a_decline_tells_the_coordinators_the_reason_and_the_next_suggestion(
    client, espoo_round, coordinator, mailoutbox
):
    ada = _evaluator("Ada", expertise="HOW")
    _evaluator("Ben", expertise="HOW, WHO")
    assignment = invite_evaluator(
        review_round=espoo_round, evaluator=ada, role="member", invited_by=coordinator
    )
    client.force_login(ada)
    response = client.post(
        reverse("peerreview:invitation_respond", args=[assignment.pk]),
        {"decision": "decline", "reason": "On parental leave until June."},
    )
    assert response.status_code == 302
    notice = Notification.objects.get(kind="invitation_declined", recipient=coordinator)
    assert notice.context["reason"] == "On parental leave until June."
    assert notice.context["suggestion_name"] == "Ben"
    assert any("Expertise in HOW" in text for text in notice.context["suggestion_reasons"])


def test_the_decline_e_mail_renders_in_the_coordinators_language(espoo_round, coordinator):
    from peerreview.services.mail import build_message

    coordinator.language = "fi"
    coordinator.save()
    ada = _evaluator("Ada", expertise="HOW")
    _evaluator("Ben", expertise="HOW")
    assignment = invite_evaluator(
        review_round=espoo_round, evaluator=ada, role="member", invited_by=coordinator
    )
    respond_to_invitation(assignment=assignment, accept=False, reason="Busy")
    message = build_message(Notification.objects.get(kind="invitation_declined"))
    assert "Ada" in message.subject and "Busy" in message.body and "Ben" in message.body


# --- the evaluator's own profile ----------------------------------------------------------------


def test_an_evaluator_keeps_their_expertise_languages_and_availability(client, espoo_round):
    evaluator = _evaluator("Ada", expertise="WHY")
    client.force_login(evaluator)
    url = reverse("peerreview:evaluator_profile")
    page = client.get(url).content.decode()
    assert 'value="HOW"' in page  # a checkbox per theme of the active framework
    response = client.post(
        url,
        {
            "expertise": ["HOW", "WHO"],
            "languages": "EN, fi",
            "available": "on",
            "unavailable_until": "",
            "max_rounds_per_year": "3",
            "availability_note": "Not in July",
        },
    )
    assert response.status_code == 302
    profile = evaluator.evaluator_profile
    profile.refresh_from_db()
    assert (profile.expertise, profile.languages, profile.max_rounds_per_year) == ("HOW, WHO", "en, fi", 3)
    response = client.post(url, {"expertise": ["HOW"], "languages": "English!", "max_rounds_per_year": "2"})
    assert response.status_code == 200 and "languages" in response.context["form"].errors


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_filling_the_last_seat_at_once_invite_one(espoo_round, coordinator):
    """Two invitations for the last open seat, sent at the same moment (two coordinators, two
    connections): the round's row lock lets one through; the other is refused as the panel is full."""
    for name in ("One", "Two"):
        invite_evaluator(
            review_round=espoo_round, evaluator=_evaluator(name), role="member", invited_by=coordinator
        )
    candidates = [_evaluator("Three"), _evaluator("Four")]
    other_coordinator = factories.CoordinatorFactory()

    def invite(evaluator, invited_by):
        try:
            invite_evaluator(
                review_round=espoo_round, evaluator=evaluator, role="member", invited_by=invited_by
            )
        except ValidationError as refused:
            return refused.error_list[0].code
        return "invited"

    results = in_parallel(
        lambda: invite(candidates[0], coordinator), lambda: invite(candidates[1], other_coordinator)
    )

    assert sorted(results) == ["invited", "panel_full"]
    assert espoo_round.assignments.count() == 3


ANNOTATIONS = (
    "match_score", "open_panels", "year_panels", "host_reviews", "home_city_panels",
    "declared_conflict", "reciprocal", "joint_unit", "same_city_on_panel", "full", "away",
)  # fmt: skip


def test_the_ranking_of_a_few_people_counts_what_the_whole_ranking_counts(espoo_round):
    """`only_users` (a repeat round's earlier panel) narrows the load it counts to those people and
    their home cities: each row's counts and score must stay those of the whole ranking."""
    malmo = factories.CityFactory(name="Malmö", country="SE")
    busy = _evaluator("Busy", city=malmo, expertise="HOW")
    neighbour = _evaluator("Neighbour", city=malmo, expertise="WHO")
    for state in ("scoring", "published", "cancelled"):
        for evaluator in (busy, neighbour):
            factories.AssignmentFactory(
                evaluator=evaluator, round=factories.RoundFactory(state=state), state="accepted"
            )
    factories.AssignmentFactory(
        evaluator=busy,
        round=factories.RoundFactory(state="published", host_city=espoo_round.host_city),
        state="accepted",
    )
    factories.AssignmentFactory(
        evaluator=neighbour, round=factories.RoundFactory(state="drafting"), state="declined"
    )
    others = [_evaluator(f"Other {index}", expertise="WHY") for index in range(3)]
    needs = round_needs(espoo_round)
    whole = {p.user_id: p for p in suggestions(espoo_round, needs)}
    few = list(suggestions(espoo_round, needs, only_users=[busy.pk, others[0].pk]))
    assert [p.user_id for p in few] == [p for p in whole if p in {busy.pk, others[0].pk}]
    for profile in few:
        assert {name: getattr(profile, name) for name in ANNOTATIONS} == {
            name: getattr(whole[profile.user_id], name) for name in ANNOTATIONS
        }
    assert whole[busy.pk].host_reviews == 1 and whole[busy.pk].open_panels == 1
    assert whole[busy.pk].home_city_panels >= 4  # Busy's and Neighbour's accepted panels, not cancelled


@pytest.mark.parametrize("query", ["", "malmö", "HOW", "nobody"])
def test_the_invite_page_counts_the_rows_the_ranking_has(espoo_round, query):
    """The page counts `suggestion_pool` (no load to aggregate) and pages `suggestions`: the same rows."""
    malmo = factories.CityFactory(name="Malmö", country="SE")
    _evaluator("Ada", city=malmo, expertise="HOW")
    _evaluator("Ben", expertise="WHY")
    _evaluator("Fin", city=espoo_round.host_city, expertise="HOW")  # from the host city: never
    factories.AssignmentFactory(round=espoo_round, evaluator=_evaluator("On the panel", expertise="HOW"))
    ranked = [p.user_id for p in suggestions(espoo_round, round_needs(espoo_round), query=query)]
    pool = suggestion_pool(espoo_round, query=query)
    assert pool.count() == len(ranked) and set(pool.values_list("user_id", flat=True)) == set(ranked)
    assert len(ranked) == {"": 2, "malmö": 1, "HOW": 1, "nobody": 0}[query]


def test_the_codes_weighed_are_those_each_profile_has_in_any_form(espoo_round):
    """The codes are matched once per distinct value of the field (in Python) and asked in SQL
    as "one of these values": each row weighs what the pattern finds in its own field, in any
    case and between any separators, and a longer code is not its prefix."""
    values = [
        ("HOW, WHO", "en, fi"),
        ("how;why", "SV"),
        ("WHOLE, HOWL", "eng, fin"),
        ("HOW|WHY", "fi/sv"),
        ("", ""),
        ("WHY", "en"),
    ]
    for index, (expertise, languages) in enumerate(values):
        _evaluator(f"Person {index}", expertise=expertise, languages=languages)
    needs = round_needs(espoo_round)
    weak = [code for code, _title in needs.weak_themes]
    asked = [code for code, _t, _q in needs.question_themes if code not in weak]
    assert weak and needs.city_languages == ["fi", "sv", "en"]

    def found(profile, field, codes):
        pattern = r"(^|[^A-Za-z0-9_.]){}([^A-Za-z0-9_.]|$)"
        return sum(
            EvaluatorProfile.objects.filter(
                pk=profile.pk, **{f"{field}__iregex": pattern.format(code)}
            ).exists()
            for code in codes
        )

    ranked = list(suggestions(espoo_round, needs))
    assert len(ranked) == len(values)
    for profile in ranked:
        assert profile.weak_hits == found(profile, "expertise", weak), profile.expertise
        assert profile.question_hits == found(profile, "expertise", asked), profile.expertise
        assert profile.round_language_hit == found(profile, "languages", ["en"]), profile.languages
        assert profile.city_language_hits == found(profile, "languages", needs.city_languages), (
            profile.languages
        )
    by_expertise = {profile.expertise: profile.weak_hits for profile in ranked}
    assert by_expertise["WHOLE, HOWL"] == 0 and by_expertise["how;why"] == 1 and by_expertise["HOW, WHO"] == 2
