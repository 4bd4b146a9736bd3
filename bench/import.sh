#!/usr/bin/env bash
# bench/import.sh: speed of the data migration (`kotodigi import`), issue 12.
#
# Imports ROWS synthetic clients (default 100,000; identity codes from the
# 900–999 range only) and then 3 × ROWS case records (assessments, plans,
# services) with the command, on SQLite (a fresh file) and on PostgreSQL (a
# fresh schema on KOTODIGI_TEST_POSTGRES, default the local server), every
# rule checked and every batch audited; then, on PostgreSQL, loads the same
# client rows and case record rows with COPY into tables like clients,
# assessments, plans and services (same columns and indexes; no row-level
# security, foreign keys or audit) in the same run, and prints the ratios
# (COPY's time over the import's). ENGINE=sqlite or ENGINE=postgres runs one
# engine only. Loopback only; takes a few minutes on 2 cores. The machine's
# load average is printed before and after: on a shared machine the figures
# fall with it.
set -euo pipefail
cd "$(dirname "$0")/.."
export KOTODIGI_TEST_POSTGRES="${KOTODIGI_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
export KOTODIGI_BENCH_IMPORT_ROWS="${ROWS:-100000}"
sub=""
case "${ENGINE:-}" in
sqlite) sub="/sqlite"; unset KOTODIGI_TEST_POSTGRES ;;
postgres) sub="/postgres" ;;
esac
echo "commit $(git rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC'), rows ${KOTODIGI_BENCH_IMPORT_ROWS}"
echo "before: $(uptime)"
go test -run '^$' -bench "BenchmarkImport\$$sub" -benchtime 1x -timeout 60m ./cmd/kotodigi
echo "after: $(uptime)"
