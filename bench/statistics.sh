#!/usr/bin/env bash
# bench/statistics.sh DB: indicator query latency through a running kotodigi
# (issue 11 "Speed"). DB is an existing database (a file path, or a loopback
# postgres:// URL) with a published indicator snapshot, e.g. filled by
#   kotodigi demo generate --db DB --clients 1000000
#   kotodigi statistics refresh --db DB
# It creates a TEM statistician and a token with the CLI, keeps the server's
# own refresh job from starting during the run, starts `kotodigi serve` on
# 127.0.0.1, and runs kotodigi-load --mode statistics at concurrency 16 in
# every format (random indicator × area level × period level × breakdown over
# the last two years), then, when PATHS names a file of request paths (e.g.
# the dashboard pages), GETs those. Environment: DURATION (default 20s),
# CONCURRENCY (16), KOTODIGI_BIN / KOTODIGI_LOAD_BIN (prebuilt binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?usage: bench/statistics.sh DB}
DURATION=${DURATION:-20s}
CONCURRENCY=${CONCURRENCY:-16}
WORK=$(mktemp -d)
KD=${KOTODIGI_BIN:-$WORK/kotodigi}
LOAD=${KOTODIGI_LOAD_BIN:-$WORK/kotodigi-load}
[ -x "$KD" ] || go build -o "$KD" ./cmd/kotodigi
[ -x "$LOAD" ] || go build -o "$LOAD" ./cmd/kotodigi-load
EMAIL=bench-statistician@tem.example
"$KD" user add --db "$DB" --email "$EMAIL" --name "Bench Statistician" --org tem --role statistician | grep -v '^{' || true
TOKEN=$("$KD" token create --db "$DB" --email "$EMAIL" | grep '^kd_' | tail -n1)
[ -n "$TOKEN" ] || { echo "statistics.sh: no token" >&2; exit 1; }
# The refresh job would start at once: schedule it for tomorrow.
case "$DB" in
postgres://* | postgresql://*)
	psql "$DB" -qc "INSERT INTO jobs (name, next_run_at, registered_at, every_seconds) VALUES ('statistics_refresh', now() + interval '1 day', now(), 86400)
		ON CONFLICT (name) DO UPDATE SET next_run_at = excluded.next_run_at, every_seconds = 86400" ;;
*)
	sqlite3 "${DB#sqlite:}" "INSERT INTO jobs (name, next_run_at, registered_at, every_seconds) VALUES ('statistics_refresh', strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', '+1 day'), strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 86400)
		ON CONFLICT (name) DO UPDATE SET next_run_at = excluded.next_run_at, every_seconds = 86400" ;;
esac
"$KD" serve --db "$DB" --addr 127.0.0.1:0 --statistics-interval 24h >"$WORK/server.log" 2>"$WORK/server.err" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
URL=""
for _ in $(seq 1 600); do
	URL=$(sed -n 's/^kotodigi is serving at \(http:[^ ]*\)$/\1/p' "$WORK/server.err" | head -n1)
	[ -n "$URL" ] && break
	sleep 0.1
done
[ -n "$URL" ] || { cat "$WORK/server.err" >&2; exit 1; }
URL=${URL%/}
for f in json csv xlsx json-stat; do
	"$LOAD" --target "$URL" --token "$TOKEN" --mode statistics --format "$f" --concurrency "$CONCURRENCY" --duration "$DURATION" --server-pid "$PID" | grep -E '^(RESULT|requests|first error)'
done
if [ -n "${PATHS:-}" ]; then
	"$LOAD" --target "$URL" --token "$TOKEN" --mode statistics --paths "$PATHS" --label dashboard --concurrency "$CONCURRENCY" --duration "$DURATION" --server-pid "$PID" | grep -E '^(RESULT|requests|first error)'
fi
