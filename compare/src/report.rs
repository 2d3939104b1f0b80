//! The outcome of a comparison and its two renderings: text for a person, JSON (serde) for a program.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::definition::{RowKind, TableDef};
use crate::key::Key;
use crate::scope::Scope;
use crate::value::Value;

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
    pub(crate) fn add(&mut self, o: &Counts) {
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
    /// Rows outside the scope's source, period or days.
    pub out_of_scope: usize,
    /// Rows of later koku steps left out (`summary_rows_only`).
    pub not_summary_rows: usize,
    /// Columns not read (not produced by this pipeline).
    pub skipped_columns: Vec<String>,
}

/// The outcome of [`crate::compare()`].
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The table compared.
    #[serde(serialize_with = "table_name")]
    pub table: &'static TableDef,
    /// No differing, missing or extra row.
    pub identical: bool,
    pub ours: SideSummary,
    pub theirs: SideSummary,
    pub scope: Scope,
    pub rel_tol: f64,
    pub abs_tol: f64,
    pub compared_columns: Vec<String>,
    /// Columns of the table only ours has (not compared).
    pub only_in_ours: Vec<String>,
    /// Columns of the table only theirs has (not compared).
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

fn table_name<S: serde::Serializer>(def: &&'static TableDef, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(def.name)
}

fn side_line(s: &SideSummary, def: &TableDef) -> String {
    let mut line = format!(
        "{} — {} rows read, {} compared",
        s.label, s.rows_read, s.rows_compared
    );
    if s.out_of_scope > 0 {
        let _ = write!(line, ", {} outside the scope", s.out_of_scope);
    }
    if s.not_summary_rows > 0 {
        let what = def.other_step_rows.map_or("other steps'", |o| o.what);
        let _ = write!(line, ", {} {what} rows left out", s.not_summary_rows);
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
    /// The counts of the row kind called `name` (`None`: no rows of that kind on either side).
    pub fn counts_of(&self, name: &str) -> Option<&Counts> {
        self.counts
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, c)| c)
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let w = &mut s;
        let def = self.table;
        let _ = writeln!(w, "table:     {} ({})", def.name, def.title);
        let _ = writeln!(w, "ours:      {}", side_line(&self.ours, def));
        let _ = writeln!(w, "theirs:    {}", side_line(&self.theirs, def));
        let _ = writeln!(w, "scope:     {}", self.scope.describe(def));
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
            row(w, k.name, c);
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
