//! Helpers of the OCP-on-AWS transform tests: extract-stage work dirs built from rows written in the
//! test (every input dataset of `koku-extract ocp-aws`, any column by name, absent columns NULL).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use arrow::datatypes::DataType;
use chrono::{NaiveDate, Utc};
use koku_common::schema::Dataset;
use koku_common::schema::ocp_aws::OCP_AWS_INPUTS;
use koku_common::workdir::{OutputRecord, RunIdentity, StageRecord, WorkDir, stage};

pub const AWS_SOURCE: &str = "00000000-0000-0000-0000-000000000002";

/// One value written by a test.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    T(&'static str),
    F(f64),
    I(i32),
    /// `YYYY-MM-DD[ HH:MM]` (a date or a timestamp, by the column's type).
    D(&'static str),
    Null,
}

/// A row: column → value.
pub type R = BTreeMap<&'static str, V>;

/// A row from `(column, value)` pairs.
pub fn r(cells: &[(&'static str, V)]) -> R {
    cells.iter().cloned().collect()
}

/// `base` with `set` applied.
pub fn with(base: &R, set: &[(&'static str, V)]) -> R {
    let mut out = base.clone();
    out.extend(set.iter().cloned());
    out
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

fn ms(s: &str) -> i64 {
    let (d, t) = s.split_once(' ').unwrap_or((s, "00:00"));
    let (h, m) = t.split_once(':').unwrap();
    days(date(d)) as i64 * 86_400_000
        + (h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()) * 60_000
}

/// The rows as one batch of `ds`; a column a row does not name is NULL, a name the dataset does not
/// have is a test bug.
pub fn batch(ds: &'static Dataset, rows: &[R]) -> RecordBatch {
    for row in rows {
        for k in row.keys() {
            assert!(
                ds.column_index(k).is_some(),
                "{} has no column {k}",
                ds.name
            );
        }
    }
    let schema = ds.schema();
    let cols = schema
        .fields()
        .iter()
        .map(|f| -> ArrayRef {
            let get = |row: &R| row.get(f.name().as_str()).cloned().unwrap_or(V::Null);
            match f.data_type() {
                DataType::Utf8 => Arc::new(
                    rows.iter()
                        .map(|row| match get(row) {
                            V::T(t) => Some(t),
                            V::Null => None,
                            v => panic!("{}.{}: {v:?}", ds.name, f.name()),
                        })
                        .collect::<StringArray>(),
                ),
                DataType::Float64 => Arc::new(
                    rows.iter()
                        .map(|row| match get(row) {
                            V::F(x) => Some(x),
                            V::Null => None,
                            v => panic!("{}.{}: {v:?}", ds.name, f.name()),
                        })
                        .collect::<Float64Array>(),
                ),
                DataType::Int32 => Arc::new(
                    rows.iter()
                        .map(|row| match get(row) {
                            V::I(x) => Some(x),
                            V::Null => None,
                            v => panic!("{}.{}: {v:?}", ds.name, f.name()),
                        })
                        .collect::<Int32Array>(),
                ),
                DataType::Date32 => Arc::new(
                    rows.iter()
                        .map(|row| match get(row) {
                            V::D(d) => Some(days(date(d))),
                            V::Null => None,
                            v => panic!("{}.{}: {v:?}", ds.name, f.name()),
                        })
                        .collect::<Date32Array>(),
                ),
                DataType::Timestamp(..) => Arc::new(
                    rows.iter()
                        .map(|row| match get(row) {
                            V::D(d) => Some(ms(d)),
                            V::Null => None,
                            v => panic!("{}.{}: {v:?}", ds.name, f.name()),
                        })
                        .collect::<TimestampMillisecondArray>(),
                ),
                other => panic!("unexpected type {other}"),
            }
        })
        .collect();
    RecordBatch::try_new(schema, cols).unwrap()
}

/// The identity of an OCP-on-AWS run of October 2025.
pub fn identity(start: &str, end: &str, bill_id: Option<i32>) -> RunIdentity {
    let (start, end) = (date(start), date(end));
    RunIdentity {
        flow: "ocp-aws".into(),
        schema: "org1234567".into(),
        source_uuid: AWS_SOURCE.into(),
        cluster_id: None,
        cluster_alias: None,
        year: start.format("%Y").to_string(),
        month: start.format("%m").to_string(),
        start_date: start,
        end_date: end,
        requested_start_date: start,
        report_period_id: None,
        bill_id,
        ocp_cluster_ids: None,
    }
}

/// Write an extract-stage work dir: every input dataset of the flow, with the given rows (none for
/// a dataset not given).
pub fn write_workdir(dir: &Path, id: RunIdentity, inputs: &[(&'static Dataset, Vec<R>)]) {
    let mut wd = WorkDir::create(dir, id).unwrap();
    let mut outputs: BTreeMap<String, OutputRecord> = BTreeMap::new();
    for ds in OCP_AWS_INPUTS {
        let rows = inputs
            .iter()
            .find(|(d, _)| d.name == ds.name)
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        let mut w = wd.writer(ds).unwrap();
        w.write(&batch(ds, &rows)).unwrap();
        outputs.insert(ds.name.to_string(), w.finish().unwrap());
    }
    for (d, _) in inputs {
        assert!(
            OCP_AWS_INPUTS.iter().any(|x| x.name == d.name),
            "{} is not an input",
            d.name
        );
    }
    let now = Utc::now();
    wd.record_stage(
        stage::EXTRACT,
        StageRecord {
            tool: "test".into(),
            version: "0".into(),
            started_at: now,
            finished_at: now,
            inputs: vec![],
            outputs,
            details: BTreeMap::new(),
        },
    )
    .unwrap();
}
