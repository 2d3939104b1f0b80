//! `koku-compare` as an operator runs it: a work dir holding the spec §11 summary rows against a
//! PostgreSQL-style CSV export of the same rows (numerics as `numeric(33,15)` text, jsonb text with
//! spaces and another key order, koku-only columns, NULL as an unquoted empty field), then with one
//! change at a time.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use chrono::Utc;
use koku_common::schema::OCP_DAILY_SUMMARY;
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};
use koku_compare::tables::ocp::DAILY_SUMMARY;
use koku_compare::{Table, Value, read_ipc};
use predicates::prelude::*;

mod common;
use common::aws_workdir;

const SOURCE: &str = "11111111-1111-1111-1111-111111111111";

/// The 7 rows `koku-transform ocp` computes for `testdata/worked-example` (`koku-ipc csv` of the file).
const SUMMARY_CSV: &str = r#"row_kind,report_period_id,cluster_id,cluster_alias,data_source,usage_start,usage_end,namespace,node,resource_id,pod_labels,pod_usage_cpu_core_hours,pod_request_cpu_core_hours,pod_effective_usage_cpu_core_hours,pod_limit_cpu_core_hours,pod_usage_memory_gigabyte_hours,pod_request_memory_gigabyte_hours,pod_effective_usage_memory_gigabyte_hours,pod_limit_memory_gigabyte_hours,node_capacity_cpu_cores,node_capacity_cpu_core_hours,node_capacity_memory_gigabytes,node_capacity_memory_gigabyte_hours,cluster_capacity_cpu_core_hours,cluster_capacity_memory_gigabyte_hours,persistentvolumeclaim,persistentvolume,storageclass,volume_labels,persistentvolumeclaim_capacity_gigabyte,persistentvolumeclaim_capacity_gigabyte_months,volume_request_storage_gigabyte_months,persistentvolumeclaim_usage_gigabyte_months,source_uuid,infrastructure_usage_cost,csi_volume_handle,cost_category_id,all_labels
pod,7,my-cluster,My Cluster,Pod,2025-10-01,2025-10-01,openshift-monitoring,node-b,i-bbb,"{""app"":""prom""}",6.0,2.0,6.0,0.0,2.0,1.0,2.0,0.0,2.0,24.0,8.0,96.0,120.0,480.0,,,,,,,,,11111111-1111-1111-1111-111111111111,"{""cpu"": 0.000000000, ""memory"": 0.000000000, ""storage"": 0.000000000}",,1,"{""app"":""prom""}"
pod,7,my-cluster,My Cluster,Pod,2025-10-01,2025-10-01,web,node-a,i-aaa,"{""app"":""web"",""env"":""ns-env""}",2.0,4.0,4.0,8.0,2.0,4.0,4.0,8.0,4.0,96.0,16.0,384.0,120.0,480.0,,,,,,,,,11111111-1111-1111-1111-111111111111,"{""cpu"": 0.000000000, ""memory"": 0.000000000, ""storage"": 0.000000000}",,,"{""app"":""web"",""env"":""ns-env""}"
pod,7,my-cluster,My Cluster,Pod,2025-10-01,2025-10-01,web,node-a,i-aaa,"{""app"":""web"",""env"":""prod""}",1.0,1.0,1.0,0.0,1.0,0.5,1.0,0.0,4.0,96.0,16.0,384.0,120.0,480.0,,,,,,,,,11111111-1111-1111-1111-111111111111,"{""cpu"": 0.000000000, ""memory"": 0.000000000, ""storage"": 0.000000000}",,,"{""app"":""web"",""env"":""prod""}"
storage,7,my-cluster,My Cluster,Storage,2025-10-01,2025-10-01,web,,,,,,,,,,,,,,,,,,orphan,pv-002,gp3,"{""env"":""ns-env""}",1.0,0.03225806451612903,,,11111111-1111-1111-1111-111111111111,"{""cpu"": 0.000000000, ""memory"": 0.000000000, ""storage"": 0.000000000}",,,"{""env"":""ns-env""}"
storage,7,my-cluster,My Cluster,Storage,2025-10-01,2025-10-01,web,node-a,i-aaa,,,,,,,,,,,,,,,,data-web,pv-001,gp3,"{""app"":""db-pv"",""env"":""pvc-env""}",10.0,0.3225806451612903,0.3225806451612903,0.16129032258064516,11111111-1111-1111-1111-111111111111,"{""cpu"": 0.000000000, ""memory"": 0.000000000, ""storage"": 0.000000000}",vol-123,,"{""app"":""db-pv"",""env"":""pvc-env""}"
unallocated,7,my-cluster,My Cluster,Pod,2025-10-01,2025-10-01,Worker unallocated,node-a,i-aaa,,93.0,91.0,91.0,,381.0,379.5,379.0,,4.0,96.0,16.0,384.0,120.0,480.0,,,,,,,,,11111111-1111-1111-1111-111111111111,,,,{}
unallocated,7,my-cluster,My Cluster,Pod,2025-10-01,2025-10-01,Platform unallocated,node-b,i-bbb,,18.0,22.0,18.0,,94.0,95.0,94.0,,2.0,24.0,8.0,96.0,120.0,480.0,,,,,,,,,11111111-1111-1111-1111-111111111111,,,1,{}
"#;

/// A work dir whose transform stage wrote [`SUMMARY_CSV`] (as the real stages record it).
fn workdir(dir: &Path) {
    let d = chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
    let identity = RunIdentity {
        flow: "ocp".into(),
        schema: "org1234567".into(),
        source_uuid: SOURCE.into(),
        cluster_id: Some("my-cluster".into()),
        cluster_alias: Some("My Cluster".into()),
        year: "2025".into(),
        month: "10".into(),
        start_date: d,
        end_date: chrono::NaiveDate::from_ymd_opt(2025, 10, 31).unwrap(),
        requested_start_date: d,
        report_period_id: Some(7),
        bill_id: None,
        ocp_cluster_ids: None,
    };
    let mut wd = WorkDir::create(dir, identity).unwrap();
    let mut w = wd.writer(&OCP_DAILY_SUMMARY).unwrap();
    let reader = arrow::csv::ReaderBuilder::new(OCP_DAILY_SUMMARY.schema())
        .with_header(true)
        .build(SUMMARY_CSV.as_bytes())
        .unwrap();
    for b in reader {
        w.write(&b.unwrap()).unwrap();
    }
    let out = w.finish().unwrap();
    assert_eq!(out.rows, 7);
    let now = Utc::now();
    let record = |outputs| StageRecord {
        tool: "test".into(),
        version: "0".into(),
        started_at: now,
        finished_at: now,
        inputs: vec![],
        outputs,
        details: BTreeMap::new(),
    };
    wd.record_stage(stage::EXTRACT, record(BTreeMap::new()))
        .unwrap();
    let mut outputs = BTreeMap::new();
    outputs.insert(OCP_DAILY_SUMMARY.name.to_string(), out);
    wd.record_stage(stage::TRANSFORM, record(outputs)).unwrap();
}

/// The work dir's rows as maps.
fn rows(dir: &Path) -> Vec<BTreeMap<String, Value>> {
    let (t, _): (Table, _) = read_ipc(&DAILY_SUMMARY, dir).unwrap();
    (0..t.len()).map(|i| t.row_map(i)).collect()
}

/// jsonb-style text of a JSON value with the keys in *reverse* order, `": "` / `", "` spacing.
fn jsonb_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .rev()
                .map(|(k, v)| format!("{}: {}", serde_json::to_string(k).unwrap(), jsonb_text(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        serde_json::Value::Number(n) if n.as_f64() == Some(0.0) => "0.000000000".into(),
        other => other.to_string(),
    }
}

/// What `COPY (SELECT * FROM koku's table) TO STDOUT CSV HEADER` writes for these rows: koku's columns
/// (uuid, cost-model columns), not ours (row_kind, csi_volume_handle); numeric(33,15) text.
fn pg_export(rows: &[BTreeMap<String, Value>]) -> String {
    let ours: Vec<&str> = OCP_DAILY_SUMMARY
        .columns
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| *n != "row_kind" && *n != "csi_volume_handle")
        .collect();
    let mut header = vec!["uuid"];
    header.extend(&ours);
    header.extend([
        "infrastructure_raw_cost",
        "cost_model_cpu_cost",
        "cost_model_rate_type",
        "monthly_cost_type",
    ]);
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = header.join(",") + "\n";
    for (i, r) in rows.iter().enumerate() {
        let mut fields = vec![format!("00000000-0000-4000-8000-{i:012}")];
        for c in &header[1..] {
            let v = r.get(*c).cloned().unwrap_or(Value::Null);
            fields.push(match v {
                Value::Null => String::new(),
                Value::Float(x) => format!("{x:.15}"),
                Value::Int(x) => x.to_string(),
                Value::Date(d) => d.to_string(),
                Value::Json(s) => quote(&jsonb_text(&serde_json::from_str(&s).unwrap())),
                Value::Text(s) => {
                    assert!(DAILY_SUMMARY.column_kind(c).is_some());
                    if s.contains([',', '"', ' ']) || s.is_empty() {
                        quote(&s)
                    } else {
                        s
                    }
                }
            });
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn cmp() -> Command {
    let mut c = Command::cargo_bin("koku-compare").unwrap();
    c.env_remove("DATABASE_URL")
        .env_remove("DATABASE_SERVICE_NAME")
        .env_remove("DATABASE_NAME")
        .env_remove("DATABASE_USER");
    c
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        workdir(&dir.path().join("w"));
        Fixture { dir }
    }
    fn wd(&self) -> std::path::PathBuf {
        self.dir.path().join("w")
    }
    fn rows(&self) -> Vec<BTreeMap<String, Value>> {
        rows(&self.wd())
    }
    /// Write the export of `rows` and return its path.
    fn export(&self, rows: &[BTreeMap<String, Value>]) -> std::path::PathBuf {
        let p = self.dir.path().join("koku.csv");
        std::fs::write(&p, pg_export(rows)).unwrap();
        p
    }
    /// Run with `--format json` against `rows`; (exit code, report).
    fn json(&self, rows: &[BTreeMap<String, Value>], extra: &[&str]) -> (i32, serde_json::Value) {
        let csv = self.export(rows);
        let out = cmp()
            .arg(self.wd())
            .arg("--csv")
            .arg(&csv)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), report)
    }
}

fn find(rows: &mut [BTreeMap<String, Value>], ns: &str, labels: Option<&str>) -> usize {
    rows.iter()
        .position(|r| {
            r["namespace"] == Value::Text(ns.into())
                && labels.is_none_or(|l| r["pod_labels"] == Value::json(l).unwrap())
        })
        .unwrap()
}

#[test]
fn pg_export_of_the_same_rows_is_identical() {
    let f = Fixture::new();
    let csv = f.export(&f.rows());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains(r#""{""env"": ""prod"", ""app"": ""web""}""#),
        "{text}"
    );
    assert!(text.contains(",93.000000000000000,"), "{text}");
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(&csv)
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("IDENTICAL within tolerance: 7 row(s) matched")
                .and(predicate::str::contains(
                    "only in ours: row_kind, csi_volume_handle",
                ))
                .and(predicate::str::contains("uuid, cost_model_cpu_cost")),
        );
    // OURS as the bare file: the scope comes from its metadata
    cmp()
        .arg(
            f.wd()
                .join("reporting_ocpusagelineitem_daily_summary.arrow"),
        )
        .arg("--csv")
        .arg(&csv)
        .assert()
        .code(0);
    // two work dirs
    cmp()
        .arg(f.wd())
        .arg("--ipc")
        .arg(f.wd())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("38 compared"));
    let (code, r) = f.json(&f.rows(), &[]);
    assert_eq!(code, 0);
    assert_eq!(r["identical"], true);
    assert_eq!(r["total"]["matched"], 7);
    assert_eq!(r["counts"]["pod"]["matched"], 3);
    assert_eq!(r["counts"]["storage"]["matched"], 2);
    assert_eq!(r["counts"]["unallocated"]["matched"], 2);
    assert_eq!(r["theirs"]["skipped_columns"][0], "uuid");
}

#[test]
fn one_changed_measure_is_exactly_one_difference() {
    let f = Fixture::new();
    let mut rows = f.rows();
    let i = find(&mut rows, "web", Some(r#"{"app":"web","env":"prod"}"#));
    rows[i].insert("pod_usage_cpu_core_hours".into(), Value::Float(2.0));
    let (code, r) = f.json(&rows, &[]);
    assert_eq!(code, 1);
    assert_eq!(r["identical"], false);
    assert_eq!(r["differing_values"], 1);
    assert_eq!(r["total"]["differing"], 1);
    assert_eq!(
        (r["total"]["missing"].as_u64(), r["total"]["extra"].as_u64()),
        (Some(0), Some(0))
    );
    let d = &r["differences"][0];
    assert_eq!(d["column"], "pod_usage_cpu_core_hours");
    assert_eq!(d["ours"], 1.0);
    assert_eq!(d["theirs"], 2.0);
    assert_eq!(d["rel_diff"], 0.5);
    assert_eq!(
        d["key"],
        serde_json::json!({"kind": "pod", "usage_start": "2025-10-01", "namespace": "web",
                           "node": "node-a", "pod_labels": {"app": "web", "env": "prod"}})
    );
    // the text report names the key, the column and both values
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(f.export(&rows))
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains(
                r#"pod usage_start=2025-10-01 namespace="web" node="node-a" pod_labels={"app":"web","env":"prod"}"#,
            )
            .and(predicate::str::contains(
                "pod_usage_cpu_core_hours: ours 1, theirs 2 (relative difference 5.000e-1)",
            ))
            .and(predicate::str::contains("DIFFERENT: 1 differing row(s), 0 missing, 0 extra")),
        );
}

#[test]
fn removed_and_added_rows() {
    let f = Fixture::new();
    // koku lacks the orphan storage row: extra in ours
    let mut rows = f.rows();
    let i = rows
        .iter()
        .position(|r| r["persistentvolumeclaim"] == Value::Text("orphan".into()))
        .unwrap();
    rows.remove(i);
    let (code, r) = f.json(&rows, &[]);
    assert_eq!(code, 1);
    assert_eq!(r["total"]["extra"], 1);
    assert_eq!(r["total"]["missing"], 0);
    assert_eq!(r["total"]["differing"], 0);
    assert_eq!(r["extra"][0]["key"]["kind"], "storage");
    assert_eq!(r["extra"][0]["key"]["persistentvolumeclaim"], "orphan");
    assert_eq!(r["extra"][0]["key"]["node"], serde_json::Value::Null);

    // koku has one more pod row: missing from ours
    let mut rows = f.rows();
    let mut added = rows[0].clone();
    added.insert("node".into(), Value::Text("node-c".into()));
    rows.push(added);
    let (code, r) = f.json(&rows, &[]);
    assert_eq!(code, 1);
    assert_eq!(r["total"]["missing"], 1);
    assert_eq!(r["total"]["extra"], 0);
    assert_eq!(r["missing"][0]["key"]["node"], "node-c");
    assert_eq!(r["total"]["matched"], 7);
}

#[test]
fn tolerance_flags() {
    let f = Fixture::new();
    let mut rows = f.rows();
    let i = find(&mut rows, "Worker unallocated", None);
    // numeric(33,15) holds 93.000000000000010: relative 1e-16
    rows[i].insert(
        "pod_usage_cpu_core_hours".into(),
        Value::Float(93.00000000000001),
    );
    assert_eq!(f.json(&rows, &[]).0, 0);
    // 1e-9 relative: a difference by default, not with --rel-tol 1e-8
    rows[i].insert(
        "pod_usage_cpu_core_hours".into(),
        Value::Float(93.0 * (1.0 + 1e-9)),
    );
    let (code, r) = f.json(&rows, &[]);
    assert_eq!(code, 1);
    assert_eq!(r["differences"][0]["key"]["kind"], "unallocated");
    assert_eq!(
        r["differences"][0]["key"]["namespace"],
        "Worker unallocated"
    );
    assert!(r["differences"][0]["rel_diff"].as_f64().unwrap() > 9e-10);
    assert_eq!(f.json(&rows, &["--rel-tol", "1e-8"]).0, 0);
    // absolute floor: ours 0, theirs 5e-13 is far outside a relative tolerance
    let mut rows = f.rows();
    let i = find(&mut rows, "web", Some(r#"{"app":"web","env":"prod"}"#));
    rows[i].insert("pod_limit_cpu_core_hours".into(), Value::Float(5e-13));
    assert_eq!(f.json(&rows, &[]).0, 1);
    assert_eq!(f.json(&rows, &["--abs-tol", "1e-12"]).0, 0);
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(f.export(&rows))
        .arg("--rel-tol=-1")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--rel-tol must be a finite number",
        ));
}

#[test]
fn labels_and_nulls() {
    let f = Fixture::new();
    // same map, other key order and spacing: equal (the export already reverses every map); one more
    // label is a difference of all_labels
    let mut rows = f.rows();
    let i = find(&mut rows, "web", Some(r#"{"app":"web","env":"prod"}"#));
    rows[i].insert(
        "all_labels".into(),
        Value::json(r#"{"env":"prod","app":"web","x":"y"}"#).unwrap(),
    );
    let (code, r) = f.json(&rows, &[]);
    assert_eq!(code, 1);
    assert_eq!(r["differences"][0]["column"], "all_labels");
    assert_eq!(r["differences"][0]["theirs"]["x"], "y");
    // {} vs NULL
    let mut rows = f.rows();
    let i = find(&mut rows, "Platform unallocated", None);
    rows[i].insert("all_labels".into(), Value::Null);
    let (code, r) = f.json(&rows, &[]);
    assert_eq!(code, 1);
    assert_eq!(r["differences"][0]["column"], "all_labels");
    assert_eq!(r["differences"][0]["ours"], serde_json::json!({}));
    assert_eq!(r["differences"][0]["theirs"], serde_json::Value::Null);
    // '' vs NULL in text
    let mut rows = f.rows();
    let i = find(&mut rows, "Platform unallocated", None);
    rows[i].insert("resource_id".into(), Value::Text(String::new()));
    let (_, r) = f.json(&rows, &[]);
    assert_eq!(r["differences"][0]["column"], "resource_id");
    assert_eq!(r["differences"][0]["theirs"], "");
}

#[test]
fn cost_model_rows_and_other_days_are_out_of_scope() {
    let f = Fixture::new();
    let mut rows = f.rows();
    let mut cost = rows[0].clone();
    cost.insert(
        "cost_model_rate_type".into(),
        Value::Text("Supplementary".into()),
    );
    rows.push(cost);
    let mut other_day = rows[1].clone();
    other_day.insert(
        "usage_start".into(),
        Value::Date("2025-11-01".parse().unwrap()),
    );
    rows.push(other_day);
    let (code, r) = f.json(&rows, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["theirs"]["rows_read"], 9);
    assert_eq!(r["theirs"]["not_summary_rows"], 1);
    assert_eq!(r["theirs"]["out_of_scope"], 1);
    // --all-rows keeps the cost-model row: it is missing from ours (a duplicate key)
    let (code, r) = f.json(&rows, &["--all-rows"]);
    assert_eq!(code, 1);
    assert_eq!(r["total"]["missing"], 1);
    assert_eq!(r["duplicate_keys_total"], 1);
    assert_eq!(r["duplicate_keys"][0]["theirs"], 2);
    // a narrower window applies to both sides
    let (code, r) = f.json(&rows, &["--end-date", "2025-09-30"]);
    assert_eq!(code, 0);
    assert_eq!(r["total"]["matched"], 0);
    assert_eq!(r["ours"]["out_of_scope"], 7);
}

#[test]
fn errors_exit_2_and_name_the_place() {
    let f = Fixture::new();
    let csv = f.dir.path().join("bad.csv");
    let mut text = pg_export(&f.rows());
    text = text.replacen(",93.000000000000000,", ",93.0x,", 1);
    std::fs::write(&csv, &text).unwrap();
    let line = text.lines().position(|l| l.contains("93.0x")).unwrap() + 1;
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(&csv)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "bad.csv: line {line}, column pod_usage_cpu_core_hours: cannot read \"93.0x\" as a number"
        )));
    // a key column missing from the export
    std::fs::write(&csv, "usage_start,node\n2025-10-01,a\n").unwrap();
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(&csv)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.csv: no column \"data_source\"",
        ));
    // OURS before koku-transform (extracted only)
    let early = f.dir.path().join("early");
    let now = Utc::now();
    WorkDir::create(&early, read_ipc_identity(&f.wd()))
        .unwrap()
        .record_stage(
            stage::EXTRACT,
            StageRecord {
                tool: "test".into(),
                version: "0".into(),
                started_at: now,
                finished_at: now,
                inputs: vec![],
                outputs: BTreeMap::new(),
                details: BTreeMap::new(),
            },
        )
        .unwrap();
    cmp()
        .arg(&early)
        .arg("--csv")
        .arg(&csv)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("stage \"transform\" has not run")
                .and(predicate::str::contains("koku-transform ocp")),
        );
    // nothing to compare with
    cmp()
        .arg(f.wd())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "give --csv FILE, --ipc WORKDIR or --database-url URL",
        ));
    // --csv with --database-url is a usage error
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(&csv)
        .args(["--database-url", "postgresql://x@127.0.0.1/db"])
        .assert()
        .code(2);
    // an unreachable database: named, password hidden
    cmp()
        .arg(f.wd())
        .args([
            "--database-url",
            &format!("postgresql://koku:hunter2@127.0.0.1:{}/koku", unused_port()),
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("user=koku dbname=koku password=***")
                .and(predicate::str::contains("hunter2").not()),
        );
}

fn read_ipc_identity(wd: &Path) -> RunIdentity {
    WorkDir::open(wd).unwrap().identity().clone()
}

fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn help_lists_the_known_tables_with_examples() {
    let out = cmp().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for t in koku_compare::tables::ALL {
        assert!(text.contains(t.name), "{text}");
    }
    assert!(
        text.contains("pod key: usage_start, namespace, node, pod_labels"),
        "{text}"
    );
    assert!(text.contains("resource_ids (as a set)"), "{text}");
    assert!(
        text.contains("koku-compare WORKDIR --csv koku.csv"),
        "{text}"
    );
}

#[test]
fn the_table_comes_from_ours_or_from_table() {
    let f = Fixture::new();
    let csv = f.export(&f.rows());
    // a partition of the table OURS holds
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(&csv)
        .args([
            "--table",
            "reporting_ocpusagelineitem_daily_summary_2025_10",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "table:     reporting_ocpusagelineitem_daily_summary (OCP daily summary)",
        ));
    // another known table than OURS holds
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(&csv)
        .args(["--table", "reporting_awscostentrylineitem_daily_summary"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "holds reporting_ocpusagelineitem_daily_summary, not reporting_awscostentrylineitem_daily_summary",
        ));
    // an unknown name is only a table to read from the database
    cmp()
        .arg(f.wd())
        .arg("--csv")
        .arg(&csv)
        .args(["--table", "reporting_ocpusagelineitem_daily_sumary"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--table reporting_ocpusagelineitem_daily_sumary is not a known table",
        ));
}

/// koku's rows D1a and D1c (numeric(24,9), jsonb and text[] as PostgreSQL exports them), and D1a once
/// more under another bill.
const AWS_KOKU_CSV: &str = r#"uuid,cost_entry_bill_id,usage_start,usage_end,usage_account_id,product_code,product_family,availability_zone,region,instance_type,unit,resource_ids,resource_count,unblended_cost,tags,cost_category,source_uuid
a1,11,2025-10-01,2025-10-01,111111111111,AmazonEC2,Compute Instance,us-east-1a,us-east-1,m5.large,Hrs,"{i-aaa,i-bbb}",2,2.304000000,"{""app"": ""web""}","{""team"": ""platform""}",22222222-2222-2222-2222-222222222222
a2,11,2025-10-01,2025-10-01,111111111111,AmazonEC2,,,,,,"{""""}",1,0.520000000,{},{},22222222-2222-2222-2222-222222222222
a3,12,2025-10-01,2025-10-01,111111111111,AmazonEC2,Compute Instance,us-east-1a,us-east-1,m5.large,Hrs,"{i-aaa,i-bbb}",2,2.304000000,"{""app"": ""web""}","{""team"": ""platform""}",22222222-2222-2222-2222-222222222222
"#;

#[test]
fn an_aws_work_dir_is_compared_by_the_aws_definition() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w");
    aws_workdir(&w);
    let csv = dir.path().join("koku.csv");
    std::fs::write(&csv, AWS_KOKU_CSV).unwrap();
    let json = |extra: &[&str]| -> (i32, serde_json::Value) {
        let out = cmp()
            .arg(&w)
            .arg("--csv")
            .arg(&csv)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let r = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code().unwrap(), r)
    };
    // the run's bill (11, from run.json) restricts both sides: the other bill's copy of D1a is left out
    let (code, r) = json(&[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["table"], "reporting_awscostentrylineitem_daily_summary");
    assert_eq!(r["counts"]["row"]["matched"], 2);
    assert_eq!(r["theirs"]["out_of_scope"], 1);
    assert_eq!(r["scope"]["period_id"], 11);
    // our file has every column of the dataset; the ones koku's export lacks are not compared
    assert_eq!(r["only_in_theirs"], serde_json::json!([]));
    let only_ours = r["only_in_ours"].as_array().unwrap();
    assert!(
        only_ours.contains(&serde_json::json!("markup_cost")),
        "{only_ours:?}"
    );
    assert!(
        !only_ours.contains(&serde_json::json!("usage_end")),
        "{only_ours:?}"
    );
    let compared = r["compared_columns"].as_array().unwrap();
    assert!(
        compared.contains(&serde_json::json!("resource_count")),
        "{compared:?}"
    );
    // --bill-id overrides it: none of our rows, koku's copy of D1a is missing
    let (code, r) = json(&["--bill-id", "12"]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["ours"]["out_of_scope"], 2);
    assert_eq!(r["total"]["missing"], 1);
    assert_eq!(
        r["missing"][0]["key"]["resource_ids"],
        serde_json::json!(["i-aaa", "i-bbb"])
    );
    // a tampered file is refused
    let file = w.join("reporting_awscostentrylineitem_daily_summary.arrow");
    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    cmp()
        .arg(&w)
        .arg("--csv")
        .arg(&csv)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "reporting_awscostentrylineitem_daily_summary.arrow: corrupt or modified",
        ));
}
