"""The runner alone (no Celery): the real binaries against the real PostgreSQL and S3 of conftest, in
this process. What each failure is, what is kept, what is logged."""

import json
import logging
import os

import pytest
from conftest import AWS, DATABASE, SCHEMA, SMALL, SUMMARY, WORKED, bin_dir, snapshot, summary_rows
from services import free_port

from koku_summary import (
    FLOWS,
    BadRequest,
    RunRequest,
    ScratchFull,
    ScratchLimitExceeded,
    Settings,
    StageFailed,
    TransientFailure,
    run_summary,
)
from koku_summary.scratch import tree_bytes


@pytest.fixture
def work_root(tmp_path):
    return str(tmp_path / "scratch")


def env_with(koku_env, work_root, **settings):
    env = dict(koku_env, KOKU_SUMMARY_BIN=bin_dir(), KOKU_SUMMARY_WORK_ROOT=work_root)
    env.update({f"KOKU_SUMMARY_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def run(env, source=SMALL, run_id="t1", **options):
    req = RunRequest.of("ocp", SCHEMA, source, 2025, 10, **options)
    return run_summary(req, Settings.from_env(env), run_id=run_id, environ=env)


def log_text(caplog):
    return "\n".join(r.getMessage() for r in caplog.records)


def test_a_run_lands_its_rows_logs_with_its_run_id_and_removes_its_work_dir(
    pg, koku_env, work_root, reference_rows, empty_summary, secrets_used, caplog
):
    caplog.set_level(logging.DEBUG, logger="koku_summary")
    env = env_with(koku_env, work_root)
    result = run(env, run_id="run-one")

    assert summary_rows(pg, DATABASE, SMALL) == reference_rows[SMALL]
    with pg.connect(DATABASE) as c:
        (count,) = c.execute(f"SELECT count(*) FROM {SUMMARY} WHERE source_uuid = %s", (SMALL,)).fetchone()
    assert result["rows_inserted"] == count and result["rows_deleted"] == 0
    assert result["attempt"] == 1 and result["run_id"] == "run-one"
    assert set(result["seconds"]) == {"extract", "transform", "load", "total"}
    # The work dir is gone; run.json was kept in records/ and says what ran.
    assert result["workdir"] is None
    assert not [n for n in os.listdir(work_root) if n.startswith("run-")]
    with open(result["run_json"]) as f:
        recorded = json.load(f)
    assert recorded["run"]["source_uuid"] == SMALL and recorded["run_id"] == result["pipeline_run_id"]
    assert recorded["stages"]["load"]["details"]["rows_inserted"] == count
    # Each stage's own log lines reached this process's log, tagged with the run id.
    text = log_text(caplog)
    for stage in ("extract", "transform", "load"):
        assert f"[run-one] {stage}: " in text
    assert f"[run-one] load: committed {count} rows" in text
    # No secret in the log or the result.
    blob = text + json.dumps(result)
    assert secrets_used["db"] not in blob and secrets_used["s3"] not in blob


def test_a_second_run_replaces_the_rows_instead_of_adding_to_them(pg, koku_env, work_root, reference_rows, empty_summary):
    env = env_with(koku_env, work_root)
    first = run(env, source=WORKED, run_id="first")
    second = run(env, source=WORKED, run_id="second")
    assert second["rows_deleted"] == first["rows_inserted"] == second["rows_inserted"]
    assert summary_rows(pg, DATABASE, WORKED) == reference_rows[WORKED]


def test_the_aws_flow_lands_its_two_tables(pg, koku_env, work_root):
    """``flow="aws"`` runs koku-extract/transform aws: the spec's worked example (aws-daily-summary §9,
    7 daily rows and 3 EC2 rows) lands in koku's two AWS tables, and a second run replaces them."""
    env = env_with(koku_env, work_root)
    settings = Settings.from_env(env)
    req = RunRequest.of("aws", SCHEMA, AWS, 2025, 10)
    first = run_summary(req, settings, run_id="aws-1", environ=env)
    assert first["bill_id"] == 11 and first["report_period_id"] is None
    assert (first["rows_inserted"], first["rows_deleted"]) == (10, 0)
    with pg.connect(DATABASE) as c:
        daily = c.execute(
            "SELECT usage_start::text, product_code, calculated_amortized_cost::text, markup_cost::text "
            f"FROM {SCHEMA}.reporting_awscostentrylineitem_daily_summary "
            "WHERE source_uuid = %s AND resource_ids = '{i-aaa,i-bbb}'",
            (AWS,),
        ).fetchall()
        ec2 = c.execute(
            f"SELECT count(*) FROM {SCHEMA}.reporting_awscostentrylineitem_summary_by_ec2_compute_p "
            "WHERE source_uuid = %s",
            (AWS,),
        ).fetchone()[0]
    # §9.3 D1a: amortized 2.304 + 1.44 = 3.744, markup 2.304 × 10 %.
    assert daily == [("2025-10-01", "AmazonEC2", "3.744000000", "0.230400000")]
    assert ec2 == 3
    second = run_summary(req, settings, run_id="aws-2", environ=env)
    assert (second["rows_inserted"], second["rows_deleted"]) == (10, 10)


def test_keep_always_keeps_the_work_dir(koku_env, work_root, empty_summary):
    env = env_with(koku_env, work_root, keep_workdir="always")
    result = run(env, run_id="kept")
    assert os.path.isfile(os.path.join(result["workdir"], "run.json"))
    assert result["run_json"] == os.path.join(result["workdir"], "run.json")


def test_database_unreachable_is_transient(pg, koku_env, work_root, empty_summary, secrets_used):
    before = snapshot(pg)
    env = env_with(koku_env, work_root)
    env["KOKU_DB_SERVICE_PORT"] = str(free_port())  # nothing listens there
    with pytest.raises(TransientFailure) as e:
        run(env, run_id="no-db")
    assert e.value.stage == "extract" and e.value.exit_status == 75
    assert "Connection refused" in str(e.value)
    assert secrets_used["db"] not in str(e.value)
    assert snapshot(pg) == before


def test_s3_unreachable_is_transient(pg, koku_env, work_root, empty_summary):
    env = env_with(koku_env, work_root)
    env["S3_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(TransientFailure) as e:
        run(env, run_id="no-s3")
    assert e.value.stage == "extract" and e.value.exit_status == 75


def test_lock_timeout_is_transient_and_changes_nothing(pg, koku_env, work_root, empty_summary):
    env = env_with(koku_env, work_root)
    run(env, run_id="before")
    before = snapshot(pg)
    holder = pg.connect(DATABASE, autocommit=False)
    try:
        holder.execute(f"LOCK TABLE {SUMMARY} IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(TransientFailure) as e:
            run(env, run_id="locked", lock_timeout=1)
    finally:
        holder.rollback()
        holder.close()
    assert e.value.stage == "load" and e.value.exit_status == 75
    # The failed run's work dir is kept for its retry, and the message says where.
    assert e.value.workdir and os.path.isdir(e.value.workdir) and e.value.workdir in str(e.value)
    assert snapshot(pg) == before


def test_bad_input_fails_for_good_with_the_stage_message_and_changes_nothing(pg, koku_env, work_root, empty_summary):
    env = env_with(koku_env, work_root)
    run(env, run_id="before")
    before = snapshot(pg)
    with pytest.raises(StageFailed) as e:
        run(env, run_id="empty", source_root="s3://koku-report/no-such-prefix")
    assert e.value.stage == "extract" and e.value.exit_status == 1
    assert "koku-extract: error:" in str(e.value)
    assert snapshot(pg) == before


def test_a_run_larger_than_the_scratch_limit_stops_and_is_not_retried(pg, koku_env, work_root, empty_summary):
    # ocp-small's extract writes about 40 KiB of Arrow files: a 16 KiB limit stops it.
    env = env_with(koku_env, work_root, scratch_limit="16Ki")
    before = snapshot(pg)
    with pytest.raises(ScratchLimitExceeded) as e:
        run(env, run_id="too-big")
    assert not e.value.transient
    assert "KOKU_SUMMARY_SCRATCH_LIMIT" in str(e.value) and "removed" in str(e.value)
    assert not [n for n in os.listdir(work_root) if n.startswith("run-")]
    assert snapshot(pg) == before


def test_a_scratch_volume_taken_by_other_runs_is_transient(koku_env, work_root, empty_summary):
    env = env_with(koku_env, work_root, scratch_limit="64Ki")
    other = os.path.join(work_root, "run-ocp-other")
    os.makedirs(other)
    with open(os.path.join(other, "big.arrow"), "wb") as f:
        f.write(b"\1" * 100_000)
    assert tree_bytes(work_root) > 64 * 1024
    with pytest.raises(ScratchFull) as e:
        run(env, run_id="crowded")
    assert e.value.transient and e.value.stage == "start"
    assert "no work dir was written" in str(e.value)


@pytest.mark.parametrize(
    "args, message",
    [
        (("gcp", SCHEMA, SMALL, 2025, 10), "unknown flow 'gcp' (available: aws, ocp, ocp-aws)"),
        (("ocp", "org1/../x", SMALL, 2025, 10), "not a tenant schema name"),
        (("ocp", SCHEMA, "not-a-uuid", 2025, 10), "provider_uuid is not a UUID"),
        (("ocp", SCHEMA, SMALL, 2025, 13), "not a month"),
        (("ocp", SCHEMA, SMALL, 2025, 10, "2025-11-01"), "is not in 2025-10"),
        (("ocp", SCHEMA, SMALL, 2025, 10, "2025-10-20", "2025-10-10"), "is after end_date"),
    ],
)
def test_bad_requests_are_refused_before_any_stage(args, message):
    with pytest.raises(BadRequest) as e:
        RunRequest.of(*args)
    assert message in str(e.value)


@pytest.mark.parametrize(
    "flow, options, message",
    [
        ("ocp-aws", {"ocp_provider_uuids": ["nope"]}, "ocp_provider_uuids: not a UUID: 'nope'"),
        ("ocp-aws", {"ocp_provider_uuids": SMALL}, "ocp_provider_uuids must be a list"),
        ("ocp-aws", {"ocp_workdirs": [""]}, "ocp_workdirs: not a path"),
        ("ocp", {"ocp_provider_uuids": [SMALL]}, "unknown option(s) for flow ocp: ocp_provider_uuids"),
        ("aws", {"ocp_workdirs": ["/w"]}, "unknown option(s) for flow aws: ocp_workdirs"),
    ],
)
def test_flow_options_are_checked(flow, options, message):
    with pytest.raises(BadRequest) as e:
        RunRequest.of(flow, SCHEMA, AWS, 2025, 10, **options)
    assert message in str(e.value)


def test_ocp_aws_extract_arguments():
    """The AWS source is --aws-source; the OCP sources and work dirs are repeated flags, in order."""
    other = "00000000-0000-0000-0000-0000000000aa"
    req = RunRequest.of(
        "ocp-aws", SCHEMA, AWS.upper(), "2025", "10", "2025-10-02", "2025-10-05",
        ocp_provider_uuids=[SMALL, other, SMALL], ocp_workdirs=["/w/1", "/w/2"], allow_empty=True,
    )
    assert FLOWS["ocp-aws"].extract_args(req, "s3://b") == [
        "ocp-aws", "--from", "s3://b", "--schema", SCHEMA, "--aws-source", AWS,
        "--year", "2025", "--month", "10", "--start-date", "2025-10-02", "--end-date", "2025-10-05",
        "--allow-empty", "--ocp-source", SMALL, "--ocp-source", other,
        "--ocp-workdir", "/w/1", "--ocp-workdir", "/w/2",
    ]  # fmt: skip
    plain = RunRequest.of("ocp-aws", SCHEMA, AWS, 2025, 10)
    assert "--ocp-source" not in FLOWS["ocp-aws"].extract_args(plain, "s3://")


def test_old_kept_work_dirs_and_records_are_pruned(koku_env, work_root, empty_summary):
    env = env_with(koku_env, work_root, run_records=1, failed_retention_hours=1)
    os.makedirs(work_root)
    old, recent = (os.path.join(work_root, f"run-ocp-{n}") for n in ("old", "recent"))
    for d in (old, recent):
        os.makedirs(d)
    two_hours_ago = os.path.getmtime(recent) - 2 * 3600
    os.utime(old, (two_hours_ago, two_hours_ago))
    first = run(env, run_id="r1")
    assert not os.path.exists(old) and os.path.isdir(recent)
    second = run(env, run_id="r2")
    # Only the newest run.json is kept (KOKU_SUMMARY_RUN_RECORDS=1).
    assert os.path.exists(second["run_json"]) and not os.path.exists(first["run_json"])
