//! From a work-dir file's Arrow rows to PostgreSQL values, for any [`Table`]: each loaded column is
//! converted by its [`PgType`] and checked on the way, so a value PostgreSQL would refuse becomes an
//! error naming its row and column (the server would only name the COPY line), and every row is checked
//! against the run's scope ([`RowScope`]; the delete before the insert is keyed on it, so a row outside
//! it would be duplicated by the next re-load).

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Date32Type, Float64Type, Int32Type};
use chrono::NaiveDate;
use koku_common::schema::table::{PgColumn, PgType, RowScope, Table};
use postgres::types::{ToSql, Type};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{LoadError, Result};
use crate::jsonb::JsonbText;
use crate::numeric::to_numeric;
use crate::scope::{RunScope, ScopeValue};

/// The wire type of the binary COPY for a column type (binary COPY needs exact widths: an int8 for an
/// `integer` column is refused).
pub fn wire_type(ty: PgType) -> Type {
    match ty {
        PgType::Varchar(_) => Type::VARCHAR,
        PgType::Text => Type::TEXT,
        PgType::Jsonb => Type::JSONB,
        PgType::Numeric { .. } => Type::NUMERIC,
        PgType::Float8 => Type::FLOAT8,
        PgType::Date => Type::DATE,
        PgType::Int4 => Type::INT4,
        PgType::Uuid => Type::UUID,
        PgType::TextArray => Type::TEXT_ARRAY,
    }
}

/// `"uuid", "report_period_id", ...` for the COPY statement of `table`.
pub fn column_list(table: &Table) -> String {
    std::iter::once(table.uuid_column)
        .chain(table.columns.iter().map(|c| c.name))
        .map(crate::ident::quote_ident)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Wire types for `BinaryCopyInWriter`, matching [`column_list`].
pub fn wire_types(table: &Table) -> Vec<Type> {
    std::iter::once(Type::UUID)
        .chain(table.columns.iter().map(|c| wire_type(c.ty)))
        .collect()
}

/// One converted column of a batch.
pub enum Values<'a> {
    Text(Vec<Option<&'a str>>),
    Json(Vec<Option<JsonbText<'a>>>),
    Numeric(Vec<Option<Decimal>>),
    Float8(Vec<Option<f64>>),
    Date(Vec<Option<NaiveDate>>),
    Int4(Vec<Option<i32>>),
    Uuid(Vec<Option<Uuid>>),
    TextArray(Vec<Option<Vec<Option<&'a str>>>>),
}

impl Values<'_> {
    fn get(&self, row: usize) -> &(dyn ToSql + Sync) {
        match self {
            Values::Text(v) => &v[row],
            Values::Json(v) => &v[row],
            Values::Numeric(v) => &v[row],
            Values::Float8(v) => &v[row],
            Values::Date(v) => &v[row],
            Values::Int4(v) => &v[row],
            Values::Uuid(v) => &v[row],
            Values::TextArray(v) => &v[row],
        }
    }
}

/// A batch ready to be written: every value checked and converted.
pub struct Converted<'a> {
    pub rows: usize,
    /// Parallel to the table's columns.
    pub columns: Vec<Values<'a>>,
    /// The texts of the table's `count_by` columns, in that order.
    pub counted: Vec<Vec<Option<&'a str>>>,
    /// The values of the row scope's date column.
    pub dates: Vec<NaiveDate>,
}

impl Converted<'_> {
    /// The values of `row` after its fresh uuid, in the table's column order.
    pub fn row_values(&self, row: usize) -> impl Iterator<Item = &(dyn ToSql + Sync)> {
        self.columns.iter().map(move |c| c.get(row))
    }
}

/// Convert and check one batch of `table`'s dataset; `first_row` is the batch's offset in the file (for
/// error messages).
pub fn convert<'a>(
    table: &Table,
    batch: &'a RecordBatch,
    first_row: u64,
    path: &Path,
    scope: &RunScope,
) -> Result<Converted<'a>> {
    let bad = |i: usize, column: &'static str, reason: String| LoadError::BadValue {
        path: path.to_path_buf(),
        row: first_row + i as u64,
        column,
        reason,
    };
    // The reader checked the schema against the dataset, so these columns exist with their canonical
    // types and the downcasts below cannot fail.
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("schema checked by DatasetReader: {name} present"))
    };
    let mut columns = Vec::with_capacity(table.columns.len());
    for c in table.columns {
        let a = column(c.name);
        columns.push(convert_column(c, a.as_ref(), &bad)?);
    }
    let counted = table
        .count_by
        .iter()
        .map(|n| column(n).as_string::<i32>().iter().collect())
        .collect();
    let dates = scope_dates(table.row_scope, &column, &bad)?;
    let converted = Converted {
        rows: batch.num_rows(),
        columns,
        counted,
        dates,
    };
    check_scope(table, &converted, scope, &bad)?;
    Ok(converted)
}

fn convert_column<'a>(
    c: &PgColumn,
    a: &'a dyn Array,
    bad: &impl Fn(usize, &'static str, String) -> LoadError,
) -> Result<Values<'a>> {
    let name = c.name;
    if c.not_null
        && let Some(i) = (0..a.len()).find(|&i| a.is_null(i))
    {
        return Err(bad(i, name, "NULL in a NOT NULL column".into()));
    }
    Ok(match c.ty {
        PgType::Varchar(_) | PgType::Text => {
            let a = a.as_string::<i32>();
            let max = match c.ty {
                PgType::Varchar(n) => n,
                _ => usize::MAX,
            };
            let mut v = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                let s = (!a.is_null(i)).then(|| a.value(i));
                if let Some(s) = s {
                    check_text(s, max).map_err(|reason| bad(i, name, reason))?;
                }
                v.push(s);
            }
            Values::Text(v)
        }
        PgType::Jsonb => {
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
        PgType::Numeric { precision, scale } => {
            let a = a.as_primitive::<Float64Type>();
            let mut v = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                v.push(if a.is_null(i) {
                    None
                } else {
                    Some(
                        to_numeric(a.value(i), precision, scale)
                            .map_err(|e| bad(i, name, e.to_string()))?,
                    )
                });
            }
            Values::Numeric(v)
        }
        PgType::Float8 => Values::Float8(a.as_primitive::<Float64Type>().iter().collect()),
        PgType::Date => {
            let a = a.as_primitive::<Date32Type>();
            let mut v = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                v.push(if a.is_null(i) {
                    None
                } else {
                    Some(date32(a.value(i)).map_err(|reason| bad(i, name, reason))?)
                });
            }
            Values::Date(v)
        }
        PgType::Int4 => Values::Int4(a.as_primitive::<Int32Type>().iter().collect()),
        PgType::Uuid => {
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
        PgType::TextArray => {
            let a = a.as_list::<i32>();
            let mut v = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                if a.is_null(i) {
                    v.push(None);
                    continue;
                }
                let (from, to) = (a.offsets()[i] as usize, a.offsets()[i + 1] as usize);
                let items = a.values().as_string::<i32>();
                let mut list = Vec::with_capacity(to - from);
                for j in from..to {
                    let s = (!items.is_null(j)).then(|| items.value(j));
                    if let Some(s) = s {
                        check_text(s, usize::MAX).map_err(|reason| bad(i, name, reason))?;
                    }
                    list.push(s);
                }
                v.push(Some(list));
            }
            Values::TextArray(v)
        }
    })
}

/// PostgreSQL text cannot hold NUL; `varchar(n)` counts characters.
fn check_text(s: &str, max: usize) -> std::result::Result<(), String> {
    if s.contains('\0') {
        return Err("contains a NUL character".into());
    }
    if s.len() > max && s.chars().count() > max {
        return Err(format!(
            "{} characters do not fit varchar({max}): {:?}",
            s.chars().count(),
            s
        ));
    }
    Ok(())
}

/// Arrow's Date32 (days since 1970-01-01) as a calendar date.
fn date32(d: i32) -> std::result::Result<NaiveDate, String> {
    d.checked_add(719_163) // days from 0001-01-01 (CE day 1) to 1970-01-01
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| format!("day number {d} is out of range"))
}

/// The row scope's date column, which must be a non-NULL date in every row.
fn scope_dates<'a>(
    scope: RowScope,
    column: &impl Fn(&str) -> &'a arrow::array::ArrayRef,
    bad: &impl Fn(usize, &'static str, String) -> LoadError,
) -> Result<Vec<NaiveDate>> {
    let name = scope.date_column;
    let a = column(name).as_primitive::<Date32Type>();
    let mut v = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        if a.is_null(i) {
            return Err(bad(i, name, "NULL in a NOT NULL column".into()));
        }
        v.push(date32(a.value(i)).map_err(|reason| bad(i, name, reason))?);
    }
    Ok(v)
}

/// Every row must lie in the run's scope (see the module docs).
fn check_scope(
    table: &Table,
    c: &Converted<'_>,
    scope: &RunScope,
    bad: &impl Fn(usize, &'static str, String) -> LoadError,
) -> Result<()> {
    let rs = table.row_scope;
    let from = rs.from.map(|v| scope.date(v)).transpose()?;
    let to = rs.to.map(|v| scope.date(v)).transpose()?;
    if let Some((i, d)) = c
        .dates
        .iter()
        .enumerate()
        .find(|(_, d)| from.is_some_and(|f| **d < f) || to.is_some_and(|t| **d > t))
    {
        let bound = |b: Option<NaiveDate>| b.map_or_else(|| "…".to_string(), |b| b.to_string());
        return Err(bad(
            i,
            rs.date_column,
            format!(
                "{d} is outside the run's days {}..{} (re-run koku-transform?)",
                bound(from),
                bound(to)
            ),
        ));
    }
    for &(name, value) in rs.equal {
        let ix = table
            .columns
            .iter()
            .position(|col| col.name == name)
            .expect("row-scope columns are loaded (checked by the schema tests)");
        let want = scope.value(value)?;
        let differs = |i: usize, got: String| {
            bad(
                i,
                name,
                format!("{got} differs from the run's {}", scope.describe(value)),
            )
        };
        match (&c.columns[ix], want) {
            (Values::Int4(v), ScopeValue::Int(w)) => {
                if let Some((i, got)) = v.iter().enumerate().find(|(_, g)| **g != Some(w)) {
                    return Err(differs(i, got.map_or("NULL".into(), |g| g.to_string())));
                }
            }
            (Values::Uuid(v), ScopeValue::Uuid(w)) => {
                if let Some((i, got)) = v.iter().enumerate().find(|(_, g)| **g != Some(w)) {
                    return Err(differs(i, got.map_or("NULL".into(), |g| g.to_string())));
                }
            }
            // A list (the run's clusters): every row's value must be one of it; NULL = no narrowing.
            (Values::Text(_), ScopeValue::TextList(None)) => {}
            (Values::Text(v), ScopeValue::TextList(Some(w))) => {
                if let Some((i, got)) = v
                    .iter()
                    .enumerate()
                    .find(|(_, g)| !g.is_some_and(|g| w.iter().any(|x| x == g)))
                {
                    return Err(differs(i, got.map_or("NULL".into(), |g| format!("{g:?}"))));
                }
            }
            _ => unreachable!("{}.{name}: row scope on a {:?} column", table.name, value),
        }
    }
    Ok(())
}

/// What a summary file holds: printed by `--dry-run`, recorded in `run.json` after a load.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SummaryStats {
    pub rows: u64,
    /// Per `count_by` column of the table, in that order: the column and its rows per value (`(null)`
    /// for NULL).
    pub counts: Vec<(String, BTreeMap<String, u64>)>,
    /// Rows per day of the row scope's date column.
    pub rows_by_day: BTreeMap<NaiveDate, u64>,
}

impl SummaryStats {
    pub fn add(&mut self, table: &Table, c: &Converted<'_>) {
        self.rows += c.rows as u64;
        if self.counts.is_empty() {
            self.counts = table
                .count_by
                .iter()
                .map(|n| (n.to_string(), BTreeMap::new()))
                .collect();
        }
        for ((_, counts), values) in self.counts.iter_mut().zip(&c.counted) {
            for k in values {
                *counts.entry(k.unwrap_or("(null)").to_string()).or_default() += 1;
            }
        }
        for d in &c.dates {
            *self.rows_by_day.entry(*d).or_default() += 1;
        }
    }

    /// The rows per value of `column` (a `count_by` column).
    pub fn counts_of(&self, column: &str) -> Option<&BTreeMap<String, u64>> {
        self.counts
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, m)| m)
    }

    pub fn first_day(&self) -> Option<NaiveDate> {
        self.rows_by_day.keys().next().copied()
    }

    pub fn last_day(&self) -> Option<NaiveDate> {
        self.rows_by_day.keys().next_back().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use koku_common::schema::all_tables;

    #[test]
    fn copy_statement_and_wire_types_line_up() {
        for t in all_tables() {
            assert_eq!(wire_types(t).len(), t.columns.len() + 1, "{}", t.name);
            assert!(column_list(t).starts_with(&format!("\"{}\", ", t.uuid_column)));
        }
        let ocp = koku_common::schema::OCP_DAILY_SUMMARY_TABLE;
        assert!(column_list(&ocp).starts_with("\"uuid\", \"report_period_id\""));
    }

    #[test]
    fn text_checks() {
        assert!(check_text("abc", 3).is_ok());
        assert!(check_text("äbc", 3).is_ok());
        assert!(check_text("abcd", 3).unwrap_err().contains("varchar(3)"));
        assert!(check_text("a\0", 9).unwrap_err().contains("NUL"));
        assert_eq!(date32(0).unwrap().to_string(), "1970-01-01");
        assert!(date32(i32::MAX).is_err());
    }
}
