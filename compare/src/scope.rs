//! Which rows take part: the run's source, period and days, and (by default) only the rows koku's
//! summary itself writes. The columns come from the table's [`ScopeColumns`] and [`OtherStepRows`].

use chrono::NaiveDate;
use koku_common::schema::table::RunValue;
use koku_common::workdir::RunIdentity;
use serde::Serialize;

use crate::definition::TableDef;
use crate::table::Table;
use crate::value::{Kind, Value};

/// Which rows take part, on both sides. `None` = no restriction.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scope {
    pub source_uuid: Option<String>,
    /// The table's period column (OCP `report_period_id`, AWS `cost_entry_bill_id`).
    pub period_id: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// Leave out rows other koku steps add to the table (the table's [`OtherStepRows`]).
    pub summary_rows_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    In,
    OutOfScope,
    NotSummary,
}

/// Where a table's scope columns are (by position).
pub(crate) struct ScopeIndices {
    source: Option<usize>,
    period: Option<usize>,
    day: usize,
    markers: Vec<(usize, Kind)>,
}

impl ScopeIndices {
    /// `t` has every required column (checked before).
    pub(crate) fn of(def: &TableDef, t: &Table) -> ScopeIndices {
        ScopeIndices {
            source: t.column(def.scope.source),
            period: def.scope.period.and_then(|(c, _)| t.column(c)),
            day: t.column(def.scope.day).expect("checked as required"),
            markers: def
                .other_step_rows
                .iter()
                .flat_map(|o| o.markers)
                .filter_map(|(c, k)| t.column(c).map(|i| (i, *k)))
                .collect(),
        }
    }
}

impl Scope {
    /// One line for the report.
    pub fn describe(&self, def: &TableDef) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.source_uuid {
            parts.push(format!("{} {s}", def.scope.source));
        }
        if let Some(r) = self.period_id {
            let column = def.scope.period.map_or("(no period column)", |(c, _)| c);
            parts.push(format!("{column} {r}"));
        }
        let day = def.scope.day;
        match (self.start_date, self.end_date) {
            (Some(a), Some(b)) => parts.push(format!("{day} {a} .. {b}")),
            (Some(a), None) => parts.push(format!("{day} from {a}")),
            (None, Some(b)) => parts.push(format!("{day} until {b}")),
            (None, None) => {}
        }
        if let (true, Some(o)) = (self.summary_rows_only, &def.other_step_rows) {
            parts.push(format!("summary rows only (no {} rows)", o.what));
        }
        if parts.is_empty() {
            "every row".into()
        } else {
            parts.join(", ")
        }
    }

    /// Notes about restrictions a table cannot be checked against (it lacks the column).
    pub(crate) fn unchecked(&self, def: &TableDef, t: &Table) -> Vec<String> {
        let mut notes = Vec::new();
        let mut need = |cond: bool, col: &str| {
            if cond && t.column(col).is_none() {
                notes.push(format!(
                    "{}: no column {col}; the {col} restriction was not applied to it",
                    t.label
                ));
            }
        };
        need(self.source_uuid.is_some(), def.scope.source);
        match def.scope.period {
            Some((c, _)) => need(self.period_id.is_some(), c),
            None if self.period_id.is_some() => notes.push(format!(
                "{}: the table has no period column; the period restriction was not applied to it",
                t.label
            )),
            None => {}
        }
        // Our own output never holds other steps' rows; a koku export without the columns that tell
        // them apart is worth a word.
        if let (true, false, Some(o)) = (
            self.summary_rows_only,
            t.from_pipeline,
            &def.other_step_rows,
        ) {
            let absent: Vec<&str> = o
                .markers
                .iter()
                .map(|(c, _)| *c)
                .filter(|c| t.column(c).is_none())
                .collect();
            if !absent.is_empty() {
                notes.push(format!(
                    "{}: no column {}; {} rows cannot be recognised by it \
                     (export it with SELECT * or add a WHERE)",
                    t.label,
                    absent.join(", "),
                    o.what
                ));
            }
        }
        notes
    }

    pub(crate) fn admit(&self, cols: &ScopeIndices, row: &[Value]) -> Admit {
        if let (Some(want), Some(c)) = (&self.source_uuid, cols.source) {
            match &row[c] {
                Value::Text(s) if s.eq_ignore_ascii_case(want) => {}
                _ => return Admit::OutOfScope,
            }
        }
        if let (Some(want), Some(c)) = (self.period_id, cols.period)
            && row[c] != Value::Int(want)
        {
            return Admit::OutOfScope;
        }
        if self.start_date.is_some() || self.end_date.is_some() {
            let Value::Date(d) = row[cols.day] else {
                return Admit::OutOfScope;
            };
            if self.start_date.is_some_and(|s| d < s) || self.end_date.is_some_and(|e| d > e) {
                return Admit::OutOfScope;
            }
        }
        if self.summary_rows_only {
            for &(c, kind) in &cols.markers {
                let set = match (&row[c], kind) {
                    (Value::Null, _) => false,
                    (Value::Float(x), Kind::Float) => *x != 0.0,
                    _ => true,
                };
                if set {
                    return Admit::NotSummary;
                }
            }
        }
        Admit::In
    }
}

/// What a work dir (or an IPC file's metadata) says about the run: the default scope and schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunInfo {
    pub schema: Option<String>,
    pub source_uuid: Option<String>,
    /// The value of the table's period column for this run, when `run.json` records it.
    pub period_id: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

impl RunInfo {
    /// A work dir's run, for a table whose period column holds `period`.
    pub fn of_run(id: &RunIdentity, period: Option<RunValue>) -> RunInfo {
        RunInfo {
            schema: Some(id.schema.clone()),
            source_uuid: Some(id.source_uuid.clone()),
            period_id: match period {
                Some(RunValue::ReportPeriodId) => id.report_period_id.map(i64::from),
                Some(RunValue::BillId) => id.bill_id.map(i64::from),
                _ => None,
            },
            start_date: Some(id.start_date),
            end_date: Some(id.end_date),
        }
    }

    /// The run's rows: its source, period and days (summary rows only).
    pub fn scope(&self) -> Scope {
        Scope {
            source_uuid: self.source_uuid.clone(),
            period_id: self.period_id,
            start_date: self.start_date,
            end_date: self.end_date,
            summary_rows_only: true,
        }
    }
}
