//! `koku-compare`: this pipeline's summary rows against the rows koku wrote, matched by natural key.
//!
//! * [`compare()`] ([`mod@compare`]): the comparison, generic over a table definition;
//! * [`definition`]: what a [`TableDef`] says about a table (row kinds and their keys, columns, scope,
//!   rows of later koku steps);
//! * [`tables`]: the known tables, one definition each (`tables::ocp`, `tables::aws`);
//! * [`read`]: our work dir or `.arrow` file, a CSV export of koku's table, koku's table itself;
//! * [`report`]: the outcome, as text or JSON;
//! * [`value`], [`key`], [`scope`], [`table`]: typed cells, natural keys, the rows that take part, rows
//!   in memory.

pub mod compare;
pub mod definition;
pub mod error;
pub mod key;
pub mod read;
pub mod report;
pub mod scope;
pub mod table;
pub mod tables;
pub mod value;

pub use compare::{DEFAULT_REL_TOL, Options, compare};
pub use definition::{ColumnSource, OtherStepRows, RowKind, ScopeColumns, TableDef};
pub use error::{CompareError, Result};
pub use key::Key;
pub use read::{append_batch, read_csv, read_csv_from, read_ipc, read_postgres, tables_in};
pub use report::{ColumnStat, Counts, Difference, Duplicate, KeyCount, Report, SideSummary};
pub use scope::{RunInfo, Scope};
pub use table::Table;
pub use value::{Kind, Value, canonical_json};
