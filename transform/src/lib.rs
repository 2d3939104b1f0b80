//! `koku-transform`: koku's summary tables computed from an extracted work directory.
//!
//! Pure computation: IPC in, IPC out; no network, database, clock or randomness, so the same work dir
//! always gives byte-identical output. Each flow is a folder over one shared core:
//!
//! * [`core`] — what every flow uses: labels and tags as Trino formats them, `LIKE`, nullable sums,
//!   the day stream over a daily dataset and the day workers;
//! * [`ocp`] — the OpenShift daily summary (`reporting_ocpusagelineitem_daily_summary`) and koku's
//!   cluster information.

pub mod core;
pub mod error;
pub mod ocp;

pub use error::TransformError;
pub use ocp::run::{TransformReport, transform_ocp};
