//! What each flow adds to the generic load ([`crate::run`]): its tables, the check that the run's scope
//! (report period, bill) belongs to its source, and koku's steps around the insert. One implementation
//! per flow folder (`ocp/`, `aws/`, `ocp_aws/`).

use koku_common::schema::table::Table;
use koku_common::workdir::{RunIdentity, WorkDir};
use postgres::Transaction;

use crate::aws::AwsOutcome;
use crate::error::{LoadError, Result};
use crate::ocp::cluster_info::ClusterInfoOutcome;
use crate::ocp_aws::OcpAwsOutcome;
use crate::run::LoadReport;
use crate::scope::RunScope;

/// A flow's part of the load.
pub trait Flow: Sync {
    /// The tables the flow writes, in load order.
    fn tables(&self) -> &'static [&'static Table];

    /// Whether `table` may be absent from the transform's outputs: it is then skipped with a log
    /// line and left as it is (AWS: the EC2 compute summary, which koku computes only behind a
    /// feature flag). Any other table the transform did not write fails the load.
    fn may_skip(&self, _table: &Table) -> bool {
        false
    }

    /// Refuse the run before anything changes when the scope its delete is keyed on (report period,
    /// bill) is not its source's: koku's delete would then remove another source's rows.
    fn check_scope_owner(
        &self,
        tx: &mut Transaction<'_>,
        schema: &str,
        id: &RunIdentity,
        scope: &RunScope,
    ) -> Result<()>;

    /// koku's steps that run before the delete, in the load's transaction.
    fn before_delete(
        &self,
        tx: &mut Transaction<'_>,
        schema: &str,
        id: &RunIdentity,
        wd: &WorkDir,
    ) -> Result<FlowOutcome>;

    /// koku's steps that run after the rows of every table were inserted, in the load's transaction
    /// (OCP-on-AWS: the back-populate of the OCP table). Not run by a dry run.
    fn after_insert(
        &self,
        _tx: &mut Transaction<'_>,
        _schema: &str,
        _id: &RunIdentity,
        _outcome: &mut FlowOutcome,
    ) -> Result<()> {
        Ok(())
    }

    /// The table whose file's days also keep a day of `table` from counting as emptied by the load
    /// ([`LoadError::WouldEmptyDays`]): a table derived from another one's rows (OCP-on-AWS: a UI
    /// table, from the `_p` rows) may lose a day that the other still has when the data changed, which
    /// is not the empty or partial input the guard is for. `None`: the table's own file only.
    fn guard_reference(&self, _table: &Table) -> Option<&'static str> {
        None
    }

    /// koku's checks that run after everything committed and only log (AWS: `validate_daily_data`).
    /// They never fail the load; what they found goes into `report.flow` and so into `run.json`.
    fn after_commit(
        &self,
        _client: &mut postgres::Client,
        _wd: &WorkDir,
        _scope: &RunScope,
        _report: &mut LoadReport,
    ) {
    }

    /// How the run's scope reads in messages (`report period 7`, `bill 11`).
    fn scope_label(&self, scope: &RunScope) -> String;
}

/// What a flow's own steps did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum FlowOutcome {
    Ocp(ClusterInfoOutcome),
    Aws(AwsOutcome),
    OcpAws(OcpAwsOutcome),
}

/// The flow of a work dir (`run.json`'s `flow`).
pub fn for_run(id: &RunIdentity, run_file: &std::path::Path) -> Result<&'static dyn Flow> {
    match id.flow.as_str() {
        "ocp" => Ok(&crate::ocp::Ocp),
        "aws" => Ok(&crate::aws::Aws),
        "ocp-aws" => Ok(&crate::ocp_aws::OcpAws),
        other => Err(LoadError::WorkDir(koku_common::Error::BadRunFile {
            path: run_file.to_path_buf(),
            reason: format!("flow {other:?} is not one koku-load knows (ocp, aws, ocp-aws)"),
        })),
    }
}
