#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for the demo and benchmarks (tests start their own from
# Rust, see testkit). Source this file, then:
#   pg_start DIR      initdb into DIR, start on a free port; exports KOKU_PG_URL (postgres, trust auth)
#   pg_stop DIR       stop it (also registered on EXIT by pg_start)
# As root the cluster runs as the `postgres` user (initdb refuses root).
# Settings are tuned for throwaway data (fsync off): never use them for real data.

_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

_pg_as() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
    local dir="$1" bin port
    bin="$(_pg_bin)"
    [ -n "$bin" ] || { echo "no PostgreSQL server binaries; run scripts/setup.sh" >&2; return 1; }
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
    _pg_as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-instructions >/dev/null
    port="$(_pg_free_port)"
    _pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB" \
        start >/dev/null
    export KOKU_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    export KOKU_PG_DIR="$dir"
    trap 'pg_stop "$KOKU_PG_DIR"' EXIT
}

pg_stop() {
    local dir="$1"
    [ -d "$dir/data" ] && _pg_as "$(_pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# Apply koku's DDL (scripts/koku-ddl.sql) for tenant schema $2 in database URL $1.
pg_install_koku_schema() {
    local url="$1" schema="$2" root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    {
        echo "CREATE SCHEMA IF NOT EXISTS \"$schema\"; SET search_path TO \"$schema\", public;"
        cat "$root/scripts/koku-ddl.sql"
    } | psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null
}
