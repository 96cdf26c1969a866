"""Benchmark of a report save: run `python bench/report_save.py` after `manage.py seed_demo`.

In the demo configuration (no CELERY_BROKER_URL: tasks run in-process) it saves the report
editor of a demo round being drafted as its lead evaluator would, through the Django test client,
and prints the server time of each save (median and slowest of BENCH_RUNS, default 10; aim: under
300 ms), the number of queries (the same for every save), and the time of asking for the draft PDF
(answered 202 at once: the render runs after the response, never inside it). Everything runs in
one transaction that is rolled back: the demo data is left as it was, and no render is queued.
`tests/test_pdf_on_demand.py` checks the same aim."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerreview.config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from peerreview import background  # noqa: E402
from peerreview.models import Assignment  # noqa: E402
from reports.models import PdfRenderRequest, ReportPdf, SummaryReport  # noqa: E402
from tests.html_forms import form_data  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
AIM_MS = 300
FORM_ENCODED = "application/x-www-form-urlencoded"  # what a browser sends for the editor's form


def main() -> int:
    report = (
        SummaryReport.objects.filter(round__state__in=SummaryReport.EDITABLE_STATES)
        .select_related("round")
        .order_by("pk")
        .first()
    )
    lead = Assignment.objects.filter(round=report.round if report else None, role="lead").first()
    if report is None or lead is None:
        print("No report being drafted: run `python manage.py seed_demo` first.", file=sys.stderr)
        return 1
    review_round = report.round
    mode = "in-process (no broker), as in the demo" if background.in_process() else "with a broker"
    print(f"Report of “{review_round.title}” (round {review_round.pk}), tasks {mode}, {RUNS} saves:")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(lead.evaluator)
    url = reverse("reports:report_edit", kwargs={"round_id": review_round.pk})
    times, cpu, counts = [], [], []
    before = ReportPdf.objects.filter(report=report).count()
    with transaction.atomic():
        data = form_data(client.get(url, secure=True))  # warm up templates, forms, caches
        data["report-executive_summary"] += " (bench)"
        client.post(url, urlencode(data), content_type=FORM_ENCODED, secure=True)
        for run in range(RUNS):
            data = form_data(client.get(url, secure=True))
            data["report-executive_summary"] = f"{data['report-executive_summary']} (bench {run})"
            with CaptureQueriesContext(connection) as queries:
                started, started_cpu = time.perf_counter(), time.thread_time()
                response = client.post(url, urlencode(data), content_type=FORM_ENCODED, secure=True)
                times.append(time.perf_counter() - started)
                cpu.append(time.thread_time() - started_cpu)
            assert response.status_code == 302, response.status_code
            counts.append(len(queries))
        rendered = ReportPdf.objects.filter(report=report).count()
        pdf_url = reverse("reports:report_pdf", kwargs={"round_id": review_round.pk})
        started = time.perf_counter()
        pdf = client.get(pdf_url, secure=True)
        asked = time.perf_counter() - started
        queued = PdfRenderRequest.objects.filter(report=report).exists()
        transaction.set_rollback(True)
    median, slowest = statistics.median(times), max(times)
    print(
        f"  server time of a save: median {median * 1000:.1f} ms, slowest {slowest * 1000:.1f} ms (aim < {AIM_MS} ms)"
    )
    print(f"  of which CPU time of the request thread: median {statistics.median(cpu) * 1000:.1f} ms")
    print(f"  load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time grows with it)")
    print(f"  queries per save: {counts} (one number: fixed)")
    print(f"  PDFs rendered by the saves: {rendered - before}")
    print(f"  asking for the draft PDF: {pdf.status_code} in {asked * 1000:.1f} ms (render queued: {queued})")
    return 0 if median * 1000 < AIM_MS and len(set(counts)) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
