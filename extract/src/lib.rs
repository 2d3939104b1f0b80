//! `koku-extract`: reads koku's raw Parquet (from S3 or a local folder with the same key
//! layout) and the small PostgreSQL inputs of a summary run into an Arrow IPC work directory, in the
//! canonical schemas of [`koku_common::schema`]. No aggregation happens here (that is
//! `koku-transform`'s job); this crate only finds, decodes, normalises and filters.
//!
//! * [`source`]: the [`source::ObjectSource`] abstraction, with [`source::LocalSource`] and
//!   [`source::S3Source`];
//! * [`layout`]: koku's key prefixes and the tenant-schema → account rule;
//! * [`window`]: the run's days and the row filter bounds;
//! * [`parquet_read`]: decoding one object into a canonical dataset schema;
//! * [`checks`]: the value checks of the rows as they enter (refused or counted);
//! * [`stream`]: objects fetched ahead, datasets streamed into the work dir (every flow);
//! * [`pg`]: koku's database read in one snapshot, CSV stand-ins for its tables (every flow);
//! * [`ocp`]: `koku-extract ocp` — its orchestration and its PostgreSQL inputs (cluster, report
//!   period, enabled keys, cost categories, node roles);
//! * [`aws`]: `koku-extract aws` — the month partition of the daily CUR and its PostgreSQL inputs
//!   (bill, markup, enabled keys, account aliases, organizational units);
//! * [`ocp_aws`]: `koku-extract ocp-aws` — the AWS source's daily and hourly CUR, its candidate OCP
//!   sources' raw usage keys and daily summaries (from `koku-transform ocp` work dirs), and the
//!   PostgreSQL inputs of the pairing and tag matching.

pub mod aws;
pub mod checks;
pub mod error;
pub mod layout;
pub mod ocp;
pub mod ocp_aws;
pub mod parquet_read;
pub mod pg;
pub mod preflight;
pub mod source;
pub mod stream;
pub mod window;

pub use aws::pg_inputs::AwsPgOverrides;
pub use aws::{AwsRequest, extract_aws};
pub use error::{ExtractError, Result};
pub use ocp::pg_inputs::PgOverrides;
pub use ocp::{OcpRequest, extract_ocp};
pub use ocp_aws::pg_inputs::OcpAwsPgOverrides;
pub use ocp_aws::{OcpAwsRequest, extract_ocp_aws};
pub use source::{LocalSource, ObjectMeta, ObjectSource, S3Source, SourceSpec};
pub use stream::{DatasetSummary, ExtractOptions, ExtractReport, new_runtime};
