//! The run's values that scope a load (a table's delete and row checks name them as [`RunValue`]s),
//! taken from `run.json`'s identity.

use chrono::{Datelike, NaiveDate};
use koku_common::schema::table::RunValue;
use koku_common::workdir::RunIdentity;
use postgres::types::ToSql;
use uuid::Uuid;

use crate::error::{LoadError, Result};

/// One run value, typed for SQL parameters and row comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeValue {
    Date(NaiveDate),
    Int(i32),
    Uuid(Uuid),
    /// A `text[]`, or NULL.
    TextList(Option<Vec<String>>),
}

impl ScopeValue {
    pub fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            ScopeValue::Date(d) => d,
            ScopeValue::Int(i) => i,
            ScopeValue::Uuid(u) => u,
            ScopeValue::TextList(l) => l,
        }
    }
}

impl std::fmt::Display for ScopeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScopeValue::Date(d) => d.fmt(f),
            ScopeValue::Int(i) => i.fmt(f),
            ScopeValue::Uuid(u) => u.fmt(f),
            ScopeValue::TextList(None) => f.write_str("(all)"),
            ScopeValue::TextList(Some(l)) => f.write_str(&l.join(", ")),
        }
    }
}

/// The values of one run.
#[derive(Debug, Clone)]
pub struct RunScope {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub month_start: NaiveDate,
    pub month_end: NaiveDate,
    pub report_period_id: Option<i32>,
    pub bill_id: Option<i32>,
    pub source_uuid: Uuid,
    pub ocp_cluster_ids: Option<Vec<String>>,
    /// `run.json`, for messages about a value the run lacks.
    run_file: std::path::PathBuf,
}

impl RunScope {
    pub fn from_identity(id: &RunIdentity, run_file: &std::path::Path) -> Result<RunScope> {
        let bad = |reason: String| {
            LoadError::WorkDir(koku_common::Error::BadRunFile {
                path: run_file.to_path_buf(),
                reason,
            })
        };
        let source_uuid = Uuid::parse_str(&id.source_uuid).map_err(|e| {
            bad(format!(
                "source_uuid {:?} is not a UUID: {e}",
                id.source_uuid
            ))
        })?;
        let month_start = id.start_date.with_day(1).expect("day 1 exists");
        let month_end = month_start
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| bad(format!("month of {} is out of range", id.start_date)))?;
        Ok(RunScope {
            start: id.start_date,
            end: id.end_date,
            month_start,
            month_end,
            report_period_id: id.report_period_id,
            bill_id: id.bill_id,
            source_uuid,
            ocp_cluster_ids: id.ocp_cluster_ids.clone(),
            run_file: run_file.to_path_buf(),
        })
    }

    /// The value `v` of this run; an error when the run has none (a table of another flow).
    pub fn value(&self, v: RunValue) -> Result<ScopeValue> {
        let missing = |what: &str| {
            LoadError::WorkDir(koku_common::Error::BadRunFile {
                path: self.run_file.clone(),
                reason: format!("the run has no {what}, which this table's load needs"),
            })
        };
        Ok(match v {
            RunValue::StartDate => ScopeValue::Date(self.start),
            RunValue::EndDate => ScopeValue::Date(self.end),
            RunValue::MonthStart => ScopeValue::Date(self.month_start),
            RunValue::MonthEnd => ScopeValue::Date(self.month_end),
            RunValue::ReportPeriodId => ScopeValue::Int(
                self.report_period_id
                    .ok_or_else(|| missing("report_period_id"))?,
            ),
            RunValue::BillId => ScopeValue::Int(self.bill_id.ok_or_else(|| missing("bill_id"))?),
            RunValue::SourceUuid => ScopeValue::Uuid(self.source_uuid),
            RunValue::OcpClusterIds => ScopeValue::TextList(self.ocp_cluster_ids.clone()),
        })
    }

    /// A date value.
    pub fn date(&self, v: RunValue) -> Result<NaiveDate> {
        match self.value(v)? {
            ScopeValue::Date(d) => Ok(d),
            other => unreachable!("{v:?} is not a date but {other}"),
        }
    }

    /// `report period 7`, `source 0000…`: a value named for messages.
    pub fn describe(&self, v: RunValue) -> String {
        let name = match v {
            RunValue::StartDate => "start date",
            RunValue::EndDate => "end date",
            RunValue::MonthStart => "first day of the month",
            RunValue::MonthEnd => "last day of the month",
            RunValue::ReportPeriodId => "report period",
            RunValue::BillId => "bill",
            RunValue::SourceUuid => "source",
            RunValue::OcpClusterIds => "clusters",
        };
        match self.value(v) {
            Ok(x) => format!("{name} {x}"),
            Err(_) => format!("{name} (none)"),
        }
    }
}
