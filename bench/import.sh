#!/usr/bin/env bash
# bench/import.sh: speed of the data migration (`kotodigi import`), issue 12.
#
# Imports ROWS synthetic clients (default 100,000; identity codes from the
# 900–999 range only) and then 3 × ROWS case records (assessments, plans,
# services) with the command, on SQLite (a fresh file) and on PostgreSQL (a
# fresh schema on KOTODIGI_TEST_POSTGRES, default the local server), every
# rule checked and every batch audited; then, on PostgreSQL, loads the same
# client rows with COPY into a table like clients (same columns and indexes,
# no row-level security, no audit) in the same run, and prints the ratio.
# Loopback only; takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export KOTODIGI_TEST_POSTGRES="${KOTODIGI_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
export KOTODIGI_BENCH_IMPORT_ROWS="${ROWS:-100000}"
go test -run '^$' -bench 'BenchmarkImport$' -benchtime 1x -timeout 60m ./cmd/kotodigi
