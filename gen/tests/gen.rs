//! koku-gen: determinism, koku's physical layout and the daily = re-aggregated hourly invariant
//! (input-data §5), and that the pipeline's binaries read what it writes — with identical summary
//! rows whatever the extract's concurrency and batch (streaming) size.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, TimeUnit, TimestampMillisecondType};
use chrono::NaiveDate;
use koku_gen::{Config, generate};
use koku_testkit::workspace_bin;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;

/// Small, but with several batches per day (batch_rows 1,000), a month boundary and churn.
fn small() -> Config {
    Config {
        nodes: 6,
        pods_per_node: 12,
        days: 3,
        start_date: NaiveDate::from_ymd_opt(2025, 9, 30).unwrap(),
        pvcs_per_node: 3,
        batch_rows: 1_000,
        ..Config::default()
    }
}

fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn parquet_files(root: &Path, daily: bool, report_type: &str) -> Vec<PathBuf> {
    files(root)
        .keys()
        .filter(|k| k.ends_with(".parquet"))
        .filter(|k| k.starts_with("data/parquet/daily/") == daily)
        .filter(|k| k.contains(&format!("/OCP/{report_type}/")))
        .map(|k| root.join(k))
        .collect()
}

fn read(path: &Path) -> RecordBatch {
    let b = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap()).unwrap();
    let md = b.metadata().clone();
    assert_eq!(md.num_row_groups(), 1, "{}: one row group", path.display());
    for c in md.row_group(0).columns() {
        assert_eq!(c.compression(), Compression::SNAPPY, "{}", path.display());
        assert!(c.statistics().is_some(), "{}: statistics", path.display());
    }
    let schema = b.schema().clone();
    let batches: Vec<RecordBatch> = b.build().unwrap().map(Result::unwrap).collect();
    arrow::compute::concat_batches(&schema, &batches).unwrap()
}

#[test]
fn same_seed_same_bytes_for_any_thread_count_and_another_seed_differs() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let cfg = small();
    generate(&cfg, a.path(), 1).unwrap();
    generate(&cfg, b.path(), 3).unwrap();
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{k} differs between 1 and 3 threads");
    }
    generate(
        &Config {
            seed: 7,
            ..cfg.clone()
        },
        c.path(),
        2,
    )
    .unwrap();
    let fc = files(c.path());
    let pod = fa
        .keys()
        .find(|k| k.contains("/pod_usage/") && !k.contains("daily"))
        .unwrap();
    assert_ne!(fa[pod], fc[pod], "another seed gives other data");
    // Refuses to overwrite.
    assert!(generate(&cfg, a.path(), 1).is_err());
}

#[test]
fn layout_names_types_and_row_counts_are_kokus() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = small();
    let s = generate(&cfg, dir.path(), 0).unwrap();
    let all = files(dir.path());
    let src = "source=00000000-0000-0000-0000-000000000001";
    for (ty, month, day) in [
        ("pod_usage", "09", "2025-09-30"),
        ("storage_usage", "10", "2025-10-02"),
    ] {
        let h = format!(
            "data/parquet/org1234567/OCP/{ty}/{src}/year=2025/month={month}/{ty}.{day}.1.0_0.parquet"
        );
        let d = format!(
            "data/parquet/daily/org1234567/OCP/{ty}/{src}/year=2025/month={month}/{ty}.{day}.1.0_daily_0.parquet"
        );
        assert!(all.contains_key(&h), "{h}");
        assert!(all.contains_key(&d), "{d}");
    }
    assert!(all.contains_key("seed.sql") && all.contains_key("dataset.json"));
    // Exactly nodes × pods × 24 × days hourly pod rows, in ≤ batch_rows files.
    assert_eq!(s.counts[0].hourly_rows, 6 * 12 * 24 * 3);
    assert_eq!(s.counts[2].hourly_rows, 6 * 24 * 3);
    let pods = parquet_files(dir.path(), false, "pod_usage");
    assert!(pods.len() > 3, "several batches per day");
    let h = read(&pods[0]);
    assert!(h.num_rows() <= 1_000);
    let ts = DataType::Timestamp(TimeUnit::Millisecond, None);
    assert_eq!(
        h.schema()
            .field_with_name("interval_start")
            .unwrap()
            .data_type(),
        &ts
    );
    assert_eq!(
        h.schema()
            .field_with_name("pod_labels")
            .unwrap()
            .data_type(),
        &DataType::Utf8
    );
    let d = read(&parquet_files(dir.path(), true, "pod_usage")[0]);
    assert_eq!(
        d.schema().field_with_name("node_role").unwrap().data_type(),
        &DataType::LargeUtf8
    );
    assert!(d.schema().field_with_name("interval_end").is_err());
    let labels = d
        .column_by_name("pod_labels")
        .unwrap()
        .as_string::<i32>()
        .value(0)
        .to_string();
    assert!(
        labels.starts_with("{\"app\": \""),
        "Python json.dumps text: {labels}"
    );
    // Every node role is present.
    let roles: std::collections::BTreeSet<String> = (0..d.num_rows())
        .map(|i| {
            d.column_by_name("node_role")
                .unwrap()
                .as_string::<i64>()
                .value(i)
                .to_string()
        })
        .collect();
    let sql = String::from_utf8(all["seed.sql"].clone()).unwrap();
    for r in ["master", "infra", "worker"] {
        assert!(sql.contains(&format!("'{r}'")), "seed.sql has a {r} node");
    }
    assert!(!roles.is_empty());
}

type Key = Vec<String>;

/// Σ / max per (key columns + day) over all files of one copy.
fn aggregate(
    paths: &[PathBuf],
    keys: &[&str],
    sums: &[&str],
    maxes: &[&str],
) -> HashMap<Key, (Vec<f64>, Vec<f64>)> {
    let mut out: HashMap<Key, (Vec<f64>, Vec<f64>)> = HashMap::new();
    for p in paths {
        let b = read(p);
        let start = b.column_by_name("interval_start").unwrap();
        let start = start.as_primitive::<TimestampMillisecondType>();
        let col = |n: &str| b.column_by_name(n).unwrap_or_else(|| panic!("{n}")).clone();
        let key_cols: Vec<_> = keys.iter().map(|k| col(k)).collect();
        let sum_cols: Vec<_> = sums.iter().map(|k| col(k)).collect();
        let max_cols: Vec<_> = maxes.iter().map(|k| col(k)).collect();
        for i in 0..b.num_rows() {
            let mut key: Key = key_cols
                .iter()
                .map(|c| c.as_string::<i32>().value(i).to_string())
                .collect();
            key.push((start.value(i).div_euclid(86_400_000)).to_string());
            let e = out
                .entry(key)
                .or_insert_with(|| (vec![0.0; sums.len()], vec![f64::MIN; maxes.len()]));
            for (j, c) in sum_cols.iter().enumerate() {
                e.0[j] += c.as_primitive::<Float64Type>().value(i);
            }
            for (j, c) in max_cols.iter().enumerate() {
                e.1[j] = e.1[j].max(c.as_primitive::<Float64Type>().value(i));
            }
        }
    }
    out
}

fn assert_same(
    hourly: &HashMap<Key, (Vec<f64>, Vec<f64>)>,
    daily: &HashMap<Key, (Vec<f64>, Vec<f64>)>,
) {
    assert_eq!(hourly.len(), daily.len(), "same keys");
    for (k, (hs, hm)) in hourly {
        let (ds, dm) = daily.get(k).unwrap_or_else(|| panic!("daily lacks {k:?}"));
        for (a, b) in hs.iter().zip(ds) {
            assert!(
                (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                "{k:?}: Σ {a} vs {b}"
            );
        }
        assert_eq!(hm, dm, "{k:?}: max");
    }
}

#[test]
fn daily_files_are_the_hourly_rows_re_aggregated() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&small(), dir.path(), 2).unwrap();
    assert!(s.counts[0].daily_rows < s.counts[0].hourly_rows);
    let keys = ["namespace", "node", "pod", "pod_labels"];
    let sums = [
        "pod_usage_cpu_core_seconds",
        "pod_request_cpu_core_seconds",
        "pod_limit_cpu_core_seconds",
        "pod_usage_memory_byte_seconds",
        "pod_request_memory_byte_seconds",
        "pod_limit_memory_byte_seconds",
        "node_capacity_cpu_core_seconds",
        "node_capacity_memory_byte_seconds",
        // Per-hour max(usage, request), summed (not max of the sums).
        "pod_effective_usage_cpu_core_seconds",
        "pod_effective_usage_memory_byte_seconds",
    ];
    let maxes = ["node_capacity_cpu_cores", "node_capacity_memory_bytes"];
    let h = aggregate(
        &parquet_files(dir.path(), false, "pod_usage"),
        &keys,
        &sums,
        &maxes,
    );
    let d = aggregate(
        &parquet_files(dir.path(), true, "pod_usage"),
        &keys,
        &sums,
        &maxes,
    );
    assert_same(&h, &d);
    // Pods come and go and labels churn: more distinct (pod, labels) keys than slots per day.
    assert!(h.len() > 6 * 12 * 3, "{} keys", h.len());
    // The effective usage really is per hour: for some key Σ max(u, r) > max(Σu, Σr).
    assert!(h.values().any(|(s, _)| s[8] > s[0].max(s[1]) + 1e-6));

    let skeys = [
        "namespace",
        "node",
        "pod",
        "persistentvolumeclaim",
        "persistentvolume",
        "storageclass",
        "csi_driver",
        "csi_volume_handle",
        "persistentvolume_labels",
        "persistentvolumeclaim_labels",
    ];
    let ssums = [
        "persistentvolumeclaim_capacity_byte_seconds",
        "volume_request_storage_byte_seconds",
        "persistentvolumeclaim_usage_byte_seconds",
    ];
    let smax = ["persistentvolumeclaim_capacity_bytes"];
    let h = aggregate(
        &parquet_files(dir.path(), false, "storage_usage"),
        &skeys,
        &ssums,
        &smax,
    );
    let d = aggregate(
        &parquet_files(dir.path(), true, "storage_usage"),
        &skeys,
        &ssums,
        &smax,
    );
    assert_same(&h, &d);
    // Shared volumes (one pv on two nodes) and claimless volumes exist.
    let mut nodes_per_pv: HashMap<(&str, &str), std::collections::BTreeSet<&str>> = HashMap::new();
    for k in h.keys() {
        nodes_per_pv
            .entry((&k[4], &k[10]))
            .or_default()
            .insert(&k[1]);
    }
    assert!(nodes_per_pv.values().any(|n| n.len() > 1), "a shared PV");
    assert!(h.keys().any(|k| k[3].is_empty()), "a claimless PV");

    for (ty, key, labels) in [
        ("node_labels", "node", "node_labels"),
        ("namespace_labels", "namespace", "namespace_labels"),
    ] {
        let h = aggregate(
            &parquet_files(dir.path(), false, ty),
            &[key, labels],
            &[],
            &[],
        );
        let d = aggregate(
            &parquet_files(dir.path(), true, ty),
            &[key, labels],
            &[],
            &[],
        );
        assert_eq!(
            h.keys().collect::<std::collections::BTreeSet<_>>(),
            d.keys().collect::<std::collections::BTreeSet<_>>()
        );
    }
}

fn csv_file(dir: &Path, name: &str, header: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, format!("{header}\n")).unwrap();
    p
}

/// `koku-extract` + `koku-transform` on the generated data; the summary as CSV.
fn pipeline(data: &Path, work: &Path, extract_args: &[&str], transform_args: &[&str]) -> String {
    let cc = csv_file(data, "cc.csv", "namespace,cost_category_id");
    let nr = csv_file(data, "nr.csv", "node,resource_id,node_role");
    let out = Command::new(workspace_bin("koku-extract"))
        .args(["ocp", "--from"])
        .arg(data)
        .args([
            "--schema",
            "org1234567",
            "--source",
            "00000000-0000-0000-0000-000000000001",
            "--year",
            "2025",
            "--month",
            "10",
            "--cluster-id",
            "koku-gen-cluster",
            "--report-period-id",
            "1",
            "--enabled-keys",
            "app,environment,team,tier",
            "--cost-categories",
        ])
        .arg(&cc)
        .arg("--node-roles")
        .arg(&nr)
        .args(extract_args)
        .arg("--out")
        .arg(work)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "extract: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        stdout.contains("openshift_pod_usage_line_items: 3456 rows"),
        "extract read the two October days of hourly pod rows: {stdout}"
    );
    let out = Command::new(workspace_bin("koku-transform"))
        .arg("ocp")
        .arg(work)
        .args(transform_args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "transform: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(workspace_bin("koku-ipc"))
        .arg("csv")
        .arg(work.join("reporting_ocpusagelineitem_daily_summary.arrow"))
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_pipeline_reads_it_with_the_same_rows_for_any_concurrency_thread_count_and_batch_size() {
    let data = tempfile::tempdir().unwrap();
    generate(&small(), data.path(), 0).unwrap();
    let (w1, w2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // One object at a time in tiny batches (streaming), the days computed one at a time, vs many
    // objects in flight in large batches and the days computed on several threads.
    let a = pipeline(
        data.path(),
        &w1.path().join("w"),
        &["--concurrency", "1", "--batch-size", "97"],
        &["--threads", "1"],
    );
    let b = pipeline(
        data.path(),
        &w2.path().join("w"),
        &["--concurrency", "16", "--batch-size", "1000000"],
        &["--threads", "4"],
    );
    assert!(
        a.lines().count() > 100,
        "{} summary rows",
        a.lines().count()
    );
    assert!(a.contains(",pod,") || a.contains("pod"), "pod rows");
    assert_eq!(a, b, "summary rows differ between the runs");

    // Streaming or not: koku-transform computed the work dir day by day (in the 97-row run, from batches
    // that straddle days); the in-memory reference computes the whole window at once.
    let work = w1.path().join("w");
    let reference = koku_transform::ocp::run::summary_in_memory(&work).unwrap();
    let file =
        std::fs::File::open(work.join("reporting_ocpusagelineitem_daily_summary.arrow")).unwrap();
    let streamed: Vec<RecordBatch> = arrow::ipc::reader::FileReader::try_new(file, None)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let streamed = arrow::compute::concat_batches(&streamed[0].schema(), &streamed).unwrap();
    assert_eq!(streamed.num_rows(), reference.num_rows());
    for (i, field) in reference.schema().fields().iter().enumerate() {
        assert_eq!(
            streamed.column(i).to_data(),
            reference.column(i).to_data(),
            "column {} differs between the streamed and the in-memory summary",
            field.name()
        );
    }
}
