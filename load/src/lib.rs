//! `koku-load`: writes the transform's OCP daily summary into koku's PostgreSQL tenant schema, the way
//! koku's Trino step does (spec §1 step 6, §4.8), but in one transaction.
//!
//! * [`run`]: the load itself — checks, lock, partitions, delete, COPY, commit, `run.json`;
//! * [`cluster_info`]: koku's cluster, node, PVC and project upserts and the report-period timestamps;
//! * [`columns`]: which summary columns are loaded with which wire type, and the per-value checks;
//! * [`numeric`]: f64 → `numeric(33,15)` with Trino's rounding;
//! * [`jsonb`]: pre-serialised JSON text as binary jsonb;
//! * [`partition`]: koku's month partitions through `partitioned_tables`;
//! * [`delete`]: koku's exact delete scope;
//! * [`copy`]: binary COPY into the partitioned parent;
//! * [`ident`]: quoting of schema/table names;
//! * [`error`]: one-line, password-free errors.
//!
//! Not done here (koku runs them after the insert, spec §7.3–§7.4): the UI summary tables, label
//! summaries, tag-mapping update and the cost-model task.

pub mod cluster_info;
pub mod columns;
pub mod copy;
pub mod delete;
pub mod error;
pub mod ident;
pub mod jsonb;
pub mod numeric;
pub mod partition;
pub mod run;

pub use error::{LoadError, Result};
pub use run::{LoadOptions, LoadReport, load};
