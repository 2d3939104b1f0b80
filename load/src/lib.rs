//! `koku-load`: writes a work dir's transformed rows into koku's PostgreSQL tenant schema, the way
//! koku's Trino step does (spec ocp-daily-summary §1 step 6, §4.8), but in one transaction.
//!
//! The load is generic over koku's table descriptions (`koku_common::schema::table::Table`: columns
//! with their PostgreSQL types, partition key, delete scope, row scope); each flow adds only its own
//! steps:
//!
//! * [`run`]: the load itself — checks, lock, the flow's steps, partitions, delete, COPY, the guards
//!   against data loss, commit, `run.json`;
//! * [`flow`]: what a flow adds; [`ocp`]: the OCP flow (koku's cluster, node, PVC and project upserts,
//!   the report-period timestamps, the report period's owner check); [`aws`]: the AWS flow (the daily
//!   summary and the EC2 compute summary, the bill's owner check, the bill stamps, koku's daily
//!   validation); [`ocp_aws`]: the OCP-on-AWS flow (the `_p` table and the eight UI tables, the bill's
//!   and the report periods' owner checks, koku's OCP infrastructure delete and back-populate, the
//!   report-period stamps);
//! * [`columns`]: Arrow values → PostgreSQL values by column type, with the per-value and row-scope checks;
//! * [`scope`]: the run's values a table's delete and row checks name;
//! * [`numeric`]: f64 → `numeric(p,s)` with Trino's rounding;
//! * [`jsonb`]: pre-serialised JSON text as binary jsonb;
//! * [`partition`]: koku's month partitions through `partitioned_tables`;
//! * [`delete`]: koku's exact delete scope;
//! * [`copy`]: binary COPY into the partitioned parent;
//! * [`lockwatch`]: saying who holds a lock the load waits for;
//! * [`ident`]: quoting of schema/table names;
//! * [`error`]: one-line, password-free errors.
//!
//! Not done here (koku runs them after the insert, spec §7.3–§7.4, aws-daily-summary §7, ocp-on-aws
//! §4.12): the OCP and AWS UI summary tables, label/tag summaries, tag-mapping update, the cost-model
//! task, currencies, OCP-on-AWS's category summary and OCP-on-All.

pub mod aws;
pub mod columns;
pub mod copy;
pub mod delete;
pub mod error;
pub mod flow;
pub mod ident;
pub mod jsonb;
pub mod lockwatch;
pub mod numeric;
pub mod ocp;
pub mod ocp_aws;
pub mod partition;
pub mod run;
pub mod scope;

pub use error::{LoadError, Result};
pub use run::{LoadOptions, LoadReport, TableReport, load};
