//! The `koku-extract` binary: help, a successful offline run, and the failures an operator sees
//! (exit status, message naming the file or flag, nothing half-written left behind).

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::*;
use koku_common::schema::OCP_INPUTS;
use koku_common::workdir::{WorkDir, stage};
use predicates::prelude::*;

/// The binary with an environment that cannot reach any database or S3 by accident.
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_koku-extract"));
    for v in [
        "DATABASE_URL",
        "DATABASE_SERVICE_NAME",
        "DATABASE_NAME",
        "DATABASE_USER",
        "DATABASE_PASSWORD",
        "S3_ENDPOINT",
        "S3_ACCESS_KEY",
        "S3_SECRET",
        "S3_BUCKET_NAME",
        "REQUESTED_BUCKET",
        "RUST_LOG",
    ] {
        c.env_remove(v);
    }
    c
}

fn offline_args(c: &mut Command, tree: &Path, out: &Path, flags_dir: &Path) {
    offline_args_with_keys(c, tree, out, flags_dir, "app,tier");
}

fn offline_args_with_keys(c: &mut Command, tree: &Path, out: &Path, flags_dir: &Path, keys: &str) {
    let (cc, nodes) = write_flag_files(flags_dir);
    c.args(["ocp", "--from"])
        .arg(tree)
        .args([
            "--schema", SCHEMA, "--source", SOURCE, "--year", "2025", "--month", "10",
        ])
        .args([
            "--cluster-id",
            "test-cluster-001",
            "--report-period-id",
            "7",
        ])
        .args(["--enabled-keys", keys])
        .arg("--cost-categories")
        .arg(cc)
        .arg("--node-roles")
        .arg(nodes)
        .arg("--out")
        .arg(out);
}

fn assert_no_outputs(out: &Path) {
    let files = files_in(out);
    assert!(
        files.iter().all(|f| f == "run.json"),
        "only run.json may remain after a failure: {files:?}"
    );
    if out.join("run.json").exists() {
        assert!(WorkDir::open(out).unwrap().stage(stage::EXTRACT).is_none());
    }
}

#[test]
fn help_lists_the_contract_flags() {
    let out = bin().args(["ocp", "--help"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for flag in [
        "--from",
        "--schema",
        "--source",
        "--year",
        "--month",
        "--start-date",
        "--end-date",
        "--cluster-id",
        "--cluster-alias",
        "--report-period-id",
        "--enabled-keys",
        "--cost-categories",
        "--node-roles",
        "--database-url",
        "--s3-endpoint",
        "--s3-region",
        "--s3-timeout",
        "--concurrency",
        "--out",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help:\n{text}");
    }
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("ocp"));
    bin()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains("koku-extract"));
}

#[test]
fn offline_run_succeeds_and_prints_a_line_per_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let out = tmp.path().join("wd");
    let mut c = bin();
    offline_args(&mut c, &tree, &out, tmp.path());
    let assert = c.assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            "openshift_pod_usage_line_items: 5 rows from 3 files",
            "openshift_pod_usage_line_items_daily: 3 rows from 3 files",
            "openshift_storage_usage_line_items_daily: 2 rows from 2 files",
            "openshift_node_labels_line_items_daily: 1 rows from 1 files",
            "openshift_namespace_labels_line_items_daily: 2 rows from 1 files",
            "reporting_enabledtagkeys: 2 rows (--enabled-keys)",
            "reporting_ocp_cost_category_namespace: 5 rows (--cost-categories)",
            "reporting_ocp_nodes: 4 rows (--node-roles)",
        ]
    );
    let wd = WorkDir::open(&out).unwrap();
    assert_eq!(
        wd.identity().cluster_alias,
        None,
        "no alias flag, no database → NULL"
    );
    assert_eq!(
        wd.stage(stage::EXTRACT).unwrap().outputs.len(),
        OCP_INPUTS.len()
    );
}

#[test]
fn corrupt_object_fails_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let key = format!(
        "{}/storage_usage.2025-10-09.1.0_daily_0.parquet",
        daily("storage_usage", SOURCE, "10")
    );
    put(
        &tree,
        &key,
        &[
            0x50, 0x41, 0x52, 0x31, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02,
        ],
    );
    let out = tmp.path().join("wd");
    let mut c = bin();
    offline_args(&mut c, &tree, &out, tmp.path());
    c.assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(
            tree.join(&key).display().to_string(),
        ))
        .stderr(predicate::str::contains("not a readable Parquet file"));
    assert_no_outputs(&out);
}

#[test]
fn truncated_object_fails_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let good = parquet_bytes(&daily_pod_koku(&[(
        "ns1",
        "n1",
        "pod1",
        "{}",
        "2025-10-04 00:00:00",
        None,
    )]));
    let key = format!(
        "{}/pod_usage.2025-10-04.1.0_daily_0.parquet",
        daily("pod_usage", SOURCE, "10")
    );
    put(&tree, &key, &good[..good.len() / 2]);
    let out = tmp.path().join("wd");
    let mut c = bin();
    offline_args(&mut c, &tree, &out, tmp.path());
    c.assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(
            tree.join(&key).display().to_string(),
        ));
    assert_no_outputs(&out);

    // A file cut just before its footer, in the last dataset, after the others were written.
    let key = format!(
        "{}/namespace_labels.2025-10-04.1.0_daily_0.parquet",
        daily("namespace_labels", SOURCE, "10")
    );
    std::fs::remove_file(
        tree.join(daily("pod_usage", SOURCE, "10"))
            .join("pod_usage.2025-10-04.1.0_daily_0.parquet"),
    )
    .unwrap();
    let labels = parquet_bytes(&batch(vec![
        ("namespace", utf8(&[Some("ns1")])),
        ("namespace_labels", utf8(&[Some("{}")])),
        ("interval_start", ts(&["2025-10-04 00:00:00"])),
        ("report_period_start", ts(&[RPS])),
        ("report_period_end", ts(&[RPE])),
    ]));
    put(&tree, &key, &labels[..labels.len() - 9]);
    let mut c = bin();
    offline_args(&mut c, &tree, &out, tmp.path());
    c.assert().failure().stderr(predicate::str::contains(
        tree.join(&key).display().to_string(),
    ));
    assert_no_outputs(&out);
}

#[test]
fn missing_offline_flag_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let out = tmp.path().join("wd");
    let (cc, nodes) = write_flag_files(tmp.path());
    bin()
        .args(["ocp", "--from"])
        .arg(&tree)
        .args([
            "--schema", SCHEMA, "--source", SOURCE, "--year", "2025", "--month", "10",
        ])
        .args(["--cluster-id", "c1", "--enabled-keys", ""])
        .arg("--cost-categories")
        .arg(&cc)
        .arg("--node-roles")
        .arg(&nodes)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains("missing --report-period-id"))
        .stderr(predicate::str::contains("--cluster-id").not());
    assert!(!out.exists());

    bin()
        .args(["ocp", "--from"])
        .arg(&tree)
        .args([
            "--schema", SCHEMA, "--source", SOURCE, "--year", "2025", "--month", "10",
        ])
        .args(["--report-period-id", "1", "--enabled-keys", ""])
        .arg("--cost-categories")
        .arg(&cc)
        .arg("--node-roles")
        .arg(&nodes)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicate::str::contains("missing --cluster-id"));

    // `--enabled-keys ""` is a value (zero keys), not a missing flag.
    let mut c = bin();
    offline_args_with_keys(&mut c, &tree, &out, tmp.path(), "");
    c.assert().success().stdout(predicate::str::contains(
        "reporting_enabledtagkeys: 0 rows (--enabled-keys)",
    ));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("wd");
    // clap: malformed values exit 2 and name the flag.
    bin()
        .args([
            "ocp",
            "--from",
            "/nonexistent",
            "--schema",
            SCHEMA,
            "--source",
            "not-a-uuid",
        ])
        .args(["--year", "2025", "--month", "10", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--source"));
    bin()
        .args([
            "ocp",
            "--from",
            "/nonexistent",
            "--schema",
            SCHEMA,
            "--source",
            SOURCE,
        ])
        .args(["--year", "2025", "--month", "13", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--month"));
    // A missing --from folder is an error, not "no data".
    let mut c = bin();
    offline_args(&mut c, &tmp.path().join("nope"), &out, tmp.path());
    c.assert().code(1).stderr(predicate::str::contains("nope"));
    // Dates outside the month.
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let mut c = bin();
    offline_args(&mut c, &tree, &out, tmp.path());
    c.args(["--end-date", "2025-11-01"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--end-date 2025-11-01 is outside 2025-10",
        ));
    assert!(!out.exists());
}
