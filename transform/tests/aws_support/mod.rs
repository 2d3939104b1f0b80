//! Helpers of the AWS transform tests: extract-stage work dirs built without `koku-extract` (from
//! rows written in the test, or from a fixture's Parquet normalised the simple way the fixtures
//! need), the outputs read back as rows, and the load's numeric conversion for expectations.
#![allow(dead_code)]

pub mod worked_example;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, Date32Array, Float64Array, Int32Array, ListArray, RecordBatch, StringArray,
    TimestampMillisecondArray, new_null_array,
};
use arrow::datatypes::DataType;
use chrono::{NaiveDate, Utc};
use koku_common::schema::ENABLED_TAG_KEYS;
use koku_common::schema::aws::{
    AWS_ACCOUNT_ALIASES, AWS_DAILY_SUMMARY, AWS_EC2_COMPUTE_SUMMARY, AWS_LINE_ITEMS_DAILY,
    AWS_MARKUP, AWS_ORGANIZATIONAL_UNITS,
};
use koku_common::workdir::{OutputRecord, RunIdentity, StageRecord, WorkDir, stage};
use serde_json::Value;

pub const SOURCE: &str = "00000000-0000-0000-0000-000000000002";
const MS_PER_DAY: i64 = 86_400_000;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Milliseconds of `YYYY-MM-DD[ HH:MM]` UTC.
pub fn ms(s: &str) -> i64 {
    let (d, t) = s.split_once(' ').unwrap_or((s, "00:00"));
    let (h, m) = t.split_once(':').unwrap();
    let days = (date(d) - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days();
    days * MS_PER_DAY + (h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()) * 60_000
}

/// A `reporting_awsorganizationalunit` row: (id, account_alias_id, provider_id, created, deleted).
pub type OuRow = (
    i32,
    Option<i32>,
    Option<String>,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

/// The PostgreSQL inputs and identity of one AWS run.
#[derive(Debug, Clone)]
pub struct AwsRun {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub bill_id: i32,
    pub markup: f64,
    pub enabled_keys: Vec<String>,
    /// (id, account_id)
    pub aliases: Vec<(i32, String)>,
    /// (id, account_alias_id, provider_id, created, deleted)
    pub ous: Vec<OuRow>,
}

impl AwsRun {
    pub fn identity(&self) -> RunIdentity {
        RunIdentity {
            flow: "aws".into(),
            schema: "org1234567".into(),
            source_uuid: SOURCE.into(),
            cluster_id: None,
            cluster_alias: None,
            year: self.start.format("%Y").to_string(),
            month: self.start.format("%m").to_string(),
            start_date: self.start,
            end_date: self.end,
            requested_start_date: self.start,
            report_period_id: None,
            bill_id: Some(self.bill_id),
            ocp_cluster_ids: None,
        }
    }
}

/// One value of a CUR row written by a test.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    T(&'static str),
    F(f64),
    Ts(i64),
    Null,
}

/// A CUR row: column → value (absent columns are NULL).
pub type CurRow = BTreeMap<&'static str, V>;

/// `base` with `set` applied.
pub fn with(base: &CurRow, set: &[(&'static str, V)]) -> CurRow {
    let mut r = base.clone();
    for (k, v) in set {
        assert!(
            AWS_LINE_ITEMS_DAILY.column_index(k).is_some(),
            "no CUR column {k}"
        );
        r.insert(k, v.clone());
    }
    r
}

/// The rows as one batch of `aws_line_items_daily`.
pub fn cur_batch(rows: &[CurRow]) -> RecordBatch {
    let schema = AWS_LINE_ITEMS_DAILY.schema();
    let cols = schema
        .fields()
        .iter()
        .map(|f| -> ArrayRef {
            let get = |r: &CurRow| r.get(f.name().as_str()).cloned().unwrap_or(V::Null);
            match f.data_type() {
                DataType::Utf8 => Arc::new(
                    rows.iter()
                        .map(|r| match get(r) {
                            V::T(t) => Some(t),
                            V::Null => None,
                            v => panic!("{}: {v:?} is not text", f.name()),
                        })
                        .collect::<StringArray>(),
                ),
                DataType::Float64 => Arc::new(
                    rows.iter()
                        .map(|r| match get(r) {
                            V::F(x) => Some(x),
                            V::Null => None,
                            v => panic!("{}: {v:?} is not a number", f.name()),
                        })
                        .collect::<Float64Array>(),
                ),
                DataType::Timestamp(..) => Arc::new(
                    rows.iter()
                        .map(|r| match get(r) {
                            V::Ts(x) => Some(x),
                            V::Null => None,
                            v => panic!("{}: {v:?} is not a timestamp", f.name()),
                        })
                        .collect::<TimestampMillisecondArray>(),
                ),
                other => panic!("unexpected CUR type {other}"),
            }
        })
        .collect();
    RecordBatch::try_new(schema, cols).unwrap()
}

/// Write an extract-stage work dir for `run` with these CUR batches.
pub fn write_workdir(dir: &Path, run: &AwsRun, cur: &[RecordBatch]) {
    let mut wd = WorkDir::create(dir, run.identity()).unwrap();
    let mut outputs: BTreeMap<String, OutputRecord> = BTreeMap::new();
    let mut write =
        |wd: &WorkDir, ds: &'static koku_common::schema::Dataset, batches: &[RecordBatch]| {
            let mut w = wd.writer(ds).unwrap();
            for b in batches {
                w.write(b).unwrap();
            }
            outputs.insert(ds.name.to_string(), w.finish().unwrap());
        };
    write(&wd, &AWS_LINE_ITEMS_DAILY, cur);
    let keys = RecordBatch::try_new(
        ENABLED_TAG_KEYS.schema(),
        vec![Arc::new(StringArray::from(
            run.enabled_keys
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ))],
    )
    .unwrap();
    write(&wd, &ENABLED_TAG_KEYS, &[keys]);
    let aliases = RecordBatch::try_new(
        AWS_ACCOUNT_ALIASES.schema(),
        vec![
            Arc::new(Int32Array::from(
                run.aliases.iter().map(|a| a.0).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                run.aliases.iter().map(|a| a.1.as_str()).collect::<Vec<_>>(),
            )),
            new_null_array(&DataType::Utf8, run.aliases.len()),
        ],
    )
    .unwrap();
    write(&wd, &AWS_ACCOUNT_ALIASES, &[aliases]);
    let day = |d: &Option<NaiveDate>| {
        d.map(|d| (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32)
    };
    let ous = RecordBatch::try_new(
        AWS_ORGANIZATIONAL_UNITS.schema(),
        vec![
            Arc::new(Int32Array::from(
                run.ous.iter().map(|o| o.0).collect::<Vec<_>>(),
            )),
            Arc::new(Int32Array::from(
                run.ous.iter().map(|o| o.1).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                run.ous.iter().map(|o| o.2.as_deref()).collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(
                run.ous.iter().map(|o| day(&o.3)).collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(
                run.ous.iter().map(|o| day(&o.4)).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap();
    write(&wd, &AWS_ORGANIZATIONAL_UNITS, &[ous]);
    let markup = RecordBatch::try_new(
        AWS_MARKUP.schema(),
        vec![Arc::new(Float64Array::from(vec![run.markup]))],
    )
    .unwrap();
    write(&wd, &AWS_MARKUP, &[markup]);
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

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// A fixture folder's `inputs.json`.
pub struct Fixture {
    pub dir: PathBuf,
    pub json: Value,
}

impl Fixture {
    pub fn load(name: &str) -> Fixture {
        let dir = workspace_root().join("testdata/aws").join(name);
        let json = serde_json::from_str(&std::fs::read_to_string(dir.join("inputs.json")).unwrap())
            .unwrap();
        Fixture { dir, json }
    }

    /// The runs of `inputs.json` with the fixture's PostgreSQL inputs.
    pub fn runs(&self) -> Vec<AwsRun> {
        let markup = self.json["markup"].as_f64().map_or(0.0, |v| v / 100.0);
        let keys: Vec<String> = self.json["enabled_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        let csv = |key: &str| -> Vec<Vec<Option<String>>> {
            let text =
                std::fs::read_to_string(self.dir.join(self.json[key].as_str().unwrap())).unwrap();
            text.lines()
                .skip(1)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    l.split(',')
                        .map(|f| (!f.is_empty()).then(|| f.to_string()))
                        .collect()
                })
                .collect()
        };
        let aliases: Vec<(i32, String)> = csv("account_aliases")
            .into_iter()
            .map(|r| {
                (
                    r[0].as_ref().unwrap().parse().unwrap(),
                    r[1].clone().unwrap(),
                )
            })
            .collect();
        // id,org_unit_id,org_unit_name,org_unit_path,account_alias_id,provider_id,created,deleted
        let ous = csv("organizational_units")
            .into_iter()
            .map(|r| {
                (
                    r[0].as_ref().unwrap().parse().unwrap(),
                    r[4].as_ref().map(|a| a.parse().unwrap()),
                    r[5].clone(),
                    r[6].as_deref().map(date),
                    r.get(7).cloned().flatten().as_deref().map(date),
                )
            })
            .collect::<Vec<_>>();
        self.json["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| AwsRun {
                start: date(r["start_date"].as_str().unwrap()),
                end: date(r["end_date"].as_str().unwrap()),
                bill_id: r["bill_id"].as_i64().unwrap() as i32,
                markup,
                enabled_keys: keys.clone(),
                aliases: aliases.clone(),
                ous: ous.clone(),
            })
            .collect()
    }

    /// The daily Parquet of the run's partition, normalised to the canonical schema: columns by
    /// name, a column missing from a file NULL, timestamps as UTC milliseconds.
    pub fn daily_batches(&self, run: &AwsRun) -> Vec<RecordBatch> {
        let part = self.dir.join(format!(
            "data/parquet/daily/org1234567/AWS/raw/source={SOURCE}/year={}/month={}",
            run.start.format("%Y"),
            run.start.format("%m")
        ));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&part)
            .unwrap_or_else(|e| panic!("{}: {e}", part.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        files.sort();
        let schema = AWS_LINE_ITEMS_DAILY.schema();
        let mut out = Vec::new();
        for f in files {
            let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                std::fs::File::open(&f).unwrap(),
            )
            .unwrap()
            .with_batch_size(65_536)
            .build()
            .unwrap();
            for b in reader {
                let b = b.unwrap();
                let cols = schema
                    .fields()
                    .iter()
                    .map(|field| match b.column_by_name(field.name()) {
                        Some(c) => arrow::compute::cast(c, field.data_type()).unwrap(),
                        None => new_null_array(field.data_type(), b.num_rows()),
                    })
                    .collect();
                out.push(RecordBatch::try_new(schema.clone(), cols).unwrap());
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

/// One cell of an output row (non-NULL only).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Float(f64),
    Int(i64),
    Date(String),
    List(Vec<Option<String>>),
}

/// An output row: its non-NULL cells, in schema column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<(String, Cell)>);

impl Row {
    pub fn get(&self, col: &str) -> Option<&Cell> {
        self.0.iter().find(|(c, _)| c == col).map(|(_, v)| v)
    }

    pub fn s(&self, col: &str) -> Option<&str> {
        match self.get(col) {
            Some(Cell::Text(t)) | Some(Cell::Date(t)) => Some(t),
            None => None,
            other => panic!("{col} is not text: {other:?}"),
        }
    }

    pub fn f(&self, col: &str) -> Option<f64> {
        match self.get(col) {
            Some(Cell::Float(x)) => Some(*x),
            None => None,
            other => panic!("{col} is not a double: {other:?}"),
        }
    }

    pub fn i(&self, col: &str) -> Option<i64> {
        match self.get(col) {
            Some(Cell::Int(x)) => Some(*x),
            None => None,
            other => panic!("{col} is not an integer: {other:?}"),
        }
    }

    pub fn list(&self, col: &str) -> Vec<Option<String>> {
        match self.get(col) {
            Some(Cell::List(l)) => l.clone(),
            other => panic!("{col} is not a list: {other:?}"),
        }
    }

    /// A measure as the load stores it in `numeric(p, s)`, printed with the column's scale as
    /// PostgreSQL shows it; `NULL` for NULL.
    pub fn num(&self, col: &str, precision: u32, scale: u32) -> String {
        match self.f(col) {
            None => "NULL".into(),
            Some(x) => {
                let d = koku_load::numeric::to_numeric(x, precision, scale).unwrap();
                format!("{d:.prec$}", prec = scale as usize)
            }
        }
    }

    /// A JSON column as a value (compare as jsonb would).
    pub fn json(&self, col: &str) -> Option<Value> {
        self.s(col).map(|t| serde_json::from_str(t).unwrap())
    }

    /// The row as one JSON object; doubles in Rust's shortest round-trip form.
    pub fn json_line(&self, skip: &[&str]) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .filter(|(c, _)| !skip.contains(&c.as_str()))
            .map(|(c, v)| {
                let v = match v {
                    Cell::Text(t) | Cell::Date(t) => Value::String(t.clone()).to_string(),
                    Cell::Float(x) => format!("{x}"),
                    Cell::Int(x) => x.to_string(),
                    Cell::List(l) => Value::Array(
                        l.iter()
                            .map(|e| e.clone().map_or(Value::Null, Value::String))
                            .collect(),
                    )
                    .to_string(),
                };
                format!("{}:{v}", Value::String(c.clone()))
            })
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}

pub fn rows_of(batch: &RecordBatch) -> Vec<Row> {
    let schema = batch.schema();
    (0..batch.num_rows())
        .map(|i| {
            let mut cells = Vec::new();
            for (f, col) in schema.fields().iter().zip(batch.columns()) {
                if col.is_null(i) {
                    continue;
                }
                let any = col.as_any();
                let cell = match f.data_type() {
                    DataType::Utf8 => Cell::Text(
                        any.downcast_ref::<StringArray>()
                            .unwrap()
                            .value(i)
                            .to_string(),
                    ),
                    DataType::Float64 => {
                        Cell::Float(any.downcast_ref::<Float64Array>().unwrap().value(i))
                    }
                    DataType::Int32 => {
                        Cell::Int(any.downcast_ref::<Int32Array>().unwrap().value(i) as i64)
                    }
                    DataType::Date32 => Cell::Date(
                        any.downcast_ref::<Date32Array>()
                            .unwrap()
                            .value_as_date(i)
                            .unwrap()
                            .to_string(),
                    ),
                    DataType::List(_) => {
                        let l = any.downcast_ref::<ListArray>().unwrap().value(i);
                        let s = l.as_any().downcast_ref::<StringArray>().unwrap();
                        Cell::List(
                            (0..s.len())
                                .map(|j| s.is_valid(j).then(|| s.value(j).to_string()))
                                .collect(),
                        )
                    }
                    other => panic!("unexpected column type {other} of {}", f.name()),
                };
                cells.push((f.name().clone(), cell));
            }
            Row(cells)
        })
        .collect()
}

pub fn read_ipc(path: &Path) -> Vec<Row> {
    let file = std::fs::File::open(path).unwrap();
    let reader = arrow::ipc::reader::FileReader::try_new(file, None).unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        rows.extend(rows_of(&batch.unwrap()));
    }
    rows
}

/// The daily summary and EC2 rows a work dir's transform wrote.
pub fn outputs(dir: &Path) -> (Vec<Row>, Vec<Row>) {
    (
        read_ipc(&dir.join(AWS_DAILY_SUMMARY.file_name())),
        read_ipc(&dir.join(AWS_EC2_COMPUTE_SUMMARY.file_name())),
    )
}

/// The run-constant columns, checked on every row and left out of snapshots.
pub const RUN_COLUMNS: [&str; 2] = ["cost_entry_bill_id", "source_uuid"];

/// Check the run constants of every row (bill, source; daily: `usage_end = usage_start` and the day
/// in the window; EC2: `usage_start` in the run's month).
pub fn check_run_constants(run: &AwsRun, daily: &[Row], ec2: &[Row]) {
    for r in daily.iter().chain(ec2) {
        assert_eq!(r.i("cost_entry_bill_id"), Some(run.bill_id as i64), "{r:?}");
        assert_eq!(r.s("source_uuid"), Some(SOURCE), "{r:?}");
        assert_eq!(r.get("tax_type"), None);
    }
    for r in daily {
        assert_eq!(r.s("usage_end"), r.s("usage_start"), "{r:?}");
        let d = date(r.s("usage_start").unwrap());
        assert!(run.start <= d && d <= run.end, "outside the window: {r:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Expectations written as koku's table shows the values
// ---------------------------------------------------------------------------------------------

use koku_common::schema::table::{PgType, Table};

/// Whether column `col` of `row` shows `expected` the way PostgreSQL would after the load: `NULL`;
/// numerics at the column's scale (`2.304000000`); doubles as numbers (`4.0`); JSON compared as
/// JSON; arrays as `{a,b}` (`""` for the empty string); everything else as text.
pub fn shows(row: &Row, table: &Table, col: &str, expected: &str) -> bool {
    let ty = table
        .column(col)
        .unwrap_or_else(|| panic!("{} has no column {col}", table.name))
        .ty;
    if expected == "NULL" {
        return row.get(col).is_none();
    }
    match ty {
        PgType::Numeric { precision, scale } => row.num(col, precision, scale) == expected,
        PgType::Float8 => row.f(col) == Some(expected.parse::<f64>().unwrap()),
        PgType::Int4 => row.i(col) == Some(expected.parse::<i64>().unwrap()),
        PgType::Jsonb => row.json(col) == Some(serde_json::from_str(expected).unwrap()),
        PgType::TextArray => {
            let inner = expected
                .strip_prefix('{')
                .and_then(|e| e.strip_suffix('}'))
                .expect("an array as {a,b}");
            let want: Vec<Option<String>> = inner
                .split(',')
                .map(|e| {
                    Some(if e == "\"\"" {
                        String::new()
                    } else {
                        e.to_string()
                    })
                })
                .collect();
            row.get(col).is_some() && row.list(col) == want
        }
        _ => row.s(col) == Some(expected),
    }
}

/// Assert every `(column, expected)` of `row` (see [`shows`]).
#[track_caller]
pub fn assert_cols(what: &str, row: &Row, table: &Table, cols: &[(&str, &str)]) {
    for (c, e) in cols {
        assert!(
            shows(row, table, c, e),
            "{what}: column {c} is {:?}, expected {e}\nrow: {}",
            row.get(c),
            row.json_line(&[])
        );
    }
}

/// The rows showing every `(column, expected)`.
pub fn all<'a>(rows: &'a [Row], table: &Table, by: &[(&str, &str)]) -> Vec<&'a Row> {
    rows.iter()
        .filter(|r| by.iter().all(|(c, e)| shows(r, table, c, e)))
        .collect()
}

/// The one row showing every `(column, expected)`.
#[track_caller]
pub fn one<'a>(rows: &'a [Row], table: &Table, by: &[(&str, &str)]) -> &'a Row {
    let found = all(rows, table, by);
    assert_eq!(found.len(), 1, "rows matching {by:?}: {found:#?}");
    found[0]
}
