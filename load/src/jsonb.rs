//! Sending JSON text that is already serialised (the transform writes label maps as JSON text) to a
//! `jsonb` column without building a `serde_json::Value` per row.
//!
//! The binary wire format of `jsonb` is a version byte `0x01` followed by the JSON text; `json` is the
//! text alone. postgres-types only writes that for `serde_json::Value`/`Json<T>`, and refuses `&str`
//! for jsonb, hence this newtype (rust-deps notes §5).

use std::error::Error;

use bytes::{BufMut, BytesMut};
use postgres::types::{IsNull, ToSql, Type, accepts, to_sql_checked};

/// Version byte of jsonb's binary format.
const JSONB_VERSION: u8 = 1;

/// Why a JSON text cannot be stored in `jsonb`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonbError {
    #[error("invalid JSON: {0}")]
    Syntax(String),
    /// PostgreSQL's jsonb rejects the NUL code point (`unsupported Unicode escape sequence`).
    #[error("contains \\u0000, which PostgreSQL jsonb cannot store")]
    NulEscape,
}

/// JSON text to be written as `jsonb` (or `json`). Checks for `\u0000` when written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonbText<'a>(pub &'a str);

impl<'a> JsonbText<'a> {
    /// Check that `text` is one valid JSON value that jsonb accepts, so a bad value is reported with
    /// its row and column before anything is sent (the server would only name the COPY line).
    pub fn validated(text: &'a str) -> Result<JsonbText<'a>, JsonbError> {
        serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map_err(|e| JsonbError::Syntax(e.to_string()))?;
        if has_nul_escape(text) {
            return Err(JsonbError::NulEscape);
        }
        Ok(JsonbText(text))
    }
}

/// Whether `text` contains a NUL byte or a `\u0000` escape (a backslash that starts an escape, i.e.
/// preceded by an even number of backslashes; `\\u0000` is the literal text `\u0000` and is fine).
pub fn has_nul_escape(text: &str) -> bool {
    let b = text.as_bytes();
    if b.contains(&0) {
        return true;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'u') && b.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            // Skip the escaped character, so `\\` never starts a second escape.
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

impl ToSql for JsonbText<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        if has_nul_escape(self.0) {
            return Err(Box::new(JsonbError::NulEscape));
        }
        if *ty == Type::JSONB {
            out.put_u8(JSONB_VERSION);
        }
        out.put_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    accepts!(JSON, JSONB);
    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_gets_the_version_byte_and_json_does_not() {
        let mut out = BytesMut::new();
        JsonbText(r#"{"a":"b"}"#)
            .to_sql(&Type::JSONB, &mut out)
            .unwrap();
        assert_eq!(&out[..], b"\x01{\"a\":\"b\"}");
        let mut out = BytesMut::new();
        JsonbText("{}").to_sql(&Type::JSON, &mut out).unwrap();
        assert_eq!(&out[..], b"{}");
        assert!(<JsonbText as ToSql>::accepts(&Type::JSONB));
        assert!(!<JsonbText as ToSql>::accepts(&Type::TEXT));
    }

    #[test]
    fn nul_escapes_are_rejected() {
        assert!(has_nul_escape(r#"{"a":"x\u0000y"}"#));
        assert!(has_nul_escape(r#"{"a":"\\\u0000"}"#));
        assert!(has_nul_escape("{\"a\":\"\0\"}"));
        assert!(!has_nul_escape(r#"{"a":"\\u0000"}"#));
        assert!(!has_nul_escape(r#"{"a":"\u0001"}"#));
        let mut out = BytesMut::new();
        assert!(
            JsonbText(r#"{"a":"\u0000"}"#)
                .to_sql(&Type::JSONB, &mut out)
                .is_err()
        );
        assert_eq!(
            JsonbText::validated(r#"{"a":"\u0000"}"#),
            Err(JsonbError::NulEscape)
        );
    }

    #[test]
    fn validation_catches_bad_json() {
        assert!(JsonbText::validated(r#"{"app":"web"}"#).is_ok());
        assert!(JsonbText::validated("{}").is_ok());
        assert!(matches!(
            JsonbText::validated(r#"{"app":"#),
            Err(JsonbError::Syntax(_))
        ));
        assert!(matches!(
            JsonbText::validated("{} {}"),
            Err(JsonbError::Syntax(_))
        ));
    }
}
