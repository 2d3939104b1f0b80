//! PostgreSQL's CSV (`COPY ... TO ... CSV HEADER`, `psql \\copy`), read record by record.
//!
//! Generic CSV readers (the `csv` crate, arrow's) do not tell an unquoted empty field from a quoted one,
//! but PostgreSQL's CSV does: unquoted empty is NULL, `""` is the empty string. koku treats the two
//! differently (an empty `node_role`, `resource_id`), so the files operators export from koku's tables
//! must keep that distinction through our readers (`koku-extract --node-roles/--cost-categories`,
//! `koku-compare --csv`).

use std::io::BufRead;

/// One record: the line it starts on and its fields (`None` = NULL).
pub type Record = (u64, Vec<Option<String>>);

/// A CSV syntax or I/O problem, with the input and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}, line {line}: {reason}")]
pub struct CsvError {
    pub input: String,
    pub line: u64,
    pub reason: String,
}

/// A PostgreSQL-style CSV reader (`COPY ... TO ... CSV HEADER`, `psql \copy`): comma-separated, `"`
/// quoting with `""` inside, records may span lines inside quotes, `\n` or `\r\n` line ends. An
/// unquoted empty field is NULL, a quoted one (`""`) is the empty string — the distinction PostgreSQL's
/// CSV makes, which generic CSV readers drop.
pub struct CsvRecords<R: BufRead> {
    reader: R,
    line: u64,
    input: String,
}

enum CsvIssue {
    Incomplete,
    Invalid(String),
}

/// Parse one complete record (with its line end, if any).
fn parse_csv_record(text: &str) -> Result<Vec<Option<String>>, CsvIssue> {
    let mut fields = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    None => return Err(CsvIssue::Incomplete),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        s.push('"');
                    }
                    Some('"') => break,
                    Some(c) => s.push(c),
                }
            }
            fields.push(Some(s));
            match chars.next() {
                Some(',') => continue,
                None | Some('\n') => break,
                Some('\r') if matches!(chars.peek(), None | Some('\n')) => break,
                Some(c) => {
                    return Err(CsvIssue::Invalid(format!(
                        "unexpected {c:?} after the closing quote of field {}",
                        fields.len()
                    )));
                }
            }
        } else {
            let mut s = String::new();
            let mut end = false;
            loop {
                match chars.next() {
                    None | Some('\n') => {
                        end = true;
                        break;
                    }
                    Some('\r') if matches!(chars.peek(), None | Some('\n')) => {
                        end = true;
                        break;
                    }
                    Some(',') => break,
                    Some('"') => {
                        return Err(CsvIssue::Invalid(format!(
                            "a quote inside unquoted field {}",
                            fields.len() + 1
                        )));
                    }
                    Some(c) => s.push(c),
                }
            }
            fields.push(if s.is_empty() { None } else { Some(s) });
            if end {
                break;
            }
        }
    }
    Ok(fields)
}

impl<R: BufRead> CsvRecords<R> {
    pub fn new(reader: R, input: impl Into<String>) -> Self {
        CsvRecords {
            reader,
            line: 0,
            input: input.into(),
        }
    }

    /// The next record and the line it starts on; `None` at the end. Empty lines are skipped.
    pub fn next_record(&mut self) -> Result<Option<Record>, CsvError> {
        let mut record = String::new();
        let mut start = self.line + 1;
        loop {
            let n = self.reader.read_line(&mut record).map_err(|e| CsvError {
                input: self.input.clone(),
                line: self.line + 1,
                reason: e.to_string(),
            })?;
            if n == 0 {
                if record.is_empty() {
                    return Ok(None);
                }
                // EOF inside a quoted field.
                return Err(CsvError {
                    input: self.input.clone(),
                    line: start,
                    reason: "a quoted field is not closed before the end of the file".into(),
                });
            }
            self.line += 1;
            if self.line == 1 && record.starts_with('\u{feff}') {
                record.drain(..'\u{feff}'.len_utf8());
            }
            if record == "\n" || record == "\r\n" {
                record.clear();
                start = self.line + 1;
                continue;
            }
            match parse_csv_record(&record) {
                Ok(fields) => return Ok(Some((start, fields))),
                Err(CsvIssue::Incomplete) => continue,
                Err(CsvIssue::Invalid(reason)) => {
                    return Err(CsvError {
                        input: self.input.clone(),
                        line: start,
                        reason,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<Record>, CsvError> {
        let mut r = CsvRecords::new(text.as_bytes(), "t.csv");
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(rec);
        }
        Ok(out)
    }

    #[test]
    fn quoting_nulls_and_multiline_fields() {
        let recs = all("a,b,c\r\nx,,\"\"\n\"q,\"\"r\"\"\nz\",2,3\n\n").unwrap();
        assert_eq!(recs.len(), 3, "the blank last line is skipped");
        assert_eq!(
            recs[1].1,
            vec![Some("x".into()), None, Some("".into())],
            "unquoted empty = NULL, \"\" = ''"
        );
        assert_eq!(recs[2].0, 3);
        assert_eq!(
            recs[2].1,
            vec![
                Some("q,\"r\"\nz".into()),
                Some("2".into()),
                Some("3".into())
            ]
        );
        let e = all("a\n\"open").unwrap_err();
        assert_eq!((e.line, e.input.as_str()), (2, "t.csv"));
        assert!(
            all("\"a\"b")
                .unwrap_err()
                .reason
                .contains("after the closing quote")
        );
        assert!(
            all("a\"b")
                .unwrap_err()
                .reason
                .contains("quote inside unquoted field")
        );
    }
}
