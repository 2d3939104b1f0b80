//! What the comparison needs to know about one table, and nothing else: a [`TableDef`]. The core
//! ([`crate::compare()`]) and the readers are generic over it, so a new table is a new definition
//! (see [`crate::tables`]), not a copy of the comparison.

use std::fmt;

use koku_common::schema::table::{PgType, RunValue, Table as LoadedTable};
use koku_common::schema::{ColumnType, Dataset, dataset_by_name};
use serde::Serialize;
use serde::ser::Serializer;

use crate::value::{Kind, Value};

/// A kind of row of one table and its natural key. Rows of different kinds never match; rows of one
/// kind match when their key columns are equal (as a multiset: see [`crate::compare()`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKind {
    /// Position in [`TableDef::row_kinds`]; orders the report.
    pub index: u8,
    pub name: &'static str,
    /// The columns that identify a row of this kind.
    pub key: &'static [&'static str],
}

impl fmt::Display for RowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl Serialize for RowKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

/// Where a definition's columns, and how each is compared, come from.
#[derive(Debug)]
pub enum ColumnSource {
    /// koku's table as `koku-load` fills it ([`koku_common::schema::table`]): every column of its
    /// dataset, in the dataset's order, compared by the PostgreSQL type it is loaded as (`jsonb` as
    /// JSON, `uuid` case-insensitively, ...); dataset columns the load leaves out (work-dir only)
    /// by their Arrow type.
    Loaded(&'static LoadedTable),
    /// Listed in the definition, for a table whose dataset and load are not described yet.
    Listed(&'static [(&'static str, Kind)]),
}

/// The columns that hold a run's scope: its source, its period (OCP report period, AWS bill) and its
/// days.
#[derive(Debug, Clone, Copy)]
pub struct ScopeColumns {
    pub source: &'static str,
    /// The period column and which value of the run it holds; `None` for a table without one (the
    /// OCP-on-AWS UI tables: koku's delete scope is the source and days).
    pub period: Option<(&'static str, RunValue)>,
    /// The usage day (`date`).
    pub day: &'static str,
}

/// Rows a later koku step adds to the same table (its cost model, OCP on cloud), which this pipeline
/// does not produce: left out unless `--all-rows`.
#[derive(Debug, Clone, Copy)]
pub struct OtherStepRows {
    /// A row with any of these set (non-NULL; a measure non-NULL and non-zero) is such a row. Read only
    /// to leave those rows out, never compared.
    pub markers: &'static [(&'static str, Kind)],
    /// What they are, for the report.
    pub what: &'static str,
}

/// One table `koku-compare` knows.
#[derive(Debug)]
pub struct TableDef {
    /// koku's table; our dataset and its file (`<name>.arrow`) have the same name.
    pub name: &'static str,
    /// For `--help` and the report.
    pub title: &'static str,
    /// Work-dir flows (`run.json`) whose `koku-transform` writes this table's rows.
    pub flows: &'static [&'static str],
    pub columns: ColumnSource,
    /// Every kind of row, in report order (`RowKind::index` = position).
    pub row_kinds: &'static [RowKind],
    /// The columns [`TableDef::classify`] looks at, in the order it receives their values.
    pub classify_by: &'static [&'static str],
    /// The kind of a row, from the values of [`TableDef::classify_by`]; the same rule for both sides.
    pub classify: fn(&[&Value]) -> RowKind,
    pub other_step_rows: Option<OtherStepRows>,
    pub scope: ScopeColumns,
    /// Default absolute tolerance of measures: one unit of the last decimal koku's `numeric` columns
    /// keep.
    pub default_abs_tol: f64,
}

/// How a loaded column is compared, from its PostgreSQL type.
fn kind_of_pg(ty: PgType) -> Kind {
    match ty {
        PgType::Varchar(_) | PgType::Text => Kind::Text,
        PgType::Jsonb => Kind::Json,
        PgType::Numeric { .. } | PgType::Float8 => Kind::Float,
        PgType::Date => Kind::Date,
        PgType::Int4 => Kind::Int,
        PgType::Uuid => Kind::Uuid,
        PgType::TextArray => Kind::TextSet,
    }
}

/// How a work-dir-only column is compared, from its Arrow type.
fn kind_of_arrow(ty: ColumnType) -> Kind {
    match ty {
        ColumnType::Text | ColumnType::Timestamp => Kind::Text,
        ColumnType::Float => Kind::Float,
        ColumnType::Int32 => Kind::Int,
        ColumnType::Date => Kind::Date,
        ColumnType::TextList => Kind::TextSet,
    }
}

impl TableDef {
    /// Our file's name in a work dir.
    pub fn file_name(&self) -> String {
        format!("{}.arrow", self.name)
    }

    /// The canonical dataset of our rows, when the schema describes it (then our file is read checked
    /// against it).
    pub fn dataset(&self) -> Option<&'static Dataset> {
        match self.columns {
            ColumnSource::Loaded(t) => Some(t.dataset),
            ColumnSource::Listed(_) => dataset_by_name(self.name),
        }
    }

    /// The columns compared (when both sides have them), in report order, with their kinds.
    pub fn compared_columns(&self) -> Vec<(&'static str, Kind)> {
        match self.columns {
            ColumnSource::Loaded(t) => t
                .dataset
                .columns
                .iter()
                .map(|&(name, ty)| {
                    let kind = t
                        .column(name)
                        .map_or_else(|| kind_of_arrow(ty), |c| kind_of_pg(c.ty));
                    (name, kind)
                })
                .collect(),
            ColumnSource::Listed(cols) => cols.to_vec(),
        }
    }

    /// The kind of a column this table's comparison reads (a compared column, or a marker of
    /// [`OtherStepRows`]); `None` for every other column (not read).
    pub fn column_kind(&self, name: &str) -> Option<Kind> {
        self.compared_columns()
            .into_iter()
            .chain(
                self.other_step_rows
                    .iter()
                    .flat_map(|o| o.markers.iter().copied()),
            )
            .find(|(n, _)| *n == name)
            .map(|(_, k)| k)
    }

    /// Columns both sides must have: what classifies a row, the day, and every key column.
    pub fn required_columns(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        let all = self
            .classify_by
            .iter()
            .chain([&self.scope.day])
            .chain(self.row_kinds.iter().flat_map(|k| k.key.iter()));
        for c in all {
            if !out.contains(c) {
                out.push(c);
            }
        }
        out
    }

    /// The row kind called `name`.
    pub fn row_kind(&self, name: &str) -> Option<RowKind> {
        self.row_kinds.iter().copied().find(|k| k.name == name)
    }

    /// Is `table` this table, or one of its partitions (`<name>_2025_10`, `<name>_default`)?
    pub fn is_named(&self, table: &str) -> bool {
        match table.strip_prefix(self.name) {
            Some("") | Some("_default") => true,
            Some(rest) => {
                let b = rest.as_bytes();
                b.len() == 8
                    && b[0] == b'_'
                    && b[5] == b'_'
                    && b[1..5].iter().chain(&b[6..]).all(u8::is_ascii_digit)
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables;

    /// Every definition is consistent: kinds numbered by position, every key, classifying, scope and
    /// marker column read with a kind, and a row of NULLs classified as one of its kinds.
    #[test]
    fn definitions_are_consistent() {
        for def in tables::ALL {
            for (i, k) in def.row_kinds.iter().enumerate() {
                assert_eq!(k.index as usize, i, "{}: {}", def.name, k.name);
            }
            for c in def.required_columns() {
                assert!(def.column_kind(c).is_some(), "{}: {c}", def.name);
            }
            for c in [def.scope.source]
                .into_iter()
                .chain(def.scope.period.map(|(c, _)| c))
            {
                assert!(def.column_kind(c).is_some(), "{}: {c}", def.name);
            }
            assert_eq!(def.column_kind(def.scope.day), Some(Kind::Date));
            for (c, k) in def.other_step_rows.iter().flat_map(|o| o.markers) {
                assert!(def.column_kind(c) == Some(*k), "{}: {c}", def.name);
            }
            let nulls = vec![&Value::Null; def.classify_by.len()];
            assert!(def.row_kinds.contains(&(def.classify)(&nulls)));
            assert!(def.is_named(def.name));
            assert_eq!(tables::by_name(def.name).map(|d| d.name), Some(def.name));
        }
    }

    #[test]
    fn partitions_name_their_table() {
        let d = &tables::ocp::DAILY_SUMMARY;
        assert!(d.is_named("reporting_ocpusagelineitem_daily_summary_2025_10"));
        assert!(d.is_named("reporting_ocpusagelineitem_daily_summary_default"));
        assert!(!d.is_named("reporting_ocpusagelineitem_daily_summary_p"));
        assert!(!d.is_named("reporting_ocpusagelineitem_daily_summary_2025_1x"));
        assert!(!d.is_named("reporting_ocp_cost_summary_p"));
    }
}
