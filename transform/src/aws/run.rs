//! `koku-transform aws`: the daily CUR of the month partition read twice, the AWS daily summary and
//! the EC2 compute summary written.
//!
//! Pass 1 reads every batch once: it indexes which batches hold which days of the run's window
//! ([`DayIndex::within`]) and folds the EC2 summary over the whole partition ([`Ec2Fold`]: memory
//! bounded by the number of instances and resource ids). Pass 2 computes the daily summary day by day
//! on the day workers from only that day's batches ([`daily_summary::compute`]) and writes each day
//! as it is done, so the memory is bounded by a day of rows per thread, never the month. The EC2 rows
//! are finished last, as koku runs its EC2 statement after the daily summary (so an input koku's
//! daily insert fails on is reported before an EC2 one).

use std::collections::BTreeMap;
use std::path::Path;

use koku_common::schema::ENABLED_TAG_KEYS;
use koku_common::schema::aws::{
    AWS_ACCOUNT_ALIASES, AWS_DAILY_SUMMARY, AWS_EC2_COMPUTE_SUMMARY, AWS_LINE_ITEMS_DAILY,
    AWS_MARKUP, AWS_ORGANIZATIONAL_UNITS,
};
use koku_common::workdir::{BackgroundChecks, RUN_FILE, WorkDir};

use super::daily_summary::{self, DayInput, DayOutput, Window};
use super::ec2::{self, Ec2Fold, Ec2Report, Ec2Scope};
use super::inputs::{self, DAY_COLUMN, RunParams};
use super::lookups::{AccountAliases, OrganizationalUnits};
use super::tags::TagMemo;
use crate::core::day_workers;
use crate::core::days::{DayIndex, DayStream, date_of};
use crate::core::input::{arrow_error, enabled_keys, open_input, read_all};
use crate::core::options::TransformOptions;
use crate::core::output::OutputWriter;
use crate::core::stage::{Computed, run_stage};
use crate::error::TransformError;

/// What `koku-transform aws` can be asked besides the shared options.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// EC2 rows koku would write outside its delete scope ([`super::ec2`]).
    pub ec2_scope: Ec2Scope,
    /// Leave the EC2 compute summary out (koku computes it only when its Unleash flag
    /// `cost-management.backend.feature-4403-enable-ec2-compute-processing` is on for the schema);
    /// the dataset is then not recorded, and the load leaves koku's EC2 table alone.
    pub skip_ec2: bool,
}

/// What `koku-transform aws` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsReport {
    /// Days of the window with rows.
    pub days: usize,
    pub daily_summary_rows: u64,
    pub ec2: Ec2Report,
}

/// Run the AWS transform on the work dir at `path` with the default options.
pub fn transform_aws(path: &Path) -> Result<AwsReport, TransformError> {
    transform_aws_with(path, &TransformOptions::default(), &AwsOptions::default())
}

/// Run the AWS transform on the work dir at `path` (module doc).
pub fn transform_aws_with(
    path: &Path,
    opts: &TransformOptions,
    aws: &AwsOptions,
) -> Result<AwsReport, TransformError> {
    let (report, _) = run_stage(path, "aws", |wd, checks| {
        let (writer, report) = summarise(wd, opts, aws, checks)?;
        let Summarised {
            daily,
            ec2_batch,
            days,
            ec2,
        } = report;
        let details: BTreeMap<String, serde_json::Value> = [
            ("days", serde_json::json!(days)),
            ("ec2_instances", serde_json::json!(ec2.instances)),
            (
                "ec2_instances_without_latest_values",
                serde_json::json!(ec2.without_latest_values),
            ),
            ("ec2_rows_left_out", serde_json::json!(ec2.left_out)),
            (
                "ec2_rows_clamped_to_month",
                serde_json::json!(ec2.clamped_to_month),
            ),
            (
                "ec2_scope",
                serde_json::json!(format!("{:?}", aws.ec2_scope)),
            ),
            ("ec2_skipped", serde_json::json!(aws.skip_ec2)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(Computed {
            writers: vec![(&AWS_DAILY_SUMMARY, writer)],
            batches: ec2_batch
                .map(|b| vec![(&AWS_EC2_COMPUTE_SUMMARY, b)])
                .unwrap_or_default(),
            details,
            report: (days, daily, ec2),
        })
    })?;
    let (days, daily_summary_rows, ec2) = report;
    Ok(AwsReport {
        days,
        daily_summary_rows,
        ec2,
    })
}

struct Summarised {
    daily: u64,
    /// `None` with [`AwsOptions::skip_ec2`].
    ec2_batch: Option<arrow::array::RecordBatch>,
    days: usize,
    ec2: Ec2Report,
}

/// Both passes; returns the daily summary's writer (unfinished) and the rest.
fn summarise(
    wd: &WorkDir,
    opts: &TransformOptions,
    aws: &AwsOptions,
    checks: &BackgroundChecks,
) -> Result<(koku_common::workdir::DatasetWriter, Summarised), TransformError> {
    let identity = wd.identity();
    if identity.bill_id.is_none() {
        return Err(koku_common::Error::BadRunFile {
            path: wd.path().join(RUN_FILE),
            reason: "the AWS run has no bill_id (koku summarises only a month with a \
                     reporting_awscostentrybill row and writes its id into every row)"
                .into(),
        }
        .into());
    }
    let markup = inputs::markup(&read_all(wd, &AWS_MARKUP, checks)?)?;
    let run = RunParams::new(identity, markup);
    let memo = TagMemo::new(enabled_keys(
        &ENABLED_TAG_KEYS,
        &read_all(wd, &ENABLED_TAG_KEYS, checks)?,
    ));
    let aliases = AccountAliases::new(inputs::account_aliases(&read_all(
        wd,
        &AWS_ACCOUNT_ALIASES,
        checks,
    )?));
    let ous = OrganizationalUnits::new(
        inputs::organizational_units(&read_all(wd, &AWS_ORGANIZATIONAL_UNITS, checks)?),
        &run.source_uuid,
    );

    // Pass 1: the window's day index and the EC2 fold over the whole partition.
    let mut reader = open_input(wd, &AWS_LINE_ITEMS_DAILY, checks)?;
    let path = reader.path().to_path_buf();
    let mut index = DayIndex::within(
        &AWS_LINE_ITEMS_DAILY,
        DAY_COLUMN,
        run.first_day,
        run.last_day,
    );
    let mut ec2 = Ec2Fold::default();
    for batch in reader.by_ref() {
        let batch = batch.map_err(arrow_error(&path))?;
        index.add_batch(&batch)?;
        if !aws.skip_ec2 {
            ec2.add_batch(&batch);
        }
    }
    reader.rewind()?;
    let days: Vec<_> = index.days().into_iter().collect();
    tracing::debug!(
        days = days.len(),
        "pass 1 done: the window indexed, EC2 folded"
    );

    // Pass 2: the daily summary, day by day on the workers, written in day order.
    let mut stream = DayStream::new(reader, index);
    let window = Window {
        run: &run,
        aliases: &aliases,
        ous: &ous,
    };
    let bar = opts.progress_bar(days.len() as u64);
    let mut summary = OutputWriter::new(wd, &AWS_DAILY_SUMMARY)?;
    let mut daily = 0u64;
    let n_days = days.len();
    day_workers::run(
        opts.threads(),
        days,
        |day| {
            Ok(DayInput {
                day,
                batches: stream.take(day)?,
            })
        },
        |input: &DayInput, memo: &mut TagMemo| daily_summary::compute(input, &window, memo),
        memo.clone(),
        |out: DayOutput| {
            tracing::debug!(day = %date_of(out.day), rows = out.batch.num_rows(), "summarised");
            daily += out.batch.num_rows() as u64;
            summary.push(out.batch)?;
            bar.inc(1);
            Ok(())
        },
    )?;
    let writer = summary.flush()?;
    bar.finish_and_clear();

    let mut memo = memo;
    let (ec2_rows, ec2_report) = ec2.finish(&run, &aliases, &mut memo, aws.ec2_scope)?;
    Ok((
        writer,
        Summarised {
            daily,
            ec2_batch: (!aws.skip_ec2).then(|| ec2::to_batch(&ec2_rows, &run)),
            days: n_days,
            ec2: ec2_report,
        },
    ))
}
