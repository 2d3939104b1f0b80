//! What the AWS flow adds to the generic load (spec aws-daily-summary §1.2):
//!
//! * tables: the daily summary, then the EC2 compute summary — skipped, with a log line, when the
//!   transform wrote no rows file for it (koku computes it only behind the Unleash flag
//!   `cost-management.backend.feature-4403-enable-ec2-compute-processing`, §1.2 step 6);
//! * the ownership check: koku's daily-summary delete is keyed on the bill only (UPD:98-103), so the
//!   run's bill must be a `reporting_awscostentrybill` row of the run's source and month, else the
//!   load is refused before anything changes;
//! * koku's bill stamps (§1.2 step 7): `summary_data_creation_datetime` (if NULL) and
//!   `summary_data_updated_datetime` on every bill of the source and month, in the load's
//!   transaction;
//! * after the commit, koku's `validate_daily_data` ([`validation`]), which only logs;
//! * a warning for EC2 rows outside koku's EC2 delete scope (`usage_start` before the month or after
//!   the end date): koku inserts them and never deletes them on a re-run (§10.5), and so does the load.

pub mod validation;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use koku_common::schema::aws::{AWS_EC2_COMPUTE_SUMMARY_TABLE, TABLES};
use koku_common::schema::table::{RunValue, Table};
use koku_common::workdir::{RunIdentity, WorkDir};
use postgres::Transaction;

use crate::error::{LoadError, Result};
use crate::flow::{Flow, FlowOutcome};
use crate::ident::QualifiedName;
use crate::run::LoadReport;
use crate::scope::{RunScope, ScopeValue};
use validation::Validation;

/// The AWS flow (`koku-transform aws`'s work dirs).
pub struct Aws;

/// What the AWS flow's own steps did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AwsOutcome {
    /// Bills of the source and month whose summary timestamps were set.
    pub bills_stamped: u64,
    /// EC2 compute rows whose `usage_start` lies outside koku's EC2 delete scope (the month's first
    /// day to the end date): a re-load of this run does not replace them (nor does koku's re-run).
    pub ec2_rows_outside_delete_scope: u64,
    /// koku's `validate_daily_data`, after the commit.
    pub validation: Option<Validation>,
}

const BILLS: &str = "reporting_awscostentrybill";

impl Flow for Aws {
    fn tables(&self) -> &'static [&'static Table] {
        TABLES
    }

    fn may_skip(&self, table: &Table) -> bool {
        table.name == AWS_EC2_COMPUTE_SUMMARY_TABLE.name
    }

    fn check_scope_owner(
        &self,
        tx: &mut Transaction<'_>,
        schema: &str,
        id: &RunIdentity,
        scope: &RunScope,
    ) -> Result<()> {
        let bill = match scope.value(RunValue::BillId)? {
            ScopeValue::Int(b) => b,
            other => unreachable!("a bill id is an integer, not {other}"),
        };
        let bills = QualifiedName::new(schema, BILLS);
        let row = tx
            .query_opt(
                &format!(
                    "SELECT provider_id::text, billing_period_start AT TIME ZONE 'UTC' FROM {bills} WHERE id = $1"
                ),
                &[&bill],
            )
            .map_err(LoadError::db("check the bill"))?;
        let refuse = |reason: String| LoadError::ForeignScope {
            what: format!("bill {bill}"),
            reason,
        };
        let Some(row) = row else {
            return Err(refuse(format!("{schema}.{BILLS} has no such row")));
        };
        let (provider, start): (String, NaiveDateTime) = (row.get(0), row.get(1));
        if provider != id.source_uuid {
            return Err(refuse(format!(
                "belongs to source {provider}, not to this run's source {}",
                id.source_uuid
            )));
        }
        if start != month_start_utc(scope.month_start) {
            return Err(refuse(format!(
                "starts {start} UTC, not on the first day of this run's month ({} 00:00 UTC)",
                scope.month_start
            )));
        }
        Ok(())
    }

    fn before_delete(
        &self,
        tx: &mut Transaction<'_>,
        schema: &str,
        id: &RunIdentity,
        _wd: &WorkDir,
    ) -> Result<FlowOutcome> {
        // koku stamps the bills after its summary (§1.2 step 7); inside the load's one transaction the
        // order makes no difference, and a failed load rolls the stamps back with everything else.
        let bills = QualifiedName::new(schema, BILLS);
        let month_start = id.start_date.with_day(1).expect("day 1 exists");
        let stamped = tx
            .execute(
                &format!(
                    "UPDATE {bills} SET summary_data_creation_datetime = \
                     coalesce(summary_data_creation_datetime, now()), summary_data_updated_datetime = now() \
                     WHERE provider_id = $1::text::uuid AND billing_period_start = $2::timestamp AT TIME ZONE 'UTC'"
                ),
                &[&id.source_uuid, &month_start_utc(month_start)],
            )
            .map_err(LoadError::db(format!("update {BILLS}")))?;
        tracing::info!("stamped {stamped} bill(s) of the source and month");
        Ok(FlowOutcome::Aws(AwsOutcome {
            bills_stamped: stamped,
            ..AwsOutcome::default()
        }))
    }

    fn after_commit(
        &self,
        client: &mut postgres::Client,
        wd: &WorkDir,
        scope: &RunScope,
        report: &mut LoadReport,
    ) {
        let outside = report
            .table(AWS_EC2_COMPUTE_SUMMARY_TABLE.name)
            .map(|t| {
                t.summary
                    .rows_by_day
                    .iter()
                    .filter(|(d, _)| **d < scope.month_start || **d > scope.end)
                    .map(|(_, n)| *n)
                    .sum::<u64>()
            })
            .unwrap_or(0);
        if outside > 0 {
            tracing::warn!(
                "{}: {outside} row(s) start outside koku's EC2 delete scope ({}..{}); koku inserts them too, and a \
                 re-load of this run adds them again (koku's re-run does the same, aws-daily-summary §10.5)",
                AWS_EC2_COMPUTE_SUMMARY_TABLE.name,
                scope.month_start,
                scope.end
            );
        }
        let validation = validation::validate(client, wd, &report.schema, scope);
        if let FlowOutcome::Aws(a) = &mut report.flow {
            a.ec2_rows_outside_delete_scope = outside;
            a.validation = Some(validation);
        }
    }

    fn scope_label(&self, scope: &RunScope) -> String {
        scope.describe(RunValue::BillId)
    }
}

/// `billing_period_start` of a month's bill: its first day, 00:00 UTC.
fn month_start_utc(month_start: NaiveDate) -> NaiveDateTime {
    month_start.and_hms_opt(0, 0, 0).expect("midnight exists")
}
