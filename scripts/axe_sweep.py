"""axe over every kind of page the demo's people reach: `python scripts/axe_sweep.py`.

The browser tests run axe on the pages their journeys pass; this looks wide. For each person
(`--people`, demo e-mail addresses) it follows the links of their pages from the dashboard (GET
only, one page per address pattern: round 3 and round 17 are the same template), then opens
each page in Debian's Chromium, signed in as them, and runs axe-core's WCAG 2.1 A/AA rules.
It prints each violation once, with the pages it was seen on, and exits 1 if there was any.

Needs the demo in the database `DATABASE_URL` names (`make demo` seeds it; or
`python manage.py seed_demo`) and starts its own server on a free loopback port. Run it with the
settings of the tests' live server (plain static files, no HTTPS redirect), for example:

    SECRET_KEY=x ALLOWED_HOSTS=127.0.0.1,testserver SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 \\
    CSRF_COOKIE_SECURE=0 STATIC_MANIFEST=0 MFA_REQUIRED_FOR_COORDINATORS=0 \\
    python scripts/axe_sweep.py --language fi

It switches each person's interface language to `--language` (default en) in that database."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerreview.config.settings")

PEOPLE = "coordinator@demo.eu,tampere@demo.eu,porto@demo.eu,eva.lund@demo.eu,jan.devries@demo.eu"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", default=PEOPLE, help="demo e-mail addresses, comma-separated")
    parser.add_argument("--language", default="en", choices=["en", "fi", "sv"])
    parser.add_argument("--limit", type=int, default=150, help="pages per person at most")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()

    import django

    django.setup()
    from axe_playwright_python.sync_playwright import Axe
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from cities.models import User
    from tests.crawl import crawl

    plan = []
    for email in args.people.split(","):
        User.objects.filter(email=email).update(language=args.language)
        client = Client()
        client.force_login(User.objects.get(email=email))
        pages = [url for url, _response in crawl(client, limit=args.limit, per_pattern=1)]
        plan.append((email, client.cookies["sessionid"].value, pages))
        print(f"{email}: {len(plan[-1][2])} pages", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--insecure", "--noreload"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    found: dict[str, list[str]] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.5)
        axe = Axe()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
            )
            for email, session, urls in plan:
                context = browser.new_context()
                context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
                page = context.new_page()
                for url in urls:
                    page.goto(base + url)
                    page.wait_for_load_state("load")
                    for violation in axe.run(page, options=AXE_OPTIONS).response.get("violations", []):
                        for node in violation["nodes"]:
                            key = f"{violation['id']} ({violation['impact']}) at {node['target']}: {violation['help']}"
                            found.setdefault(key, []).append(f"{email} {url}")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    for violation, where in found.items():
        print(f"{violation}\n    on {len(where)} page(s): {', '.join(where[:5])}")
    checked = sum(len(urls) for _email, _session, urls in plan)
    print(f"{len(found)} violation(s) on {checked} pages ({args.language})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
