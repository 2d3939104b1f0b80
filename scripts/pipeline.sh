#!/usr/bin/env bash
# Chain the three stages for one OCP run:
#
#   scripts/pipeline.sh WORKDIR [--database-url URL] [--dry-run] -- EXTRACT_ARGS...
#
# EXTRACT_ARGS are `koku-extract ocp` flags (--from, --schema, --source, --year, --month, ...; not --out).
# The database URL (flag, or DATABASE_URL / koku's DATABASE_* variables) is used by extract for its
# PostgreSQL inputs and by load. Binaries: $KOKU_BIN if set, else target/release, else target/debug,
# else PATH. Stops at the first failing stage with its exit status.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
WORKDIR="$1"; shift
DB_ARGS=(); LOAD_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --database-url) DB_ARGS=(--database-url "$2"); shift 2 ;;
        --dry-run) LOAD_ARGS+=(--dry-run); shift ;;
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

"$(bin koku-extract)" ocp "$@" "${DB_ARGS[@]}" --out "$WORKDIR"
"$(bin koku-transform)" ocp "$WORKDIR"
"$(bin koku-load)" "$WORKDIR" "${DB_ARGS[@]}" "${LOAD_ARGS[@]}"
