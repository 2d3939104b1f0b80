//! One load = one transaction: lock, ensure partitions, koku's delete, binary COPY, commit. Any failure
//! before the commit drops the transaction (PostgreSQL rolls it back, also when the connection dies), so
//! the database is either fully updated or unchanged; `run.json` records the stage only after commit.
//!
//! The summary file is read once, a batch at a time (memory stays bounded however large the file is):
//! each batch is converted and checked, then streamed into the COPY. A bad value ends the COPY before
//! its row is sent and the transaction rolls back, so the database is left as it was. (perf: an earlier
//! design checked the whole file in a first pass before touching the database; that pass was 0.13 s of
//! the 1-day load and ≈ 6 s of the 30-day one, spent while PostgreSQL, the bound, sat idle;
//! BENCHMARKS.md.) `--dry-run` checks the whole file first, then counts inside a rolled-back
//! transaction. The file's checksum is checked on the second core while the rows stream; nothing is
//! committed before it has passed.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};
use koku_common::config::DbConfig;
use koku_common::schema::OCP_DAILY_SUMMARY;
use koku_common::workdir::{BackgroundChecks, StageRecord, WorkDir, stage};
use postgres::Transaction;
use serde_json::json;
use uuid::Uuid;

use crate::cluster_info::ClusterInfoOutcome;
use crate::columns::{Converted, Expect, SummaryStats, convert};
use crate::copy::SummaryCopy;
use crate::delete::{DeleteScope, count_scope, delete_scope};
use crate::error::{LoadError, Result, describe_pg};
use crate::ident::SUMMARY_TABLE;
use crate::partition::{PartitionOutcome, ensure_month_partitions, months_between};

/// Tool name recorded in `run.json`.
pub const TOOL: &str = "koku-load";

/// How to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub database: DbConfig,
    /// Tenant schema to load into instead of `run.json`'s (`--schema` / `KOKU_SCHEMA`).
    pub schema: Option<String>,
    /// Do everything up to the delete, count instead of deleting, insert nothing, roll back.
    pub dry_run: bool,
}

/// What a load did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoadReport {
    pub dry_run: bool,
    pub schema: String,
    /// Redacted (`DbConfig`'s `Display`): never a password.
    pub database: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub report_period_id: i32,
    pub source_uuid: String,
    /// Rows deleted by koku's delete scope (dry run: rows that would be).
    pub rows_deleted: u64,
    /// Rows inserted (dry run: rows that would be).
    pub rows_inserted: u64,
    pub summary: SummaryStats,
    /// Partitions created (dry run: that would be created).
    pub partitions: PartitionOutcome,
    /// koku's cluster-information upserts (dry run: what they would do).
    pub cluster_info: ClusterInfoOutcome,
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let kinds = if self.summary.by_row_kind.is_empty() {
            "no rows".to_string()
        } else {
            counts(&self.summary.by_row_kind)
        };
        let target = format!(
            "{}.{SUMMARY_TABLE} ({}..{}, report period {})",
            self.schema, self.start_date, self.end_date, self.report_period_id
        );
        if self.dry_run {
            write!(
                f,
                "dry run: would delete {} and insert {} rows into {target}: {kinds}",
                self.rows_deleted, self.rows_inserted
            )?;
            if !self.summary.by_data_source.is_empty() {
                write!(f, "; data_source: {}", counts(&self.summary.by_data_source))?;
            }
            if let (Some(a), Some(b)) = (
                self.summary.first_usage_start,
                self.summary.last_usage_start,
            ) {
                write!(f, "; usage_start {a}..{b}")?;
            }
            if !self.partitions.created.is_empty() {
                write!(
                    f,
                    "; would create partition {}",
                    self.partitions.created.join(", ")
                )?;
            }
            if self.partitions.rows_moved_from_default > 0 {
                write!(
                    f,
                    " (moving {} rows from the default partition)",
                    self.partitions.rows_moved_from_default
                )?;
            }
            write!(f, "; nothing was changed")
        } else {
            write!(
                f,
                "loaded {} rows into {target}: {kinds}; deleted {}",
                self.rows_inserted, self.rows_deleted
            )?;
            if !self.partitions.created.is_empty() {
                write!(
                    f,
                    "; created partition {}",
                    self.partitions.created.join(", ")
                )?;
            }
            if self.partitions.rows_moved_from_default > 0 {
                write!(
                    f,
                    " ({} rows moved from the default partition)",
                    self.partitions.rows_moved_from_default
                )?;
            }
            Ok(())
        }
    }
}

/// Load the transform's summary of the work dir at `workdir` into PostgreSQL.
pub fn load(workdir: &Path, options: &LoadOptions) -> Result<LoadReport> {
    let started_at = Utc::now();
    let mut wd = WorkDir::open(workdir)?;
    wd.require_stage(stage::TRANSFORM, "; run koku-transform first")?;
    wd.check_consumed(stage::EXTRACT, stage::TRANSFORM, "re-run koku-transform")?;
    let id = wd.identity().clone();
    let schema = options.schema.clone().unwrap_or_else(|| id.schema.clone());
    if schema.is_empty() {
        return Err(LoadError::NotATenant {
            schema,
            reason: "empty schema name".into(),
        });
    }
    let source_uuid = Uuid::parse_str(&id.source_uuid).map_err(|e| {
        LoadError::WorkDir(koku_common::Error::BadRunFile {
            path: workdir.join(koku_common::workdir::RUN_FILE),
            reason: format!("source_uuid {:?} is not a UUID: {e}", id.source_uuid),
        })
    })?;
    let expect = Expect {
        start: id.start_date,
        end: id.end_date,
        report_period_id: id.report_period_id,
        source_uuid,
    };

    // A dry run reports bad input without a connection; a load finds it while streaming (below),
    // and checks the files' checksums on the second core meanwhile, from the start.
    let (checked, checks) = if options.dry_run {
        let summary = scan(&wd, &expect, None, |_| Ok(()))?;
        tracing::info!(
            "{} summary rows checked ({:?})",
            summary.rows,
            summary.by_row_kind
        );
        (Some(summary), None)
    } else {
        (
            None,
            Some(wd.check_outputs_in_background(stage::TRANSFORM)?),
        )
    };

    let database = options.database.to_string();
    let mut client = options.database.connect().map_err(|e| LoadError::Connect {
        db: database.clone(),
        reason: describe_pg(&e),
    })?;
    let mut tx = client
        .transaction()
        .map_err(LoadError::db("begin transaction"))?;
    lock(&mut tx, &schema, &id.source_uuid)?;
    let partitions = ensure_month_partitions(
        &mut tx,
        &schema,
        &months_between(id.start_date, id.end_date),
    )?;
    // koku upserts the cluster information before it summarises (the roles the transform used for
    // the unallocated rows are the ones this leaves in reporting_ocp_nodes).
    let cluster_info = crate::cluster_info::apply(&mut tx, &schema, &id, &wd)?;
    let scope = DeleteScope {
        start: id.start_date,
        end: id.end_date,
        report_period_id: id.report_period_id,
    };
    let mut report = LoadReport {
        dry_run: options.dry_run,
        schema: schema.clone(),
        database,
        start_date: id.start_date,
        end_date: id.end_date,
        report_period_id: id.report_period_id,
        source_uuid: id.source_uuid.clone(),
        rows_deleted: 0,
        rows_inserted: 0,
        summary: SummaryStats::default(),
        partitions,
        cluster_info,
    };
    if let Some(summary) = checked {
        report.rows_inserted = summary.rows;
        report.summary = summary;
        report.rows_deleted = count_scope(&mut tx, &schema, &scope)?;
        tx.rollback().map_err(LoadError::db("rollback"))?;
        return Ok(report);
    }

    report.rows_deleted = delete_scope(&mut tx, &schema, &scope)?;
    tracing::info!("deleted {} previous rows", report.rows_deleted);
    let checks = checks.expect("started for every load that is not a dry run");
    let streamed = copy_rows(&mut tx, &schema, &wd, &expect, &checks);
    // A checksum mismatch explains any error the rows may have caused: it is reported first, and
    // nothing is committed before the checksums have passed. (Returning drops `tx`: rollback.)
    checks.wait()?;
    let (summary, inserted) = streamed?;
    if inserted != summary.rows {
        return Err(LoadError::Db {
            step: "copy summary rows".into(),
            reason: format!(
                "the server accepted {inserted} of {} rows; rolled back",
                summary.rows
            ),
        });
    }
    tracing::info!(
        "{} summary rows copied ({:?})",
        summary.rows,
        summary.by_row_kind
    );
    tx.commit().map_err(LoadError::db("commit"))?;
    report.rows_inserted = inserted;
    report.summary = summary;
    tracing::info!("committed {inserted} rows");

    let record = StageRecord {
        tool: TOOL.into(),
        version: koku_common::VERSION.into(),
        started_at,
        finished_at: Utc::now(),
        inputs: wd.outputs_as_inputs(stage::TRANSFORM),
        outputs: BTreeMap::new(),
        details: details(&report),
    };
    wd.record_stage(stage::LOAD, record)
        .map_err(|source| LoadError::Record {
            rows: inserted,
            source,
        })?;
    Ok(report)
}

/// Stream the summary into a COPY, converting and checking each batch on the way; the rows checked
/// and the rows the server accepted.
fn copy_rows(
    tx: &mut Transaction<'_>,
    schema: &str,
    wd: &WorkDir,
    expect: &Expect,
    checks: &BackgroundChecks,
) -> Result<(SummaryStats, u64)> {
    let mut copy = SummaryCopy::start(tx, schema)?;
    // A bad value returns here with `copy` unfinished: dropping it aborts the COPY.
    let summary = scan(wd, expect, Some(checks), |batch| copy.write(batch))?;
    let inserted = copy.finish()?;
    Ok((summary, inserted))
}

/// Read the summary batch by batch, convert and check each, hand it to `each`, and count. The file's
/// checksum is checked on open, or by `checks` (which the caller waits for before keeping anything).
fn scan(
    wd: &WorkDir,
    expect: &Expect,
    checks: Option<&BackgroundChecks>,
    mut each: impl FnMut(&Converted<'_>) -> Result<()>,
) -> Result<SummaryStats> {
    let reader = match checks {
        Some(checks) => wd.reader_checked_later(stage::TRANSFORM, &OCP_DAILY_SUMMARY, checks)?,
        None => wd.reader(stage::TRANSFORM, &OCP_DAILY_SUMMARY)?,
    };
    let path: PathBuf = reader.path().to_path_buf();
    let mut stats = SummaryStats::default();
    for batch in reader {
        let batch = batch.map_err(|source| LoadError::ReadBatch {
            path: path.clone(),
            source,
        })?;
        let converted = convert(&batch, stats.rows, &path, expect)?;
        each(&converted)?;
        stats.add(&converted);
    }
    Ok(stats)
}

/// Serialise loads of the same source and tenant (two runs deleting and inserting the same days would
/// interleave otherwise). Transaction-scoped: released by commit, rollback or a dropped connection.
fn lock(tx: &mut Transaction<'_>, schema: &str, source_uuid: &str) -> Result<()> {
    const KEYS: &str = "hashtext('koku-summary:' || $1::text), hashtext($2::text)";
    let got: bool = tx
        .query_one(
            &format!("SELECT pg_try_advisory_xact_lock({KEYS})"),
            &[&schema, &source_uuid],
        )
        .map_err(LoadError::db("take the load lock"))?
        .get(0);
    if !got {
        tracing::info!("another load of {schema} source {source_uuid} is running; waiting for it");
        tx.execute(
            &format!("SELECT pg_advisory_xact_lock({KEYS})"),
            &[&schema, &source_uuid],
        )
        .map_err(LoadError::db("wait for the load lock"))?;
    }
    Ok(())
}

/// The facts `run.json` keeps about a load (no password: `database` is the redacted form).
fn details(r: &LoadReport) -> BTreeMap<String, serde_json::Value> {
    [
        ("schema", json!(r.schema)),
        ("table", json!(format!("{}.{SUMMARY_TABLE}", r.schema))),
        ("database", json!(r.database)),
        ("rows_deleted", json!(r.rows_deleted)),
        ("rows_inserted", json!(r.rows_inserted)),
        ("rows_by_row_kind", json!(r.summary.by_row_kind)),
        ("rows_by_data_source", json!(r.summary.by_data_source)),
        ("partitions_created", json!(r.partitions.created)),
        (
            "rows_moved_from_default",
            json!(r.partitions.rows_moved_from_default),
        ),
        ("cluster_info", json!(r.cluster_info)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
