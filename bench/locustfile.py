"""Load test of the demo: 20 people across the three roles click through the pages they use.
Run it with `bash bench/load.sh` (gunicorn on PostgreSQL with the demo seeded, locust headless
for 60 s on loopback, prints p50/p95/p99 and failures); by hand:
`locust -f bench/locustfile.py --headless -u 20 -r 5 -t 60s --host http://127.0.0.1:8001`.

Each simulated person signs in through the login form with a demo account (password
`review-demo-2026`), then, with a few seconds of reading between clicks, opens the dashboard,
follows the round links it finds there and on the round pages (pre-report, scoring sheet, score
overview, report, assessment days, discussion…), searches the library, and the coordinator pages
through the round list. Only links a person sees are followed; nothing is posted except the login,
and the report's files (PDF and Word), exports and calendar files are left out: downloads, not
pages (evidence files are downloaded). The Word file is built in the request, 150–200 ms for the
demo's reports (reports/docx.py)."""

from __future__ import annotations

import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

PASSWORD = "review-demo-2026"
ROUND_LINK = re.compile(r'href="(/rounds/\d+/[^"#?]*)"')
SKIPPED = ("pdf", ".docx", "export", ".ics", "history", "restore", "delete", "transition", "cancel", "submit")
# Every request's (name, milliseconds, ok, start time), written to LOAD_SAMPLES at the end:
# bench/load.sh computes the percentiles of the page views apart from the sign-in (one PBKDF2 hash
# by design, once a session), over the whole run and once everyone has signed in.
SAMPLES: list[tuple[str, float, bool, float]] = []
QUERIES = ["published minutes", "circularity", "market dialogue", "social clauses", "training", "hankinta"]


@events.request.add_listener
def record(name: str, response_time: float, exception=None, **kwargs) -> None:
    SAMPLES.append((name, response_time, exception is None, time.time() - response_time / 1000))


@events.quitting.add_listener
def write_samples(**kwargs) -> None:
    if path := os.environ.get("LOAD_SAMPLES"):
        with open(path, "w", encoding="utf-8") as output:
            json.dump(SAMPLES, output)


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 4)
    emails: list[str] = []

    def on_start(self) -> None:
        self.email = random.choice(self.emails)
        login = self.client.get("/accounts/login/", name="login form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        with self.client.post(
            "/accounts/login/",
            {"username": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
            catch_response=True,
        ) as response:
            if 'name="password"' in response.text:
                response.failure(f"login refused for {self.email}")
        self.links: set[str] = set()
        self.collect(self.client.get("/", name="dashboard"))

    def collect(self, response) -> None:
        """Remember the round pages linked from a page, as a person would see them."""
        if response.status_code == 200:
            self.links.update(
                link for link in ROUND_LINK.findall(response.text) if not any(s in link for s in SKIPPED)
            )

    @task(3)
    def dashboard(self) -> None:
        self.collect(self.client.get("/", name="dashboard"))

    @task(6)
    def round_page(self) -> None:
        if self.links:
            link = random.choice(sorted(self.links))
            self.collect(self.client.get(link, name=re.sub(r"/\d+/", "/[id]/", link)))

    @task(1)
    def library_search(self) -> None:
        self.client.get("/library/", params={"q": random.choice(QUERIES)}, name="library search")


class Coordinator(Person):
    weight = 3
    emails = ["coordinator@demo.eu"]

    @task(2)
    def round_list(self) -> None:
        params = random.choice([{}, {"page": 2}, {"state": "scoring"}, {"q": "tampere"}, {"overdue": "on"}])
        self.collect(self.client.get("/rounds/", params=params, name="round list"))


class HostMember(Person):
    weight = 9
    emails = [
        "espoo@demo.eu",
        "tampere@demo.eu",
        "malmo@demo.eu",
        "utrecht@demo.eu",
        "ghent@demo.eu",
        "porto@demo.eu",
        "gothenburg@demo.eu",
    ]


class Evaluator(Person):
    weight = 8
    emails = [
        "eva.lund@demo.eu",
        "jan.devries@demo.eu",
        "sofie.peeters@demo.eu",
        "ana.sousa@demo.eu",
        "karin.lindqvist@demo.eu",
    ]
