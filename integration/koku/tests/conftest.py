"""Fixtures: one PostgreSQL (password over TCP), one moto S3 holding the two sources' Parquet, koku's
environment pointing at them, and the rows the three binaries land when run by hand (the reference the
task's runs are compared with)."""

import os
import secrets
import subprocess
import tempfile
from pathlib import Path

import pytest

from services import ROOT, Moto, Postgres, Redis, Worker

SCHEMA = "org1234567"
BUCKET = "koku-report"
SMALL = "00000000-0000-0000-0000-000000000001"  # testdata/ocp-small
WORKED = "11111111-1111-1111-1111-111111111111"  # testdata/worked-example
AWS = "00000000-0000-0000-0000-000000000002"  # testdata/aws/worked-example
SOURCES = (SMALL, WORKED)
SUMMARY = f"{SCHEMA}.reporting_ocpusagelineitem_daily_summary"
DATABASE = "koku"
REFERENCE = "reference"


def bin_dir() -> str:
    d = os.environ.get("KOKU_SUMMARY_TEST_BIN") or str(ROOT / "target/debug")
    for name in ("koku-extract", "koku-transform", "koku-load"):
        assert os.access(os.path.join(d, name), os.X_OK), f"{name} not built in {d} (cargo build --workspace)"
    return d


def install_koku(pg: Postgres, dbname: str) -> None:
    ddl = (ROOT / "scripts/koku-ddl.sql").read_text()
    seed = (Path(__file__).parent / "seed.sql").read_text()
    with pg.connect(dbname) as c:
        c.execute(f"CREATE SCHEMA {SCHEMA}; SET search_path TO {SCHEMA}, public;\n{ddl}\n;{seed}")


@pytest.fixture(scope="session")
def scratch_dir():
    with tempfile.TemporaryDirectory(prefix="koku-int-") as d:
        yield d


@pytest.fixture(scope="session")
def secrets_used():
    """The database password and S3 secret of the run: no log, result or message may show them."""
    return {"db": "pw-" + secrets.token_hex(8), "s3": "s3-" + secrets.token_hex(8)}


@pytest.fixture(scope="session")
def pg(secrets_used):
    server = Postgres(secrets_used["db"])
    try:
        for db in (DATABASE, REFERENCE):
            server.create_database(db)
            install_koku(server, db)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3(scratch_dir):
    server = Moto(scratch_dir)
    try:
        server.create_bucket(BUCKET)
        for data in ("ocp-small", "worked-example", "aws/worked-example"):
            assert server.upload_dir(BUCKET, ROOT / "testdata" / data) > 0
        yield server
    finally:
        server.stop()


def koku_environment(pg: Postgres, s3: Moto, secrets_used: dict, dbname: str = DATABASE) -> dict:
    """What a koku worker's environment holds for the database and the bucket, in koku's names."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PG", "S3_", "AWS_", "KOKU_"))}
    env.update(
        DATABASE_SERVICE_NAME="koku-db",
        KOKU_DB_SERVICE_HOST="127.0.0.1",
        KOKU_DB_SERVICE_PORT=str(pg.port),
        DATABASE_NAME=dbname,
        DATABASE_USER="postgres",
        DATABASE_PASSWORD=secrets_used["db"],
        S3_ENDPOINT=s3.endpoint,
        S3_BUCKET_NAME=BUCKET,
        S3_ACCESS_KEY="testing",
        S3_SECRET=secrets_used["s3"],
        S3_REGION="us-east-1",
    )
    return env


@pytest.fixture(scope="session")
def koku_env(pg, s3, secrets_used):
    return koku_environment(pg, s3, secrets_used)


def summary_rows(pg: Postgres, dbname: str, source: str) -> list:
    """A source's summary rows as JSON text without the per-load uuid, sorted."""
    with pg.connect(dbname) as c:
        rows = c.execute(
            f"SELECT (to_jsonb(t) - 'uuid')::text FROM {SUMMARY} t WHERE source_uuid = %s", (source,)
        ).fetchall()
    return sorted(r[0] for r in rows)


@pytest.fixture(scope="session")
def reference_rows(pg, s3, secrets_used, scratch_dir):
    """Each source's rows as the three binaries land them when run one after the other by hand (as
    scripts/pipeline.sh does) into a database of their own with the same inputs."""
    env = koku_environment(pg, s3, secrets_used, dbname=REFERENCE)
    bins = bin_dir()
    rows = {}
    for source in SOURCES:
        work = os.path.join(scratch_dir, f"reference-{source}")
        for cmd in (
            [f"{bins}/koku-extract", "ocp", "--from", "s3://", "--schema", SCHEMA, "--source", source]
            + ["--year", "2025", "--month", "10", "--out", work],
            [f"{bins}/koku-transform", "ocp", work],
            [f"{bins}/koku-load", work],
        ):
            p = subprocess.run(cmd, env=env, capture_output=True, text=True)
            assert p.returncode == 0, f"{cmd[0]} failed: {p.stderr}"
        rows[source] = summary_rows(pg, REFERENCE, source)
        assert rows[source], f"the reference run of {source} loaded no rows"
    return rows


def snapshot(pg: Postgres) -> dict:
    """Everything a run writes to: the summary rows (with their uuids), the report periods' stamps,
    koku's cluster tables."""
    out = {}
    with pg.connect(DATABASE) as c:
        for name, sql in {
            "summary": f"SELECT to_jsonb(t)::text FROM {SUMMARY} t",
            "periods": f"SELECT to_jsonb(t)::text FROM {SCHEMA}.reporting_ocpusagereportperiod t",
            "clusters": f"SELECT to_jsonb(t)::text FROM {SCHEMA}.reporting_ocp_clusters t",
            "nodes": f"SELECT to_jsonb(t)::text FROM {SCHEMA}.reporting_ocp_nodes t",
            "pvcs": f"SELECT to_jsonb(t)::text FROM {SCHEMA}.reporting_ocp_pvcs t",
            "projects": f"SELECT to_jsonb(t)::text FROM {SCHEMA}.reporting_ocp_projects t",
        }.items():
            out[name] = sorted(r[0] for r in c.execute(sql).fetchall())
    return out


@pytest.fixture
def empty_summary(pg):
    """Each test starts from a summary table without rows (partitions and koku's other rows stay)."""
    with pg.connect(DATABASE) as c:
        c.execute(f"TRUNCATE {SUMMARY}")
    yield


# The Celery worker of the tests (test_celery.py, test_ocp_aws.py): one for the session, since
# celery_app reads the broker's address once per process.


@pytest.fixture(scope="session")
def broker(scratch_dir):
    redis = Redis(scratch_dir)
    os.environ["KOKU_TEST_BROKER_URL"] = redis.url  # for celery_app, imported below
    try:
        yield redis
    finally:
        # Results still referenced would try to unsubscribe from a stopped Redis when collected.
        import gc

        gc.collect()
        redis.stop()


@pytest.fixture(scope="session")
def worker_scratch(scratch_dir):
    return os.path.join(scratch_dir, "worker-scratch")


@pytest.fixture(scope="session")
def worker(broker, koku_env, scratch_dir, worker_scratch):
    import celery_app

    env = dict(koku_env)
    env.update(
        KOKU_TEST_BROKER_URL=broker.url,
        KOKU_SUMMARY_BIN=bin_dir(),
        KOKU_SUMMARY_WORK_ROOT=worker_scratch,
        # Short backoff so that a retry comes quickly: 1 s, then 2 s (jitter: half to all of it).
        KOKU_SUMMARY_RETRY_BACKOFF="1",
        KOKU_SUMMARY_RETRY_BACKOFF_MAX="2",
        KOKU_SUMMARY_MAX_RETRIES="5",
    )
    w = Worker(env, os.path.join(scratch_dir, "worker.log"), concurrency=2)
    try:
        w.wait_ready(celery_app.app)
        yield w
    finally:
        w.stop()
        if os.environ.get("KOKU_TEST_LOG_DIR"):  # keep the worker's log for a look after the run
            import shutil

            shutil.copy(w.log_path, os.path.join(os.environ["KOKU_TEST_LOG_DIR"], "worker.log"))


@pytest.fixture(scope="session")
def tasks(worker):
    from koku_summary import tasks

    return tasks
