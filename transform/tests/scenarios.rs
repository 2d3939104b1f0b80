//! The nise scenarios of `testdata/ocp-only/NN-*` (spec `ocp-daily-summary.md` §10, manifests in
//! `scripts/fixtures/manifests/ocp-only/`) and `testdata/ocp-multiday`, run through the real binaries:
//! `koku-extract ocp` (offline: every PostgreSQL input from the flag files next to the dataset, see
//! its `inputs.json`) and `koku-transform ocp`, one koku run per month. The summary rows are snapshotted
//! (`snapshots/scenarios__*.snap`, one JSON object per row with every non-NULL column) and the rows each
//! scenario is about are asserted against values computed by hand from the manifest and spec §4 (the
//! arithmetic is in the comments; `GiB` = 2^30 bytes, a day = 24 hourly rows of 3600 s, October has 31
//! days). At the end: small unit tests for rules no scenario or worked-example test pins down.
//!
//! Which test fails when a rule of spec §4 is deleted (W = `worked_example.rs`, S = this file's
//! scenario tests, U = this file's unit tests, L = unit tests in `src/labels.rs` / `src/like.rs`):
//!
//! | §    | Rule | Guarded by |
//! | ---- | ---- | ---------- |
//! | 4.1  | parse label JSON (Python `json.dumps` text, `\u` escapes) | L `parse_python_json_dumps_text`, S `s13` (`café`) |
//! | 4.1  | filter by enabled keys `K` | W `pod_rows_match_spec_11` (`team`), S `s02` (`tier`), `s19`, `s12` (`node_role_kubernetes_io`) |
//! | 4.1  | `vm_kubevirt_io_name` always in `K` | W `vm_key_is_always_enabled_when_any_key_is`, S `s19`, `multiday` |
//! | 4.1  | zero enabled keys ⇒ every map `{}` (Trino NULL array) | W `no_enabled_keys_empties_every_map_even_the_vm_key`, L |
//! | 4.1  | node/namespace label sets: distinct filtered maps, k > 1 duplicates rows | W `second_node_label_map_duplicates_rows`, S `s12` (`relabelled`) |
//! | 4.1  | raw maps that filter to the same map collapse to one | U `label_maps_equal_after_filtering_do_not_duplicate_rows` |
//! | 4.1  | missing node/namespace labels ⇒ `{}` | W (S2), S `s14`, `s20` |
//! | 4.1  | NULL pod label text ⇒ NULL merged map | W `null_pod_labels_make_the_merged_map_null` |
//! | 4.4  | precedence node < namespace < pod | W (P1, P2), S `s12`, `s03` (namespace `team`) |
//! | 4.5  | precedence node < namespace < PV < PVC, no pod labels | W (S1), S `s12`, `s16`, `s02` |
//! | 4.2  | capacity: max per (interval, node), Σ over the node's intervals | W (node-a, node-b), S `s03` (4 pods, one node), `s18` (pod_seconds 1) |
//! | 4.2  | cluster capacity = Σ over every hourly node group (also `''`, nodes without daily rows) | U `cluster_capacity_counts_every_hourly_node_group`, S `s04`, `s05` |
//! | 4.2  | no hourly rows ⇒ node capacity hours NULL | W `node_without_hourly_rows_has_null_capacity` |
//! | 4.3  | LIKE categories, defaults and user patterns, no match ⇒ NULL | S `s06`, `s10`, `s05`, `s17`; L `like.rs`; W `user_category_with_underscore_wildcard_matches_web` |
//! | 4.3  | m ≥ 2 matches multiply sums, max id | W `overlapping_categories_multiply_sums_and_unallocated_rows` |
//! | 4.4  | rows with node `''`/NULL dropped | W `pod_rows_match_spec_11` (D4) |
//! | 4.4  | group key (day, namespace, node, labels) | W (P1/P2), S `s03`, `s14` (same map ⇒ summed), `s12` |
//! | 4.4  | `resource_id` = max | U `resource_id_is_the_max_of_the_group`, S (every Pod row) |
//! | 4.4  | Σ/3600, Σ/3600·2^-30 | S every scenario, W |
//! | 4.4  | effective = Σ per-row value, fallback `greatest(usage, request)` | S `s15`, `s18`; W (D2) |
//! | 4.4  | `node_capacity_cpu_cores` max, memory GiB = max·2^-30 | S `s04`, W |
//! | 4.5  | volume → node via pod rows (namespace, pod, day) | S `s02`, `s08`, W (S1) |
//! | 4.5  | node count = distinct nodes per PV, `''` counted; request/usage ÷ n, capacity not | S `s08`, `multiday` (`assets`), U `empty_pod_node_counts_for_the_shared_volume_node_count`, W |
//! | 4.5  | no pod row ⇒ one copy, node/resource_id NULL, request/usage NULL | S `s20`, W (S2) |
//! | 4.5  | pod not a group key (pods on one node summed, capacity too) | S `s08` (node-1) |
//! | 4.5  | GiB-months use the days of the usage day's month | S `s09` (29, 31), `multiday` (31, 30), `s02` |
//! | 4.5  | csi_volume_handle in the key / output | S `s02`, W (S1) |
//! | 4.6  | run constants, `data_source`, `infrastructure_usage_cost` | S (`run_rows` checks every row), W |
//! | 4.7  | input excludes the 4 unallocated/unattributed namespaces and NULL namespaces | U `unallocated_ignores_excluded_and_null_namespaces` |
//! | 4.7  | role via (node, resource_id); master/infra ⇒ Platform, worker ⇒ Worker, else NULL | S `s07`, `s17`, `s05`; W `node_without_role_gives_null_unallocated_namespace` |
//! | 4.7  | values = max(node capacity hours) − Σ Pod rows, per node and day | S every scenario, `multiday` (per day) |
//! | 4.7  | category by LIKE without aggregation | S `s07`, `s17`; W (overlapping) |
//! | 4.7  | NULL labels/limits/cost, `all_labels` `{}` | S `s16`; W `unallocated_rows_match_spec_11` |
//! | 4.8  | `all_labels` = pod_labels / volume_labels / `{}` | S `s16`, W |

mod support;
use support::{GIB, OCT1_MS, extract_bin, hourly_batch, s};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::DataType;
use assert_cmd::prelude::*;
use koku_transform::core::days::day_of;
use koku_transform::ocp::capacity::CapacityBuilder;
use koku_transform::ocp::cluster_info::{ClusterNode, ExistingNode};
use koku_transform::ocp::inputs::{LabelDaily, PodDaily, StorageDaily};
use koku_transform::ocp::output::SummaryRow;
use koku_transform::ocp::{OcpInputs, compute_ocp};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// One cell of a summary row (non-NULL only).
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Float(f64),
    Int(i64),
    Date(String),
}

/// A summary row: its non-NULL cells, in schema column order.
#[derive(Debug, Clone, PartialEq)]
struct Row(Vec<(String, Cell)>);

impl Row {
    fn get(&self, col: &str) -> Option<&Cell> {
        self.0.iter().find(|(c, _)| c == col).map(|(_, v)| v)
    }

    fn s(&self, col: &str) -> Option<&str> {
        match self.get(col) {
            Some(Cell::Text(t)) | Some(Cell::Date(t)) => Some(t),
            None => None,
            other => panic!("{col} is not text: {other:?}"),
        }
    }

    fn f(&self, col: &str) -> Option<f64> {
        match self.get(col) {
            Some(Cell::Float(x)) => Some(*x),
            None => None,
            other => panic!("{col} is not a double: {other:?}"),
        }
    }

    fn i(&self, col: &str) -> Option<i64> {
        match self.get(col) {
            Some(Cell::Int(x)) => Some(*x),
            None => None,
            other => panic!("{col} is not an integer: {other:?}"),
        }
    }

    /// The row as one JSON object; doubles in Rust's shortest round-trip form (`{}`).
    fn json_line(&self, skip: &[&str]) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .filter(|(c, _)| !skip.contains(&c.as_str()))
            .map(|(c, v)| {
                let v = match v {
                    Cell::Text(t) | Cell::Date(t) => Value::String(t.clone()).to_string(),
                    Cell::Float(x) => format!("{x}"),
                    Cell::Int(x) => x.to_string(),
                };
                format!("{}:{v}", Value::String(c.clone()))
            })
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}

fn rows_of(batch: &RecordBatch) -> Vec<Row> {
    let schema = batch.schema();
    (0..batch.num_rows())
        .map(|i| {
            let mut cells = Vec::new();
            for (f, col) in schema.fields().iter().zip(batch.columns()) {
                if col.is_null(i) {
                    continue;
                }
                let cell = match f.data_type() {
                    DataType::Utf8 => Cell::Text(
                        col.as_any()
                            .downcast_ref::<StringArray>()
                            .unwrap()
                            .value(i)
                            .to_string(),
                    ),
                    DataType::Float64 => Cell::Float(
                        col.as_any()
                            .downcast_ref::<Float64Array>()
                            .unwrap()
                            .value(i),
                    ),
                    DataType::Int32 => Cell::Int(
                        col.as_any().downcast_ref::<Int32Array>().unwrap().value(i) as i64,
                    ),
                    DataType::Date32 => Cell::Date(
                        col.as_any()
                            .downcast_ref::<Date32Array>()
                            .unwrap()
                            .value_as_date(i)
                            .unwrap()
                            .to_string(),
                    ),
                    other => panic!("unexpected column type {other} of {}", f.name()),
                };
                cells.push((f.name().clone(), cell));
            }
            Row(cells)
        })
        .collect()
}

/// The run-constant columns: checked on every row by [`run_rows`], printed once per run.
const RUN_COLUMNS: [&str; 5] = [
    "report_period_id",
    "cluster_id",
    "cluster_alias",
    "source_uuid",
    "usage_end",
];

/// What a dataset's `inputs.json` says (the PostgreSQL inputs as koku-extract flags).
struct Inputs {
    dir: PathBuf,
    json: Value,
}

impl Inputs {
    fn load(dataset: &str) -> Inputs {
        let dir = workspace_root().join("testdata").join(dataset);
        let text = std::fs::read_to_string(dir.join("inputs.json")).unwrap();
        Inputs {
            dir,
            json: serde_json::from_str(&text).unwrap(),
        }
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.json[key].as_str()
    }
}

/// All summary rows of one run (one month), read back from the transform's IPC output.
struct Run {
    header: String,
    rows: Vec<Row>,
}

fn run_month(inputs: &Inputs, run: &Value, work: &Path, node_roles: &Path) -> Run {
    let (year, month) = (
        run["year"].as_i64().unwrap(),
        run["month"].as_i64().unwrap(),
    );
    let rp = run["report_period_id"].as_i64().unwrap();
    let keys: Vec<&str> = inputs.json["enabled_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let mut c = Command::new(extract_bin());
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
    ] {
        c.env_remove(v);
    }
    c.args(["ocp", "--from"])
        .arg(&inputs.dir)
        .args(["--schema", inputs.str("schema").unwrap()])
        .args(["--source", inputs.str("source").unwrap()])
        .args(["--year", &year.to_string(), "--month", &month.to_string()])
        .args(["--cluster-id", inputs.str("cluster_id").unwrap()])
        .args(["--report-period-id", &rp.to_string()])
        .args(["--enabled-keys", &keys.join(",")])
        .arg("--cost-categories")
        .arg(inputs.dir.join(inputs.str("cost_categories").unwrap()))
        .arg("--node-roles")
        .arg(node_roles)
        .arg("--out")
        .arg(work);
    if let Some(alias) = inputs.str("cluster_alias") {
        c.args(["--cluster-alias", alias]);
    }
    c.assert().success();
    Command::new(assert_cmd::cargo::cargo_bin("koku-transform"))
        .arg("ocp")
        .arg(work)
        .assert()
        .success();

    let rows = read_ipc(&work.join("reporting_ocpusagelineitem_daily_summary.arrow"));
    assert!(
        in_memory(work) == rows,
        "the streamed (day by day) transform and compute_ocp on the whole window differ"
    );
    // The transform's own port of koku's nodes query must find the roles derived by hand for
    // node_roles.csv (spec §2.6: API server pod → master, infra label → infra, else worker).
    let mut derived: Vec<String> = read_ipc(&work.join("cluster_nodes.arrow"))
        .iter()
        .map(|r| {
            format!(
                "{},{},{}",
                r.s("node").unwrap_or(""),
                r.s("resource_id").unwrap_or(""),
                r.s("node_role").unwrap_or("")
            )
        })
        .collect();
    derived.sort();
    let declared =
        std::fs::read_to_string(inputs.dir.join(inputs.str("node_roles").unwrap())).unwrap();
    let mut declared: Vec<String> = declared.lines().skip(1).map(str::to_string).collect();
    declared.sort();
    assert_eq!(
        derived, declared,
        "cluster_nodes (koku's nodes query) vs node_roles.csv"
    );
    // Every row carries the run's identity; usage_end = usage_start.
    let alias = inputs.str("cluster_alias");
    for r in &rows {
        assert_eq!(r.i("report_period_id"), Some(rp), "{r:?}");
        assert_eq!(r.s("cluster_id"), inputs.str("cluster_id"), "{r:?}");
        assert_eq!(r.s("cluster_alias"), alias, "{r:?}");
        assert_eq!(r.s("source_uuid"), inputs.str("source"), "{r:?}");
        assert_eq!(r.s("usage_end"), r.s("usage_start"), "{r:?}");
        let kind = r.s("row_kind").unwrap();
        let expected_source = if kind == "storage" { "Storage" } else { "Pod" };
        assert_eq!(r.s("data_source"), Some(expected_source), "{r:?}");
        let day = r.s("usage_start").unwrap();
        assert!(
            day.starts_with(&format!("{year}-{month:02}-")),
            "row outside the run's month: {r:?}"
        );
    }
    let header = format!(
        "# run {year}-{month:02}: every row has report_period_id={rp}, cluster_id={}, cluster_alias={}, source_uuid={}, usage_end=usage_start",
        inputs.str("cluster_id").unwrap(),
        alias.unwrap_or("NULL"),
        inputs.str("source").unwrap()
    );
    Run { header, rows }
}

/// The summary computed in memory, the whole window at once (`compute_ocp`), as opposed to
/// `koku-transform`, which streams the work dir day by day.
fn in_memory(work: &Path) -> Vec<Row> {
    rows_of(&koku_transform::ocp::run::summary_in_memory(work).unwrap())
}

/// Run a dataset (every month of its `inputs.json`), snapshot the rows, return them.
fn read_ipc(path: &Path) -> Vec<Row> {
    let file = std::fs::File::open(path).unwrap();
    let reader = arrow::ipc::reader::FileReader::try_new(file, None).unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        rows.extend(rows_of(&batch.unwrap()));
    }
    rows
}

/// Every month of the dataset's `inputs.json`: the snapshot text and the rows. `empty_node_table`
/// runs it as for a fresh tenant (`reporting_ocp_nodes` empty: the roles come from the transform's
/// port of koku's nodes query alone) instead of with the declared node_roles.csv.
fn run_dataset(dataset: &str, empty_node_table: bool) -> (String, Vec<Row>) {
    let inputs = Inputs::load(dataset);
    let tmp = tempfile::tempdir().unwrap();
    let node_roles = if empty_node_table {
        let p = tmp.path().join("no_nodes.csv");
        std::fs::write(&p, "node,resource_id,node_role\n").unwrap();
        p
    } else {
        inputs.dir.join(inputs.str("node_roles").unwrap())
    };
    let mut text = String::new();
    let mut all = Vec::new();
    for (i, run) in inputs.json["runs"].as_array().unwrap().iter().enumerate() {
        let r = run_month(
            &inputs,
            run,
            &tmp.path().join(format!("wd{i}")),
            &node_roles,
        );
        text.push_str(&r.header);
        text.push('\n');
        for row in &r.rows {
            text.push_str(&row.json_line(&RUN_COLUMNS));
            text.push('\n');
        }
        all.extend(r.rows);
    }
    (text, all)
}

/// Run a dataset with its declared inputs, snapshot the rows, return them.
fn scenario(dataset: &str) -> Vec<Row> {
    let (text, rows) = run_dataset(dataset, false);
    let name = Path::new(dataset).file_name().unwrap().to_str().unwrap();
    insta::assert_snapshot!(name, text);
    rows
}

/// A fresh tenant (no node rows before the run) gets the same summary: koku's node upsert fills in
/// the roles the unallocated rows read.
fn same_without_node_table(dataset: &str) {
    let (declared, _) = run_dataset(dataset, false);
    let (fresh, _) = run_dataset(dataset, true);
    assert_eq!(fresh, declared);
}

/// The one row matching every (column, value) pair; value `None` = NULL.
fn one<'a>(rows: &'a [Row], filter: &[(&str, Option<&str>)]) -> &'a Row {
    let hits: Vec<&Row> = rows
        .iter()
        .filter(|r| filter.iter().all(|(c, v)| r.s(c) == *v))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one row with {filter:?}, got {hits:#?}"
    );
    hits[0]
}

fn count(rows: &[Row], kind: &str) -> usize {
    rows.iter()
        .filter(|r| r.s("row_kind") == Some(kind))
        .count()
}

/// Hand-computed values; relative tolerance 1e-12 (multi-term f64 sums may differ in the last bit).
#[track_caller]
fn check(r: &Row, expected: &[(&str, Option<f64>)]) {
    for (col, want) in expected {
        let got = r.f(col);
        let ok = match (got, want) {
            (Some(g), Some(w)) => (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            (None, None) => true,
            _ => false,
        };
        assert!(ok, "{col}: got {got:?}, hand-computed {want:?}\nrow {r:?}");
    }
}

const CPU3: [&str; 3] = [
    "pod_usage_cpu_core_hours",
    "pod_request_cpu_core_hours",
    "pod_effective_usage_cpu_core_hours",
];
const MEM3: [&str; 3] = [
    "pod_usage_memory_gigabyte_hours",
    "pod_request_memory_gigabyte_hours",
    "pod_effective_usage_memory_gigabyte_hours",
];

/// usage, request, effective, limit (core-hours) and the same in GiB-hours.
#[track_caller]
fn check_pod(r: &Row, cpu: [f64; 4], mem: [f64; 4]) {
    check(
        r,
        &[
            (CPU3[0], Some(cpu[0])),
            (CPU3[1], Some(cpu[1])),
            (CPU3[2], Some(cpu[2])),
            ("pod_limit_cpu_core_hours", Some(cpu[3])),
            (MEM3[0], Some(mem[0])),
            (MEM3[1], Some(mem[1])),
            (MEM3[2], Some(mem[2])),
            ("pod_limit_memory_gigabyte_hours", Some(mem[3])),
        ],
    );
}

/// Unallocated usage, request, effective: cpu core-hours, memory GiB-hours.
#[track_caller]
fn check_unalloc(r: &Row, cpu: [f64; 3], mem: [f64; 3]) {
    let mut e: Vec<(&str, Option<f64>)> = Vec::new();
    for i in 0..3 {
        e.push((CPU3[i], Some(cpu[i])));
        e.push((MEM3[i], Some(mem[i])));
    }
    e.push(("pod_limit_cpu_core_hours", None));
    e.push(("pod_limit_memory_gigabyte_hours", None));
    check(r, &e);
    assert_eq!(r.s("pod_labels"), None);
    assert_eq!(r.s("volume_labels"), None);
    assert_eq!(r.s("all_labels"), Some("{}"));
    assert_eq!(r.s("infrastructure_usage_cost"), None);
}

/// node_capacity_cpu_cores, _cpu_core_hours, _memory_gigabytes, _memory_gigabyte_hours.
#[track_caller]
fn check_node(r: &Row, cores: f64, core_h: f64, gib: f64, gib_h: f64) {
    check(
        r,
        &[
            ("node_capacity_cpu_cores", Some(cores)),
            ("node_capacity_cpu_core_hours", Some(core_h)),
            ("node_capacity_memory_gigabytes", Some(gib)),
            ("node_capacity_memory_gigabyte_hours", Some(gib_h)),
        ],
    );
}

#[track_caller]
fn check_cluster(r: &Row, core_h: f64, gib_h: f64) {
    check(
        r,
        &[
            ("cluster_capacity_cpu_core_hours", Some(core_h)),
            ("cluster_capacity_memory_gigabyte_hours", Some(gib_h)),
        ],
    );
}

/// capacity GiB, capacity / request / usage GiB-months (request/usage `None` = NULL).
#[track_caller]
fn check_storage(r: &Row, gib: f64, cap_m: f64, req_m: Option<f64>, use_m: Option<f64>) {
    check(
        r,
        &[
            ("persistentvolumeclaim_capacity_gigabyte", Some(gib)),
            (
                "persistentvolumeclaim_capacity_gigabyte_months",
                Some(cap_m),
            ),
            ("volume_request_storage_gigabyte_months", req_m),
            ("persistentvolumeclaim_usage_gigabyte_months", use_m),
        ],
    );
    // Storage rows carry no pod measures and no pod labels; all_labels = volume_labels.
    for col in CPU3.iter().chain(MEM3.iter()) {
        assert_eq!(r.f(col), None, "{col} on a Storage row");
    }
    assert_eq!(r.f("node_capacity_cpu_core_hours"), None);
    assert_eq!(r.s("pod_labels"), None);
    assert_eq!(r.s("all_labels"), r.s("volume_labels"));
}

const POD: (&str, Option<&str>) = ("row_kind", Some("pod"));
const STORAGE: (&str, Option<&str>) = ("row_kind", Some("storage"));
const UNALLOC: (&str, Option<&str>) = ("row_kind", Some("unallocated"));
const OCT1: (&str, Option<&str>) = ("usage_start", Some("2025-10-01"));

fn ns(n: &str) -> (&str, Option<&str>) {
    ("namespace", Some(n))
}
fn node(n: &str) -> (&str, Option<&str>) {
    ("node", Some(n))
}

// ---------------------------------------------------------------------------------------------
// The 20 OCP-only scenarios
// ---------------------------------------------------------------------------------------------

#[test]
fn s01_basic_pod() {
    let rows = scenario("ocp-only/01-basic-pod");
    assert_eq!(rows.len(), 2, "one Pod row, one unallocated row");
    let p = one(&rows, &[POD, OCT1, ns("basic")]);
    assert_eq!(p.s("node"), Some("node-01"));
    assert_eq!(p.s("resource_id"), Some("i-node01"), "nise prepends i-");
    assert_eq!(
        p.s("pod_labels"),
        Some(r#"{"app":"basic","tier":"backend"}"#)
    );
    assert_eq!(p.s("all_labels"), p.s("pod_labels"));
    assert_eq!(p.i("cost_category_id"), None);
    // cpu: 0.3 core × 3600 s × 24 h / 3600 = 7.2 core-h; request 0.5 × 24 = 12;
    //      effective Σ_h max(0.3, 0.5) = 12; limit 1 × 24 = 24.
    // mem: 0.8 GiB × 24 = 19.2 GiB-h; request 1 × 24 = 24; effective 24; limit 2 × 24 = 48.
    check_pod(p, [7.2, 12.0, 12.0, 24.0], [19.2, 24.0, 24.0, 48.0]);
    // node: 4 cores × 3600 × 24 / 3600 = 96 core-h; 16 GiB × 24 = 384 GiB-h; one node = the cluster.
    check_node(p, 4.0, 96.0, 16.0, 384.0);
    check_cluster(p, 96.0, 384.0);
    let u = one(&rows, &[UNALLOC, ns("Worker unallocated")]);
    assert_eq!(u.s("node"), Some("node-01"));
    assert_eq!(u.i("cost_category_id"), None);
    // 96 − 7.2 = 88.8, 96 − 12 = 84, 96 − 12 = 84; 384 − 19.2 = 364.8, 384 − 24 = 360, 360.
    check_unalloc(u, [88.8, 84.0, 84.0], [364.8, 360.0, 360.0]);
    check_node(u, 4.0, 96.0, 16.0, 384.0);
}

#[test]
fn s02_storage_volume() {
    let rows = scenario("ocp-only/02-storage-volume");
    assert_eq!((count(&rows, "pod"), count(&rows, "storage")), (1, 1));
    let s = one(&rows, &[STORAGE, ns("storage-app")]);
    assert_eq!(
        (s.s("node"), s.s("resource_id")),
        (Some("node-02"), Some("i-node02")),
        "node from the pod db-0 that mounts the claim"
    );
    assert_eq!(s.s("persistentvolumeclaim"), Some("data-db-0"));
    assert_eq!(s.s("persistentvolume"), Some("pv-data-0"));
    assert_eq!(s.s("storageclass"), Some("gp3-csi"));
    assert_eq!(s.s("csi_volume_handle"), Some("vol-data-0"));
    // namespace {team} ⊕ PV {app: db-volume, tier (disabled)} ⊕ PVC {backup}.
    assert_eq!(
        s.s("volume_labels"),
        Some(r#"{"app":"db-volume","backup":"daily","team":"storage-team"}"#)
    );
    // capacity 100 GiB; byte-seconds per day 100 GiB × 3600 × 24; months = / (86400 × 31) = 100/31.
    // request: PV request 100 GiB → 100/31; usage 50 GiB → 50/31; node count 1.
    check_storage(
        s,
        100.0,
        100.0 / 31.0,
        Some(100.0 / 31.0),
        Some(50.0 / 31.0),
    );
    let p = one(&rows, &[POD, ns("storage-app")]);
    assert_eq!(
        p.s("pod_labels"),
        Some(r#"{"app":"db","team":"storage-team"}"#)
    );
    // 0.25 × 24 = 6, 0.5 × 24 = 12, 12, 1 × 24 = 24; 0.5 × 24 = 12, 24, 24, 48.
    check_pod(p, [6.0, 12.0, 12.0, 24.0], [12.0, 24.0, 24.0, 48.0]);
    let u = one(&rows, &[UNALLOC]);
    check_unalloc(u, [90.0, 84.0, 84.0], [372.0, 360.0, 360.0]);
}

#[test]
fn s03_multi_namespace() {
    let rows = scenario("ocp-only/03-multi-namespace");
    assert_eq!(
        count(&rows, "pod"),
        3,
        "web-1 and web-2 share labels → one row"
    );
    let fe = one(&rows, &[POD, ns("frontend")]);
    assert_eq!(
        fe.s("pod_labels"),
        Some(r#"{"app":"web","team":"web","tier":"frontend"}"#)
    );
    // web-1 + web-2: cpu (0.5 + 0.25) × 24 = 18; request (1 + 0.5) × 24 = 36;
    // effective (max(0.5,1) + max(0.25,0.5)) × 24 = 36; limit (2 + 1) × 24 = 72.
    // mem (1 + 0.5) × 24 = 36; (2 + 1) × 24 = 72; 72; (4 + 2) × 24 = 144.
    check_pod(fe, [18.0, 36.0, 36.0, 72.0], [36.0, 72.0, 72.0, 144.0]);
    let be = one(&rows, &[POD, ns("backend")]);
    assert_eq!(
        be.s("pod_labels"),
        Some(r#"{"app":"api","team":"api","tier":"backend"}"#)
    );
    // 1.5 × 24 = 36, 1 × 24 = 24, max(1.5, 1) × 24 = 36, 2 × 24 = 48; 3 × 24 = 72, 48, 72, 96.
    check_pod(be, [36.0, 24.0, 36.0, 48.0], [72.0, 48.0, 72.0, 96.0]);
    let db = one(&rows, &[POD, ns("database")]);
    assert_eq!(
        db.s("pod_labels"),
        Some(r#"{"app":"postgres","tier":"database"}"#)
    );
    check_pod(db, [24.0, 48.0, 48.0, 96.0], [96.0, 192.0, 192.0, 384.0]);
    for p in [fe, be, db] {
        // 8 cores × 24 = 192 core-h, 32 GiB × 24 = 768 GiB-h — the max per interval over 4 pods, not 4×.
        check_node(p, 8.0, 192.0, 32.0, 768.0);
        check_cluster(p, 192.0, 768.0);
    }
    let u = one(&rows, &[UNALLOC, ns("Worker unallocated")]);
    // 192 − (18 + 36 + 24) = 114; 192 − (36 + 24 + 48) = 84; 192 − (36 + 36 + 48) = 72;
    // 768 − (36 + 72 + 96) = 564; 768 − (72 + 48 + 192) = 456; 768 − (72 + 72 + 192) = 432.
    check_unalloc(u, [114.0, 84.0, 72.0], [564.0, 456.0, 432.0]);
}

#[test]
fn s04_multi_node() {
    let rows = scenario("ocp-only/04-multi-node");
    assert_eq!(rows.len(), 6);
    // cluster: (4 + 8 + 4) × 24 = 384 core-h, (16 + 32 + 16) × 24 = 1536 GiB-h.
    for (n, ns_, cores, gib, cpu, mem, ucpu, umem) in [
        // one-1: 0.5/1/1/2 core; 1/2/2/4 GiB; unallocated 96−12, 96−24, 96−24; 384−24, 384−48, 384−48.
        (
            "worker-1",
            "app-one",
            4.0,
            16.0,
            [12.0, 24.0, 24.0, 48.0],
            [24.0, 48.0, 48.0, 96.0],
            [84.0, 72.0, 72.0],
            [360.0, 336.0, 336.0],
        ),
        // two-1: 1/2/2/4 core; 2/4/4/8 GiB; 192−24, 192−48; 768−48, 768−96.
        (
            "worker-2",
            "app-two",
            8.0,
            32.0,
            [24.0, 48.0, 48.0, 96.0],
            [48.0, 96.0, 96.0, 192.0],
            [168.0, 144.0, 144.0],
            [720.0, 672.0, 672.0],
        ),
        // three-1: 0.25/1/1/2 core; 0.5/1/1/2 GiB; 96−6, 96−24; 384−12, 384−24.
        (
            "infra-1",
            "app-three",
            4.0,
            16.0,
            [6.0, 24.0, 24.0, 48.0],
            [12.0, 24.0, 24.0, 48.0],
            [90.0, 72.0, 72.0],
            [372.0, 360.0, 360.0],
        ),
    ] {
        let p = one(&rows, &[POD, ns(ns_)]);
        assert_eq!(p.s("node"), Some(n));
        check_pod(p, cpu, mem);
        check_node(p, cores, cores * 24.0, gib, gib * 24.0);
        check_cluster(p, 384.0, 1536.0);
        // infra-1 is "infra" by name only: koku's nodes query makes it a worker.
        let u = one(&rows, &[UNALLOC, node(n)]);
        assert_eq!(u.s("namespace"), Some("Worker unallocated"));
        check_unalloc(u, ucpu, umem);
        check_node(u, cores, cores * 24.0, gib, gib * 24.0);
    }
}

#[test]
fn s05_cluster_capacity() {
    let rows = scenario("ocp-only/05-cluster-capacity");
    assert!(
        rows.iter().all(|r| r.s("node") != Some("idle-0")),
        "a node without pods has no row"
    );
    assert_eq!((count(&rows, "pod"), count(&rows, "unallocated")), (3, 3));
    for r in rows.iter() {
        // (4 + 8 + 8) cores × 24 = 480 core-h; (16 + 32 + 32) GiB × 24 = 1920 GiB-h; idle-0 adds nothing
        // (capacity comes from the hourly pod rows only).
        check_cluster(r, 480.0, 1920.0);
    }
    let api = one(&rows, &[POD, ns("openshift-kube-apiserver")]);
    assert_eq!(api.i("cost_category_id"), Some(1), "openshift-% default");
    let m = one(&rows, &[UNALLOC, node("master-0")]);
    assert_eq!(m.s("namespace"), Some("Platform unallocated"));
    assert_eq!(m.i("cost_category_id"), Some(1));
    // 96 − 0.5×24 = 84, 96 − 1×24 = 72, 72; 384 − 1×24 = 360, 384 − 2×24 = 336, 336.
    check_unalloc(m, [84.0, 72.0, 72.0], [360.0, 336.0, 336.0]);
    for w in ["worker-1", "worker-2"] {
        let u = one(&rows, &[UNALLOC, node(w)]);
        assert_eq!(u.s("namespace"), Some("Worker unallocated"));
        assert_eq!(u.i("cost_category_id"), None);
        // 192 − 1×24 = 168, 192 − 2×24 = 144, 144; 768 − 2×24 = 720, 768 − 4×24 = 672, 672.
        check_unalloc(u, [168.0, 144.0, 144.0], [720.0, 672.0, 672.0]);
        check_node(u, 8.0, 192.0, 32.0, 768.0);
    }
}

#[test]
fn s06_cost_category() {
    let rows = scenario("ocp-only/06-cost-category");
    for (n, cat) in [
        ("platform-monitoring", Some(2)),
        ("platform-logging", Some(2)),
        ("platform", None), // `platform-%` needs the dash
        ("unassigned-namespace", None),
        ("kube-system", Some(1)), // default `kube-%`
    ] {
        assert_eq!(one(&rows, &[POD, ns(n)]).i("cost_category_id"), cat, "{n}");
    }
    let prom = one(&rows, &[POD, ns("platform-monitoring")]);
    check_pod(prom, [12.0, 24.0, 24.0, 48.0], [24.0, 48.0, 48.0, 96.0]);
    let u = one(&rows, &[UNALLOC, ns("Worker unallocated")]);
    assert_eq!(u.i("cost_category_id"), None);
    // cpu usage Σ (0.5 + 0.25 + 0.5 + 0.25 + 0.125) × 24 = 39 → 192 − 39 = 153;
    // request (1 + 0.5 + 0.5 + 0.25 + 0.25) × 24 = 60 → 132; effective = request for every pod → 132;
    // mem usage (1 + 0.5 + 1 + 0.5 + 0.25) × 24 = 78 → 768 − 78 = 690; request 5 × 24 = 120 → 648.
    check_unalloc(u, [153.0, 132.0, 132.0], [690.0, 648.0, 648.0]);
}

#[test]
fn s07_unallocated_capacity() {
    let rows = scenario("ocp-only/07-unallocated-capacity");
    assert_eq!(rows.len(), 4);
    let api = one(&rows, &[POD, ns("openshift-kube-apiserver")]);
    // cpu 1.5 × 24 = 36, 1 × 24 = 24, max(1.5, 1) × 24 = 36, 2 × 24 = 48;
    // mem 3 × 24 = 72, 4 × 24 = 96, max(3, 4) × 24 = 96, 8 × 24 = 192.
    check_pod(api, [36.0, 24.0, 36.0, 48.0], [72.0, 96.0, 96.0, 192.0]);
    let web = one(&rows, &[POD, ns("shop")]);
    // cpu 1 × 24 = 24, 2 × 24 = 48, 48, 96; mem 6 × 24 = 144, 4 × 24 = 96, max(6, 4) × 24 = 144, 192.
    check_pod(web, [24.0, 48.0, 48.0, 96.0], [144.0, 96.0, 144.0, 192.0]);
    for r in &rows {
        // (4 + 8) × 24 = 288 core-h, (16 + 32) × 24 = 1152 GiB-h.
        check_cluster(r, 288.0, 1152.0);
    }
    // master-0 is a master (API server pod) → Platform unallocated, category 1 (default pattern).
    let pu = one(&rows, &[UNALLOC, ns("Platform unallocated")]);
    assert_eq!(
        (pu.s("node"), pu.s("resource_id")),
        (Some("master-0"), Some("i-master0"))
    );
    assert_eq!(pu.i("cost_category_id"), Some(1));
    // 96 − 36 = 60, 96 − 24 = 72, 96 − 36 = 60; 384 − 72 = 312, 384 − 96 = 288, 384 − 96 = 288.
    check_unalloc(pu, [60.0, 72.0, 60.0], [312.0, 288.0, 288.0]);
    let wu = one(&rows, &[UNALLOC, ns("Worker unallocated")]);
    assert_eq!(wu.s("node"), Some("worker-0"));
    assert_eq!(wu.i("cost_category_id"), None);
    // 192 − 24 = 168, 192 − 48 = 144, 144; 768 − 144 = 624, 768 − 96 = 672, 768 − 144 = 624.
    check_unalloc(wu, [168.0, 144.0, 144.0], [624.0, 672.0, 624.0]);
}

#[test]
fn s07_unallocated_capacity_fresh_tenant() {
    same_without_node_table("ocp-only/07-unallocated-capacity");
}

#[test]
fn s08_shared_pv_nodes() {
    let rows = scenario("ocp-only/08-shared-pv-nodes");
    assert_eq!(
        count(&rows, "storage"),
        2,
        "one Storage row per node; app-a and app-a2 share node-1's"
    );
    // pv-shared is mounted from 2 distinct nodes that day → request and usage ÷ 2.
    // node-1 (app-a + app-a2, summed: the pod is not a group key):
    //   capacity months 2 × 50 GiB × 86400 / (86400 × 31) = 100/31 (not divided, summed over 2 pods);
    //   request 2 × 50 / 2 / 31 = 50/31; usage 2 × 20 / 2 / 31 = 20/31; capacity GiB max = 50.
    let s1 = one(&rows, &[STORAGE, node("node-1")]);
    assert_eq!(s1.s("resource_id"), Some("i-node1"));
    check_storage(s1, 50.0, 100.0 / 31.0, Some(50.0 / 31.0), Some(20.0 / 31.0));
    // node-2 (app-b): capacity 50/31; request 50 / 2 / 31 = 25/31; usage 20 / 2 / 31 = 10/31.
    let s2 = one(&rows, &[STORAGE, node("node-2")]);
    check_storage(s2, 50.0, 50.0 / 31.0, Some(25.0 / 31.0), Some(10.0 / 31.0));
    for s in [s1, s2] {
        assert_eq!(s.s("namespace"), Some("shared"));
        assert_eq!(s.s("persistentvolumeclaim"), Some("shared-claim"));
        assert_eq!(s.s("persistentvolume"), Some("pv-shared"));
        assert_eq!(s.s("csi_volume_handle"), Some("vol-shared-0001"));
        assert_eq!(s.s("volume_labels"), Some(r#"{"app":"shared-data"}"#));
    }
    // Pod rows: node-1 = app-a + app-a2 (0.25 + 0.25) × 24 = 12 ...; node-2 = app-b.
    check_pod(
        one(&rows, &[POD, node("node-1")]),
        [12.0, 24.0, 24.0, 48.0],
        [24.0, 48.0, 48.0, 96.0],
    );
    check_pod(
        one(&rows, &[POD, node("node-2")]),
        [6.0, 12.0, 12.0, 24.0],
        [12.0, 24.0, 24.0, 48.0],
    );
    check_unalloc(
        one(&rows, &[UNALLOC, node("node-1")]),
        [84.0, 72.0, 72.0],
        [360.0, 336.0, 336.0],
    );
}

#[test]
fn s09_days_in_month() {
    let rows = scenario("ocp-only/09-days-in-month");
    // 100 GiB claim, 100 GiB PV request, 50 GiB used; a day's byte-seconds / (86400 × N) × 2^-30.
    // 2028-02-29: N = 29 (leap year) → 100/29, 100/29, 50/29.
    let feb = one(&rows, &[STORAGE, ("usage_start", Some("2028-02-29"))]);
    check_storage(
        feb,
        100.0,
        100.0 / 29.0,
        Some(100.0 / 29.0),
        Some(50.0 / 29.0),
    );
    // 2028-03-01: N = 31 → 100/31, 100/31, 50/31.
    let mar = one(&rows, &[STORAGE, ("usage_start", Some("2028-03-01"))]);
    check_storage(
        mar,
        100.0,
        100.0 / 31.0,
        Some(100.0 / 31.0),
        Some(50.0 / 31.0),
    );
    assert_eq!(rows.len(), 6, "per day: Pod, Storage, unallocated");
}

#[test]
fn s10_storage_cost_category() {
    let rows = scenario("ocp-only/10-storage-cost-category");
    // capacity = PV request; usage half: 20/31, 20/31, 10/31; 50/31, 50/31, 25/31; 10/31, 10/31, 5/31.
    for (n, cat, gib, used) in [
        ("openshift-storage", Some(1), 20.0, 10.0),
        ("platform-storage", Some(2), 50.0, 25.0),
        ("standalone-app", None, 10.0, 5.0),
    ] {
        let s = one(&rows, &[STORAGE, ns(n)]);
        assert_eq!(s.i("cost_category_id"), cat, "{n} storage");
        assert_eq!(s.s("node"), Some("node-10"));
        check_storage(s, gib, gib / 31.0, Some(gib / 31.0), Some(used / 31.0));
        assert_eq!(
            one(&rows, &[POD, ns(n)]).i("cost_category_id"),
            cat,
            "{n} pod"
        );
    }
    assert_eq!(
        one(&rows, &[UNALLOC, ns("Worker unallocated")]).i("cost_category_id"),
        None
    );
}

#[test]
fn s11_pvc_capacity_gb() {
    let rows = scenario("ocp-only/11-pvc-capacity-gb");
    // capacity GiB = claim capacity; request months = PV request / 31 (1200 for the large PV).
    for (pvc, gib, request, used, label) in [
        ("small-claim", 10.0, 10.0, 5.0, r#"{"size":"small"}"#),
        ("medium-claim", 100.0, 100.0, 50.0, r#"{"size":"medium"}"#),
        ("large-claim", 1000.0, 1200.0, 500.0, r#"{"size":"large"}"#),
    ] {
        let s = one(&rows, &[STORAGE, ("persistentvolumeclaim", Some(pvc))]);
        check_storage(s, gib, gib / 31.0, Some(request / 31.0), Some(used / 31.0));
        assert_eq!(s.s("volume_labels"), Some(label));
        assert_eq!(s.s("node"), Some("node-11"));
    }
}

#[test]
fn s12_label_precedence() {
    let rows = scenario("ocp-only/12-label-precedence");
    let pod_labels = |n: &str, app: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| {
                r.s("row_kind") == Some("pod")
                    && r.s("namespace") == Some(n)
                    && r.s("pod_labels")
                        .unwrap()
                        .contains(&format!(r#""app":"{app}""#))
            })
            .map(|r| r.s("pod_labels").unwrap().to_string())
            .collect()
    };
    // node {env: node-level, zone: zone-a} < namespace {env: ns-level, team: ns-team} < pod.
    assert_eq!(
        pod_labels("labelled", "a"),
        [r#"{"app":"a","env":"pod-level","team":"ns-team","zone":"zone-a"}"#]
    );
    assert_eq!(
        pod_labels("labelled", "b"),
        [r#"{"app":"b","env":"ns-level","team":"ns-team","zone":"zone-a"}"#]
    );
    assert_eq!(
        pod_labels("plain", "c"),
        [r#"{"app":"c","env":"node-level","zone":"zone-a"}"#]
    );
    // Storage: node < namespace < PV < PVC; the pod's labels (app a/b/c) are not used.
    let vl = |pvc: &str| {
        one(&rows, &[STORAGE, ("persistentvolumeclaim", Some(pvc))])
            .s("volume_labels")
            .unwrap()
            .to_string()
    };
    assert_eq!(
        vl("claim-a"),
        r#"{"app":"pv-app","env":"pvc-level","team":"ns-team","zone":"zone-a"}"#
    );
    assert_eq!(
        vl("claim-b"),
        r#"{"env":"pv-level","team":"ns-team","zone":"zone-a"}"#
    );
    assert_eq!(vl("claim-c"), r#"{"env":"node-level","zone":"zone-a"}"#);
    // Two namespace maps for `relabelled` that day → pod-d's row twice, full values in each:
    // 0.25 × 24 = 6, 0.5 × 24 = 12, 12, 24; 0.5 × 24 = 12, 24, 24, 48.
    let d_rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r.s("row_kind") == Some("pod") && r.s("namespace") == Some("relabelled"))
        .collect();
    let labels: Vec<&str> = d_rows.iter().map(|r| r.s("pod_labels").unwrap()).collect();
    assert_eq!(
        labels,
        [
            r#"{"app":"d","team":"alpha"}"#,
            r#"{"app":"d","team":"beta"}"#
        ]
    );
    for r in d_rows {
        check_pod(r, [6.0, 12.0, 12.0, 24.0], [12.0, 24.0, 24.0, 48.0]);
        // node-12b: 2 cores × 24 = 48 core-h, 8 GiB × 24 = 192 GiB-h; cluster (4 + 2) × 24 = 144, 576.
        check_node(r, 2.0, 48.0, 8.0, 192.0);
        check_cluster(r, 144.0, 576.0);
    }
    // Both copies count in node-12b's unallocated row: 48 − 2×6 = 36, 48 − 2×12 = 24, 24;
    // 192 − 2×12 = 168, 192 − 2×24 = 144, 144.
    check_unalloc(
        one(&rows, &[UNALLOC, node("node-12b")]),
        [36.0, 24.0, 24.0],
        [168.0, 144.0, 144.0],
    );
    // node-12: pods a, b, c: 96 − 3×6 = 78, 96 − 3×12 = 60, 60; 384 − 3×12 = 348, 384 − 3×24 = 312.
    check_unalloc(
        one(&rows, &[UNALLOC, node("node-12")]),
        [78.0, 60.0, 60.0],
        [348.0, 312.0, 312.0],
    );
}

#[test]
fn s13_labels_special_chars() {
    let rows = scenario("ocp-only/13-labels-special-chars");
    let p = one(&rows, &[POD, ns("special")]);
    // Keys sorted, compact; `é` raw (the daily file has it as \u00e9); `label_my_label_key` → `my_key`.
    assert_eq!(
        p.s("pod_labels"),
        Some(
            r#"{"app":"my-app","build":"1.0+build.5","city":"café","my_key":"x","under_score":"a_b","version":"v1.2.3"}"#
        )
    );
    assert_eq!(p.s("all_labels"), p.s("pod_labels"));
}

#[test]
fn s14_empty_labels() {
    let rows = scenario("ocp-only/14-empty-labels");
    assert_eq!(count(&rows, "pod"), 2);
    let empty = one(&rows, &[POD, ("pod_labels", Some("{}"))]);
    assert_eq!(empty.s("all_labels"), Some("{}"));
    // pod-none + pod-disabled (its only label is not enabled): cpu (0.25 + 0.125) × 24 = 9,
    // (0.5 + 0.25) × 24 = 18, 18, (1 + 0.5) × 24 = 36; mem (0.5 + 0.25) × 24 = 18, (1 + 0.5) × 24 = 36,
    // 36, (2 + 1) × 24 = 72.
    check_pod(empty, [9.0, 18.0, 18.0, 36.0], [18.0, 36.0, 36.0, 72.0]);
    let one_label = one(&rows, &[POD, ("pod_labels", Some(r#"{"app":"test"}"#))]);
    check_pod(
        one_label,
        [12.0, 24.0, 24.0, 48.0],
        [24.0, 48.0, 48.0, 96.0],
    );
    let s = one(&rows, &[STORAGE]);
    assert_eq!(s.s("volume_labels"), Some("{}"), "empty, not NULL");
    check_storage(s, 10.0, 10.0 / 31.0, Some(10.0 / 31.0), Some(2.0 / 31.0));
    // 96 − (9 + 12) = 75, 96 − (18 + 24) = 54, 54; 384 − (18 + 24) = 342, 384 − (36 + 48) = 300, 300.
    check_unalloc(
        one(&rows, &[UNALLOC]),
        [75.0, 54.0, 54.0],
        [342.0, 300.0, 300.0],
    );
}

#[test]
fn s15_effective_usage() {
    let rows = scenario("ocp-only/15-effective-usage");
    let pod = |app: &str| {
        one(
            &rows,
            &[POD, ("pod_labels", Some(&format!(r#"{{"app":"{app}"}}"#)))],
        )
    };
    // burst: use 1.5 > request 1 → effective 1.5 × 24 = 36; mem 3 > 2 → 72.
    check_pod(
        pod("burst"),
        [36.0, 24.0, 36.0, 48.0],
        [72.0, 48.0, 72.0, 96.0],
    );
    // idle: use 0.5 < request 2 → effective 2 × 24 = 48; mem 1 < 4 → 96.
    check_pod(
        pod("idle"),
        [12.0, 48.0, 48.0, 96.0],
        [24.0, 96.0, 96.0, 192.0],
    );
    // equal: 1 = 1 → 24; mem 2 = 2 → 48.
    check_pod(
        pod("equal"),
        [24.0, 24.0, 24.0, 48.0],
        [48.0, 48.0, 48.0, 96.0],
    );
    // 192 − (36 + 12 + 24) = 120; 192 − (24 + 48 + 24) = 96; 192 − (36 + 48 + 24) = 84;
    // 768 − (72 + 24 + 48) = 624; 768 − (48 + 96 + 48) = 576; 768 − (72 + 96 + 48) = 552.
    check_unalloc(
        one(&rows, &[UNALLOC]),
        [120.0, 96.0, 84.0],
        [624.0, 576.0, 552.0],
    );
}

#[test]
fn s16_all_labels() {
    let rows = scenario("ocp-only/16-all-labels");
    let p = one(&rows, &[POD]);
    // node {env: node-env} < namespace {owner} < pod {app, env: pod-env}.
    assert_eq!(
        p.s("pod_labels"),
        Some(r#"{"app":"web","env":"pod-env","owner":"ns-owner"}"#)
    );
    assert_eq!(p.s("all_labels"), p.s("pod_labels"));
    assert_eq!(p.s("volume_labels"), None);
    let s = one(&rows, &[STORAGE]);
    // node < namespace < PV {env: pv-env, disk} < PVC {env: pvc-env}; no `app` (pod labels unused).
    assert_eq!(
        s.s("volume_labels"),
        Some(r#"{"disk":"ssd","env":"pvc-env","owner":"ns-owner"}"#)
    );
    assert_eq!(s.s("all_labels"), s.s("volume_labels"));
    assert_eq!(s.s("pod_labels"), None);
    check_storage(s, 20.0, 20.0 / 31.0, Some(20.0 / 31.0), Some(10.0 / 31.0));
    let u = one(&rows, &[UNALLOC]);
    assert_eq!(u.s("all_labels"), Some("{}"));
}

#[test]
fn s17_node_roles() {
    let rows = scenario("ocp-only/17-node-roles");
    // (4 + 4 + 8 + 4) × 24 = 480 core-h; (16 + 16 + 32 + 16) × 24 = 1920 GiB-h.
    for r in &rows {
        check_cluster(r, 480.0, 1920.0);
    }
    for (n, namespace, cat, cpu, mem) in [
        // kube-apiserver 0.5/1 core, 1/2 GiB: 96 − 12 = 84, 96 − 24 = 72; 384 − 24 = 360, 384 − 48 = 336.
        (
            "master-0",
            "Platform unallocated",
            Some(1),
            [84.0, 72.0, 72.0],
            [360.0, 336.0, 336.0],
        ),
        // router 0.25/0.5 core, 0.5/1 GiB: 96 − 6 = 90, 96 − 12 = 84; 384 − 12 = 372, 384 − 24 = 360.
        (
            "infra-0",
            "Platform unallocated",
            Some(1),
            [90.0, 84.0, 84.0],
            [372.0, 360.0, 360.0],
        ),
        // app 0.5/1 core, 1/2 GiB on 8 cores: 192 − 12 = 180, 192 − 24 = 168; 768 − 24, 768 − 48.
        (
            "worker-0",
            "Worker unallocated",
            None,
            [180.0, 168.0, 168.0],
            [744.0, 720.0, 720.0],
        ),
        // labelled master, no API server pod → worker.
        (
            "labelled-master-1",
            "Worker unallocated",
            None,
            [90.0, 84.0, 84.0],
            [372.0, 360.0, 360.0],
        ),
    ] {
        let u = one(&rows, &[UNALLOC, node(n)]);
        assert_eq!(u.s("namespace"), Some(namespace), "{n}");
        assert_eq!(u.i("cost_category_id"), cat, "{n}");
        check_unalloc(u, cpu, mem);
    }
    assert_eq!(
        one(&rows, &[POD, ns("openshift-ingress")]).i("cost_category_id"),
        Some(1)
    );
    assert_eq!(one(&rows, &[POD, ns("batch")]).i("cost_category_id"), None);
}

#[test]
fn s17_node_roles_fresh_tenant() {
    same_without_node_table("ocp-only/17-node-roles");
}

#[test]
fn s18_zero_usage() {
    let rows = scenario("ocp-only/18-zero-usage");
    let pod = |app: &str| {
        one(
            &rows,
            &[POD, ("pod_labels", Some(&format!(r#"{{"app":"{app}"}}"#)))],
        )
    };
    // zero-cpu: cpu usage 0.0 (not NULL); request 0.25 × 24 = 6; effective max(0, 0.25) × 24 = 6;
    // limit 24. mem 0.5 × 24 = 12, 24, 24, 48.
    check_pod(
        pod("zero-cpu"),
        [0.0, 6.0, 6.0, 24.0],
        [12.0, 24.0, 24.0, 48.0],
    );
    // zero-mem: cpu 0.25 × 24 = 6, 6, 6, 24; mem usage 0.0, request 1 × 24 = 24, effective 24, 48.
    check_pod(
        pod("zero-mem"),
        [6.0, 6.0, 6.0, 24.0],
        [0.0, 24.0, 24.0, 48.0],
    );
    // idle-all: every usage/request/limit 0.0.
    check_pod(pod("idle-all"), [0.0; 4], [0.0; 4]);
    // tiny: pod_seconds 1 per hour: cpu 0.0005 core × 1 s × 24 / 3600 = 0.012/3600;
    // request 0.001 × 24 / 3600 = 0.024/3600 (also effective); limit 0.01 × 24 / 3600 = 0.24/3600.
    // Memory the same numbers in GiB-hours.
    let t = [
        0.012 / 3600.0,
        0.024 / 3600.0,
        0.024 / 3600.0,
        0.24 / 3600.0,
    ];
    check_pod(pod("tiny"), t, t);
    // Node capacity does not depend on pod_seconds: 4 × 3600 per hourly row → 96 core-h.
    check_node(pod("tiny"), 4.0, 96.0, 16.0, 384.0);
    // unallocated: 96 − (0 + 6 + 0 + 0.012/3600), 96 − (6 + 6 + 0 + 0.024/3600), same;
    // 384 − (12 + 0 + 0 + 0.012/3600), 384 − (24 + 24 + 0 + 0.024/3600), same.
    check_unalloc(
        one(&rows, &[UNALLOC]),
        [
            96.0 - 6.0 - 0.012 / 3600.0,
            96.0 - 12.0 - 0.024 / 3600.0,
            96.0 - 12.0 - 0.024 / 3600.0,
        ],
        [
            384.0 - 12.0 - 0.012 / 3600.0,
            384.0 - 48.0 - 0.024 / 3600.0,
            384.0 - 48.0 - 0.024 / 3600.0,
        ],
    );
}

#[test]
fn s19_vm_pods() {
    let rows = scenario("ocp-only/19-vm-pods");
    assert_eq!(count(&rows, "pod"), 2);
    let vm = one(
        &rows,
        &[
            POD,
            (
                "pod_labels",
                Some(r#"{"app":"vm","vm_kubevirt_io_name":"rhel9-vm"}"#),
            ),
        ],
    );
    // 1 × 24 = 24, 2 × 24 = 48, 48, 4 × 24 = 96; 3 × 24 = 72, 4 × 24 = 96, 96, 8 × 24 = 192.
    check_pod(vm, [24.0, 48.0, 48.0, 96.0], [72.0, 96.0, 96.0, 192.0]);
    one(&rows, &[POD, ("pod_labels", Some(r#"{"app":"web"}"#))]);
    assert_eq!(count(&rows, "storage"), 0, "the VM tables are not read");
}

#[test]
fn s20_storage_no_pod() {
    let rows = scenario("ocp-only/20-storage-no-pod");
    assert_eq!(count(&rows, "storage"), 3);
    let app = one(
        &rows,
        &[STORAGE, ("persistentvolumeclaim", Some("app-claim"))],
    );
    assert_eq!(app.s("node"), Some("node-20"));
    check_storage(app, 20.0, 20.0 / 31.0, Some(20.0 / 31.0), Some(10.0 / 31.0));
    // ghost-0 has no pod row: NULL node/resource_id, no node labels, capacity 10/31, request and
    // usage NULL (no node count).
    let ghost = one(
        &rows,
        &[STORAGE, ("persistentvolumeclaim", Some("ghost-claim"))],
    );
    assert_eq!((ghost.s("node"), ghost.s("resource_id")), (None, None));
    assert_eq!(ghost.s("namespace"), Some("orphans"));
    assert_eq!(
        ghost.s("volume_labels"),
        Some(r#"{"app":"ghost-volume","team":"orphans"}"#)
    );
    check_storage(ghost, 10.0, 10.0 / 31.0, None, None);
    // The claimless PV: namespace, pod and claim '' in the data; capacity = PV request 30 GiB.
    let pv = one(
        &rows,
        &[STORAGE, ("persistentvolume", Some("pv-unclaimed"))],
    );
    assert_eq!(pv.s("namespace"), Some(""));
    assert_eq!(pv.s("persistentvolumeclaim"), Some(""));
    assert_eq!((pv.s("node"), pv.s("resource_id")), (None, None));
    assert_eq!(pv.s("volume_labels"), Some(r#"{"app":"unclaimed"}"#));
    check_storage(pv, 30.0, 30.0 / 31.0, None, None);
    // Storage rows do not feed unallocated: only app-0 (0.25/0.5 core, 0.5/1 GiB) counts.
    check_unalloc(
        one(&rows, &[UNALLOC]),
        [90.0, 84.0, 84.0],
        [372.0, 360.0, 360.0],
    );
}

// ---------------------------------------------------------------------------------------------
// Multi-day, across a month boundary
// ---------------------------------------------------------------------------------------------

#[test]
fn multiday() {
    let rows = scenario("ocp-multiday");
    let days = ["2025-10-30", "2025-10-31", "2025-11-01", "2025-11-02"];
    // Per day: 7 Pod rows, 5 Storage rows (prometheus, db, assets ×2 nodes, VM disk), 4 unallocated.
    assert_eq!(rows.len(), 4 * 16);
    for d in days {
        let of_day: Vec<Row> = rows
            .iter()
            .filter(|r| r.s("usage_start") == Some(d))
            .cloned()
            .collect();
        assert_eq!(
            (
                count(&of_day, "pod"),
                count(&of_day, "storage"),
                count(&of_day, "unallocated")
            ),
            (7, 5, 4),
            "{d}"
        );
        let n = if d.starts_with("2025-10") { 31.0 } else { 30.0 };
        let rp = if n == 31.0 { 10 } else { 11 };
        for r in &of_day {
            assert_eq!(r.i("report_period_id"), Some(rp));
            if r.s("row_kind") != Some("storage") {
                // (4 + 4 + 8 + 8) × 24 = 576 core-h; (16 + 16 + 32 + 32) × 24 = 2304 GiB-h.
                check_cluster(r, 576.0, 2304.0);
            }
        }
        // web-0: cpu per date 0.25 (10-30), 0.5 (10-31, 11-02), 1 (11-01); request 0.5.
        let web_cpu = match d {
            "2025-10-30" => 0.25,
            "2025-11-01" => 1.0,
            _ => 0.5,
        };
        let web0 = one(
            &of_day,
            &[
                POD,
                (
                    "pod_labels",
                    Some(
                        r#"{"app":"web","env":"prod","team":"checkout","tier":"frontend","zone":"zone-a"}"#,
                    ),
                ),
            ],
        );
        // usage web_cpu × 24; request 0.5 × 24 = 12; effective max(web_cpu, 0.5) × 24; limit 24;
        // mem 1.5 × 24 = 36, 1 × 24 = 24, 36, 2 × 24 = 48.
        check_pod(
            web0,
            [web_cpu * 24.0, 12.0, web_cpu.max(0.5) * 24.0, 24.0],
            [36.0, 24.0, 36.0, 48.0],
        );
        // db-0 runs 1800 s of every hour: cpu 0.25 × 1800 × 24 / 3600 = 3; request 1 × 0.5 × 24 = 12;
        // limit 2 × 0.5 × 24 = 24; mem 3 × 0.5 × 24 = 36, 4 × 0.5 × 24 = 48, 48, 8 × 0.5 × 24 = 96.
        let db0 = one(
            &of_day,
            &[
                POD,
                (
                    "pod_labels",
                    Some(
                        r#"{"app":"db","env":"prod","team":"checkout","tier":"database","zone":"zone-a"}"#,
                    ),
                ),
            ],
        );
        check_pod(db0, [3.0, 12.0, 12.0, 24.0], [36.0, 48.0, 48.0, 96.0]);
        check_node(db0, 8.0, 192.0, 32.0, 768.0);
        // The VM launcher keeps vm_kubevirt_io_name (kubevirt_io_domain is not enabled).
        let vm = one(
            &of_day,
            &[
                POD,
                (
                    "pod_labels",
                    Some(
                        r#"{"app":"vm","env":"prod","vm_kubevirt_io_name":"win-vm","zone":"zone-b"}"#,
                    ),
                ),
            ],
        );
        check_pod(vm, [24.0, 48.0, 48.0, 96.0], [72.0, 96.0, 96.0, 192.0]);
        // prometheus: cpu per date 0.5, 0.75, then 1.5; request 1; mem 3 of 4 requested.
        let prom_cpu = match d {
            "2025-10-30" => 0.5,
            "2025-10-31" => 0.75,
            _ => 1.5,
        };
        let prom = one(&of_day, &[POD, ns("openshift-monitoring")]);
        assert_eq!(
            prom.s("pod_labels"),
            Some(r#"{"app":"prometheus","team":"monitoring"}"#)
        );
        assert_eq!(prom.i("cost_category_id"), Some(1));
        check_pod(
            prom,
            [prom_cpu * 24.0, 24.0, prom_cpu.max(1.0) * 24.0, 48.0],
            [72.0, 96.0, 96.0, 192.0],
        );

        // Storage, N = days of the month (31 in October, 30 in November).
        // prometheus-data-0: 40 GiB, usage 20 GiB (30 on 11-02).
        let used = if d == "2025-11-02" { 30.0 } else { 20.0 };
        check_storage(
            one(
                &of_day,
                &[
                    STORAGE,
                    ("persistentvolumeclaim", Some("prometheus-data-0")),
                ],
            ),
            40.0,
            40.0 / n,
            Some(40.0 / n),
            Some(used / n),
        );
        // data-db-0: node zone-a < namespace env/team < PV {app, backup: daily} < PVC {backup: weekly}.
        let db = one(
            &of_day,
            &[STORAGE, ("persistentvolumeclaim", Some("data-db-0"))],
        );
        assert_eq!(
            db.s("volume_labels"),
            Some(
                r#"{"app":"db","backup":"weekly","env":"prod","team":"checkout","zone":"zone-a"}"#
            )
        );
        check_storage(db, 20.0, 20.0 / n, Some(20.0 / n), Some(5.0 / n));
        // assets (RWX, pv-shop-assets) from web-0 on worker-0 and web-1 on worker-1: node count 2 →
        // request 10 / 2 / N, usage 4 / 2 / N; capacity 10 / N on each row.
        for (w, zone) in [("worker-0", "zone-a"), ("worker-1", "zone-b")] {
            let a = one(
                &of_day,
                &[STORAGE, ("persistentvolumeclaim", Some("assets")), node(w)],
            );
            assert_eq!(a.s("namespace"), Some("shop"));
            assert_eq!(
                a.s("volume_labels").unwrap(),
                format!(r#"{{"app":"assets","env":"prod","team":"checkout","zone":"{zone}"}}"#)
            );
            check_storage(a, 10.0, 10.0 / n, Some(5.0 / n), Some(2.0 / n));
        }
        check_storage(
            one(
                &of_day,
                &[STORAGE, ("persistentvolumeclaim", Some("win-vm-rootdisk"))],
            ),
            60.0,
            60.0 / n,
            Some(60.0 / n),
            Some(25.0 / n),
        );

        // Unallocated, per node and day.
        // master-0 (API server + etcd): 96 − (12 + 6) = 78, 96 − (24 + 12) = 60, 60;
        // 384 − (24 + 12) = 348, 384 − (48 + 24) = 312, 312. Platform, category 1.
        let m = one(&of_day, &[UNALLOC, node("master-0")]);
        assert_eq!(
            (m.s("namespace"), m.i("cost_category_id")),
            (Some("Platform unallocated"), Some(1))
        );
        check_unalloc(m, [78.0, 60.0, 60.0], [348.0, 312.0, 312.0]);
        // infra-0 (prometheus): 96 − prom_cpu×24, 96 − 24 = 72, 96 − max(prom_cpu, 1)×24;
        // 384 − 72 = 312, 384 − 96 = 288, 288. Platform (infra label), category 1.
        let i = one(&of_day, &[UNALLOC, node("infra-0")]);
        assert_eq!(i.s("namespace"), Some("Platform unallocated"));
        check_unalloc(
            i,
            [
                96.0 - prom_cpu * 24.0,
                72.0,
                96.0 - prom_cpu.max(1.0) * 24.0,
            ],
            [312.0, 288.0, 288.0],
        );
        // worker-0 (web-0 + db-0): 192 − (web_cpu×24 + 3), 192 − (12 + 12) = 168,
        // 192 − (max(web_cpu, 0.5)×24 + 12); 768 − (36 + 36) = 696, 768 − (24 + 48) = 696, 768 − (36 + 48) = 684.
        let w0 = one(&of_day, &[UNALLOC, node("worker-0")]);
        assert_eq!(
            (w0.s("namespace"), w0.i("cost_category_id")),
            (Some("Worker unallocated"), None)
        );
        check_unalloc(
            w0,
            [
                192.0 - web_cpu * 24.0 - 3.0,
                168.0,
                192.0 - web_cpu.max(0.5) * 24.0 - 12.0,
            ],
            [696.0, 696.0, 684.0],
        );
        // worker-1 (web-1 + VM launcher): 192 − (web_cpu×24 + 24), 192 − (12 + 48) = 132,
        // 192 − (max(web_cpu, 0.5)×24 + 48); 768 − (36 + 72) = 660, 768 − (24 + 96) = 648, 768 − (36 + 96) = 636.
        let w1 = one(&of_day, &[UNALLOC, node("worker-1")]);
        assert_eq!(w1.s("namespace"), Some("Worker unallocated"));
        check_unalloc(
            w1,
            [
                192.0 - web_cpu * 24.0 - 24.0,
                132.0,
                192.0 - web_cpu.max(0.5) * 24.0 - 48.0,
            ],
            [660.0, 648.0, 636.0],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Unit tests for rules no fixture pins down (compute_ocp on hand-built inputs)
// ---------------------------------------------------------------------------------------------

/// A daily pod row of 2025-10-01: `cpu` core-seconds used = requested = effective.
fn pod_row<'a>(
    ns: Option<&'a str>,
    pod: &'a str,
    node: &'a str,
    rid: &'a str,
    cpu: f64,
) -> PodDaily<'a> {
    PodDaily {
        day: day_of(OCT1_MS),
        namespace: ns,
        node: Some(node),
        pod: Some(pod),
        pod_labels: Some("{}"),
        resource_id: Some(rid),
        pod_usage_cpu_core_seconds: Some(cpu),
        pod_request_cpu_core_seconds: Some(cpu),
        pod_effective_usage_cpu_core_seconds: Some(cpu),
        pod_limit_cpu_core_seconds: Some(cpu),
        pod_usage_memory_byte_seconds: Some(0.0),
        pod_request_memory_byte_seconds: Some(0.0),
        pod_effective_usage_memory_byte_seconds: Some(0.0),
        pod_limit_memory_byte_seconds: Some(0.0),
        node_capacity_cpu_cores: Some(4.0),
        node_capacity_memory_bytes: Some(16.0 * GIB),
        ..PodDaily::default()
    }
}

/// node-a: 24 hourly intervals of 4 cores (14400 core-s each) → 96 core-hours.
fn base_inputs(pods: Vec<PodDaily<'_>>) -> OcpInputs<'_> {
    let mut cap = CapacityBuilder::default();
    let h: Vec<_> = (0..24)
        .map(|i| {
            (
                OCT1_MS + i * 3_600_000,
                "node-a",
                14_400.0,
                16.0 * GIB * 3600.0,
            )
        })
        .collect();
    cap.add_batch(&hourly_batch(&h));
    OcpInputs {
        pods,
        storage: vec![],
        node_labels: vec![],
        namespace_labels: vec![],
        enabled_keys: vec!["app".into()],
        cost_categories: vec![],
        // Declared like `--node-roles` does (no capacity, no provider).
        nodes: vec![ExistingNode {
            node: ClusterNode {
                node: s("node-a"),
                resource_id: s("i-a"),
                node_capacity_cpu_cores: None,
                node_role: s("worker"),
                architecture: None,
            },
            this_cluster: true,
            declared: true,
        }],
        capacities: cap.finish(),
    }
}

fn summary(inputs: OcpInputs) -> Vec<SummaryRow> {
    compute_ocp(inputs).unwrap()
}

#[test]
fn label_maps_equal_after_filtering_do_not_duplicate_rows() {
    // Spec §4.1: the label CTEs group by the *filtered* map. Two raw node-label maps of node-a that
    // differ only in a disabled key (`rack`) filter to the same {app: n} → one set element → no
    // duplicated input rows: the Pod row keeps 7200 core-s / 3600 = 2 core-hours (not 4).
    let mut inputs = base_inputs(vec![pod_row(Some("web"), "p", "node-a", "i-a", 7200.0)]);
    for raw in [
        r#"{"app": "n", "rack": "r1"}"#,
        r#"{"app": "n", "rack": "r2"}"#,
    ] {
        inputs.node_labels.push(LabelDaily {
            day: day_of(OCT1_MS),
            key: s("node-a"),
            labels: s(raw),
        });
    }
    let rows = summary(inputs);
    let pods: Vec<_> = rows.iter().filter(|r| r.row_kind == "pod").collect();
    assert_eq!(pods.len(), 1);
    assert_eq!(pods[0].pod_labels.as_deref(), Some(r#"{"app":"n"}"#));
    assert_eq!(pods[0].pod_usage_cpu_core_hours, Some(2.0));
}

#[test]
fn cluster_capacity_counts_every_hourly_node_group() {
    // Spec §4.2 step 3: the cluster sums every node group of the hourly data — also node '' and a node
    // with no daily pod row. node-a 96 core-h + node-x (12 intervals × 2 cores: 24 core-h, no daily
    // row) + '' (3 intervals × 1 core: 3 core-h) = 123 core-hours.
    let mut inputs = base_inputs(vec![pod_row(Some("web"), "p", "node-a", "i-a", 3600.0)]);
    let mut cap = CapacityBuilder::default();
    let mut h: Vec<_> = (0..24)
        .map(|i| {
            (
                OCT1_MS + i * 3_600_000,
                "node-a",
                14_400.0,
                16.0 * GIB * 3600.0,
            )
        })
        .collect();
    h.extend((0..12).map(|i| (OCT1_MS + i * 3_600_000, "node-x", 7200.0, GIB * 3600.0)));
    h.extend((0..3).map(|i| (OCT1_MS + i * 3_600_000, "", 3600.0, GIB * 3600.0)));
    cap.add_batch(&hourly_batch(&h));
    inputs.capacities = cap.finish();
    let rows = summary(inputs);
    let p = rows.iter().find(|r| r.row_kind == "pod").unwrap();
    assert_eq!(p.node_capacity_cpu_core_hours, Some(96.0));
    assert_eq!(p.cluster_capacity_cpu_core_hours, Some(123.0));
    // memory: 16 × 24 + 1 × 12 + 1 × 3 = 399 GiB-hours.
    assert_eq!(p.cluster_capacity_memory_gigabyte_hours, Some(399.0));
    assert!(
        rows.iter().all(|r| r.node.as_deref() != Some("node-x")),
        "no daily row → no Pod or unallocated row"
    );
}

#[test]
fn resource_id_is_the_max_of_the_group() {
    // Spec §4.4: resource_id = max(resource_id) over the group ('' sorts lowest). Two pods of one group
    // (same namespace, node, labels) report '' and i-a.
    let rows = summary(base_inputs(vec![
        pod_row(Some("web"), "p1", "node-a", "", 3600.0),
        pod_row(Some("web"), "p2", "node-a", "i-a", 3600.0),
        pod_row(Some("web"), "p3", "node-a", "", 3600.0),
    ]));
    let p = rows.iter().find(|r| r.row_kind == "pod").unwrap();
    assert_eq!(p.resource_id.as_deref(), Some("i-a"));
    assert_eq!(p.pod_usage_cpu_core_hours, Some(3.0));
}

#[test]
fn unallocated_ignores_excluded_and_null_namespaces() {
    // Spec §4.7: Pod rows in 'Platform unallocated', 'Worker unallocated', 'Network unattributed',
    // 'Storage unattributed' and with a NULL namespace are not subtracted from the node capacity.
    // Counted: web 3600 core-s = 1 core-hour → 96 − 1 = 95.
    let mut pods = vec![pod_row(Some("web"), "p", "node-a", "i-a", 3600.0)];
    for (i, ns) in [
        Some("Platform unallocated"),
        Some("Worker unallocated"),
        Some("Network unattributed"),
        Some("Storage unattributed"),
        None,
    ]
    .into_iter()
    .enumerate()
    {
        let pod = ["x0", "x1", "x2", "x3", "x4"][i];
        pods.push(pod_row(ns, pod, "node-a", "i-a", 36_000.0));
    }
    let rows = summary(base_inputs(pods));
    assert_eq!(rows.iter().filter(|r| r.row_kind == "pod").count(), 6);
    let u: Vec<_> = rows
        .iter()
        .filter(|r| r.row_kind == "unallocated")
        .collect();
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].namespace.as_deref(), Some("Worker unallocated"));
    assert_eq!(u[0].pod_usage_cpu_core_hours, Some(95.0));
}

#[test]
fn empty_pod_node_counts_for_the_shared_volume_node_count() {
    // Spec §4.5: the volume-node CTE has no node filter: a mounting pod whose node is '' contributes ''
    // and counts as a node. pv-1 is mounted by p1 on node-a and p2 on '' → node count 2 → request and
    // usage halved on both rows; the '' row keeps node '' (not NULL).
    let mut inputs = base_inputs(vec![
        pod_row(Some("web"), "p1", "node-a", "i-a", 3600.0),
        pod_row(Some("web"), "p2", "", "", 3600.0),
    ]);
    // 10 GiB × 86400 s per claim; months = / (86400 × 31).
    let bs = 10.0 * GIB * 86_400.0;
    for (pod, claim) in [("p1", "claim-p1"), ("p2", "claim-p2")] {
        inputs.storage.push(StorageDaily {
            row: 0,
            day: day_of(OCT1_MS),
            namespace: Some("web"),
            pod: Some(pod),
            persistentvolumeclaim: Some(claim),
            persistentvolume: Some("pv-1"),
            storageclass: Some("gp3"),
            csi_volume_handle: None,
            persistentvolume_labels: Some("{}"),
            persistentvolumeclaim_labels: Some("{}"),
            persistentvolumeclaim_capacity_bytes: Some(10.0 * GIB),
            persistentvolumeclaim_capacity_byte_seconds: Some(bs),
            volume_request_storage_byte_seconds: Some(bs),
            persistentvolumeclaim_usage_byte_seconds: Some(bs),
        });
    }
    let rows = summary(inputs);
    let st: BTreeMap<Option<&str>, &SummaryRow> = rows
        .iter()
        .filter(|r| r.row_kind == "storage")
        .map(|r| (r.node.as_deref(), r))
        .collect();
    assert_eq!(
        st.keys().copied().collect::<Vec<_>>(),
        [Some(""), Some("node-a")]
    );
    for r in st.values() {
        // capacity 10/31 GiB-months; request = usage = 10 / 2 / 31 = 5/31.
        assert_eq!(
            r.persistentvolumeclaim_capacity_gigabyte_months,
            Some(10.0 / 31.0)
        );
        let half = r.volume_request_storage_gigabyte_months.unwrap();
        assert!((half - 5.0 / 31.0).abs() < 1e-15, "{r:?}");
        assert_eq!(r.persistentvolumeclaim_usage_gigabyte_months, Some(half));
    }
    // The pod on '' gives no Pod row (node != ''), but its volume still lands on node ''.
    assert_eq!(
        rows.iter()
            .filter(|r| r.row_kind == "pod" && r.node.as_deref() == Some(""))
            .count(),
        0
    );
}
