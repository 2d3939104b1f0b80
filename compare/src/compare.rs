//! Compare OCP daily summary rows: ours (the `koku-transform` output of a work dir) against the rows koku
//! wrote into `<tenant>.reporting_ocpusagelineitem_daily_summary` (a CSV export of that table, the table
//! itself, or another work dir). `koku-compare` is the command-line face of this module; tests use it
//! directly.
//!
//! Rows are matched by their natural key, per row kind (spec §4.4, §4.5, §4.7):
//!
//! | kind | how it is recognised | key |
//! | --- | --- | --- |
//! | Pod | `data_source = 'Pod'`, not unallocated | `usage_start, namespace, node, pod_labels` |
//! | Storage | `data_source = 'Storage'` | `usage_start, namespace, node, resource_id, persistentvolumeclaim, persistentvolume, storageclass, volume_labels` |
//! | unallocated | `data_source = 'Pod'`, `pod_labels` NULL, namespace `Platform unallocated`, `Worker unallocated` or NULL | `usage_start, node, namespace, cost_category_id` |
//! | other | any other `data_source` (not written by the summary) | every text, date and label column |
//!
//! The kind is derived from PostgreSQL's columns on both sides (our `row_kind` is not used for it), so
//! both sides are classified by the same rule. Keys form a multiset: a key held by several rows on either
//! side is reported with its counts, its rows are paired equal-first and the rest are reported as
//! differing, missing or extra.
//!
//! Values are compared by type (spec §5, §6, §12): label and other `jsonb` columns as JSON values (key
//! order, spacing and number spelling do not matter; `{}` and NULL differ); measures as f64 within
//! `max(abs_tol, rel_tol × max(|ours|, |theirs|))`; everything else exactly (`source_uuid` as a uuid,
//! i.e. case-insensitively). Only columns of the summary that both sides have are compared: koku-only
//! columns (`uuid`, the cost-model and OCP-on-cloud columns) never, our `row_kind` and
//! `csi_volume_handle` only when both sides have them (two work dirs).
//!
//! *Missing* rows are in theirs only (our output lacks them), *extra* rows are in ours only.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Date32Type, Float64Type, Int32Type, Int64Type};
use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use koku_common::config::DbConfig;
use koku_common::pgcsv::{CsvError, CsvRecords};
use koku_common::schema::{ColumnType, OCP_DAILY_SUMMARY};
use koku_common::workdir::{DatasetReader, WorkDir, meta, stage};

/// koku's table (and our file's dataset) name.
pub const SUMMARY_TABLE: &str = "reporting_ocpusagelineitem_daily_summary";

/// Default relative tolerance for measures (spec §12: multi-term f64 sums in another order).
pub const DEFAULT_REL_TOL: f64 = 1e-12;
/// Default absolute floor: `numeric(33,15)` rounds to 15 decimals (half a unit is 5e-16).
pub const DEFAULT_ABS_TOL: f64 = 1e-15;

/// The summary's `jsonb` columns (compared as JSON values).
pub const JSON_COLUMNS: &[&str] = &[
    "pod_labels",
    "volume_labels",
    "all_labels",
    "infrastructure_usage_cost",
];

/// koku columns that tell its summary rows from the rows later steps add to the same table: the cost
/// model (`cost_model_rate_type`, `monthly_cost_type`) and OCP on cloud (non-zero
/// `infrastructure_raw_cost`; the same test as koku's delete before the summary insert). Read only to
/// filter, never compared.
pub const FILTER_COLUMNS: &[(&str, Kind)] = &[
    ("cost_model_rate_type", Kind::Text),
    ("monthly_cost_type", Kind::Text),
    ("infrastructure_raw_cost", Kind::Float),
];

/// Namespaces of the unallocated-capacity rows (spec §4.7).
pub const UNALLOCATED_NAMESPACES: &[&str] = &["Platform unallocated", "Worker unallocated"];

// ---------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------

/// How a column is read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Exact text.
    Text,
    /// A uuid: exact, case-insensitive (stored lowercase).
    Uuid,
    /// A JSON value, compared as jsonb compares.
    Json,
    /// A measure: f64 within tolerance.
    Float,
    /// An integer: exact.
    Int,
    /// A date: exact.
    Date,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Text => "text",
            Kind::Uuid => "a uuid",
            Kind::Json => "JSON",
            Kind::Float => "a number",
            Kind::Int => "an integer",
            Kind::Date => "a date (YYYY-MM-DD)",
        })
    }
}

/// The kind of a column this module reads: the summary's columns and [`FILTER_COLUMNS`]; `None` for
/// every other column (not read).
pub fn column_kind(name: &str) -> Option<Kind> {
    if let Some(i) = OCP_DAILY_SUMMARY.column_index(name) {
        return Some(match OCP_DAILY_SUMMARY.columns[i].1 {
            ColumnType::Text if JSON_COLUMNS.contains(&name) => Kind::Json,
            ColumnType::Text if name == "source_uuid" => Kind::Uuid,
            ColumnType::Text | ColumnType::Timestamp | ColumnType::TextList => Kind::Text,
            ColumnType::Float => Kind::Float,
            ColumnType::Int32 => Kind::Int,
            ColumnType::Date => Kind::Date,
        });
    }
    FILTER_COLUMNS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, k)| *k)
}

/// One typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    /// Canonical JSON text ([`canonical_json`]): equal texts ⇔ equal jsonb values.
    Json(String),
}

impl Value {
    /// A JSON value from any JSON text (canonicalised).
    pub fn json(text: &str) -> Result<Value, String> {
        canonical_json(text).map(Value::Json)
    }

    /// Parse the text form of a cell (CSV export, PostgreSQL `::text`).
    pub fn parse(kind: Kind, text: &str) -> Result<Value, String> {
        match kind {
            Kind::Text => Ok(Value::Text(text.to_string())),
            Kind::Uuid => Ok(Value::Text(text.trim().to_ascii_lowercase())),
            Kind::Json => Value::json(text),
            Kind::Float => text
                .trim()
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|e| e.to_string()),
            Kind::Int => text
                .trim()
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|e| e.to_string()),
            Kind::Date => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map(Value::Date)
                .map_err(|e| e.to_string()),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Json(s) => Some(s),
            _ => None,
        }
    }
}

/// Report form: NULL, quoted text (so `""` and NULL are told apart), numbers in shortest round-trip
/// form, JSON canonical, dates ISO.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Json(s) => f.write_str(s),
        }
    }
}

/// JSON report form: null, string, number (non-finite as a string), the JSON value itself.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Text(t) => s.serialize_str(t),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(x) if x.is_finite() => s.serialize_f64(*x),
            Value::Float(x) => s.serialize_str(&x.to_string()),
            Value::Date(d) => s.serialize_str(&d.to_string()),
            Value::Json(t) => match serde_json::from_str::<serde_json::Value>(t) {
                Ok(v) => v.serialize(s),
                Err(_) => s.serialize_str(t),
            },
        }
    }
}

/// Canonical text of a JSON value with jsonb's equality: object keys sorted (duplicates: the last one
/// wins, as in jsonb), no whitespace, every number as the shortest round-trip form of its f64 (so `0`,
/// `0.0` and `0.000000000` are equal, as jsonb's numeric comparison makes them; numbers are compared to
/// f64 precision, ample for labels and koku's zero costs).
pub fn canonical_json(text: &str) -> Result<String, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut out = String::with_capacity(text.len());
    write_canonical(&v, &mut out);
    Ok(out)
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value as J;
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            // -0 == 0 in jsonb
            let x = if x == 0.0 { 0.0 } else { x };
            let _ = write!(out, "{x}");
        }
        J::String(s) => out.push_str(&serde_json::to_string(s).expect("a string serialises")),
        J::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(e, out);
            }
            out.push(']');
        }
        J::Object(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, e)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).expect("a string serialises"));
                out.push(':');
                write_canonical(e, out);
            }
            out.push('}');
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------

/// Rows of one side, in memory: a column name → typed value per row (columns shared by all rows).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Where the rows come from, for the report and error messages (never holds a password).
    pub label: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// Columns the source has that were not read: not produced by this pipeline (`uuid`, cost-model
    /// columns, ...).
    pub skipped_columns: Vec<String>,
}

impl Table {
    pub fn new(label: impl Into<String>, columns: Vec<String>) -> Table {
        Table {
            label: label.into(),
            columns,
            rows: Vec::new(),
            skipped_columns: Vec::new(),
        }
    }

    /// Build from rows given as maps (tests, small tables); the columns are the union of the maps'
    /// keys, a key a row lacks reads as NULL.
    pub fn from_maps(label: impl Into<String>, rows: Vec<BTreeMap<String, Value>>) -> Table {
        let columns: BTreeSet<String> = rows.iter().flat_map(|r| r.keys().cloned()).collect();
        let columns: Vec<String> = columns.into_iter().collect();
        let mut t = Table::new(label, columns);
        for r in rows {
            let row = t
                .columns
                .iter()
                .map(|c| r.get(c).cloned().unwrap_or(Value::Null))
                .collect();
            t.rows.push(row);
        }
        t
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The value of `name` in row `row` (`None`: no such column or row).
    pub fn get(&self, row: usize, name: &str) -> Option<&Value> {
        let c = self.column(name)?;
        self.rows.get(row).and_then(|r| r.get(c))
    }

    /// One row as a map (for tests and debugging).
    pub fn row_map(&self, row: usize) -> BTreeMap<String, Value> {
        self.columns
            .iter()
            .cloned()
            .zip(self.rows[row].iter().cloned())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------------
// Row kinds and keys
// ---------------------------------------------------------------------------------------------------

/// The kind of a summary row, derived from its PostgreSQL columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    Pod,
    Storage,
    Unallocated,
    /// A `data_source` the summary does not write.
    Other,
}

const POD_KEY: &[&str] = &["usage_start", "namespace", "node", "pod_labels"];
const STORAGE_KEY: &[&str] = &[
    "usage_start",
    "namespace",
    "node",
    "resource_id",
    "persistentvolumeclaim",
    "persistentvolume",
    "storageclass",
    "volume_labels",
];
const UNALLOCATED_KEY: &[&str] = &["usage_start", "node", "namespace", "cost_category_id"];
const OTHER_KEY: &[&str] = &[
    "usage_start",
    "data_source",
    "namespace",
    "node",
    "resource_id",
    "persistentvolumeclaim",
    "persistentvolume",
    "storageclass",
    "pod_labels",
    "volume_labels",
    "cost_category_id",
];

/// Columns both sides must have: every key column, and `data_source` (it decides the kind).
pub const REQUIRED_COLUMNS: &[&str] = OTHER_KEY;

impl RowKind {
    pub const ALL: [RowKind; 4] = [
        RowKind::Pod,
        RowKind::Storage,
        RowKind::Unallocated,
        RowKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RowKind::Pod => "pod",
            RowKind::Storage => "storage",
            RowKind::Unallocated => "unallocated",
            RowKind::Other => "other",
        }
    }

    /// The natural key of this kind's rows.
    pub fn key_columns(self) -> &'static [&'static str] {
        match self {
            RowKind::Pod => POD_KEY,
            RowKind::Storage => STORAGE_KEY,
            RowKind::Unallocated => UNALLOCATED_KEY,
            RowKind::Other => OTHER_KEY,
        }
    }

    /// Classify a row from `data_source`, `namespace` and `pod_labels`.
    pub fn classify(data_source: &Value, namespace: &Value, pod_labels: &Value) -> RowKind {
        match data_source.as_text() {
            Some("Storage") => RowKind::Storage,
            Some("Pod") => {
                let unallocated_ns = match namespace {
                    Value::Null => true,
                    Value::Text(ns) => UNALLOCATED_NAMESPACES.contains(&ns.as_str()),
                    _ => false,
                };
                if pod_labels.is_null() && unallocated_ns {
                    RowKind::Unallocated
                } else {
                    RowKind::Pod
                }
            }
            _ => RowKind::Other,
        }
    }
}

impl fmt::Display for RowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One key column's value (labels as canonical JSON).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum KeyPart {
    Null,
    Int(i64),
    Date(NaiveDate),
    Text(String),
    Json(String),
}

impl KeyPart {
    fn from_value(v: &Value) -> KeyPart {
        match v {
            Value::Null => KeyPart::Null,
            Value::Text(s) => KeyPart::Text(s.clone()),
            Value::Int(i) => KeyPart::Int(*i),
            Value::Date(d) => KeyPart::Date(*d),
            Value::Json(s) => KeyPart::Json(s.clone()),
            // No key column is a measure; keep the value exact anyway.
            Value::Float(x) => KeyPart::Text(format!("{x:?}")),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            KeyPart::Null => Value::Null,
            KeyPart::Int(i) => Value::Int(*i),
            KeyPart::Date(d) => Value::Date(*d),
            KeyPart::Text(s) => Value::Text(s.clone()),
            KeyPart::Json(s) => Value::Json(s.clone()),
        }
    }
}

/// The natural key of a row: its kind and the values of the kind's key columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub kind: RowKind,
    parts: Vec<KeyPart>,
}

impl Key {
    /// `(column, value)` pairs of the key.
    pub fn fields(&self) -> Vec<(&'static str, Value)> {
        self.kind
            .key_columns()
            .iter()
            .copied()
            .zip(self.parts.iter().map(KeyPart::to_value))
            .collect()
    }

    /// The value of key column `column`, if it is one.
    pub fn get(&self, column: &str) -> Option<Value> {
        self.kind
            .key_columns()
            .iter()
            .position(|c| *c == column)
            .map(|i| self.parts[i].to_value())
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        for (c, v) in self.fields() {
            write!(f, " {c}={v}")?;
        }
        Ok(())
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = self.fields();
        let mut m = s.serialize_map(Some(fields.len() + 1))?;
        m.serialize_entry("kind", &self.kind)?;
        for (c, v) in &fields {
            m.serialize_entry(c, v)?;
        }
        m.end()
    }
}

// ---------------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------------

/// Which rows take part, on both sides. `None` = no restriction.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scope {
    pub source_uuid: Option<String>,
    pub report_period_id: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// Leave out rows other koku steps add to the table (cost model, OCP on cloud; see
    /// [`FILTER_COLUMNS`]).
    pub summary_rows_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admit {
    In,
    OutOfScope,
    NotSummary,
}

impl Scope {
    /// One line for the report.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.source_uuid {
            parts.push(format!("source_uuid {s}"));
        }
        if let Some(r) = self.report_period_id {
            parts.push(format!("report_period_id {r}"));
        }
        match (self.start_date, self.end_date) {
            (Some(a), Some(b)) => parts.push(format!("usage_start {a} .. {b}")),
            (Some(a), None) => parts.push(format!("usage_start from {a}")),
            (None, Some(b)) => parts.push(format!("usage_start until {b}")),
            (None, None) => {}
        }
        if self.summary_rows_only {
            parts.push("summary rows only (no cost-model or OCP-on-cloud rows)".into());
        }
        if parts.is_empty() {
            "every row".into()
        } else {
            parts.join(", ")
        }
    }

    /// Notes about restrictions a table cannot be checked against (it lacks the column).
    fn unchecked(&self, t: &Table) -> Vec<String> {
        let mut notes = Vec::new();
        let mut need = |cond: bool, col: &str, what: &str| {
            if cond && t.column(col).is_none() {
                notes.push(format!(
                    "{}: no column {col}; the {what} restriction was not applied to it",
                    t.label
                ));
            }
        };
        need(self.source_uuid.is_some(), "source_uuid", "source_uuid");
        need(
            self.report_period_id.is_some(),
            "report_period_id",
            "report_period_id",
        );
        // Our own output (it has `row_kind`) never holds cost-model rows; a koku export without the
        // columns that tell them apart is worth a word.
        if self.summary_rows_only && t.column("row_kind").is_none() {
            let absent: Vec<&str> = FILTER_COLUMNS
                .iter()
                .map(|(c, _)| *c)
                .filter(|c| t.column(c).is_none())
                .collect();
            if !absent.is_empty() {
                notes.push(format!(
                    "{}: no column {}; cost-model and OCP-on-cloud rows cannot be recognised by it                      (export it with SELECT * or add a WHERE)",
                    t.label,
                    absent.join(", ")
                ));
            }
        }
        notes
    }

    fn admit(&self, cols: &ScopeColumns, row: &[Value]) -> Admit {
        if let (Some(want), Some(c)) = (&self.source_uuid, cols.source_uuid) {
            match &row[c] {
                Value::Text(s) if s.eq_ignore_ascii_case(want) => {}
                _ => return Admit::OutOfScope,
            }
        }
        if let (Some(want), Some(c)) = (self.report_period_id, cols.report_period_id)
            && row[c] != Value::Int(want)
        {
            return Admit::OutOfScope;
        }
        if self.start_date.is_some() || self.end_date.is_some() {
            let Value::Date(d) = row[cols.usage_start] else {
                return Admit::OutOfScope;
            };
            if self.start_date.is_some_and(|s| d < s) || self.end_date.is_some_and(|e| d > e) {
                return Admit::OutOfScope;
            }
        }
        if self.summary_rows_only {
            for c in [cols.cost_model_rate_type, cols.monthly_cost_type]
                .into_iter()
                .flatten()
            {
                if !row[c].is_null() {
                    return Admit::NotSummary;
                }
            }
            if let Some(c) = cols.infrastructure_raw_cost {
                match row[c] {
                    Value::Null => {}
                    Value::Float(0.0) => {}
                    _ => return Admit::NotSummary,
                }
            }
        }
        Admit::In
    }
}

struct ScopeColumns {
    source_uuid: Option<usize>,
    report_period_id: Option<usize>,
    usage_start: usize,
    cost_model_rate_type: Option<usize>,
    monthly_cost_type: Option<usize>,
    infrastructure_raw_cost: Option<usize>,
}

impl ScopeColumns {
    fn of(t: &Table) -> ScopeColumns {
        ScopeColumns {
            source_uuid: t.column("source_uuid"),
            report_period_id: t.column("report_period_id"),
            usage_start: t.column("usage_start").expect("checked as required"),
            cost_model_rate_type: t.column("cost_model_rate_type"),
            monthly_cost_type: t.column("monthly_cost_type"),
            infrastructure_raw_cost: t.column("infrastructure_raw_cost"),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------------

/// How to compare.
#[derive(Debug, Clone)]
pub struct Options {
    pub rel_tol: f64,
    pub abs_tol: f64,
    /// At most this many entries in each list of the report (differences, missing, extra, duplicate
    /// keys); the counts are always complete. 0 = no limit.
    pub max_details: usize,
    pub scope: Scope,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rel_tol: DEFAULT_REL_TOL,
            abs_tol: DEFAULT_ABS_TOL,
            max_details: 0,
            scope: Scope::default(),
        }
    }
}

/// Row counts of one kind (or all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Rows of ours in scope.
    pub ours: usize,
    /// Rows of theirs in scope.
    pub theirs: usize,
    /// Pairs of rows equal within tolerance.
    pub matched: usize,
    /// Pairs of rows with the same key and at least one differing value.
    pub differing: usize,
    /// Rows in theirs only.
    pub missing: usize,
    /// Rows in ours only.
    pub extra: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.ours += o.ours;
        self.theirs += o.theirs;
        self.matched += o.matched;
        self.differing += o.differing;
        self.missing += o.missing;
        self.extra += o.extra;
    }
}

/// One differing value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub key: Key,
    pub column: String,
    pub ours: Value,
    pub theirs: Value,
    /// `|ours − theirs| / max(|ours|, |theirs|)` for two finite numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel_diff: Option<f64>,
    /// `|ours − theirs|` for two finite numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abs_diff: Option<f64>,
}

/// Differences found in one column.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ColumnStat {
    pub differences: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_rel_diff: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_abs_diff: Option<f64>,
}

/// A key with rows on one side only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyCount {
    pub key: Key,
    /// How many rows with this key are unmatched.
    pub rows: usize,
}

/// A key held by more than one row on either side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    pub key: Key,
    pub ours: usize,
    pub theirs: usize,
}

/// What one side contributed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SideSummary {
    pub label: String,
    pub rows_read: usize,
    pub rows_compared: usize,
    /// Rows outside the scope's source, report period or days.
    pub out_of_scope: usize,
    /// Cost-model or OCP-on-cloud rows left out (`summary_rows_only`).
    pub not_summary_rows: usize,
    /// Columns not read (not produced by this pipeline).
    pub skipped_columns: Vec<String>,
}

/// The outcome of [`compare`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// No differing, missing or extra row.
    pub identical: bool,
    pub ours: SideSummary,
    pub theirs: SideSummary,
    pub scope: Scope,
    pub rel_tol: f64,
    pub abs_tol: f64,
    pub compared_columns: Vec<String>,
    /// Summary columns only ours has (not compared).
    pub only_in_ours: Vec<String>,
    /// Summary columns only theirs has (not compared).
    pub only_in_theirs: Vec<String>,
    /// Per row kind (kinds with no rows left out).
    pub counts: BTreeMap<RowKind, Counts>,
    pub total: Counts,
    /// Differing values in all differing rows.
    pub differing_values: usize,
    pub column_stats: BTreeMap<String, ColumnStat>,
    pub differences: Vec<Difference>,
    pub missing: Vec<KeyCount>,
    pub extra: Vec<KeyCount>,
    pub duplicate_keys: Vec<Duplicate>,
    pub duplicate_keys_total: usize,
    /// Some list was cut at `max_details`.
    pub truncated: bool,
    pub max_details: usize,
    pub notes: Vec<String>,
}

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    WorkDir(#[from] koku_common::Error),

    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{input}: line {line}: {reason}")]
    Csv {
        input: String,
        line: u64,
        reason: String,
    },

    #[error("{input}: {row}, column {column}: cannot read {value:?} as {kind}: {reason}")]
    Value {
        input: String,
        /// `line N` (CSV) or `row N`.
        row: String,
        column: String,
        value: String,
        kind: Kind,
        reason: String,
    },

    #[error(
        "{input}: no column {column:?}; the rows cannot be matched without it (needed: {})",
        REQUIRED_COLUMNS.join(", ")
    )]
    MissingColumn { input: String, column: String },

    #[error("{input}: {reason}")]
    Input { input: String, reason: String },

    #[error("database {db}: {what}: {reason}")]
    Database {
        db: String,
        what: String,
        reason: String,
    },
}

pub type Result<T, E = CompareError> = std::result::Result<T, E>;

fn floats_equal(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    if a == b || (a.is_nan() && b.is_nan()) {
        return true;
    }
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    (a - b).abs() <= abs.max(rel * a.abs().max(b.abs()))
}

struct Compared {
    name: String,
    kind: Kind,
    ours: usize,
    theirs: usize,
}

/// A differing column of two rows: `(index into compared, rel, abs)`.
type ColumnDiff = (usize, Option<f64>, Option<f64>);

/// The differing columns of two rows.
fn diff_rows(o: &[Value], t: &[Value], compared: &[Compared], opts: &Options) -> Vec<ColumnDiff> {
    let mut out = Vec::new();
    for (i, c) in compared.iter().enumerate() {
        let (a, b) = (&o[c.ours], &t[c.theirs]);
        let equal = match (c.kind, a, b) {
            (Kind::Float, Value::Float(x), Value::Float(y)) => {
                floats_equal(*x, *y, opts.rel_tol, opts.abs_tol)
            }
            _ => a == b,
        };
        if !equal {
            let (rel, abs) = match (a, b) {
                (Value::Float(x), Value::Float(y)) if x.is_finite() && y.is_finite() => {
                    let abs = (x - y).abs();
                    let scale = x.abs().max(y.abs());
                    (Some(if scale > 0.0 { abs / scale } else { 0.0 }), Some(abs))
                }
                _ => (None, None),
            };
            out.push((i, rel, abs));
        }
    }
    out
}

struct Side {
    summary: SideSummary,
    /// Row indices in scope, by key.
    keyed: Vec<(Key, usize)>,
}

fn prepare(t: &Table, opts: &Options) -> Result<Side> {
    for c in REQUIRED_COLUMNS {
        if t.column(c).is_none() {
            return Err(CompareError::MissingColumn {
                input: t.label.clone(),
                column: c.to_string(),
            });
        }
    }
    let sc = ScopeColumns::of(t);
    let idx = |n: &str| t.column(n).expect("checked as required");
    let (ds, ns, pl) = (idx("data_source"), idx("namespace"), idx("pod_labels"));
    let key_idx: Vec<Vec<usize>> = RowKind::ALL
        .iter()
        .map(|k| k.key_columns().iter().map(|c| idx(c)).collect())
        .collect();
    let mut summary = SideSummary {
        label: t.label.clone(),
        rows_read: t.rows.len(),
        skipped_columns: t.skipped_columns.clone(),
        ..SideSummary::default()
    };
    let mut keyed = Vec::with_capacity(t.rows.len());
    for (i, row) in t.rows.iter().enumerate() {
        match opts.scope.admit(&sc, row) {
            Admit::OutOfScope => summary.out_of_scope += 1,
            Admit::NotSummary => summary.not_summary_rows += 1,
            Admit::In => {
                let kind = RowKind::classify(&row[ds], &row[ns], &row[pl]);
                let cols = &key_idx[RowKind::ALL.iter().position(|k| *k == kind).unwrap()];
                let parts = cols.iter().map(|c| KeyPart::from_value(&row[*c])).collect();
                keyed.push((Key { kind, parts }, i));
            }
        }
    }
    summary.rows_compared = keyed.len();
    Ok(Side { summary, keyed })
}

/// Compare `ours` with `theirs` (see the module documentation).
pub fn compare(ours: &Table, theirs: &Table, opts: &Options) -> Result<Report> {
    let o = prepare(ours, opts)?;
    let t = prepare(theirs, opts)?;

    let summary_cols: Vec<&str> = OCP_DAILY_SUMMARY.columns.iter().map(|(n, _)| *n).collect();
    let compared: Vec<Compared> = summary_cols
        .iter()
        .filter_map(|n| {
            Some(Compared {
                name: n.to_string(),
                kind: column_kind(n)?,
                ours: ours.column(n)?,
                theirs: theirs.column(n)?,
            })
        })
        .collect();
    let only = |a: &Table, b: &Table| -> Vec<String> {
        summary_cols
            .iter()
            .filter(|n| a.column(n).is_some() && b.column(n).is_none())
            .map(|n| n.to_string())
            .collect()
    };

    let mut notes = opts.scope.unchecked(ours);
    notes.extend(opts.scope.unchecked(theirs));

    // key → (our rows, their rows)
    let mut groups: BTreeMap<Key, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (k, i) in o.keyed {
        groups.entry(k).or_default().0.push(i);
    }
    for (k, i) in t.keyed {
        groups.entry(k).or_default().1.push(i);
    }

    let cap = |n: usize| opts.max_details == 0 || n < opts.max_details;
    let mut report = Report {
        identical: true,
        ours: o.summary,
        theirs: t.summary,
        scope: opts.scope.clone(),
        rel_tol: opts.rel_tol,
        abs_tol: opts.abs_tol,
        compared_columns: compared.iter().map(|c| c.name.clone()).collect(),
        only_in_ours: only(ours, theirs),
        only_in_theirs: only(theirs, ours),
        counts: BTreeMap::new(),
        total: Counts::default(),
        differing_values: 0,
        column_stats: BTreeMap::new(),
        differences: Vec::new(),
        missing: Vec::new(),
        extra: Vec::new(),
        duplicate_keys: Vec::new(),
        duplicate_keys_total: 0,
        truncated: false,
        max_details: opts.max_details,
        notes,
    };

    let fingerprint = |tab: &Table, i: usize, side_col: &dyn Fn(&Compared) -> usize| -> String {
        let mut s = String::new();
        for c in &compared {
            let _ = write!(s, "{:?}\u{1f}", tab.rows[i][side_col(c)]);
        }
        s
    };

    for (key, (os, ts)) in groups {
        let counts = report.counts.entry(key.kind).or_default();
        counts.ours += os.len();
        counts.theirs += ts.len();
        if os.len() > 1 || ts.len() > 1 {
            report.duplicate_keys_total += 1;
            if cap(report.duplicate_keys.len()) {
                report.duplicate_keys.push(Duplicate {
                    key: key.clone(),
                    ours: os.len(),
                    theirs: ts.len(),
                });
            } else {
                report.truncated = true;
            }
        }
        // Pair equal rows first, then the rest in a deterministic order.
        let mut pairs: Vec<(usize, usize, Vec<ColumnDiff>)> = Vec::new();
        let (mut o_left, mut t_left): (Vec<usize>, Vec<usize>) = (Vec::new(), ts.clone());
        for &oi in &os {
            let found = t_left.iter().position(|&ti| {
                diff_rows(&ours.rows[oi], &theirs.rows[ti], &compared, opts).is_empty()
            });
            match found {
                Some(p) => {
                    t_left.remove(p);
                    counts.matched += 1;
                }
                None => o_left.push(oi),
            }
        }
        if o_left.len() > 1 {
            o_left.sort_by_cached_key(|&i| fingerprint(ours, i, &|c| c.ours));
        }
        if t_left.len() > 1 {
            t_left.sort_by_cached_key(|&i| fingerprint(theirs, i, &|c| c.theirs));
        }
        let n = o_left.len().min(t_left.len());
        for (&oi, &ti) in o_left.iter().zip(&t_left) {
            pairs.push((
                oi,
                ti,
                diff_rows(&ours.rows[oi], &theirs.rows[ti], &compared, opts),
            ));
        }
        counts.differing += pairs.len();
        let extra = o_left.len() - n;
        let missing = t_left.len() - n;
        counts.extra += extra;
        counts.missing += missing;
        if extra > 0 {
            if cap(report.extra.len()) {
                report.extra.push(KeyCount {
                    key: key.clone(),
                    rows: extra,
                });
            } else {
                report.truncated = true;
            }
        }
        if missing > 0 {
            if cap(report.missing.len()) {
                report.missing.push(KeyCount {
                    key: key.clone(),
                    rows: missing,
                });
            } else {
                report.truncated = true;
            }
        }
        for (oi, ti, diffs) in pairs {
            for (ci, rel, abs) in diffs {
                let c = &compared[ci];
                report.differing_values += 1;
                let st = report.column_stats.entry(c.name.clone()).or_default();
                st.differences += 1;
                if let Some(r) = rel {
                    st.max_rel_diff = Some(st.max_rel_diff.map_or(r, |m: f64| m.max(r)));
                }
                if let Some(a) = abs {
                    st.max_abs_diff = Some(st.max_abs_diff.map_or(a, |m: f64| m.max(a)));
                }
                if cap(report.differences.len()) {
                    report.differences.push(Difference {
                        key: key.clone(),
                        column: c.name.clone(),
                        ours: ours.rows[oi][c.ours].clone(),
                        theirs: theirs.rows[ti][c.theirs].clone(),
                        rel_diff: rel,
                        abs_diff: abs,
                    });
                } else {
                    report.truncated = true;
                }
            }
        }
    }
    let mut total = Counts::default();
    for c in report.counts.values() {
        total.add(c);
    }
    report.identical = total.differing == 0 && total.missing == 0 && total.extra == 0;
    report.total = total;
    Ok(report)
}

// ---------------------------------------------------------------------------------------------------
// Report rendering
// ---------------------------------------------------------------------------------------------------

fn side_line(s: &SideSummary) -> String {
    let mut line = format!(
        "{} — {} rows read, {} compared",
        s.label, s.rows_read, s.rows_compared
    );
    if s.out_of_scope > 0 {
        let _ = write!(line, ", {} outside the scope", s.out_of_scope);
    }
    if s.not_summary_rows > 0 {
        let _ = write!(
            line,
            ", {} cost-model/OCP-on-cloud rows left out",
            s.not_summary_rows
        );
    }
    line
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "-".into()
    } else {
        names.join(", ")
    }
}

impl Report {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let w = &mut s;
        let _ = writeln!(w, "ours:      {}", side_line(&self.ours));
        let _ = writeln!(w, "theirs:    {}", side_line(&self.theirs));
        let _ = writeln!(w, "scope:     {}", self.scope.describe());
        let _ = writeln!(
            w,
            "tolerance: relative {:e}, absolute {:e} (measures); exact otherwise, labels as jsonb",
            self.rel_tol, self.abs_tol
        );
        let _ = writeln!(
            w,
            "columns:   {} compared; only in ours: {}; only in theirs: {}",
            self.compared_columns.len(),
            list(&self.only_in_ours),
            list(&self.only_in_theirs)
        );
        if !self.theirs.skipped_columns.is_empty() || !self.ours.skipped_columns.is_empty() {
            let mut skipped: Vec<String> = self.theirs.skipped_columns.clone();
            for c in &self.ours.skipped_columns {
                if !skipped.contains(c) {
                    skipped.push(c.clone());
                }
            }
            let _ = writeln!(
                w,
                "           not produced by this pipeline, ignored: {}",
                list(&skipped)
            );
        }
        for n in &self.notes {
            let _ = writeln!(w, "note:      {n}");
        }
        let _ = writeln!(w);
        let _ = writeln!(
            w,
            "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "kind", "ours", "theirs", "matched", "differing", "missing", "extra"
        );
        let row = |w: &mut String, name: &str, c: &Counts| {
            let _ = writeln!(
                w,
                "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                name, c.ours, c.theirs, c.matched, c.differing, c.missing, c.extra
            );
        };
        for (k, c) in &self.counts {
            row(w, k.name(), c);
        }
        row(w, "total", &self.total);

        if !self.differences.is_empty() {
            let _ = writeln!(
                w,
                "\n{} differing value(s) in {} row(s):",
                self.differing_values, self.total.differing
            );
            let mut last: Option<&Key> = None;
            for d in &self.differences {
                if last != Some(&d.key) {
                    let _ = writeln!(w, "  {}", d.key);
                    last = Some(&d.key);
                }
                let _ = write!(
                    w,
                    "      {}: ours {}, theirs {}",
                    d.column, d.ours, d.theirs
                );
                if let Some(r) = d.rel_diff {
                    let _ = write!(w, " (relative difference {r:.3e})");
                }
                let _ = writeln!(w);
            }
            let _ = writeln!(w, "  per column:");
            for (c, st) in &self.column_stats {
                let _ = write!(w, "      {c}: {} value(s)", st.differences);
                if let Some(r) = st.max_rel_diff {
                    let _ = write!(w, ", max relative difference {r:.3e}");
                }
                let _ = writeln!(w);
            }
        }
        let keys = |w: &mut String, title: &str, total: usize, l: &[KeyCount]| {
            if total > 0 {
                let _ = writeln!(w, "\n{title}: {total} row(s)");
                for k in l {
                    if k.rows > 1 {
                        let _ = writeln!(w, "  {} ({} rows)", k.key, k.rows);
                    } else {
                        let _ = writeln!(w, "  {}", k.key);
                    }
                }
            }
        };
        keys(
            w,
            "missing (in theirs only)",
            self.total.missing,
            &self.missing,
        );
        keys(w, "extra (in ours only)", self.total.extra, &self.extra);
        if self.duplicate_keys_total > 0 {
            let _ = writeln!(
                w,
                "\nkeys held by several rows: {}",
                self.duplicate_keys_total
            );
            for d in &self.duplicate_keys {
                let _ = writeln!(w, "  {} (ours {}, theirs {})", d.key, d.ours, d.theirs);
            }
        }
        if self.truncated {
            let _ = writeln!(
                w,
                "\n(lists cut at {} entries; the counts are complete)",
                self.max_details
            );
        }
        let _ = writeln!(w);
        if self.identical {
            let _ = writeln!(
                w,
                "IDENTICAL within tolerance: {} row(s) matched",
                self.total.matched
            );
        } else {
            let _ = writeln!(
                w,
                "DIFFERENT: {} differing row(s), {} missing, {} extra",
                self.total.differing, self.total.missing, self.total.extra
            );
        }
        s
    }
}

// ---------------------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------------------

/// What a work dir (or an IPC file's metadata) says about the run: the default scope and schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunInfo {
    pub schema: Option<String>,
    pub source_uuid: Option<String>,
    pub report_period_id: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

impl RunInfo {
    /// The run's rows: its source, report period and days (summary rows only).
    pub fn scope(&self) -> Scope {
        Scope {
            source_uuid: self.source_uuid.clone(),
            report_period_id: self.report_period_id,
            start_date: self.start_date,
            end_date: self.end_date,
            summary_rows_only: true,
        }
    }
}

/// Read our summary rows from a work dir (after `koku-transform`; the file is checked against
/// `run.json`) or from a `reporting_ocpusagelineitem_daily_summary.arrow` file (dataset and schema
/// checked, no run check: the run comes from the file's metadata).
pub fn read_ipc(path: &Path) -> Result<(Table, RunInfo)> {
    if path.is_dir() {
        let wd = WorkDir::open(path)?;
        wd.require_stage(
            stage::TRANSFORM,
            &format!("; run `koku-transform ocp {}` first", path.display()),
        )?;
        let reader = wd.reader(stage::TRANSFORM, &OCP_DAILY_SUMMARY)?;
        let id = wd.identity();
        let info = RunInfo {
            schema: Some(id.schema.clone()),
            source_uuid: Some(id.source_uuid.clone()),
            report_period_id: Some(id.report_period_id as i64),
            start_date: Some(id.start_date),
            end_date: Some(id.end_date),
        };
        let file = reader.path().to_path_buf();
        let table = ipc_table(reader, &file)?;
        Ok((table, info))
    } else {
        let reader = DatasetReader::open(path, &OCP_DAILY_SUMMARY, None)?;
        let f = File::open(path).map_err(|e| CompareError::Io {
            path: path.to_path_buf(),
            error: e,
        })?;
        let md = arrow::ipc::reader::FileReader::try_new(BufReader::new(f), None)
            .map_err(|e| koku_common::Error::arrow(path, e))?
            .schema()
            .metadata()
            .clone();
        let date = |k: &str| md.get(k).and_then(|v| v.parse::<NaiveDate>().ok());
        let info = RunInfo {
            schema: md.get(meta::TENANT_SCHEMA).cloned(),
            source_uuid: md.get(meta::SOURCE_UUID).cloned(),
            report_period_id: None,
            start_date: date(meta::START_DATE),
            end_date: date(meta::END_DATE),
        };
        let table = ipc_table(reader, path)?;
        Ok((table, info))
    }
}

fn ipc_table(reader: DatasetReader, path: &Path) -> Result<Table> {
    let label = path.display().to_string();
    let columns: Vec<String> = OCP_DAILY_SUMMARY
        .columns
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let mut table = Table::new(label, columns);
    for batch in reader {
        let batch = batch.map_err(|e| koku_common::Error::arrow(path, e))?;
        append_batch(&mut table, &batch)?;
    }
    Ok(table)
}

/// Append the rows of a record batch (columns by name; columns this module does not read are skipped,
/// columns the table has that the batch lacks read as NULL).
pub fn append_batch(table: &mut Table, batch: &RecordBatch) -> Result<()> {
    let first = table.rows.len();
    let n = batch.num_rows();
    let mut rows: Vec<Vec<Value>> = vec![vec![Value::Null; table.columns.len()]; n];
    for (ci, name) in table.columns.clone().iter().enumerate() {
        let Some(kind) = column_kind(name) else {
            continue;
        };
        let Some(array) = batch.column_by_name(name) else {
            continue;
        };
        let bad = |r: usize, v: &str, reason: String| CompareError::Value {
            input: table.label.clone(),
            row: format!("row {}", first + r + 1),
            column: name.clone(),
            value: v.chars().take(80).collect(),
            kind,
            reason,
        };
        match array.data_type() {
            DataType::Utf8 => {
                let a = array.as_string::<i32>();
                for (r, row) in rows.iter_mut().enumerate() {
                    if a.is_valid(r) {
                        let text = a.value(r);
                        row[ci] = Value::parse(kind, text).map_err(|e| bad(r, text, e))?;
                    }
                }
            }
            DataType::LargeUtf8 => {
                let a = array.as_string::<i64>();
                for (r, row) in rows.iter_mut().enumerate() {
                    if a.is_valid(r) {
                        let text = a.value(r);
                        row[ci] = Value::parse(kind, text).map_err(|e| bad(r, text, e))?;
                    }
                }
            }
            DataType::Float64 => {
                let a = array.as_primitive::<Float64Type>();
                for (r, row) in rows.iter_mut().enumerate() {
                    if a.is_valid(r) {
                        row[ci] = Value::Float(a.value(r));
                    }
                }
            }
            DataType::Int32 => {
                let a = array.as_primitive::<Int32Type>();
                for (r, row) in rows.iter_mut().enumerate() {
                    if a.is_valid(r) {
                        row[ci] = Value::Int(a.value(r) as i64);
                    }
                }
            }
            DataType::Int64 => {
                let a = array.as_primitive::<Int64Type>();
                for (r, row) in rows.iter_mut().enumerate() {
                    if a.is_valid(r) {
                        row[ci] = Value::Int(a.value(r));
                    }
                }
            }
            DataType::Date32 => {
                let a = array.as_primitive::<Date32Type>();
                for (r, row) in rows.iter_mut().enumerate() {
                    if a.is_valid(r) {
                        let days = a.value(r);
                        let d = arrow::temporal_conversions::date32_to_datetime(days)
                            .map(|dt| dt.date())
                            .ok_or_else(|| bad(r, &days.to_string(), "out of range".into()))?;
                        row[ci] = Value::Date(d);
                    }
                }
            }
            other => {
                return Err(CompareError::Input {
                    input: table.label.clone(),
                    reason: format!("column {name} has unsupported type {other}"),
                });
            }
        }
    }
    table.rows.extend(rows);
    Ok(())
}

/// Read a CSV export with a header line (see [`CsvRecords`]). Columns are matched by name; columns this
/// module does not compare or filter on are skipped. Numerics such as `93.000000000000000` are read as
/// f64, jsonb text such as `{"app": "web"}` as JSON.
pub fn read_csv(path: &Path) -> Result<Table> {
    let f = File::open(path).map_err(|e| CompareError::Io {
        path: path.to_path_buf(),
        error: e,
    })?;
    read_csv_from(BufReader::new(f), path.display().to_string())
}

/// [`read_csv`] from any reader; `input` names it in messages.
pub fn read_csv_from(reader: impl BufRead, input: impl Into<String>) -> Result<Table> {
    let input = input.into();
    let mut records = CsvRecords::new(reader, input.clone());
    let Some((_, header)) = records.next_record()? else {
        return Err(CompareError::Input {
            input,
            reason: "empty file: expected a header line (export with CSV HEADER)".into(),
        });
    };
    let mut names = Vec::with_capacity(header.len());
    for (i, h) in header.into_iter().enumerate() {
        let Some(h) = h.filter(|h| !h.is_empty()) else {
            return Err(CompareError::Csv {
                input,
                line: 1,
                reason: format!("header field {} is empty", i + 1),
            });
        };
        if names.contains(&h) {
            return Err(CompareError::Csv {
                input,
                line: 1,
                reason: format!("column {h:?} appears twice in the header"),
            });
        }
        names.push(h);
    }
    // (position in the record, kind) of the columns kept
    let kept: Vec<(usize, Kind)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| column_kind(n).map(|k| (i, k)))
        .collect();
    let mut table = Table::new(
        input.clone(),
        kept.iter().map(|(i, _)| names[*i].clone()).collect(),
    );
    table.skipped_columns = names
        .iter()
        .filter(|n| column_kind(n).is_none())
        .cloned()
        .collect();
    while let Some((line, fields)) = records.next_record()? {
        if fields.len() != names.len() {
            return Err(CompareError::Csv {
                input,
                line,
                reason: format!(
                    "{} fields, but the header has {} columns",
                    fields.len(),
                    names.len()
                ),
            });
        }
        let mut row = Vec::with_capacity(kept.len());
        for &(i, kind) in &kept {
            row.push(match &fields[i] {
                None => Value::Null,
                Some(text) => Value::parse(kind, text).map_err(|reason| CompareError::Value {
                    input: input.clone(),
                    row: format!("line {line}"),
                    column: names[i].clone(),
                    value: text.chars().take(80).collect(),
                    kind,
                    reason,
                })?,
            });
        }
        table.rows.push(row);
    }
    Ok(table)
}

/// An error and its causes on one line, each said once.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text.push_str(": ");
            text.push_str(&c_text);
        }
        cause = c.source();
    }
    text.replace('\n', " ")
}

/// Quote an SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Read koku's rows straight from PostgreSQL: `schema.table` (default table [`SUMMARY_TABLE`]), the
/// columns this module compares or filters on (others are listed as skipped), restricted in SQL to the
/// scope's source, report period and days (the summary-rows-only filter is applied by [`compare`], so
/// the report can count what it left out). Runs in a read-only transaction. The label and every error
/// name the database by [`DbConfig`]'s display, which never shows a password.
pub fn read_postgres(db: &DbConfig, schema: &str, table: &str, scope: &Scope) -> Result<Table> {
    let shown = db.to_string();
    let db_err = |what: &str| {
        let shown = shown.clone();
        let what = what.to_string();
        move |e: postgres::Error| CompareError::Database {
            db: shown.clone(),
            what: what.clone(),
            reason: with_causes(&e),
        }
    };
    let mut client = db.connect().map_err(db_err("connect"))?;
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(db_err("begin a read-only transaction"))?;
    let all: Vec<String> = tx
        .query(
            "SELECT column_name::text FROM information_schema.columns \
              WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
            &[&schema, &table],
        )
        .map_err(db_err("list the table's columns"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let label = format!("{schema}.{table} on {shown}");
    if all.is_empty() {
        return Err(CompareError::Input {
            input: label,
            reason: "no such table or view (or no access to it); check --schema and --table".into(),
        });
    }
    let kept: Vec<(String, Kind)> = all
        .iter()
        .filter_map(|n| column_kind(n).map(|k| (n.clone(), k)))
        .collect();
    let select: Vec<String> = kept
        .iter()
        .map(|(n, k)| {
            let q = quote_ident(n);
            match k {
                Kind::Float => format!("{q}::float8"),
                Kind::Int => format!("{q}::int8"),
                _ => format!("{q}::text"),
            }
        })
        .collect();
    let has = |c: &str| all.iter().any(|n| n == c);
    let mut conds: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn postgres::types::ToSql + Sync>> = Vec::new();
    if let Some(s) = &scope.source_uuid
        && has("source_uuid")
    {
        params.push(Box::new(s.to_ascii_lowercase()));
        conds.push(format!("source_uuid::text = ${}", params.len()));
    }
    if let Some(r) = scope.report_period_id
        && has("report_period_id")
    {
        params.push(Box::new(r));
        conds.push(format!("report_period_id = ${}::int8", params.len()));
    }
    if let Some(d) = scope.start_date
        && has("usage_start")
    {
        params.push(Box::new(d));
        conds.push(format!("usage_start >= ${}::date", params.len()));
    }
    if let Some(d) = scope.end_date
        && has("usage_start")
    {
        params.push(Box::new(d));
        conds.push(format!("usage_start <= ${}::date", params.len()));
    }
    let sql = format!(
        "SELECT {} FROM {}.{}{}",
        select.join(", "),
        quote_ident(schema),
        quote_ident(table),
        if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        }
    );
    let mut out = Table::new(label.clone(), kept.iter().map(|(n, _)| n.clone()).collect());
    out.skipped_columns = all
        .iter()
        .filter(|n| column_kind(n).is_none())
        .cloned()
        .collect();
    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| &**p).collect();
    let mut rows = tx
        .query_raw(&sql, refs.iter().map(|p| *p as &dyn postgres::types::ToSql))
        .map_err(db_err("select the rows"))?;
    use postgres::fallible_iterator::FallibleIterator;
    let mut n = 0usize;
    while let Some(r) = rows.next().map_err(db_err("read the rows"))? {
        n += 1;
        let mut row = Vec::with_capacity(kept.len());
        for (i, (name, kind)) in kept.iter().enumerate() {
            let v = match kind {
                Kind::Float => r
                    .try_get::<_, Option<f64>>(i)
                    .map(|x| Ok(x.map_or(Value::Null, Value::Float))),
                Kind::Int => r
                    .try_get::<_, Option<i64>>(i)
                    .map(|x| Ok(x.map_or(Value::Null, Value::Int))),
                _ => r.try_get::<_, Option<String>>(i).map(|x| match x {
                    None => Ok(Value::Null),
                    Some(text) => Value::parse(*kind, &text)
                        .map_err(|reason| (text.chars().take(80).collect::<String>(), reason)),
                }),
            }
            .map_err(db_err(&format!("read column {name}")))?;
            row.push(v.map_err(|(value, reason)| CompareError::Value {
                input: label.clone(),
                row: format!("row {n}"),
                column: name.clone(),
                value,
                kind: *kind,
                reason,
            })?);
        }
        out.rows.push(row);
    }
    Ok(out)
}

impl From<CsvError> for CompareError {
    fn from(e: CsvError) -> Self {
        CompareError::Csv {
            input: e.input,
            line: e.line,
            reason: e.reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }
    fn j(s: &str) -> Value {
        Value::json(s).unwrap()
    }
    fn d(s: &str) -> Value {
        Value::Date(s.parse().unwrap())
    }

    fn pod(ns: &str, node: &str, labels: &str, cpu: f64) -> BTreeMap<String, Value> {
        let mut m = base();
        m.insert("data_source".into(), t("Pod"));
        m.insert("namespace".into(), t(ns));
        m.insert("node".into(), t(node));
        m.insert("pod_labels".into(), j(labels));
        m.insert("all_labels".into(), j(labels));
        m.insert("pod_usage_cpu_core_hours".into(), Value::Float(cpu));
        m
    }

    fn unalloc(ns: Option<&str>, node: &str, cat: Option<i64>) -> BTreeMap<String, Value> {
        let mut m = base();
        m.insert("data_source".into(), t("Pod"));
        m.insert("namespace".into(), ns.map_or(Value::Null, t));
        m.insert("node".into(), t(node));
        m.insert("all_labels".into(), j("{}"));
        m.insert(
            "cost_category_id".into(),
            cat.map_or(Value::Null, Value::Int),
        );
        m.insert("pod_usage_cpu_core_hours".into(), Value::Float(93.0));
        m
    }

    fn storage(pvc: &str, node: Option<&str>, labels: &str) -> BTreeMap<String, Value> {
        let mut m = base();
        m.insert("data_source".into(), t("Storage"));
        m.insert("namespace".into(), t("web"));
        m.insert("node".into(), node.map_or(Value::Null, t));
        m.insert("persistentvolumeclaim".into(), t(pvc));
        m.insert("persistentvolume".into(), t("pv-1"));
        m.insert("storageclass".into(), t("gp3"));
        m.insert("volume_labels".into(), j(labels));
        m.insert(
            "persistentvolumeclaim_capacity_gigabyte_months".into(),
            Value::Float(10.0 / 31.0),
        );
        m
    }

    /// Every required column NULL, plus the run's columns.
    fn base() -> BTreeMap<String, Value> {
        let mut m: BTreeMap<String, Value> = REQUIRED_COLUMNS
            .iter()
            .map(|c| (c.to_string(), Value::Null))
            .collect();
        m.insert("usage_start".into(), d("2025-10-01"));
        m.insert("usage_end".into(), d("2025-10-01"));
        m.insert(
            "source_uuid".into(),
            t("11111111-1111-1111-1111-111111111111"),
        );
        m.insert("report_period_id".into(), Value::Int(7));
        m
    }

    fn sample() -> Vec<BTreeMap<String, Value>> {
        vec![
            pod("web", "node-a", r#"{"app":"web","env":"prod"}"#, 1.0),
            pod("web", "node-a", r#"{"app":"web","env":"ns-env"}"#, 2.0),
            storage("data-web", Some("node-a"), r#"{"app":"db-pv"}"#),
            storage("orphan", None, r#"{"env":"ns-env"}"#),
            unalloc(Some("Worker unallocated"), "node-a", None),
            unalloc(Some("Platform unallocated"), "node-b", Some(1)),
        ]
    }

    fn run(ours: Vec<BTreeMap<String, Value>>, theirs: Vec<BTreeMap<String, Value>>) -> Report {
        compare(
            &Table::from_maps("ours", ours),
            &Table::from_maps("theirs", theirs),
            &Options::default(),
        )
        .unwrap()
    }

    #[test]
    fn canonical_json_is_jsonb_equality() {
        assert_eq!(
            canonical_json(r#"{"env": "prod", "app": "web"}"#).unwrap(),
            r#"{"app":"web","env":"prod"}"#
        );
        assert_eq!(
            canonical_json(r#"{"cpu": 0.000000000, "memory": 0.0, "storage": 0}"#).unwrap(),
            r#"{"cpu":0,"memory":0,"storage":0}"#
        );
        // jsonb keeps the last of duplicate keys
        assert_eq!(canonical_json(r#"{"a":1,"a":2}"#).unwrap(), r#"{"a":2}"#);
        assert_eq!(
            canonical_json(r#"{"k": "é \" / \u00e9"}"#).unwrap(),
            r#"{"k":"é \" / é"}"#
        );
        assert_ne!(j("{}"), Value::Null);
        assert!(canonical_json("{bad").is_err());
    }

    #[test]
    fn kinds_follow_the_pg_columns() {
        assert_eq!(column_kind("pod_labels"), Some(Kind::Json));
        assert_eq!(column_kind("infrastructure_usage_cost"), Some(Kind::Json));
        assert_eq!(column_kind("source_uuid"), Some(Kind::Uuid));
        assert_eq!(column_kind("usage_start"), Some(Kind::Date));
        assert_eq!(column_kind("cost_category_id"), Some(Kind::Int));
        assert_eq!(column_kind("pod_usage_cpu_core_hours"), Some(Kind::Float));
        assert_eq!(column_kind("row_kind"), Some(Kind::Text));
        assert_eq!(column_kind("infrastructure_raw_cost"), Some(Kind::Float));
        assert_eq!(column_kind("uuid"), None);
        assert_eq!(column_kind("cost_model_cpu_cost"), None);
    }

    #[test]
    fn classification() {
        let c = RowKind::classify;
        assert_eq!(c(&t("Storage"), &t("web"), &Value::Null), RowKind::Storage);
        assert_eq!(c(&t("Pod"), &t("web"), &j("{}")), RowKind::Pod);
        assert_eq!(
            c(&t("Pod"), &t("Worker unallocated"), &Value::Null),
            RowKind::Unallocated
        );
        assert_eq!(
            c(&t("Pod"), &Value::Null, &Value::Null),
            RowKind::Unallocated
        );
        // a pod row of a namespace called like that still has labels
        assert_eq!(
            c(&t("Pod"), &t("Platform unallocated"), &j("{}")),
            RowKind::Pod
        );
        assert_eq!(c(&Value::Null, &t("x"), &Value::Null), RowKind::Other);
    }

    #[test]
    fn identical_tables_in_another_order() {
        let mut theirs = sample();
        theirs.reverse();
        let r = run(sample(), theirs);
        assert!(r.identical, "{}", r.to_text());
        assert_eq!(r.total.matched, 6);
        assert_eq!(r.counts[&RowKind::Pod].matched, 2);
        assert_eq!(r.counts[&RowKind::Storage].matched, 2);
        assert_eq!(r.counts[&RowKind::Unallocated].matched, 2);
        assert!(r.to_text().contains("IDENTICAL"));
    }

    #[test]
    fn one_changed_measure_is_one_difference() {
        let mut theirs = sample();
        theirs[0].insert("pod_usage_cpu_core_hours".into(), Value::Float(2.0));
        let r = run(sample(), theirs);
        assert!(!r.identical);
        assert_eq!(r.total.differing, 1);
        assert_eq!(r.differing_values, 1);
        let d = &r.differences[0];
        assert_eq!(d.column, "pod_usage_cpu_core_hours");
        assert_eq!(d.ours, Value::Float(1.0));
        assert_eq!(d.theirs, Value::Float(2.0));
        assert_eq!(d.rel_diff, Some(0.5));
        assert_eq!(d.key.kind, RowKind::Pod);
        assert_eq!(d.key.get("namespace"), Some(t("web")));
        assert_eq!(
            d.key.get("pod_labels"),
            Some(j(r#"{"env":"prod","app":"web"}"#))
        );
        let text = r.to_text();
        assert!(
            text.contains(
                r#"pod usage_start=2025-10-01 namespace="web" node="node-a" pod_labels={"app":"web","env":"prod"}"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "pod_usage_cpu_core_hours: ours 1, theirs 2 (relative difference 5.000e-1)"
            ),
            "{text}"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["differences"][0]["key"]["pod_labels"]["env"], "prod");
        assert_eq!(json["differences"][0]["theirs"], 2.0);
        assert_eq!(json["counts"]["pod"]["differing"], 1);
    }

    #[test]
    fn tolerance_relative_and_absolute() {
        let mut theirs = sample();
        // relative 1e-14 on 1.0: inside the default 1e-12
        theirs[0].insert("pod_usage_cpu_core_hours".into(), Value::Float(1.0 + 1e-14));
        // numeric(33,15) rounding of 10/31
        theirs[2].insert(
            "persistentvolumeclaim_capacity_gigabyte_months".into(),
            Value::Float("0.322580645161290".parse().unwrap()),
        );
        assert!(run(sample(), theirs.clone()).identical);
        // a tiny value rounded to 0 by numeric(33,15): relative 1, absolute 4e-16
        let mut ours = sample();
        ours[1].insert("pod_usage_cpu_core_hours".into(), Value::Float(4e-16));
        theirs[1].insert("pod_usage_cpu_core_hours".into(), Value::Float(0.0));
        assert!(run(ours.clone(), theirs.clone()).identical);
        // outside: 1e-9 relative
        theirs[0].insert("pod_usage_cpu_core_hours".into(), Value::Float(1.0 + 1e-9));
        let r = run(ours.clone(), theirs.clone());
        assert_eq!(r.differing_values, 1);
        assert!(r.differences[0].rel_diff.unwrap() > 9e-10);
        // NULL vs 0 is a difference
        theirs[0].insert("pod_usage_cpu_core_hours".into(), Value::Null);
        let r = run(ours, theirs);
        assert_eq!(r.differences[0].theirs, Value::Null);
        assert_eq!(r.differences[0].rel_diff, None);
    }

    #[test]
    fn labels_compare_as_maps_and_null_is_not_empty() {
        let mut theirs = sample();
        theirs[0].insert("all_labels".into(), j(r#"{"env": "prod", "app": "web"}"#));
        assert!(run(sample(), theirs.clone()).identical);
        // all_labels {} vs NULL on an unallocated row
        theirs[4].insert("all_labels".into(), Value::Null);
        let r = run(sample(), theirs);
        assert_eq!(r.differing_values, 1);
        assert_eq!(r.differences[0].column, "all_labels");
        assert_eq!(r.differences[0].ours, j("{}"));
        assert_eq!(r.differences[0].theirs, Value::Null);
        assert_eq!(r.differences[0].key.kind, RowKind::Unallocated);
    }

    #[test]
    fn missing_and_extra_rows() {
        let mut theirs = sample();
        let removed = theirs.remove(3); // the orphan storage row
        theirs.push(pod("other", "node-b", "{}", 5.0));
        let r = run(sample(), theirs);
        assert_eq!(r.total.extra, 1);
        assert_eq!(r.total.missing, 1);
        assert_eq!(r.total.differing, 0);
        assert_eq!(r.extra[0].key.kind, RowKind::Storage);
        assert_eq!(
            r.extra[0].key.get("persistentvolumeclaim"),
            removed.get("persistentvolumeclaim").cloned()
        );
        assert_eq!(r.extra[0].key.get("node"), Some(Value::Null));
        assert_eq!(r.missing[0].key.get("namespace"), Some(t("other")));
        let text = r.to_text();
        assert!(
            text.contains("missing (in theirs only): 1 row(s)"),
            "{text}"
        );
        assert!(text.contains("extra (in ours only): 1 row(s)"), "{text}");
    }

    #[test]
    fn a_pod_label_change_is_a_missing_and_an_extra_row() {
        // labels are part of the key
        let mut theirs = sample();
        theirs[0].insert("pod_labels".into(), j(r#"{"app":"web","env":"dev"}"#));
        let r = run(sample(), theirs);
        assert_eq!((r.total.missing, r.total.extra), (1, 1));
    }

    #[test]
    fn unallocated_key_has_the_cost_category() {
        let mut theirs = sample();
        theirs[5].insert("cost_category_id".into(), Value::Int(2));
        let r = run(sample(), theirs);
        assert_eq!((r.total.missing, r.total.extra), (1, 1));
        assert_eq!(
            r.missing[0].key.get("cost_category_id"),
            Some(Value::Int(2))
        );
        // ... whereas on a pod row it is a value
        let mut theirs = sample();
        theirs[0].insert("cost_category_id".into(), Value::Int(2));
        let r = run(sample(), theirs);
        assert_eq!(r.differences[0].column, "cost_category_id");
    }

    #[test]
    fn duplicate_keys_are_a_multiset() {
        // the same unallocated row twice on both sides (two patterns with one id): no difference
        let mut ours = sample();
        ours.push(ours[5].clone());
        let r = run(ours.clone(), ours.clone());
        assert!(r.identical);
        assert_eq!(r.duplicate_keys_total, 1);
        assert_eq!(r.duplicate_keys[0].ours, 2);
        // twice in ours, once in theirs: one extra row, reported with its counts
        let r = run(ours.clone(), sample());
        assert_eq!(r.total.extra, 1);
        assert_eq!(r.total.matched, 6);
        assert_eq!(r.extra[0].rows, 1);
        assert_eq!(
            (r.duplicate_keys[0].ours, r.duplicate_keys[0].theirs),
            (2, 1)
        );
        // twice on both sides, one pair differs: equal rows are paired first
        let mut theirs = ours.clone();
        theirs[6].insert("pod_usage_cpu_core_hours".into(), Value::Float(1.0));
        let r = run(ours, theirs);
        assert_eq!(r.total.matched, 6);
        assert_eq!(r.total.differing, 1);
        assert_eq!(r.differences[0].theirs, Value::Float(1.0));
    }

    #[test]
    fn scope_and_summary_rows() {
        let mut theirs = sample();
        let mut other_day = pod("web", "node-a", "{}", 1.0);
        other_day.insert("usage_start".into(), d("2025-09-30"));
        theirs.push(other_day);
        let mut other_source = pod("web", "node-a", "{}", 1.0);
        other_source.insert(
            "source_uuid".into(),
            t("22222222-2222-2222-2222-222222222222"),
        );
        theirs.push(other_source);
        let mut cost_model = pod("web", "node-a", "{}", 1.0);
        cost_model.insert("cost_model_rate_type".into(), t("Supplementary"));
        theirs.push(cost_model);
        let mut on_cloud = pod("web", "node-a", "{}", 1.0);
        on_cloud.insert("infrastructure_raw_cost".into(), Value::Float(3.5));
        theirs.push(on_cloud);
        let mut zero_cost = sample().remove(0);
        zero_cost.insert("infrastructure_raw_cost".into(), Value::Float(0.0));
        theirs[0] = zero_cost;
        let opts = Options {
            scope: Scope {
                source_uuid: Some("11111111-1111-1111-1111-111111111111".to_uppercase()),
                report_period_id: Some(7),
                start_date: Some("2025-10-01".parse().unwrap()),
                end_date: Some("2025-10-31".parse().unwrap()),
                summary_rows_only: true,
            },
            ..Options::default()
        };
        let ours = Table::from_maps("ours", sample());
        let theirs = Table::from_maps("theirs", theirs);
        let r = compare(&ours, &theirs, &opts).unwrap();
        assert!(r.identical, "{}", r.to_text());
        assert_eq!(r.theirs.out_of_scope, 2);
        assert_eq!(r.theirs.not_summary_rows, 2);
        assert_eq!(r.theirs.rows_compared, 6);
        // without the scope the four rows are missing from ours
        let r = compare(&ours, &theirs, &Options::default()).unwrap();
        assert_eq!(r.total.missing, 4);
    }

    #[test]
    fn columns_on_one_side_only_are_not_compared() {
        let mut ours = sample();
        for r in &mut ours {
            r.insert("row_kind".into(), t("whatever"));
            r.insert("csi_volume_handle".into(), Value::Null);
        }
        let mut theirs = sample();
        for r in &mut theirs {
            r.remove("usage_end");
        }
        let r = run(ours, theirs);
        assert!(r.identical);
        assert_eq!(
            r.only_in_ours,
            vec!["row_kind", "usage_end", "csi_volume_handle"]
        );
        assert!(!r.compared_columns.contains(&"usage_end".to_string()));
    }

    #[test]
    fn a_missing_key_column_is_an_error() {
        let mut theirs = sample();
        for r in &mut theirs {
            r.remove("volume_labels");
        }
        let err = compare(
            &Table::from_maps("ours", sample()),
            &Table::from_maps("koku.csv", theirs),
            &Options::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("koku.csv: no column \"volume_labels\""),
            "{err}"
        );
    }

    #[test]
    fn max_details_cuts_lists_not_counts() {
        let mut theirs = sample();
        for r in &mut theirs {
            r.insert("usage_end".into(), d("2025-10-02"));
        }
        let r = compare(
            &Table::from_maps("ours", sample()),
            &Table::from_maps("theirs", theirs),
            &Options {
                max_details: 2,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(r.differing_values, 6);
        assert_eq!(r.differences.len(), 2);
        assert!(r.truncated);
        assert_eq!(r.column_stats["usage_end"].differences, 6);
    }

    fn csv(text: &str) -> Result<Table> {
        read_csv_from(text.as_bytes(), "x.csv")
    }

    #[test]
    fn csv_null_empty_quotes_and_newlines() {
        let mut recs = CsvRecords::new(
            "a,b,c\r\n,\"\",\"x,\"\"y\"\"\nz\"\n\n1,2,3".as_bytes(),
            "x.csv",
        );
        assert_eq!(
            recs.next_record().unwrap().unwrap(),
            (
                1,
                vec![Some("a".into()), Some("b".into()), Some("c".into())]
            )
        );
        assert_eq!(
            recs.next_record().unwrap().unwrap(),
            (
                2,
                vec![None, Some(String::new()), Some("x,\"y\"\nz".into())]
            )
        );
        assert_eq!(
            recs.next_record().unwrap().unwrap(),
            (
                5,
                vec![Some("1".into()), Some("2".into()), Some("3".into())]
            )
        );
        assert!(recs.next_record().unwrap().is_none());
    }

    #[test]
    fn csv_pg_export_types() {
        let t = csv(
            "\u{feff}uuid,usage_start,namespace,resource_id,pod_labels,pod_usage_cpu_core_hours,cost_category_id,source_uuid\n\
             0e2f...,2025-10-01,web,\"\",\"{\"\"env\"\": \"\"prod\"\", \"\"app\"\": \"\"web\"\"}\",93.000000000000000,,11111111-1111-1111-1111-11111111111A\n",
        )
        .unwrap();
        assert_eq!(t.skipped_columns, vec!["uuid"]);
        assert_eq!(t.get(0, "usage_start"), Some(&d("2025-10-01")));
        assert_eq!(t.get(0, "resource_id"), Some(&Value::Text(String::new())));
        assert_eq!(
            t.get(0, "pod_labels"),
            Some(&j(r#"{"app":"web","env":"prod"}"#))
        );
        assert_eq!(
            t.get(0, "pod_usage_cpu_core_hours"),
            Some(&Value::Float(93.0))
        );
        assert_eq!(t.get(0, "cost_category_id"), Some(&Value::Null));
        assert_eq!(
            t.get(0, "source_uuid"),
            Some(&Value::Text("11111111-1111-1111-1111-11111111111a".into()))
        );
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let e = csv("usage_start,pod_usage_cpu_core_hours\n2025-10-01,1\n2025-10-01,abc\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "x.csv: line 3, column pod_usage_cpu_core_hours: cannot read \"abc\" as a number"
            ),
            "{e}"
        );
        let e = csv("usage_start,node\n2025-10-01\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.csv: line 2: 1 fields, but the header has 2 columns"),
            "{e}"
        );
        let e = csv("node\n\"open\n").unwrap_err().to_string();
        assert!(e.contains("line 2: a quoted field is not closed"), "{e}");
        let e = csv("").unwrap_err().to_string();
        assert!(e.contains("expected a header line"), "{e}");
        let e = csv("pod_labels\n\"{bad\"\n").unwrap_err().to_string();
        assert!(
            e.contains("line 2, column pod_labels: cannot read \"{bad\" as JSON"),
            "{e}"
        );
    }
}
