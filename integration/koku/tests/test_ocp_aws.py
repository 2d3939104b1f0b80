"""OpenShift on AWS as koku would run it: the real Celery worker of conftest runs
``koku_summary.summarize_ocp_aws_rs`` against the real PostgreSQL and S3.

The data root is koku-gen's (``koku-gen ocp`` and ``koku-gen aws`` with the same cluster flags: the AWS
account the cluster runs in, its instances' resource ids the nodes' and its EBS volumes the CSI volume
handles), uploaded to the tests' bucket; koku's rows for the pair are in seed.sql. As inside koku, the
OCP source's daily summary is first written by koku's OCP summary (here ``summarize_ocp_rs``) and the
OCP-on-AWS extract reads it from PostgreSQL (no OCP work dir).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BUCKET, DATABASE, SCHEMA, SUMMARY, bin_dir
from services import wait_for

OCP_SOURCE = "00000000-0000-0000-0000-000000000003"
AWS_SOURCE = "00000000-0000-0000-0000-000000000004"
CLUSTER = "koku-gen-cluster"  # koku-gen's default; seed.sql's credentials
REPORT_PERIOD = 21  # seed.sql
BILL = 21  # seed.sql
PROJECT = f"{SCHEMA}.reporting_ocpawscostlineitem_project_daily_summary_p"
UI_TABLES = [
    f"{SCHEMA}.reporting_ocpaws_{name}_p"
    for name in (
        "cost_summary",
        "cost_summary_by_account",
        "cost_summary_by_region",
        "cost_summary_by_service",
        "compute_summary",
        "storage_summary",
        "network_summary",
        "database_summary",
    )
]
# Small: 3 nodes, 3 pods each, 2 PVCs per node, 2 days; 10 instances outside the cluster.
GEN_FLAGS = ["--nodes", "3", "--pods-per-node", "3", "--pvcs-per-node", "2", "--days", "2"]
GEN_FLAGS += ["--start-date", "2025-10-01", "--cluster-id", CLUSTER]


@pytest.fixture(scope="session")
def ocp_aws_data(s3, scratch_dir):
    """koku-gen's cluster and AWS account, in koku's layout, uploaded to the bucket."""
    gen = os.path.join(bin_dir(), "koku-gen")
    assert os.access(gen, os.X_OK), f"koku-gen not built next to the binaries ({gen})"
    root = os.path.join(scratch_dir, "ocp-aws-data")
    for cmd in (
        [gen, "ocp", *GEN_FLAGS, "--source", OCP_SOURCE, "--out", os.path.join(root, "ocp")],
        [gen, "aws", *GEN_FLAGS, "--source", AWS_SOURCE, "--extra-instances", "10", "--accounts", "2"]
        + ["--out", os.path.join(root, "aws")],
    ):
        p = subprocess.run(cmd, capture_output=True, text=True)
        assert p.returncode == 0, f"{' '.join(cmd)} failed: {p.stderr}"
    for part in ("ocp", "aws"):
        assert s3.upload_dir(BUCKET, Path(root, part)) > 0
    return root


@pytest.fixture(scope="session")
def ocp_summary(tasks, ocp_aws_data, pg):
    """koku's OCP summary of the cluster's month (what koku holds before its OCP-on-AWS step)."""
    result = tasks.summarize_ocp_rs.apply_async(
        args=(SCHEMA, OCP_SOURCE, 2025, 10), queue="summary"
    ).get(timeout=120)
    assert result["rows_inserted"] > 0
    return result


def query(pg, sql, *params):
    with pg.connect(DATABASE) as c:
        return c.execute(sql, params).fetchall()


def project_rows(pg):
    """The _p rows of the AWS source, as JSON text without the per-load uuid, sorted."""
    rows = query(pg, f"SELECT (to_jsonb(t) - 'uuid')::text FROM {PROJECT} t WHERE source_uuid = %s", AWS_SOURCE)
    return sorted(r[0] for r in rows)


def infrastructure_rows(pg, zero=False):
    """The OCP source's rows the OCP-on-AWS step back-populates into koku's OCP summary: those with an
    infrastructure raw cost (what koku's delete before the back-populate removes), or (``zero``) the
    back-populated ones whose raw cost is 0 (the OCP summary's own rows have NULL)."""
    where = "infrastructure_raw_cost = 0" if zero else "infrastructure_raw_cost != 0"
    sql = f"SELECT (to_jsonb(t) - 'uuid')::text FROM {SUMMARY} t WHERE source_uuid = %s AND {where}"
    rows = query(pg, sql, OCP_SOURCE)
    return sorted(r[0] for r in rows)


def ui_counts(pg):
    return {t: query(pg, f"SELECT count(*) FROM {t} WHERE source_uuid = %s", AWS_SOURCE)[0][0] for t in UI_TABLES}


def enqueue(tasks, **kwargs):
    return tasks.summarize_ocp_aws_rs.apply_async(args=(SCHEMA, AWS_SOURCE, 2025, 10), kwargs=kwargs, queue="summary")


def test_ocp_on_aws_lands_from_kokus_ocp_summary_and_a_second_run_replaces_it(
    pg, tasks, worker, worker_scratch, ocp_summary
):
    first = enqueue(tasks, tracing_id="t-ocp-aws").get(timeout=180)

    assert first["flow"] == "ocp-aws" and first["provider_uuid"] == AWS_SOURCE
    assert first["tracing_id"] == "t-ocp-aws" and first["attempt"] == 1
    rows = project_rows(pg)
    assert rows, "no _p row landed"
    decoded = [json.loads(r) for r in rows]
    # Every row is the pair's: the cluster, its report period, the AWS source's bill.
    assert {(r["cluster_id"], r["report_period_id"], r["cost_entry_bill_id"]) for r in decoded} == {
        (CLUSTER, REPORT_PERIOD, BILL)
    }
    # Node costs (instances matched on resource id) and disks (matched on CSI volume handle, which the
    # extract read from the OCP source's raw storage usage since koku's table does not hold it).
    assert any(r["data_source"] == "Pod" and (r["resource_id"] or "").startswith("i-") for r in decoded)
    assert any(r["data_source"] == "Storage" and (r["resource_id"] or "").startswith("vol-") for r in decoded)
    ui = ui_counts(pg)
    assert ui[f"{SCHEMA}.reporting_ocpaws_cost_summary_p"] > 0
    assert ui[f"{SCHEMA}.reporting_ocpaws_compute_summary_p"] > 0
    # koku's OCP-side steps: infrastructure rows back-populated into the OCP summary, the report
    # period stamped.
    infra = infrastructure_rows(pg)
    assert infra
    zero = infrastructure_rows(pg, zero=True)
    assert zero, "the generated data transfer of the cluster back-populates zero-cost rows"
    periods = f"{SCHEMA}.reporting_ocpusagereportperiod"
    ((stamp,),) = query(pg, f"SELECT ocp_on_cloud_updated_datetime FROM {periods} WHERE id = %s", REPORT_PERIOD)
    assert stamp is not None
    assert first["rows_inserted"] >= len(rows) + sum(ui.values())
    # The result names the pairs and what the load did on the OCP side.
    assert first["ocp_aws"]["pairs"] == [{"report_period_id": REPORT_PERIOD, "cluster_id": CLUSTER}]
    assert first["ocp_aws"]["ocp_infrastructure_rows_inserted"] >= len(infra) + len(zero)
    assert first["ocp_aws"]["report_periods_stamped"] == 1
    assert first["workdir"] is None
    assert f"[{first['run_id']}] load: committed" in worker.text()

    # A second run (koku re-summarises a month on every new file) replaces the rows: the same rows
    # once, the same back-populated rows once, the same UI rows.
    second = enqueue(tasks).get(timeout=180)
    assert project_rows(pg) == rows
    assert infrastructure_rows(pg) == infra
    # ... except, as in koku, back-populated rows with a zero raw cost (here the data transfer of
    # "Network unattributed"): koku's delete before the insert keeps `infrastructure_raw_cost IS NOT
    # NULL AND != 0`, so each OCP-on-AWS run adds them once more until the OCP source's next summary
    # deletes them (koku-load reproduces it, load/src/ocp_aws/mod.rs).
    assert infrastructure_rows(pg, zero=True) == sorted(zero * 2)
    assert ui_counts(pg) == ui
    assert second["rows_inserted"] == first["rows_inserted"]
    assert second["rows_deleted"] >= len(rows) + sum(ui.values())
    assert second["ocp_aws"]["ocp_infrastructure_rows_deleted"] == len(infra)
    assert not [n for n in os.listdir(worker_scratch) if n.startswith("run-ocp-aws-")]


def test_ocp_work_dirs_give_the_same_rows_as_kokus_table(pg, tasks, ocp_summary, koku_env, scratch_dir):
    """Option ``ocp_workdirs``: the OCP daily summary from a work dir of ``koku-extract ocp`` +
    ``koku-transform ocp`` instead of koku's table; ``ocp_provider_uuids`` names the OCP source."""
    enqueue(tasks).get(timeout=180)
    from_table = project_rows(pg)

    work = os.path.join(scratch_dir, "ocp-aws-ocp-workdir")
    bins = bin_dir()
    for cmd in (
        [f"{bins}/koku-extract", "ocp", "--from", "s3://", "--schema", SCHEMA, "--source", OCP_SOURCE]
        + ["--year", "2025", "--month", "10", "--out", work],
        [f"{bins}/koku-transform", "ocp", work],
    ):
        p = subprocess.run(cmd, env=koku_env, capture_output=True, text=True)
        assert p.returncode == 0, f"{cmd[0]} failed: {p.stderr}"
    result = enqueue(tasks, ocp_workdirs=[work], ocp_provider_uuids=[OCP_SOURCE]).get(timeout=180)

    assert result["rows_inserted"] > 0
    assert project_rows(pg) == from_table


def test_a_bad_ocp_source_is_refused_before_any_stage(tasks):
    with pytest.raises(Exception) as e:
        enqueue(tasks, ocp_provider_uuids="not-a-list").get(timeout=60)
    assert type(e.value).__name__ == "BadRequest"
    assert "ocp_provider_uuids must be a list" in str(e.value)
    # An option of another flow.
    with pytest.raises(Exception) as e:
        tasks.summarize_ocp_rs.apply_async(
            args=(SCHEMA, OCP_SOURCE, 2025, 10), kwargs={"ocp_workdirs": ["/x"]}, queue="summary"
        ).get(timeout=60)
    assert "unknown option(s) for flow ocp: ocp_workdirs" in str(e.value)


def test_a_held_table_is_a_transient_failure_retried_and_landed_once(pg, tasks, ocp_summary):
    """The exit-status contract for this flow too: a load that gives up on a lock (exit 75) changed
    nothing and is retried; the retry lands the same rows once."""
    enqueue(tasks).get(timeout=180)
    before = project_rows(pg)
    conn = pg.connect(DATABASE, autocommit=False)
    try:
        conn.execute(f"LOCK TABLE {PROJECT} IN ACCESS EXCLUSIVE MODE")
        run = enqueue(tasks, lock_timeout=1)
        wait_for(lambda: run.state == "RETRY", "the first attempt to fail transiently and be retried")
    finally:
        conn.rollback()
        conn.close()
    result = run.get(timeout=180)

    assert run.retries >= 1 and result["attempt"] == run.retries + 1
    assert project_rows(pg) == before


def test_bad_input_fails_at_once_and_changes_nothing(pg, tasks, ocp_summary, worker_scratch):
    enqueue(tasks).get(timeout=180)
    before = (project_rows(pg), infrastructure_rows(pg), ui_counts(pg))

    # A bucket prefix without the AWS source's CUR: koku-extract refuses the run (exit 1), before
    # writing a work dir.
    run = enqueue(tasks, source_root=f"s3://{BUCKET}/no-such-prefix")
    with pytest.raises(Exception) as e:
        run.get(timeout=120)
    assert run.state == "FAILURE" and run.retries == 0
    assert type(e.value).__name__ == "StageFailed"
    assert "extract failed (exit 1)" in str(e.value) and "no work dir was written" in str(e.value)
    assert (project_rows(pg), infrastructure_rows(pg), ui_counts(pg)) == before

    # The same prefix with allow_empty: the extract and transform pass, the load's emptied-days guard
    # refuses to replace koku's rows with none (exit 1); the work dir is kept and named.
    run = enqueue(tasks, source_root=f"s3://{BUCKET}/no-such-prefix", allow_empty=True)
    with pytest.raises(Exception) as e:
        run.get(timeout=120)
    assert run.state == "FAILURE" and run.retries == 0
    assert type(e.value).__name__ == "StageFailed"
    assert "load failed (exit 1)" in str(e.value) and "--allow-emptied-days" in str(e.value)
    assert (project_rows(pg), infrastructure_rows(pg), ui_counts(pg)) == before
    kept = [n for n in os.listdir(worker_scratch) if n.startswith(f"run-ocp-aws-{SCHEMA}-{AWS_SOURCE}-2025-10-")]
    assert len(kept) == 1
    assert f"work dir kept for inspection: {os.path.join(worker_scratch, kept[0])}" in str(e.value)
    shutil.rmtree(os.path.join(worker_scratch, kept[0]))
