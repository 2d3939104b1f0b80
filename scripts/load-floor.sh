#!/usr/bin/env bash
# The load's floor inside PostgreSQL: how long the database itself takes to put a workload's summary
# rows into koku's table, with no client, network or row parsing (BENCHMARKS.md, "The load's floor").
#
#   scripts/load-floor.sh [--runs N] WORKLOAD        WORKLOAD: 100k 1m 30m aws-1m aws-30m (as in bench.sh)
#
# Uses the dataset bench.sh generated (.cache/bench/WORKLOAD; run bench.sh first) and the release
# binaries in $CARGO_TARGET_DIR (default target/). Starts a throwaway PostgreSQL with bench.sh's
# settings, loads the workload once with the pipeline, copies the rows into a plain table, then N times
# (default 3): TRUNCATE koku's table, CHECKPOINT, and time `INSERT … SELECT` and `COMMIT` in one
# transaction; finally the same insert into a table without indexes or keys (the heap alone). Then
# `koku-load` of the same work dir, for comparison in the same minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS=3; W=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        100k|1m|30m|aws-1m|aws-30m) W="$1"; shift ;;
        *) echo "load-floor.sh: unknown argument $1 (workloads: 100k 1m 30m aws-1m aws-30m)" >&2; exit 2 ;;
    esac
done
[ -n "$W" ] || { echo "load-floor.sh: name a workload (100k, 1m, 30m, aws-1m or aws-30m)" >&2; exit 2; }
DATA="$ROOT/.cache/bench/$W"
[ -f "$DATA/dataset.json" ] || { echo "load-floor.sh: no dataset in $DATA; run scripts/bench.sh $W first" >&2; exit 1; }
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
[ -x "$BIN/koku-load" ] || { echo "load-floor.sh: no release binaries in $BIN; run scripts/bench.sh first" >&2; exit 1; }
SCHEMA=org1234567
case "$W" in
    aws-*) FLOW=aws; SOURCE=00000000-0000-0000-0000-000000000002
           TABLES=(reporting_awscostentrylineitem_daily_summary reporting_awscostentrylineitem_summary_by_ec2_compute_p) ;;
    *) FLOW=ocp; SOURCE=00000000-0000-0000-0000-000000000001; TABLES=(reporting_ocpusagelineitem_daily_summary) ;;
esac

source scripts/pg.sh
TMP="$(mktemp -d /tmp/koku-floor.XXXXXX)"
chmod 755 "$TMP"
pg_start "$TMP/pg"
trap 'pg_stop "$TMP/pg"; rm -rf "$TMP"' EXIT
URL="$KOKU_PG_URL"
export DATABASE_URL="$URL"   # the stages read it from the environment (no URL in ps)
pg_install_koku_schema "$URL" "$SCHEMA"
{ echo "SET search_path TO $SCHEMA, public;"; cat "$DATA/seed.sql"; } | psql -q -X -v ON_ERROR_STOP=1 "$URL"
KOKU_BIN="$BIN" scripts/pipeline.sh "$TMP/work" --flow "$FLOW" -- \
    --from "$DATA" --schema "$SCHEMA" --source "$SOURCE" --year 2025 --month 10 >/dev/null

# psql's \timing prints one "Time: N ms" line per statement: BEGIN, INSERT..., COMMIT.
timed_sql() { psql -X -q -v ON_ERROR_STOP=1 "$URL" -c '\timing on' "$@" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

INSERTS=(); TRUNCATE=""; ROWS=0
for t in "${TABLES[@]}"; do
    psql -q -X -v ON_ERROR_STOP=1 "$URL" -c "CREATE TABLE floor_$t AS SELECT * FROM $SCHEMA.$t"
    ROWS=$((ROWS + $(psql -X -At "$URL" -c "SELECT count(*) FROM floor_$t")))
    INSERTS+=(-c "INSERT INTO $SCHEMA.$t SELECT * FROM floor_$t")
    TRUNCATE="${TRUNCATE:+$TRUNCATE, }$SCHEMA.$t"
done

echo "$W: $ROWS rows into koku's ${#TABLES[@]} table(s), inside PostgreSQL (seconds)"
echo "run  insert  commit  total"
for r in $(seq 1 "$RUNS"); do
    psql -q -X "$URL" -c "TRUNCATE $TRUNCATE" -c "CHECKPOINT" >/dev/null
    mapfile -t t < <(timed_sql -c "BEGIN" "${INSERTS[@]}" -c "COMMIT")
    ins=$(printf '%s\n' "${t[@]:1:${#TABLES[@]}}" | awk '{ s += $1 } END { print s }')
    com="${t[$((${#TABLES[@]} + 1))]}"
    echo "$r    $(secs "$ins")  $(secs "$com")  $(secs "$(awk -v a="$ins" -v b="$com" 'BEGIN { print a + b }')")"
done
HEAP=()
for t in "${TABLES[@]}"; do
    psql -q -X "$URL" -c "CREATE TABLE heap_$t (LIKE $SCHEMA.$t)" >/dev/null
    HEAP+=(-c "INSERT INTO heap_$t SELECT * FROM floor_$t")
done
psql -q -X "$URL" -c "CHECKPOINT" >/dev/null
mapfile -t t < <(timed_sql "${HEAP[@]}")
echo "heap alone (no indexes, no keys): $(secs "$(printf '%s\n' "${t[@]}" | awk '{ s += $1 } END { print s }')")"
psql -q -X "$URL" -c "TRUNCATE $TRUNCATE" -c "CHECKPOINT" >/dev/null
start=$(date +%s.%N)
"$BIN/koku-load" "$TMP/work" >/dev/null 2>"$TMP/load.log"
echo "koku-load of the same rows: $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')"
