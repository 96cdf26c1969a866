"""Editing pages against a bare view: `python bench/editors.py` (PostgreSQL at 127.0.0.1:5432).

The cost of these pages is rendering, flat with the network's size, so only the demo is needed:
it reuses bench/scale.py's small database setup (`migrate` + `seed_demo`) in a database of its
own (`EDITORS_BENCH_DB`, default `editors_bench`) and its pages, and prints for each page the
median of `BENCH_RUNS` requests (default 7; Django's test Client, DEBUG off) in wall-clock and
in CPU time of this thread (`time.thread_time`: the machine is shared, wall-clock counts the
waiting), both ÷ the bare Django view behind the same middleware (aim ≤ 25×), queries and size.

`--profile LABEL` prints the cProfile of one page's request instead (top functions by
cumulative and by own time); `--dump DIR` writes each page's HTML there (CSRF tokens and CSP
nonces blanked), to compare the pages before and after a change with `diff -r`."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("SCALE_SMALL_DB", os.environ.get("EDITORS_BENCH_DB", "editors_bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402  (sets up Django as production runs it)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches  # noqa: E402

LABELS = [
    "bare Django view",
    "pre-report editor",
    "scoring sheet",
    "score overview",
    "report page",
    "dashboard: coordinator",
]


def timed(target: scale.Target) -> tuple[float, float]:
    """Wall-clock and this thread's CPU seconds of one request."""
    cpu = time.thread_time()
    wall = scale.request(target)
    return wall, time.thread_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", metavar="LABEL", choices=LABELS, help="cProfile one page's request")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--page", metavar="LABEL", choices=LABELS, action="append", help="only these pages")
    parser.add_argument("--dump", metavar="DIR", type=Path, help="write each page's HTML to DIR")
    args = parser.parse_args()
    settings.ROOT_URLCONF = scale.__name__
    clear_url_caches()
    scale.ensure_small()
    wanted = {LABELS[0], *(args.page or LABELS)}
    scale.PAGES[:] = [page for page in scale.PAGES if page.label in wanted]
    targets = scale.prepare(scale.SMALL_DB)
    if args.profile:
        target = targets[args.profile]
        scale.request(target)
        profiler = cProfile.Profile()
        profiler.enable()
        scale.request(target)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.lines)
        stats.sort_stats("tottime").print_stats(args.lines)
        return 0
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for label, target in targets.items():
            html = target.client.get(target.url).content.decode()
            html = re.sub(r'(name="csrfmiddlewaretoken" value=|nonce=)"[^"]*"', r'\1""', html)
            html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", html)
            (args.dump / f"{label.replace(' ', '_').replace(':', '')}.html").write_text(html)
        return 0
    for target in targets.values():
        scale.request(target)  # warm up: templates, translations, PostgreSQL's caches
        with CaptureQueriesContext(connection) as captured:
            scale.request(target)
        target.queries = len(captured.captured_queries)
    cpu_times: dict[str, list[float]] = {label: [] for label in targets}
    for _ in range(scale.RUNS):
        for label, target in targets.items():
            wall, cpu = timed(target)
            target.times.append(wall)
            cpu_times[label].append(cpu)
    bare_wall = statistics.median(targets["bare Django view"].times)
    bare_cpu = statistics.median(cpu_times["bare Django view"])
    print(f"Editing pages on {scale.SMALL_DB}: median of {scale.RUNS} requests (test Client, DEBUG off)")
    header = f"{'page':<24} {'ms':>8} {'÷bare':>7} {'CPU ms':>8} {'÷bare':>7} {'queries':>8} {'KB':>6}"
    print(header)
    print("-" * len(header))
    for label, target in targets.items():
        wall, cpu = statistics.median(target.times), statistics.median(cpu_times[label])
        flag = "  ✗ >25×" if label != "bare Django view" and wall / bare_wall > 25 else ""
        print(
            f"{label:<24} {wall * 1000:>8.1f} {wall / bare_wall:>6.1f}× {cpu * 1000:>8.1f} "
            f"{cpu / bare_cpu:>6.1f}× {target.queries:>8} {target.size / 1024:>6.0f}{flag}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
