//! The natural key of a row: its kind and the values of the kind's key columns.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::definition::RowKind;
use crate::value::Value;

/// One key column's value (labels and sets as canonical JSON), hashable and ordered.
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
    /// The key of a row of `kind` whose key columns are at `columns`.
    pub(crate) fn of_row(kind: RowKind, columns: &[usize], row: &[Value]) -> Key {
        let parts = columns
            .iter()
            .map(|&c| KeyPart::from_value(&row[c]))
            .collect();
        Key { kind, parts }
    }

    /// `(column, value)` pairs of the key.
    pub fn fields(&self) -> Vec<(&'static str, Value)> {
        self.kind
            .key
            .iter()
            .copied()
            .zip(self.parts.iter().map(KeyPart::to_value))
            .collect()
    }

    /// The value of key column `column`, if it is one.
    pub fn get(&self, column: &str) -> Option<Value> {
        self.kind
            .key
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
