//! Canonical Arrow schemas of every dataset in a work directory, and the PostgreSQL tables the load
//! writes, described once for every flow.
//!
//! * this module: the shared vocabulary ([`ColumnType`], [`Origin`], [`Dataset`], [`Columns`]);
//! * [`ocp`]: the datasets of the OpenShift flow (re-exported here, the names predate the split);
//! * [`aws`]: the datasets and tables of the AWS flow;
//! * [`ocp_aws`]: the datasets and tables of the OCP-on-AWS flow;
//! * [`table`]: koku's output tables (columns with their PostgreSQL types and numeric scales, partition
//!   key, delete scope), which `koku-load` loads generically.
//!
//! koku's Parquet files vary physically (large_utf8 vs utf8, column order, int vs double, columns missing
//! in files from older operators). `koku-extract` normalises all of that into the schemas of the
//! datasets, so the transform never has to care. Types are deliberately few:
//!
//! * text → `Utf8` (labels stay JSON object text, parsed by the transform),
//! * every measure → `Float64` (Trino declares every numeric column `double`),
//! * timestamps → `Timestamp(Millisecond, None)`, the UTC wall clock koku writes,
//! * dates of output rows → `Date32`, ids → `Int32`, lists of texts (`resource_ids`) → `List<Utf8>`.
//!
//! Every column is nullable: koku's Parquet columns are all `optional`, and "column missing in this file"
//! must read as NULL.

pub mod aws;
pub mod ocp;
pub mod ocp_aws;
pub mod table;

pub use ocp::*;

use std::sync::Arc;

use arrow::array::{
    Array, Float64Array, Int32Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// Bumped whenever a dataset schema or the meaning of a column changes; stored in every IPC file's
/// metadata and in `run.json`, and checked by every stage.
pub const SCHEMA_VERSION: &str = "1";

/// The logical type of a canonical column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Float,
    Timestamp,
    Date,
    Int32,
    /// A list of texts (`resource_ids`); `text[]` in PostgreSQL.
    TextList,
}

impl ColumnType {
    pub fn arrow(self) -> DataType {
        match self {
            ColumnType::Text => DataType::Utf8,
            ColumnType::Float => DataType::Float64,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, None),
            ColumnType::Date => DataType::Date32,
            ColumnType::Int32 => DataType::Int32,
            ColumnType::TextList => {
                DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
            }
        }
    }
}

/// Where the rows of a dataset come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// koku's Parquet for one source and month (input-data §2):
    /// `data/parquet[/daily]/<account>/<provider>[/<report_type>]/source=…/year=…/month=…/`.
    Parquet(ParquetLocation),
    /// A table of koku's tenant schema (or the equivalent command-line flag / file).
    Postgres,
    /// Computed by `koku-transform`.
    Transform,
}

/// Which of koku's Parquet prefixes holds a dataset, and the timestamp its rows are windowed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParquetLocation {
    /// The provider segment of the key (`OCP`, `AWS`).
    pub provider: &'static str,
    /// Under `data/parquet/daily/` (koku's daily roll-up) rather than `data/parquet/` (hourly).
    pub daily: bool,
    /// The report-type segment (`pod_usage`, …; AWS daily: `raw`); `None` where koku writes none
    /// (AWS hourly).
    pub report_type: Option<&'static str>,
    /// The row timestamp koku's SQL filters the run's window on (`interval_start`,
    /// `lineitem_usagestartdate`).
    pub time_column: &'static str,
    /// What the extract checks in the rows of the window, besides every measure being finite (a NaN
    /// or ±inf would make koku's insert fail, so it is refused where it enters, naming the object,
    /// row and column).
    pub checks: &'static [ValueCheck],
}

/// A rule for the values of one column of koku's Parquet, applied by the extract to the rows of the
/// run's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueCheck {
    /// JSON object text with scalar values (labels, tags): anything else is refused, because koku's
    /// `cast(json_parse(x) AS map(varchar, varchar))` would fail the whole summary.
    JsonObject(&'static str),
    /// A measure koku sums as it is, but that should not be negative: counted and warned about (it
    /// lowers sums and raises the unallocated capacity).
    WarnNegative(&'static str),
    /// A column koku groups by that should hold a value: NULLs are counted and warned about.
    WarnNull(&'static str),
}

impl ValueCheck {
    pub fn column(&self) -> &'static str {
        match self {
            ValueCheck::JsonObject(c) | ValueCheck::WarnNegative(c) | ValueCheck::WarnNull(c) => c,
        }
    }
}

/// One dataset of the work directory: its file is `<name>.arrow`.
#[derive(Debug)]
pub struct Dataset {
    pub name: &'static str,
    pub origin: Origin,
    pub columns: &'static [(&'static str, ColumnType)],
    /// Columns a koku file may lack (older operators, files from before koku added the column): read as
    /// NULL. Any other missing column is an error naming the file and the column.
    pub optional: &'static [&'static str],
}

impl Dataset {
    /// Where the dataset's Parquet lives, for datasets read from koku's Parquet.
    pub fn parquet(&self) -> Option<&ParquetLocation> {
        match &self.origin {
            Origin::Parquet(p) => Some(p),
            _ => None,
        }
    }

    /// The canonical Arrow schema (no metadata; the work dir adds the run identity).
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|(name, ty)| Field::new(*name, ty.arrow(), true))
                .collect::<Vec<_>>(),
        ))
    }

    pub fn file_name(&self) -> String {
        format!("{}.arrow", self.name)
    }

    pub fn is_optional(&self, column: &str) -> bool {
        self.optional.contains(&column)
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| *n == name)
    }
}

/// Look a dataset up by name (`koku-ipc` and error messages use this).
pub fn dataset_by_name(name: &str) -> Option<&'static Dataset> {
    all_datasets().find(|d| d.name == name)
}

/// Every dataset of every flow.
pub fn all_datasets() -> impl Iterator<Item = &'static Dataset> {
    ocp::ALL.iter().chain(aws::ALL).chain(ocp_aws::ALL).copied()
}

/// Every output table of every flow.
pub fn all_tables() -> impl Iterator<Item = &'static table::Table> {
    ocp::TABLES
        .iter()
        .chain(aws::TABLES)
        .chain(ocp_aws::TABLES)
        .copied()
}

/// Look an output table up by name.
pub fn table_by_name(name: &str) -> Option<&'static table::Table> {
    all_tables().find(|t| t.name == name)
}

/// Typed access to one batch of a canonical dataset, by column name. Every stage that reads a work-dir
/// file gets batches of exactly the canonical schema (the reader checks it), so a wrong type here is a
/// bug, not bad input: the accessors panic.
pub struct Columns<'a> {
    dataset: &'static Dataset,
    batch: &'a RecordBatch,
}

impl<'a> Columns<'a> {
    pub fn new(dataset: &'static Dataset, batch: &'a RecordBatch) -> Self {
        Columns { dataset, batch }
    }

    fn column(&self, name: &str) -> &'a dyn Array {
        let idx = self
            .dataset
            .column_index(name)
            .unwrap_or_else(|| panic!("{} has no column {name}", self.dataset.name));
        self.batch.column(idx).as_ref()
    }

    pub fn text(&self, name: &str) -> &'a StringArray {
        self.column(name)
            .as_any()
            .downcast_ref()
            .expect("canonical Utf8 column")
    }

    pub fn float(&self, name: &str) -> &'a Float64Array {
        self.column(name)
            .as_any()
            .downcast_ref()
            .expect("canonical Float64 column")
    }

    pub fn int32(&self, name: &str) -> &'a Int32Array {
        self.column(name)
            .as_any()
            .downcast_ref()
            .expect("canonical Int32 column")
    }

    pub fn timestamp(&self, name: &str) -> &'a TimestampMillisecondArray {
        self.column(name)
            .as_any()
            .downcast_ref()
            .expect("canonical Timestamp(ms) column")
    }
}

/// The text at row `i`, borrowed from the array; `None` = NULL.
pub fn opt_text(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

/// The value of row `i`, `None` for NULL.
pub fn opt_str(a: &StringArray, i: usize) -> Option<String> {
    a.is_valid(i).then(|| a.value(i).to_string())
}

/// The value of row `i`, `None` for NULL.
pub fn opt_f64(a: &Float64Array, i: usize) -> Option<f64> {
    a.is_valid(i).then(|| a.value(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_names_are_unique_and_resolvable() {
        let names: Vec<_> = all_datasets().map(|d| d.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        for n in names {
            assert_eq!(dataset_by_name(n).unwrap().name, n);
        }
        assert!(dataset_by_name("nope").is_none());
    }

    #[test]
    fn schemas_have_no_duplicate_columns() {
        for d in all_datasets() {
            let s = d.schema();
            for (i, f) in s.fields().iter().enumerate() {
                assert_eq!(s.index_of(f.name()).unwrap(), i, "{}.{}", d.name, f.name());
            }
        }
    }

    #[test]
    fn parquet_datasets_have_their_time_column_and_checked_columns() {
        for d in all_datasets() {
            if let Some(p) = d.parquet() {
                assert!(d.column_index(p.time_column).is_some(), "{}", d.name);
                for c in p.checks {
                    let (_, ty) = d.columns[d.column_index(c.column()).unwrap()];
                    let want = match c {
                        ValueCheck::JsonObject(_) => ColumnType::Text,
                        ValueCheck::WarnNegative(_) => ColumnType::Float,
                        ValueCheck::WarnNull(_) => ty,
                    };
                    assert_eq!(ty, want, "{}.{}", d.name, c.column());
                }
            }
        }
    }
}
