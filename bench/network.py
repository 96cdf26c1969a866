"""The network at scale: `python bench/network.py` (PostgreSQL at 127.0.0.1:5432, user postgres).

Two databases of its own, never the tests' or scale.py's (`NETWORK_SMALL_DB`, default
`network_bench_small`: the demo; `NETWORK_DB`, default `network_bench`: a copy of the demo plus a
generated network). The generated network is 10,000 published rounds of 2,000 cities (five reviews
each, every later one a repeat round of the one before, with the city's progress on the earlier
action proposals), each with its pre-report (self-scores, guiding questions and the three NOT AN
ISLAND answers), a panel of three from a pool of 1,000 evaluators, agreed scores on every scored
criterion, a finding per criterion, three action proposals and the library's entries with their
full-text vectors — all written with `INSERT … SELECT generate_series` and cached step by step in
`bench_network_step` (`--regenerate` starts again).

Then, in this process (Django's test Client, DEBUG off), the median server time of `BENCH_RUNS`
requests (default 7) on the demo and on the generated network, interleaved, with the queries per
request and the largest number of rows any one query returned (a page built from aggregates never
fetches the 10,000 rounds): the library's searches in English, Finnish and Swedish and with filters
(aim: under 200 ms on the network), the good-practice view, the programme synthesis page and its
NOT AN ISLAND page, a city's report page with its benchmark, the panel page with ranked evaluator
suggestions; then the synthesis's streamed CSV (the NOT AN ISLAND table) and XLSX consumed to the
end, and with `--pdf` the synthesis PDF of one country's rounds rendered as the worker does.

Options: `--generate-only`, `--regenerate`, `--pdf`, `--skip-exports`, `--only PREFIX` (only those
pages, e.g. `--only library`; nothing else measured)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("NETWORK_DB_SERVER", "postgres://postgres@127.0.0.1:5432")
SMALL_DB = os.environ.get("NETWORK_SMALL_DB", "network_bench_small")
LARGE_DB = os.environ.get("NETWORK_DB", "network_bench")
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
SEARCH_AIM_MS = 200

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
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from network.index import update_vectors_sql  # noqa: E402

N_CITIES = 2_000
N_ROUNDS = 10_000  # five per city
N_EVALUATORS = 1_000
COUNTRIES = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
             "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "NO", "IS"]  # fmt: skip
THEMES = ["WHY", "WHAT", "HOW", "WHO", "RESULT"]

EN = [
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
]
FI = [
    "Hankintayksikkö julkaisee tarjousten arvioinnin pöytäkirjat kahden viikon kuluessa.",
    "Markkinavuoropuhelu suunnitellaan ennen suuria kilpailutuksia ja kirjataan yhteiseen rekisteriin.",
    "Kiertotalouden kriteerejä käytetään kalusteiden, tekstiilien ja purkutöiden hankinnoissa.",
    "Sopimushallinnalta puuttuu yhteinen työkalu; hankintatiedot kerätään käsin kerran vuodessa.",
]
SV = [
    "Upphandlingsenheten publicerar protokollen från anbudsutvärderingen inom två veckor.",
    "Marknadsdialog före stora upphandlingar planeras och dokumenteras i ett gemensamt register.",
    "Cirkulära kriterier används vid upphandling av möbler, textilier och rivning.",
    "Avtalsförvaltningen saknar ett gemensamt verktyg; inköpsdata samlas in för hand varje år.",
]
ISLAND = {
    1: [
        "asks for simpler national rules for small innovation procurements.",
        "asks the EU to review the thresholds for works, which have not followed construction costs.",
        "asks for clearer guidance on social clauses and labour conditions in service contracts.",
    ],
    2: [
        "needs a national procurement data service combining notices, contract values and supplier data.",
        "would use shared criteria sets for sustainable procurement instead of building its own.",
        "asks for a help desk on competitive dialogue and innovation partnerships.",
    ],
    3: [
        "proposes a national forum of large buyers with the state's central purchasing body.",
        "asks for European exchanges of procurement staff between cities.",
        "wants joint market dialogues with neighbouring municipalities and the region.",
    ],
}


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def pick(values: list[str], expression: str) -> str:
    return f"({sql_array(values)})[1 + abs({expression}) % {len(values)}]"


def in_language(language: str, expression: str) -> str:
    """A sentence in the round's language (English, Finnish or Swedish), chosen by `expression`."""
    return (
        f"CASE {language} WHEN 'fi' THEN {pick(FI, expression)} WHEN 'sv' THEN {pick(SV, expression)} "
        f"ELSE {pick(EN, expression)} END"
    )


# --- databases ------------------------------------------------------------------------------


def ensure_small() -> None:
    ensure_demo(SMALL_DB)


def ensure_large(regenerate: bool) -> None:
    if regenerate and database_exists(LARGE_DB):
        admin_execute(f'DROP DATABASE "{LARGE_DB}"')
    if not database_exists(LARGE_DB):
        print(f"Copying {SMALL_DB} to {LARGE_DB} …", flush=True)
        use_database("postgres")
        admin_execute(f'CREATE DATABASE "{LARGE_DB}" TEMPLATE "{SMALL_DB}"')
    use_database(LARGE_DB)
    call_command("migrate", verbosity=0, interactive=False)
    generate()


# --- generation -----------------------------------------------------------------------------


def base_of(table: str) -> int:
    return int(scalar(f"SELECT coalesce(max(id), 0) FROM {table}")) + 1000


def generate() -> None:
    execute(
        "CREATE TABLE IF NOT EXISTS bench_network_step ("
        " step text PRIMARY KEY, base bigint, seconds double precision, done_at timestamptz DEFAULT now())"
    )
    bases = dict(rows("SELECT step, base FROM bench_network_step"))
    framework = scalar("SELECT id FROM peerreview_framework ORDER BY version DESC, id LIMIT 1")
    criteria = rows(
        "SELECT c.id, c.code, t.code, t.is_scored FROM peerreview_criterion c"
        " JOIN peerreview_theme t ON t.id = c.theme_id WHERE t.framework_id = %s ORDER BY t.order, c.order",
        [framework],
    )
    context = {"framework": framework, "criteria": criteria}
    for name, table, step in STEPS:
        if name in bases:
            continue
        started = time.monotonic()
        print(f"  generating {name} …", end="", flush=True)
        with transaction.atomic():
            base = base_of(table)
            bases[name] = base
            count = step(bases, context)
            reset_sequence(table)
            seconds = time.monotonic() - started
            execute(
                "INSERT INTO bench_network_step (step, base, seconds) VALUES (%s, %s, %s)",
                [name, base, seconds],
            )
        print(f" {count:,} rows in {seconds:.0f} s", flush=True)
    execute("ANALYZE")


def gen_cities(b: dict, c: dict) -> int:
    return execute(
        f"""INSERT INTO cities_city (id, name, country, region, population, procurement_unit, languages,
               annual_procurement_spend_eur, timezone, updated_at)
        SELECT {b["cities"]} + i, 'Network city ' || i, {pick(COUNTRIES, "i")}, '', 20000 + (i * 7919) % 900000,
               'Procurement unit of Network city ' || i, (ARRAY['fi, sv, en', 'sv, en', 'en', 'de, en'])[1 + i % 4],
               NULL, 'Europe/Brussels', now()
        FROM generate_series(0, {N_CITIES - 1}) AS i"""
    )


def gen_users(b: dict, c: dict) -> int:
    """A member per city, then the evaluators (each from a city of the network)."""
    count = execute(
        f"""INSERT INTO cities_user (id, password, last_login, is_superuser, is_staff, is_active, date_joined,
               email, full_name, job_title, language, is_coordinator, session_nonce, mfa_enabled)
        SELECT {b["users"]} + i, '!bench', NULL, false, false, true, now(),
               CASE WHEN i < {N_CITIES} THEN 'member' || i ELSE 'evaluator' || (i - {N_CITIES}) END
                   || '@network.invalid',
               CASE WHEN i < {N_CITIES} THEN 'Network Member ' || i ELSE 'Network Evaluator ' || (i - {N_CITIES}) END,
               '', (ARRAY['en','fi','sv'])[1 + i % 3], false, '', false
        FROM generate_series(0, {N_CITIES + N_EVALUATORS - 1}) AS i"""
    )
    execute(
        f"""INSERT INTO cities_membership (role, city_id, user_id)
        SELECT 'lead', {b["cities"]} + i, {b["users"]} + i FROM generate_series(0, {N_CITIES - 1}) AS i"""
    )
    reset_sequence("cities_membership")
    execute(
        f"""INSERT INTO cities_evaluatorprofile (expertise, languages, home_city_id, user_id, availability_note,
               available, max_rounds_per_year, unavailable_until)
        SELECT {pick(THEMES, "e")} || ', ' || {pick(THEMES, "e / 5 + 2")},
               (ARRAY['en, fi', 'en, sv', 'en, de', 'en, fr, nl', 'pt, es, en'])[1 + e % 5],
               {b["cities"]} + (e * 7) % {N_CITIES}, {b["users"]} + {N_CITIES} + e, '', e % 17 <> 0, 2 + e % 3, NULL
        FROM generate_series(0, {N_EVALUATORS - 1}) AS e"""
    )
    reset_sequence("cities_evaluatorprofile")
    return count


def gen_rounds(b: dict, c: dict) -> int:
    """Round i: city i % N_CITIES, its review number i / N_CITIES (0–4, a year apart); each later
    review is the repeat round of the one before."""
    return execute(
        f"""INSERT INTO peerreview_round (id, title, language, state, opens_on, prereport_due, scoring_due,
               assessment_due, report_due, factual_check_due, repeat_interval_months, cancellation_reason,
               published_at, created_at, updated_at, created_by_id, framework_id, host_city_id,
               previous_round_id, repeat_with_newest_framework, panel_rule_override_reason)
        SELECT {b["rounds"]} + i, 'Network city ' || (i % {N_CITIES}) || ' ' || (2021 + i / {N_CITIES}),
               (ARRAY['en','fi','sv'])[1 + (i % {N_CITIES}) % 3], 'published', d, d + 42, d + 70, d + 100, d + 130,
               d + 150, 12, '', p, p - interval '200 days', p, NULL, {c["framework"]}, {b["cities"]} + i % {N_CITIES},
               CASE WHEN i >= {N_CITIES} THEN {b["rounds"]} + i - {N_CITIES} END, false, ''
        FROM generate_series(0, {N_ROUNDS - 1}) AS i,
             LATERAL (SELECT now() - ((4 - i / {N_CITIES}) * 365 + i % 300) * interval '1 day' AS p) AS published,
             LATERAL (SELECT (p - interval '200 days')::date AS d) AS opened"""
    )


def gen_prereports(b: dict, c: dict) -> int:
    count = execute(
        f"""INSERT INTO peerreview_prereport (id, guiding_question_1, guiding_question_2, guiding_question_3,
               context, submitted_at, updated_at, submitted_by_id, round_id, version)
        SELECT {b["prereports"]} + (r.id - {b["rounds"]}), 'How do we organise market dialogue with suppliers?',
               'How should we measure the effects of social clauses?', '', {pick(EN, "r.id")},
               r.published_at - interval '150 days', r.published_at, NULL, r.id, 1
        FROM peerreview_round r WHERE r.id >= {b["rounds"]}"""
    )
    island = " ".join(
        f"WHEN '{code}' THEN 'Network city ' || (r.id - {b['rounds']}) % {N_CITIES} || ' ' || "
        f"{pick(ISLAND[int(code.split('.')[1])], '(r.id - ' + str(b['rounds']) + ') / ' + str(N_CITIES) + ' + r.id')}"
        for _id, code, _theme, scored in c["criteria"]
        if not scored
    )
    criteria = ",".join(
        f"({pk}, '{code}', {str(scored).lower()}, {index})"
        for index, (pk, code, _t, scored) in enumerate(c["criteria"])
    )
    count += execute(
        f"""INSERT INTO peerreview_answer (self_score, not_applicable, not_applicable_reason, narrative, criterion_id,
               prereport_id, version)
        SELECT CASE WHEN cr.scored THEN least(4, ((r.id * 3 + cr.n) % 5) + (r.id % 2)) END, false, '',
               CASE WHEN cr.scored THEN {pick(EN, "r.id + cr.n")} ELSE CASE cr.code {island} END END,
               cr.id, p.id, 1
        FROM peerreview_round r JOIN peerreview_prereport p ON p.round_id = r.id,
             (VALUES {criteria}) AS cr(id, code, scored, n)
        WHERE r.id >= {b["rounds"]}"""
    )
    reset_sequence("peerreview_answer")
    return count


def gen_panels(b: dict, c: dict) -> int:
    criteria = ",".join(
        f"({pk}, {index})" for index, (pk, _code, _t, scored) in enumerate(c["criteria"]) if scored
    )
    count = execute(
        f"""INSERT INTO peerreview_assignment (id, role, state, due_date, conflict_warnings, decline_reason,
               invited_at, responded_at, scores_submitted_at, evaluator_id, round_id)
        SELECT {b["panels"]} + (r.id - {b["rounds"]}) * 3 + seat, CASE WHEN seat = 0 THEN 'lead' ELSE 'member' END,
               'accepted', r.opens_on + 14, '', '', r.created_at, r.created_at + interval '3 days',
               r.created_at + interval '70 days',
               {b["users"]} + {N_CITIES} + ((r.id - {b["rounds"]}) * 3 + seat) % {N_EVALUATORS}, r.id
        FROM peerreview_round r, generate_series(0, 2) AS seat WHERE r.id >= {b["rounds"]}"""
    )
    count += execute(
        f"""INSERT INTO peerreview_agreedscore (level, not_applicable, rationale, recorded_at, recorded_by_id,
               criterion_id, round_id, version)
        SELECT CASE WHEN (r.id + cr.n) % 37 = 0 THEN NULL ELSE (r.id * 3 + cr.n + (r.id - {b["rounds"]}) / {N_CITIES}) % 5 END,
               (r.id + cr.n) % 37 = 0, 'Agreed on the assessment days.', r.published_at, NULL, cr.id, r.id, 1
        FROM peerreview_round r, (VALUES {criteria}) AS cr(id, n) WHERE r.id >= {b["rounds"]}"""
    )
    reset_sequence("peerreview_agreedscore")
    return count


def gen_reports(b: dict, c: dict) -> int:
    count = execute(
        f"""INSERT INTO reports_summaryreport (id, executive_summary, key_strengths, purpose_and_scope,
               process_notes, next_steps, factual_comment, factual_comment_at, city_response, published_at,
               updated_at, factual_comment_by_id, published_by_id, round_id, version, publication_level,
               publication_level_set_at, publication_level_set_by_id, text_language)
        SELECT {b["reports"]} + (r.id - {b["rounds"]}), {in_language("r.language", "r.id")} || ' ' || {pick(EN, "r.id + 5")},
               '', '', '', '', '', NULL, '', r.published_at, r.published_at, NULL, NULL, r.id, 1,
               (ARRAY['network','network','network','public','round'])[1 + r.id % 5], r.published_at, NULL, ''
        FROM peerreview_round r WHERE r.id >= {b["rounds"]}"""
    )
    criteria = ",".join(f"({pk}, {index})" for index, (pk, _code, _t, _scored) in enumerate(c["criteria"]))
    count += execute(
        f"""INSERT INTO reports_finding (evidence, strengths, areas_to_develop, good_practice, criterion_id,
               report_id, updated_at, version)
        SELECT 'Pre-report and interviews.', {pick(EN, "s.id + cr.n")},
               CASE WHEN (s.id + cr.n) % 3 <> 0 THEN {pick(EN, "s.id * 5 + cr.n")} ELSE '' END,
               CASE WHEN (s.id + cr.n) % 4 = 0 THEN {in_language("r.language", "s.id + cr.n * 7")} ELSE '' END,
               cr.id, s.id, s.published_at, 1
        FROM reports_summaryreport s JOIN peerreview_round r ON r.id = s.round_id, (VALUES {criteria}) AS cr(id, n)
        WHERE s.id >= {b["reports"]}"""
    )
    scored = [pk for pk, _code, _t, is_scored in c["criteria"] if is_scored]
    count += execute(
        f"""INSERT INTO reports_actionproposal (number, title, description, priority, owner, timeframe,
               success_indicator, criterion_id, report_id, form_token, updated_at, version)
        SELECT n + 1, left({pick(EN, "s.id + n * 3")}, 300), {pick(EN, "s.id + n")},
               (ARRAY['high','medium','low'])[1 + (s.id + n) % 3], 'Procurement unit', '12 months',
               'Share of contracts', (ARRAY[{",".join(map(str, scored))}]::bigint[])[1 + (s.id * 7 + n * 5) % {len(scored)}],
               s.id, NULL, s.published_at, 1
        FROM reports_summaryreport s, generate_series(0, 2) AS n WHERE s.id >= {b["reports"]}"""
    )
    for table in ("reports_finding", "reports_actionproposal"):
        reset_sequence(table)
    count += execute(
        f"""INSERT INTO reports_actionprogress (status, evidence, updated_at, proposal_id, round_id, updated_by_id)
        SELECT (ARRAY['implemented','in_progress','not_started','dropped','implemented'])[1 + p.id % 5],
               'Reported in the repeat round.', r.published_at - interval '100 days', p.id, r.id, NULL
        FROM peerreview_round r JOIN reports_summaryreport prev ON prev.round_id = r.previous_round_id
             JOIN reports_actionproposal p ON p.report_id = prev.id
        WHERE r.id >= {b["rounds"]} AND r.previous_round_id IS NOT NULL"""
    )
    reset_sequence("reports_actionprogress")
    return count


def gen_library(b: dict, c: dict) -> int:
    """The library's entries of each report, with their vectors as network.index builds them."""
    from network.index import finding_anchor  # noqa: F401 - the anchors below follow it

    config = "(CASE r.language WHEN 'en' THEN 'english' WHEN 'fi' THEN 'finnish' ELSE 'swedish' END)"
    columns = (
        "INSERT INTO network_searchentry (kind, theme_code, criterion_code, agreed_level, config, title, text, "
        "anchor, search_vector, criterion_id, finding_id, proposal_id, report_id, "
        "round_id, publication_level, country, published_at)"
    )
    report = "r.id, s.publication_level, (SELECT country FROM cities_city WHERE id = r.host_city_id), s.published_at"
    count = execute(
        f"""{columns}
        SELECT 'summary', '', '', NULL, {config}, '', s.executive_summary, 'report-summary', NULL, NULL, NULL, NULL, s.id,
               {report}
        FROM reports_summaryreport s JOIN peerreview_round r ON r.id = s.round_id WHERE s.id >= {b["reports"]}"""
    )
    count += execute(
        f"""{columns}
        SELECT kind, t.code, cr.code, a.level, {config}, '', body,
               'finding-' || lower(replace(cr.code, '.', '')) || '-' || replace(kind, '_', '-'),
               NULL, cr.id, f.id, NULL, s.id, {report}
        FROM reports_summaryreport s JOIN peerreview_round r ON r.id = s.round_id
             JOIN reports_finding f ON f.report_id = s.id
             JOIN peerreview_criterion cr ON cr.id = f.criterion_id
             JOIN peerreview_theme t ON t.id = cr.theme_id
             LEFT JOIN peerreview_agreedscore a ON a.round_id = r.id AND a.criterion_id = cr.id AND NOT a.not_applicable,
             LATERAL (VALUES ('strengths', f.strengths), ('areas_to_develop', f.areas_to_develop),
                             ('good_practice', f.good_practice)) AS parts(kind, body)
        WHERE s.id >= {b["reports"]} AND body <> ''"""
    )
    count += execute(
        f"""{columns}
        SELECT 'proposal', t.code, cr.code, a.level, {config}, p.title, p.description || E'\\n' || p.success_indicator,
               'AP-' || p.number, NULL, cr.id, NULL, p.id, s.id, {report}
        FROM reports_summaryreport s JOIN peerreview_round r ON r.id = s.round_id
             JOIN reports_actionproposal p ON p.report_id = s.id
             JOIN peerreview_criterion cr ON cr.id = p.criterion_id
             JOIN peerreview_theme t ON t.id = cr.theme_id
             LEFT JOIN peerreview_agreedscore a ON a.round_id = r.id AND a.criterion_id = cr.id AND NOT a.not_applicable
        WHERE s.id >= {b["reports"]}"""
    )
    # The vectors as network.index builds them.
    execute(update_vectors_sql("search_vector IS NULL"))
    return count


def gen_facets(b: dict, c: dict) -> int:
    """The library's filter values per publication level, as `network.index` keeps them."""
    from network.index import rebuild_facets

    return rebuild_facets()


def gen_tallies(b: dict, c: dict) -> int:
    """The synthesis's and the benchmark's tallies, counted from the rounds written above (the
    generation bypasses the signals that keep them)."""
    from network.tallies import rebuild_tallies

    return rebuild_tallies()


STEPS = [
    ("cities", "cities_city", gen_cities),
    ("users", "cities_user", gen_users),
    ("rounds", "peerreview_round", gen_rounds),
    ("prereports", "peerreview_prereport", gen_prereports),
    ("panels", "peerreview_assignment", gen_panels),
    ("reports", "reports_summaryreport", gen_reports),
    ("library", "network_searchentry", gen_library),
    ("facets", "network_libraryfacet", gen_facets),
    ("tallies", "network_criteriontally", gen_tallies),
]


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    email: str
    url: object  # str or a callable returning it
    aim_ms: float | None = None


def round_of(city: str, state: str) -> int:
    from peerreview.models import Round

    return (
        Round.objects.filter(host_city__name=city, state=state)
        .order_by("-pk")
        .values_list("pk", flat=True)[0]
    )


PAGES = [
    Page("library: search (en)", "porto@demo.eu", "/library/?q=published+minutes", SEARCH_AIM_MS),
    Page("library: search (fi)", "porto@demo.eu", "/library/?q=markkinavuoropuhelu", SEARCH_AIM_MS),
    Page("library: search (sv)", "porto@demo.eu", "/library/?q=upphandlingar", SEARCH_AIM_MS),
    Page(
        "library: search + filters",
        "porto@demo.eu",
        "/library/?q=market+dialogue&country=FI&theme=WHO",
        SEARCH_AIM_MS,
    ),
    Page("library: no hit", "porto@demo.eu", "/library/?q=zeppelin", SEARCH_AIM_MS),
    Page("library: reports list", "porto@demo.eu", "/library/"),
    Page("good practice: HOW.3", "porto@demo.eu", "/library/good-practice/?criterion=HOW.3"),
    Page("synthesis", "coordinator@demo.eu", "/programme/"),
    Page("synthesis: FI, page 3", "coordinator@demo.eu", "/programme/?country=FI&page=3"),
    Page(
        "synthesis: not an island", "coordinator@demo.eu", "/programme/not-an-island/?heading=ISLAND.2&page=5"
    ),
    Page("report + benchmark", "espoo@demo.eu", lambda: f"/rounds/{round_of('Espoo', 'published')}/report/"),
    Page("dashboard: host + benchmark", "espoo@demo.eu", "/"),
    Page(
        "panel: ranked suggestions",
        "coordinator@demo.eu",
        lambda: f"/rounds/{round_of('Espoo', 'prereport_open')}/panel/",
    ),
]


@dataclass
class Target:
    client: Client
    url: str
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process's and its PostgreSQL backend's
    queries: int = 0
    largest: int = 0  # the most rows one query returned


class RowCounter:
    """An execute wrapper: how many queries ran and the most rows one of them returned."""

    def __init__(self) -> None:
        self.queries = 0
        self.largest = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        self.queries += 1
        cursor = context["cursor"]
        if cursor.description is not None and cursor.rowcount and cursor.rowcount > 0:
            self.largest = max(self.largest, cursor.rowcount)
        return result


def prepare(database: str) -> dict[str, Target]:
    from cities.models import User

    use_database(database)
    clients: dict[str, Client] = {}
    targets = {}
    for page in PAGES:
        if page.email not in clients:
            clients[page.email] = Client()
            clients[page.email].force_login(User.objects.get(email=page.email))
        url = page.url() if callable(page.url) else page.url
        targets[page.label] = Target(client=clients[page.email], url=url)
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
    return elapsed


def measure_pages() -> dict[str, dict[str, Target]]:
    results = {SMALL_DB: prepare(SMALL_DB), LARGE_DB: prepare(LARGE_DB)}
    for database, targets in results.items():
        switch_database(database)
        backend_cpu()  # the backend's pid, outside the counted requests
        for target in targets.values():
            request(target)  # warm up
            counter = RowCounter()
            with connection.execute_wrapper(counter):
                request(target)
            target.queries, target.largest = counter.queries, counter.largest
            target.cpu.clear()
    for run in range(RUNS):
        for database in (SMALL_DB, LARGE_DB) if run % 2 == 0 else (LARGE_DB, SMALL_DB):
            switch_database(database)  # each database's own connection, kept open between turns
            backend_cpu()
            for target in results[database].values():
                target.times.append(request(target))
    return results


def print_pages(results: dict[str, dict[str, Target]]) -> None:
    small, large = results[SMALL_DB], results[LARGE_DB]
    load = os.getloadavg()
    print(
        f"\nPages: median of {RUNS} requests, server time in-process (test Client), demo vs 10,000 published rounds"
        f"\n(load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; cpu ms: this process and its PostgreSQL backend,"
        " which a loaded machine does not inflate)"
    )
    header = f"{'page':<30} {'demo ms':>8} {'network ms':>11} {'cpu demo/net':>13} {'queries':>9} {'most rows':>10}  aim"
    print(header)
    print("-" * len(header))
    for page in PAGES:
        s, lg = small[page.label], large[page.label]
        s_ms, l_ms = statistics.median(s.times) * 1000, statistics.median(lg.times) * 1000
        aim = ""
        if page.aim_ms:
            aim = f"< {page.aim_ms:.0f} ms {'✓' if l_ms < page.aim_ms else '✗'}"
        cpu = f"{statistics.median(s.cpu) * 1000:.0f}/{statistics.median(lg.cpu) * 1000:.0f}"
        print(
            f"{page.label:<30} {s_ms:>8.1f} {l_ms:>11.1f} {cpu:>13} {s.queries:>4}/{lg.queries:<4} {lg.largest:>10}  {aim}"
        )
    print(
        "(queries demo/network: the same number whatever the size; most rows: the largest result of one query)"
    )


def measure_synthesis_aggregates() -> None:
    """The synthesis's figures from the tallies against counting them from the rounds, and one
    city's benchmark, timed one by one on the network."""
    import datetime

    from network.synthesis import SynthesisFilters, figures_of, maturity_distribution, published_rounds
    from network.tallies import synthesis_figures
    from peerreview.benchmark import benchmark
    from peerreview.models import Round

    use_database(LARGE_DB)
    rounds = published_rounds(SynthesisFilters())
    print(f"\nSynthesis figures on {rounds.count():,} published rounds (each part once, warm)")
    newest = rounds.order_by("-published_at").values_list("published_at", flat=True).first()
    year = newest.year if newest else 2026
    ranged = SynthesisFilters(
        published_from=datetime.date(year - 2, 7, 1), published_to=datetime.date(year, 6, 30)
    )
    to_the_day = SynthesisFilters(
        published_from=datetime.date(year - 2, 7, 15), published_to=datetime.date(year, 6, 14)
    )
    parts = {
        "from the tallies (every part)": lambda: synthesis_figures(SynthesisFilters()),
        "from the tallies, one country": lambda: synthesis_figures(SynthesisFilters(country="FI")),
        "tallies, two half years (whole months)": lambda: synthesis_figures(ranged),
        "tallies + two half months counted": lambda: synthesis_figures(to_the_day),
        "counted from every round (before)": lambda: figures_of(rounds),
    }
    espoo = Round.objects.filter(host_city__name="Espoo", state="published").first()
    if espoo is not None:
        parts["benchmark of one city (2,000+ cities)"] = lambda: benchmark(espoo)
    for label, part in parts.items():
        part()
        counter = RowCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            part()
        elapsed = (time.perf_counter() - started) * 1000
        print(f"  {label:<42} {elapsed:>8.1f} ms  {counter.queries} queries, most rows {counter.largest}")
    sample = maturity_distribution(synthesis_figures(SynthesisFilters())).get("HOW.3")
    if sample:
        print(
            f"  e.g. HOW.3: n={sample.n}, mean {sample.mean:.2f}, quartiles {sample.q1:.1f} / {sample.median:.1f} / "
            f"{sample.q3:.1f}"
        )


def measure_exports(with_pdf: bool) -> None:
    from cities.models import User

    use_database(LARGE_DB)
    client = Client()
    client.force_login(User.objects.get(email="coordinator@demo.eu"))
    print("\nSynthesis exports on the network (streamed, consumed to the end)")
    for label, url in (
        ("CSV: not an island", "/programme/export/?table=island&format=csv"),
        ("CSV: heatmap (every round)", "/programme/export/?table=heatmap&format=csv"),
    ):
        started = time.perf_counter()
        response = client.get(url)
        first = time.perf_counter() - started
        size = sum(len(chunk) for chunk in response.streaming_content)
        total = time.perf_counter() - started
        print(
            f"  {label:<28} first bytes {first * 1000:>7.0f} ms, all {total:>6.1f} s, {size / 1024 / 1024:>6.1f} MB"
        )
    measure_workbook(client)
    if with_pdf:
        from network.synthesis import SynthesisFilters, published_rounds
        from network.synthesis_pdf import render_html
        from reports.pdf import write_pdf
        from reports.pdf_ua import check_pdf_ua

        filters = SynthesisFilters(country="PT")
        count = published_rounds(filters).count()
        started = time.perf_counter()
        html = render_html(filters, "en")
        middle = time.perf_counter()
        data = write_pdf(html)
        done = time.perf_counter()
        print(
            f"  PDF (Portugal, {count} rounds): HTML {middle - started:.1f} s, PDF {done - middle:.1f} s, "
            f"{len(data) / 1024 / 1024:.1f} MB, PDF/UA problems: {len(check_pdf_ua(data, language='en'))}"
        )


def measure_workbook(client: Client) -> None:
    """The XLSX of every table: the ask answers at once (a redirect to the waiting page), the
    background thread writes the file, then the waiting page downloads it."""
    from network.models import SynthesisPdf
    from peerreview import background

    SynthesisPdf.objects.filter(format="xlsx").delete()
    started = time.perf_counter()
    response = client.get("/programme/export/?format=xlsx")
    answered = time.perf_counter() - started
    background.wait_idle(timeout=1800)
    made = time.perf_counter() - started
    download = client.get(response["Location"]) if response.status_code == 302 else response
    # Not streamed: the waiting page says the job failed (no file).
    size = sum(len(chunk) for chunk in download.streaming_content) if download.streaming else 0
    print(
        f"  {'XLSX: every table (worker)':<28} answer {response.status_code} in {answered * 1000:>5.0f} ms, "
        f"file ready after {made:>6.1f} s, download {download.status_code}, {size / 1024 / 1024:>6.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--pdf", action="store_true")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument(
        "--only", metavar="PREFIX", help="only the pages whose label starts with it (e.g. library)"
    )
    args = parser.parse_args()
    ensure_small()
    ensure_large(args.regenerate)
    use_database(LARGE_DB)
    print(
        f"Network: {scalar('SELECT count(*) FROM peerreview_round WHERE state = %s', ['published']):,} published "
        f"rounds, {scalar('SELECT count(*) FROM network_searchentry'):,} library entries, "
        f"{scalar('SELECT count(*) FROM peerreview_agreedscore'):,} agreed scores, "
        f"{scalar('SELECT count(*) FROM cities_evaluatorprofile'):,} evaluators"
    )
    if args.generate_only:
        return
    if args.only:
        PAGES[:] = [page for page in PAGES if page.label.startswith(args.only)]
        print_pages(measure_pages())
        return
    print_pages(measure_pages())
    measure_synthesis_aggregates()
    if not args.skip_exports:
        measure_exports(args.pdf)


if __name__ == "__main__":
    main()
