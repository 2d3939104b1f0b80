//! What each flow adds to the generic load ([`crate::run`]): its tables, the check that the run's scope
//! (report period, bill) belongs to its source, and koku's steps around the insert. One implementation
//! per flow folder (`ocp/`, later `aws/`, `ocp_aws/`).

use koku_common::schema::table::Table;
use koku_common::workdir::{RunIdentity, WorkDir};
use postgres::Transaction;

use crate::error::{LoadError, Result};
use crate::ocp::cluster_info::ClusterInfoOutcome;
use crate::scope::RunScope;

/// A flow's part of the load.
pub trait Flow: Sync {
    /// The tables the flow writes, in load order.
    fn tables(&self) -> &'static [&'static Table];

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

    /// How the run's scope reads in messages (`report period 7`, `bill 11`).
    fn scope_label(&self, scope: &RunScope) -> String;
}

/// What a flow's own steps did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum FlowOutcome {
    Ocp(ClusterInfoOutcome),
}

/// The flow of a work dir (`run.json`'s `flow`).
pub fn for_run(id: &RunIdentity, run_file: &std::path::Path) -> Result<&'static dyn Flow> {
    match id.flow.as_str() {
        "ocp" => Ok(&crate::ocp::Ocp),
        other => Err(LoadError::WorkDir(koku_common::Error::BadRunFile {
            path: run_file.to_path_buf(),
            reason: format!("flow {other:?} is not one koku-load knows (ocp)"),
        })),
    }
}
