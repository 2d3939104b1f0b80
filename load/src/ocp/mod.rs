//! What the OCP flow adds to the generic load: koku's cluster-information upserts and report-period
//! stamps before the delete ([`cluster_info`]), and the check that the run's report period is its
//! source's and cluster's.

pub mod cluster_info;

use chrono::NaiveDate;
use koku_common::schema::OCP_DAILY_SUMMARY_TABLE;
use koku_common::schema::table::{RunValue, Table};
use koku_common::workdir::{RunIdentity, WorkDir};
use postgres::Transaction;

use crate::error::{LoadError, Result};
use crate::flow::{Flow, FlowOutcome};
use crate::ident::QualifiedName;
use crate::scope::RunScope;

/// The OCP flow (`koku-transform ocp`'s work dirs).
pub struct Ocp;

impl Flow for Ocp {
    fn tables(&self) -> &'static [&'static Table] {
        &[&OCP_DAILY_SUMMARY_TABLE]
    }

    /// koku's delete is keyed on the report period id only (spec §1 step 6.1), so loading source B
    /// with source A's period id would delete A's rows: the period must be this run's source's and
    /// cluster's, and of the run's month.
    fn check_scope_owner(
        &self,
        tx: &mut Transaction<'_>,
        schema: &str,
        id: &RunIdentity,
        scope: &RunScope,
    ) -> Result<()> {
        let rp = match scope.value(RunValue::ReportPeriodId)? {
            crate::scope::ScopeValue::Int(rp) => rp,
            other => unreachable!("a report period id is an integer, not {other}"),
        };
        let cluster_id = id.cluster_id.as_deref().unwrap_or_default();
        let periods = QualifiedName::new(schema, "reporting_ocpusagereportperiod");
        let row = tx
            .query_opt(
                &format!(
                    "SELECT provider_id::text, cluster_id::text, \
                     (report_period_start AT TIME ZONE 'UTC')::date FROM {periods} WHERE id = $1"
                ),
                &[&scope.report_period_id],
            )
            .map_err(LoadError::db("check the report period"))?;
        let refuse = |reason: String| LoadError::ForeignScope {
            what: format!("report period {rp}"),
            reason,
        };
        let Some(row) = row else {
            return Err(refuse(format!(
                "is not in {schema}.reporting_ocpusagereportperiod"
            )));
        };
        let (provider, cluster, start): (String, String, NaiveDate) =
            (row.get(0), row.get(1), row.get(2));
        if provider != id.source_uuid {
            return Err(refuse(format!(
                "belongs to source {provider}, not to this run's source {}",
                id.source_uuid
            )));
        }
        if cluster != cluster_id {
            return Err(refuse(format!(
                "belongs to cluster {cluster:?}, not to this run's cluster {cluster_id:?}"
            )));
        }
        if start != scope.month_start {
            return Err(refuse(format!(
                "starts {start}, not on the first day of this run's month ({})",
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
        wd: &WorkDir,
    ) -> Result<FlowOutcome> {
        // koku upserts the cluster information before it summarises (the roles the transform used for
        // the unallocated rows are the ones this leaves in reporting_ocp_nodes).
        Ok(FlowOutcome::Ocp(cluster_info::apply(tx, schema, id, wd)?))
    }

    fn scope_label(&self, scope: &RunScope) -> String {
        scope.describe(RunValue::ReportPeriodId)
    }
}
