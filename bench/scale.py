"""EU-scale benchmark: `python bench/scale.py` (PostgreSQL at 127.0.0.1:5432, user postgres).

Two databases of its own, never the tests' (`SCALE_SMALL_DB`, default `scale_bench_small`;
`SCALE_LARGE_DB`, default `scale_bench`):

- the small one is the demo (`migrate` + `seed_demo`);
- the large one is a copy of it (`CREATE DATABASE … TEMPLATE`) plus a network generated with
  bulk `INSERT … SELECT generate_series` in PostgreSQL: 250,000 cities, 50,000 rounds spread over
  every state, 100,000 scheduled repeat rounds (each after its own published round: 100,000 more,
  with their reports, action proposals and library entries), panels of three, 1,000,000 scores,
  170,000 people, 220,000 notifications (20,000 of them the demo coordinator's).

Generation takes minutes and is cached: each step is recorded in the table `bench_scale_step`
when it commits, so a second run skips what is there and an interrupted run resumes at the
step it was in (`--regenerate` drops the large database and starts again). Both databases are
migrated at every run, so indexes that land on main are measured.

Then, in this one process (Django's test Client, no network), for each key page as the demo
person who uses it, the median server time of `BENCH_RUNS` requests (default 7) on the small
and on the large database — runs interleaved, so load on the machine hits both alike, each
database on its own open connection as a web process keeps one (DATABASE_CONN_MAX_AGE) — the
ratio large ÷ small (aim ≤ 1.2), the ratio to a bare Django view through the same middleware
(aim ≤ 25×), queries per request and the page size; `open_due_repeat_rounds` with 10 and with
1,000 due rounds among the 100,000 scheduled (aim ≤ 2 s for 10; each run uses up 1,010 of them);
and each all-rounds export (CSV and XLSX) of the large database, consumed to the end in a child
process: time, size and peak memory (the child's maximum resident set above what it had before
the request; it is stopped past `BENCH_EXPORT_MAX_GB`, default 4).

Options: `--generate-only`, `--skip-exports`, `--skip-open-due`, `--regenerate`."""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("SCALE_DB_SERVER", "postgres://postgres@127.0.0.1:5432")
SMALL_DB = os.environ.get("SCALE_SMALL_DB", "scale_bench_small")
LARGE_DB = os.environ.get("SCALE_LARGE_DB", "scale_bench")
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
EXPORT_MAX_GB = float(os.environ.get("BENCH_EXPORT_MAX_GB", "4"))
EXPORT_TIMEOUT_S = int(os.environ.get("BENCH_EXPORT_TIMEOUT", "900"))

import _db  # noqa: E402

_db.setup(SERVER, SMALL_DB)

from _db import (  # noqa: E402
    admin_execute,
    backend_cpu,
    database_exists,
    ensure_demo,
    execute,
    reset_sequence,
    rows,
    scalar,
    switch_database,
    use_database,
)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from network.index import update_vectors_sql  # noqa: E402

N_CITIES = 250_000
N_ROUNDS = 50_000
N_REPEAT = 100_000
N_SCORES = 1_000_000
N_EVALUATORS = 20_000
N_COORDINATOR_NOTIFICATIONS = 20_000
N_OTHER_NOTIFICATIONS = 200_000
# Regular rounds are hosted by cities 0..N_ROUNDS-1, the repeat rounds (and their published
# predecessors) by the next N_REPEAT cities, evaluators live in the cities after those.
STATES = [
    "planned",
    "prereport_open",
    "prereport_submitted",
    "scoring",
    "assessment",
    "drafting",
    "factual_check",
    "published",
    "cancelled",
]
COUNTRIES = [
    ("AT", "Europe/Vienna"), ("BE", "Europe/Brussels"), ("BG", "Europe/Sofia"), ("HR", "Europe/Zagreb"),
    ("CY", "Asia/Nicosia"), ("CZ", "Europe/Prague"), ("DK", "Europe/Copenhagen"), ("EE", "Europe/Tallinn"),
    ("FI", "Europe/Helsinki"), ("FR", "Europe/Paris"), ("DE", "Europe/Berlin"), ("GR", "Europe/Athens"),
    ("HU", "Europe/Budapest"), ("IE", "Europe/Dublin"), ("IT", "Europe/Rome"), ("LV", "Europe/Riga"),
    ("LT", "Europe/Vilnius"), ("LU", "Europe/Luxembourg"), ("MT", "Europe/Malta"), ("NL", "Europe/Amsterdam"),
    ("PL", "Europe/Warsaw"), ("PT", "Europe/Lisbon"), ("RO", "Europe/Bucharest"), ("SK", "Europe/Bratislava"),
    ("SI", "Europe/Ljubljana"), ("ES", "Europe/Madrid"), ("SE", "Europe/Stockholm"), ("NO", "Europe/Oslo"),
    ("IS", "Atlantic/Reykjavik"),
]  # fmt: skip
# Report texts: sentences picked by number, so that searches hit many reports, as in a real network.
SENTENCES = [
    "The unit publishes the minutes of every tender evaluation board within two weeks.",
    "Market dialogue before large tenders is planned and documented in a shared register.",
    "Circularity criteria are applied in furniture, textiles and construction demolition.",
    "Social clauses bring long-term unemployed people into cleaning and maintenance contracts.",
    "Contract management lacks a common tool; spend data are collected by hand each year.",
    "Small and medium-sized enterprises win a growing share of lots after the splitting policy.",
    "Innovation partnerships are rare; a pilot with the university tests pre-commercial procurement.",
    "Life-cycle costing is used for vehicles and lighting, not yet for buildings.",
    "Procurement staff follow a training plan on sustainable and responsible purchasing.",
    "Framework agreements are shared with neighbouring municipalities through a joint unit.",
    "Supplier performance is reviewed twice a year against key performance indicators.",
    "The strategy links procurement to the climate plan with measurable emission targets.",
    "Complaints and review procedures are analysed to improve tender documents.",
    "Open data on contracts are published monthly in a machine-readable format.",
    "Ethical sourcing audits cover workwear, electronics and food supply chains.",
    "Digital tendering is mandatory and e-invoicing covers nearly all suppliers.",
    "Category managers plan demand with departments before each budget year.",
    "Green public procurement criteria are checked at contract award and during delivery.",
    "Accessibility requirements are written into every ICT and building contract.",
    "The unit measures the time from need to contract and has shortened it by a third.",
]


def sql_text_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


SENTENCE_ARRAY = sql_text_array(SENTENCES)
STATE_ARRAY = sql_text_array(STATES)
COUNTRY_ARRAY = sql_text_array([code for code, _zone in COUNTRIES])
ZONE_ARRAY = sql_text_array([zone for _code, zone in COUNTRIES])


def sentence(expression: str, count: int = 3) -> str:
    """SQL for `count` sentences chosen by the integer `expression`."""
    n = len(SENTENCES)
    parts = [f"({SENTENCE_ARRAY})[1 + (({expression}) * {7 + 6 * k} + {k * 3}) % {n}]" for k in range(count)]
    return " || ' ' || ".join(parts)


# --- databases ------------------------------------------------------------------------------


def ensure_small() -> None:
    ensure_demo(SMALL_DB)


def ensure_large(regenerate: bool) -> None:
    if regenerate and database_exists(LARGE_DB):
        admin_execute(f'DROP DATABASE "{LARGE_DB}"')
    if not database_exists(LARGE_DB):
        print(f"Copying {SMALL_DB} to {LARGE_DB} …", flush=True)
        use_database("postgres")
        for alias in connections:
            connections[alias].close()
        admin_execute(f'CREATE DATABASE "{LARGE_DB}" TEMPLATE "{SMALL_DB}"')
    use_database(LARGE_DB)
    call_command("migrate", verbosity=0, interactive=False)
    generate()
    # As autovacuum keeps a production database: statistics and the visibility map (index-only
    # scans) after the bulk load and after the last run's writes. Seconds when little changed.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- generation -----------------------------------------------------------------------------


def next_id(table: str) -> int:
    """Where this step's explicit ids start: past every existing row, with a gap."""
    return int(scalar(f"SELECT coalesce(max(id), 0) FROM {table}")) + 1000


@dataclass
class Bases:
    """The first explicit id of each generated table (kept in bench_scale_step)."""

    values: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.values[key]


def generate() -> None:
    from django.db import transaction

    execute(
        "CREATE TABLE IF NOT EXISTS bench_scale_step ("
        " step text PRIMARY KEY, base bigint, seconds double precision, done_at timestamptz DEFAULT now())"
    )
    done = dict((step, base) for step, base in rows("SELECT step, base FROM bench_scale_step"))
    bases = Bases(dict(done))
    framework_id = scalar("SELECT id FROM peerreview_framework ORDER BY version DESC, id LIMIT 1")
    criteria = [row[0] for row in rows(
        "SELECT c.id FROM peerreview_criterion c JOIN peerreview_theme t ON t.id = c.theme_id"
        " WHERE t.framework_id = %s ORDER BY t.order, c.order", [framework_id]
    )]  # fmt: skip
    coordinator_id = scalar("SELECT id FROM cities_user WHERE email = 'coordinator@demo.eu'")
    context = {
        "framework": framework_id,
        "criteria": "ARRAY[" + ",".join(str(c) for c in criteria) + "]::bigint[]",
        "n_criteria": len(criteria),
        "coordinator": coordinator_id,
    }
    for name, table, step in STEPS:
        if name in done:
            continue
        started = time.monotonic()
        print(f"  generating {name} …", end="", flush=True)
        with transaction.atomic():
            base = next_id(table) if table else None
            if base is not None:
                bases.values[name] = base
            count = step(bases, context)
            if table:
                reset_sequence(table)
            seconds = time.monotonic() - started
            execute(
                "INSERT INTO bench_scale_step (step, base, seconds) VALUES (%s, %s, %s)",
                [name, base, seconds],
            )
        print(f" {count:,} rows in {seconds:.0f} s", flush=True)


def gen_cities(b: Bases, c: dict) -> int:
    return execute(
        f"""INSERT INTO cities_city (id, name, country, region, population, procurement_unit, languages,
               annual_procurement_spend_eur, timezone, updated_at)
        SELECT {b["cities"]} + i, 'Bench city ' || i, ({COUNTRY_ARRAY})[1 + i % {len(COUNTRIES)}], '',
               1000 + (i * 7919) % 900000, 'Procurement unit of Bench city ' || i, 'en', NULL,
               ({ZONE_ARRAY})[1 + i % {len(COUNTRIES)}], now()
        FROM generate_series(0, {N_CITIES - 1}) AS i"""
    )


def gen_users(b: Bases, c: dict) -> int:
    """Evaluators 0..N_EVALUATORS-1, then one member (a lead) per host city."""
    members = N_ROUNDS + N_REPEAT
    return execute(
        f"""INSERT INTO cities_user (id, password, last_login, is_superuser, is_staff, is_active, date_joined,
               email, full_name, job_title, language, is_coordinator, session_nonce, mfa_enabled)
        SELECT {b["users"]} + i, '!bench', NULL, false, false, true, now(),
               CASE WHEN i < {N_EVALUATORS} THEN 'evaluator' || i ELSE 'member' || (i - {N_EVALUATORS}) END
                   || '@bench.invalid',
               CASE WHEN i < {N_EVALUATORS} THEN 'Bench Evaluator ' || i
                    ELSE 'Bench Member ' || (i - {N_EVALUATORS}) END,
               '', (ARRAY['en','fi','sv'])[1 + i % 3], false, '', false
        FROM generate_series(0, {N_EVALUATORS + members - 1}) AS i"""
    )


def gen_roles(b: Bases, c: dict) -> int:
    members = N_ROUNDS + N_REPEAT
    count = execute(
        f"""INSERT INTO cities_evaluatorprofile (id, expertise, languages, home_city_id, user_id,
               available, max_rounds_per_year, availability_note)
        SELECT {b["roles"]} + i, 'HOW, RESULT', 'en', {b["cities"]} + {members} + i, {b["users"]} + i,
               true, 2, ''
        FROM generate_series(0, {N_EVALUATORS - 1}) AS i"""
    )
    execute(
        f"""INSERT INTO cities_membership (role, city_id, user_id)
        SELECT 'lead', {b["cities"]} + k, {b["users"]} + {N_EVALUATORS} + k
        FROM generate_series(0, {members - 1}) AS k"""
    )
    reset_sequence("cities_membership")
    return count + members


def gen_rounds(b: Bases, c: dict) -> int:
    """Rounds 0..N_ROUNDS-1 spread over every state (dates around today, many overdue); then
    N_REPEAT published rounds; then their scheduled repeat rounds, opening 30–730 days ahead."""
    state = f"({STATE_ARRAY})[1 + i % {len(STATES)}]"
    regular = execute(
        f"""INSERT INTO peerreview_round (id, title, language, state, opens_on, prereport_due, scoring_due,
               assessment_due, report_due, factual_check_due, repeat_interval_months, cancellation_reason,
               published_at, created_at, updated_at, created_by_id, framework_id, host_city_id,
               previous_round_id, repeat_with_newest_framework, panel_rule_override_reason)
        SELECT {b["rounds"]} + i, 'Bench city ' || i || ' ' || (2020 + i % 7), (ARRAY['en','fi','sv'])[1 + i % 3],
               {state}, d, d + 42, d + 70, d + 100, d + 130, d + 150, 18,
               CASE WHEN {state} = 'cancelled' THEN 'Bench' ELSE '' END,
               CASE WHEN {state} = 'published' THEN now() - (i % 300) * interval '1 day' END,
               now() - (i % 1500) * interval '1 day', now() - (i % 200) * interval '1 day', NULL,
               {c["framework"]}, {b["cities"]} + i, NULL, false, ''
        FROM generate_series(0, {N_ROUNDS - 1}) AS i,
             LATERAL (SELECT current_date - (i % 300) + 60 AS d) AS dates"""
    )
    published = execute(
        f"""INSERT INTO peerreview_round (id, title, language, state, opens_on, prereport_due, scoring_due,
               assessment_due, report_due, factual_check_due, repeat_interval_months, cancellation_reason,
               published_at, created_at, updated_at, created_by_id, framework_id, host_city_id,
               previous_round_id, repeat_with_newest_framework, panel_rule_override_reason)
        SELECT {b["rounds"]} + {N_ROUNDS} + j, 'Bench city ' || ({N_ROUNDS} + j) || ' ' || (2018 + j % 6),
               (ARRAY['en','fi','sv'])[1 + j % 3], 'published', d, d + 42, d + 70, d + 100, d + 130, d + 150,
               12 + j % 13, '', now() - (400 + j % 700) * interval '1 day',
               now() - (600 + j % 700) * interval '1 day', now() - (400 + j % 700) * interval '1 day', NULL,
               {c["framework"]}, {b["cities"]} + {N_ROUNDS} + j, NULL, false, ''
        FROM generate_series(0, {N_REPEAT - 1}) AS j,
             LATERAL (SELECT current_date - 600 - (j % 700) AS d) AS dates"""
    )
    repeat = execute(
        f"""INSERT INTO peerreview_round (id, title, language, state, opens_on, prereport_due, scoring_due,
               assessment_due, report_due, factual_check_due, repeat_interval_months, cancellation_reason,
               published_at, created_at, updated_at, created_by_id, framework_id, host_city_id,
               previous_round_id, repeat_with_newest_framework, panel_rule_override_reason)
        SELECT {b["rounds"]} + {N_ROUNDS + N_REPEAT} + j,
               'Bench city ' || ({N_ROUNDS} + j) || ' – repeat round', (ARRAY['en','fi','sv'])[1 + j % 3],
               'planned', d, d + 42, d + 70, d + 100, d + 130, d + 150, 18, '', NULL,
               now() - (j % 700) * interval '1 day', now() - (j % 700) * interval '1 day', NULL,
               {c["framework"]}, {b["cities"]} + {N_ROUNDS} + j, {b["rounds"]} + {N_ROUNDS} + j, false, ''
        FROM generate_series(0, {N_REPEAT - 1}) AS j,
             LATERAL (SELECT current_date + 30 + (j % 700) AS d) AS dates"""
    )
    execute(
        f"""INSERT INTO peerreview_roundevent (from_state, to_state, note, at, actor_id, round_id)
        SELECT '', state, '', created_at, NULL, id FROM peerreview_round WHERE id >= {b["rounds"]}"""
    )
    return regular + published + repeat


def gen_prereports(b: Bases, c: dict) -> int:
    return execute(
        f"""INSERT INTO peerreview_prereport (id, guiding_question_1, guiding_question_2, guiding_question_3,
               context, submitted_at, updated_at, submitted_by_id, round_id, version)
        SELECT {b["prereports"]} + (r.id - {b["rounds"]}), '', '', '', {sentence("r.id", 4)},
               CASE WHEN r.state NOT IN ('prereport_open') THEN r.created_at + interval '40 days' END,
               r.updated_at, NULL, r.id, 1
        FROM peerreview_round r
        WHERE r.id >= {b["rounds"]} AND r.state NOT IN ('planned', 'cancelled')"""
    )


def gen_assignments(b: Bases, c: dict) -> int:
    """Three evaluators per round from the pre-report on: the first is the lead; before scoring
    the third has not answered yet; scores are submitted from the assessment days on."""
    return execute(
        f"""INSERT INTO peerreview_assignment (id, role, state, due_date, conflict_warnings, decline_reason,
               invited_at, responded_at, scores_submitted_at, evaluator_id, round_id)
        SELECT {b["assignments"]} + (r.id - {b["rounds"]}) * 3 + seat,
               CASE WHEN seat = 0 THEN 'lead' ELSE 'member' END,
               CASE WHEN seat = 2 AND r.state = 'prereport_open' THEN 'invited' ELSE 'accepted' END,
               r.opens_on + 14, '', '', r.created_at, r.created_at + interval '3 days',
               CASE WHEN r.state IN ('assessment', 'drafting', 'factual_check', 'published')
                         OR (r.state = 'scoring' AND seat = 0)
                    THEN r.created_at + interval '70 days' END,
               {b["users"]} + ((r.id - {b["rounds"]}) * 3 + seat) % {N_EVALUATORS}, r.id
        FROM peerreview_round r, generate_series(0, 2) AS seat
        WHERE r.id >= {b["rounds"]} AND r.state NOT IN ('planned', 'cancelled')"""
    )


def gen_scores(b: Bases, c: dict) -> int:
    """N_SCORES scores: every criterion of the assignments of the rounds from scoring on."""
    return execute(
        f"""INSERT INTO peerreview_score (level, not_applicable, comment, updated_at, assignment_id,
               criterion_id, version)
        SELECT (a.id + k) % 5, false, {sentence("a.id + k", 1)}, now(), a.id, ({c["criteria"]})[k], 1
        FROM peerreview_assignment a JOIN peerreview_round r ON r.id = a.round_id,
             generate_series(1, {c["n_criteria"]}) AS k
        WHERE a.id >= {b["assignments"]}
          AND r.state IN ('scoring', 'assessment', 'drafting', 'factual_check', 'published')
        ORDER BY a.id, k
        LIMIT {N_SCORES}"""
    )


def gen_reports(b: Bases, c: dict) -> int:
    """A report per round from drafting on (published ones readable by the round, the network or the
    public in turn), one finding with good practice and two action proposals each."""
    count = execute(
        f"""INSERT INTO reports_summaryreport (id, executive_summary, key_strengths, purpose_and_scope,
               process_notes, next_steps, factual_comment, factual_comment_at, city_response, published_at,
               updated_at, factual_comment_by_id, published_by_id, round_id, version, publication_level,
               publication_level_set_at, publication_level_set_by_id, text_language)
        SELECT {b["reports"]} + (r.id - {b["rounds"]}), {sentence("r.id", 3)}, {sentence("r.id + 1", 2)},
               '', '', '', '', NULL, '', r.published_at, r.updated_at, NULL,
               NULL, r.id, 1, (ARRAY['round','network','public'])[1 + r.id % 3], r.published_at, NULL, ''
        FROM peerreview_round r
        WHERE r.id >= {b["rounds"]} AND r.state IN ('drafting', 'factual_check', 'published')"""
    )
    execute(
        f"""INSERT INTO reports_finding (id, evidence, strengths, areas_to_develop, good_practice, criterion_id,
               report_id, updated_at, version)
        SELECT s.id, {sentence("s.id", 1)}, {sentence("s.id + 2", 2)}, {sentence("s.id + 5", 2)},
               {sentence("s.id + 9", 2)}, ({c["criteria"]})[1 + s.id % {c["n_criteria"]}], s.id, now(), 1
        FROM reports_summaryreport s WHERE s.id >= {b["reports"]}"""
    )
    execute(
        f"""INSERT INTO reports_actionproposal (id, number, title, description, priority, owner, timeframe,
               success_indicator, criterion_id, report_id, form_token, updated_at, version)
        SELECT s.id * 2 + n, n + 1, left({sentence("s.id + n", 1)}, 300), {sentence("s.id + n + 3", 2)},
               (ARRAY['high','medium','low'])[1 + (s.id + n) % 3], 'Procurement unit', '12 months',
               'Share of contracts', ({c["criteria"]})[1 + (s.id + n * 5) % {c["n_criteria"]}], s.id, NULL,
               now(), 1
        FROM reports_summaryreport s, generate_series(0, 1) AS n WHERE s.id >= {b["reports"]}"""
    )
    for table in ("reports_finding", "reports_actionproposal"):
        reset_sequence(table)
    return count


def gen_library(b: Bases, c: dict) -> int:
    """The library's entries of each published report, with their vectors as network.index builds them."""
    config = "(CASE r.language WHEN 'en' THEN 'english' WHEN 'fi' THEN 'finnish' ELSE 'swedish' END)"
    join = (
        f"FROM reports_summaryreport s JOIN peerreview_round r ON r.id = s.round_id "
        f"WHERE s.id >= {b['reports']} AND s.published_at IS NOT NULL"
    )
    # The entries' copies of their report's level, round, country and date (network.models).
    copied = "round_id, publication_level, country, published_at"
    report = "r.id, s.publication_level, (SELECT country FROM cities_city WHERE id = r.host_city_id), s.published_at"
    count = execute(
        f"""INSERT INTO network_searchentry (kind, theme_code, criterion_code, agreed_level, config, title, text,
               anchor, search_vector, criterion_id, finding_id, proposal_id, report_id, {copied})
        SELECT 'summary', '', '', NULL, {config}, '', s.executive_summary, 'report-summary', NULL, NULL, NULL,
               NULL, s.id, {report} {join}"""
    )
    count += execute(
        f"""INSERT INTO network_searchentry (kind, theme_code, criterion_code, agreed_level, config, title, text,
               anchor, search_vector, criterion_id, finding_id, proposal_id, report_id, {copied})
        SELECT kind, t.code, cr.code, (f.id % 5)::smallint, {config}, '', body,
               'finding-' || lower(replace(cr.code, '.', '')) || '-' || replace(kind, '_', '-'),
               NULL, cr.id, f.id, NULL, s.id, {report}
        FROM reports_summaryreport s JOIN peerreview_round r ON r.id = s.round_id
             JOIN reports_finding f ON f.report_id = s.id
             JOIN peerreview_criterion cr ON cr.id = f.criterion_id
             JOIN peerreview_theme t ON t.id = cr.theme_id,
             LATERAL (VALUES ('strengths', f.strengths), ('areas_to_develop', f.areas_to_develop),
                             ('good_practice', f.good_practice)) AS parts(kind, body)
        WHERE s.id >= {b["reports"]} AND s.published_at IS NOT NULL"""
    )
    count += execute(
        f"""INSERT INTO network_searchentry (kind, theme_code, criterion_code, agreed_level, config, title, text,
               anchor, search_vector, criterion_id, finding_id, proposal_id, report_id, {copied})
        SELECT 'proposal', t.code, cr.code, (p.id % 5)::smallint, {config}, p.title,
               p.description || E'\\n' || p.success_indicator, 'AP-' || p.number, NULL, cr.id, NULL, p.id, s.id,
               {report}
        FROM reports_summaryreport s JOIN peerreview_round r ON r.id = s.round_id
             JOIN reports_actionproposal p ON p.report_id = s.id
             JOIN peerreview_criterion cr ON cr.id = p.criterion_id
             JOIN peerreview_theme t ON t.id = cr.theme_id
        WHERE s.id >= {b["reports"]} AND s.published_at IS NOT NULL"""
    )
    # The vectors as network.index builds them.
    execute(update_vectors_sql("search_vector IS NULL"))
    return count


def gen_notifications(b: Bases, c: dict) -> int:
    total = N_COORDINATOR_NOTIFICATIONS + N_OTHER_NOTIFICATIONS
    people = N_EVALUATORS + N_ROUNDS + N_REPEAT
    return execute(
        f"""INSERT INTO peerreview_notification (kind, context, subject, dedupe_key, status, attempts, last_error,
               read, created_at, sent_at, recipient_id, round_id, sending_since, enqueued_at)
        SELECT 'reminder', '{{}}'::jsonb, 'Reminder: a step is due', 'bench-' || i, 'sent', 1, '', i % 2 = 0,
               now() - (30 + i % 700) * interval '1 day', now() - (30 + i % 700) * interval '1 day',
               CASE WHEN i < {N_COORDINATOR_NOTIFICATIONS} THEN {c["coordinator"]}
                    ELSE {b["users"]} + i % {people} END,
               {b["rounds"]} + i % {N_ROUNDS}, NULL, NULL
        FROM generate_series(0, {total - 1}) AS i"""
    )


def gen_facets(b: Bases, c: dict) -> int:
    """The library's filter values per publication level, as `network.index` keeps them."""
    from network.index import rebuild_facets

    return rebuild_facets()


def gen_analyze(b: Bases, c: dict) -> int:
    execute("ANALYZE")
    return 0


def gen_evaluator_loads(b: Bases, c: dict) -> int:
    """Each evaluator's panels, as `peerreview.services.evaluator_load` keeps them (the inserts
    above bypass the receivers that keep them)."""
    from peerreview.services.evaluator_load import rebuild_loads

    return rebuild_loads()


# (name, table whose explicit ids the step chooses — its base is kept —, function)
STEPS: list[tuple[str, str | None, Callable[[Bases, dict], int]]] = [
    ("cities", "cities_city", gen_cities),
    ("users", "cities_user", gen_users),
    ("roles", "cities_evaluatorprofile", gen_roles),
    ("rounds", "peerreview_round", gen_rounds),
    ("prereports", "peerreview_prereport", gen_prereports),
    ("assignments", "peerreview_assignment", gen_assignments),
    ("scores", None, gen_scores),
    ("reports", "reports_summaryreport", gen_reports),
    ("library", None, gen_library),
    ("facets", None, gen_facets),
    ("notifications", None, gen_notifications),
    ("evaluator loads", None, gen_evaluator_loads),
    ("analyze", None, gen_analyze),
]


# --- measuring pages ------------------------------------------------------------------------


def bare(request):
    """The floor: a view that does nothing, behind the same middleware."""
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("peerreview.config.urls"))]


@dataclass
class Page:
    label: str
    email: str
    url: Callable[[], str]
    # False when the demo's page shows less than the network's (not the same page): its ratio
    # is printed, not held against the 1.2 aim.
    same_page: bool = True


def round_of(city: str, state: str) -> int:
    from peerreview.models import Round

    return Round.objects.filter(host_city__name=city, state=state).values_list("pk", flat=True).get()


PAGES = [
    Page("bare Django view", "coordinator@demo.eu", lambda: "/bench/bare/"),
    Page("dashboard: coordinator", "coordinator@demo.eu", lambda: "/"),
    Page("dashboard: host city", "espoo@demo.eu", lambda: "/"),
    Page("dashboard: evaluator", "eva.lund@demo.eu", lambda: "/"),
    Page("round page", "coordinator@demo.eu", lambda: f"/rounds/{round_of('Espoo', 'prereport_open')}/"),
    Page(
        "pre-report editor",
        "espoo@demo.eu",
        lambda: f"/rounds/{round_of('Espoo', 'prereport_open')}/pre-report/",
    ),
    Page(
        "scoring sheet",
        "karin.lindqvist@demo.eu",
        lambda: f"/rounds/{round_of('Utrecht', 'scoring')}/scoring/",
    ),
    Page("score overview", "eva.lund@demo.eu", lambda: f"/rounds/{round_of('Ghent', 'assessment')}/scores/"),
    Page("report page", "tampere@demo.eu", lambda: f"/rounds/{round_of('Tampere', 'published')}/report/"),
    Page("round list (coordinator)", "coordinator@demo.eu", lambda: "/rounds/"),
    Page("round list, search", "coordinator@demo.eu", lambda: "/rounds/?q=tampere"),
    Page("library", "porto@demo.eu", lambda: "/library/"),
    # A full page of hits on both databases (29 in the demo, more than 500 in the network): the
    # same page, so the ratio is what the network's size costs.
    Page("library search", "porto@demo.eu", lambda: "/library/?q=contract+management"),
    # 2 hits in the demo, a full page of 20 in the network: the ratio adds 18 rendered hits.
    Page(
        "library search, 2 → 20 hits",
        "porto@demo.eu",
        lambda: "/library/?q=published+minutes",
        same_page=False,
    ),
]


@dataclass
class Target:
    """A page on one database: a logged-in client and the URL."""

    client: Client
    url: str
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process's and its PostgreSQL backend's
    queries: int = 0
    size: int = 0


def prepare(database: str) -> dict[str, Target]:
    from cities.models import User

    use_database(database)
    clients: dict[str, Client] = {}
    targets = {}
    for page in PAGES:
        if page.email not in clients:
            clients[page.email] = Client()
            clients[page.email].force_login(User.objects.get(email=page.email))
        targets[page.label] = Target(client=clients[page.email], url=page.url())
    return targets


def request(target: Target) -> float:
    backend = backend_cpu()
    cpu = time.process_time()
    started = time.perf_counter()
    response = target.client.get(target.url)
    elapsed = time.perf_counter() - started
    target.cpu.append(time.process_time() - cpu + backend_cpu() - backend)
    if response.status_code != 200:
        raise SystemExit(f"{target.url}: status {response.status_code}")
    target.size = len(response.content)
    return elapsed


def measure_pages() -> dict[str, dict[str, Target]]:
    results = {SMALL_DB: prepare(SMALL_DB), LARGE_DB: prepare(LARGE_DB)}
    for database, targets in results.items():
        switch_database(database)
        print(f"  warming up on {database}:", end="", flush=True)
        for label, target in targets.items():
            first = request(target)  # warm up: templates, translations, PostgreSQL's caches
            with CaptureQueriesContext(connection) as captured:
                request(target)
            target.queries = len(captured.captured_queries)
            print(f" {label} {first:.2f} s;", end="", flush=True)
            target.cpu.clear()  # only the timed requests below count
        print(flush=True)
    for run in range(RUNS):
        for database in (SMALL_DB, LARGE_DB) if run % 2 == 0 else (LARGE_DB, SMALL_DB):
            # Each database's own connection, kept open between turns: no request needs to open
            # one, so the bare view is timed in turn like every page (it used to be asked twice
            # in a row, the first untimed for the new connection: 4.3 ms then, 5.5 in turn).
            switch_database(database)
            for target in results[database].values():
                target.times.append(request(target))
    return results


def print_pages(results: dict[str, dict[str, Target]]) -> None:
    small, large = results[SMALL_DB], results[LARGE_DB]
    bare_small = statistics.median(small["bare Django view"].times)
    bare_large = statistics.median(large["bare Django view"].times)
    bare_cpu = statistics.median(large["bare Django view"].cpu)
    print(
        f"\nKey pages: median of {RUNS} requests, server time in-process (test Client); wall-clock, "
        f"then CPU (this process and its PostgreSQL backend: what a loaded machine does not inflate). "
        f"Load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    header = (
        f"{'page':<28} {'small ms':>9} {'large ms':>9} {'large÷small':>12} {'÷bare':>7} "
        f"{'cpu ms s/l':>12} {'cpu l÷s':>8} {'cpu÷bare':>9} {'queries':>9} {'KB':>6}"
    )
    print(header)
    print("-" * len(header))
    for page in PAGES:
        s, lg = small[page.label], large[page.label]
        s_ms, l_ms = statistics.median(s.times) * 1000, statistics.median(lg.times) * 1000
        s_cpu, l_cpu = statistics.median(s.cpu) * 1000, statistics.median(lg.cpu) * 1000
        ratio = l_ms / s_ms
        to_bare = statistics.median(lg.times) / bare_large
        cpu_ratio = l_cpu / s_cpu if s_cpu else float("nan")
        cpu_to_bare = l_cpu / 1000 / bare_cpu if bare_cpu else float("nan")
        if page.same_page:
            flags = "  ✗ >1.2" if min(ratio, cpu_ratio) > 1.2 else ""
        else:
            flags = "  (more rows in the network's page: not against the 1.2 aim)"
        flags += "  ✗ >25×" if min(to_bare, cpu_to_bare) > 25 else ""
        queries = f"{s.queries}/{lg.queries}"
        print(
            f"{page.label:<28} {s_ms:>9.1f} {l_ms:>9.1f} {ratio:>11.2f}× {to_bare:>6.1f}× "
            f"{f'{s_cpu:.0f}/{l_cpu:.0f}':>12} {cpu_ratio:>7.2f}× {cpu_to_bare:>8.1f}× {queries:>9} "
            f"{lg.size / 1024:>6.0f}{flags}"
        )
    print(
        f"(bare view: {bare_small * 1000:.1f} ms small, {bare_large * 1000:.1f} ms large, "
        f"{bare_cpu * 1000:.1f} ms CPU large; queries small/large; ✗ when both wall and CPU miss the aim)"
    )


# --- open_due_rounds ------------------------------------------------------------------------


# The broker a child process queues on (a Redis database of its own, emptied after each run).
OPEN_DUE_BROKER = os.environ.get("BENCH_OPEN_DUE_BROKER", "redis://127.0.0.1:6379/14")


def open_due_child(due: int) -> None:
    """In a child process: make `due` scheduled repeat rounds due and open them, timed. Without
    a broker (the demo) the queued e-mails run in-process and are counted in the time; with one
    (production) they are queued for the worker, as `open_due_rounds` does."""
    from django.core import mail

    from peerreview.background import in_process
    from peerreview.models import Round
    from reports.repeat import open_due_repeat_rounds

    use_database(LARGE_DB)
    today = timezone.localdate()
    scheduled = Round.objects.filter(previous_round__isnull=False, state="planned")
    ids = list(
        scheduled.filter(opens_on__gt=today, title__startswith="Bench city ")
        .order_by("opens_on", "pk")
        .values_list("pk", flat=True)[:due]
    )
    Round.objects.filter(pk__in=ids).update(opens_on=today - datetime.timedelta(days=1))
    total = scheduled.count()
    mail.outbox = []
    queued_before = _broker_queue_length()
    started = time.perf_counter()
    cpu_started = time.process_time()
    opened = open_due_repeat_rounds(today)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if in_process():
        sent = f"{len(mail.outbox)} e-mails sent in-process"
    else:
        sent = f"{_broker_queue_length() - queued_before} tasks queued on the broker"
        _purge_broker()
    print(
        f"  {len(opened):>5} due among {total:,} scheduled: {elapsed:6.2f} s, {cpu:5.2f} s CPU "
        f"({elapsed / max(len(opened), 1) * 1000:.0f} ms a round, {sent})"
        + ("  ✗ > 2 s" if due == 10 and elapsed > 2 else "")
    )


def _broker_queue_length() -> int:
    import redis

    if not os.environ.get("BENCH_CELERY_BROKER_URL"):
        return 0
    return int(redis.Redis.from_url(OPEN_DUE_BROKER).llen("celery"))


def _purge_broker() -> None:
    import redis

    redis.Redis.from_url(OPEN_DUE_BROKER).flushdb()


def measure_open_due() -> None:
    """`open_due_repeat_rounds` on the large database, each run in a child process: without a
    broker (e-mails sent in-process, the demo) and with a Redis broker (e-mails queued)."""
    print("\nopen_due_repeat_rounds (large database)")
    for label, broker in (
        ("no broker (the demo: e-mails in-process)", ""),
        (f"broker {OPEN_DUE_BROKER}", OPEN_DUE_BROKER),
    ):
        print(f" {label}")
        for due in (10, 1000):
            env = {**os.environ, "BENCH_CELERY_BROKER_URL": broker}
            done = subprocess.run(
                [sys.executable, __file__, "--open-due-child", str(due)],
                capture_output=True,
                text=True,
                env=env,
            )
            lines = [line for line in done.stdout.splitlines() if line.startswith("  ")]
            print(lines[-1] if lines and done.returncode == 0 else f"  failed: {done.stderr.strip()[-300:]}")


# --- exports --------------------------------------------------------------------------------

EXPORTS = [
    ("all scores, CSV", "/exports/scores/?format=csv"),
    ("all action proposals, CSV", "/exports/action-proposals/?format=csv"),
    ("all scores, XLSX", "/exports/scores/?format=xlsx"),
    ("all action proposals, XLSX", "/exports/action-proposals/?format=xlsx"),
]


def export_child(url: str) -> None:
    """In a child process: one export, consumed to the end; prints seconds, bytes, peak MB. An
    XLSX answers at once (a redirect to the waiting page) and is made by the worker (here the
    background thread of this process, no broker): the time is until the file is downloaded."""
    from cities.models import User
    from peerreview import background
    from reports.models import ExportFile

    use_database(LARGE_DB)
    for earlier in ExportFile.objects.all():  # a new file, not one made by an earlier run
        earlier.file.delete(save=False)
        earlier.delete()
    client = Client()
    client.force_login(User.objects.get(email="coordinator@demo.eu"))
    client.get("/bench/bare/")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code == 302:  # being prepared: wait for the worker, then download
        background.wait_idle(timeout=EXPORT_TIMEOUT_S)
        response = client.get(response["Location"])
    size = 0
    if getattr(response, "streaming", False):
        for chunk in response.streaming_content:
            size += len(chunk)
    else:
        size = len(response.content)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # An HTML answer after the wait is the waiting page telling why there is no file.
    page = response.get("Content-Type", "").startswith("text/html")
    print(
        f"{response.status_code} {elapsed:.3f} {size} {(peak - before) / 1024:.1f} {int(getattr(response, 'streaming', False))} {int(page)}"
    )


def measure_exports() -> None:
    print(
        f"\nAll-rounds exports (large database, coordinator; stopped past {EXPORT_MAX_GB:g} GB or {EXPORT_TIMEOUT_S} s)"
    )
    limit = int(EXPORT_MAX_GB * 1024**3)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    for label, url in EXPORTS:
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--export-child", url],
                capture_output=True,
                text=True,
                timeout=EXPORT_TIMEOUT_S,
                preexec_fn=cap,
            )
        except subprocess.TimeoutExpired:
            print(f"  {label:<28} stopped after {EXPORT_TIMEOUT_S} s")
            continue
        last = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
        if done.returncode != 0 or not last:
            errors = [
                line for line in done.stderr.splitlines() if re.match(r"^[\w.]+(Error|Exception)\b", line)
            ]
            reason = (
                "MemoryError" if "MemoryError" in done.stderr else (errors or [f"exit {done.returncode}"])[-1]
            )
            print(f"  {label:<28} failed: {reason[:120]}")
            continue
        status, seconds, size, peak_mb, streamed, page = last[0].split()
        if page == "1":
            print(
                f"  {label:<28} {float(seconds):7.1f} s  no file: the waiting page says why (status {status})"
            )
            continue
        print(
            f"  {label:<28} {float(seconds):7.1f} s  {int(size) / 1024**2:8.1f} MB  "
            f"peak memory +{float(peak_mb):7.0f} MB  {'streamed' if streamed == '1' else 'built in memory'}"
            + ("" if status == "200" else f"  status {status}")
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--skip-open-due", action="store_true")
    parser.add_argument(
        "--pages",
        metavar="WORDS",
        help="time only the key pages whose label contains one of these comma-separated words "
        "(the bare view is always timed); skips open_due_rounds and the exports",
    )
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    parser.add_argument("--open-due-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    if args.export_child:
        export_child(args.export_child)
        return 0
    if args.open_due_child:
        open_due_child(args.open_due_child)
        return 0
    started = time.monotonic()
    ensure_small()
    ensure_large(args.regenerate)
    print(
        f"Databases ready in {time.monotonic() - started:.0f} s: {SMALL_DB} (demo) and {LARGE_DB} (demo + network)."
    )
    from cities.models import City
    from peerreview.models import Round, Score

    for database in (SMALL_DB, LARGE_DB):
        use_database(database)
        print(
            f"  {database}: {City.objects.count():,} cities, {Round.objects.count():,} rounds "
            f"({Round.objects.filter(previous_round__isnull=False, state='planned').count():,} scheduled repeat), "
            f"{Score.objects.count():,} scores"
        )
    if args.generate_only:
        return 0
    if args.pages:
        words = [word.strip() for word in args.pages.split(",") if word.strip()]
        PAGES[1:] = [page for page in PAGES[1:] if any(word in page.label for word in words)]
    print_pages(measure_pages())
    if not args.skip_open_due and not args.pages:
        measure_open_due()
    if not args.skip_exports and not args.pages:
        measure_exports()
    return 0


if __name__ == "__main__":
    sys.exit(main())
