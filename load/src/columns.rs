//! From the transform's Arrow rows to PostgreSQL values: which columns are loaded, with which wire type,
//! and the checks that turn a value PostgreSQL would refuse into an error naming its row and column.
//!
//! The column list is explicit because the physical column order of the table differs between old and
//! new koku tenants (spec §3.1). `row_kind` and `csi_volume_handle` exist only in the work dir / Hive
//! copy and are not PostgreSQL columns. Wire types must match the columns exactly (binary COPY sends
//! int4 as 4 bytes; an int8 would be refused), so they are declared here next to the names.
//!
//! Rows are also checked against the run: the delete that precedes the insert is keyed on the run's
//! days and report period, so a row outside them would survive a re-load and be duplicated.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Date32Type, Float64Type, Int32Type};
use chrono::NaiveDate;
use postgres::types::{ToSql, Type};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{LoadError, Result};
use crate::jsonb::JsonbText;
use crate::numeric::to_numeric;

/// How a summary column is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `varchar(n)`; longer values are refused by PostgreSQL, so they are reported here first.
    Varchar(usize),
    /// JSON text → `jsonb`.
    Jsonb,
    /// f64 → `numeric(33,15)` (spec §6.2).
    Numeric,
    /// Arrow Date32 → `date`, NOT NULL.
    Date,
    /// Arrow Int32 → `integer`.
    Int4,
    /// Text → `uuid`.
    Uuid,
}

impl Kind {
    fn wire_type(self) -> Type {
        match self {
            Kind::Varchar(_) => Type::VARCHAR,
            Kind::Jsonb => Type::JSONB,
            Kind::Numeric => Type::NUMERIC,
            Kind::Date => Type::DATE,
            Kind::Int4 => Type::INT4,
            Kind::Uuid => Type::UUID,
        }
    }
}

/// The generated key column, sent first (a fresh time-ordered uuid per row, `copy.rs` says why).
pub const UUID_COLUMN: &str = "uuid";

/// The loaded columns of the summary file, in COPY order after [`UUID_COLUMN`].
pub const COLUMNS: &[(&str, Kind)] = &[
    ("report_period_id", Kind::Int4),
    ("cluster_id", Kind::Varchar(50)),
    ("cluster_alias", Kind::Varchar(256)),
    ("data_source", Kind::Varchar(64)),
    ("usage_start", Kind::Date),
    ("usage_end", Kind::Date),
    ("namespace", Kind::Varchar(253)),
    ("node", Kind::Varchar(253)),
    ("resource_id", Kind::Varchar(253)),
    ("pod_labels", Kind::Jsonb),
    ("pod_usage_cpu_core_hours", Kind::Numeric),
    ("pod_request_cpu_core_hours", Kind::Numeric),
    ("pod_effective_usage_cpu_core_hours", Kind::Numeric),
    ("pod_limit_cpu_core_hours", Kind::Numeric),
    ("pod_usage_memory_gigabyte_hours", Kind::Numeric),
    ("pod_request_memory_gigabyte_hours", Kind::Numeric),
    ("pod_effective_usage_memory_gigabyte_hours", Kind::Numeric),
    ("pod_limit_memory_gigabyte_hours", Kind::Numeric),
    ("node_capacity_cpu_cores", Kind::Numeric),
    ("node_capacity_cpu_core_hours", Kind::Numeric),
    ("node_capacity_memory_gigabytes", Kind::Numeric),
    ("node_capacity_memory_gigabyte_hours", Kind::Numeric),
    ("cluster_capacity_cpu_core_hours", Kind::Numeric),
    ("cluster_capacity_memory_gigabyte_hours", Kind::Numeric),
    ("persistentvolumeclaim", Kind::Varchar(253)),
    ("persistentvolume", Kind::Varchar(253)),
    ("storageclass", Kind::Varchar(253)),
    ("volume_labels", Kind::Jsonb),
    ("persistentvolumeclaim_capacity_gigabyte", Kind::Numeric),
    (
        "persistentvolumeclaim_capacity_gigabyte_months",
        Kind::Numeric,
    ),
    ("volume_request_storage_gigabyte_months", Kind::Numeric),
    ("persistentvolumeclaim_usage_gigabyte_months", Kind::Numeric),
    ("source_uuid", Kind::Uuid),
    ("infrastructure_usage_cost", Kind::Jsonb),
    ("cost_category_id", Kind::Int4),
    ("all_labels", Kind::Jsonb),
];

/// Columns of the summary file that are deliberately not loaded.
pub const NOT_LOADED: &[&str] = &["row_kind", "csi_volume_handle"];

/// `"uuid", "report_period_id", ...` for the COPY statement.
pub fn column_list() -> String {
    std::iter::once(UUID_COLUMN)
        .chain(COLUMNS.iter().map(|(n, _)| *n))
        .map(crate::ident::quote_ident)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Wire types for `BinaryCopyInWriter`, matching [`column_list`].
pub fn wire_types() -> Vec<Type> {
    std::iter::once(Type::UUID)
        .chain(COLUMNS.iter().map(|(_, k)| k.wire_type()))
        .collect()
}

/// What every row must agree with (the run's delete scope and source).
#[derive(Debug, Clone)]
pub struct Expect {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub report_period_id: i32,
    pub source_uuid: Uuid,
}

/// One converted column of a batch.
pub enum Values<'a> {
    Text(Vec<Option<&'a str>>),
    Json(Vec<Option<JsonbText<'a>>>),
    Numeric(Vec<Option<Decimal>>),
    Date(Vec<Option<NaiveDate>>),
    Int4(Vec<Option<i32>>),
    Uuid(Vec<Option<Uuid>>),
}

impl Values<'_> {
    fn get(&self, row: usize) -> &(dyn ToSql + Sync) {
        match self {
            Values::Text(v) => &v[row],
            Values::Json(v) => &v[row],
            Values::Numeric(v) => &v[row],
            Values::Date(v) => &v[row],
            Values::Int4(v) => &v[row],
            Values::Uuid(v) => &v[row],
        }
    }
}

/// A batch ready to be written: every value checked and converted.
pub struct Converted<'a> {
    pub rows: usize,
    /// Parallel to [`COLUMNS`].
    pub columns: Vec<Values<'a>>,
    pub row_kind: Vec<Option<&'a str>>,
}

impl Converted<'_> {
    /// The values of `row` after its fresh uuid, in [`COLUMNS`] order.
    pub fn row_values(&self, row: usize) -> impl Iterator<Item = &(dyn ToSql + Sync)> {
        self.columns.iter().map(move |c| c.get(row))
    }

    fn text(&self, name: &str) -> &[Option<&str>] {
        let ix = COLUMNS.iter().position(|(n, _)| *n == name).expect("known");
        match &self.columns[ix] {
            Values::Text(v) => v,
            _ => unreachable!("{name} is a text column"),
        }
    }

    fn dates(&self, name: &str) -> &[Option<NaiveDate>] {
        let ix = COLUMNS.iter().position(|(n, _)| *n == name).expect("known");
        match &self.columns[ix] {
            Values::Date(v) => v,
            _ => unreachable!("{name} is a date column"),
        }
    }
}

/// Convert and check one batch; `first_row` is the batch's offset in the file (for error messages).
pub fn convert<'a>(
    batch: &'a RecordBatch,
    first_row: u64,
    path: &Path,
    expect: &Expect,
) -> Result<Converted<'a>> {
    let bad = |i: usize, column: &'static str, reason: String| LoadError::BadValue {
        path: path.to_path_buf(),
        row: first_row + i as u64,
        column,
        reason,
    };
    // The reader checked the schema against OCP_DAILY_SUMMARY, so these downcasts cannot fail.
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("schema checked by DatasetReader: {name} present"))
    };
    let mut columns = Vec::with_capacity(COLUMNS.len());
    for &(name, kind) in COLUMNS {
        let a = column(name);
        let values = match kind {
            Kind::Varchar(max) => {
                let a = a.as_string::<i32>();
                let mut v = Vec::with_capacity(a.len());
                for i in 0..a.len() {
                    let s = (!a.is_null(i)).then(|| a.value(i));
                    if let Some(s) = s {
                        // PostgreSQL text cannot hold NUL; varchar(n) counts characters.
                        if s.contains('\0') {
                            return Err(bad(i, name, "contains a NUL character".into()));
                        }
                        if s.len() > max && s.chars().count() > max {
                            return Err(bad(
                                i,
                                name,
                                format!(
                                    "{} characters do not fit varchar({max}): {:?}",
                                    s.chars().count(),
                                    s
                                ),
                            ));
                        }
                    }
                    v.push(s);
                }
                Values::Text(v)
            }
            Kind::Jsonb => {
                let a = a.as_string::<i32>();
                let mut v = Vec::with_capacity(a.len());
                for i in 0..a.len() {
                    v.push(if a.is_null(i) {
                        None
                    } else {
                        Some(
                            JsonbText::validated(a.value(i))
                                .map_err(|e| bad(i, name, e.to_string()))?,
                        )
                    });
                }
                Values::Json(v)
            }
            Kind::Numeric => {
                let a = a.as_primitive::<Float64Type>();
                let mut v = Vec::with_capacity(a.len());
                for i in 0..a.len() {
                    v.push(if a.is_null(i) {
                        None
                    } else {
                        Some(to_numeric(a.value(i)).map_err(|e| bad(i, name, e.to_string()))?)
                    });
                }
                Values::Numeric(v)
            }
            Kind::Date => {
                let a = a.as_primitive::<Date32Type>();
                let mut v = Vec::with_capacity(a.len());
                for i in 0..a.len() {
                    if a.is_null(i) {
                        return Err(bad(i, name, "NULL in a NOT NULL column".into()));
                    }
                    let d = a.value(i);
                    let date = d
                        .checked_add(719_163) // days from 0001-01-01 (CE day 1) to 1970-01-01
                        .and_then(NaiveDate::from_num_days_from_ce_opt)
                        .ok_or_else(|| bad(i, name, format!("day number {d} is out of range")))?;
                    v.push(Some(date));
                }
                Values::Date(v)
            }
            Kind::Int4 => {
                let a = a.as_primitive::<Int32Type>();
                Values::Int4(a.iter().collect())
            }
            Kind::Uuid => {
                let a = a.as_string::<i32>();
                let mut v = Vec::with_capacity(a.len());
                for i in 0..a.len() {
                    v.push(if a.is_null(i) {
                        None
                    } else {
                        let s = a.value(i);
                        Some(
                            Uuid::parse_str(s)
                                .map_err(|e| bad(i, name, format!("{s:?} is not a UUID: {e}")))?,
                        )
                    });
                }
                Values::Uuid(v)
            }
        };
        columns.push(values);
    }
    let row_kind = column("row_kind").as_string::<i32>().iter().collect();
    let converted = Converted {
        rows: batch.num_rows(),
        columns,
        row_kind,
    };
    check_scope(&converted, expect, bad)?;
    Ok(converted)
}

/// Every row must lie in the run's window, report period and source (see the module docs).
fn check_scope(
    c: &Converted<'_>,
    expect: &Expect,
    bad: impl Fn(usize, &'static str, String) -> LoadError,
) -> Result<()> {
    let ix = |name: &str| COLUMNS.iter().position(|(n, _)| *n == name).expect("known");
    let (Values::Int4(rp), Values::Uuid(src)) = (
        &c.columns[ix("report_period_id")],
        &c.columns[ix("source_uuid")],
    ) else {
        unreachable!("column kinds are fixed by COLUMNS")
    };
    let starts = c.dates("usage_start");
    for i in 0..c.rows {
        let d = starts[i].expect("NOT NULL checked");
        if d < expect.start || d > expect.end {
            return Err(bad(
                i,
                "usage_start",
                format!(
                    "{d} is outside the run's days {}..{} (re-run koku-transform?)",
                    expect.start, expect.end
                ),
            ));
        }
        if rp[i] != Some(expect.report_period_id) {
            return Err(bad(
                i,
                "report_period_id",
                format!(
                    "{} differs from the run's report period {}",
                    rp[i].map_or("NULL".into(), |v| v.to_string()),
                    expect.report_period_id
                ),
            ));
        }
        if src[i] != Some(expect.source_uuid) {
            return Err(bad(
                i,
                "source_uuid",
                format!(
                    "{} differs from the run's source {}",
                    src[i].map_or("NULL".into(), |v| v.to_string()),
                    expect.source_uuid
                ),
            ));
        }
    }
    Ok(())
}

/// What a summary file holds: printed by `--dry-run`, recorded in `run.json` after a load.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SummaryStats {
    pub rows: u64,
    /// `pod` / `storage` / `unallocated` (the transform's `row_kind`).
    pub by_row_kind: BTreeMap<String, u64>,
    /// `Pod` / `Storage` (`data_source`; unallocated rows are `Pod`).
    pub by_data_source: BTreeMap<String, u64>,
    pub first_usage_start: Option<NaiveDate>,
    pub last_usage_start: Option<NaiveDate>,
}

impl SummaryStats {
    pub fn add(&mut self, c: &Converted<'_>) {
        self.rows += c.rows as u64;
        for k in &c.row_kind {
            *self
                .by_row_kind
                .entry(k.unwrap_or("(null)").to_string())
                .or_default() += 1;
        }
        for k in c.text("data_source") {
            *self
                .by_data_source
                .entry(k.unwrap_or("(null)").to_string())
                .or_default() += 1;
        }
        for d in c.dates("usage_start").iter().flatten() {
            self.first_usage_start = Some(self.first_usage_start.map_or(*d, |f| f.min(*d)));
            self.last_usage_start = Some(self.last_usage_start.map_or(*d, |l| l.max(*d)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use koku_common::schema::OCP_DAILY_SUMMARY;

    #[test]
    fn every_summary_column_is_loaded_or_deliberately_skipped() {
        let schema = OCP_DAILY_SUMMARY.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        for (n, _) in COLUMNS {
            assert!(names.contains(n), "{n} not in the summary schema");
        }
        for n in &names {
            assert!(
                COLUMNS.iter().any(|(c, _)| c == n) || NOT_LOADED.contains(n),
                "{n} neither loaded nor skipped"
            );
        }
        assert_eq!(wire_types().len(), COLUMNS.len() + 1);
        assert!(column_list().starts_with("\"uuid\", \"report_period_id\""));
    }
}
