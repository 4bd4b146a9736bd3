#!/usr/bin/env bash
# bench/run.sh: kotodigi's performance benchmark on this machine (loopback only).
#
#  1. builds kotodigi and kotodigi-load;
#  2. for SQLite (a fresh file) and PostgreSQL (database kotodigi_bench on
#     127.0.0.1:5432, created here and dropped at the end): creates a worker
#     account, grant and token with the CLI, starts `kotodigi serve` on
#     127.0.0.1, warms up (200 registrations one at a time: connection pools,
#     caches, and on older versions every audit chain head), then runs
#     kotodigi-load for register and read at concurrency 16 and 64;
#     (with wrk and bench/wrk_read.lua too, when wrk is installed);
#  3. right after each read run, the raw comparison at the same concurrency:
#     per operation one transaction with the client SELECT + a plain audit
#     INSERT, no kotodigi: kotodigi-load --raw-sqlite, kotodigi-load
#     --raw-postgres, and pgbench with bench/pgbench_read_audit.sql;
#  4. prints a summary table (also written to $BENCH_OUT when set).
#
# Every run is bounded in time (DURATION, default 15s; pgbench -T PGBENCH_T,
# default 20) and in count, and targets 127.0.0.1 only. Takes about 5 minutes
# on 2 cores. Environment:
#   DURATION=15s          measured time of each kotodigi-load run
#   PGBENCH_T=20          pgbench -T
#   CONCURRENCIES="16 64"
#   KOTODIGI_BIN=path     use this kotodigi binary instead of building ./cmd/kotodigi
#   KOTODIGI_REF=HEAD     build kotodigi as committed at this git ref, not the work tree
#   PGHOST/PGPORT/PGUSER  the PostgreSQL server (127.0.0.1, 5432, postgres)
#   SKIP_POSTGRES=1       SQLite only
#   SKIP_SQLITE=1         PostgreSQL only
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-15s}
PGBENCH_T=${PGBENCH_T:-20}
CONCURRENCIES=${CONCURRENCIES:-"16 64"}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
BENCH_DB=kotodigi_bench
RAW_CLIENTS=10000
POOL=500
EMAIL=bench-worker@hel.example
OUT=${BENCH_OUT:-/dev/null}
export PGHOST PGPORT PGUSER

case "$PGHOST" in
127.* | localhost | ::1) ;;
*) echo "run.sh: PGHOST must be a loopback address, not $PGHOST" >&2; exit 2 ;;
esac

WORK=$(mktemp -d /tmp/kotodigi-bench.XXXXXX)
RESULTS=$WORK/results.tsv
: >"$RESULTS"
SERVER_PID=""
DB_CREATED=""

cleanup() {
	set +e
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	if [ -n "$DB_CREATED" ]; then
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null 2>&1
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '\n=== %s\n' "$*"; }

# bounded runs a command with a hard time limit (a backstop: every tool here
# stops by itself).
bounded() { timeout --kill-after=10s 300s "$@"; }

log "build"
KD_REV="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- cmd internal 2>/dev/null || echo ' + uncommitted changes')"
if [ -n "${KOTODIGI_BIN:-}" ]; then
	KD=$KOTODIGI_BIN
	KD_REV="$KOTODIGI_BIN"
elif [ -n "${KOTODIGI_REF:-}" ]; then
	# Build kotodigi as committed at this ref (the work tree may be mid-edit).
	KD=$WORK/kotodigi
	mkdir "$WORK/src"
	git archive "$KOTODIGI_REF" | tar -x -C "$WORK/src"
	(cd "$WORK/src" && go build -o "$KD" ./cmd/kotodigi)
	KD_REV="$(git rev-parse --short "$KOTODIGI_REF") (KOTODIGI_REF=$KOTODIGI_REF, as committed)"
else
	KD=$WORK/kotodigi
	go build -o "$KD" ./cmd/kotodigi
fi
LOAD=$WORK/kotodigi-load
go build -o "$LOAD" ./cmd/kotodigi-load
WRK=$(command -v wrk || true)
[ -n "$WRK" ] || echo "run.sh: wrk not found (apt-get install wrk); the reads are measured with kotodigi-load only" >&2
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n1 || true)

{
	echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine:   $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "go:        $(go version | cut -d' ' -f3)"
	echo "kotodigi:  $KD_REV"
	if [ -z "${SKIP_POSTGRES:-}" ]; then
		echo "postgres:  $(psql -X -At -d postgres -c 'SHOW server_version') (max_connections $(psql -X -At -d postgres -c 'SHOW max_connections'), synchronous_commit $(psql -X -At -d postgres -c 'SHOW synchronous_commit'))"
	fi
	echo "runs:      kotodigi-load --duration $DURATION; pgbench -T $PGBENCH_T"
} | tee "$WORK/header.txt"

# load LABEL ARGS... runs kotodigi-load and keeps its RESULT line.
load() {
	local label=$1
	shift
	bounded "$LOAD" --label "$label" "$@" | tee "$WORK/load.out"
	grep '^RESULT' "$WORK/load.out" >>"$RESULTS" || true
}

start_server() {
	local db=$1 name=$2
	SERVER_ERR=$WORK/server-$name.err
	SERVER_LOG=$WORK/server-$name.log
	"$KD" serve --db "$db" --addr 127.0.0.1:0 >"$SERVER_LOG" 2>"$SERVER_ERR" &
	SERVER_PID=$!
	local url=""
	for _ in $(seq 1 300); do
		url=$(sed -n 's/^kotodigi is serving at \(http:[^ ]*\)$/\1/p' "$SERVER_ERR" 2>/dev/null | head -n1)
		[ -n "$url" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$url" ]; then
		echo "run.sh: kotodigi serve did not start:" >&2
		cat "$SERVER_ERR" >&2
		exit 1
	fi
	TARGET=${url%/}
	echo "kotodigi serving at $TARGET (pid $SERVER_PID)"
}

stop_server() {
	kill "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=""
	echo "kotodigi stopped; its request log: $(wc -l <"$SERVER_LOG") lines"
}

# kotodigi_runs ENGINE DB: account, grant and token with the CLI, then the
# measured register and read runs against `kotodigi serve`; each read run is
# followed at once by the raw runs of the same concurrency (raw_runs, with
# the server stopped), so that the pairs compared are measured close in time.
kotodigi_runs() {
	local engine=$1 db=$2 dbproc=""
	[ "$engine" = postgres ] && dbproc=postgres
	log "$engine: account, grant, token (CLI)"
	"$KD" user add --db "$db" --email "$EMAIL" --name "Bench Worker" --org municipality:091 | grep -v '^{' || true
	"$KD" grant add --db "$db" --email "$EMAIL" --municipality 091 --role worker --task bench | grep -v '^{' || true
	local token
	token=$("$KD" token create --db "$db" --email "$EMAIL" | grep '^kd_' | tail -n1)
	[ -n "$token" ] || { echo "run.sh: no token" >&2; exit 1; }
	start_server "$db" "$engine"
	log "$engine: warm-up (200 registrations at concurrency 1, not compared)"
	load "$engine/warmup" --target "$TARGET" --token "$token" --server-pid "$SERVER_PID" --db-process "$dbproc" --mode register --concurrency 1 --requests 200 --duration 60s
	for c in $CONCURRENCIES; do
		log "$engine: register, concurrency $c"
		load "$engine/register" --target "$TARGET" --token "$token" --server-pid "$SERVER_PID" --db-process "$dbproc" --mode register --concurrency "$c" --duration "$DURATION"
	done
	for c in $CONCURRENCIES; do
		[ -n "$SERVER_PID" ] || start_server "$db" "$engine-$c"
		log "$engine: audited read, concurrency $c"
		load "$engine/read" --target "$TARGET" --token "$token" --server-pid "$SERVER_PID" --db-process "$dbproc" --mode read --pool "$POOL" --concurrency "$c" --duration "$DURATION" --pool-out "$WORK/pool.txt"
		if [ -n "$WRK" ]; then
			wrk_run "$engine" "$c" "$token"
		fi
		# The server stops for the raw runs: no CPU and no PostgreSQL connections
		# of its own (max_connections is 100; pgbench -c 64 needs 64).
		stop_server
		raw_runs "$engine" "$c"
	done
}

# pgbench_run C: the pgbench custom script at concurrency C; per-transaction
# log for percentiles.
# busy_ticks prints the machine's busy CPU time so far (USER_HZ ticks).
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# pg_ticks prints the CPU time so far of all postgres processes and of their
# reaped children (USER_HZ ticks): exited backends count via the postmaster.
pg_ticks() {
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '/^[0-9]+ \(postgres\) / { split(substr($0, index($0, ") ") + 2), f, " "); s += f[12] + f[13] + f[14] + f[15] } END { print s + 0 }'
}

# proc_ticks PID prints the CPU time so far of one process (USER_HZ ticks).
proc_ticks() { awk '{ split(substr($0, index($0, ") ") + 2), f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }

# wrk_run ENGINE C TOKEN: the same audited reads as kotodigi-load --mode read
# (the same pool of clients), driven by wrk, a load generator in C like
# pgbench: less of the shared 2 cores goes to generating the load.
wrk_run() {
	local engine=$1 c=$2 token=$3
	log "$engine: audited read with wrk -t 2 -c $c -d $DURATION -s bench/wrk_read.lua"
	local t0 t1 p0 p1 k0 k1
	t0=$(busy_ticks)
	p0=$(pg_ticks)
	k0=$(proc_ticks "$SERVER_PID")
	KOTODIGI_TOKEN=$token KOTODIGI_POOL=$WORK/pool.txt bounded "$WRK" -t 2 -c "$c" -d "$DURATION" --timeout 30s \
		-s bench/wrk_read.lua "$TARGET" | tee "$WORK/wrk.out"
	t1=$(busy_ticks)
	p1=$(pg_ticks)
	k1=$(proc_ticks "$SERVER_PID")
	[ "$engine" = postgres ] || p1=$p0
	awk -F'\t' -v label="$engine/read-wrk" -v c="$c" -v ticks=$((t1 - t0)) -v pgticks=$((p1 - p0)) -v kticks=$((k1 - k0)) '
		$1 == "WRK" {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			n = f["requests"]; if (n < 1) n = 1
			printf "RESULT\t%s\tconc=%d\tok=%d\terrors=%d\trps=%.1f\tp50_ms=%.2f\tp90_ms=%.2f\tp99_ms=%.2f\tmax_ms=%.2f\tcpu_ms=%.3f\tserver_cpu_ms=%.3f\tdb_cpu_ms=%.3f\n",
				label, c, f["requests"] - f["errors"], f["errors"], f["requests"] / (f["duration_us"] / 1e6),
				f["p50_us"] / 1000, f["p90_us"] / 1000, f["p99_us"] / 1000, f["max_us"] / 1000,
				ticks * 10 / n, kticks * 10 / n, pgticks * 10 / n
		}' "$WORK/wrk.out" | tee -a "$RESULTS"
}

pgbench_run() {
	local c=$1
	log "postgres: pgbench -c $c -j 2 -T $PGBENCH_T -M prepared -f bench/pgbench_read_audit.sql"
	rm -f "$WORK"/pgb.*
	local t0 t1 p0 p1
	t0=$(busy_ticks)
	p0=$(pg_ticks)
	PGOPTIONS='-c search_path=kd_raw' bounded "$PGBENCH" -n -c "$c" -j 2 -T "$PGBENCH_T" -M prepared \
		-D nclients=$RAW_CLIENTS -f bench/pgbench_read_audit.sql -l --log-prefix="$WORK/pgb" "$BENCH_DB" | tee "$WORK/pgbench.out"
	t1=$(busy_ticks)
	p1=$(pg_ticks)
	local tps failed
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$WORK/pgbench.out" | head -n1)
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out" | head -n1)
	cat "$WORK"/pgb.* | awk '{print $3}' | sort -n >"$WORK/pgb.sorted"
	awk -v tps="$tps" -v c="$c" -v failed="${failed:-0}" -v ticks=$((t1 - t0)) -v pgticks=$((p1 - p0)) '
		{ v[NR] = $1 }
		function q(p,  i) { i = int(p * NR + 0.5); if (i < 1) i = 1; if (i > NR) i = NR; return v[i] / 1000 }
		END { printf "RESULT\tpostgres/raw-pgbench\tconc=%d\tok=%d\terrors=%d\trps=%.1f\tp50_ms=%.2f\tp90_ms=%.2f\tp99_ms=%.2f\tmax_ms=%.2f\tcpu_ms=%.3f\tdb_cpu_ms=%.3f\n",
			c, NR, failed, tps, q(0.5), q(0.9), q(0.99), v[NR] / 1000, ticks * 10 / NR, pgticks * 10 / NR }' "$WORK/pgb.sorted" | tee -a "$RESULTS"
}

# raw_runs ENGINE C: the same database work as an audited read, without
# kotodigi, at concurrency C.
raw_runs() {
	local engine=$1 c=$2
	case $engine in
	sqlite)
		log "sqlite: raw SELECT + audit INSERT (no kotodigi), concurrency $c"
		local reuse=""
		[ -e "$WORK/raw.db" ] && reuse=--raw-reuse
		load sqlite/raw --raw-sqlite "$WORK/raw.db" --raw-clients $RAW_CLIENTS --concurrency "$c" --duration "$DURATION" $reuse
		;;
	postgres)
		log "postgres: raw SELECT + audit INSERT via Go database/sql (no kotodigi), concurrency $c"
		load postgres/raw --raw-postgres "$PGURL" --raw-schema kd_raw --raw-keep --raw-reuse --raw-clients $RAW_CLIENTS \
			--concurrency "$c" --duration "$DURATION"
		if [ -n "$PGBENCH" ]; then
			pgbench_run "$c"
		else
			echo "run.sh: pgbench not found; skipping it" >&2
		fi
		;;
	esac
}

# --- SQLite ---------------------------------------------------------------
if [ -z "${SKIP_SQLITE:-}" ]; then
	kotodigi_runs sqlite "sqlite:$WORK/kotodigi.db"
fi

# --- PostgreSQL -----------------------------------------------------------
if [ -z "${SKIP_POSTGRES:-}" ]; then
	log "postgres: create database $BENCH_DB on $PGHOST:$PGPORT"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
	DB_CREATED=1
	PGURL="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB"
	kotodigi_runs postgres "$PGURL"
	psql -X -q -d postgres -c "DROP DATABASE $BENCH_DB"
	DB_CREATED=""
fi

# --- summary --------------------------------------------------------------
log "summary"
{
	cat "$WORK/header.txt"
	echo
	awk -F'\t' -v concs="$CONCURRENCIES" '
		{
			delete f
			label = $2; sub(/^conc=/, "", $3); c = $3
			for (i = 4; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			cpu = (f["cpu_ms"] == "" || f["cpu_ms"] == "0.000") ? "-" : f["cpu_ms"]
			srv = (f["server_cpu_ms"] == "" || f["server_cpu_ms"] == "0.000") ? "-" : f["server_cpu_ms"]
			ld = (f["load_cpu_ms"] == "" || f["load_cpu_ms"] == "0.000") ? "-" : f["load_cpu_ms"]
			dbc = (f["db_cpu_ms"] == "" || f["db_cpu_ms"] == "0.000") ? "-" : f["db_cpu_ms"]
			printf "| %-22s | %4s | %9s | %8s | %8s | %8s | %8s | %6s | %9s | %9s | %9s | %9s |\n", label, c, f["rps"], f["p50_ms"], f["p90_ms"], f["p99_ms"], f["max_ms"], f["errors"], cpu, srv, dbc, ld
			rps[label, c] = f["rps"]
		}
		BEGIN {
			printf "| %-22s | %4s | %9s | %8s | %8s | %8s | %8s | %6s | %9s | %9s | %9s | %9s |\n", "run", "conc", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "CPU ms/op", "kotodigi", "postgres", "load gen"
			printf "|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------", "-----:", "----------:", "---------:", "---------:", "---------:", "---------:", "-------:", "----------:", "----------:", "----------:", "----------:"
		}
		END {
			print ""
			print "CPU ms/op: busy CPU of the whole machine per request (every process, also other users\047 work on"
			print "the machine); kotodigi: the kotodigi server process; postgres: all postgres processes; load gen:"
			print "kotodigi-load itself (for raw runs it holds the database/sql client, and for SQLite the database)."
			print ""
			print "audited read through kotodigi / raw SELECT+INSERT (goal: >= 0.50)"
			n = split("sqlite/raw postgres/raw postgres/raw-pgbench", raws, " ")
			nc = split(concs, cs, " ")
			for (j = 1; j <= nc; j++) for (k = 1; k <= 2; k++) for (i = 1; i <= n; i++) {
				c = cs[j]
				r = (k == 1) ? "read" : "read-wrk"
				e = raws[i]; sub(/\/.*/, "", e)
				if ((e "/" r, c) in rps && (raws[i], c) in rps && rps[raws[i], c] > 0)
					printf "  %-8s conc %-3s %-8s %8.1f / %-20s %8.1f = %.2f\n", e, c, r, rps[e "/" r, c], raws[i], rps[raws[i], c], rps[e "/" r, c] / rps[raws[i], c]
			}
		}' "$RESULTS"
} | tee "$OUT"
[ "$OUT" = /dev/null ] || { echo; echo "written to $OUT"; }
