//! `koku-extract`: reads koku's raw OpenShift Parquet (from S3 or a local folder with the same key
//! layout) and the small PostgreSQL inputs of a summary run into an Arrow IPC work directory, in the
//! canonical schemas of [`koku_common::schema`]. No aggregation happens here (that is
//! `koku-transform`'s job); this crate only finds, decodes, normalises and filters.
//!
//! * [`source`]: the [`source::ObjectSource`] abstraction, with [`source::LocalSource`] and
//!   [`source::S3Source`];
//! * [`layout`]: koku's key prefixes and the tenant-schema → account rule;
//! * [`window`]: the run's days and the row filter bounds;
//! * [`parquet_read`]: decoding one object into a canonical dataset schema;
//! * [`pg_inputs`]: cluster, report period, enabled keys, cost categories, node roles;
//! * [`ocp`]: the orchestration of `koku-extract ocp`.

pub mod error;
pub mod layout;
pub mod ocp;
pub mod parquet_read;
pub mod pg_inputs;
pub mod source;
pub mod window;

pub use error::{ExtractError, Result};
pub use ocp::{
    DatasetSummary, ExtractOptions, ExtractReport, OcpRequest, extract_ocp, new_runtime,
};
pub use pg_inputs::PgOverrides;
pub use source::{LocalSource, ObjectMeta, ObjectSource, S3Source, SourceSpec};
