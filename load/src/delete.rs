//! koku's delete before the insert, as a table describes it ([`Table::delete`]): e.g. for the OCP daily
//! summary (spec ocp-daily-summary §1 step 6.1)
//!
//! ```sql
//! DELETE FROM reporting_ocpusagelineitem_daily_summary
//!  WHERE usage_start BETWEEN start AND end AND report_period_id = X
//!    AND (infrastructure_raw_cost IS NULL OR infrastructure_raw_cost = 0)
//! ```
//!
//! koku runs it per 5-day chunk; the days are the same, so one statement over the run's whole window is
//! equivalent.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use koku_common::schema::table::Table;
use postgres::Transaction;
use postgres::types::ToSql;

use crate::error::{LoadError, Result};
use crate::ident::QualifiedName;
use crate::scope::{RunScope, ScopeValue};

/// Delete the rows in scope; returns how many per day of the row scope's date column (one pass: the
/// counts come back from the delete itself).
pub fn delete_scope(
    tx: &mut Transaction<'_>,
    schema: &str,
    table: &Table,
    scope: &RunScope,
) -> Result<BTreeMap<NaiveDate, u64>> {
    per_day(tx, schema, table, scope, true)
}

/// The rows [`delete_scope`] would delete, per day (for `--dry-run`).
pub fn count_scope_by_day(
    tx: &mut Transaction<'_>,
    schema: &str,
    table: &Table,
    scope: &RunScope,
) -> Result<BTreeMap<NaiveDate, u64>> {
    per_day(tx, schema, table, scope, false)
}

/// The rows of koku's delete scope per day, deleted on the way when `delete`.
fn per_day(
    tx: &mut Transaction<'_>,
    schema: &str,
    table: &Table,
    scope: &RunScope,
    delete: bool,
) -> Result<BTreeMap<NaiveDate, u64>> {
    let name = QualifiedName::new(schema, table.name);
    let values: Vec<ScopeValue> = table
        .delete
        .params
        .iter()
        .map(|v| scope.value(*v))
        .collect::<Result<_>>()?;
    let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(ScopeValue::as_sql).collect();
    let day = crate::ident::quote_ident(table.row_scope.date_column);
    let predicate = table.delete.predicate;
    let (sql, step) = if delete {
        (
            format!(
                "WITH gone AS (DELETE FROM {name} WHERE {predicate} RETURNING {day}) \
                 SELECT {day}, count(*) FROM gone GROUP BY 1"
            ),
            format!("delete previous rows of {}", table.name),
        )
    } else {
        (
            format!("SELECT {day}, count(*) FROM {name} WHERE {predicate} GROUP BY 1"),
            format!("count previous rows of {}", table.name),
        )
    };
    let rows = tx.query(&sql, &refs).map_err(LoadError::db(step))?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<_, NaiveDate>(0), r.get::<_, i64>(1) as u64))
        .collect())
}
