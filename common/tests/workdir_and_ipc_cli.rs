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
        cluster_id: Some("c".into()),
        cluster_alias: Some("alias".into()),
        year: "2025".into(),
        month: "10".into(),
        start_date: d,
        end_date: d,
        requested_start_date: d,
        report_period_id: Some(3),
        bill_id: None,
        ocp_cluster_ids: None,
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
    // A readable report: the run in words, each stage, each file with its rows, a conclusion.
    let out = ipc().arg("check").arg(dir.path()).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[0].ends_with(&format!(": run {}", identity("org1").run_id())),
        "{text}"
    );
    assert_eq!(
        lines[1],
        "  ocp run of org1, source s, cluster c (\"alias\"), days 2025-10-01..2025-10-01 of 2025-10, report period 3"
    );
    assert!(lines[2].starts_with("  extract: t 0, "), "{text}");
    assert!(
        lines[3].starts_with("    ok  reporting_ocp_cost_category_namespace.arrow")
            && lines[3].contains(" 2 rows  sha256 "),
        "{text}"
    );
    assert_eq!(lines[4], "1 file matches run.json");
    assert!(
        !text.contains("RunIdentity"),
        "no Rust debug output: {text}"
    );
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
        err.starts_with(&format!(
            "{}: refusing to use this folder as a work directory: it is not empty",
            stray.path().display()
        )) && err.contains("notes.txt"),
        "{err}"
    );
}

#[test]
fn counts_of_one_say_one_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut wd = WorkDir::create(dir.path(), identity("org1")).unwrap();
    let mut w = wd.writer(&COST_CATEGORY_NAMESPACE).unwrap();
    w.write(
        &RecordBatch::try_new(
            COST_CATEGORY_NAMESPACE.schema(),
            vec![
                Arc::new(StringArray::from(vec!["openshift-%"])),
                Arc::new(Int32Array::from(vec![1])),
            ],
        )
        .unwrap(),
    )
    .unwrap();
    let rec = w.finish().unwrap();
    let mut outputs = BTreeMap::new();
    outputs.insert(COST_CATEGORY_NAMESPACE.name.to_string(), rec);
    let now = Utc::now();
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
    let file = dir
        .path()
        .join("reporting_ocp_cost_category_namespace.arrow");
    ipc()
        .arg("schema")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(": 1 row, 1 batch\n"));
    ipc()
        .arg("check")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(" 1 row  sha256 "));
}

/// A killed stage leaves `.<file>.tmp<pid>`; the next stage removes it, but not the file of a stage
/// still running (its pid is alive).
#[test]
fn stale_temporary_files_are_removed_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    workdir_with_categories(dir.path());
    let wd = WorkDir::open(dir.path()).unwrap();
    // A pid that cannot be running (above the kernel's pid_max limit of 2^22).
    let dead = dir
        .path()
        .join(".reporting_ocpusagelineitem_daily_summary.arrow.tmp4194305");
    let live = dir.path().join(format!(
        ".reporting_ocpusagelineitem_daily_summary.arrow.tmp{}",
        std::process::id() // this test process: alive, but it is the caller itself
    ));
    let init = dir.path().join(".run.json.tmp1"); // pid 1 is always running
    for p in [&dead, &live, &init] {
        std::fs::write(p, b"half a file").unwrap();
    }
    let removed = wd.remove_stale_tmp_files().unwrap();
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert!(
        !dead.exists() && !live.exists(),
        "the caller's own and a dead process's files go"
    );
    assert!(init.exists(), "a running process's file stays");
}

/// A full disk is reported as what it is, not as a broken Arrow file.
#[test]
fn a_full_disk_says_no_space_left() {
    let dir = tempfile::tempdir().unwrap();
    let wd = WorkDir::create(dir.path(), identity("org1")).unwrap();
    // The writer's temporary file, made a link to /dev/full: every write fails with ENOSPC.
    let tmp = dir.path().join(format!(
        ".reporting_ocp_cost_category_namespace.arrow.tmp{}",
        std::process::id()
    ));
    std::os::unix::fs::symlink("/dev/full", &tmp).unwrap();
    let err = (|| {
        let mut w = wd.writer(&COST_CATEGORY_NAMESPACE)?;
        w.write(
            &RecordBatch::try_new(
                COST_CATEGORY_NAMESPACE.schema(),
                vec![
                    Arc::new(StringArray::from(vec!["openshift-%"; 100_000])),
                    Arc::new(Int32Array::from(vec![1; 100_000])),
                ],
            )
            .unwrap(),
        )?;
        w.finish()
    })()
    .unwrap_err()
    .to_string();
    assert!(err.contains("No space left on device"), "{err}");
    assert!(!err.contains("not a valid Arrow IPC file"), "{err}");
    assert!(
        !dir.path()
            .join("reporting_ocp_cost_category_namespace.arrow")
            .exists()
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
