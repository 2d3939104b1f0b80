//! Fixtures shared by the integration tests: Parquet files written with `ArrowWriter` in koku's key
//! layout, with the physical variations koku's files really have (input-data §3.3).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, DictionaryArray, Float32Array, Float64Array, Int32Array, Int64Array,
    LargeStringArray, RecordBatch, StringArray, TimestampMicrosecondArray,
    TimestampMillisecondArray,
};
use arrow::datatypes::{Field, Int32Type, Schema};
use arrow::util::display::array_value_to_string;
use koku_common::schema::Dataset;
use koku_common::workdir::{WorkDir, stage};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

pub const SCHEMA: &str = "org1234567";
pub const SOURCE: &str = "00000000-0000-0000-0000-000000000001";
pub const OTHER_SOURCE: &str = "00000000-0000-0000-0000-000000000099";
/// Shares SOURCE as a string prefix: catches a listing without the trailing `/`.
pub const LONGER_SOURCE: &str = "00000000-0000-0000-0000-0000000000011";
pub const RPS: &str = "2025-10-01 00:00:00";
pub const RPE: &str = "2025-11-01 00:00:00";

/// Milliseconds of a `YYYY-MM-DD HH:MM:SS[.fff]` UTC wall-clock time.
pub fn ms(s: &str) -> i64 {
    let fmt = if s.contains('.') {
        "%Y-%m-%d %H:%M:%S%.f"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    chrono::NaiveDateTime::parse_from_str(s, fmt)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

// --- column builders -------------------------------------------------------------------------------

pub fn utf8(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}
pub fn large(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(LargeStringArray::from(v.to_vec()))
}
pub fn dict(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(v.iter().copied().collect::<DictionaryArray<Int32Type>>())
}
pub fn f64s(v: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(v.to_vec()))
}
pub fn f32s(v: &[Option<f32>]) -> ArrayRef {
    Arc::new(Float32Array::from(v.to_vec()))
}
pub fn i64s(v: &[Option<i64>]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}
pub fn i32s(v: &[Option<i32>]) -> ArrayRef {
    Arc::new(Int32Array::from(v.to_vec()))
}
/// `Timestamp(ms, None)`, koku's naive OCP timestamps.
pub fn ts(v: &[&str]) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from(
        v.iter().map(|s| ms(s)).collect::<Vec<_>>(),
    ))
}
/// `Timestamp(ms, "UTC")`, as an UTC-adjusted writer produces.
pub fn ts_utc(v: &[&str]) -> ArrayRef {
    Arc::new(
        TimestampMillisecondArray::from(v.iter().map(|s| ms(s)).collect::<Vec<_>>())
            .with_timezone("UTC"),
    )
}
/// `Timestamp(us, None)`, another writer's unit.
pub fn ts_us(v: &[&str]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(
        v.iter().map(|s| ms(s) * 1000).collect::<Vec<_>>(),
    ))
}

pub fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

/// Serialise a batch like pyarrow does for koku: Snappy, one row group, embedded Arrow schema.
pub fn parquet_bytes(b: &RecordBatch) -> Vec<u8> {
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, b.schema(), Some(props)).unwrap();
    w.write(b).unwrap();
    w.close().unwrap();
    out
}

pub fn put(root: &Path, key: &str, bytes: &[u8]) {
    let p = root.join(key);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

pub fn put_parquet(root: &Path, key: &str, b: &RecordBatch) {
    put(root, key, &parquet_bytes(b));
}

// --- key layout ---------------------------------------------------------------------------------

pub fn hourly(report: &str, source: &str, month: &str) -> String {
    format!("data/parquet/{SCHEMA}/OCP/{report}/source={source}/year=2025/month={month}")
}
pub fn daily(report: &str, source: &str, month: &str) -> String {
    format!("data/parquet/daily/{SCHEMA}/OCP/{report}/source={source}/year=2025/month={month}")
}

// --- the standard tree --------------------------------------------------------------------------

fn hourly_pod_wrong(node: &str) -> RecordBatch {
    batch(vec![
        ("interval_start", ts(&["2025-10-02 00:00:00"])),
        ("node", utf8(&[Some(node)])),
        ("node_capacity_cpu_core_seconds", f64s(&[Some(1.0)])),
        ("node_capacity_memory_byte_seconds", f64s(&[Some(1.0)])),
    ])
}

/// One daily pod row: (namespace, node, pod, pod_labels, day, node_role).
pub type DailyPodRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, Option<&'a str>);

/// A full koku-order daily pod batch (all 21 columns, utf8 text, naive ms timestamps, node_role as
/// large_utf8 like koku adds it). Measures are `base + row index`; resource_id is `i-<node>`.
pub fn daily_pod_koku(rows: &[DailyPodRow]) -> RecordBatch {
    let n = rows.len();
    let text = |f: for<'a> fn(&'a DailyPodRow<'a>) -> &'a str| {
        utf8(&rows.iter().map(|r| Some(f(r))).collect::<Vec<_>>())
    };
    let num = |base: f64| f64s(&(0..n).map(|i| Some(base + i as f64)).collect::<Vec<_>>());
    let resource: Vec<String> = rows.iter().map(|r| format!("i-{}", r.1)).collect();
    batch(vec![
        ("namespace", text(|r| r.0)),
        ("node", text(|r| r.1)),
        ("pod", text(|r| r.2)),
        ("pod_labels", text(|r| r.3)),
        (
            "interval_start",
            ts(&rows.iter().map(|r| r.4).collect::<Vec<_>>()),
        ),
        ("report_period_start", ts(&vec![RPS; n])),
        ("report_period_end", ts(&vec![RPE; n])),
        (
            "resource_id",
            utf8(
                &resource
                    .iter()
                    .map(|s| Some(s.as_str()))
                    .collect::<Vec<_>>(),
            ),
        ),
        ("pod_usage_cpu_core_seconds", num(10.0)),
        ("pod_request_cpu_core_seconds", num(20.0)),
        ("pod_effective_usage_cpu_core_seconds", num(21.0)),
        ("pod_limit_cpu_core_seconds", num(40.0)),
        ("pod_usage_memory_byte_seconds", num(1e9)),
        ("pod_request_memory_byte_seconds", num(2e9)),
        ("pod_effective_usage_memory_byte_seconds", num(2.5e9)),
        ("pod_limit_memory_byte_seconds", num(4e9)),
        ("node_capacity_cpu_cores", num(4.0)),
        ("node_capacity_cpu_core_seconds", num(345600.0)),
        ("node_capacity_memory_bytes", num(8e9)),
        ("node_capacity_memory_byte_seconds", num(6.912e14)),
        (
            "node_role",
            large(&rows.iter().map(|r| r.5).collect::<Vec<_>>()),
        ),
    ])
}

/// Write the standard fixture tree under `root`. Every variation of input-data §3.3 appears once;
/// files that must not be read are garbage (reading them fails the run) or carry a `WRONG-*` marker.
pub fn write_tree(root: &Path) {
    let hp = hourly("pod_usage", SOURCE, "10");
    // H1: koku's hourly column order with extra columns that are not projected; all on 10-01.
    put_parquet(
        root,
        &format!("{hp}/pod_usage.2025-10-01.1.0_0.parquet"),
        &batch(vec![
            ("report_period_start", ts(&[RPS, RPS])),
            ("report_period_end", ts(&[RPE, RPE])),
            (
                "interval_start",
                ts(&["2025-10-01 00:00:00", "2025-10-01 23:00:00"]),
            ),
            (
                "interval_end",
                ts(&["2025-10-01 00:59:59", "2025-10-01 23:59:59"]),
            ),
            ("namespace", utf8(&[Some("ns1"), Some("ns1")])),
            ("node", utf8(&[Some("n1"), Some("n1")])),
            ("pod", utf8(&[Some("pod1"), Some("pod1")])),
            (
                "node_capacity_cpu_core_seconds",
                f64s(&[Some(3600.0), Some(3600.0)]),
            ),
            (
                "node_capacity_memory_byte_seconds",
                f64s(&[Some(1000.0), Some(1000.0)]),
            ),
        ]),
    );
    // H2: other column order, large_utf8 text, INT64 measure, Timestamp(ms, "UTC").
    put_parquet(
        root,
        &format!("{hp}/pod_usage.2025-10-02.1.0_0.parquet"),
        &batch(vec![
            (
                "node_capacity_memory_byte_seconds",
                f64s(&[Some(2000.5), Some(3000.0), Some(4000.0)]),
            ),
            ("node", large(&[Some("n1"), Some(""), Some("n2")])),
            (
                "interval_start",
                ts_utc(&[
                    "2025-10-02 00:00:00",
                    "2025-10-02 05:00:00",
                    "2025-10-02 23:00:00",
                ]),
            ),
            (
                "node_capacity_cpu_core_seconds",
                i64s(&[Some(7200), Some(3600), Some(1800)]),
            ),
            ("pod", utf8(&[Some("p"), Some("p"), Some("p")])),
        ]),
    );
    // H3: in a sub-folder (recursive listing), dictionary text, FLOAT, Timestamp(us), a NULL measure.
    put_parquet(
        root,
        &format!("{hp}/sub/pod_usage.2025-10-03.1.0_0.parquet"),
        &batch(vec![
            (
                "interval_start",
                ts_us(&["2025-10-03 00:00:00", "2025-10-03 01:00:00"]),
            ),
            ("node", dict(&[Some("n1"), Some("n1")])),
            (
                "node_capacity_cpu_core_seconds",
                f32s(&[Some(900.5), Some(900.5)]),
            ),
            (
                "node_capacity_memory_byte_seconds",
                f64s(&[Some(500.0), None]),
            ),
        ]),
    );
    // Not data files: Trino skips hidden names and non-Parquet files; reading them would fail.
    put(root, &format!("{hp}/_SUCCESS"), b"not parquet");
    put(root, &format!("{hp}/.upload.parquet"), b"not parquet");
    put(root, &format!("{hp}/_tmp/x.parquet"), b"not parquet");
    put(root, &format!("{hp}/notes.txt"), b"not parquet");
    // Other month, other source, a source id that merely shares the prefix: never read.
    put_parquet(
        root,
        &format!(
            "{}/pod_usage.2025-09-30.1.0_0.parquet",
            hourly("pod_usage", SOURCE, "09")
        ),
        &hourly_pod_wrong("WRONG-MONTH"),
    );
    put_parquet(
        root,
        &format!(
            "{}/pod_usage.2025-10-02.1.0_0.parquet",
            hourly("pod_usage", OTHER_SOURCE, "10")
        ),
        &hourly_pod_wrong("WRONG-SOURCE"),
    );
    put_parquet(
        root,
        &format!(
            "{}/pod_usage.2025-10-02.1.0_0.parquet",
            hourly("pod_usage", LONGER_SOURCE, "10")
        ),
        &hourly_pod_wrong("WRONG-PREFIX"),
    );

    let dp = daily("pod_usage", SOURCE, "10");
    // D0: a row filed under month=10 whose day is in September: filtered out.
    put_parquet(
        root,
        &format!("{dp}/pod_usage.2025-09-30.1.0_daily_0.parquet"),
        &daily_pod_koku(&[(
            "ns1",
            "n1",
            "pod1",
            "{}",
            "2025-09-30 00:00:00",
            Some("worker"),
        )]),
    );
    // D1: koku's exact daily layout.
    put_parquet(
        root,
        &format!("{dp}/pod_usage.2025-10-02.1.0_daily_0.parquet"),
        &daily_pod_koku(&[
            (
                "ns1",
                "n1",
                "pod1",
                "{\"app\": \"web\"}",
                "2025-10-02 00:00:00",
                Some("worker"),
            ),
            ("ns2", "n2", "pod2", "{}", "2025-10-02 00:00:00", None),
        ]),
    );
    // D2: an old file: no pod_effective_usage_* and no node_role (optional → NULL), reversed column
    // order, dictionary text, integer measures, Timestamp(ms, "UTC").
    put_parquet(
        root,
        &format!("{dp}/pod_usage.2025-10-03.1.0_daily_0.parquet"),
        &batch(vec![
            ("node_capacity_memory_byte_seconds", f64s(&[Some(6.912e14)])),
            ("node_capacity_memory_bytes", f64s(&[Some(8e9)])),
            ("node_capacity_cpu_core_seconds", f64s(&[Some(345600.0)])),
            ("node_capacity_cpu_cores", i32s(&[Some(4)])),
            ("pod_limit_memory_byte_seconds", f64s(&[Some(3.0)])),
            ("pod_request_memory_byte_seconds", f64s(&[Some(2.0)])),
            ("pod_usage_memory_byte_seconds", f64s(&[Some(1.0)])),
            ("pod_limit_cpu_core_seconds", f64s(&[Some(9.0)])),
            ("pod_request_cpu_core_seconds", f64s(&[Some(8.0)])),
            ("pod_usage_cpu_core_seconds", i64s(&[Some(7)])),
            ("resource_id", dict(&[Some("i-1")])),
            ("report_period_end", ts_utc(&[RPE])),
            ("report_period_start", ts_utc(&[RPS])),
            ("interval_start", ts_utc(&["2025-10-03 00:00:00"])),
            ("pod_labels", dict(&[Some("{\"app\": \"web\"}")])),
            ("pod", dict(&[Some("pod1")])),
            ("node", dict(&[Some("n1")])),
            ("namespace", dict(&[Some("ns1")])),
        ]),
    );

    let ds = daily("storage_usage", SOURCE, "10");
    // S1: an old operator without node / csi_* columns; one row before the first pod day.
    put_parquet(
        root,
        &format!("{ds}/storage_usage.2025-10-01.1.0_daily_0.parquet"),
        &batch(vec![
            ("namespace", utf8(&[Some("ns1"), Some("ns1")])),
            ("pod", utf8(&[Some("pod1"), Some("pod1")])),
            ("persistentvolumeclaim", utf8(&[Some("pvc1"), Some("pvc1")])),
            ("persistentvolume", utf8(&[Some("pv1"), Some("pv1")])),
            ("storageclass", utf8(&[Some("gp3"), Some("gp3")])),
            ("persistentvolume_labels", utf8(&[Some("{}"), Some("{}")])),
            (
                "persistentvolumeclaim_labels",
                utf8(&[Some("{\"c\": \"d\"}"), Some("{\"c\": \"d\"}")]),
            ),
            (
                "interval_start",
                ts(&["2025-10-01 00:00:00", "2025-10-02 00:00:00"]),
            ),
            ("report_period_start", ts(&[RPS, RPS])),
            ("report_period_end", ts(&[RPE, RPE])),
            (
                "persistentvolumeclaim_capacity_bytes",
                f64s(&[Some(1e10), Some(2e10)]),
            ),
            (
                "persistentvolumeclaim_capacity_byte_seconds",
                f64s(&[Some(8.64e14), Some(1.728e15)]),
            ),
            (
                "volume_request_storage_byte_seconds",
                f64s(&[Some(1.0), Some(2.0)]),
            ),
            (
                "persistentvolumeclaim_usage_byte_seconds",
                f64s(&[Some(0.5), Some(0.25)]),
            ),
        ]),
    );
    // S2: a new operator: node and csi_* present (large_utf8, as koku adds them).
    put_parquet(
        root,
        &format!("{ds}/storage_usage.2025-10-03.1.0_daily_0.parquet"),
        &batch(vec![
            ("namespace", utf8(&[Some("")])),
            ("node", large(&[Some("n1")])),
            ("pod", utf8(&[Some("")])),
            ("persistentvolumeclaim", utf8(&[Some("")])),
            ("persistentvolume", utf8(&[Some("pv2")])),
            ("storageclass", utf8(&[Some("gp3")])),
            ("csi_driver", large(&[Some("ebs.csi.aws.com")])),
            ("csi_volume_handle", large(&[Some("vol-1")])),
            ("persistentvolume_labels", utf8(&[Some("{}")])),
            ("persistentvolumeclaim_labels", utf8(&[Some("{}")])),
            ("interval_start", ts(&["2025-10-03 00:00:00"])),
            ("report_period_start", ts(&[RPS])),
            ("report_period_end", ts(&[RPE])),
            ("persistentvolumeclaim_capacity_bytes", f64s(&[Some(3e10)])),
            (
                "persistentvolumeclaim_capacity_byte_seconds",
                f64s(&[Some(2.592e15)]),
            ),
            ("volume_request_storage_byte_seconds", f64s(&[Some(0.0)])),
            (
                "persistentvolumeclaim_usage_byte_seconds",
                f64s(&[Some(0.0)]),
            ),
        ]),
    );

    // Node labels: two days in one file (row-level filtering within a file).
    put_parquet(
        root,
        &format!(
            "{}/node_labels.2025-10-01.1.0_daily_0.parquet",
            daily("node_labels", SOURCE, "10")
        ),
        &batch(vec![
            ("node", utf8(&[Some("n1"), Some("n1")])),
            (
                "node_labels",
                utf8(&[
                    Some("{\"kubernetes_io_arch\": \"amd64\"}"),
                    Some("{\"kubernetes_io_arch\": \"amd64\"}"),
                ]),
            ),
            (
                "interval_start",
                ts(&["2025-10-01 00:00:00", "2025-10-02 00:00:00"]),
            ),
            ("report_period_start", ts(&[RPS, RPS])),
            ("report_period_end", ts(&[RPE, RPE])),
        ]),
    );
    // Namespace labels: large_utf8 and UTC timestamps.
    put_parquet(
        root,
        &format!(
            "{}/namespace_labels.2025-10-02.1.0_daily_0.parquet",
            daily("namespace_labels", SOURCE, "10")
        ),
        &batch(vec![
            ("report_period_end", ts_utc(&[RPE, RPE])),
            ("report_period_start", ts_utc(&[RPS, RPS])),
            (
                "interval_start",
                ts_utc(&["2025-10-02 00:00:00", "2025-10-03 00:00:00"]),
            ),
            (
                "namespace_labels",
                large(&[Some("{\"team\": \"a\"}"), Some("{}")]),
            ),
            ("namespace", large(&[Some("ns1"), Some("ns2")])),
        ]),
    );
    // Another source's daily data under the same month: never read.
    put(
        root,
        &format!(
            "{}/pod_usage.2025-10-02.1.0_daily_0.parquet",
            daily("pod_usage", OTHER_SOURCE, "10")
        ),
        b"garbage: must not be read",
    );
}

/// Write the offline PostgreSQL-input files and return their paths `(cost categories, node roles)`.
pub fn write_flag_files(dir: &Path) -> (PathBuf, PathBuf) {
    let cc = dir.join("cost_categories.csv");
    std::fs::write(
        &cc,
        "namespace,cost_category_id\nopenshift-%,1\nkube-%,1\nPlatform unallocated,1\nopenshift,1\nmy-app,2\n",
    )
    .unwrap();
    let nodes = dir.join("nodes.csv");
    std::fs::write(
        &nodes,
        "node,resource_id,node_role\nn2,i-2,\"\"\nn1,i-1,worker\nm1,i-9,master\nn3,,\n",
    )
    .unwrap();
    (cc, nodes)
}

// --- reading outputs ----------------------------------------------------------------------------

/// Every row of an extracted dataset as display strings (`NULL` for nulls), in file order.
pub fn rows(out: &Path, dataset: &'static Dataset) -> Vec<Vec<String>> {
    let wd = WorkDir::open(out).unwrap();
    let batches = wd
        .reader(stage::EXTRACT, dataset)
        .unwrap()
        .read_all()
        .unwrap();
    let mut out_rows = Vec::new();
    for b in &batches {
        for r in 0..b.num_rows() {
            out_rows.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(r) {
                            "NULL".to_string()
                        } else {
                            array_value_to_string(c, r).unwrap()
                        }
                    })
                    .collect(),
            );
        }
    }
    out_rows
}

/// Convenience for comparing against literal rows.
pub fn strs(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// Names of the files in a folder (sorted).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The `.arrow` files of a work dir, with their bytes.
pub fn arrow_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_in(dir)
        .into_iter()
        .filter(|f| f.ends_with(".arrow"))
        .map(|f| {
            let b = std::fs::read(dir.join(&f)).unwrap();
            (f, b)
        })
        .collect()
}
