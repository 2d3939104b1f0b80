//! koku's delete scope before the insert (spec §1 step 6.1):
//!
//! ```sql
//! DELETE FROM reporting_ocpusagelineitem_daily_summary
//!  WHERE usage_start BETWEEN start AND end AND report_period_id = X
//!    AND (infrastructure_raw_cost IS NULL OR infrastructure_raw_cost = 0)
//! ```
//!
//! It removes the previous summary rows *and* the cost-model rows of those days (koku's cost-model task
//! must run afterwards to put them back), but keeps OCP-on-cloud rows (non-zero raw cost). koku runs it
//! per 5-day chunk; the days are the same, so one statement over the run's whole window is equivalent.

use chrono::NaiveDate;
use postgres::Transaction;

use crate::error::{LoadError, Result};
use crate::ident::{QualifiedName, SUMMARY_TABLE};

/// The run's delete scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteScope {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub report_period_id: i32,
}

const PREDICATE: &str = "usage_start BETWEEN $1 AND $2 AND report_period_id = $3 \
                         AND (infrastructure_raw_cost IS NULL OR infrastructure_raw_cost = 0)";

/// Delete the rows in scope; returns how many.
pub fn delete_scope(tx: &mut Transaction<'_>, schema: &str, scope: &DeleteScope) -> Result<u64> {
    let table = QualifiedName::new(schema, SUMMARY_TABLE);
    tx.execute(
        &format!("DELETE FROM {table} WHERE {PREDICATE}"),
        &[&scope.start, &scope.end, &scope.report_period_id],
    )
    .map_err(LoadError::db("delete previous summary rows"))
}

/// How many rows [`delete_scope`] would delete (for `--dry-run`).
pub fn count_scope(tx: &mut Transaction<'_>, schema: &str, scope: &DeleteScope) -> Result<u64> {
    let table = QualifiedName::new(schema, SUMMARY_TABLE);
    let n: i64 = tx
        .query_one(
            &format!("SELECT count(*) FROM {table} WHERE {PREDICATE}"),
            &[&scope.start, &scope.end, &scope.report_period_id],
        )
        .map_err(LoadError::db("count previous summary rows"))?
        .get(0);
    Ok(n as u64)
}
