//! Making sure the month partitions of a table exist before rows are written (spec ocp-daily-summary
//! §3.3, aws-daily-summary §3.2).
//!
//! koku creates partitions by inserting a tracking row into the tenant's `partitioned_tables`; a trigger
//! on that table issues the `CREATE TABLE ... PARTITION OF` (koku's `get_or_create_partition`). Doing
//! the same keeps koku's bookkeeping right: its cleanup and repartitioning code only knows partitions
//! that have a tracking row. As in koku, the default partition's tracking row is ensured first, and rows
//! of the month already sitting in the default partition are moved out before the month partition is
//! created (PostgreSQL refuses to create a partition whose range overlaps rows in the default one) and
//! put back through the parent afterwards, so they land in the new partition. koku moves them through a
//! temporarily detached partition; a temp table gives the same result with plain DML.
//!
//! Everything runs inside the caller's transaction, so a failed load leaves no partition behind.
//! A schema without `partitioned_tables` (a plain PostgreSQL copy, not a koku database) gets a plain
//! `CREATE TABLE ... PARTITION OF`.

use chrono::{Datelike, NaiveDate};
use postgres::Transaction;
use postgres::error::SqlState;
use serde_json::json;

use crate::error::{LoadError, Result};
use crate::ident::{PARTITIONED_TABLES, QualifiedName};

/// What [`ensure_month_partitions`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PartitionOutcome {
    /// Month partitions created (table names).
    pub created: Vec<String>,
    /// Rows moved from the default partition into a new month partition.
    pub rows_moved_from_default: u64,
    /// Whether the tenant tracks partitions in `partitioned_tables` (a koku database).
    pub tracked: bool,
}

/// koku's month partition name: `<table>_YYYY_MM`.
pub fn month_partition_name(table: &str, month: NaiveDate) -> String {
    format!("{table}_{:04}_{:02}", month.year(), month.month())
}

/// First days of every month touched by `start..=end`.
pub fn months_between(start: NaiveDate, end: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = first_of_month(start);
    while m <= end {
        out.push(m);
        m = next_month(m);
    }
    out
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

fn next_month(m: NaiveDate) -> NaiveDate {
    let (y, mo) = if m.month() == 12 {
        (m.year() + 1, 1)
    } else {
        (m.year(), m.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, mo, 1).expect("valid month")
}

/// Ensure `table` of `schema` (range-partitioned on `column`) has a partition for each month in `months`
/// (first days).
pub fn ensure_month_partitions(
    tx: &mut Transaction<'_>,
    schema: &str,
    table: &str,
    column: &str,
    months: &[NaiveDate],
) -> Result<PartitionOutcome> {
    let step = "ensure partition";
    let parent = QualifiedName::new(schema, table);
    let relkind: Option<String> = tx
        .query_opt(
            "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2",
            &[&schema, &table],
        )
        .map_err(LoadError::db(step))?
        .map(|r| r.get(0));
    match relkind.as_deref() {
        None => {
            return Err(LoadError::NotATenant {
                schema: schema.to_string(),
                reason: format!("has no table {table} (not a koku tenant schema?)"),
            });
        }
        Some("p") => {}
        Some(_) => {
            // Not partitioned (hand-made table): rows go straight in, nothing to create.
            tracing::warn!("{parent} is not partitioned; skipping partition management");
            return Ok(PartitionOutcome::default());
        }
    }
    let tracking = QualifiedName::new(schema, PARTITIONED_TABLES);
    let tracked: bool = tx
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&tracking.to_string()],
        )
        .map_err(LoadError::db(step))?
        .get(0);
    let mut outcome = PartitionOutcome {
        tracked,
        ..Default::default()
    };
    if tracked {
        ensure_default_tracking_row(tx, schema, &tracking, table, column)?;
    }
    for &month in months {
        let name = month_partition_name(table, month);
        let mut exists = month_partition_exists(tx, tracked, &tracking, schema, &name)?;
        if !exists {
            // Two loads of one tenant that both create this month's partition would deadlock in
            // koku's partition trigger (each holds a lock the other's CREATE needs; seen with two
            // sources' first loads of a month at once). Creators take turns per tenant and table; the
            // one that waited sees the partition the first committed and goes on. Loads that find the
            // partition (all but the month's first) never take this lock.
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext('koku-partitions:' || $1::text), hashtext($2::text))",
                &[&schema, &table],
            )
            .map_err(LoadError::db("wait for the partition lock"))?;
            exists = month_partition_exists(tx, tracked, &tracking, schema, &name)?;
        }
        if exists {
            tracing::debug!("partition {schema}.{name} exists");
            continue;
        }
        let moved = move_out_of_default(tx, &parent, column, month)?;
        let created = if tracked {
            insert_tracking_row(tx, schema, &tracking, table, column, &name, month)?;
            if !relation_exists(tx, schema, &name)? {
                tracing::warn!(
                    "{tracking} has no partition trigger: {name} was not created; rows go to the default partition"
                );
            }
            true
        } else {
            create_partition_directly(tx, &parent, &name, month)?
        };
        if moved > 0 {
            put_back(tx, &parent)?;
            tracing::info!("moved {moved} rows of {month} from the default partition into {name}");
        }
        if created {
            tracing::info!("created partition {schema}.{name}");
            outcome.created.push(name);
        }
        outcome.rows_moved_from_default += moved;
    }
    Ok(outcome)
}

/// Whether the month partition `name` exists: its tracking row (koku's bookkeeping) or, in a schema
/// without `partitioned_tables`, the table itself.
fn month_partition_exists(
    tx: &mut Transaction<'_>,
    tracked: bool,
    tracking: &QualifiedName,
    schema: &str,
    name: &str,
) -> Result<bool> {
    if !tracked {
        return relation_exists(tx, schema, name);
    }
    let active: Option<bool> = tx
        .query_opt(
            &format!("SELECT active FROM {tracking} WHERE schema_name = $1 AND table_name = $2"),
            &[&schema, &name],
        )
        .map_err(LoadError::db("ensure partition"))?
        .map(|r| r.get(0));
    if active == Some(false) {
        // koku's get_or_create_partition leaves an inactive record alone too.
        tracing::warn!(
            "partition {name} is tracked but inactive (detached); rows go to the default partition"
        );
    }
    Ok(active.is_some())
}

fn ensure_default_tracking_row(
    tx: &mut Transaction<'_>,
    schema: &str,
    tracking: &QualifiedName,
    table: &str,
    column: &str,
) -> Result<()> {
    let name = format!("{table}_default");
    // (schema_name, table_name) is unique in koku's model too, so ON CONFLICT works against real koku.
    let n = tx
        .execute(
            &format!(
                "INSERT INTO {tracking} (schema_name, table_name, partition_of_table_name, \
                 partition_type, partition_col, partition_parameters, active) \
                 VALUES ($1, $2, $3, 'range', $4, $5, true) \
                 ON CONFLICT (schema_name, table_name) DO NOTHING"
            ),
            &[&schema, &name, &table, &column, &json!({"default": true})],
        )
        .map_err(LoadError::db("ensure default partition"))?;
    if n > 0 {
        tracing::info!("created default partition {schema}.{name}");
    }
    Ok(())
}

fn insert_tracking_row(
    tx: &mut Transaction<'_>,
    schema: &str,
    tracking: &QualifiedName,
    table: &str,
    column: &str,
    name: &str,
    month: NaiveDate,
) -> Result<()> {
    // koku writes the bounds as `str(date)`: `YYYY-MM-DD`.
    let params = json!({
        "default": false,
        "from": month.to_string(),
        "to": next_month(month).to_string(),
    });
    tx.execute(
        &format!(
            "INSERT INTO {tracking} (schema_name, table_name, partition_of_table_name, \
             partition_type, partition_col, partition_parameters, active) \
             VALUES ($1, $2, $3, 'range', $4, $5, true)"
        ),
        &[&schema, &name, &table, &column, &params],
    )
    .map_err(LoadError::db(format!("create partition {name}")))?;
    Ok(())
}

/// Without koku's tracking table: create the partition ourselves. `false` when another partition
/// already covers the month (overlap error, rolled back to a savepoint).
fn create_partition_directly(
    tx: &mut Transaction<'_>,
    parent: &QualifiedName,
    name: &str,
    month: NaiveDate,
) -> Result<bool> {
    let child = QualifiedName::new(&parent.schema, name);
    // Dates print as YYYY-MM-DD: safe inside a literal (DDL takes no bind parameters).
    let ddl = format!(
        "SET CONSTRAINTS ALL IMMEDIATE; \
         CREATE TABLE IF NOT EXISTS {child} PARTITION OF {parent} FOR VALUES FROM ('{month}') TO ('{}')",
        next_month(month)
    );
    let mut sp = tx
        .transaction()
        .map_err(LoadError::db(format!("create partition {name}")))?;
    match sp.batch_execute(&ddl) {
        Ok(()) => {
            sp.commit()
                .map_err(LoadError::db(format!("create partition {name}")))?;
            Ok(true)
        }
        Err(e) if e.code() == Some(&SqlState::INVALID_OBJECT_DEFINITION) => {
            tracing::info!(
                "not creating {child}: another partition covers {month}: {}",
                crate::error::describe_pg(&e)
            );
            sp.rollback()
                .map_err(LoadError::db(format!("create partition {name}")))?;
            Ok(false)
        }
        Err(e) => Err(LoadError::db(format!("create partition {name}"))(e)),
    }
}

fn relation_exists(tx: &mut Transaction<'_>, schema: &str, name: &str) -> Result<bool> {
    Ok(tx
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&QualifiedName::new(schema, name).to_string()],
        )
        .map_err(LoadError::db("ensure partition"))?
        .get(0))
}

/// The default partition of `parent`, from the catalog (whatever it is called).
fn default_partition(tx: &mut Transaction<'_>, parent: &QualifiedName) -> Result<Option<String>> {
    Ok(tx
        .query_opt(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = $1::text::regclass AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'",
            &[&parent.to_string()],
        )
        .map_err(LoadError::db("ensure partition"))?
        .map(|r| r.get(0)))
}

/// Temp table holding rows taken out of the default partition until the month partition exists.
const MOVED: &str = "pg_temp.koku_load_moved_rows";

/// Take the month's rows out of the default partition into [`MOVED`]; returns how many.
fn move_out_of_default(
    tx: &mut Transaction<'_>,
    parent: &QualifiedName,
    column: &str,
    month: NaiveDate,
) -> Result<u64> {
    let key = crate::ident::quote_ident(column);
    let step = "move rows out of the default partition";
    let Some(default) = default_partition(tx, parent)? else {
        return Ok(0);
    };
    let default = QualifiedName::new(&parent.schema, &default);
    let (from, to) = (month, next_month(month));
    let any: bool = tx
        .query_one(
            &format!("SELECT EXISTS (SELECT 1 FROM {default} WHERE {key} >= $1 AND {key} < $2)"),
            &[&from, &to],
        )
        .map_err(LoadError::db(step))?
        .get(0);
    if !any {
        return Ok(0);
    }
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE koku_load_moved_rows (LIKE {default}) ON COMMIT DROP"
    ))
    .map_err(LoadError::db(step))?;
    let n = tx
        .execute(
            &format!(
                "WITH moved AS (DELETE FROM {default} WHERE {key} >= $1 AND {key} < $2 \
                 RETURNING *) INSERT INTO {MOVED} SELECT * FROM moved"
            ),
            &[&from, &to],
        )
        .map_err(LoadError::db(step))?;
    Ok(n)
}

/// Re-insert the moved rows through the parent (so they are routed to the new partition).
fn put_back(tx: &mut Transaction<'_>, parent: &QualifiedName) -> Result<()> {
    let step = "move rows into the new partition";
    // By name: a partition's physical column order may differ from the parent's.
    let cols: String = tx
        .query_one(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute \
             WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped",
            &[&parent.to_string()],
        )
        .map_err(LoadError::db(step))?
        .get(0);
    tx.batch_execute(&format!(
        "INSERT INTO {parent} ({cols}) SELECT {cols} FROM {MOVED}; DROP TABLE {MOVED}"
    ))
    .map_err(LoadError::db(step))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_months() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            month_partition_name("reporting_ocpusagelineitem_daily_summary", d(2025, 9, 1)),
            "reporting_ocpusagelineitem_daily_summary_2025_09"
        );
        assert_eq!(
            months_between(d(2025, 10, 3), d(2025, 10, 31)),
            vec![d(2025, 10, 1)]
        );
        assert_eq!(
            months_between(d(2025, 12, 30), d(2026, 1, 2)),
            vec![d(2025, 12, 1), d(2026, 1, 1)]
        );
        assert_eq!(next_month(d(2025, 12, 1)), d(2026, 1, 1));
    }
}
