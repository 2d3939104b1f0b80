//! SQL identifiers. The tenant schema comes from `run.json` or the command line and table names are
//! built from dates, so every identifier that goes into SQL text is double-quoted here (never spliced
//! raw). Values always travel as bind parameters instead.

use std::fmt;

/// koku's partition tracking table of a tenant schema.
pub const PARTITIONED_TABLES: &str = "partitioned_tables";

/// `"name"` with embedded quotes doubled: safe for any name PostgreSQL accepts.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A schema-qualified relation, rendered as `"schema"."table"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: &str, name: &str) -> Self {
        QualifiedName {
            schema: schema.to_string(),
            name: name.to_string(),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.name)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_embedded_quotes() {
        assert_eq!(quote_ident("org1234567"), "\"org1234567\"");
        assert_eq!(quote_ident("a\"b; drop"), "\"a\"\"b; drop\"");
        assert_eq!(
            QualifiedName::new("Org-1", "reporting_ocpusagelineitem_daily_summary").to_string(),
            "\"Org-1\".\"reporting_ocpusagelineitem_daily_summary\""
        );
    }
}
