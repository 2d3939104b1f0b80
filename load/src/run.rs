//! One load = one transaction: lock, the flow's checks and steps, and for each of the flow's tables
//! ensure partitions, koku's delete, binary COPY; commit. Any failure before the commit drops the
//! transaction (PostgreSQL rolls it back, also when the connection dies), so the database is either fully
//! updated or unchanged; `run.json` records the stage only after commit.
//!
//! Each table's file is read once, a batch at a time (memory stays bounded however large the file is):
//! each batch is converted and checked, then streamed into the COPY. A bad value ends the COPY before
//! its row is sent and the transaction rolls back, so the database is left as it was. (perf: an earlier
//! design checked the whole file in a first pass before touching the database; that pass was 0.13 s of
//! the 1-day load and ≈ 6 s of the 30-day one, spent while PostgreSQL, the bound, sat idle;
//! BENCHMARKS.md.) `--dry-run` checks the whole file first, then counts inside a rolled-back
//! transaction. The files' checksums are checked on the second core while the rows stream; nothing is
//! committed before they have passed.
//!
//! Two guards stop a load that would lose data koku cannot get back:
//! * the run's report period (or bill) must belong to its source ([`Flow::check_scope_owner`]), since
//!   koku's delete is keyed on it;
//! * a day of the window that has rows in the delete scope today must get rows from the file
//!   ([`LoadError::WouldEmptyDays`]): an empty or partial input (a wrong `--from`, a missing day of
//!   files) would otherwise replace koku's rows with nothing. `--allow-emptied-days` accepts it. The
//!   guard is per table; a table derived from another one's rows counts a day the other's file still
//!   has as not emptied ([`Flow::guard_reference`]: the OCP-on-AWS UI tables and the `_p` file).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use koku_common::config::DbConfig;
use koku_common::schema::table::Table;
use koku_common::workdir::{BackgroundChecks, StageRecord, WorkDir, stage};
use postgres::Transaction;
use serde_json::json;

use crate::columns::{Converted, SummaryStats, convert};
use crate::copy::TableCopy;
use crate::delete::{count_scope_by_day, delete_scope};
use crate::error::{LoadError, Result, describe_pg};
use crate::flow::{Flow, FlowOutcome};
use crate::lockwatch::LockWatch;
use crate::partition::{PartitionOutcome, ensure_month_partitions, months_between};
use crate::scope::RunScope;

/// Tool name recorded in `run.json`.
pub const TOOL: &str = "koku-load";

/// Default of `--lock-timeout`.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// How to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub database: DbConfig,
    /// Tenant schema to load into instead of `run.json`'s (`--schema` / `KOKU_SCHEMA`).
    pub schema: Option<String>,
    /// Do everything up to the delete, count instead of deleting, insert nothing, roll back.
    pub dry_run: bool,
    /// Accept a load that leaves a day of the window without rows it has today.
    pub allow_emptied_days: bool,
    /// Longest wait for any one lock (PostgreSQL's `lock_timeout`).
    pub lock_timeout: Duration,
}

impl LoadOptions {
    /// Options with the defaults: a real load, the guards on, the default lock timeout.
    pub fn new(database: DbConfig) -> LoadOptions {
        LoadOptions {
            database,
            schema: None,
            dry_run: false,
            allow_emptied_days: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

/// What a load did to one table (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableReport {
    pub table: &'static str,
    /// Rows deleted by koku's delete scope (dry run: rows that would be).
    pub rows_deleted: u64,
    /// Rows inserted (dry run: rows that would be).
    pub rows_inserted: u64,
    pub summary: SummaryStats,
    /// Partitions created (dry run: that would be created).
    pub partitions: PartitionOutcome,
}

/// What a load did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoadReport {
    pub dry_run: bool,
    pub schema: String,
    /// Redacted (`DbConfig`'s `Display`): never a password.
    pub database: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// The run's delete scope as read in messages (`report period 7`).
    pub scope: String,
    pub source_uuid: String,
    pub tables: Vec<TableReport>,
    /// Tables of the flow the transform wrote no rows file for, left as they are
    /// ([`Flow::may_skip`]).
    pub skipped_tables: Vec<&'static str>,
    /// The flow's own steps (OCP: koku's cluster-information upserts; AWS: bill stamps, the daily
    /// validation).
    pub flow: FlowOutcome,
}

impl LoadReport {
    /// Rows inserted into every table.
    pub fn rows_inserted(&self) -> u64 {
        self.tables.iter().map(|t| t.rows_inserted).sum()
    }

    /// Rows deleted from every table.
    pub fn rows_deleted(&self) -> u64 {
        self.tables.iter().map(|t| t.rows_deleted).sum()
    }

    /// The report of `table`.
    pub fn table(&self, table: &str) -> Option<&TableReport> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// The OCP flow's cluster-information outcome.
    pub fn cluster_info(&self) -> Option<&crate::ocp::cluster_info::ClusterInfoOutcome> {
        match &self.flow {
            FlowOutcome::Ocp(c) => Some(c),
            _ => None,
        }
    }

    /// The AWS flow's outcome (bill stamps, validation).
    pub fn aws(&self) -> Option<&crate::aws::AwsOutcome> {
        match &self.flow {
            FlowOutcome::Aws(a) => Some(a),
            _ => None,
        }
    }

    /// The OCP-on-AWS flow's outcome (pairs, the OCP infrastructure rows).
    pub fn ocp_aws(&self) -> Option<&crate::ocp_aws::OcpAwsOutcome> {
        match &self.flow {
            FlowOutcome::OcpAws(o) => Some(o),
            _ => None,
        }
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An AWS account has dozens of product codes: the line names the first few (run.json keeps
        // every count).
        const SHOWN: usize = 10;
        let counts = |m: &BTreeMap<String, u64>| {
            let mut text = m
                .iter()
                .take(SHOWN)
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            if m.len() > SHOWN {
                text.push_str(&format!(", … {} more", m.len() - SHOWN));
            }
            text
        };
        if !self.dry_run {
            f.write_str("loaded ")?;
        }
        for (i, t) in self.tables.iter().enumerate() {
            f.write_str(match (i, self.dry_run) {
                (0, true) => "dry run: would delete ",
                (_, true) => " | would delete ",
                (0, false) => "",
                (_, false) => " | ",
            })?;
            let target = format!(
                "{}.{} ({}..{}, {})",
                self.schema, t.table, self.start_date, self.end_date, self.scope
            );
            // The first `count_by` column classifies the rows (OCP: row_kind).
            let mut columns = t.summary.counts.iter().filter(|(_, m)| !m.is_empty());
            let kinds = columns
                .next()
                .map(|(_, m)| counts(m))
                .unwrap_or_else(|| "no rows".to_string());
            if self.dry_run {
                write!(
                    f,
                    "{} and insert {} rows into {target}: {kinds}",
                    t.rows_deleted, t.rows_inserted
                )?;
                for (column, m) in columns {
                    write!(f, "; {column}: {}", counts(m))?;
                }
                if let (Some(a), Some(b)) = (t.summary.first_day(), t.summary.last_day()) {
                    write!(f, "; usage_start {a}..{b}")?;
                }
            } else {
                write!(
                    f,
                    "{} rows into {target}: {kinds}; deleted {}",
                    t.rows_inserted, t.rows_deleted
                )?;
            }
            if !t.partitions.created.is_empty() {
                let verb = if self.dry_run {
                    "would create"
                } else {
                    "created"
                };
                write!(f, "; {verb} partition {}", t.partitions.created.join(", "))?;
            }
            if t.partitions.rows_moved_from_default > 0 {
                let n = t.partitions.rows_moved_from_default;
                if self.dry_run {
                    write!(f, " (moving {n} rows from the default partition)")?;
                } else {
                    write!(f, " ({n} rows moved from the default partition)")?;
                }
            }
        }
        for t in &self.skipped_tables {
            write!(
                f,
                " | {}.{t} skipped (the transform wrote no rows file for it)",
                self.schema
            )?;
        }
        if let FlowOutcome::OcpAws(o) = &self.flow {
            let periods = o
                .pairs
                .iter()
                .map(|p| format!("{} ({})", p.report_period_id, p.cluster_id))
                .collect::<Vec<_>>()
                .join(", ");
            let ocp = koku_common::schema::OCP_DAILY_SUMMARY_TABLE.name;
            if self.dry_run {
                write!(
                    f,
                    " | would delete {} infrastructure rows of {}.{ocp} and back-populate it from report period(s) {periods}",
                    o.ocp_infrastructure_rows_deleted, self.schema
                )?;
            } else {
                write!(
                    f,
                    " | {}.{ocp}: {} infrastructure rows back-populated from report period(s) {periods}; deleted {}",
                    self.schema,
                    o.ocp_infrastructure_rows_inserted,
                    o.ocp_infrastructure_rows_deleted
                )?;
            }
        }
        if self.dry_run {
            f.write_str("; nothing was changed")?;
        }
        Ok(())
    }
}

/// Load the transform's outputs of the work dir at `workdir` into PostgreSQL.
pub fn load(workdir: &Path, options: &LoadOptions) -> Result<LoadReport> {
    let started_at = Utc::now();
    let mut wd = WorkDir::open(workdir)?;
    // A dry run writes nothing, not even this clean-up.
    if !options.dry_run {
        for p in wd.remove_stale_tmp_files()? {
            tracing::info!("removed {} (left by a stage that was killed)", p.display());
        }
    }
    wd.require_stage(stage::TRANSFORM, "; run koku-transform first")?;
    wd.check_consumed(stage::EXTRACT, stage::TRANSFORM, "re-run koku-transform")?;
    let id = wd.identity().clone();
    let run_file = workdir.join(koku_common::workdir::RUN_FILE);
    let flow = crate::flow::for_run(&id, &run_file)?;
    let schema = options.schema.clone().unwrap_or_else(|| id.schema.clone());
    if schema.is_empty() {
        return Err(LoadError::NotATenant {
            schema,
            reason: "empty schema name".into(),
        });
    }
    let scope = RunScope::from_identity(&id, &run_file)?;
    let (tables, skipped) = tables_to_load(flow, &wd)?;

    // A dry run reports bad input without a connection; a load finds it while streaming (below),
    // and checks the files' checksums on the second core meanwhile, from the start.
    let (checked, checks) = if options.dry_run {
        let mut summaries = Vec::new();
        for table in &tables {
            let summary = scan(table, &wd, &scope, None, |_| Ok(()))?;
            tracing::info!("{}: {} rows checked", table.name, summary.rows);
            summaries.push(summary);
        }
        (Some(summaries), None)
    } else {
        (
            None,
            Some(wd.check_outputs_in_background(stage::TRANSFORM)?),
        )
    };

    let database = options.database.to_string();
    let connect_err = |e: postgres::Error| LoadError::Connect {
        db: database.clone(),
        reason: describe_pg(&e),
        transient: koku_common::exit::pg_is_transient(&e),
    };
    let mut client = options.database.connect().map_err(connect_err)?;
    client
        .batch_execute(&format!(
            "SET lock_timeout = {}",
            options.lock_timeout.as_millis().max(1)
        ))
        .map_err(LoadError::db("set lock_timeout"))?;
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .map_err(LoadError::db("connect"))?
        .get(0);
    let watch = LockWatch::start(&options.database, pid, options.lock_timeout);
    let result = load_in_transaction(
        &mut client,
        &mut wd,
        options,
        flow,
        (&tables, skipped),
        &schema,
        &scope,
        checked,
        checks,
        started_at,
    );
    result.map_err(|e| match e {
        LoadError::LockTimeout { step, .. } => LoadError::LockTimeout {
            step,
            waited: options.lock_timeout,
            holder: watch.holder(),
        },
        other => other,
    })
}

/// The flow's tables to load, and those skipped because the transform wrote no rows file for them
/// (only tables the flow allows to be missing, [`Flow::may_skip`]; any other is loaded, and its
/// missing file reported when it is opened).
fn tables_to_load(
    flow: &dyn Flow,
    wd: &WorkDir,
) -> Result<(Vec<&'static Table>, Vec<&'static str>)> {
    let transform = wd.require_stage(stage::TRANSFORM, "; run koku-transform first")?;
    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    for &table in flow.tables() {
        if flow.may_skip(table) && !transform.outputs.contains_key(table.dataset.name) {
            tracing::info!(
                "{}: the transform wrote no {} file (koku computes this table only when its feature flag                  is on); the table is left as it is",
                table.name,
                table.dataset.name
            );
            skipped.push(table.name);
        } else {
            tables.push(table);
        }
    }
    Ok((tables, skipped))
}

#[allow(clippy::too_many_arguments)]
fn load_in_transaction(
    client: &mut postgres::Client,
    wd: &mut WorkDir,
    options: &LoadOptions,
    flow: &'static dyn Flow,
    (tables, skipped): (&[&'static Table], Vec<&'static str>),
    schema: &str,
    scope: &RunScope,
    checked: Option<Vec<SummaryStats>>,
    checks: Option<BackgroundChecks>,
    started_at: chrono::DateTime<Utc>,
) -> Result<LoadReport> {
    let id = wd.identity().clone();
    let mut tx = client
        .transaction()
        .map_err(LoadError::db("begin transaction"))?;
    lock(&mut tx, schema, &id.source_uuid)?;
    check_tenant(&mut tx, schema, tables)?;
    flow.check_scope_owner(&mut tx, schema, &id, scope)?;
    let months = months_between(id.start_date, id.end_date);
    let mut partitions = Vec::new();
    for table in tables {
        partitions.push(ensure_month_partitions(
            &mut tx,
            schema,
            table.name,
            table.partition_column,
            &months,
        )?);
    }
    let flow_outcome = flow.before_delete(&mut tx, schema, &id, wd)?;
    let mut report = LoadReport {
        dry_run: options.dry_run,
        schema: schema.to_string(),
        database: options.database.to_string(),
        start_date: id.start_date,
        end_date: id.end_date,
        scope: flow.scope_label(scope),
        source_uuid: id.source_uuid.clone(),
        tables: Vec::new(),
        skipped_tables: skipped,
        flow: flow_outcome,
    };

    if let Some(summaries) = checked {
        let days: Vec<(&'static str, BTreeMap<NaiveDate, u64>)> = tables
            .iter()
            .zip(&summaries)
            .map(|(t, s)| (t.name, s.rows_by_day.clone()))
            .collect();
        for ((table, summary), partitions) in tables.iter().zip(summaries).zip(partitions) {
            let before = count_scope_by_day(&mut tx, schema, table, scope)?;
            let reference = reference_days(flow, table, &days);
            guard_emptied_days(table, &before, &summary, reference, options)?;
            report.tables.push(TableReport {
                table: table.name,
                rows_deleted: before.values().sum(),
                rows_inserted: summary.rows,
                summary,
                partitions,
            });
        }
        tx.rollback().map_err(LoadError::db("rollback"))?;
        return Ok(report);
    }

    let checks = checks.expect("started for every load that is not a dry run");
    let mut days: Vec<(&'static str, BTreeMap<NaiveDate, u64>)> = Vec::new();
    let mut streamed = Ok(());
    for (table, partitions) in tables.iter().zip(partitions) {
        let before = delete_scope(&mut tx, schema, table, scope)?;
        let rows_deleted = before.values().sum();
        tracing::info!("{}: deleted {rows_deleted} previous rows", table.name);
        match copy_rows(&mut tx, schema, table, wd, scope, &checks) {
            Ok((summary, inserted)) => {
                if inserted != summary.rows {
                    streamed = Err(LoadError::step(
                        format!("copy rows into {}", table.name),
                        format!(
                            "the server accepted {inserted} of {} rows; rolled back",
                            summary.rows
                        ),
                    ));
                    break;
                }
                tracing::info!("{}: {} rows copied", table.name, summary.rows);
                let reference = reference_days(flow, table, &days);
                if let Err(e) = guard_emptied_days(table, &before, &summary, reference, options) {
                    streamed = Err(e);
                    break;
                }
                days.push((table.name, summary.rows_by_day.clone()));
                report.tables.push(TableReport {
                    table: table.name,
                    rows_deleted,
                    rows_inserted: inserted,
                    summary,
                    partitions,
                });
            }
            Err(e) => {
                streamed = Err(e);
                break;
            }
        }
    }
    // A checksum mismatch explains any error the rows may have caused: it is reported first, and
    // nothing is committed before the checksums have passed. (Returning drops `tx`: rollback.)
    checks.wait()?;
    streamed?;
    flow.after_insert(&mut tx, schema, &id, &mut report.flow)?;
    tx.commit().map_err(LoadError::db("commit"))?;
    tracing::info!("committed {} rows", report.rows_inserted());
    flow.after_commit(client, wd, scope, &mut report);

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
            rows: report.rows_inserted(),
            source,
        })?;
    Ok(report)
}

/// The rows per day of the table [`Flow::guard_reference`] names for `table`, when it was loaded
/// (checked) before it.
fn reference_days<'a>(
    flow: &dyn Flow,
    table: &Table,
    loaded: &'a [(&'static str, BTreeMap<NaiveDate, u64>)],
) -> Option<&'a BTreeMap<NaiveDate, u64>> {
    let name = flow.guard_reference(table)?;
    loaded.iter().find(|(t, _)| *t == name).map(|(_, d)| d)
}

/// Refuse a load that would leave a day without the rows it has today (see the module docs). A day
/// the `reference` table's file has rows for does not count ([`Flow::guard_reference`]).
fn guard_emptied_days(
    table: &Table,
    before: &BTreeMap<NaiveDate, u64>,
    after: &SummaryStats,
    reference: Option<&BTreeMap<NaiveDate, u64>>,
    options: &LoadOptions,
) -> Result<()> {
    let emptied: Vec<(NaiveDate, u64)> = before
        .iter()
        .filter(|(d, n)| {
            **n > 0
                && !after.rows_by_day.contains_key(d)
                && !reference.is_some_and(|r| r.contains_key(d))
        })
        .map(|(d, n)| (*d, *n))
        .collect();
    if emptied.is_empty() {
        return Ok(());
    }
    if options.allow_emptied_days {
        tracing::warn!(
            "{}: {} day(s) of the window lose all their rows ({}); allowed by --allow-emptied-days",
            table.name,
            emptied.len(),
            describe_days(&emptied)
        );
        return Ok(());
    }
    Err(LoadError::WouldEmptyDays {
        table: table.name,
        days: describe_days(&emptied),
        count: emptied.len(),
        rows: after.rows,
    })
}

fn describe_days(days: &[(NaiveDate, u64)]) -> String {
    const SHOWN: usize = 5;
    let mut text = days
        .iter()
        .take(SHOWN)
        .map(|(d, n)| format!("{d}: {n} row{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ");
    if days.len() > SHOWN {
        text.push_str(&format!(", … {} more", days.len() - SHOWN));
    }
    text
}

/// Stream one table's file into a COPY, converting and checking each batch on the way; the rows
/// checked and the rows the server accepted.
fn copy_rows(
    tx: &mut Transaction<'_>,
    schema: &str,
    table: &Table,
    wd: &WorkDir,
    scope: &RunScope,
    checks: &BackgroundChecks,
) -> Result<(SummaryStats, u64)> {
    let mut copy = TableCopy::start(tx, schema, table)?;
    // A bad value returns here with `copy` unfinished: dropping it aborts the COPY.
    let summary = scan(table, wd, scope, Some(checks), |batch| copy.write(batch))?;
    let inserted = copy.finish()?;
    Ok((summary, inserted))
}

/// Read a table's file batch by batch, convert and check each, hand it to `each`, and count. The file's
/// checksum is checked on open, or by `checks` (which the caller waits for before keeping anything).
fn scan(
    table: &Table,
    wd: &WorkDir,
    scope: &RunScope,
    checks: Option<&BackgroundChecks>,
    mut each: impl FnMut(&Converted<'_>) -> Result<()>,
) -> Result<SummaryStats> {
    let reader = match checks {
        Some(checks) => wd.reader_checked_later(stage::TRANSFORM, table.dataset, checks)?,
        None => wd.reader(stage::TRANSFORM, table.dataset)?,
    };
    let path: PathBuf = reader.path().to_path_buf();
    let mut stats = SummaryStats::default();
    for batch in reader {
        let batch = batch.map_err(|source| LoadError::ReadBatch {
            path: path.clone(),
            source,
        })?;
        let converted = convert(table, &batch, stats.rows, &path, scope)?;
        each(&converted)?;
        stats.add(table, &converted);
    }
    Ok(stats)
}

/// The schema must hold the flow's tables (a typo in `--schema` should say so, not fail later on some
/// other relation).
fn check_tenant(tx: &mut Transaction<'_>, schema: &str, tables: &[&Table]) -> Result<()> {
    for table in tables {
        let exists: bool = tx
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&crate::ident::QualifiedName::new(schema, table.name).to_string()],
            )
            .map_err(LoadError::db("check the tenant schema"))?
            .get(0);
        if !exists {
            return Err(LoadError::NotATenant {
                schema: schema.to_string(),
                reason: format!("has no table {} (not a koku tenant schema?)", table.name),
            });
        }
    }
    Ok(())
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

/// The facts `run.json` keeps about a load (no password: `database` is the redacted form). Totals over
/// the tables at the top (the OCP flow has one table), per table below `tables`.
fn details(r: &LoadReport) -> BTreeMap<String, serde_json::Value> {
    let mut d: BTreeMap<String, serde_json::Value> = [
        ("schema", json!(r.schema)),
        ("database", json!(r.database)),
        ("rows_deleted", json!(r.rows_deleted())),
        ("rows_inserted", json!(r.rows_inserted())),
        ("tables", json!(r.tables)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let [t] = r.tables.as_slice() {
        d.insert("table".into(), json!(format!("{}.{}", r.schema, t.table)));
        for (column, counts) in &t.summary.counts {
            d.insert(format!("rows_by_{column}"), json!(counts));
        }
        d.insert("partitions_created".into(), json!(t.partitions.created));
        d.insert(
            "rows_moved_from_default".into(),
            json!(t.partitions.rows_moved_from_default),
        );
    }
    if !r.skipped_tables.is_empty() {
        d.insert("skipped_tables".into(), json!(r.skipped_tables));
    }
    match &r.flow {
        FlowOutcome::Ocp(c) => d.insert("cluster_info".into(), json!(c)),
        FlowOutcome::Aws(a) => d.insert("aws".into(), json!(a)),
        FlowOutcome::OcpAws(o) => d.insert("ocp_aws".into(), json!(o)),
    };
    d
}
