//! Typed cells: how a column is read (from Arrow, CSV text or PostgreSQL's `::text`) and what makes two
//! values equal.

use std::fmt::{self, Write as _};

use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::Serializer;

/// How a column is read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Exact text.
    Text,
    /// A uuid: exact, case-insensitive (stored lowercase).
    Uuid,
    /// A JSON value, compared as jsonb compares.
    Json,
    /// A set of texts (a `text[]` whose order koku does not define, such as `resource_ids`): compared
    /// as a set.
    TextSet,
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
            Kind::TextSet => "an array of texts ({a,b} or [\"a\",\"b\"])",
            Kind::Float => "a number",
            Kind::Int => "an integer",
            Kind::Date => "a date (YYYY-MM-DD)",
        })
    }
}

/// One typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    /// Canonical JSON text ([`canonical_json`]): equal texts ⇔ equal jsonb values. A [`Kind::TextSet`]
    /// is held as the JSON array of its distinct elements, sorted ([`Value::text_set`]), so equal sets
    /// have equal texts.
    Json(String),
}

impl Value {
    /// A JSON value from any JSON text (canonicalised).
    pub fn json(text: &str) -> Result<Value, String> {
        canonical_json(text).map(Value::Json)
    }

    /// A set of texts (`None` = a NULL element, which PostgreSQL arrays can hold).
    pub fn text_set(items: impl IntoIterator<Item = Option<String>>) -> Value {
        let mut items: Vec<Option<String>> = items.into_iter().collect();
        items.sort();
        items.dedup();
        Value::Json(serde_json::to_string(&items).expect("texts serialise"))
    }

    /// Parse the text form of a cell (CSV export, PostgreSQL `::text`).
    pub fn parse(kind: Kind, text: &str) -> Result<Value, String> {
        match kind {
            Kind::Text => Ok(Value::Text(text.to_string())),
            Kind::Uuid => Ok(Value::Text(text.trim().to_ascii_lowercase())),
            Kind::Json => Value::json(text),
            Kind::TextSet => parse_text_array(text).map(Value::text_set),
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

    pub(crate) fn as_text(&self) -> Option<&str> {
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

/// The elements of a one-dimensional array of texts, written either as PostgreSQL writes a `text[]`
/// (`{i-aaa,"a b",NULL}`: in a CSV export and in `::text`) or as a JSON array of strings and nulls.
pub fn parse_text_array(text: &str) -> Result<Vec<Option<String>>, String> {
    let t = text.trim();
    if t.starts_with('[') {
        return serde_json::from_str::<Vec<Option<String>>>(t)
            .map_err(|e| format!("not a JSON array of strings: {e}"));
    }
    let inner = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or("expected a PostgreSQL array {…} or a JSON array […]")?;
    parse_pg_array_elements(inner)
}

/// The elements between the braces of PostgreSQL's array output: comma-separated; an element is quoted
/// (`"…"`, with `\"` and `\\` inside) when it is empty or holds a special character; an unquoted `NULL`
/// is a NULL element.
fn parse_pg_array_elements(inner: &str) -> Result<Vec<Option<String>>, String> {
    let mut items = Vec::new();
    if inner.trim().is_empty() {
        return Ok(items);
    }
    let mut chars = inner.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            Some('"') => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("a quoted array element is not closed".into()),
                        Some('\\') => s.push(chars.next().ok_or("a backslash ends the array")?),
                        Some('"') => break,
                        Some(c) => s.push(c),
                    }
                }
                items.push(Some(s));
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
            }
            Some('{') => return Err("nested arrays are not supported".into()),
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    match c {
                        ',' => break,
                        '"' | '{' | '}' => return Err(format!("unexpected {c:?} in an array")),
                        '\\' => {
                            chars.next();
                            s.push(chars.next().ok_or("a backslash ends the array")?);
                        }
                        _ => {
                            s.push(c);
                            chars.next();
                        }
                    }
                }
                let s = s.trim_end();
                if s.is_empty() {
                    return Err("an empty unquoted array element".into());
                }
                items.push((!s.eq_ignore_ascii_case("NULL")).then(|| s.to_string()));
            }
        }
        match chars.next() {
            None => return Ok(items),
            Some(',') => {}
            Some(c) => return Err(format!("unexpected {c:?} after an array element")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Value {
        Value::json(s).unwrap()
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
    fn text_arrays_in_postgres_and_json_form() {
        let set = |t: &str| Value::parse(Kind::TextSet, t).unwrap();
        // PostgreSQL output: bare, quoted (empty, spaces, quote and backslash escaped), NULL
        assert_eq!(
            parse_text_array(r#"{i-bbb,"",NULL,"a b","q\"x\\y"}"#).unwrap(),
            vec![
                Some("i-bbb".into()),
                Some(String::new()),
                None,
                Some("a b".into()),
                Some(r#"q"x\y"#.into())
            ]
        );
        assert_eq!(
            parse_text_array("{}").unwrap(),
            Vec::<Option<String>>::new()
        );
        // a set: order and repetition do not matter, '' and NULL are elements of their own
        assert_eq!(set("{i-bbb,i-aaa}"), set(r#"["i-aaa","i-bbb","i-aaa"]"#));
        assert_eq!(
            set("{i-aaa,i-bbb}"),
            Value::Json(r#"["i-aaa","i-bbb"]"#.into())
        );
        assert_ne!(set(r#"{""}"#), set("{NULL}"));
        assert_ne!(set(r#"{""}"#), set("{}"));
        assert_ne!(set("{i-aaa}"), set("{i-aaa,i-bbb}"));
        for bad in ["i-aaa", "{\"open}", "{{a}}", "{a,,b}", "[1]", "{a\"b}"] {
            assert!(parse_text_array(bad).is_err(), "{bad}");
        }
    }
}
