//! `koku-transform`: koku's summary tables computed from an extracted work directory.
//!
//! Pure computation: IPC in, IPC out; no network, database, clock or randomness, so the same work dir
//! always gives byte-identical output. Each flow is a folder over one shared core:
//!
//! * [`core`] — what every flow uses: labels and tags as Trino parses, filters and formats them,
//!   `LIKE`, nullable sums; the work dir opened for a flow and its output written; a daily dataset
//!   streamed one day at a time, keyed by a timestamp column the flow names, and the days computed on
//!   worker threads by the flow's per-day function;
//! * [`ocp`] — the OpenShift daily summary (`reporting_ocpusagelineitem_daily_summary`, spec
//!   ocp-daily-summary.md) and koku's cluster information: one module per kind of row, the OCP rows
//!   decoded, the day's computation and `koku-transform ocp`'s run;
//! * [`aws`] — the AWS daily summary and EC2 compute summary (spec aws-daily-summary.md) and koku's
//!   OCP↔AWS pairing; `koku-transform aws`'s run;
//! * [`error`] — the one error type, naming the dataset, row and column at fault.
//!
//! * [`ocp_aws`] — OCP-on-AWS (spec ocp-on-aws.md): AWS costs attributed to the clusters running on
//!   the AWS source, koku's `_p` table and its eight UI tables.

pub mod aws;
pub mod core;
pub mod error;
pub mod ocp;
pub mod ocp_aws;

pub use aws::run::{AwsReport, transform_aws};
pub use error::TransformError;
pub use ocp::run::{TransformReport, transform_ocp};
pub use ocp_aws::run::{OcpAwsReport, transform_ocp_aws};
