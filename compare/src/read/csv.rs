//! koku's rows exported as CSV with a header (`\copy (SELECT ...) TO 'x.csv' CSV HEADER`), read with
//! PostgreSQL's NULL convention ([`CsvRecords`]).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use koku_common::pgcsv::CsvRecords;

use crate::definition::TableDef;
use crate::error::{CompareError, Result};
use crate::table::Table;
use crate::value::{Kind, Value};

/// Read a CSV export of `def`'s table. Columns are matched by name; columns `def` does not compare or
/// filter on are skipped. Numerics such as `93.000000000000000` are read as f64, jsonb text such as
/// `{"app": "web"}` as JSON, `text[]` such as `{i-aaa,""}` as a set.
pub fn read_csv(def: &TableDef, path: &Path) -> Result<Table> {
    let f = File::open(path).map_err(|e| CompareError::Io {
        path: path.to_path_buf(),
        error: e,
    })?;
    read_csv_from(def, BufReader::new(f), path.display().to_string())
}

/// [`read_csv`] from any reader; `input` names it in messages.
pub fn read_csv_from(
    def: &TableDef,
    reader: impl BufRead,
    input: impl Into<String>,
) -> Result<Table> {
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
        .filter_map(|(i, n)| def.column_kind(n).map(|k| (i, k)))
        .collect();
    let mut table = Table::new(
        input.clone(),
        kept.iter().map(|(i, _)| names[*i].clone()).collect(),
    );
    table.skipped_columns = names
        .iter()
        .filter(|n| def.column_kind(n).is_none())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::ocp::DAILY_SUMMARY as OCP;

    fn d(s: &str) -> Value {
        Value::Date(s.parse().unwrap())
    }
    fn j(s: &str) -> Value {
        Value::json(s).unwrap()
    }

    fn csv(text: &str) -> Result<Table> {
        read_csv_from(&OCP, text.as_bytes(), "x.csv")
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
