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
//!   period, enabled keys, cost categories, node roles).

pub mod checks;
pub mod error;
pub mod layout;
pub mod ocp;
pub mod parquet_read;
pub mod pg;
pub mod source;
pub mod stream;
pub mod window;

pub use error::{ExtractError, Result};
pub use ocp::pg_inputs::PgOverrides;
pub use ocp::{ExtractReport, OcpRequest, extract_ocp};
pub use source::{LocalSource, ObjectMeta, ObjectSource, S3Source, SourceSpec};
pub use stream::{DatasetSummary, ExtractOptions, new_runtime};
