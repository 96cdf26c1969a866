"""A streamed CSV of audit rows, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from reports.exports import safe_cell

from .models import AuditEntry


class _Echo:
    def write(self, value: str) -> str:
        return value


HEADER = [
    "time (UTC)",
    "event",
    "person",
    "e-mail tried",
    "round",
    "record",
    "changes",
    "address",
    "reason",
    "IP",
]


def _changes_text(entry: AuditEntry) -> str:
    return "; ".join(f"{name}: {old} → {new}" for name, old, new in entry.changes_list)


def rows(entries: Iterable[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for entry in entries:
        yield writer.writerow(
            [
                # Every cell as text, neutralised by the exports' one rule (OWASP "CSV injection").
                safe_cell("" if value is None else str(value))
                for value in (
                    entry.timestamp.strftime("%Y-%m-%d %H:%M:%S"),
                    entry.event,
                    entry.actor_email or "",
                    entry.attempted_email,
                    entry.round_id or "",
                    entry.object_repr,
                    _changes_text(entry),
                    entry.path,
                    entry.reason,
                    entry.remote_addr or "",
                )
            ]
        )
