"""Benchmark of the report PDF: run `python bench/report_pdf.py` after `manage.py seed_demo`.

For the demo's published report it prints the time of the full render (report document,
template, hash, WeasyPrint, the PDF/UA finishing with pikepdf, page count — what `ensure_pdf`
does without its cache) against WeasyPrint alone on the same HTML, their ratio (aim ≤ 1.15), the page count, and the time of
a download of the stored PDF through the Django test client. Nothing is rendered into storage
that is not there already (the stored final PDF is made once if it is missing).

Every figure is the median of BENCH_RUNS runs (default 5); the two renders run in interleaved
pairs, alternating which goes first, and the median of the per-pair ratios is printed too: on a
busy machine it moves less than the ratio of the medians. The overhead over WeasyPrint is the
report document and template (about 3 % of the full render with the demo, by pyinstrument)."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerreview.config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from weasyprint import HTML  # noqa: E402

from cities.models import User  # noqa: E402
from reports.models import SummaryReport  # noqa: E402
from reports.pdf import PDF_VARIANT, base_url, ensure_pdf, render_html, render_pdf, write_pdf  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def timed(function, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    report = (
        SummaryReport.objects.filter(published_at__isnull=False)
        .select_related("round")
        .order_by("pk")
        .first()
    )
    if report is None:
        print("No published report: run `python manage.py seed_demo` first.", file=sys.stderr)
        return 1
    review_round = report.round
    print(f"Report of “{review_round.title}” (round {review_round.pk}), {RUNS} runs each, medians:")
    write_pdf(render_html(review_round))  # warm up fonts and imports
    html = render_html(review_round)
    full_times, alone_times, html_times, rendered = [], [], [], None

    def run_full():
        nonlocal rendered
        started = time.perf_counter()
        rendered = render_pdf(review_round)
        full_times.append(time.perf_counter() - started)

    def run_alone():
        started = time.perf_counter()
        HTML(string=html, base_url=base_url()).write_pdf(pdf_variant=PDF_VARIANT)
        alone_times.append(time.perf_counter() - started)

    for run in range(RUNS):  # interleaved, order alternating, so load on the machine hits both alike
        for step in (run_full, run_alone) if run % 2 == 0 else (run_alone, run_full):
            step()
        started = time.perf_counter()
        render_html(review_round)
        html_times.append(time.perf_counter() - started)
    full, alone = statistics.median(full_times), statistics.median(alone_times)
    print(f"  full render (document + template + WeasyPrint + page count): {full:.3f} s")
    print(f"  WeasyPrint alone on the same HTML:                         {alone:.3f} s")
    paired = statistics.median(f / a for f, a in zip(full_times, alone_times, strict=True))
    print(f"  ratio full / WeasyPrint:                                   {full / alone:.3f} (aim ≤ 1.15)")
    print(f"  median of the paired ratios (robust to load drifting):     {paired:.3f}")
    print(
        f"  of which report document + template (HTML only):           {statistics.median(html_times):.3f} s"
    )
    print(f"  pages: {rendered.page_count}, size: {len(rendered.pdf) // 1024} KiB")

    stored = ensure_pdf(report)  # the stored final PDF (rendered only if missing or broken)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.filter(is_coordinator=True).order_by("pk").first())
    url = reverse("reports:report_pdf", kwargs={"round_id": review_round.pk})

    def download():
        response = client.get(url, secure=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and body.startswith(b"%PDF"), response.status_code
        return len(body)

    took, size = timed(download, runs=max(RUNS, 5))
    print(
        f"  download of the stored PDF (v{stored.version}, {size // 1024} KiB) via the test client: {took * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
