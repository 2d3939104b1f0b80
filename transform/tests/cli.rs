//! `koku-transform` as a command: success on an extracted work dir, byte-identical reruns, and clear
//! refusals of missing, corrupt, foreign and stale work dirs.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMillisecondArray, new_null_array,
};
use assert_cmd::Command;
use chrono::{NaiveDate, Utc};
use koku_common::schema::{
    Dataset, OCP_DAILY_SUMMARY, OCP_INPUTS, POD_USAGE_DAILY, POD_USAGE_HOURLY,
};
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};
use predicates::prelude::*;

const OCT1_MS: i64 = 1_759_276_800_000;

fn identity(source: &str) -> RunIdentity {
    let d = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
    RunIdentity {
        flow: "ocp".into(),
        schema: "org1234567".into(),
        source_uuid: source.into(),
        cluster_id: Some("c1".into()),
        cluster_alias: None,
        year: "2025".into(),
        month: "10".into(),
        start_date: d,
        end_date: d,
        requested_start_date: d,
        report_period_id: Some(1),
        bill_id: None,
        ocp_cluster_ids: None,
    }
}

/// A batch of `dataset` with the given columns set and every other column NULL.
fn batch(dataset: &'static Dataset, rows: usize, set: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let schema = dataset.schema();
    let cols = schema
        .fields()
        .iter()
        .map(|f| {
            set.iter()
                .find(|(n, _)| *n == f.name())
                .map(|(_, a)| a.clone())
                .unwrap_or_else(|| new_null_array(f.data_type(), rows))
        })
        .collect();
    RecordBatch::try_new(schema, cols).unwrap()
}

/// Write an extract stage: one pod on one node for one hour, everything else empty.
fn extracted(dir: &Path, source: &str) {
    extracted_days(dir, source, &["{}"]);
}

/// Write an extract stage of `labels.len()` days from Oct 1: per day one hour of one pod on one node
/// (each day its own batch, as koku writes a file per day), the daily row's pod labels from `labels`;
/// everything else empty.
fn extracted_days(dir: &Path, source: &str, labels: &[&str]) {
    let mut id = identity(source);
    id.end_date = id.start_date + chrono::Days::new(labels.len() as u64 - 1);
    let mut wd = WorkDir::create(dir, id).unwrap();
    let mut outputs = BTreeMap::new();
    let text = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
    let float = |v: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
    for ds in OCP_INPUTS {
        let mut w = wd.writer(ds).unwrap();
        for (d, pod_labels) in labels.iter().enumerate() {
            let ts: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![
                OCT1_MS + d as i64 * 86_400_000,
            ]));
            if ds.name == POD_USAGE_HOURLY.name {
                let cols = vec![
                    ("interval_start", ts),
                    ("node", text("n1")),
                    ("node_capacity_cpu_core_seconds", float(7200.0)),
                    (
                        "node_capacity_memory_byte_seconds",
                        float(3600.0 * 1_073_741_824.0),
                    ),
                ];
                w.write(&batch(ds, 1, cols)).unwrap();
            } else if ds.name == POD_USAGE_DAILY.name {
                let cols = vec![
                    ("interval_start", ts),
                    ("namespace", text("ns")),
                    ("node", text("n1")),
                    ("pod", text("p1")),
                    ("pod_labels", text(pod_labels)),
                    ("resource_id", text("i-1")),
                    ("pod_usage_cpu_core_seconds", float(1800.0)),
                    ("pod_request_cpu_core_seconds", float(3600.0)),
                ];
                w.write(&batch(ds, 1, cols)).unwrap();
            }
        }
        outputs.insert(ds.name.to_string(), w.finish().unwrap());
    }
    record_extract(&mut wd, outputs);
}

/// Record the extract stage with these outputs.
fn record_extract(wd: &mut WorkDir, outputs: BTreeMap<String, koku_common::workdir::OutputRecord>) {
    let now = Utc::now();
    let record = StageRecord {
        tool: "test".into(),
        version: "0".into(),
        started_at: now,
        finished_at: now,
        inputs: vec![],
        outputs,
        details: BTreeMap::new(),
    };
    wd.record_stage(stage::EXTRACT, record).unwrap();
}

fn transform(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("koku-transform").unwrap();
    cmd.arg("ocp").arg(dir);
    cmd
}

#[test]
fn help_describes_the_command() {
    Command::cargo_bin("koku-transform")
        .unwrap()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("ocp").and(predicate::str::contains("WORKDIR")));
}

#[test]
fn transforms_and_reruns_byte_identically() {
    let dir = tempfile::tempdir().unwrap();
    extracted(dir.path(), "s1");
    transform(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "2 summary rows (pod 1, unallocated 1)",
        ));
    let out = dir.path().join(OCP_DAILY_SUMMARY.file_name());
    let first = std::fs::read(&out).unwrap();
    transform(dir.path()).assert().success();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        first,
        "same inputs, same bytes"
    );
    let wd = WorkDir::open(dir.path()).unwrap();
    let rec = wd.stage(stage::TRANSFORM).unwrap();
    assert_eq!(rec.outputs[OCP_DAILY_SUMMARY.name].rows, 2);
    assert_eq!(
        rec.inputs.len(),
        OCP_INPUTS.len(),
        "records the checksums it consumed"
    );
    let rows = wd
        .reader(stage::TRANSFORM, &OCP_DAILY_SUMMARY)
        .unwrap()
        .read_all()
        .unwrap();
    let kinds = rows[0]
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!((kinds.value(0), kinds.value(1)), ("pod", "unallocated"));
}

#[test]
fn refuses_a_folder_without_run_json() {
    let dir = tempfile::tempdir().unwrap();
    transform(dir.path())
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains("not a work directory"));
}

#[test]
fn refuses_a_corrupted_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    extracted(dir.path(), "s1");
    let f = dir.path().join(POD_USAGE_DAILY.file_name());
    let mut bytes = std::fs::read(&f).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&f, bytes).unwrap();
    transform(dir.path()).assert().failure().stderr(
        predicate::str::contains("openshift_pod_usage_line_items_daily.arrow")
            .and(predicate::str::contains("checksum")),
    );
    assert!(!dir.path().join(OCP_DAILY_SUMMARY.file_name()).exists());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        names.iter().all(|n| !n.to_string_lossy().contains(".tmp")),
        "no temp file left: {names:?}"
    );
}

#[test]
fn refuses_a_file_from_another_run() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    extracted(a.path(), "source-a");
    extracted(b.path(), "source-b");
    // Put b's file into a, and make run.json's checksum agree, as a careless copy plus edit would.
    let name = POD_USAGE_DAILY.file_name();
    std::fs::copy(b.path().join(&name), a.path().join(&name)).unwrap();
    let run = a.path().join("run.json");
    let text = std::fs::read_to_string(&run).unwrap();
    let wd_a = WorkDir::open(a.path()).unwrap();
    let old = wd_a.stage(stage::EXTRACT).unwrap().outputs[POD_USAGE_DAILY.name]
        .sha256
        .clone();
    let new = koku_common::workdir::sha256_file(&a.path().join(&name)).unwrap();
    std::fs::write(&run, text.replace(&old, &new)).unwrap();
    transform(a.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("belongs to another run"));
}

#[test]
fn a_reextract_invalidates_the_transform_record() {
    // After a re-extract, run.json no longer holds a transform record, so a stale summary cannot be
    // loaded by accident; the work-dir API says so.
    let dir = tempfile::tempdir().unwrap();
    extracted(dir.path(), "s1");
    transform(dir.path()).assert().success();
    extracted(dir.path(), "s1");
    let wd = WorkDir::open(dir.path()).unwrap();
    let err = wd
        .check_consumed(stage::EXTRACT, stage::TRANSFORM, "; run koku-transform")
        .unwrap_err();
    assert!(err.to_string().contains("transform"), "{err}");
}

#[test]
fn any_thread_count_gives_the_same_bytes_and_the_first_error_in_day_order() {
    let good = [r#"{"app": "a"}"#; 7];
    let dir = tempfile::tempdir().unwrap();
    extracted_days(dir.path(), "s1", &good);
    let out = dir.path().join(OCP_DAILY_SUMMARY.file_name());
    let mut files = Vec::new();
    for threads in ["1", "2", "5"] {
        transform(dir.path())
            .arg("--threads")
            .arg(threads)
            .assert()
            .success()
            .stdout(predicate::str::contains("14 summary rows"));
        files.push(std::fs::read(&out).unwrap());
    }
    assert!(files.iter().all(|f| f == &files[0]), "same bytes");

    // Days 3 and 6 (rows 2 and 5) have bad labels: every thread count reports row 2, writes nothing.
    let mut bad = good;
    bad[2] = "{not json";
    bad[5] = "[1]";
    for threads in ["1", "2", "5"] {
        let dir = tempfile::tempdir().unwrap();
        extracted_days(dir.path(), "s1", &bad);
        transform(dir.path())
            .arg("--threads")
            .arg(threads)
            .assert()
            .failure()
            .stderr(predicate::str::contains(
                "openshift_pod_usage_line_items_daily, row 2, column pod_labels",
            ));
        assert!(!dir.path().join(OCP_DAILY_SUMMARY.file_name()).exists());
    }
}
