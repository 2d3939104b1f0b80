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

fn params(table: &Table, scope: &RunScope) -> Result<Vec<ScopeValue>> {
    table
        .delete
        .params
        .iter()
        .map(|v| scope.value(*v))
        .collect()
}

/// Delete the rows in scope; returns how many per day of the row scope's date column (one pass: the
/// counts come back from the delete itself).
pub fn delete_scope(
    tx: &mut Transaction<'_>,
    schema: &str,
    table: &Table,
    scope: &RunScope,
) -> Result<BTreeMap<NaiveDate, u64>> {
    let name = QualifiedName::new(schema, table.name);
    let values = params(table, scope)?;
    let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(ScopeValue::as_sql).collect();
    let day = crate::ident::quote_ident(table.row_scope.date_column);
    let rows = tx
        .query(
            &format!(
                "WITH gone AS (DELETE FROM {name} WHERE {} RETURNING {day}) \
                 SELECT {day}, count(*) FROM gone GROUP BY 1",
                table.delete.predicate
            ),
            &refs,
        )
        .map_err(LoadError::db(format!(
            "delete previous rows of {}",
            table.name
        )))?;
    Ok(per_day(&rows))
}

fn per_day(rows: &[postgres::Row]) -> BTreeMap<NaiveDate, u64> {
    rows.iter()
        .map(|r| (r.get::<_, NaiveDate>(0), r.get::<_, i64>(1) as u64))
        .collect()
}

/// The rows [`delete_scope`] would delete, per day (for `--dry-run`).
pub fn count_scope_by_day(
    tx: &mut Transaction<'_>,
    schema: &str,
    table: &Table,
    scope: &RunScope,
) -> Result<BTreeMap<NaiveDate, u64>> {
    let name = QualifiedName::new(schema, table.name);
    let values = params(table, scope)?;
    let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(ScopeValue::as_sql).collect();
    let day = crate::ident::quote_ident(table.row_scope.date_column);
    let rows = tx
        .query(
            &format!(
                "SELECT {day}, count(*) FROM {name} WHERE {} GROUP BY 1",
                table.delete.predicate
            ),
            &refs,
        )
        .map_err(LoadError::db(format!(
            "count previous rows of {}",
            table.name
        )))?;
    Ok(per_day(&rows))
}
