"""Following a signed-in person's links through the demo, page by page: what the HTML check
(tests/test_html_validity.py) and the axe sweep (scripts/axe_sweep.py) both read."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

# Not followed: downloads, the back office, the API, signing out, and page 2 onwards of a list
# (the same template as page 1).
NOT_FOLLOWED = re.compile(
    r"logout|/admin/|/api/|/i18n/|/static/|/media/|/files/|/download|/export|mailto:"
    r"|\.(pdf|csv|xlsx|ics|json|docx)\b|[?&]page=\d"
)


class Links(HTMLParser):
    """The addresses of a page's links, without their #fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href.split("#")[0])


def address_pattern(url: str) -> str:
    """/rounds/3/ and /rounds/17/ are one pattern: the same template."""
    return re.sub(r"\d+", "N", url)


def crawl(
    client, *, limit: int, per_pattern: int, before_get: Callable[[int], None] | None = None
) -> Iterator[tuple[str, object]]:
    """(address, response) of each HTML page answered 200, breadth first from the dashboard, at
    most `per_pattern` addresses of a pattern and `limit` pages. `before_get(pages so far)` runs
    before each request (to switch the person's language, say)."""
    patterns: Counter[str] = Counter()
    queue, visited, pages = ["/"], set(), 0
    while queue and pages < limit:
        url = queue.pop(0)
        if url in visited or patterns[address_pattern(url)] >= per_pattern:
            continue
        visited.add(url)
        patterns[address_pattern(url)] += 1
        if before_get is not None:
            before_get(pages)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        yield url, response
        links = Links()
        links.feed(response.content.decode())
        queue += [href for href in links.hrefs if href.startswith("/") and not NOT_FOLLOWED.search(href)]
