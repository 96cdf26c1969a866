"""EXPLAIN ANALYZE of the queries that span the network, on a large database:
`python bench/explain.py` (DATABASE_URL: the large database of bench/scale.py, e.g.
postgres://postgres@127.0.0.1:5432/scale_bench). Read-only.

For the coordinator's round list (no filter, each filter — with the exact count and the pager's
bounded one —, and page 40), the coordinator's dashboard (overdue rounds, counts per step exact
and bounded, the first rows of each step, recently closed) and the
library (reports, facets, filters, a text search), as the demo coordinator and a demo city member,
it prints each query's plan summary: execution time, and the scans it uses (index or sequential,
on which table). `docs/performance.md` records what it showed and the indexes it led to."""

from __future__ import annotations

import datetime
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerreview.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cities.models import User  # noqa: E402
from network.search import library_facets, report_list, search_entries  # noqa: E402
from peerreview import selectors  # noqa: E402
from peerreview.models import Round  # noqa: E402
from peerreview.paging import BoundedPaginator, bounded_counts  # noqa: E402
from peerreview.services.repeat_rounds import due_repeat_rounds  # noqa: E402

SCAN = re.compile(
    r"(Seq Scan|Parallel Seq Scan|Index Scan|Index Only Scan|Bitmap Index Scan)(?: using (\S+))? on (\S+)"
)


def explain(label: str, queryset) -> None:
    report(label, queryset.explain(analyze=True))


def explain_call(label: str, call) -> None:
    """EXPLAIN ANALYZE of each query that `call()` runs, numbered when there are several."""
    with CaptureQueriesContext(connection) as captured:
        call()
    for number, query in enumerate(captured.captured_queries, start=1):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + query["sql"])
            numbered = f"{label} ({number})" if len(captured.captured_queries) > 1 else label
            report(numbered, "\n".join(row[0] for row in cursor.fetchall()))


def report(label: str, plan: str) -> None:
    took = re.search(r"Execution Time: ([\d.]+) ms", plan)
    scans = sorted({" ".join(part for part in match.groups() if part) for match in SCAN.finditer(plan)})
    seq = [scan for scan in scans if "Seq Scan" in scan]
    print(
        f"{label:<58} {float(took.group(1)) if took else -1:>9.1f} ms  {'SEQ ' + ', '.join(seq) if seq else 'index only'}"
    )
    if os.environ.get("EXPLAIN_VERBOSE"):
        print(plan)


# The indexes docs/performance.md adds; EXPLAIN_WITHOUT_NEW_INDEXES=1 drops them in a transaction
# that is rolled back, to compare the plans before and after on the same data.
NEW_INDEXES = [
    "round_repeat_due",
    "round_created_at",
    "report_published_newest",
    "city_country_name",
    "round_title_trgm",
    "city_name_trgm",
]


def main() -> int:
    if os.environ.get("EXPLAIN_WITHOUT_NEW_INDEXES"):
        with transaction.atomic():
            with connection.cursor() as cursor:
                for name in NEW_INDEXES:
                    cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            print("(without the new indexes)")
            result = run()
            transaction.set_rollback(True)
        return result
    return run()


def run() -> int:
    today = timezone.localdate()
    coordinator = User.objects.get(email="coordinator@demo.eu")
    member = User.objects.get(email="porto@demo.eu")
    print(f"{connection.settings_dict['NAME']}: {Round.objects.count():,} rounds\n")
    print("Coordinator's round list")
    for label, filters in [
        ("no filter", {}),
        ("search 'tampere'", {"q": "tampere"}),
        ("state = scoring", {"state": "scoring"}),
        ("country = FI", {"country": "FI"}),
        ("year = this year", {"year": today.year}),
        ("overdue", {"overdue": True}),
    ]:
        rounds = selectors.coordinator_round_list(filters, today)
        explain(f"  {label}", rounds[:25])
        explain(f"  {label}: exact count", Round.objects.filter(pk__in=rounds.values("pk")))
        explain_call(
            f"  {label}: pager's count", lambda rounds=rounds: BoundedPaginator(rounds, 25, page=1).count
        )
    explain("  page 40", selectors.coordinator_round_list({}, today)[975:1000])

    print("\nCoordinator's dashboard")
    overdue = Round.objects.overdue(today)
    explain(
        "  overdue rounds with panel counts before the LIMIT",
        selectors._with_panel_counts(selectors._by_due_date(overdue))[:5],
    )
    explain_call("  the dashboard's queries", lambda: selectors.coordinator_dashboard(today))
    explain("  rounds per step (exact)", Round.objects.order_by().values("state"))
    explain_call(
        "  rounds per step and overdue (bounded)",
        lambda: bounded_counts(
            {
                **{state: Round.objects.filter(state=state) for state in ("planned", "scoring", "published")},
                "overdue": overdue,
            },
            1000,
        ),
    )
    explain(
        "  recently closed",
        Round.objects.filter(state__in=["published", "cancelled"]).order_by("-updated_at", "-pk")[:10],
    )

    print("\nLibrary (a city member)")
    for who, user in (("member", member), ("coordinator", coordinator)):
        explain_call(f"  {who}: reports, newest first", lambda user=user: list(report_list(user, {})[:20]))
        explain_call(
            f"  {who}: reports of FI", lambda user=user: list(report_list(user, {"country": "FI"})[:20])
        )
        explain_call(
            f"  {who}: reports of a year",
            lambda user=user: list(report_list(user, {"year": today.year - 1})[:20]),
        )
        explain_call(
            f"  {who}: entries of criterion HOW.3",
            lambda user=user: list(search_entries(user, {"criterion": "HOW.3"})[:20]),
        )
        explain_call(  # a theme's criteria one after another (`ThemeEntries`): counts, then the page
            f"  {who}: entries of theme HOW, level 3",
            lambda user=user: search_entries(user, {"theme": "HOW", "level": 3})[:20],
        )
        explain_call(
            f"  {who}: entries of theme WHY", lambda user=user: search_entries(user, {"theme": "WHY"})[:20]
        )
        explain_call(  # through entry_country_criterion_newest
            f"  {who}: entries of theme HOW, country FI",
            lambda user=user: search_entries(user, {"theme": "HOW", "country": "FI"})[:20],
        )
        for words in ("indicators", "published minutes", "zzzunfound"):
            explain_call(  # the words' alternatives (one query), then the candidates, bucket by bucket
                f"  {who}: text search '{words}'",
                lambda user=user, words=words: search_entries(user, {"q": words}).count(),
            )
    print("\nRepeat-round opener")
    explain("  due among the scheduled", due_repeat_rounds(today)[:1000])
    started = datetime.datetime.now()
    library_facets(member)
    print(
        f"  member: facets (three queries) {(datetime.datetime.now() - started).total_seconds() * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
