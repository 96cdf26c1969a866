"""Every page at EU scale: `python bench/sweep.py` (PostgreSQL at 127.0.0.1:5432).

bench/scale.py measures the key pages closely; this one looks wide. On bench/scale.py's large
database (`SCALE_LARGE_DB`, default `scale_bench`: run `python bench/scale.py --generate-only`
first) it asks, as the demo coordinator, for every page that takes no form input: the
dashboard, lists, library, programme, audit trail, API lists, the searchable choices, each page
of one round in every state, and in the back office every list, search, add, change and history
page. Each is asked twice (the first warms the caches) and the second is timed: wall-clock,
status, size and queries, the slowest first, flagged past `--slower-than` milliseconds
(default 500). Pages that answer 403/404 for the chosen round are shown as such (a closed round
has no dates page to edit).

`--only TEXT` keeps the URLs that contain TEXT; `--database NAME` sweeps another database (the
demo, say, to compare); `--as EMAIL` asks as another demo person (a host city's or an
evaluator's pages: what they may not see answers 403/404 quickly)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SCALE_SMALL_DB", "scale_bench_small")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402  (sets up Django as production runs it)
from django.contrib import admin  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

COORDINATOR = "coordinator@demo.eu"
PAGES = [
    "/",
    "/rounds/",
    "/rounds/?q=tampere",
    "/rounds/new/",
    "/library/",
    "/library/?q=published+minutes",
    "/library/good-practice/",
    "/programme/",
    "/programme/not-an-island/",
    "/audit/",
    "/audit/erasure-requests/",
    "/accounts/",
    "/accounts/invite/",
    "/accounts/api/",
    "/api/v1/cities/",
    "/api/v1/rounds/",
    "/api/v1/reports/",
    "/api/v1/action-proposals/",
    "/api/v1/frameworks/",
    "/api/v1/me/tasks/",
    "/api/v1/me/invitations/",
    "/api/v1/schema/",
    "/choices/cities/?q=tam",
    "/choices/evaluators/?q=an",
    "/choices/cities/?q=x",
    "/choices/evaluators/?q=b",
    "/choices/evaluators/?q=ben&page=3",
    "/choices/evaluators/?q=evaluator+19999",
]
ROUND_PAGES = [
    "",
    "panel/",
    "scores/",
    "assessment/",
    "assessment/programme.ics",
    "pre-report/",
    "report/",
    "discussion/",
    "progress/",
    "dates/",
    "export/round.json",
]


def round_urls() -> list[str]:
    """Each page of the newest round in every state."""
    from peerreview.models import Round, RoundState

    urls = []
    for state in RoundState.values:
        newest = Round.objects.filter(state=state).order_by("-pk").values_list("pk", flat=True).first()
        if newest is not None:
            urls += [f"/rounds/{newest}/{page}" for page in ROUND_PAGES]
    return urls


def admin_urls() -> list[str]:
    """Every back-office list (and its search), add page, and the newest object's change and
    history pages."""
    urls = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [base, f"{base}add/"]
        if model_admin.search_fields:
            urls.append(f"{base}?q=tampere")
        newest = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        if newest is not None:
            urls += [f"{base}{newest}/change/", f"{base}{newest}/history/"]
    return urls


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=scale.LARGE_DB)
    parser.add_argument("--slower-than", type=float, default=500, metavar="MS")
    parser.add_argument("--only", default="", metavar="TEXT")
    parser.add_argument("--as", dest="email", default=COORDINATOR, metavar="EMAIL")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the 403/404 answers are in the table, not as tracebacks
    scale.use_database(args.database)
    from cities.models import User

    client = Client()
    client.force_login(User.objects.get(email=args.email))
    urls = [url for url in PAGES + round_urls() + admin_urls() if args.only in url]
    rows = []
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        rows.append((elapsed, response.status_code, len(response.content), len(captured), url))
    rows.sort(reverse=True)
    print(f"{len(rows)} pages on {args.database}, as {args.email}, the slowest first")
    print(f"{'ms':>9} {'status':>6} {'KB':>6} {'queries':>7}  url")
    for elapsed, status, size, queries, url in rows:
        flag = f"  ✗ >{args.slower_than:.0f} ms" if elapsed * 1000 > args.slower_than else ""
        print(f"{elapsed * 1000:9.1f} {status:>6} {size / 1024:6.0f} {queries:7}  {url}{flag}")
    slow = sum(1 for row in rows if row[0] * 1000 > args.slower_than)
    print(f"{slow} of {len(rows)} pages slower than {args.slower_than:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
