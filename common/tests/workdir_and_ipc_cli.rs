//! The work-dir contract through its public API, and `koku-ipc` on a real work dir.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Int32Array, RecordBatch, StringArray};
use assert_cmd::Command;
use chrono::{NaiveDate, Utc};
use koku_common::schema::COST_CATEGORY_NAMESPACE;
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};
use predicates::prelude::*;

fn identity(schema: &str) -> RunIdentity {
    let d = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
    RunIdentity {
        flow: "ocp".into(),
        schema: schema.into(),
        source_uuid: "s".into(),
        cluster_id: "c".into(),
        cluster_alias: Some("alias".into()),
        year: "2025".into(),
        month: "10".into(),
        start_date: d,
        end_date: d,
        requested_start_date: d,
        report_period_id: 3,
    }
}

fn workdir_with_categories(dir: &std::path::Path) {
    let mut wd = WorkDir::create(dir, identity("org1")).unwrap();
    let mut w = wd.writer(&COST_CATEGORY_NAMESPACE).unwrap();
    w.write(
        &RecordBatch::try_new(
            COST_CATEGORY_NAMESPACE.schema(),
            vec![
                Arc::new(StringArray::from(vec!["openshift-%", "kube-%"])),
                Arc::new(Int32Array::from(vec![1, 1])),
            ],
        )
        .unwrap(),
    )
    .unwrap();
    let out = w.finish().unwrap();
    let now = Utc::now();
    let mut outputs = BTreeMap::new();
    outputs.insert(COST_CATEGORY_NAMESPACE.name.to_string(), out);
    wd.record_stage(
        stage::EXTRACT,
        StageRecord {
            tool: "t".into(),
            version: "0".into(),
            started_at: now,
            finished_at: now,
            inputs: vec![],
            outputs,
            details: BTreeMap::new(),
        },
    )
    .unwrap();
}

fn ipc() -> Command {
    Command::cargo_bin("koku-ipc").unwrap()
}

#[test]
fn koku_ipc_shows_schema_rows_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    workdir_with_categories(dir.path());
    let file = dir
        .path()
        .join("reporting_ocp_cost_category_namespace.arrow");
    ipc().arg("schema").arg(&file).assert().success().stdout(
        predicate::str::contains("2 rows").and(predicate::str::contains("[koku.schema] org1")),
    );
    ipc()
        .arg("head")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("openshift-%"));
    ipc()
        .arg("csv")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::eq(
            "namespace,cost_category_id\nopenshift-%,1\nkube-%,1\n",
        ));
    ipc()
        .arg("check")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("ok  extract"));
    std::fs::write(&file, b"garbage").unwrap();
    ipc()
        .arg("check")
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("checksum"));
    ipc()
        .arg("head")
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("not an Arrow IPC file"));
}

#[test]
fn create_refuses_another_runs_folder_and_stray_files() {
    let dir = tempfile::tempdir().unwrap();
    workdir_with_categories(dir.path());
    let err = WorkDir::create(dir.path(), identity("org2"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("belongs to another run") && err.contains("org1"),
        "{err}"
    );
    let stray = tempfile::tempdir().unwrap();
    std::fs::write(stray.path().join("notes.txt"), "x").unwrap();
    let err = WorkDir::create(stray.path(), identity("org1"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("notes.txt") && err.contains("not empty"),
        "{err}"
    );
}

#[test]
fn edited_run_json_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    workdir_with_categories(dir.path());
    let run = dir.path().join("run.json");
    let text = std::fs::read_to_string(&run)
        .unwrap()
        .replace("\"report_period_id\": 3", "\"report_period_id\": 4");
    std::fs::write(&run, text).unwrap();
    let err = WorkDir::open(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("run.json") && err.contains("run_id does not match"),
        "{err}"
    );
}
