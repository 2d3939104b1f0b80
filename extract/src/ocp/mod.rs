//! `koku-extract ocp`: one source, one window of one month → the work dir's input datasets.
//!
//! Order of operations (mirrors koku's `OCPReportParquetSummaryUpdater.update_summary_tables`):
//!
//! 1. validate the run parameters (schema name, window inside the month);
//! 2. resolve the PostgreSQL inputs (cluster id and alias, report period, enabled keys, cost
//!    categories, node roles) — first, so that a missing flag or a run koku would skip fails before
//!    anything is downloaded;
//! 3. list the five Parquet prefixes (spec §2.2);
//! 4. clamp the start date to the first day with daily pod rows (spec §1 step 2) — see
//!    [`clamp_start`] for why this is a separate, cheap pass;
//! 5. create the work dir with the final run identity (it is in every IPC file's metadata, so it
//!    must be known before the first byte is written);
//! 6. stream every dataset into its IPC file, one object at a time, fetching up to `concurrency`
//!    objects ahead while keeping key order, so outputs are deterministic and memory does not grow
//!    with the number of files;
//! 7. rename all outputs into place and record the stage in `run.json`.
//!
//! Failure anywhere leaves no file under a real name: unfinished writers delete their temporary
//! files when dropped, outputs renamed before a later failure are removed again, and `run.json`
//! (rewritten without stage records by `WorkDir::create`) never claims an extract that did not finish.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{NaiveDate, Utc};
use koku_common::config::DbConfig;
use koku_common::schema::{Dataset, OCP_INPUTS, Origin, POD_USAGE_DAILY};
use koku_common::workdir::{DatasetWriter, InputRecord, RunIdentity, WorkDir};
use serde_json::json;
use tokio::runtime::Runtime;
use uuid::Uuid;

use crate::error::{ExtractError, Result};
use crate::layout::{Partition, account};
use crate::parquet_read::ParquetFile;
use crate::source::{ObjectMeta, ObjectSource};
use crate::stream::{
    DatasetSummary, ExtractOptions, datasets_json, fetch_in_order, files_read, progress_bar,
    record_extract, stream_dataset,
};
pub use crate::stream::{ExtractReport, TOOL};
use pg_inputs::{PgInputs, PgOverrides};

pub mod pg_inputs;
use crate::window::{Window, day_ms, ms_to_date};

/// `flow` of the run identity.
pub const FLOW: &str = "ocp";

/// What to extract.
#[derive(Debug, Clone)]
pub struct OcpRequest {
    /// Tenant schema (`org1234567`, legacy `acct10001`).
    pub schema: String,
    /// Provider (source) UUID.
    pub source_uuid: Uuid,
    pub year: i32,
    pub month: u32,
    /// Default: the first day of the month.
    pub start_date: Option<NaiveDate>,
    /// Default: the last day of the month.
    pub end_date: Option<NaiveDate>,
    /// PostgreSQL inputs given as flags (they override the database).
    pub pg: PgOverrides,
    /// koku's database; `None` = every PostgreSQL input from flags.
    pub database: Option<DbConfig>,
    /// The work dir.
    pub out: PathBuf,
}

/// Run the OCP extract. See the module documentation for the order of operations.
pub fn extract_ocp(
    rt: &Runtime,
    source: Arc<dyn ObjectSource>,
    req: &OcpRequest,
    opts: &ExtractOptions,
) -> Result<ExtractReport> {
    let started_at = Utc::now();
    let source_uuid = req.source_uuid.hyphenated().to_string();
    let crate::preflight::Preflight {
        window,
        month_start,
    } = crate::preflight::preflight(
        &req.schema,
        opts.concurrency,
        req.year,
        req.month,
        req.start_date,
        req.end_date,
        &req.out,
        &source_uuid,
        FLOW,
    )?;

    // 2. PostgreSQL inputs.
    let pg = pg_inputs::resolve(
        req.database.as_ref(),
        &req.schema,
        &req.source_uuid,
        month_start,
        &req.pg,
    )?;

    // 3. Listings.
    let partition = Partition {
        account: account(&req.schema).to_string(),
        source_uuid: source_uuid.clone(),
        year: window.year_str(),
        month: window.month_str(),
    };
    let mut listings: Vec<(&'static Dataset, String, Vec<ObjectMeta>)> = Vec::new();
    for dataset in OCP_INPUTS.iter().copied() {
        if let Some(prefix) = partition.prefix(dataset) {
            let objects = rt.block_on(source.list(&prefix))?;
            tracing::info!(
                dataset = dataset.name,
                files = objects.len(),
                prefix = %source.location(&prefix),
                "listed"
            );
            listings.push((dataset, prefix, objects));
        }
    }

    // No daily pod file at all: koku never summarises without data, and a run that reads nothing
    // would let the load replace koku's rows with nothing (a wrong --from, prefix or source).
    let (_, daily_prefix, daily_pod) = listings
        .iter()
        .find(|(d, _, _)| d.name == POD_USAGE_DAILY.name)
        .expect("daily pod usage is an OCP input");
    if daily_pod.is_empty() {
        if !opts.allow_empty {
            return Err(ExtractError::NoInput {
                location: source.location(daily_prefix),
                what: "daily pod usage (Parquet)".into(),
            });
        }
        tracing::warn!(
            prefix = %source.location(daily_prefix),
            "no daily pod usage files: an empty run (--allow-empty)"
        );
    }

    // 4. Start-date clamp.
    let clamp = clamp_start(rt, &source, daily_pod, &window, opts)?;
    let run_window = match clamp.min_interval_start {
        Some(ms) if ms > day_ms(window.start) => window.with_start(ms_to_date(ms)),
        _ => window,
    };
    if run_window.start != window.start {
        tracing::info!(
            requested = %window.start,
            start = %run_window.start,
            "start date clamped to the first day with daily pod data"
        );
    }

    // 5. Work dir.
    let identity = RunIdentity {
        flow: FLOW.into(),
        schema: req.schema.clone(),
        source_uuid: source_uuid.clone(),
        cluster_id: Some(pg.cluster_id.clone()),
        cluster_alias: pg.cluster_alias.clone(),
        year: window.year_str(),
        month: window.month_str(),
        start_date: run_window.start,
        end_date: run_window.end,
        requested_start_date: window.start,
        report_period_id: Some(pg.report_period_id),
        bill_id: None,
        ocp_cluster_ids: None,
    };
    let mut workdir = WorkDir::create(&req.out, identity.clone())?;

    // 6. Datasets.
    let total_files: u64 = listings.iter().map(|(_, _, o)| o.len() as u64).sum();
    let bar = progress_bar(opts.progress, total_files, "extracting");
    let mut pending: Vec<(&'static Dataset, DatasetWriter)> = Vec::new();
    let mut inputs: Vec<InputRecord> = Vec::new();
    let mut summaries: Vec<DatasetSummary> = Vec::new();
    let mut cached = clamp.cache;
    for dataset in OCP_INPUTS.iter().copied() {
        let mut writer = workdir.writer(dataset)?;
        match dataset.origin {
            Origin::Parquet(_) => {
                let (_, prefix, objects) = listings
                    .iter()
                    .find(|(d, _, _)| d.name == dataset.name)
                    .expect("listed above");
                let cache = if dataset.name == POD_USAGE_DAILY.name {
                    cached.take()
                } else {
                    None
                };
                let read = stream_dataset(
                    rt,
                    &source,
                    dataset,
                    objects,
                    cache,
                    run_window.bounds_ms(),
                    opts,
                    &mut writer,
                    &bar,
                    &mut |_| {},
                )?;
                let warnings = read.findings.lines();
                for w in &warnings {
                    tracing::warn!("{}: {w}", dataset.name);
                }
                summaries.push(DatasetSummary {
                    name: dataset.name,
                    rows: writer.rows(),
                    files: Some(objects.len()),
                    from: source.location(prefix),
                    warnings,
                });
                inputs.extend(read.inputs);
            }
            Origin::Postgres => {
                writer.write(&pg.batch(dataset)?)?;
                summaries.push(DatasetSummary {
                    name: dataset.name,
                    rows: writer.rows(),
                    files: None,
                    from: pg
                        .provenance_of(dataset)
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    warnings: Vec::new(),
                });
            }
            Origin::Transform => {
                return Err(ExtractError::Usage(format!(
                    "{} is computed by koku-transform, not extracted",
                    dataset.name
                )));
            }
        }
        pending.push((dataset, writer));
    }
    bar.finish_and_clear();
    if !daily_pod.is_empty()
        && summaries
            .iter()
            .any(|s| s.name == POD_USAGE_DAILY.name && s.rows == 0)
    {
        tracing::warn!(
            "no daily pod rows in {}..{}: the summary of this window will be empty",
            run_window.start,
            run_window.end
        );
    }

    // 7. Rename into place, then record the stage.
    let details = stage_details(&source, &window, &run_window, &clamp.stats, &summaries, &pg);
    let outputs = record_extract(&mut workdir, pending, started_at, inputs, details)?;
    Ok(ExtractReport {
        identity,
        datasets: summaries,
        outputs,
    })
}

/// Facts of the clamp pass, for `run.json`.
#[derive(Debug, Clone, Default)]
struct ClampStats {
    files_scanned: usize,
    min_interval_start: Option<i64>,
    cached: bool,
}

struct Clamp {
    min_interval_start: Option<i64>,
    /// The daily pod objects, in key order, when they all fit in the cache budget.
    cache: Option<Vec<Bytes>>,
    stats: ClampStats,
}

/// Spec §1 step 2: `min(interval_start)` of the daily pod rows of the partition within
/// `[start, end + 1)`.
///
/// Why a separate pass: the clamped start date is part of the run identity, and the identity is in
/// the metadata of every IPC file (written with the schema, before the first batch) and determines
/// which rows of the *other* datasets are kept (koku runs its whole SQL with the clamped start, so
/// e.g. storage or hourly rows before the first pod day are not summarised). Knowing it up front
/// avoids rewriting files. The pass projects `interval_start` only, so it decodes one column; the
/// objects themselves are kept in memory for the main pass when they fit `clamp_cache_bytes`
/// (daily files are small — one day of roll-ups each), otherwise they are fetched again.
fn clamp_start(
    rt: &Runtime,
    source: &Arc<dyn ObjectSource>,
    objects: &[ObjectMeta],
    window: &Window,
    opts: &ExtractOptions,
) -> Result<Clamp> {
    let bounds = window.bounds_ms();
    let mut min: Option<i64> = None;
    let mut cache: Option<Vec<Bytes>> = Some(Vec::new());
    let mut cached_bytes = 0u64;
    let bar = progress_bar(
        opts.progress,
        objects.len() as u64,
        "scanning daily pod dates",
    );
    for (meta, bytes) in fetch_in_order(rt, source, objects, opts.concurrency) {
        let bytes = bytes?;
        let file = source.location(&meta.key);
        let m = ParquetFile::open(&file, bytes.clone())?.min_time(
            &POD_USAGE_DAILY,
            bounds,
            opts.batch_size,
        )?;
        if let Some(m) = m {
            min = Some(min.map_or(m, |x| x.min(m)));
        }
        cached_bytes += bytes.len() as u64;
        match &mut cache {
            Some(c) if cached_bytes <= opts.clamp_cache_bytes => c.push(bytes),
            _ => cache = None,
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(Clamp {
        min_interval_start: min,
        stats: ClampStats {
            files_scanned: objects.len(),
            min_interval_start: min,
            cached: cache.is_some() && !objects.is_empty(),
        },
        cache,
    })
}

fn stage_details(
    source: &Arc<dyn ObjectSource>,
    requested: &Window,
    run: &Window,
    clamp: &ClampStats,
    summaries: &[DatasetSummary],
    pg: &PgInputs,
) -> BTreeMap<String, serde_json::Value> {
    let provenance: serde_json::Map<String, serde_json::Value> = pg
        .provenance
        .iter()
        .map(|(k, p)| (k.to_string(), json!(p.to_string())))
        .collect();
    let min_ts = clamp
        .min_interval_start
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.naive_utc().to_string());
    [
        ("source".to_string(), json!(source.root())),
        (
            "requested_start_date".into(),
            json!(requested.start.to_string()),
        ),
        ("start_date".into(), json!(run.start.to_string())),
        ("end_date".into(), json!(run.end.to_string())),
        (
            "start_clamp".into(),
            json!({
                "daily_pod_files_scanned": clamp.files_scanned,
                "min_interval_start": min_ts,
                "objects_cached_for_main_pass": clamp.cached,
            }),
        ),
        ("files_listed".into(), json!(files_read(summaries))),
        ("files_read".into(), json!(files_read(summaries))),
        ("datasets".into(), datasets_json(summaries)),
        (
            "postgres_inputs".into(),
            serde_json::Value::Object(provenance),
        ),
    ]
    .into_iter()
    .collect()
}
