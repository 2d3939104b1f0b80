#!/usr/bin/env bash
# Install everything the pipeline's tests and demo need on a fresh Debian machine, idempotently:
#   * PostgreSQL server binaries (Debian package `postgresql`), used for throwaway clusters;
#   * moto, a local S3-compatible server, into .cache/venv (PyPI, pinned);
#   * the Rust workspace, built in debug mode.
# Re-running is cheap: each step checks first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[setup] %s\n' "$*" >&2; }

MOTO_VERSION=5.2.5

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    log "installing PostgreSQL server binaries (apt)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-client >/dev/null
    # The package may start its own cluster; we never use it.
fi
command -v psql >/dev/null || { log "psql not found after install"; exit 1; }

if [ ! -x .cache/venv/bin/moto_server ] || ! .cache/venv/bin/python -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    log "installing moto[server]==$MOTO_VERSION into .cache/venv (PyPI)"
    python3 -m venv .cache/venv
    .cache/venv/bin/pip install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

if [ "${KOKU_SETUP_SKIP_BUILD:-}" != "1" ]; then
    log "building the workspace (cargo build, debug)"
    cargo build --workspace --quiet
fi
log "ready: PostgreSQL $(ls -d /usr/lib/postgresql/*/ | xargs -n1 basename | sort -n | tail -1), moto $MOTO_VERSION"
