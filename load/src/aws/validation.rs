//! koku's `validate_daily_data` for an AWS source (spec aws-daily-summary §7 m;
//! `koku/masu/processor/_tasks/data_validation.py`), without Trino.
//!
//! koku, after the summary chain, sums `unblended_cost` per `usage_start` of the source's daily
//! summary rows in PostgreSQL and `lineitem_unblendedcost` per `lineitem_usagestartdate` of the
//! month's daily Parquet through Trino, over the same days, and compares day by day: a day of the
//! Parquet missing from PostgreSQL, or more than 1 (currency unit) apart, makes the source
//! "incomplete". It only logs (`all data complete for provider` / `provider has incomplete data for
//! specified days`), and a failing query only logs a warning.
//!
//! Here the Parquet side is what `koku-extract aws` summed while reading the partition (`run.json`,
//! the extract's `daily_unblended_cost`: the same rows Trino would read), and the PostgreSQL side is
//! the table just committed. The days are koku's: from the first of the month when the run starts
//! before the 6th, else from `VALIDATION_RANGE` (5) days before the start, to the end date. Like
//! koku, this never fails the load; what it found is logged and recorded in `run.json`.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use koku_common::schema::aws::{AWS_DAILY_SUMMARY_TABLE, DAILY_UNBLENDED_COST_DETAIL};
use koku_common::workdir::{WorkDir, stage};

use crate::ident::QualifiedName;
use crate::scope::RunScope;

/// koku's `compare_data` tolerance (currency units).
pub const TOLERANCE: f64 = 1.0;
/// koku's `VALIDATION_RANGE` default (settings.py).
pub const VALIDATION_RANGE_DAYS: u64 = 5;

/// The outcome of the validation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Validation {
    /// The days compared (koku's window).
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// `complete`, `incomplete`, or `skipped` (with `reason`).
    pub status: Status,
    /// Days of the Parquet in the window.
    pub days_compared: usize,
    /// The days that did not match, as koku logs them.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub incomplete_days: BTreeMap<NaiveDate, DayDifference>,
    /// Why it could not run (koku logs a warning then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Complete,
    Incomplete,
    Skipped,
}

/// One day koku reports: missing from the table, or its sums apart by more than the tolerance.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum DayDifference {
    /// koku: `"missing daily data"`.
    Missing(&'static str),
    Differs {
        pg_value: f64,
        /// koku's `trino_value`: the Parquet's sum.
        parquet_value: f64,
        /// Parquet − PostgreSQL, as koku computes it.
        delta: f64,
    },
}

/// koku's window (`DataValidator.__init__`): the month's first day when the start is before the 6th,
/// else `VALIDATION_RANGE` days before the start; the end date (runs never cross a month).
pub fn window(scope: &RunScope) -> (NaiveDate, NaiveDate) {
    let start = if scope.start.day() < 6 {
        scope.month_start
    } else {
        scope.start - Days::new(VALIDATION_RANGE_DAYS)
    };
    (start, scope.end)
}

/// koku's `compare_data`: every day of the Parquet must be in PostgreSQL within the tolerance.
pub fn compare(
    pg: &BTreeMap<NaiveDate, f64>,
    parquet: &BTreeMap<NaiveDate, f64>,
) -> BTreeMap<NaiveDate, DayDifference> {
    parquet
        .iter()
        .filter_map(|(day, &p)| match pg.get(day) {
            None => Some((*day, DayDifference::Missing("missing daily data"))),
            Some(&g) if (g - p).abs() <= TOLERANCE => None,
            Some(&g) => Some((
                *day,
                DayDifference::Differs {
                    pg_value: g,
                    parquet_value: p,
                    delta: p - g,
                },
            )),
        })
        .collect()
}

/// Run the validation after the load committed (see the module docs). Logs like koku.
pub fn validate(
    client: &mut postgres::Client,
    wd: &WorkDir,
    schema: &str,
    scope: &RunScope,
) -> Validation {
    let (start, end) = window(scope);
    let mut v = Validation {
        start_date: start,
        end_date: end,
        status: Status::Skipped,
        days_compared: 0,
        incomplete_days: BTreeMap::new(),
        reason: None,
    };
    let parquet = match parquet_sums(wd, start, end) {
        Ok(p) => p,
        Err(reason) => {
            tracing::warn!("data validation skipped: {reason}");
            v.reason = Some(reason);
            return v;
        }
    };
    v.days_compared = parquet.len();
    let pg = match pg_sums(client, schema, scope, start, end) {
        Ok(p) => p,
        Err(reason) => {
            tracing::warn!("data validation postgres query failed: {reason}");
            v.reason = Some(format!("data validation postgres query failed: {reason}"));
            return v;
        }
    };
    v.incomplete_days = compare(&pg, &parquet);
    if v.incomplete_days.is_empty() {
        v.status = Status::Complete;
        tracing::info!(
            "all data complete for provider {} ({start}..{end}: {} day(s) compared)",
            scope.source_uuid,
            v.days_compared
        );
    } else {
        v.status = Status::Incomplete;
        tracing::error!(
            "provider {} has incomplete data for specified days: {}",
            scope.source_uuid,
            serde_json::to_string(&v.incomplete_days).unwrap_or_default()
        );
    }
    v
}

/// The extract's per-day sums in `[start, end]`.
fn parquet_sums(
    wd: &WorkDir,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<BTreeMap<NaiveDate, f64>, String> {
    let extract = wd
        .stage(stage::EXTRACT)
        .ok_or_else(|| "run.json records no extract".to_string())?;
    let days = extract
        .details
        .get(DAILY_UNBLENDED_COST_DETAIL)
        .and_then(|v| v.as_object())
        .ok_or_else(|| {
            format!(
                "the extract recorded no {DAILY_UNBLENDED_COST_DETAIL} (a work dir not written by koku-extract aws)"
            )
        })?;
    let mut out = BTreeMap::new();
    for (day, sum) in days {
        let day: NaiveDate = day
            .parse()
            .map_err(|_| format!("{DAILY_UNBLENDED_COST_DETAIL}: {day:?} is not a date"))?;
        if day < start || day > end {
            continue;
        }
        // koku's float(None) fails its Trino query: a warning, no validation.
        let sum = sum.as_f64().ok_or_else(|| {
            format!("the Parquet's sum of lineitem_unblendedcost for {day} is NULL")
        })?;
        out.insert(day, sum);
    }
    Ok(out)
}

/// Σ `unblended_cost` per day of the source's rows (koku: the month partition, `source_uuid`).
fn pg_sums(
    client: &mut postgres::Client,
    schema: &str,
    scope: &RunScope,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<BTreeMap<NaiveDate, f64>, String> {
    let table = QualifiedName::new(schema, AWS_DAILY_SUMMARY_TABLE.name);
    let rows = client
        .query(
            &format!(
                "SELECT usage_start, sum(unblended_cost)::float8 FROM {table} \
                 WHERE source_uuid = $1 AND usage_start >= $2 AND usage_start <= $3 GROUP BY 1"
            ),
            &[&scope.source_uuid, &start, &end],
        )
        .map_err(|e| koku_common::pgerror::describe(&e))?;
    rows.iter()
        .map(|r| {
            let day: NaiveDate = r.get(0);
            let sum: Option<f64> = r.get(1);
            sum.map(|s| (day, s))
                .ok_or_else(|| format!("the table's sum of unblended_cost for {day} is NULL"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn koku_window_and_comparison() {
        let scope = |start: &str, end: &str| {
            let id = koku_common::workdir::RunIdentity {
                flow: "aws".into(),
                schema: "org1".into(),
                source_uuid: "00000000-0000-0000-0000-000000000002".into(),
                cluster_id: None,
                cluster_alias: None,
                year: "2025".into(),
                month: "10".into(),
                start_date: d(start),
                end_date: d(end),
                requested_start_date: d(start),
                report_period_id: None,
                bill_id: Some(1),
                ocp_cluster_ids: None,
            };
            RunScope::from_identity(&id, std::path::Path::new("run.json")).unwrap()
        };
        // start before the 6th: from the first of the month; else 5 days back
        assert_eq!(
            window(&scope("2025-10-05", "2025-10-09")),
            (d("2025-10-01"), d("2025-10-09"))
        );
        assert_eq!(
            window(&scope("2025-10-06", "2025-10-09")),
            (d("2025-10-01"), d("2025-10-09"))
        );
        assert_eq!(
            window(&scope("2025-10-20", "2025-10-31")),
            (d("2025-10-15"), d("2025-10-31"))
        );

        let parquet: BTreeMap<_, _> = [
            (d("2025-10-01"), 10.0),
            (d("2025-10-02"), 20.0),
            (d("2025-10-03"), 5.0),
        ]
        .into();
        // 10.0 vs 10.9: within 1; 20.0 vs 18.5: 1.5 apart (delta = parquet − pg = 1.5); 10-03 absent;
        // a day only in PostgreSQL is not looked at (koku iterates the Parquet's days)
        let pg: BTreeMap<_, _> = [
            (d("2025-10-01"), 10.9),
            (d("2025-10-02"), 18.5),
            (d("2025-10-04"), 1.0),
        ]
        .into();
        let diff = compare(&pg, &parquet);
        assert_eq!(diff.len(), 2);
        assert_eq!(
            diff[&d("2025-10-02")],
            DayDifference::Differs {
                pg_value: 18.5,
                parquet_value: 20.0,
                delta: 1.5
            }
        );
        assert_eq!(
            serde_json::to_value(&diff).unwrap()["2025-10-03"],
            "missing daily data"
        );
        assert!(compare(&pg, &BTreeMap::new()).is_empty());
    }
}
