//! `koku-extract aws`: one AWS source, one window of one month → the work dir's input datasets.
//!
//! Order of operations (mirrors koku's `AWSReportParquetSummaryUpdater.update_summary_tables`, spec
//! aws-daily-summary §1.2):
//!
//! 1. validate the run parameters (schema name, window inside the month);
//! 2. resolve the PostgreSQL inputs (bill, markup, enabled keys, account aliases, organizational
//!    units) — first, so that a missing flag or a month without a bill (koku does nothing then) fails
//!    before anything is downloaded;
//! 3. list the month partition of the daily CUR (`data/parquet/daily/<account>/AWS/raw/source=…/
//!    year=…/month=…/`); no file at all is refused unless `--allow-empty`;
//! 4. create the work dir with the run identity (flow `aws`, the window as given: koku's AWS summary
//!    does not clamp its start date, and the bill);
//! 5. stream the **whole** partition into `aws_line_items_daily`: the EC2 compute summary reads every
//!    row of it whatever its date (§5.1 step 3), so the daily summary's window filter (§4.1) is the
//!    transform's. Rows whose `lineitem_usagestartdate` is NULL are dropped (the generic stream keeps
//!    rows whose time lies in its bounds, and NULL lies in none), as every date comparison of the
//!    daily summary drops them. koku's EC2 statement has no date filter, so it would add such a row's
//!    measures to its instance's monthly totals (not to its dates or latest values); koku's daily
//!    roll-up gives every row a day, so this does not happen with koku's files. They are counted,
//!    warned about and recorded (`rows_without_usage_date`);
//! 6. write the PostgreSQL datasets, rename everything into place and record the stage, with the
//!    per-day Σ `lineitem_unblendedcost` of the partition (`daily_unblended_cost`), which the load
//!    compares with the loaded daily summary the way koku's `validate_daily_data` compares it with
//!    Trino's sums.
//!
//! The hourly CUR (`data/parquet/<account>/AWS/source=…`) is not read: only the OCP-on-AWS flow needs
//! it.

pub mod pg_inputs;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, RecordBatch};
use chrono::{NaiveDate, Utc};
use indicatif::ProgressBar;
use koku_common::config::DbConfig;
use koku_common::schema::aws::{AWS_INPUTS, AWS_LINE_ITEMS_DAILY};
use koku_common::schema::{Columns, Dataset, Origin};
use koku_common::workdir::{DatasetWriter, InputRecord, RunIdentity, WorkDir};
use serde_json::json;
use tokio::runtime::Runtime;
use uuid::Uuid;

use crate::error::{ExtractError, Result};
use crate::layout::{Partition, account};
use crate::source::{ObjectMeta, ObjectSource};
use crate::stream::{
    DatasetSummary, ExtractOptions, ExtractReport, datasets_json, files_read, progress_bar,
    record_extract, stream_dataset,
};
use crate::window::{Window, ms_to_date};
use pg_inputs::{AwsPgInputs, AwsPgOverrides, MarkupSource};

/// `flow` of the run identity.
pub const FLOW: &str = "aws";

pub use koku_common::schema::aws::DAILY_UNBLENDED_COST_DETAIL as DAILY_UNBLENDED_COST;

/// The whole range of the canonical timestamp: every row with a usage date is kept.
const WHOLE_PARTITION: (i64, i64) = (i64::MIN, i64::MAX);

/// What to extract.
#[derive(Debug, Clone)]
pub struct AwsRequest {
    /// Tenant schema (`org1234567`, legacy `acct10001`).
    pub schema: String,
    /// The AWS source (provider) UUID.
    pub source_uuid: Uuid,
    pub year: i32,
    pub month: u32,
    /// Default: the first day of the month.
    pub start_date: Option<NaiveDate>,
    /// Default: the last day of the month.
    pub end_date: Option<NaiveDate>,
    /// PostgreSQL inputs given as flags (they override the database).
    pub pg: AwsPgOverrides,
    /// koku's database; `None` = every PostgreSQL input from flags.
    pub database: Option<DbConfig>,
    /// The work dir.
    pub out: PathBuf,
}

/// Run the AWS extract. See the module documentation for the order of operations.
pub fn extract_aws(
    rt: &Runtime,
    source: Arc<dyn ObjectSource>,
    req: &AwsRequest,
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

    // 3. The daily CUR partition.
    let partition = Partition {
        account: account(&req.schema).to_string(),
        source_uuid: source_uuid.clone(),
        year: window.year_str(),
        month: window.month_str(),
    };
    let prefix = partition
        .prefix(&AWS_LINE_ITEMS_DAILY)
        .expect("the daily CUR is read from Parquet");
    let objects = rt.block_on(source.list(&prefix))?;
    tracing::info!(
        dataset = AWS_LINE_ITEMS_DAILY.name,
        files = objects.len(),
        prefix = %source.location(&prefix),
        "listed"
    );
    // No daily CUR file at all: koku never summarises without data, and a run that reads nothing
    // would let the load replace koku's rows with nothing (a wrong --from, prefix or source).
    if objects.is_empty() {
        if !opts.allow_empty {
            return Err(ExtractError::NoInput {
                location: source.location(&prefix),
                what: "daily CUR (Parquet)".into(),
            });
        }
        tracing::warn!(
            prefix = %source.location(&prefix),
            "no daily CUR files: an empty run (--allow-empty)"
        );
    }

    // 4. Work dir.
    let identity = RunIdentity {
        flow: FLOW.into(),
        schema: req.schema.clone(),
        source_uuid: source_uuid.clone(),
        cluster_id: None,
        cluster_alias: None,
        year: window.year_str(),
        month: window.month_str(),
        start_date: window.start,
        end_date: window.end,
        requested_start_date: window.start,
        report_period_id: None,
        bill_id: Some(pg.bill_id),
        ocp_cluster_ids: None,
    };
    let mut workdir = WorkDir::create(&req.out, identity.clone())?;

    // 5.–6. Datasets.
    let bar = progress_bar(opts.progress, objects.len() as u64, "extracting");
    let mut pending: Vec<(&'static Dataset, DatasetWriter)> = Vec::new();
    let mut inputs: Vec<InputRecord> = Vec::new();
    let mut summaries: Vec<DatasetSummary> = Vec::new();
    let mut daily = DailyCost::default();
    let mut without_date = 0u64;
    for dataset in AWS_INPUTS.iter().copied() {
        let mut writer = workdir.writer(dataset)?;
        match dataset.origin {
            Origin::Parquet(_) => {
                let read = stream_daily_cur(
                    rt,
                    &source,
                    &objects,
                    &prefix,
                    opts,
                    &mut writer,
                    &bar,
                    &mut |batch| daily.add(batch),
                )?;
                without_date = read.without_date;
                summaries.push(read.summary);
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
    if !objects.is_empty() && !daily.any_in(window.start, window.end) {
        tracing::warn!(
            "no daily CUR rows in {}..{}: the daily summary of this window will be empty",
            window.start,
            window.end
        );
    }

    let details = stage_details(
        &source,
        &window,
        &summaries,
        &pg,
        &daily,
        without_date,
        &prefix,
    );
    let outputs = record_extract(&mut workdir, pending, started_at, inputs, details)?;
    Ok(ExtractReport {
        identity,
        datasets: summaries,
        outputs,
    })
}

/// What [`stream_daily_cur`] read.
pub(crate) struct DailyCurRead {
    pub summary: DatasetSummary,
    pub inputs: Vec<InputRecord>,
    /// Rows left out for a NULL `lineitem_usagestartdate` (see the module docs, step 5).
    pub without_date: u64,
}

/// Step 5: the whole month partition of the daily CUR (`objects`, listed under `prefix`) into
/// `writer`, as the AWS flow reads it; shared with the OCP-on-AWS flow, which reads it the same way.
#[allow(clippy::too_many_arguments)]
pub(crate) fn stream_daily_cur(
    rt: &Runtime,
    source: &Arc<dyn ObjectSource>,
    objects: &[ObjectMeta],
    prefix: &str,
    opts: &ExtractOptions,
    writer: &mut DatasetWriter,
    bar: &ProgressBar,
    observe: &mut dyn FnMut(&RecordBatch),
) -> Result<DailyCurRead> {
    let dataset = &AWS_LINE_ITEMS_DAILY;
    let read = stream_dataset(
        rt,
        source,
        dataset,
        objects,
        None,
        WHOLE_PARTITION,
        opts,
        writer,
        bar,
        observe,
    )?;
    let without_date = read.rows_in_files - writer.rows();
    let mut warnings = read.findings.lines();
    if without_date > 0 {
        warnings.push(format!(
            "{without_date} row(s) without lineitem_usagestartdate left out (koku's EC2 summary would add \
             their measures to their instance's monthly totals)"
        ));
    }
    for w in &warnings {
        tracing::warn!("{}: {w}", dataset.name);
    }
    Ok(DailyCurRead {
        summary: DatasetSummary {
            name: dataset.name,
            rows: writer.rows(),
            files: Some(objects.len()),
            from: source.location(prefix),
            warnings,
        },
        inputs: read.inputs,
        without_date,
    })
}

/// Σ `lineitem_unblendedcost` per usage day of the rows read (SQL `sum`: NULLs ignored, NULL when a
/// day has no value), in file order.
#[derive(Debug, Default)]
struct DailyCost {
    days: BTreeMap<NaiveDate, Option<f64>>,
}

impl DailyCost {
    fn add(&mut self, batch: &RecordBatch) {
        let c = Columns::new(&AWS_LINE_ITEMS_DAILY, batch);
        let (ts, cost) = (
            c.timestamp("lineitem_usagestartdate"),
            c.float("lineitem_unblendedcost"),
        );
        for i in 0..batch.num_rows() {
            // Kept rows always have a date (see the module docs).
            if ts.is_null(i) {
                continue;
            }
            let sum = self.days.entry(ms_to_date(ts.value(i))).or_default();
            if cost.is_valid(i) {
                *sum = Some(sum.unwrap_or(0.0) + cost.value(i));
            }
        }
    }

    fn any_in(&self, start: NaiveDate, end: NaiveDate) -> bool {
        self.days.range(start..=end).next().is_some()
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.days
                .iter()
                .map(|(d, s)| (d.to_string(), json!(s)))
                .collect(),
        )
    }
}

fn stage_details(
    source: &Arc<dyn ObjectSource>,
    window: &Window,
    summaries: &[DatasetSummary],
    pg: &AwsPgInputs,
    daily: &DailyCost,
    without_date: u64,
    prefix: &str,
) -> BTreeMap<String, serde_json::Value> {
    let provenance: serde_json::Map<String, serde_json::Value> = pg
        .provenance
        .iter()
        .map(|(k, p)| (k.to_string(), json!(p.to_string())))
        .collect();
    let markup = match &pg.markup_source {
        MarkupSource::Flag => json!({"m": pg.markup, "from": "--markup"}),
        MarkupSource::CostModel { name, markup } => {
            json!({"m": pg.markup, "from": "cost model", "cost_model": name, "markup": markup})
        }
        MarkupSource::NoCostModel => json!({"m": pg.markup, "from": "no cost model"}),
    };
    [
        ("source".to_string(), json!(source.root())),
        ("partition".into(), json!(source.location(prefix))),
        ("start_date".into(), json!(window.start.to_string())),
        ("end_date".into(), json!(window.end.to_string())),
        ("bill_id".into(), json!(pg.bill_id)),
        ("markup".into(), markup),
        ("files_listed".into(), json!(files_read(summaries))),
        ("files_read".into(), json!(files_read(summaries))),
        ("datasets".into(), datasets_json(summaries)),
        ("rows_without_usage_date".into(), json!(without_date)),
        (DAILY_UNBLENDED_COST.into(), daily.to_json()),
        (
            "postgres_inputs".into(),
            serde_json::Value::Object(provenance),
        ),
    ]
    .into_iter()
    .collect()
}
