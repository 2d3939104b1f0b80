//! The rows of one side, in memory.

use std::collections::{BTreeMap, BTreeSet};

use crate::value::Value;

/// Rows of one side: a column name → typed value per row (columns shared by all rows).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Where the rows come from, for the report and error messages (never holds a password).
    pub label: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// Columns the source has that were not read: not produced by this pipeline (`uuid`, cost-model
    /// columns, ...).
    pub skipped_columns: Vec<String>,
    /// Read from this pipeline's own output (a work dir or its `.arrow` file), which never holds the
    /// rows later koku steps add, so it needs no columns to recognise them.
    pub from_pipeline: bool,
}

impl Table {
    pub fn new(label: impl Into<String>, columns: Vec<String>) -> Table {
        Table {
            label: label.into(),
            columns,
            ..Table::default()
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
