//! koku's output tables, described once: which work-dir dataset fills each, the PostgreSQL type of every
//! loaded column (and so how its values are converted and checked), the partition key, koku's delete
//! scope, and the scope every row must lie in. `koku-load` is generic over these descriptions: a new
//! table is a new [`Table`] value, not new load code.
//!
//! Why rows are checked against the scope: the load deletes koku's scope and inserts the file's rows in
//! one transaction, so a row outside that scope would survive the next re-load of the same run and be
//! duplicated.

use super::Dataset;

/// How a column is stored in PostgreSQL; decides the wire type of the binary COPY and the checks a value
/// passes before it is sent (so a value PostgreSQL would refuse is reported with its row and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgType {
    /// `varchar(n)`: a longer value is refused (koku's insert would fail as well). Where koku's Trino
    /// SQL casts to `varchar(n)` (and so truncates), the transform truncates.
    Varchar(usize),
    /// `text`.
    Text,
    /// JSON text of the dataset → `jsonb`.
    Jsonb,
    /// Float64 of the dataset → `numeric(precision, scale)` with Trino's rounding (spec ocp-on-aws §6.4).
    Numeric { precision: u32, scale: u32 },
    /// Float64 → `double precision`, unrounded.
    Float8,
    /// Date32 → `date`.
    Date,
    /// Int32 → `integer`.
    Int4,
    /// Text → `uuid`.
    Uuid,
    /// List of Utf8 → `text[]`.
    TextArray,
}

/// One loaded column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgColumn {
    /// The column's name in the table and in the dataset.
    pub name: &'static str,
    pub ty: PgType,
    /// NOT NULL in koku's table: a NULL is refused with its row.
    pub not_null: bool,
}

/// A `varchar(n)` column that may be NULL.
pub const fn varchar(name: &'static str, n: usize) -> PgColumn {
    col(name, PgType::Varchar(n))
}

/// A nullable column of type `ty`.
pub const fn col(name: &'static str, ty: PgType) -> PgColumn {
    PgColumn {
        name,
        ty,
        not_null: false,
    }
}

/// A NOT NULL column of type `ty`.
pub const fn required(name: &'static str, ty: PgType) -> PgColumn {
    PgColumn {
        name,
        ty,
        not_null: true,
    }
}

/// A value of the run (its `run.json` identity) that scopes a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunValue {
    /// First day of the run's window.
    StartDate,
    /// Last day of the run's window (inclusive).
    EndDate,
    /// First day of the run's month.
    MonthStart,
    /// Last day of the run's month.
    MonthEnd,
    /// The OCP report period (`reporting_ocpusagereportperiod.id`).
    ReportPeriodId,
    /// The AWS bill (`reporting_awscostentrybill.id`).
    BillId,
    /// The run's source (provider) UUID.
    SourceUuid,
    /// OCP-on-AWS: the clusters a run narrowed to with `--ocp-source` (a `text[]`), NULL when the run
    /// covers every cluster paired with its AWS source.
    OcpClusterIds,
}

/// koku's delete before the insert: `DELETE FROM <table> WHERE <predicate>`, with `$n` bound to
/// `params[n - 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteScope {
    pub predicate: &'static str,
    pub params: &'static [RunValue],
}

/// What every row of the file must agree with: `date_column` within `[from, to]`, and each
/// `(column, value)` equal to the run's value (for a list value such as
/// [`RunValue::OcpClusterIds`]: one of the list, any value when the run's list is NULL). A bound is `None` where koku's insert itself has none
/// (the EC2 compute summary: an instance's first and last day in the month partition, whatever
/// they are); `date_column` must be a date in every row all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowScope {
    pub date_column: &'static str,
    pub from: Option<RunValue>,
    pub to: Option<RunValue>,
    pub equal: &'static [(&'static str, RunValue)],
}

/// One of koku's output tables and how the load fills it.
#[derive(Debug)]
pub struct Table {
    /// Table name inside the tenant schema (a partitioned parent).
    pub name: &'static str,
    /// The work-dir dataset holding the rows.
    pub dataset: &'static Dataset,
    /// Key column filled with a fresh uuid per row at load time (koku's tables have no default); sent
    /// first in the COPY.
    pub uuid_column: &'static str,
    /// The loaded columns, in COPY order after [`Table::uuid_column`]. Explicit because the physical
    /// column order of koku's tables differs between tenants.
    pub columns: &'static [PgColumn],
    /// Columns of the dataset that are deliberately not loaded (work-dir only).
    pub not_loaded: &'static [&'static str],
    /// The `RANGE` partition key; koku keeps one partition per month, created through its
    /// `partitioned_tables` tracking rows.
    pub partition_column: &'static str,
    pub delete: DeleteScope,
    pub row_scope: RowScope,
    /// Text columns whose values the load counts (for the report and `run.json`).
    pub count_by: &'static [&'static str],
}

impl Table {
    /// The loaded column `name`.
    pub fn column(&self, name: &str) -> Option<&PgColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::all_tables;
    use super::*;

    /// Every dataset column is loaded or deliberately skipped, and every loaded column exists with a
    /// type the conversion accepts (checked against the canonical Arrow type).
    #[test]
    fn tables_match_their_datasets() {
        use super::super::ColumnType as C;
        for t in all_tables() {
            let d = t.dataset;
            for c in t.columns {
                let (_, ty) = d
                    .columns
                    .iter()
                    .find(|(n, _)| *n == c.name)
                    .unwrap_or_else(|| {
                        panic!("{}: column {} not in dataset {}", t.name, c.name, d.name)
                    });
                let ok = match c.ty {
                    PgType::Varchar(_) | PgType::Text | PgType::Jsonb | PgType::Uuid => {
                        *ty == C::Text
                    }
                    PgType::Numeric { .. } | PgType::Float8 => *ty == C::Float,
                    PgType::Date => *ty == C::Date,
                    PgType::Int4 => *ty == C::Int32,
                    PgType::TextArray => *ty == C::TextList,
                };
                assert!(ok, "{}.{}: {:?} from {:?}", t.name, c.name, c.ty, ty);
            }
            for (n, _) in d.columns {
                assert!(
                    t.column(n).is_some() || t.not_loaded.contains(n),
                    "{}: dataset column {n} neither loaded nor skipped",
                    t.name
                );
            }
            for n in t.count_by.iter().chain([&t.row_scope.date_column]) {
                assert!(d.column_index(n).is_some(), "{}: {n}", t.name);
            }
            for (n, _) in t.row_scope.equal {
                assert!(t.column(n).is_some(), "{}: {n}", t.name);
            }
            // Highest `$n` (a parameter may be named twice) = number of parameters.
            let highest = t
                .delete
                .predicate
                .split('$')
                .skip(1)
                .map(|s| {
                    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse::<usize>().expect("a number after $")
                })
                .max()
                .unwrap_or(0);
            assert_eq!(highest, t.delete.params.len(), "{}", t.name);
        }
    }
}
