//! PostgreSQL inputs shared by the flows: koku's database read in one read-only snapshot, where each
//! value came from ([`Provenance`]), the enabled tag keys, and the CSV files that stand in for koku's
//! tables when there is no database (PostgreSQL's `COPY … CSV` conventions).

use std::path::Path;

use koku_common::config::DbConfig;

use crate::error::{ExtractError, Result};
use crate::layout::quoted_schema;

/// Where a value came from (recorded in `run.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    Database,
    Flag(&'static str),
    /// Neither: the documented default (only `cluster_alias`, NULL).
    Default,
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Provenance::Database => f.write_str("database"),
            Provenance::Flag(flag) => f.write_str(flag),
            Provenance::Default => f.write_str("default"),
        }
    }
}

/// Open koku's database for reading: one read-only, repeatable-read transaction, so every read of the
/// run sees one snapshot, in UTC.
pub fn connect(db: &DbConfig) -> Result<postgres::Client> {
    db.connect()
        .map_err(|e| ExtractError::db(format!("connecting to {db}"), e))
}

/// Start the snapshot transaction on a client from [`connect`].
pub fn snapshot(client: &mut postgres::Client) -> Result<postgres::Transaction<'_>> {
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(|e| ExtractError::db("starting a read-only transaction", e))?;
    tx.batch_execute("SET LOCAL TIME ZONE 'UTC'")
        .map_err(|e| ExtractError::db("setting the session time zone", e))?;
    Ok(tx)
}

/// The enabled tag keys of a provider type (`reporting_enabledtagkeys WHERE enabled AND provider_type
/// = …`), as koku's summary SQL selects them.
pub fn enabled_keys(
    tx: &mut postgres::Transaction<'_>,
    schema: &str,
    provider_type: &str,
) -> Result<Vec<String>> {
    let q = quoted_schema(schema);
    let rows = tx
        .query(
            &format!(
                "SELECT key::text FROM {q}.reporting_enabledtagkeys \
                 WHERE enabled AND provider_type = $1"
            ),
            &[&provider_type],
        )
        .map_err(|e| ExtractError::db(format!("reading {schema}.reporting_enabledtagkeys"), e))?;
    Ok(rows
        .iter()
        .filter_map(|r| r.get::<_, Option<String>>(0))
        .collect())
}

/// Without a database every PostgreSQL input must come from its flag: `flags` lists each as `(flag,
/// given, what it is)`; the error names the first missing flag and explains every missing one.
pub fn require_flags(flags: &[(&'static str, bool, &'static str)]) -> Result<()> {
    let missing: Vec<&(&'static str, bool, &'static str)> =
        flags.iter().filter(|(_, given, _)| !given).collect();
    let Some(first) = missing.first() else {
        return Ok(());
    };
    let detail = missing
        .iter()
        .map(|(f, _, help)| format!("{f} ({help})"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(ExtractError::MissingFlag {
        flag: first.0,
        why: format!(
            "without a database (--database-url, DATABASE_URL or koku's DATABASE_* variables) these inputs must be given as flags: {detail}"
        ),
    })
}

/// Parse `--enabled-keys`: comma-separated, surrounding blanks trimmed, empty items dropped (so an
/// empty string is zero keys).
pub fn parse_enabled_keys(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn normalise_keys(mut keys: Vec<String>) -> Vec<String> {
    keys.sort();
    keys.dedup();
    keys
}

/// A small RFC 4180 CSV reader with PostgreSQL's `COPY ... CSV` NULL convention: an **unquoted**
/// empty field is NULL, a quoted empty field (`""`) is the empty string. So the files can be made
/// with `\copy (SELECT namespace, cost_category_id FROM ...) TO 'f.csv' CSV HEADER`, and NULL vs `''`
/// (which koku treats differently for `node_role`) survives the round trip. Returns the data rows
/// with their line numbers.
pub fn read_csv(path: &Path, header: &[&str]) -> Result<Vec<(usize, Vec<Option<String>>)>> {
    let err = |line: usize, message: String| ExtractError::InputFile {
        path: path.to_path_buf(),
        line,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| err(0, e.to_string()))?;
    let mut reader = koku_common::pgcsv::CsvRecords::new(
        std::io::BufReader::new(file),
        path.display().to_string(),
    );
    let mut records = Vec::new();
    while let Some((line, fields)) = reader
        .next_record()
        .map_err(|e| err(e.line as usize, e.reason))?
    {
        records.push((line as usize, fields));
    }
    let mut iter = records.into_iter();
    let Some((hline, head)) = iter.next() else {
        return Err(err(
            1,
            format!("empty file; expected the header {}", header.join(",")),
        ));
    };
    let got: Vec<String> = head
        .iter()
        .map(|f| f.as_deref().unwrap_or("").trim().to_string())
        .collect();
    if got != header {
        return Err(err(
            hline,
            format!(
                "header is {:?}, expected {}",
                got.join(","),
                header.join(",")
            ),
        ));
    }
    let mut rows = Vec::new();
    for (line, fields) in iter {
        if fields.len() == 1 && fields[0].is_none() {
            continue; // blank line
        }
        if fields.len() != header.len() {
            return Err(err(
                line,
                format!("{} fields, expected {}", fields.len(), header.len()),
            ));
        }
        rows.push((line, fields));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_keys_flag() {
        assert!(parse_enabled_keys("").is_empty());
        assert_eq!(
            parse_enabled_keys(" app , tier,,app"),
            vec!["app", "tier", "app"]
        );
        assert_eq!(normalise_keys(parse_enabled_keys("b,a,b")), vec!["a", "b"]);
    }
}
