#!/usr/bin/env bash
# Chain the three stages for one run:
#
#   scripts/pipeline.sh WORKDIR [--flow ocp|aws|ocp-aws] [--database-url URL] [--dry-run] [--allow-emptied-days]
#                       [--lock-timeout SECS] -- EXTRACT_ARGS...
#
# EXTRACT_ARGS are `koku-extract <flow>` flags (--from, --schema, --source, --year, --month, ...; not --out);
# the flow defaults to ocp; --dry-run, --allow-emptied-days and --lock-timeout go to koku-load.
# The database comes from DATABASE_URL (or --database-url, handed to the stages as DATABASE_URL, never
# on their command lines) or koku's DATABASE_* variables; extract reads its PostgreSQL inputs there and
# load writes there. Keep the password out of the URL: the stages take it from PGPASSWORD,
# DATABASE_PASSWORD or a password file (PGPASSFILE, default ~/.pgpass), since `ps` shows every
# process's arguments to every user. Binaries: $KOKU_BIN if set, else target/release, else
# target/debug, else PATH. Stops at the first failing stage with its exit status.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
case "$1" in -h|--help|-*) usage ;; esac
WORKDIR="$1"; shift
LOAD_ARGS=()
FLOW=ocp
while [ $# -gt 0 ]; do
    case "$1" in
        --flow)
            [ $# -ge 2 ] || usage
            case "$2" in ocp|aws|ocp-aws) FLOW="$2" ;; *) echo "pipeline.sh: unknown flow $2 (ocp, aws, ocp-aws)" >&2; exit 2 ;; esac
            shift 2 ;;
        --database-url)
            [ $# -ge 2 ] || usage
            # The URL reaches the stages through their environment only (not visible in ps).
            export DATABASE_URL="$2"
            case "$2" in
                postgres://*:*@* | postgresql://*:*@* | *password=*)
                    echo "pipeline.sh: warning: --database-url holds a password, which ps shows to every" \
                         "user while this script runs; use PGPASSFILE, PGPASSWORD or DATABASE_PASSWORD" >&2 ;;
            esac
            shift 2 ;;
        --dry-run|--allow-emptied-days) LOAD_ARGS+=("$1"); shift ;;
        --lock-timeout) [ $# -ge 2 ] || usage; LOAD_ARGS+=(--lock-timeout "$2"); shift 2 ;;
        --) shift; break ;;
        -h|--help) usage ;;
        *) echo "pipeline.sh: unknown option $1 (extract flags go after --)" >&2; exit 2 ;;
    esac
done

bin() {
    local name="$1"
    for dir in "${KOKU_BIN:-}" "$ROOT/target/release" "$ROOT/target/debug"; do
        if [ -n "$dir" ] && [ -x "$dir/$name" ]; then echo "$dir/$name"; return; fi
    done
    command -v "$name" || { echo "pipeline.sh: $name not built (cargo build --workspace)" >&2; exit 1; }
}

"$(bin koku-extract)" "$FLOW" "$@" --out "$WORKDIR"
"$(bin koku-transform)" "$FLOW" "$WORKDIR"
"$(bin koku-load)" "$WORKDIR" "${LOAD_ARGS[@]}"
