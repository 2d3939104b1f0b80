//! What the OCP-on-AWS flow adds to the generic load (rule book `spec/ocp-on-aws.md`, cited as §n):
//!
//! * tables: `reporting_ocpawscostlineitem_project_daily_summary_p` (the `_p` table), then the eight
//!   UI summary tables (§4.12 step 4), each with koku's DELETE-mode scope (§5.1) narrowed to the run's
//!   clusters when `ocp_cluster_ids` is set, and month partitions through `partitioned_tables` (§3.2);
//! * the owner check: the `_p` delete is keyed on the bill, so the run's bill must be its AWS source's
//!   bill of the run's month (the AWS flow's check); and every report period of the `_p` file must be a
//!   `reporting_ocpusagereportperiod` of the run's month whose cluster is the rows' cluster, since
//!   koku's OCP-side delete and back-populate are keyed on it ([`pairs`]);
//! * koku's PostgreSQL steps around the insert, in the load's transaction, per pair (report period /
//!   cluster of the `_p` file, or listed by the extract as in the run whatever the data, [`pairs`]):
//!   §5.3 `delete_infrastructure_raw_cost_from_daily_summary` before the
//!   insert; after it, S12 step 1, koku's back-populate statement ([`BACK_POPULATE`]), and the report
//!   period's `ocp_on_cloud_updated_datetime` stamp (§4.12 step 5). koku writes no AWS bill stamp in
//!   this flow (`update_aws_summary_tables` has none), so neither does the load;
//! * the emptied-days guard of a UI table counts a day as emptied only when the `_p` file has no row
//!   for it either ([`Flow::guard_reference`]): the UI tables are filtered groupings of the `_p` rows'
//!   source, so a UI table that loses a day the `_p` file still has reflects changed AWS data (an RDS
//!   line gone), not the empty or partial input the guard is for; a day the `_p` file lacks too is
//!   refused (for the `_p` table first).
//!
//! koku's statements are run as koku runs them, quirks included: the back-populate is keyed on the
//! report period only (rows of another AWS source for the same cluster are grouped in too), and a `_p`
//! row with NULL costs (§4.7's phantom compute rows) back-populates a NULL raw cost, which §5.3's
//! delete (`IS NOT NULL AND != 0`) never removes, so each re-run adds one more until the OCP source's
//! next summary deletes it (tests/ocp_aws.rs pins both).
//!
//! Left to koku (PostgreSQL statements it runs after the summary that read the `_p` table this load
//! writes, so they see the loaded rows whenever koku runs them): the tag summaries (S12 step 2), the tag
//! mapping (step 3, which rewrites `_p.tags`), the category summary, OCP-on-All and the OCP UI/markup
//! updates (step 5).

pub mod pairs;

use chrono::NaiveDate;
use koku_common::schema::OCP_DAILY_SUMMARY_TABLE;
use koku_common::schema::ocp_aws::{OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE, TABLES};
use koku_common::schema::table::{RunValue, Table};
use koku_common::workdir::{RunIdentity, WorkDir};
use postgres::Transaction;

use crate::error::{LoadError, Result};
use crate::flow::{Flow, FlowOutcome};
use crate::ident::{QualifiedName, quote_ident};
use crate::partition::{ensure_month_partitions, months_between};
use crate::scope::RunScope;
use pairs::Pair;

/// The OCP-on-AWS flow (`koku-transform ocp-aws`'s work dirs).
pub struct OcpAws;

/// What the OCP-on-AWS flow's own steps did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct OcpAwsOutcome {
    /// The pairs of the `_p` file (report period, cluster), ascending.
    pub pairs: Vec<Pair>,
    /// OCP daily-summary rows with infrastructure raw cost deleted before the insert (§5.3; dry run:
    /// that would be).
    pub ocp_infrastructure_rows_deleted: u64,
    /// OCP daily-summary rows inserted by koku's back-populate (S12 step 1; not run by a dry run).
    pub ocp_infrastructure_rows_inserted: u64,
    /// Report periods whose `ocp_on_cloud_updated_datetime` was set.
    pub report_periods_stamped: u64,
}

/// koku's back-populate statement (see the file's header for what was adapted).
pub const BACK_POPULATE: &str = include_str!("back_populate.sql");

const OCP_TABLE: &str = OCP_DAILY_SUMMARY_TABLE.name;
const PERIODS: &str = "reporting_ocpusagereportperiod";

impl Flow for OcpAws {
    fn tables(&self) -> &'static [&'static Table] {
        TABLES
    }

    /// The bill check is the AWS flow's; the report periods are checked in
    /// [`Flow::before_delete`], which reads them from the `_p` file before anything is deleted.
    fn check_scope_owner(
        &self,
        tx: &mut Transaction<'_>,
        schema: &str,
        id: &RunIdentity,
        scope: &RunScope,
    ) -> Result<()> {
        crate::aws::Aws.check_scope_owner(tx, schema, id, scope)
    }

    fn guard_reference(&self, table: &Table) -> Option<&'static str> {
        (table.name != OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE.name)
            .then_some(OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE.name)
    }

    fn before_delete(
        &self,
        tx: &mut Transaction<'_>,
        schema: &str,
        id: &RunIdentity,
        wd: &WorkDir,
    ) -> Result<FlowOutcome> {
        let pairs = pairs::read(wd, id.ocp_cluster_ids.as_deref())?;
        let month_start = chrono::Datelike::with_day(&id.start_date, 1).expect("day 1 exists");
        for pair in &pairs {
            check_pair(tx, schema, pair, month_start)?;
        }
        // The back-populate inserts into the OCP table: its month partitions as koku's OCP flow makes
        // them (else the rows would land in its default partition).
        if !pairs.is_empty() {
            ensure_month_partitions(
                tx,
                schema,
                OCP_TABLE,
                OCP_DAILY_SUMMARY_TABLE.partition_column,
                &months_between(id.start_date, id.end_date),
            )?;
        }
        let ocp = QualifiedName::new(schema, OCP_TABLE);
        let mut deleted = 0;
        for pair in &pairs {
            // §5.3, koku's statement (ocp_report_db_accessor.py), over the run's window.
            let n = tx
                .execute(
                    &format!(
                        "DELETE FROM {ocp} WHERE usage_start >= $1::date AND usage_start <= $2::date \
                         AND report_period_id = $3 AND infrastructure_raw_cost IS NOT NULL \
                         AND infrastructure_raw_cost != 0"
                    ),
                    &[&id.start_date, &id.end_date, &pair.report_period_id],
                )
                .map_err(LoadError::db(format!(
                    "delete the infrastructure rows of report period {} from {OCP_TABLE}",
                    pair.report_period_id
                )))?;
            tracing::info!(
                "{OCP_TABLE}: deleted {n} infrastructure row(s) of report period {} (cluster {:?})",
                pair.report_period_id,
                pair.cluster_id
            );
            deleted += n;
        }
        Ok(FlowOutcome::OcpAws(OcpAwsOutcome {
            pairs,
            ocp_infrastructure_rows_deleted: deleted,
            ..OcpAwsOutcome::default()
        }))
    }

    fn after_insert(
        &self,
        tx: &mut Transaction<'_>,
        schema: &str,
        id: &RunIdentity,
        outcome: &mut FlowOutcome,
    ) -> Result<()> {
        let FlowOutcome::OcpAws(o) = outcome else {
            unreachable!("the OCP-on-AWS flow's outcome")
        };
        let sql = BACK_POPULATE.replace("@SCHEMA@", &quote_ident(schema));
        let periods = QualifiedName::new(schema, PERIODS);
        for pair in &o.pairs {
            // koku runs it per 5-day chunk; usage_start is one of its group keys, so one statement
            // over the window inserts the same rows.
            let n = tx
                .execute(
                    &sql,
                    &[&id.start_date, &id.end_date, &pair.report_period_id],
                )
                .map_err(LoadError::db(format!(
                    "back-populate {OCP_TABLE} from report period {}",
                    pair.report_period_id
                )))?;
            tracing::info!(
                "{OCP_TABLE}: back-populated {n} infrastructure row(s) of report period {} (cluster {:?})",
                pair.report_period_id,
                pair.cluster_id
            );
            o.ocp_infrastructure_rows_inserted += n;
            o.report_periods_stamped += tx
                .execute(
                    &format!(
                        "UPDATE {periods} SET ocp_on_cloud_updated_datetime = now() WHERE id = $1"
                    ),
                    &[&pair.report_period_id],
                )
                .map_err(LoadError::db(format!("update {PERIODS}")))?;
        }
        Ok(())
    }

    fn scope_label(&self, scope: &RunScope) -> String {
        let clusters = scope.describe(RunValue::OcpClusterIds);
        format!("{}, {clusters}", scope.describe(RunValue::BillId))
    }
}

/// The pair's report period must be a report period of the run's month and of the rows' cluster: koku's
/// OCP-side delete and back-populate are keyed on it, and would otherwise touch another cluster's rows.
fn check_pair(
    tx: &mut Transaction<'_>,
    schema: &str,
    pair: &Pair,
    month_start: NaiveDate,
) -> Result<()> {
    let periods = QualifiedName::new(schema, PERIODS);
    let rp = pair.report_period_id;
    let row = tx
        .query_opt(
            &format!(
                "SELECT cluster_id::text, (report_period_start AT TIME ZONE 'UTC')::date \
                 FROM {periods} WHERE id = $1"
            ),
            &[&rp],
        )
        .map_err(LoadError::db("check the report periods of the rows"))?;
    let refuse = |reason: String| LoadError::ForeignScope {
        what: format!(
            "report period {rp} (of the {} rows of cluster {:?})",
            OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE.name, pair.cluster_id
        ),
        reason,
    };
    let Some(row) = row else {
        return Err(refuse(format!("is not in {schema}.{PERIODS}")));
    };
    let (cluster, start): (String, NaiveDate) = (row.get(0), row.get(1));
    if cluster != pair.cluster_id {
        return Err(refuse(format!("belongs to cluster {cluster:?}")));
    }
    if start != month_start {
        return Err(refuse(format!(
            "starts {start}, not on the first day of this run's month ({month_start})"
        )));
    }
    Ok(())
}
