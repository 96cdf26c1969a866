"""The library's search reads its entries bucket by bucket, the newest first
(`network.index.BUCKET_BITS`, `network.search.RankedEntries`): it finds the same matches as the
whole-table query, phrases and negations included, and past the cap it ranks the newest matches."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from network.index import BUCKET_BITS, UPDATE_VECTORS
from network.models import SearchEntry
from network.search import BUCKET_MARK, RANKED_MAX, bucket_query, search_entries, text_query
from tests import factories
from tests.test_library import LIBRARY, published_report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("'publish' & 'minut'", "'b#_publish' & 'b#_minut'"),
        (
            "( 'publish' <-> 'minut' ) | ( 'x' <2> 'y' )",
            "( 'b#_publish' & 'b#_minut' ) | ( 'b#_x' & 'b#_y' )",
        ),
        ("'o''brien' & !'tender'", "'b#_o''brien' & !'b#_tender'"),
        ("'<->' & 'a'", "'b#_<->' & 'b#_a'"),  # an operator's characters inside a word stay
        ("'tender' & !( 'open' <-> 'call' )", None),  # "not the phrase": the whole-table query
    ],
)
def test_the_bucket_query_prefixes_every_word_and_reads_a_phrase_as_all_its_words(query, expected):
    found = bucket_query(query)
    _parses_as(found, expected)


def test_the_bucket_query_requires_each_filters_word():
    found = bucket_query("'publish' | 'minut'", [["@country:FI"], ["@criterion:HOW.3", "@odd:it's\\"]])
    _parses_as(
        found,
        "( 'b#_publish' | 'b#_minut' ) & ( 'b#_@country:FI' ) & ( 'b#_@criterion:HOW.3' | 'b#_@odd:it''s\\\\' )",
    )
    assert bucket_query("!( 'a' <-> 'b' )", [["@country:FI"]]) is None
    words = ["b7_publish", "b7_@country:FI", "b7_@odd:it's\\"]  # one word of each group
    with connection.cursor() as cursor:  # the words as the bucket vector holds them match it
        cursor.execute(
            "SELECT array_to_tsvector(%s) @@ %s::tsquery", [words, found.replace(BUCKET_MARK, "7")]
        )
        assert cursor.fetchone()[0]
        cursor.execute(
            "SELECT array_to_tsvector(%s) @@ %s::tsquery", [words[:-1], found.replace(BUCKET_MARK, "7")]
        )
        assert not cursor.fetchone()[0]


def _parses_as(found: str | None, expected: str | None) -> None:
    assert found == (expected.replace("#", BUCKET_MARK) if expected else None)
    if found:  # PostgreSQL reads it as a query once the mark is a bucket's number
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT %s::tsquery::text, %s::tsquery::text",
                [found.replace(BUCKET_MARK, "7"), expected.replace("#", "7")],
            )
            parsed, as_expected = cursor.fetchone()
            assert parsed == as_expected and "b7_" in parsed


def copies_in_buckets(template: SearchEntry, texts: dict[int, str]) -> None:
    """Copies of an entry with the given ids (so in their buckets) and texts, with their vectors."""
    copies = []
    for pk, text in texts.items():
        copy = SearchEntry.objects.get(pk=template.pk)
        copy.pk, copy.text = pk, text
        copies.append(copy)
    SearchEntry.objects.bulk_create(copies)
    with connection.cursor() as cursor:
        cursor.execute(UPDATE_VECTORS, [template.report_id])


def found_texts(reader, q: str) -> set[str]:
    return {entry.text for entry in search_entries(reader, {"q": q})[0:50]}


def test_matches_in_every_bucket_are_found_and_phrases_and_negations_hold_across_them():
    report = published_report(findings={"WHY.1": {"good_practice": "Open tender calendar, first."}})
    template = SearchEntry.objects.get(report=report, kind="good_practice")
    bucket = 1 << BUCKET_BITS
    copies_in_buckets(
        template,
        {
            bucket + 3: "Open tender calendar, second.",
            4 * bucket: "The calendar of each open tender.",  # the words, not the phrase
            4 * bucket + 1: "Open tender calendar, third.",
            9 * bucket + 5: "Open tender calendar, fourth.",
            9 * bucket + 6: "Nothing to do with it.",
        },
    )
    reader = factories.CoordinatorFactory()
    phrase = {f"Open tender calendar, {n}." for n in ("first", "second", "third", "fourth")}

    assert found_texts(reader, "tender calendar") == phrase | {"The calendar of each open tender."}
    assert found_texts(reader, '"tender calendar"') == phrase
    for q in ('open -"tender calendar"', "calendar -third", "tender OR fourth", '"open tender" calendar'):
        whole_table = SearchEntry.objects.filter(search_vector=text_query(q)).values_list("text", flat=True)
        assert found_texts(reader, q) == set(whole_table), q
    assert search_entries(reader, {"q": "tender calendar"}).count() == 5


def test_past_the_cap_the_newest_buckets_matches_are_the_ones_ranked(client):
    report = published_report(findings={"WHY.1": {"good_practice": "Open tender calendar."}})
    template = SearchEntry.objects.get(report=report, kind="good_practice")
    bucket = 1 << BUCKET_BITS
    older = {
        bucket + number: f"Open tender calendar, older part {number}." for number in range(RANKED_MAX + 5)
    }
    newer = {
        3 * bucket + number: f"Open tender calendar, newer part {number}." for number in range(RANKED_MAX)
    }
    copies_in_buckets(template, older | newer)
    reader = factories.CoordinatorFactory()

    found = search_entries(reader, {"q": "tender calendar"})
    ranked = found[0:RANKED_MAX]

    assert found.count() == RANKED_MAX + 1  # "more than"
    # The newer bucket's matches, and at most one of the older (the last, which says "more").
    assert sum(entry.pk < 3 * bucket for entry in ranked) <= 1
    client.force_login(reader)
    assert "Add a word or a filter" in client.get(LIBRARY, {"q": "tender calendar"}).content.decode()


def test_filters_narrow_the_buckets_with_the_same_hits_as_the_whole_table():
    from network.search import _filtered

    report = published_report(
        findings={"WHY.1": {"good_practice": "Open tender calendar."}}, agreed={"WHY.1": 3}
    )
    template = SearchEntry.objects.get(report=report, kind="good_practice")
    bucket = 1 << BUCKET_BITS
    copies_in_buckets(template, {bucket * n + n: f"Open tender calendar, part {n}." for n in range(1, 6)})
    SearchEntry.objects.filter(pk__in=[bucket * 2 + 2, bucket * 5 + 5]).update(country="SE", agreed_level=1)
    SearchEntry.objects.filter(pk=bucket * 3 + 3).update(criterion_code="HOW.3", theme_code="HOW")
    SearchEntry.objects.filter(pk=bucket * 4 + 4).update(kind="strengths")
    with connection.cursor() as cursor:  # the vectors as publishing writes them
        cursor.execute(UPDATE_VECTORS, [report.pk])
    reader = factories.CoordinatorFactory()
    country = template.country

    for filters in (
        {"country": "SE"},
        {"country": country},
        {"theme": "HOW"},
        {"criterion": "WHY.1", "level": "3"},
        {"level": "1", "country": "SE"},
        {"country": "SE", "theme": "HOW"},
    ):
        for kinds in (None, ["good_practice"], ["strengths", "proposal"]):
            whole_table = _filtered(
                SearchEntry.objects.filter(search_vector=text_query("tender")), filters, kinds=kinds
            )
            found = {
                entry.pk for entry in search_entries(reader, {"q": "tender", **filters}, kinds=kinds)[0:50]
            }
            assert found == set(whole_table.values_list("pk", flat=True)), (filters, kinds)
    strengths = search_entries(reader, {"q": "tender"}, kinds=["strengths"])
    assert [entry.pk for entry in strengths[0:50]] == [bucket * 4 + 4]
    assert {entry.pk for entry in search_entries(reader, {"q": "tender", "country": "SE"})[0:50]} == {
        bucket * 2 + 2,
        bucket * 5 + 5,
    }


def test_a_city_that_changes_country_is_found_under_its_new_one():
    report = published_report(findings={"WHY.1": {"good_practice": "Open tender calendar."}})
    reader = factories.CoordinatorFactory()
    city = report.round.host_city
    new_country = "SE" if city.country != "SE" else "FI"
    assert search_entries(reader, {"q": "tender", "country": new_country}).count() == 0

    city.country = new_country
    city.save()

    assert search_entries(reader, {"q": "tender", "country": new_country}).count() == 1
    assert search_entries(reader, {"q": "tender", "country": report.round.host_city.country}).count() == 1


def test_the_migration_wrote_the_bucket_vectors_as_publishing_writes_them():
    """Migration 0007 filled the entries already indexed with its own copy of the expression."""
    migration = importlib.import_module("network.migrations.0007_library_bucket_vector")
    published_report(
        findings={"WHY.1": {"good_practice": "Open tender calendar."}},
        proposals=["Publish the minutes"],
        agreed={"WHY.1": 2},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE bucket_vector = {migration.BUCKET_VECTOR})"
            " FROM network_searchentry"
        )
        entries, equal = cursor.fetchone()
    assert entries >= 3 and equal == entries
