//! The committed OCP-on-AWS datasets (`testdata/ocp-aws/`: the proof of concept's 23 scenarios and a
//! multi-day, two-cluster, shared-disk set) through the real binaries, as an operator chains them
//! without a database: `koku-extract ocp` + `koku-transform ocp` per OCP source (the OCP daily summary
//! koku would have), then `koku-extract ocp-aws` (every PostgreSQL input from the dataset's
//! `inputs.json`, by flag) and `koku-transform ocp-aws`.
//!
//! Each dataset's rows are checked against its `EXPECTED.md`, computed by hand from the Parquet and
//! the spec (`/work/shared/spec/ocp-on-aws.md` §8 and §4): the total unblended cost attributed (the
//! sum of the `_p` rows), and the per-namespace amounts listed below. EXPECTED.md rounds to 6
//! decimals, hence the tolerance.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use koku_testkit::{workspace_bin, workspace_root};
use serde_json::Value;

const TOLERANCE: f64 = 5e-6;

fn dataset(name: &str) -> PathBuf {
    workspace_root().join("testdata/ocp-aws").join(name)
}

/// One `_p` row, its columns by name (JSON as `koku-ipc json` prints it).
type Row = serde_json::Map<String, Value>;

fn rows_of(file: &Path) -> Vec<Row> {
    let out = Command::new(workspace_bin("koku-ipc"))
        .arg("json")
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Value::Object(m) => m,
            other => panic!("{other}"),
        })
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("{other}"),
    }
}

/// Run the whole chain on a dataset; `fixes` are extra `koku-transform ocp-aws` flags. Returns the
/// `_p` rows.
fn run(name: &str, fixes: &[&str]) -> Vec<Row> {
    let root = dataset(name);
    let inputs: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("inputs.json")).unwrap()).unwrap();
    let schema = inputs["schema"].as_str().unwrap();
    let aws = &inputs["aws"];
    let (year, month) = (text(&aws["year"]), text(&aws["month"]));
    let (start, end) = (
        aws["start_date"].as_str().unwrap(),
        aws["end_date"].as_str().unwrap(),
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut ocp_workdirs = vec![];
    for (i, o) in inputs["ocp_sources"].as_array().unwrap().iter().enumerate() {
        let w = tmp.path().join(format!("ocp-{i}"));
        let keys: Vec<&str> = o["enabled_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        Command::new(workspace_bin("koku-extract"))
            .args(["ocp", "--from"])
            .arg(&root)
            .args([
                "--schema",
                schema,
                "--source",
                o["source"].as_str().unwrap(),
            ])
            .args(["--year", &year, "--month", &month])
            .args(["--start-date", start, "--end-date", end])
            .args(["--cluster-id", o["cluster_id"].as_str().unwrap()])
            .args(["--cluster-alias", o["cluster_alias"].as_str().unwrap()])
            .args(["--report-period-id", &text(&o["report_period_id"])])
            .args(["--enabled-keys", &keys.join(",")])
            .arg("--cost-categories")
            .arg(root.join(o["cost_categories"].as_str().unwrap()))
            .arg("--node-roles")
            .arg(root.join(o["node_roles"].as_str().unwrap()))
            .arg("--out")
            .arg(&w)
            .env_remove("DATABASE_URL")
            .assert()
            .success();
        Command::new(workspace_bin("koku-transform"))
            .arg("ocp")
            .arg(&w)
            .assert()
            .success();
        ocp_workdirs.push(w);
    }
    let w = tmp.path().join("ocp-aws");
    let mut extract = Command::new(workspace_bin("koku-extract"));
    extract
        .args(["ocp-aws", "--from"])
        .arg(&root)
        .args([
            "--schema",
            schema,
            "--aws-source",
            aws["source"].as_str().unwrap(),
        ])
        .args(["--year", &year, "--month", &month])
        .args(["--start-date", start, "--end-date", end])
        .args(["--bill-id", &text(&aws["bill_id"])])
        .args([
            "--markup",
            &aws["markup"].as_f64().map_or("0".into(), |m| m.to_string()),
        ])
        .arg("--account-aliases")
        .arg(root.join(aws["account_aliases"].as_str().unwrap()))
        .arg("--out")
        .arg(&w)
        .env_remove("DATABASE_URL");
    for d in &ocp_workdirs {
        extract.arg("--ocp-workdir").arg(d);
    }
    for (provider, keys) in inputs["enabled_keys"].as_object().unwrap() {
        for k in keys.as_array().unwrap() {
            extract.args([
                "--enabled-key",
                &format!("{provider}:{}", k.as_str().unwrap()),
            ]);
        }
    }
    for t in inputs["matched_tags"].as_array().unwrap() {
        let (k, v) = match t {
            Value::Array(kv) => (text(&kv[0]), text(&kv[1])),
            Value::Object(m) => (text(&m["key"]), text(&m["value"])),
            other => panic!("matched tag {other}"),
        };
        extract.args(["--matched-tag", &format!("{k}={v}")]);
    }
    for o in inputs["ocp_sources"].as_array().unwrap() {
        extract.args([
            "--distribution",
            &format!(
                "{}={}",
                o["source"].as_str().unwrap(),
                o["distribution"].as_str().unwrap()
            ),
        ]);
    }
    extract.assert().success();
    Command::new(workspace_bin("koku-transform"))
        .args(["ocp-aws"])
        .arg(&w)
        .args(fixes)
        .assert()
        .success();
    rows_of(&w.join("reporting_ocpawscostlineitem_project_daily_summary_p.arrow"))
}

fn total(rows: &[Row], column: &str) -> f64 {
    rows.iter().filter_map(|r| r.get(column)?.as_f64()).sum()
}

/// Σ of `column` per namespace (NULL namespace as "NULL").
fn by_namespace(rows: &[Row], column: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for r in rows {
        let ns = r
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("NULL")
            .to_string();
        if let Some(x) = r.get(column).and_then(Value::as_f64) {
            *out.entry(ns).or_insert(0.0) += x;
        }
    }
    out
}

fn close(what: &str, got: f64, expected: f64) {
    assert!(
        (got - expected).abs() <= TOLERANCE,
        "{what}: {got} (expected {expected})"
    );
}

/// The POC's 23 scenarios: the total unblended cost EXPECTED.md derives (spec §8's last column,
/// checked against the generated data; where the data differs from the manifest's figure, the
/// data's).
#[test]
fn poc_scenarios_totals() {
    let expected: [(&str, &str, f64); 23] = [
        ("01-resource-matching", "unblended_cost", 16.08),
        ("02-tag-matching", "unblended_cost", 4.608),
        ("03-multi-namespace", "unblended_cost", 9.216),
        ("04-network-costs", "unblended_cost", 1.9968),
        ("05-storage-ebs", "unblended_cost", 6.530581),
        ("06-multi-cluster", "unblended_cost", 8.16),
        ("07-partial-matching", "unblended_cost", 12.492),
        ("08-zero-usage", "unblended_cost", 6.048),
        ("09-cost-types", "unblended_cost", 18.432),
        ("10-unmatched-storage", "unblended_cost", 16.08),
        ("11-corrupted-data", "unblended_cost", 4.608),
        ("12-trino-precision", "unblended_cost", 8.16),
        ("13-network-data-transfer", "unblended_cost", 6.49608),
        ("14-savingsplan-costs", "savingsplan_effective_cost", 0.84),
        ("15-rds-database-costs", "unblended_cost", 12.024),
        ("16-s3-storage-costs", "unblended_cost", 21.5454),
        ("17-reserved-instances", "unblended_cost", 0.9984),
        ("18-multi-cluster-shared-disk", "unblended_cost", 3.232284),
        ("19-non-csi-storage", "unblended_cost", 3.160497),
        ("20-cluster-alias-matching", "unblended_cost", 2.40),
        ("21-volume-labels-matching", "unblended_cost", 3.122581),
        // §7.2: the EBS volume matched by its PV name is dropped (koku's defect).
        ("22-pv-name-suffix-matching", "unblended_cost", 1.20),
        ("23-generic-pod-labels-matching", "unblended_cost", 4.80),
    ];
    let mut failures = vec![];
    for (name, column, want) in expected {
        let rows = run(name, &[]);
        let got = total(&rows, column);
        if (got - want).abs() > TOLERANCE {
            failures.push(format!("{name}: Σ {column} = {got}, expected {want}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Per-namespace figures of a few scenarios (EXPECTED.md's tables).
#[test]
fn poc_scenarios_by_namespace() {
    let cases: [(&str, &[(&str, f64)]); 5] = [
        (
            "01-resource-matching",
            &[("backend", 12.06), ("Worker unallocated", 4.02)],
        ),
        (
            "07-partial-matching",
            &[
                ("app-with-id", 6.244),
                ("app-with-tag", 2.50),
                ("orphaned-app", 2.50),
                ("Worker unallocated", 1.248),
            ],
        ),
        (
            "13-network-data-transfer",
            &[
                ("backend", 0.9984),
                ("Worker unallocated", 0.9984),
                ("Network unattributed", 4.49928),
            ],
        ),
        ("20-cluster-alias-matching", &[("app-prod", 2.40)]),
        ("23-generic-pod-labels-matching", &[("frontend", 4.80)]),
    ];
    for (name, want) in cases {
        let got = by_namespace(&run(name, &[]), "unblended_cost");
        assert_eq!(got.len(), want.len(), "{name}: {got:?}");
        for (ns, x) in want {
            close(&format!("{name} {ns}"), got[*ns], *x);
        }
    }
}

/// Scenario 22 with `--attribute-pv-name-disks`: the volume matched by its PV name is attributed
/// (what the POC's scenario expects: 3.12 with the EBS volume's 1.92).
#[test]
fn pv_name_fix_attributes_the_volume() {
    let koku = total(&run("22-pv-name-suffix-matching", &[]), "unblended_cost");
    let fixed = total(
        &run("22-pv-name-suffix-matching", &["--attribute-pv-name-disks"]),
        "unblended_cost",
    );
    close("koku", koku, 1.20);
    assert!(fixed > koku + 1.0, "fixed {fixed} vs koku {koku}");
}

/// The multi-day, two-cluster, shared-disk set over koku's windows [1,6] and [7,8]: per cluster
/// totals of EXPECTED.md (the claim-less PV's `Storage unattributed` row exists only when the OCP
/// summary gives its storage row a namespace, §4.5: EXPECTED.md's † amount, 4.00).
#[test]
fn multiday_shared_disk() {
    let rows = run("multiday-shared-disk", &[]);
    let mut per_cluster: BTreeMap<String, f64> = BTreeMap::new();
    for r in &rows {
        if let Some(x) = r.get("unblended_cost").and_then(Value::as_f64) {
            *per_cluster
                .entry(r["cluster_id"].as_str().unwrap().to_string())
                .or_insert(0.0) += x;
        }
    }
    let claimless: f64 = rows
        .iter()
        .filter(|r| r.get("resource_id").and_then(Value::as_str) == Some("vol-md-claimless"))
        .filter_map(|r| r.get("unblended_cost")?.as_f64())
        .sum();
    close("bravo", per_cluster["bravo-ocp"], 75.376);
    close("alpha", per_cluster["alpha-ocp"] - claimless, 75.056);
    assert!(
        claimless == 0.0 || (claimless - 4.0).abs() <= TOLERANCE,
        "{claimless}"
    );
    // The markup is 10 % of every cost.
    close(
        "markup",
        total(&rows, "markup_cost"),
        0.1 * total(&rows, "unblended_cost"),
    );
    // Both clusters' rows carry their own report period.
    for r in &rows {
        let rp = if r["cluster_id"] == "alpha-ocp" { 1 } else { 2 };
        assert_eq!(r["report_period_id"], rp, "{r:?}");
    }
}
