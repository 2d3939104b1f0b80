#!/usr/bin/env bash
# Run every check and test: installs what is missing (scripts/setup.sh), then formatting, clippy and
# the whole test suite (unit tests, CLI tests, integration tests against a real PostgreSQL and a real
# local S3 server on 127.0.0.1), then the koku integration tests (scripts/test-integration.sh: the Celery
# task with a real worker and Redis broker, the Kubernetes manifests; Python packages into .cache/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
KOKU_SETUP_SKIP_BUILD=1 scripts/setup.sh
echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test" >&2
# Both suites run whatever the other's outcome; the script fails if either failed.
status=0
cargo test --workspace --no-fail-fast || status=$?
echo "== integration tests (integration/)" >&2
scripts/test-integration.sh || status=$?
exit "$status"
