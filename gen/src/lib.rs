//! `koku-gen`: a deterministic scale generator of koku-layout OCP Parquet (this module) and of the AWS
//! CUR Parquet of the account the same cluster runs in ([`aws`]).
//!
//! Writes, for a simulated cluster (see [`model`]), what koku's masu writes to object storage for an
//! OpenShift source (input-data.md §2–§5): per usage day and report type (`pod_usage`,
//! `storage_usage`, `node_labels`, `namespace_labels`) hourly files of ≤ 200,000 rows and, per such
//! batch, its daily roll-up, under
//! `data/parquet[/daily]/<account>/OCP/<type>/source=<uuid>/year=YYYY/month=MM/`, named like koku's
//! (`pod_usage.2025-10-01.1.0_0.parquet`, `pod_usage.2025-10-01.1.0_daily_0.parquet`). Physical types as
//! koku writes them: Snappy, one row group per file, dictionary-encoded strings with statistics,
//! `Utf8` text, `Float64` measures, `Timestamp(ms)` naive, daily `node_role` as `large_utf8`, labels as
//! Python `json.dumps` text.
//!
//! Next to `data/` it writes `seed.sql` (the PostgreSQL rows koku would hold for the source: provider,
//! report periods, enabled tag keys, nodes) and `dataset.json` (the parameters and row counts).
//!
//! Output is a pure function of the [`Config`] (every random draw is a hash of the seed and what is
//! drawn), so it is byte-identical for any `threads`. Days are independent and are generated in
//! parallel; within a day rows are streamed batch by batch, so memory is bounded by one batch per
//! thread, not by the size of the month.

pub mod aws;
pub mod model;
pub mod rng;
pub mod tables;

use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use arrow::array::RecordBatch;
use chrono::{Datelike, Days, NaiveDate};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use model::Cluster;
use tables::{DayTimes, LabelTable, PodTable, StorageTable, Table};

/// koku's `PARQUET_PROCESSING_BATCH_SIZE`.
pub const KOKU_BATCH_ROWS: usize = 200_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub nodes: u32,
    pub pods_per_node: u32,
    pub days: u32,
    pub start_date: NaiveDate,
    /// Persistent volumes per node (some shared between two nodes, some without a claim).
    pub pvcs_per_node: u32,
    /// Distinct pod label keys in the cluster, and values per key.
    pub label_keys: u32,
    pub label_values: u32,
    pub seed: u64,
    /// Tenant schema (`org1234567`; legacy `acct<N>` drops `acct` in the key).
    pub schema: String,
    pub source: String,
    pub cluster_id: String,
    pub manifest_id: u32,
    /// Rows per hourly file (koku: 200,000).
    pub batch_rows: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            nodes: 40,
            pods_per_node: 104,
            days: 1,
            start_date: NaiveDate::from_ymd_opt(2025, 10, 1).expect("valid"),
            pvcs_per_node: 2,
            label_keys: 8,
            label_values: 20,
            seed: 42,
            schema: "org1234567".into(),
            source: "00000000-0000-0000-0000-000000000001".into(),
            cluster_id: "koku-gen-cluster".into(),
            manifest_id: 1,
            batch_rows: KOKU_BATCH_ROWS,
        }
    }
}

impl Config {
    pub fn validate(&self) -> Result<()> {
        if self.nodes == 0 || self.pods_per_node == 0 || self.days == 0 {
            bail!("--nodes, --pods-per-node and --days must be at least 1");
        }
        if self.batch_rows == 0 {
            bail!("--batch-rows must be at least 1");
        }
        uuid::Uuid::parse_str(&self.source).context("--source must be a UUID")?;
        if self.schema.is_empty()
            || !self
                .schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            bail!("--schema must be a plain identifier");
        }
        Ok(())
    }

    /// The account part of the object keys (legacy `acct<N>` schemas drop the prefix).
    pub fn account(&self) -> &str {
        match self.schema.strip_prefix("acct") {
            Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => n,
            _ => &self.schema,
        }
    }

    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        (0..self.days).map(|d| self.start_date + Days::new(d as u64))
    }

    pub fn end_date(&self) -> NaiveDate {
        self.start_date + Days::new(self.days as u64 - 1)
    }

    /// The parameters as JSON (recorded in `dataset.json`; `scripts/bench.sh` compares them to decide
    /// whether a cached dataset can be reused).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "generator": format!("koku-gen {}", env!("CARGO_PKG_VERSION")),
            "nodes": self.nodes,
            "pods_per_node": self.pods_per_node,
            "days": self.days,
            "start_date": self.start_date.to_string(),
            "pvcs_per_node": self.pvcs_per_node,
            "label_keys": self.label_keys,
            "label_values": self.label_values,
            "seed": self.seed,
            "schema": self.schema,
            "source": self.source,
            "cluster_id": self.cluster_id,
            "manifest_id": self.manifest_id,
            "batch_rows": self.batch_rows,
        })
    }
}

/// The report types written, in this order.
pub const REPORT_TYPES: [&str; 4] = [
    "pod_usage",
    "storage_usage",
    "node_labels",
    "namespace_labels",
];

/// Rows and files written for one report type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub hourly_rows: u64,
    pub daily_rows: u64,
    pub files: u64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Per report type, in [`REPORT_TYPES`] order.
    pub counts: [Counts; 4],
    pub bytes: u64,
}

impl Summary {
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (t, c) in REPORT_TYPES.iter().zip(&self.counts) {
            m.insert(
                t.to_string(),
                serde_json::json!({"hourly_rows": c.hourly_rows, "daily_rows": c.daily_rows, "files": c.files}),
            );
        }
        m.insert("parquet_bytes".into(), serde_json::json!(self.bytes));
        serde_json::Value::Object(m)
    }
}

pub(crate) fn day_ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp_millis()
}

pub(crate) fn month_bounds(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("valid");
    let next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    }
    .expect("valid");
    (first, next)
}

fn writer_properties() -> WriterProperties {
    // pyarrow's defaults as koku uses them: Snappy, dictionary on, chunk statistics, one row group
    // per (≤ 200k-row) file.
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(None)
        .set_max_row_group_bytes(None)
        .set_created_by(format!("koku-gen version {}", env!("CARGO_PKG_VERSION")))
        .build()
}

pub(crate) fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<u64> {
    let tmp = path.with_extension("parquet.tmp");
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut w = ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, file),
        batch.schema(),
        Some(writer_properties()),
    )?;
    w.write(batch)?;
    w.close()?;
    fs::rename(&tmp, path)?;
    Ok(fs::metadata(path)?.len())
}

/// The folders of one report type and month.
fn dirs(cfg: &Config, out: &Path, report_type: &str, d: NaiveDate) -> (PathBuf, PathBuf) {
    let tail = format!(
        "{}/OCP/{report_type}/source={}/year={:04}/month={:02}",
        cfg.account(),
        cfg.source,
        d.year(),
        d.month()
    );
    (
        out.join("data/parquet").join(&tail),
        out.join("data/parquet/daily").join(&tail),
    )
}

/// Generate one report type for one day: hour-major rows, flushed every `batch_rows`.
fn run_table<T: Table>(
    cfg: &Config,
    out: &Path,
    report_type: &str,
    d: NaiveDate,
    table: &mut T,
) -> Result<(Counts, u64)> {
    let (hdir, ddir) = dirs(cfg, out, report_type, d);
    fs::create_dir_all(&hdir)?;
    fs::create_dir_all(&ddir)?;
    let stem = format!("{report_type}.{d}.{}.0", cfg.manifest_id);
    let mut counts = Counts::default();
    let mut bytes = 0;
    let mut k = 0usize;
    let mut flush = |table: &mut T, counts: &mut Counts, bytes: &mut u64| -> Result<()> {
        if table.is_empty() {
            return Ok(());
        }
        let (hourly, daily) = table.flush();
        counts.hourly_rows += hourly.num_rows() as u64;
        counts.daily_rows += daily.num_rows() as u64;
        counts.files += 2;
        *bytes += write_parquet(&hdir.join(format!("{stem}_{k}.parquet")), &hourly)?;
        *bytes += write_parquet(&ddir.join(format!("{stem}_daily_{k}.parquet")), &daily)?;
        k += 1;
        Ok(())
    };
    for h in 0..24 {
        for e in 0..table.entities() {
            table.push(e, h);
            if table.len() >= cfg.batch_rows {
                flush(table, &mut counts, &mut bytes)?;
            }
        }
    }
    flush(table, &mut counts, &mut bytes)?;
    Ok((counts, bytes))
}

fn generate_day(cfg: &Config, cluster: &Cluster, out: &Path, day_index: u32) -> Result<Summary> {
    let d = cfg.start_date + Days::new(day_index as u64);
    let (rps, rpe) = month_bounds(d);
    let times = DayTimes {
        first_hour: day_index * 24,
        day_ms: day_ms(d),
        report_period_start_ms: day_ms(rps),
        report_period_end_ms: day_ms(rpe),
        day_index,
    };
    let cap = cfg.batch_rows.min(cluster.slots.len() * 24);
    let mut counts = [Counts::default(); 4];
    let mut bytes = 0;
    let (c, b) = run_table(
        cfg,
        out,
        REPORT_TYPES[0],
        d,
        &mut PodTable::new(cluster, times, cap),
    )?;
    (counts[0], bytes) = (c, bytes + b);
    let (c, b) = run_table(
        cfg,
        out,
        REPORT_TYPES[1],
        d,
        &mut StorageTable::new(cluster, times, cap.min(1 << 16)),
    )?;
    (counts[1], bytes) = (c, bytes + b);
    let (c, b) = run_table(
        cfg,
        out,
        REPORT_TYPES[2],
        d,
        &mut LabelTable::new(cluster, times, true, 1024),
    )?;
    (counts[2], bytes) = (c, bytes + b);
    let (c, b) = run_table(
        cfg,
        out,
        REPORT_TYPES[3],
        d,
        &mut LabelTable::new(cluster, times, false, 1024),
    )?;
    (counts[3], bytes) = (c, bytes + b);
    Ok(Summary { counts, bytes })
}

/// Generate the dataset into `out` (which must not hold a `data/` folder yet) with `threads` workers
/// (0 = one per core). Output does not depend on `threads`.
pub fn generate(cfg: &Config, out: &Path, threads: usize) -> Result<Summary> {
    cfg.validate()?;
    prepare_out(out)?;
    let cluster = Cluster::build(cfg);
    let days = for_each_day(cfg.days, threads, |d| {
        generate_day(cfg, &cluster, out, d)
            .with_context(|| format!("day {}", cfg.start_date + Days::new(d as u64)))
    })?;
    let mut total = Summary {
        counts: [Counts::default(); 4],
        bytes: 0,
    };
    for r in days {
        for (t, c) in total.counts.iter_mut().zip(r.counts) {
            t.hourly_rows += c.hourly_rows;
            t.daily_rows += c.daily_rows;
            t.files += c.files;
        }
        total.bytes += r.bytes;
    }
    fs::write(out.join("seed.sql"), seed_sql(cfg, &cluster))?;
    let dataset = serde_json::json!({"config": cfg.to_json(), "written": total.to_json()});
    fs::write(
        out.join("dataset.json"),
        serde_json::to_string_pretty(&dataset)? + "\n",
    )?;
    Ok(total)
}

/// Refuse an output folder that already holds a `data/` folder (never mix two datasets), create it.
pub(crate) fn prepare_out(out: &Path) -> Result<()> {
    if out.join("data").exists() {
        bail!(
            "{} already holds a data/ folder; use an empty folder (or --force)",
            out.display()
        );
    }
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    Ok(())
}

/// Run `f` for the day indices `0..days` on `threads` workers (0 = one per core) and return the results in
/// day order. Days are handed out one at a time; after a failure no new day is started and the error of
/// the earliest failed day is returned.
pub(crate) fn for_each_day<T: Send>(
    days: u32,
    threads: usize,
    f: impl Fn(u32) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
    .min(days as usize)
    .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(u32, Result<T>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let d = next.fetch_add(1, Ordering::Relaxed);
                    if d >= days as usize {
                        break;
                    }
                    let r = f(d as u32);
                    let failed = r.is_err();
                    results
                        .lock()
                        .expect("no poisoned lock")
                        .push((d as u32, r));
                    if failed {
                        next.store(usize::MAX / 2, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().expect("no poisoned lock");
    results.sort_by_key(|(d, _)| *d);
    results.into_iter().map(|(_, r)| r).collect()
}

pub(crate) fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The PostgreSQL rows koku would hold for this source (applied after `scripts/koku-ddl.sql` with the
/// tenant schema on the search path): provider + credentials (cluster id), one report period per
/// month, enabled tag keys (the first half of the pod label keys; the rest disabled), the cluster and
/// its nodes with their roles.
pub fn seed_sql(cfg: &Config, cluster: &Cluster) -> String {
    let mut s = String::new();
    s.push_str("-- Written by koku-gen: koku's PostgreSQL rows for the generated source.\n");
    s.push_str(&format!(
        "INSERT INTO public.api_providerauthentication (id, credentials) VALUES (9001, '{{\"cluster_id\": \"{}\"}}') ON CONFLICT DO NOTHING;\n",
        cfg.cluster_id.replace('\'', "''").replace('"', "\\\"")
    ));
    s.push_str(&format!(
        "INSERT INTO public.api_provider (uuid, name, type, authentication_id, setup_complete) VALUES ({}, {}, 'OCP', 9001, true) ON CONFLICT DO NOTHING;\n",
        sql_str(&cfg.source),
        sql_str(&format!("koku-gen {}", cfg.cluster_id))
    ));
    let mut months: Vec<(NaiveDate, NaiveDate)> = cfg.dates().map(month_bounds).collect();
    months.dedup();
    for (i, (a, b)) in months.iter().enumerate() {
        s.push_str(&format!(
            "INSERT INTO reporting_ocpusagereportperiod (id, cluster_id, cluster_alias, report_period_start, report_period_end, provider_id) VALUES ({}, {}, {}, '{a} 00:00:00+00', '{b} 00:00:00+00', {}) ON CONFLICT DO NOTHING;\n",
            i + 1,
            sql_str(&cfg.cluster_id),
            sql_str(&format!("koku-gen {}", cfg.cluster_id)),
            sql_str(&cfg.source)
        ));
    }
    let enabled = cluster.keys.len().div_ceil(2);
    if !cluster.keys.is_empty() {
        let rows: Vec<String> = cluster
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("({}, {}, 'OCP')", sql_str(k), i < enabled))
            .collect();
        s.push_str(&format!(
            "INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type) VALUES {} ON CONFLICT DO NOTHING;\n",
            rows.join(", ")
        ));
    }
    s.push_str(&format!(
        "INSERT INTO reporting_ocp_clusters (uuid, cluster_id, cluster_alias, provider_id) VALUES ('00000000-0000-0000-0000-00000000c0de', {}, {}, {}) ON CONFLICT DO NOTHING;\n",
        sql_str(&cfg.cluster_id),
        sql_str(&format!("koku-gen {}", cfg.cluster_id)),
        sql_str(&cfg.source)
    ));
    for chunk in cluster.nodes.chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|n| {
                format!(
                    "({}, {}, {}, {}, 'amd64', '00000000-0000-0000-0000-00000000c0de')",
                    sql_str(&n.name),
                    sql_str(&n.resource_id),
                    n.cores,
                    sql_str(n.role)
                )
            })
            .collect();
        s.push_str(&format!(
            "INSERT INTO reporting_ocp_nodes (node, resource_id, node_capacity_cpu_cores, node_role, architecture, cluster_id) VALUES {};\n",
            rows.join(",\n  ")
        ));
    }
    s
}
