//! Value checks where koku's values enter the pipeline, so a bad value is reported with the Parquet
//! object, row and column it came from (not later, by the transform or the load, as a row of a work-dir
//! file). What is refused and what is only counted:
//!
//! * a NaN or ±inf measure is refused: koku sums it into a NaN that its insert into a `numeric` column
//!   rejects, failing the summary;
//! * label/tag text that is not a JSON object of scalar values is refused: koku's
//!   `cast(json_parse(x) AS map(varchar, varchar))` fails the summary the same way; so is a NUL
//!   character (`\u0000`) in such text, which Trino parses but koku's insert into `jsonb` rejects;
//! * a NUL character in any text value is refused: PostgreSQL's `text` cannot hold it, so koku's insert
//!   (of the summary, or of its cluster tables) fails;
//! * a negative measure and a NULL in a grouped column are counted and reported as warnings: koku sums
//!   and groups them as they are (and so do we), but they distort the unallocated capacity and the
//!   per-namespace rows, so the operator should know.
//!
//! Only the rows of the run's window are checked: the others are not summarised.

use std::collections::BTreeMap;
use std::fmt;

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::datatypes::Float64Type;
use koku_common::schema::{ColumnType, Dataset, ValueCheck};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use crate::error::{ExtractError, Result};

/// The checks of one dataset, resolved to column positions of its canonical batches.
#[derive(Debug, Clone, Default)]
pub struct CheckPlan {
    finite: Vec<(usize, &'static str)>,
    text: Vec<(usize, &'static str)>,
    json: Vec<(usize, &'static str)>,
    negative: Vec<(usize, &'static str)>,
    null: Vec<(usize, &'static str)>,
}

impl CheckPlan {
    /// The dataset's checks over batches in its canonical schema.
    pub fn for_dataset(dataset: &'static Dataset) -> CheckPlan {
        let mut plan = CheckPlan::default();
        let at = |c: &'static str| dataset.column_index(c).expect("checked columns exist");
        for (i, (name, ty)) in dataset.columns.iter().enumerate() {
            match ty {
                ColumnType::Float => plan.finite.push((i, name)),
                ColumnType::Text => plan.text.push((i, name)),
                _ => {}
            }
        }
        for c in dataset.parquet().map(|p| p.checks).unwrap_or_default() {
            match *c {
                ValueCheck::JsonObject(n) => plan.json.push((at(n), n)),
                ValueCheck::WarnNegative(n) => plan.negative.push((at(n), n)),
                ValueCheck::WarnNull(n) => plan.null.push((at(n), n)),
            }
        }
        plan
    }

    /// Check the rows of `batch` selected by `keep` (`None`: all); `first_row` is the batch's first
    /// row in the object, `file` the object, for messages. Warnings are added to `findings`.
    pub fn check(
        &self,
        batch: &RecordBatch,
        keep: Option<&BooleanArray>,
        first_row: u64,
        file: &str,
        findings: &mut Findings,
    ) -> Result<()> {
        let kept = |i: usize| keep.is_none_or(|k| k.value(i));
        let bad = |i: usize, column: &'static str, reason: String| ExtractError::BadValue {
            file: file.to_string(),
            row: first_row + i as u64,
            column,
            reason,
        };
        for &(c, name) in &self.finite {
            let a = batch.column(c).as_primitive::<Float64Type>();
            // Fast path: a column without a non-finite value (the normal case) is one pass.
            if a.values().iter().all(|v| v.is_finite()) {
                continue;
            }
            if let Some(i) =
                (0..a.len()).find(|&i| a.is_valid(i) && kept(i) && !a.value(i).is_finite())
            {
                return Err(bad(
                    i,
                    name,
                    format!(
                        "{} is not a number koku can sum into numeric (its insert would fail)",
                        a.value(i)
                    ),
                ));
            }
        }
        for &(c, name) in &self.text {
            let a = batch.column(c).as_string::<i32>();
            // Fast path: no NUL byte anywhere in the column's values (the normal case).
            if !a.values().as_slice().contains(&0) {
                continue;
            }
            if let Some(i) =
                (0..a.len()).find(|&i| a.is_valid(i) && kept(i) && a.value(i).contains('\0'))
            {
                return Err(bad(
                    i,
                    name,
                    format!(
                        "{} holds a NUL character, which PostgreSQL text cannot store (koku's insert would fail)",
                        excerpt(a.value(i))
                    ),
                ));
            }
        }
        for &(c, name) in &self.json {
            let a = batch.column(c).as_string::<i32>();
            let mut previous: Option<&str> = None;
            for i in 0..a.len() {
                if a.is_null(i) || !kept(i) {
                    continue;
                }
                let text = a.value(i);
                // Rows of one pod or volume repeat their labels: check each run of equal texts once.
                if previous == Some(text) {
                    continue;
                }
                json_object(text).map_err(|reason| bad(i, name, reason))?;
                previous = Some(text);
            }
        }
        for &(c, name) in &self.negative {
            let a = batch.column(c).as_primitive::<Float64Type>();
            for i in 0..a.len() {
                if a.is_valid(i) && a.value(i) < 0.0 && kept(i) {
                    findings.add(Finding::Negative, name, file, first_row + i as u64);
                }
            }
        }
        for &(c, name) in &self.null {
            let a = batch.column(c);
            if a.null_count() == 0 {
                continue;
            }
            for i in 0..a.len() {
                if a.is_null(i) && kept(i) {
                    findings.add(Finding::Null, name, file, first_row + i as u64);
                }
            }
        }
        Ok(())
    }
}

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    Negative,
    Null,
}

/// Counted warnings of one dataset: per kind and column, how many rows and the first one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub counts: BTreeMap<(Finding, &'static str), (u64, String, u64)>,
}

impl Findings {
    fn add(&mut self, kind: Finding, column: &'static str, file: &str, row: u64) {
        self.counts
            .entry((kind, column))
            .and_modify(|e| e.0 += 1)
            .or_insert_with(|| (1, file.to_string(), row));
    }

    /// Add another object's counts (its first row is kept only where this has none).
    pub fn merge(&mut self, other: &Findings) {
        for (k, (n, file, row)) in &other.counts {
            self.counts
                .entry(*k)
                .and_modify(|e| e.0 += n)
                .or_insert_with(|| (*n, file.clone(), *row));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// One line per warning: `3 rows with a negative pod_usage_cpu_core_seconds (first: FILE row 7)`.
    pub fn lines(&self) -> Vec<String> {
        self.counts
            .iter()
            .map(|((kind, column), (n, file, row))| {
                let what = match kind {
                    Finding::Negative => format!("a negative {column}"),
                    Finding::Null => format!("a NULL {column}"),
                };
                format!(
                    "{n} row{} with {what} (first: {file} row {row}, 0-based)",
                    if *n == 1 { "" } else { "s" }
                )
            })
            .collect()
    }
}

impl fmt::Display for Findings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("; "))
    }
}

/// Whether `text` is what koku's `cast(json_parse(x) AS map(varchar, varchar))` accepts: one JSON
/// object whose values are strings, numbers, booleans or null (the transform's label parser accepts
/// exactly these).
///
/// A NUL character (`\u0000`) in a key or a value is refused too: Trino parses it, but PostgreSQL's
/// jsonb cannot store it, so koku's insert of the summary fails.
pub fn json_object(text: &str) -> std::result::Result<(), String> {
    let mut de = serde_json::Deserializer::from_str(text);
    FlatObject::deserialize(&mut de)
        .and_then(|_| de.end())
        .map_err(|e| {
            if e.to_string().starts_with(NUL_REFUSED) {
                format!(
                    "holds a \\u0000 (NUL) character, which PostgreSQL's jsonb cannot store (koku's insert would fail): {}",
                    excerpt(text)
                )
            } else {
                format!(
                    "not a JSON object of scalar values ({e}): {}",
                    excerpt(text)
                )
            }
        })
}

/// The error text a NUL in a key or value stops the validation with.
const NUL_REFUSED: &str = "NUL character";

fn refuse_nul<E: de::Error>(s: &str) -> std::result::Result<(), E> {
    if s.contains('\0') {
        Err(E::custom(NUL_REFUSED))
    } else {
        Ok(())
    }
}

fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    format!("{s:?}")
}

/// A JSON object of scalars, validated without building it.
struct FlatObject;

impl<'de> Deserialize<'de> for FlatObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FlatObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut m: A,
            ) -> std::result::Result<FlatObject, A::Error> {
                while m.next_key::<Key>()?.is_some() {
                    m.next_value::<Scalar>()?;
                }
                Ok(FlatObject)
            }
        }
        d.deserialize_map(V)
    }
}

/// An object key, checked for NUL.
struct Key;

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Key, E> {
                refuse_nul(s).map(|()| Key)
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON scalar (string, number, boolean, null).
struct Scalar;

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null value")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Scalar, E> {
                refuse_nul(s).map(|()| Scalar)
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Scalar, E> {
                Ok(Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_objects_of_scalars_only() {
        for ok in [
            "{}",
            r#"{"app": "web", "n": 1, "b": true, "x": null}"#,
            r#"{"k": "\u00e9\"\\"}"#,
            r#"{"k": "a literal \\u0000 is text"}"#,
            " { \"a\" : \"b\" } ",
        ] {
            json_object(ok).unwrap();
        }
        for (bad, why) in [
            (r#"{"a": "x\u0000y"}"#, "\\u0000 (NUL)"),
            (r#"{"a\u0000": "x"}"#, "\\u0000 (NUL)"),
            ("", "EOF"),
            ("not json", "expected"),
            (r#"["a"]"#, "JSON object"),
            (r#"{"a": {"b": "c"}}"#, "string, number, boolean or null"),
            (r#"{"a": ["b"]}"#, "string, number, boolean or null"),
            (r#"{"a": "b"} trailing"#, "trailing"),
            (r#"{"a": "b""#, "EOF"),
        ] {
            let e = json_object(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }
}
