"""The network's library: who finds which report, full-text search in English, Finnish and
Swedish (ranked, on PostgreSQL's GIN index), filters that never fail, and the good-practice view."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.index import UPDATE_VECTORS, index_report
from network.models import LibraryFacet, SearchEntry
from network.search import (
    RANKED_MAX,
    CappedPaginator,
    ThemeEntries,
    readable_entries,
    search_entries,
    snippet,
)
from peerreview.models import AgreedScore
from reports.models import ActionProposal, SummaryReport
from reports.publication import set_publication_level
from reports.services import get_or_create_report, publish_report
from tests import factories

pytestmark = pytest.mark.django_db

LIBRARY = reverse("network:library")
GOOD_PRACTICE = reverse("network:good_practice")


def published_report(
    review_round=None,
    *,
    language: str = "en",
    level: str = "network",
    summary: str = "The unit buys with a clear mandate.",
    findings: dict[str, dict[str, str]] | None = None,
    proposals: list[str] = (),
    agreed: dict[str, int] | None = None,
    city=None,
) -> SummaryReport:
    """A report taken through publishing (the real service, so the library indexes it)."""
    if review_round is None:
        review_round = factories.RoundFactory(host_city=city or factories.CityFactory(), language=language)
    review_round.language = language
    review_round.state = "factual_check"
    review_round.save()
    report = get_or_create_report(review_round)
    report.executive_summary = summary
    report.publication_level = level
    report.save()
    for finding in report.findings.select_related("criterion"):
        for field, text in (findings or {}).get(finding.criterion.code, {}).items():
            setattr(finding, field, text)
        finding.save()
    for number, title in enumerate(proposals, start=1):
        ActionProposal.objects.create(report=report, number=number, title=title)
    for code, level_value in (agreed or {}).items():
        AgreedScore.objects.create(
            round=review_round,
            criterion=review_round.framework.themes.get(code="WHY").criteria.get(code=code),
            level=level_value,
            rationale="Agreed.",
        )
    publish_report(review_round=review_round, actor=None, repeat_interval_months=18)
    report.refresh_from_db()
    return report


def hits(client, url: str = LIBRARY, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- who finds what -----------------------------------------------------------------------------

# Does the persona find the report's good practice in the library? (anonymous: to the login page)
FINDS = {
    "round": {"coordinator", "host_member", "assigned_evaluator"},
    "network": {
        "coordinator",
        "host_member",
        "assigned_evaluator",
        "other_city_member",
        "unassigned_evaluator",
    },
    "public": {
        "coordinator",
        "host_member",
        "assigned_evaluator",
        "other_city_member",
        "unassigned_evaluator",
    },
}
PERSONAS = ["coordinator", "host_member", "other_city_member", "assigned_evaluator", "unassigned_evaluator"]


@pytest.mark.parametrize("level", sorted(FINDS))
@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_library_hits_follow_the_publication_level(client, personas, level, persona):
    published_report(
        personas.review_round,
        level=level,
        findings={"WHY.1": {"good_practice": "Quarterly supplier cafés before every large tender."}},
    )
    if persona == "anonymous":
        response = client.get(LIBRARY, {"q": "supplier cafés"})
        assert response.status_code == 302 and "login/" in response["Location"]
        assert client.get(GOOD_PRACTICE).status_code == 302
        return
    client.force_login(getattr(personas, persona))

    library = hits(client, q="supplier cafés")
    listing = hits(client)
    good_practice = hits(client, GOOD_PRACTICE, criterion="WHY.1")

    found = persona in FINDS[level]
    assert ("Quarterly" in library) is found  # the hit's text, its matches marked
    assert ("Tampere 2026" in listing) is found
    assert ("Quarterly supplier" in good_practice) is found


def _country_choices(client) -> set[str]:
    return {value for value, _label in client.get(LIBRARY).context["form"].fields["country"].choices if value}


def test_widening_the_level_shows_the_report_to_more_people_and_in_their_filters(client, personas):
    report = published_report(
        personas.review_round,
        level="round",
        findings={"WHY.1": {"good_practice": "Quarterly supplier cafés before every large tender."}},
    )
    country = personas.review_round.host_city.country
    client.force_login(personas.other_city_member)
    assert "Quarterly" not in hits(client, q="supplier cafés")
    assert country not in _country_choices(client)
    client.force_login(personas.host_member)
    assert country in _country_choices(client)  # their own round's report, at any level

    set_publication_level(report=report, level="network", actor=personas.host_member)

    assert set(SearchEntry.objects.filter(report=report).values_list("publication_level", flat=True)) == {
        "network"
    }
    client.force_login(personas.other_city_member)
    assert "Quarterly" in hits(client, q="supplier cafés")
    assert country in _country_choices(client)
    assert "1 report" in hits(client, country=country)
    assert LibraryFacet.objects.get(country=country, publication_level="network").reports == 1
    assert not LibraryFacet.objects.filter(country=country, publication_level="round").exists()


def test_a_city_that_changes_country_moves_its_entries_and_the_filters(client):
    report = published_report(city=factories.CityFactory(name="Narva", country="FI"), level="network")
    city = report.round.host_city
    city.country = "EE"
    city.save()

    assert set(SearchEntry.objects.filter(report=report).values_list("country", flat=True)) == {"EE"}
    assert set(LibraryFacet.objects.values_list("country", flat=True)) == {"EE"}


def past_the_cap(template: SearchEntry) -> None:
    """More copies of an entry than the pages count (`RANKED_MAX` + 5), numbered in their text."""
    copies = []
    for number in range(RANKED_MAX + 5):
        copy = SearchEntry.objects.get(pk=template.pk)
        copy.pk = None
        copy.text = f"Open tender calendar, part {number}."
        copies.append(copy)
    SearchEntry.objects.bulk_create(copies)


def test_past_the_cap_the_count_says_more_than_and_pages_stop_there(client):
    report = published_report(findings={"WHY.1": {"good_practice": "Open tender calendar."}})
    template = SearchEntry.objects.get(report=report, kind="good_practice")
    past_the_cap(template)
    with connection.cursor() as cursor:
        cursor.execute(UPDATE_VECTORS, [report.pk])
    client.force_login(factories.CoordinatorFactory())

    page = hits(client, q="tender calendar")
    last = client.get(LIBRARY, {"q": "tender calendar", "page": 9999}).context["page"]

    assert f"More than {RANKED_MAX} hits" in page
    assert "Add a word or a filter" in page
    assert last.number == RANKED_MAX // 20 and len(last.object_list) == 20
    assert "1 hit" in hits(client, q="tender calendar part 7")  # a narrower search counts exactly again


def counts_reports(sql: str) -> bool:
    """A count of the reports themselves: Django's, or `bounded_counts`'s of each readable part."""
    return sql.startswith(("SELECT COUNT(*)", "SELECT (SELECT COUNT(*)")) and "reports_summaryreport" in sql


def test_a_list_past_the_cap_is_counted_from_the_facet_table_without_reading_the_reports(client):
    """At EU scale the bounded count read `RANKED_MAX` + 1 joined rows (13–18 ms for 1,001); the
    facet table's sum for the readable levels already says "more than", so the list is not
    counted at all."""
    published_report(level="network")
    member = factories.MembershipFactory().user
    client.force_login(member)
    with CaptureQueriesContext(connection) as small:
        assert "1 report" in hits(client)
    assert any(counts_reports(query["sql"]) for query in small.captured_queries)  # few: counted exactly

    # As the facet table of a network with more reports shared with the network than the cap says.
    LibraryFacet.objects.filter(publication_level="network").update(reports=RANKED_MAX + 5)
    with CaptureQueriesContext(connection) as large:
        page = hits(client)
    assert f"More than {RANKED_MAX} reports" in page
    assert not any(counts_reports(query["sql"]) for query in large.captured_queries)
    # Another country's facets say nothing about this filter: counted exactly again.
    assert "No report" in hits(client, country="SE") or "0 reports" in hits(client, country="SE")


def test_a_readers_list_read_by_parts_is_the_readable_reports_newest_first(django_user_model):
    """`ReadableReports` reads each readable level and the person's own rounds apart and merges
    them: for every kind of reader, every page must hold the rows, and the order, of the one
    query it replaces (the readable reports by -published_at, pk), ties and duplicates included."""
    from django.contrib.auth.models import AnonymousUser

    from network.search import ReadableReports, report_list
    from reports.permissions import readable_reports

    member = factories.MembershipFactory()
    evaluator = factories.EvaluatorProfileFactory().user
    levels = ["round", "network", "public", "round", "public", "network", "round", "network", "public"]
    reports = [published_report(level=level) for level in levels]
    own_city = reports[0].round.host_city  # a round-level report of the member's own city…
    factories.MembershipFactory(user=member.user, city=own_city)
    factories.AssignmentFactory(round=reports[3].round, evaluator=evaluator)  # …and of a panel
    factories.AssignmentFactory(round=reports[5].round, evaluator=evaluator)  # (network level too)
    base = timezone.now()
    for number, report in enumerate(reports):  # interleaved dates, with ties
        SummaryReport.objects.filter(pk=report.pk).update(
            published_at=base - timezone.timedelta(days=number // 2)
        )
    outsider = factories.UserFactory()  # signed in, neither member nor evaluator: public only
    readers = {
        "member": member.user,
        "evaluator": evaluator,
        "outsider": outsider,
        "anonymous": AnonymousUser(),
    }
    seen = {}
    for name, reader in readers.items():
        expected = list(readable_reports(reader).order_by("-published_at", "pk").values_list("pk", flat=True))
        listed = report_list(reader, {})
        # Read by parts, except for the public alone (one part: a plain query).
        assert isinstance(listed, ReadableReports) == (name != "anonymous"), name
        assert listed.count() == len(expected), name
        for per_page in (1, 2, 4, 20):
            paginator = CappedPaginator(listed, per_page)
            shown = [report.pk for number in paginator.page_range for report in paginator.page(number)]
            assert shown == expected, (name, per_page)
        seen[name] = set(expected)
    assert reports[0].pk in seen["member"] and reports[0].pk not in seen["evaluator"]
    assert reports[3].pk in seen["evaluator"] and reports[3].pk not in seen["member"]
    assert seen["outsider"] == seen["anonymous"] == {r.pk for r in reports if r.publication_level == "public"}


def test_a_draft_is_not_in_the_library_until_it_is_published(client, personas):
    review_round = personas.review_round
    review_round.state = "factual_check"
    review_round.save()
    report = get_or_create_report(review_round)
    SummaryReport.objects.filter(pk=report.pk).update(
        executive_summary="Draft words: provisional tender pipeline.", publication_level="network"
    )
    report.refresh_from_db()
    index_report(report)  # even asked to, the index keeps nothing of a draft
    client.force_login(personas.coordinator)

    assert SearchEntry.objects.filter(report=report).count() == 0
    page = hits(client, q="provisional tender")
    assert "0 hits" in page and "Draft words" not in page


# --- search: ranking and languages (PostgreSQL) ------------------------------------------------


def test_a_report_whose_good_practice_names_the_word_ranks_first(client):
    reader = factories.CoordinatorFactory()
    mention = published_report(
        city=factories.CityFactory(name="Ghent"),
        findings={"WHY.2": {"areas_to_develop": "Circularity is not yet asked for in furniture tenders."}},
    )
    practice = published_report(
        city=factories.CityFactory(name="Utrecht"),
        findings={"WHY.1": {"good_practice": "Circularity criteria in every furniture tender since 2023."}},
    )
    client.force_login(reader)

    started = time.perf_counter()
    ranked = list(search_entries(reader, {"q": "circularity"}))
    elapsed = time.perf_counter() - started

    assert [entry.report_id for entry in ranked] == [practice.pk, mention.pk]
    assert ranked[0].rank > ranked[1].rank
    assert elapsed < 1.0
    page = hits(client, q="circularity")
    assert page.index("Utrecht") < page.index("Ghent")
    assert "<mark>Circularity</mark>" in page


@pytest.mark.parametrize(
    ("language", "written", "query"),
    [
        ("fi", "Kaupunki käy markkinavuoropuhelu ennen jokaista suurta hankintaa.", "markkinavuoropuhelussa"),
        ("fi", "Kaupunki ottaa huomioon ympäristö ja ilmasto.", "ympäristössä"),
        ("sv", "Staden för leverantörsdialog inför varje stor upphandling.", "leverantörsdialoger"),
        ("en", "The city publishes its procurement plan.", "publishing plans"),
        ("en", "A joint framework with Malmö and Lund.", "Malmo"),
    ],
)
def test_a_query_finds_the_base_form_in_the_reports_language(client, language, written, query):
    reader = factories.CoordinatorFactory()
    report = published_report(language=language, findings={"WHY.1": {"good_practice": written}})
    assert set(SearchEntry.objects.filter(report=report).values_list("config", flat=True)) == {
        {"fi": "finnish", "sv": "swedish", "en": "english"}[language]
    }
    client.force_login(reader)

    page = hits(client, q=query)

    assert "1 hit" in page, query
    assert written.split()[0] in page


def _every_alternative(q: str):
    """The query as it was built before the alternatives were parsed first: each language's
    reading and the accent-free one, OR-ed as they come, duplicates and all."""
    from functools import reduce
    from operator import or_

    from django.contrib.postgres.search import SearchQuery
    from django.db.models import Func, TextField, Value

    from network.index import SEARCH_CONFIGS

    queries = [SearchQuery(q, config=config, search_type="websearch") for config in SEARCH_CONFIGS]
    unaccented = Func(Value(q), function="unaccent", output_field=TextField())
    queries.append(SearchQuery(unaccented, config="simple", search_type="websearch"))
    return reduce(or_, queries)


@pytest.mark.parametrize(
    "query",
    [
        "published minutes",
        "supplier cafés",
        "Malmo",
        "markkinavuoropuhelussa",
        "leverantörsdialoger",
        '"tender calendar" -supplier',
        "the",
        "!!! ( <->",
        "tender OR dialogue",
    ],
)
def test_each_reading_of_the_words_is_searched_once_with_the_same_matches_and_ranks(query):
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    from network.search import query_alternatives, text_query

    published_report(
        language="en",
        summary="The minutes are published. Supplier cafés before the tender calendar.",
        findings={"WHY.1": {"good_practice": "A joint framework with Malmö; minutes published."}},
    )
    published_report(
        language="fi",
        summary="Kaupunki käy markkinavuoropuhelu; the tender calendar is published.",
        findings={"WHY.1": {"strengths": "Tender dialogue with suppliers."}},
    )
    published_report(
        language="sv",
        summary="Staden för leverantörsdialog inför varje stor upphandling.",
        findings={"WHY.2": {"areas_to_develop": "Published minutes of supplier dialogue."}},
    )

    parsed = text_query(query)
    sql, _params = SearchEntry.objects.filter(search_vector=parsed).query.sql_with_params()
    alternatives = query_alternatives(query)

    def ranked(tsquery):
        return sorted(
            SearchEntry.objects.filter(search_vector=tsquery)
            .annotate(rank=SearchRank(F("search_vector"), tsquery))
            .values_list("pk", "rank")
        )

    assert ranked(parsed) == ranked(_every_alternative(query))
    assert len(alternatives) == len(set(alternatives))
    assert "::tsquery" in sql and "unaccent" not in sql  # a constant: no row parses it again
    if query == "published minutes":
        assert ranked(parsed), "the phrase is in the reports"
        assert len(alternatives) < 4  # Finnish reads it as the accent-free words do


def test_equal_ranks_are_ordered_newest_first_then_by_id(django_user_model):
    """The candidates come back with their date as seconds (cheap to read) and are ordered in
    Python: the same order as PostgreSQL's -rank, -published_at (none last), id."""
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    from network.search import text_query

    reader = factories.CoordinatorFactory()
    reports = [published_report(summary="Supplier minutes are published quarterly.") for _ in range(6)]
    published_report(summary="Supplier minutes are published quarterly. Supplier minutes again.")
    moments = [timezone.now() - timezone.timedelta(days=days) for days in (3, 1, 3, 2, 1, 0)]
    moments[5] = moments[5].replace(microsecond=1)  # a microsecond apart from its neighbour
    for report, moment in zip(reports, moments, strict=True):
        SearchEntry.objects.filter(report=report).update(published_at=moment)
    SearchEntry.objects.filter(report=reports[2]).update(published_at=None)

    found = [(entry.pk, entry.rank) for entry in search_entries(reader, {"q": "supplier minutes"})[0:50]]
    query = text_query("supplier minutes")
    expected = list(
        SearchEntry.objects.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", F("published_at").desc(nulls_last=True), "pk")
        .values_list("pk", "rank")
    )

    assert len(found) == 7
    assert found == expected
    assert len({rank for _pk, rank in found}) == 2  # six share a rank: their dates decide


def test_the_search_uses_the_gin_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'network_searchentry'")
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert "USING gin (search_vector)" in definitions


def test_every_kind_of_text_is_searchable_and_links_to_its_place(client):
    reader = factories.CoordinatorFactory()
    report = published_report(
        summary="Executive words: zebra mandate.",
        findings={
            "WHY.1": {
                "strengths": "Strength words: yak register.",
                "areas_to_develop": "Area words: okapi baseline.",
                "good_practice": "Practice words: quokka dialogue.",
            }
        },
        proposals=["Proposal words: narwhal indicators"],
    )
    client.force_login(reader)
    base = reverse("reports:report_view", kwargs={"round_id": report.round_id})
    for word, anchor in [
        ("zebra", "report-summary"),
        ("yak", "finding-why1-strengths"),
        ("okapi", "finding-why1-areas-to-develop"),
        ("quokka", "finding-why1-good-practice"),
        ("narwhal", "AP-1"),
    ]:
        page = hits(client, q=word)
        assert f'href="{base}#{anchor}"' in page, word
        report_page = client.get(base).content.decode()
        assert f'id="{anchor}"' in report_page, anchor


# --- filters and bad input ------------------------------------------------------------------------


def test_filters_narrow_the_hits(client):
    reader = factories.CoordinatorFactory()
    finnish = published_report(
        city=factories.CityFactory(name="Oulu", country="FI"),
        findings={"WHY.1": {"good_practice": "Open tender calendar."}},
        agreed={"WHY.1": 3},
    )
    swedish = published_report(
        city=factories.CityFactory(name="Umeå", country="SE"),
        findings={"WHY.2": {"good_practice": "Open tender calendar online."}},
        agreed={"WHY.2": 1},
    )
    SummaryReport.objects.filter(pk=swedish.pk).update(published_at=timezone.now().replace(year=2024))
    index_report(
        SummaryReport.objects.select_related("round__host_city").get(pk=swedish.pk)
    )  # as if published then
    client.force_login(reader)

    assert "2 hits" in hits(client, q="tender calendar")
    for params, city in [
        ({"country": "FI"}, "Oulu"),
        ({"country": "SE"}, "Umeå"),
        ({"criterion": "WHY.2"}, "Umeå"),
        ({"level": "3"}, "Oulu"),
        ({"year": "2024"}, "Umeå"),
        ({"theme": "WHY", "level": "1"}, "Umeå"),
    ]:
        page = hits(client, q="tender calendar", **params)
        assert "1 hit" in page and city in page, params
    assert finnish.pk != swedish.pk


@pytest.mark.parametrize(
    "params",
    [
        {"country": "XX"},
        {"level": "7"},
        {"level": "-1"},
        {"year": "twenty"},
        {"year": "99999999999999999999"},
        {"criterion": "WHY.1' OR 1=1 --"},
        {"theme": "<script>"},
        {"q": "x" * 300},
        {"q": '"unclosed & | ! ( <->'},
        {"page": "last-but-one"},
        {"page": "-3"},
    ],
)
def test_malformed_filters_are_explained_never_a_server_error(client, params):
    published_report(findings={"WHY.1": {"good_practice": "Open tender calendar."}})
    client.force_login(factories.CoordinatorFactory())
    for url in (LIBRARY, GOOD_PRACTICE):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params)
        if "page" not in params and "unclosed" not in params.get("q", ""):
            assert "is-invalid" in response.content.decode(), (url, params)


def test_no_hits_says_so_and_offers_to_remove_each_filter(client):
    published_report(
        city=factories.CityFactory(country="FI"), findings={"WHY.1": {"good_practice": "Calendar."}}
    )
    client.force_login(factories.CoordinatorFactory())

    page = hits(client, q="calendar", country="FI", level="4")

    assert "0 hits" in page
    assert "Nothing you may read matches “calendar” with these filters." in page
    assert "Try removing a filter" in page
    assert "?q=calendar&amp;country=FI" in page  # the link that removes the level


def test_snippets_are_escaped():
    entry = SearchEntry(text="Use <script>alert(1)</script> & the tender portal", config="english")
    marked = str(snippet(entry, "tender"))
    assert "<script>" not in marked
    assert "&lt;script&gt;" in marked
    assert "<mark>tender</mark>" in marked


def test_good_practice_view_lists_only_good_practice_by_criterion(client):
    published_report(
        findings={
            "WHY.1": {"good_practice": "Tender calendar published yearly.", "strengths": "Strong team."},
            "WHY.2": {"good_practice": "Supplier cafés."},
        }
    )
    client.force_login(factories.CoordinatorFactory())

    everything = hits(client, GOOD_PRACTICE)
    one_criterion = hits(client, GOOD_PRACTICE, criterion="WHY.2")

    assert "Tender calendar" in everything and "Supplier cafés" in everything
    assert "Strong team" not in everything
    assert "Supplier cafés" in one_criterion and "Tender calendar" not in one_criterion


# --- a theme without words: its criteria one after another --------------------------------------


def theme_reports() -> tuple[SummaryReport, ...]:
    """Reports of several frameworks and levels, published on different days (two on the same
    day: then by report), with texts on each of WHY's criteria (and a proposal, which has no
    criterion); the last one's framework also has a WHY.2 in another theme (HOW, shown first)."""
    reader_city = factories.CityFactory(name="Porto", country="PT")
    shared = factories.RoundFactory(host_city=factories.CityFactory())
    other_theme = shared.framework.themes.get(code="ISLAND")
    other_theme.code, other_theme.order = "HOW", 0
    other_theme.save()
    other_theme.criteria.filter(code="ISLAND.1").update(code="WHY.2")
    days_ago = [3, 1, 3, 2, 5, 4]
    reports = []
    for number, level in enumerate(["network", "round", "public", "network", "round", "public"]):
        report = published_report(
            shared if number == 5 else None,
            city=reader_city if number == 1 else factories.CityFactory(),
            level=level,
            findings={
                "WHY.1": {"good_practice": f"Practice {number}.", "strengths": f"Strength {number}."},
                "WHY.2": {"areas_to_develop": f"Area {number}."},
                "WHY.3": {"good_practice": f"Practice {number}."} if number % 2 else {},
            },
            proposals=[f"Proposal {number}"],
        )
        published = timezone.now() - timezone.timedelta(days=days_ago[number])
        SearchEntry.objects.filter(report=report).update(published_at=published)
        reports.append(report)
    return tuple(reports)


def whole_theme_sorted(user, theme: str | None, kinds: list[str] | None) -> list[int]:
    """The order the library showed before `ThemeEntries`: the theme's (or every) entry, all sorted."""
    entries = readable_entries(user)
    if theme:
        entries = entries.filter(theme_code=theme)
    if kinds:
        entries = entries.filter(kind__in=kinds)
    newest = ("-published_at", "report_id", "pk")
    ordered = entries.order_by("criterion__theme__order", "criterion__order", *newest)
    return list(ordered.values_list("pk", flat=True))


@pytest.mark.parametrize("theme", ["WHY", None])
@pytest.mark.parametrize("kinds", [None, [SearchEntry.Kind.GOOD_PRACTICE]])
def test_a_themes_pages_keep_the_order_of_the_whole_theme_sorted(kinds, theme):
    """A theme's pages, and without a theme every theme's (the good practice page unfiltered)."""
    reports = theme_reports()
    porto = factories.MembershipFactory(city=reports[1].round.host_city).user  # + its round's report
    readers = {"porto": porto, "coordinator": factories.CoordinatorFactory()}
    for name, reader in readers.items():
        expected = whole_theme_sorted(reader, theme, kinds)
        entries = search_entries(reader, {"theme": theme or ""}, kinds=kinds)
        assert isinstance(entries, ThemeEntries)
        paginator = CappedPaginator(entries, 3)  # pages that span two criteria
        shown = [entry.pk for number in paginator.page_range for entry in paginator.page(number)]

        assert shown == expected, name
        assert paginator.count == len(expected) and not paginator.capped
    # The data shows what it should: several criteria and reports, a reader who reads only some.
    everything = whole_theme_sorted(readers["coordinator"], "WHY", kinds)
    seen = SearchEntry.objects.filter(pk__in=whole_theme_sorted(porto, "WHY", kinds))
    assert len(set(seen.values_list("criterion_code", flat=True))) == (3 if kinds is None else 2)
    assert set(seen.values_list("publication_level", flat=True)) == {"network", "public", "round"}
    assert 0 < seen.count() < len(everything)
    assert SearchEntry.objects.filter(theme_code="HOW", criterion_code="WHY.2").exists()  # kept out


def test_a_themes_pages_read_their_criteria_through_the_index_and_stop_counting_at_the_cap(client):
    report = published_report(
        findings={
            "WHY.1": {"good_practice": "Open tender calendar."},
            "WHY.2": {"good_practice": "Supplier cafés."},
            "WHY.3": {"good_practice": "Market dialogue."},
        }
    )
    template = SearchEntry.objects.get(report=report, criterion_code="WHY.1")
    past_the_cap(template)
    client.force_login(factories.CoordinatorFactory())

    with CaptureQueriesContext(connection) as captured:
        page = hits(client, GOOD_PRACTICE, theme="WHY")
        last = client.get(GOOD_PRACTICE, {"theme": "WHY", "page": 9999}).context["page"]

    assert f"More than {RANKED_MAX}" in page
    assert last.number == RANKED_MAX // 20 and all(entry.criterion_code == "WHY.1" for entry in last)
    entry_queries = [
        query["sql"] for query in captured.captured_queries if "network_searchentry" in query["sql"]
    ]
    counts = [sql for sql in entry_queries if sql.startswith("SELECT COUNT(*)")]
    probes = [sql for sql in entry_queries if sql.startswith("SELECT (SELECT COUNT(*)")]
    assert len(probes) == 2  # per request, one statement counts each criterion up to PART_PROBE
    assert len(counts) == 2  # WHY.1 alone is counted again, to the cap; WHY.2 and WHY.3 are not
    assert not any(
        "ORDER BY" in sql and "peerreview_theme" in sql.split("ORDER BY")[-1] for sql in entry_queries
    )


def test_the_good_practice_page_of_a_small_network_reads_its_page_in_fixed_queries(client):
    """A small network has a few good practices per criterion: the page spans many criteria. Their
    counts come from one statement and the page's rows from two queries, however many it spans."""
    coordinator = factories.CoordinatorFactory()
    client.force_login(coordinator)
    first = {"WHY.1": {"good_practice": "Open tender calendar."}, "WHY.3": {"good_practice": "Cafés."}}
    published_report(findings=first)
    with CaptureQueriesContext(connection) as one:
        client.get(GOOD_PRACTICE)
    for number in range(3):
        published_report(
            findings={code: {"good_practice": f"Practice {number}."} for code in ("WHY.2", "WHY.3")}
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(GOOD_PRACTICE).context["page"]
    shown = [entry.criterion_code for entry in page.object_list]
    assert shown == ["WHY.1"] + ["WHY.2"] * 3 + ["WHY.3"] * 4
    # and within each criterion the newest first, as the old full sort had them
    assert [entry.pk for entry in page.object_list] == whole_theme_sorted(
        coordinator, None, [SearchEntry.Kind.GOOD_PRACTICE]
    )
    assert len(many) == len(one), [query["sql"][:100] for query in many.captured_queries]
