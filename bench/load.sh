#!/usr/bin/env bash
# Load test: `bash bench/load.sh` (from the project folder, requirements-dev installed,
# PostgreSQL at 127.0.0.1:5432 with user postgres).
#
# Makes (once) its own database LOAD_DB (default load_bench) with the demo seeded, starts gunicorn
# on 127.0.0.1:LOAD_PORT (default 8765; LOAD_WORKERS sync workers, default 3) with production
# settings (DEBUG off) on it, runs bench/locustfile.py headless — LOAD_USERS (20) people across the
# three roles for LOAD_SECONDS (60) on loopback — stops gunicorn, and prints p50, p95, p99 and the
# failures per page and for all page views together (the sign-in, a deliberately slow password
# hash once per person, is shown apart), and whether the aims hold (p95/p50 ≤ 3 for the page
# views, no failures at all). Exits 1 when an aim is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python}
SERVER=${LOAD_DB_SERVER:-postgres://postgres@127.0.0.1:5432}
DB=${LOAD_DB:-load_bench}
PORT=${LOAD_PORT:-8765}
WORKERS=${LOAD_WORKERS:-3}
USERS=${LOAD_USERS:-20}
SECONDS_=${LOAD_SECONDS:-60}
OUT=$(mktemp -d)

export DATABASE_URL="$SERVER/$DB"
export DEBUG=0 SECRET_KEY=load-bench-only-not-secret ALLOWED_HOSTS=127.0.0.1 SITE_URL="http://127.0.0.1:$PORT"
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 STATIC_MANIFEST=0
export MFA_REQUIRED_FOR_COORDINATORS=0 CELERY_BROKER_URL= LOG_LEVEL=WARNING DATABASE_CONN_MAX_AGE=60
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend

if ! psql "$SERVER/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    psql "$SERVER/postgres" -qc "CREATE DATABASE \"$DB\""
fi
"$PYTHON" manage.py migrate --noinput -v0
"$PYTHON" manage.py seed_demo >"$OUT/seed.log"

"$PYTHON" -m gunicorn peerreview.config.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
    --no-control-socket --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null; rm -rf "$OUT"' EXIT
for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$GUNICORN" 2>/dev/null || { cat "$OUT/gunicorn.log"; exit 1; }
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null

echo "locust: $USERS users, ${SECONDS_} s, gunicorn with $WORKERS workers on 127.0.0.1:$PORT, database $DB"
LOAD_SAMPLES="$OUT/samples.json" "$PYTHON" -m locust -f bench/locustfile.py --headless --users "$USERS" --spawn-rate 5 --run-time "${SECONDS_}s" \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/load" --only-summary --loglevel WARNING >"$OUT/locust.log" 2>&1 || true

status=0
"$PYTHON" - "$OUT/samples.json" <<'EOF' || status=$?
import json
import statistics
import sys
from collections import defaultdict

samples = json.load(open(sys.argv[1]))
SIGN_IN = {"login", "login form"}


def figures(times: list[float]) -> tuple[float, float, float]:
    if len(times) < 2:
        return (times[0],) * 3 if times else (0.0,) * 3
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times), cuts[94], cuts[98]


by_name = defaultdict(list)
for name, ms, ok, _start in samples:
    by_name[name].append((ms, ok))
print(f"{'page':<44} {'requests':>8} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
for name, rows in sorted(by_name.items(), key=lambda item: -len(item[1])):
    p50, p95, p99 = figures([ms for ms, _ok in rows])
    fails = sum(1 for _ms, ok in rows if not ok)
    print(f"{name[:44]:<44} {len(rows):>8} {fails:>5} {p50:>7.0f} {p95:>7.0f} {p99:>7.0f}")
pages = [(ms, ok, start) for name, ms, ok, start in samples if name not in SIGN_IN]
sign_in = [(ms, start) for name, ms, _ok, start in samples if name in SIGN_IN]
failures = sum(1 for _name, _ms, ok, _start in samples if not ok)
# Twenty people sign in within four seconds: twenty PBKDF2 hashes (deliberately slow) on two cores
# hold up the pages asked for meanwhile. The aim is judged once everyone has signed in.
signed_in = max((start + ms / 1000 for ms, start in sign_in), default=0.0)
steady = [ms for ms, _ok, start in pages if start >= signed_in]
first = min((start for _ms, _ok, start in pages), default=signed_in)
p50, p95, p99 = figures([ms for ms, _ok, _start in pages])
q50, q95, q99 = figures(steady)
ratio = q95 / q50 if q50 else float("inf")
s50, s95, _ = figures([ms for ms, _start in sign_in])
print(
    f"\npage views, whole run: {len(pages)} requests, p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, "
    f"p95/p50 {p95 / p50 if p50 else float('inf'):.1f}"
    f"\npage views once everyone has signed in ({signed_in - first:.0f} s after the first page view): "
    f"{len(steady)} requests, p50 {q50:.0f} ms, p95 {q95:.0f} ms, p99 {q99:.0f} ms, p95/p50 {ratio:.1f} (aim ≤ 3)"
    f"\nsign-in (form and password, once per person): {len(sign_in)} requests, "
    f"p50 {s50:.0f} ms, p95 {s95:.0f} ms\nfailures: {failures} of {len(samples)} requests (aim 0)"
)
sys.exit(0 if ratio <= 3 and failures == 0 else 1)
EOF
if [ -s "$OUT/load_failures.csv" ] && [ "$(wc -l <"$OUT/load_failures.csv")" -gt 1 ]; then
    echo "failures:"; cat "$OUT/load_failures.csv"
fi
exit $status
