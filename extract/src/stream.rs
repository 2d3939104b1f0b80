//! Streaming koku's objects into the work dir, shared by every flow: the I/O runtime, objects fetched
//! ahead in key order ([`fetch_in_order`]), one dataset decoded, checked and written batch by batch
//! ([`stream_dataset`]), progress, the clean-up of outputs when a run fails before `run.json`
//! records them ([`FinishedOutputs`]), and the stage record every flow writes at the end
//! ([`record_extract`], [`datasets_json`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::compute::BatchCoalescer;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use indicatif::{ProgressBar, ProgressStyle};
use koku_common::schema::Dataset;
use koku_common::workdir::{
    DatasetWriter, InputRecord, OutputRecord, RunIdentity, StageRecord, WorkDir, stage,
};
use serde_json::json;
use tokio::runtime::Runtime;

use crate::checks::Findings;
use crate::error::{ExtractError, Result};
use crate::parquet_read::{DEFAULT_BATCH_SIZE, ParquetFile};
use crate::source::{ObjectMeta, ObjectSource};

/// How to extract (tuning knobs; none changes the output bytes except `batch_size`).
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Objects fetched ahead, in parallel, while the previous one is decoded.
    pub concurrency: usize,
    /// Rows per decoded and per written batch.
    pub batch_size: usize,
    /// The clamp pass keeps the daily pod objects in memory for the main pass as long as their total
    /// size stays below this many bytes (saves downloading them twice); 0 disables.
    pub clamp_cache_bytes: u64,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Accept a run that finds no input files (`--allow-empty`); otherwise it is refused before
    /// anything is written.
    pub allow_empty: bool,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            concurrency: 4,
            batch_size: DEFAULT_BATCH_SIZE,
            clamp_cache_bytes: 64 << 20,
            progress: false,
            allow_empty: false,
        }
    }
}

/// What one dataset received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSummary {
    pub name: &'static str,
    pub rows: u64,
    /// Parquet objects read; `None` for PostgreSQL datasets.
    pub files: Option<usize>,
    /// Prefix listed, or where the PostgreSQL rows came from (`database`, `--enabled-keys`, ...).
    pub from: String,
    /// Counted value warnings ([`crate::checks`]), one line each.
    pub warnings: Vec<String>,
}

/// The result of a successful extract (any flow).
#[derive(Debug, Clone)]
pub struct ExtractReport {
    pub identity: RunIdentity,
    pub datasets: Vec<DatasetSummary>,
    pub outputs: BTreeMap<String, OutputRecord>,
}

/// `tool` of the extract's stage record.
pub const TOOL: &str = "koku-extract";

/// A tokio runtime suitable for [`crate::extract_ocp`], [`crate::extract_aws`] and [`crate::source::S3Source::connect`]: a few
/// worker threads run the fetches, while decoding stays on the calling thread.
pub fn new_runtime() -> Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("koku-extract-io")
        .build()
        .map_err(|e| ExtractError::Usage(format!("cannot start the I/O runtime: {e}")))
}

/// Removes outputs that were renamed into place if the run fails before `run.json` records them.
pub struct FinishedOutputs {
    pub dir: PathBuf,
    pub files: Vec<String>,
    pub keep: bool,
}

impl Drop for FinishedOutputs {
    fn drop(&mut self) {
        if !self.keep {
            for f in &self.files {
                let _ = std::fs::remove_file(self.dir.join(f));
            }
        }
    }
}

/// Fetch `objects` in key order with up to `concurrency` requests in flight. Each fetch is spawned on
/// the runtime's workers, so downloads continue while the caller decodes; `buffered` hands results
/// back in input order, which keeps outputs deterministic.
pub fn fetch_in_order<'a>(
    rt: &'a Runtime,
    source: &Arc<dyn ObjectSource>,
    objects: &'a [ObjectMeta],
    concurrency: usize,
) -> impl Iterator<Item = (&'a ObjectMeta, Result<Bytes>)> + 'a {
    let source = source.clone();
    let handle = rt.handle().clone();
    let mut stream: BoxStream<'a, (&'a ObjectMeta, Result<Bytes>)> = futures::stream::iter(objects)
        .map(move |meta| {
            let task = handle.spawn(source.get(meta));
            let location = source.location(&meta.key);
            async move {
                let got = match task.await {
                    Ok(r) => r,
                    Err(e) => Err(ExtractError::source_err(
                        location.clone(),
                        format!("fetch task failed: {e}"),
                    )),
                };
                let got = got.and_then(|b| {
                    if b.len() as u64 == meta.size {
                        Ok(b)
                    } else {
                        // The object changed between the listing and the read: a new listing, on
                        // a retry, sees it whole.
                        Err(ExtractError::transient_source_err(
                            location,
                            format!(
                                "listed as {} bytes but {} bytes were read (changed while reading?)",
                                meta.size,
                                b.len()
                            ),
                        ))
                    }
                });
                (meta, got)
            }
        })
        .buffered(concurrency.max(1))
        .boxed();
    std::iter::from_fn(move || rt.block_on(stream.next()))
}

/// What [`stream_dataset`] read.
#[derive(Debug, Default)]
pub struct Streamed {
    /// One record per object, in key order.
    pub inputs: Vec<InputRecord>,
    /// Warnings counted over every object ([`crate::checks`]).
    pub findings: Findings,
    /// Rows the objects hold (their footers' counts), kept or not.
    pub rows_in_files: u64,
}

/// Stream one Parquet dataset into its writer, checking its values ([`crate::checks`]). `observe`
/// sees every kept batch before it is written (a flow's own tallies; OCP passes a no-op).
#[allow(clippy::too_many_arguments)]
pub fn stream_dataset(
    rt: &Runtime,
    source: &Arc<dyn ObjectSource>,
    dataset: &'static Dataset,
    objects: &[ObjectMeta],
    cache: Option<Vec<Bytes>>,
    bounds: (i64, i64),
    opts: &ExtractOptions,
    writer: &mut DatasetWriter,
    bar: &ProgressBar,
    observe: &mut dyn FnMut(&RecordBatch),
) -> Result<Streamed> {
    let mut keep = |batch: RecordBatch| {
        observe(&batch);
        Ok(batch)
    };
    stream_inner(
        rt,
        source,
        dataset,
        dataset,
        objects,
        cache,
        bounds,
        opts,
        writer,
        bar,
        &mut |_, batch| keep(batch),
    )
}

/// [`stream_dataset`] for a writer whose dataset (`out`) differs from what the files hold:
/// `file_dataset` says what to decode from each object (columns, time filter, checks), `map` turns
/// each kept batch, with the object's key, into a batch of `out` (adding a column the key holds,
/// dropping rows: the OCP-on-AWS flow).
#[allow(clippy::too_many_arguments)]
pub fn stream_mapped(
    rt: &Runtime,
    source: &Arc<dyn ObjectSource>,
    file_dataset: &'static Dataset,
    out: &'static Dataset,
    objects: &[ObjectMeta],
    bounds: (i64, i64),
    opts: &ExtractOptions,
    writer: &mut DatasetWriter,
    bar: &ProgressBar,
    map: &mut dyn FnMut(&str, RecordBatch) -> Result<RecordBatch>,
) -> Result<Streamed> {
    stream_inner(
        rt,
        source,
        file_dataset,
        out,
        objects,
        None,
        bounds,
        opts,
        writer,
        bar,
        map,
    )
}

#[allow(clippy::too_many_arguments)]
fn stream_inner(
    rt: &Runtime,
    source: &Arc<dyn ObjectSource>,
    dataset: &'static Dataset,
    out: &'static Dataset,
    objects: &[ObjectMeta],
    cache: Option<Vec<Bytes>>,
    bounds: (i64, i64),
    opts: &ExtractOptions,
    writer: &mut DatasetWriter,
    bar: &ProgressBar,
    map: &mut dyn FnMut(&str, RecordBatch) -> Result<RecordBatch>,
) -> Result<Streamed> {
    let mut coalescer = BatchCoalescer::new(out.schema(), opts.batch_size.max(1));
    let mut records = Vec::with_capacity(objects.len());
    let mut findings = Findings::default();
    let mut rows_in_files = 0u64;
    let fetched: Box<dyn Iterator<Item = (&ObjectMeta, Result<Bytes>)>> = match cache {
        Some(c) if c.len() == objects.len() => Box::new(objects.iter().zip(c.into_iter().map(Ok))),
        _ => Box::new(fetch_in_order(rt, source, objects, opts.concurrency)),
    };
    for (meta, bytes) in fetched {
        let bytes = bytes?;
        let file = source.location(&meta.key);
        let pq = ParquetFile::open(&file, bytes)?;
        let file_rows = pq.num_rows();
        rows_in_files += file_rows;
        let mut kept = 0u64;
        let mut batches = pq.batches(dataset, bounds, opts.batch_size)?;
        for batch in batches.by_ref() {
            let batch = map(&meta.key, batch?)?;
            kept += batch.num_rows() as u64;
            coalescer
                .push_batch(batch)
                .map_err(|e| ExtractError::arrow(&file, e))?;
            while let Some(b) = coalescer.next_completed_batch() {
                writer.write(&b)?;
            }
        }
        findings.merge(batches.findings());
        tracing::debug!(file = %file, rows = file_rows, kept, "read");
        records.push(InputRecord {
            key: file,
            size: meta.size,
            etag: meta.etag.clone(),
            sha256: None,
            rows: Some(kept),
        });
        bar.inc(1);
    }
    coalescer
        .finish_buffered_batch()
        .map_err(|e| ExtractError::arrow(dataset.name, e))?;
    while let Some(b) = coalescer.next_completed_batch() {
        writer.write(&b)?;
    }
    Ok(Streamed {
        inputs: records,
        findings,
        rows_in_files,
    })
}

/// What `run.json` records of each dataset: rows, where they came from, the files read and the
/// counted warnings.
pub fn datasets_json(summaries: &[DatasetSummary]) -> serde_json::Value {
    let datasets: serde_json::Map<String, serde_json::Value> = summaries
        .iter()
        .map(|s| {
            (
                s.name.to_string(),
                match s.files {
                    Some(n) if s.warnings.is_empty() => {
                        json!({"rows": s.rows, "files_listed": n, "files_read": n, "from": s.from})
                    }
                    Some(n) => json!({
                        "rows": s.rows, "files_listed": n, "files_read": n, "from": s.from,
                        "warnings": s.warnings,
                    }),
                    None => json!({"rows": s.rows, "from": s.from}),
                },
            )
        })
        .collect();
    serde_json::Value::Object(datasets)
}

/// Files read over every Parquet dataset.
pub fn files_read(summaries: &[DatasetSummary]) -> usize {
    summaries.iter().filter_map(|s| s.files).sum()
}

/// The last step of every flow: finish the writers (each renamed into place), then record the stage
/// in `run.json`. An output renamed before a later failure is removed again, so `run.json` never
/// claims an extract that did not finish and no file stays under a real name without it.
pub fn record_extract(
    workdir: &mut WorkDir,
    pending: Vec<(&'static Dataset, DatasetWriter)>,
    started_at: DateTime<Utc>,
    inputs: Vec<InputRecord>,
    details: BTreeMap<String, serde_json::Value>,
) -> Result<BTreeMap<String, OutputRecord>> {
    let mut finished = FinishedOutputs {
        dir: workdir.path().to_path_buf(),
        files: Vec::new(),
        keep: false,
    };
    let mut outputs = BTreeMap::new();
    for (dataset, writer) in pending {
        let record = writer.finish()?;
        finished.files.push(record.file.clone());
        outputs.insert(dataset.name.to_string(), record);
    }
    workdir.record_stage(
        stage::EXTRACT,
        StageRecord {
            tool: TOOL.into(),
            version: koku_common::VERSION.into(),
            started_at,
            finished_at: Utc::now(),
            inputs,
            outputs: outputs.clone(),
            details,
        },
    )?;
    finished.keep = true;
    Ok(outputs)
}

pub fn progress_bar(enabled: bool, len: u64, message: &'static str) -> ProgressBar {
    if !enabled || len == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} files ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
