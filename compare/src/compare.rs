//! The comparison, generic over a [`TableDef`]: ours (the `koku-transform` output of a work dir)
//! against the rows koku wrote (a CSV export of its table, the table itself, or another work dir).
//!
//! Rows are matched by their natural key: the table classifies each row into one of its kinds, each
//! with its own key columns (the same rule on both sides). Keys form a multiset: a key held by several
//! rows on either side is reported with its counts, its rows are paired equal-first and the rest are
//! reported as differing, missing or extra.
//!
//! Values are compared by kind ([`Kind`]): `jsonb` columns as JSON values (key order, spacing and number
//! spelling do not matter; `{}` and NULL differ); sets of texts as sets; measures as f64 within
//! `max(abs_tol, rel_tol × max(|ours|, |theirs|))`; everything else exactly (a uuid case-insensitively).
//! Only columns of the table that both sides have are compared.
//!
//! *Missing* rows are in theirs only (our output lacks them), *extra* rows are in ours only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::definition::TableDef;
use crate::error::{CompareError, Result};
use crate::key::Key;
use crate::report::{Counts, Difference, Duplicate, KeyCount, Report, SideSummary};
use crate::scope::{Admit, Scope, ScopeIndices};
use crate::table::Table;
use crate::value::{Kind, Value};

/// Default relative tolerance for measures (spec §12: multi-term f64 sums in another order).
pub const DEFAULT_REL_TOL: f64 = 1e-12;

/// How to compare.
#[derive(Debug, Clone)]
pub struct Options {
    pub rel_tol: f64,
    pub abs_tol: f64,
    /// At most this many entries in each list of the report (differences, missing, extra, duplicate
    /// keys); the counts are always complete. 0 = no limit.
    pub max_details: usize,
    pub scope: Scope,
}

impl Options {
    /// The defaults for `def`: its absolute tolerance, no restriction, no limit.
    pub fn for_table(def: &TableDef) -> Options {
        Options {
            rel_tol: DEFAULT_REL_TOL,
            abs_tol: def.default_abs_tol,
            max_details: 0,
            scope: Scope::default(),
        }
    }
}

fn floats_equal(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    if a == b || (a.is_nan() && b.is_nan()) {
        return true;
    }
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    (a - b).abs() <= abs.max(rel * a.abs().max(b.abs()))
}

/// A column both sides have: its kind and its position on each side.
struct Compared {
    name: String,
    kind: Kind,
    ours: usize,
    theirs: usize,
}

/// A differing column of two rows: `(index into compared, rel, abs)`.
type ColumnDiff = (usize, Option<f64>, Option<f64>);

/// The differing columns of two rows.
fn diff_rows(o: &[Value], t: &[Value], compared: &[Compared], opts: &Options) -> Vec<ColumnDiff> {
    let mut out = Vec::new();
    for (i, c) in compared.iter().enumerate() {
        let (a, b) = (&o[c.ours], &t[c.theirs]);
        let equal = match (c.kind, a, b) {
            (Kind::Float, Value::Float(x), Value::Float(y)) => {
                floats_equal(*x, *y, opts.rel_tol, opts.abs_tol)
            }
            _ => a == b,
        };
        if !equal {
            let (rel, abs) = match (a, b) {
                (Value::Float(x), Value::Float(y)) if x.is_finite() && y.is_finite() => {
                    let abs = (x - y).abs();
                    let scale = x.abs().max(y.abs());
                    (Some(if scale > 0.0 { abs / scale } else { 0.0 }), Some(abs))
                }
                _ => (None, None),
            };
            out.push((i, rel, abs));
        }
    }
    out
}

struct Side {
    summary: SideSummary,
    /// Row indices in scope, by key.
    keyed: Vec<(Key, usize)>,
}

/// Check a side's columns, restrict its rows to the scope and key them.
fn prepare(def: &TableDef, t: &Table, opts: &Options) -> Result<Side> {
    let required = def.required_columns();
    if let Some(c) = required.iter().find(|c| t.column(c).is_none()) {
        return Err(CompareError::MissingColumn {
            input: t.label.clone(),
            column: c.to_string(),
            needed: required.join(", "),
        });
    }
    let idx = |n: &str| t.column(n).expect("checked as required");
    let scope_cols = ScopeIndices::of(def, t);
    let classify_cols: Vec<usize> = def.classify_by.iter().map(|c| idx(c)).collect();
    let key_cols: Vec<Vec<usize>> = def
        .row_kinds
        .iter()
        .map(|k| k.key.iter().map(|c| idx(c)).collect())
        .collect();
    let mut summary = SideSummary {
        label: t.label.clone(),
        rows_read: t.rows.len(),
        skipped_columns: t.skipped_columns.clone(),
        ..SideSummary::default()
    };
    let mut keyed = Vec::with_capacity(t.rows.len());
    let mut by: Vec<&Value> = Vec::with_capacity(classify_cols.len());
    for (i, row) in t.rows.iter().enumerate() {
        match opts.scope.admit(&scope_cols, row) {
            Admit::OutOfScope => summary.out_of_scope += 1,
            Admit::NotSummary => summary.not_summary_rows += 1,
            Admit::In => {
                by.clear();
                by.extend(classify_cols.iter().map(|&c| &row[c]));
                let kind = (def.classify)(&by);
                let key = Key::of_row(kind, &key_cols[kind.index as usize], row);
                keyed.push((key, i));
            }
        }
    }
    summary.rows_compared = keyed.len();
    Ok(Side { summary, keyed })
}

/// Compare `ours` with `theirs`, rows of `def`'s table (see the module documentation).
pub fn compare(
    def: &'static TableDef,
    ours: &Table,
    theirs: &Table,
    opts: &Options,
) -> Result<Report> {
    let o = prepare(def, ours, opts)?;
    let t = prepare(def, theirs, opts)?;

    let table_cols = def.compared_columns();
    let compared: Vec<Compared> = table_cols
        .iter()
        .filter_map(|&(n, kind)| {
            Some(Compared {
                name: n.to_string(),
                kind,
                ours: ours.column(n)?,
                theirs: theirs.column(n)?,
            })
        })
        .collect();
    let only = |a: &Table, b: &Table| -> Vec<String> {
        table_cols
            .iter()
            .filter(|(n, _)| a.column(n).is_some() && b.column(n).is_none())
            .map(|(n, _)| n.to_string())
            .collect()
    };

    let mut notes = opts.scope.unchecked(def, ours);
    notes.extend(opts.scope.unchecked(def, theirs));

    // key → (our rows, their rows)
    let mut groups: BTreeMap<Key, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (k, i) in o.keyed {
        groups.entry(k).or_default().0.push(i);
    }
    for (k, i) in t.keyed {
        groups.entry(k).or_default().1.push(i);
    }

    let cap = |n: usize| opts.max_details == 0 || n < opts.max_details;
    let mut report = Report {
        table: def,
        identical: true,
        ours: o.summary,
        theirs: t.summary,
        scope: opts.scope.clone(),
        rel_tol: opts.rel_tol,
        abs_tol: opts.abs_tol,
        compared_columns: compared.iter().map(|c| c.name.clone()).collect(),
        only_in_ours: only(ours, theirs),
        only_in_theirs: only(theirs, ours),
        counts: BTreeMap::new(),
        total: Counts::default(),
        differing_values: 0,
        column_stats: BTreeMap::new(),
        differences: Vec::new(),
        missing: Vec::new(),
        extra: Vec::new(),
        duplicate_keys: Vec::new(),
        duplicate_keys_total: 0,
        truncated: false,
        max_details: opts.max_details,
        notes,
    };
    let fingerprint = |tab: &Table, i: usize, side_col: &dyn Fn(&Compared) -> usize| -> String {
        let mut s = String::new();
        for c in &compared {
            let _ = write!(s, "{:?}\u{1f}", tab.rows[i][side_col(c)]);
        }
        s
    };

    for (key, (os, ts)) in groups {
        let counts = report.counts.entry(key.kind).or_default();
        counts.ours += os.len();
        counts.theirs += ts.len();
        if os.len() > 1 || ts.len() > 1 {
            report.duplicate_keys_total += 1;
            if cap(report.duplicate_keys.len()) {
                report.duplicate_keys.push(Duplicate {
                    key: key.clone(),
                    ours: os.len(),
                    theirs: ts.len(),
                });
            } else {
                report.truncated = true;
            }
        }
        // Pair equal rows first, then the rest in a deterministic order.
        let mut pairs: Vec<(usize, usize, Vec<ColumnDiff>)> = Vec::new();
        let (mut o_left, mut t_left): (Vec<usize>, Vec<usize>) = (Vec::new(), ts.clone());
        for &oi in &os {
            let found = t_left.iter().position(|&ti| {
                diff_rows(&ours.rows[oi], &theirs.rows[ti], &compared, opts).is_empty()
            });
            match found {
                Some(p) => {
                    t_left.remove(p);
                    counts.matched += 1;
                }
                None => o_left.push(oi),
            }
        }
        if o_left.len() > 1 {
            o_left.sort_by_cached_key(|&i| fingerprint(ours, i, &|c| c.ours));
        }
        if t_left.len() > 1 {
            t_left.sort_by_cached_key(|&i| fingerprint(theirs, i, &|c| c.theirs));
        }
        let n = o_left.len().min(t_left.len());
        for (&oi, &ti) in o_left.iter().zip(&t_left) {
            pairs.push((
                oi,
                ti,
                diff_rows(&ours.rows[oi], &theirs.rows[ti], &compared, opts),
            ));
        }
        counts.differing += pairs.len();
        let extra = o_left.len() - n;
        let missing = t_left.len() - n;
        counts.extra += extra;
        counts.missing += missing;
        if extra > 0 {
            if cap(report.extra.len()) {
                report.extra.push(KeyCount {
                    key: key.clone(),
                    rows: extra,
                });
            } else {
                report.truncated = true;
            }
        }
        if missing > 0 {
            if cap(report.missing.len()) {
                report.missing.push(KeyCount {
                    key: key.clone(),
                    rows: missing,
                });
            } else {
                report.truncated = true;
            }
        }
        for (oi, ti, diffs) in pairs {
            for (ci, rel, abs) in diffs {
                let c = &compared[ci];
                report.differing_values += 1;
                let st = report.column_stats.entry(c.name.clone()).or_default();
                st.differences += 1;
                if let Some(r) = rel {
                    st.max_rel_diff = Some(st.max_rel_diff.map_or(r, |m: f64| m.max(r)));
                }
                if let Some(a) = abs {
                    st.max_abs_diff = Some(st.max_abs_diff.map_or(a, |m: f64| m.max(a)));
                }
                if cap(report.differences.len()) {
                    report.differences.push(Difference {
                        key: key.clone(),
                        column: c.name.clone(),
                        ours: ours.rows[oi][c.ours].clone(),
                        theirs: theirs.rows[ti][c.theirs].clone(),
                        rel_diff: rel,
                        abs_diff: abs,
                    });
                } else {
                    report.truncated = true;
                }
            }
        }
    }
    let mut total = Counts::default();
    for c in report.counts.values() {
        total.add(c);
    }
    report.identical = total.differing == 0 && total.missing == 0 && total.extra == 0;
    report.total = total;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::ocp::{DAILY_SUMMARY as OCP, POD, STORAGE, UNALLOCATED};

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }
    fn j(s: &str) -> Value {
        Value::json(s).unwrap()
    }
    fn d(s: &str) -> Value {
        Value::Date(s.parse().unwrap())
    }

    fn pod(ns: &str, node: &str, labels: &str, cpu: f64) -> BTreeMap<String, Value> {
        let mut m = base();
        m.insert("data_source".into(), t("Pod"));
        m.insert("namespace".into(), t(ns));
        m.insert("node".into(), t(node));
        m.insert("pod_labels".into(), j(labels));
        m.insert("all_labels".into(), j(labels));
        m.insert("pod_usage_cpu_core_hours".into(), Value::Float(cpu));
        m
    }

    fn unalloc(ns: Option<&str>, node: &str, cat: Option<i64>) -> BTreeMap<String, Value> {
        let mut m = base();
        m.insert("data_source".into(), t("Pod"));
        m.insert("namespace".into(), ns.map_or(Value::Null, t));
        m.insert("node".into(), t(node));
        m.insert("all_labels".into(), j("{}"));
        m.insert(
            "cost_category_id".into(),
            cat.map_or(Value::Null, Value::Int),
        );
        m.insert("pod_usage_cpu_core_hours".into(), Value::Float(93.0));
        m
    }

    fn storage(pvc: &str, node: Option<&str>, labels: &str) -> BTreeMap<String, Value> {
        let mut m = base();
        m.insert("data_source".into(), t("Storage"));
        m.insert("namespace".into(), t("web"));
        m.insert("node".into(), node.map_or(Value::Null, t));
        m.insert("persistentvolumeclaim".into(), t(pvc));
        m.insert("persistentvolume".into(), t("pv-1"));
        m.insert("storageclass".into(), t("gp3"));
        m.insert("volume_labels".into(), j(labels));
        m.insert(
            "persistentvolumeclaim_capacity_gigabyte_months".into(),
            Value::Float(10.0 / 31.0),
        );
        m
    }

    /// Every required column NULL, plus the run's columns.
    fn base() -> BTreeMap<String, Value> {
        let mut m: BTreeMap<String, Value> = OCP
            .required_columns()
            .into_iter()
            .map(|c| (c.to_string(), Value::Null))
            .collect();
        m.insert("usage_start".into(), d("2025-10-01"));
        m.insert("usage_end".into(), d("2025-10-01"));
        m.insert(
            "source_uuid".into(),
            t("11111111-1111-1111-1111-111111111111"),
        );
        m.insert("report_period_id".into(), Value::Int(7));
        m
    }

    fn sample() -> Vec<BTreeMap<String, Value>> {
        vec![
            pod("web", "node-a", r#"{"app":"web","env":"prod"}"#, 1.0),
            pod("web", "node-a", r#"{"app":"web","env":"ns-env"}"#, 2.0),
            storage("data-web", Some("node-a"), r#"{"app":"db-pv"}"#),
            storage("orphan", None, r#"{"env":"ns-env"}"#),
            unalloc(Some("Worker unallocated"), "node-a", None),
            unalloc(Some("Platform unallocated"), "node-b", Some(1)),
        ]
    }

    fn run(ours: Vec<BTreeMap<String, Value>>, theirs: Vec<BTreeMap<String, Value>>) -> Report {
        compare(
            &OCP,
            &Table::from_maps("ours", ours),
            &Table::from_maps("theirs", theirs),
            &Options::for_table(&OCP),
        )
        .unwrap()
    }

    #[test]
    fn identical_tables_in_another_order() {
        let mut theirs = sample();
        theirs.reverse();
        let r = run(sample(), theirs);
        assert!(r.identical, "{}", r.to_text());
        assert_eq!(r.total.matched, 6);
        assert_eq!(r.counts[&POD].matched, 2);
        assert_eq!(r.counts[&STORAGE].matched, 2);
        assert_eq!(r.counts[&UNALLOCATED].matched, 2);
        assert!(r.to_text().contains("IDENTICAL"));
    }

    #[test]
    fn one_changed_measure_is_one_difference() {
        let mut theirs = sample();
        theirs[0].insert("pod_usage_cpu_core_hours".into(), Value::Float(2.0));
        let r = run(sample(), theirs);
        assert!(!r.identical);
        assert_eq!(r.total.differing, 1);
        assert_eq!(r.differing_values, 1);
        let d = &r.differences[0];
        assert_eq!(d.column, "pod_usage_cpu_core_hours");
        assert_eq!(d.ours, Value::Float(1.0));
        assert_eq!(d.theirs, Value::Float(2.0));
        assert_eq!(d.rel_diff, Some(0.5));
        assert_eq!(d.key.kind, POD);
        assert_eq!(d.key.get("namespace"), Some(t("web")));
        assert_eq!(
            d.key.get("pod_labels"),
            Some(j(r#"{"env":"prod","app":"web"}"#))
        );
        let text = r.to_text();
        assert!(
            text.contains(
                r#"pod usage_start=2025-10-01 namespace="web" node="node-a" pod_labels={"app":"web","env":"prod"}"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "pod_usage_cpu_core_hours: ours 1, theirs 2 (relative difference 5.000e-1)"
            ),
            "{text}"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["differences"][0]["key"]["pod_labels"]["env"], "prod");
        assert_eq!(json["differences"][0]["theirs"], 2.0);
        assert_eq!(json["counts"]["pod"]["differing"], 1);
    }

    #[test]
    fn tolerance_relative_and_absolute() {
        let mut theirs = sample();
        // relative 1e-14 on 1.0: inside the default 1e-12
        theirs[0].insert("pod_usage_cpu_core_hours".into(), Value::Float(1.0 + 1e-14));
        // numeric(33,15) rounding of 10/31
        theirs[2].insert(
            "persistentvolumeclaim_capacity_gigabyte_months".into(),
            Value::Float("0.322580645161290".parse().unwrap()),
        );
        assert!(run(sample(), theirs.clone()).identical);
        // a tiny value rounded to 0 by numeric(33,15): relative 1, absolute 4e-16
        let mut ours = sample();
        ours[1].insert("pod_usage_cpu_core_hours".into(), Value::Float(4e-16));
        theirs[1].insert("pod_usage_cpu_core_hours".into(), Value::Float(0.0));
        assert!(run(ours.clone(), theirs.clone()).identical);
        // outside: 1e-9 relative
        theirs[0].insert("pod_usage_cpu_core_hours".into(), Value::Float(1.0 + 1e-9));
        let r = run(ours.clone(), theirs.clone());
        assert_eq!(r.differing_values, 1);
        assert!(r.differences[0].rel_diff.unwrap() > 9e-10);
        // NULL vs 0 is a difference
        theirs[0].insert("pod_usage_cpu_core_hours".into(), Value::Null);
        let r = run(ours, theirs);
        assert_eq!(r.differences[0].theirs, Value::Null);
        assert_eq!(r.differences[0].rel_diff, None);
    }

    #[test]
    fn labels_compare_as_maps_and_null_is_not_empty() {
        let mut theirs = sample();
        theirs[0].insert("all_labels".into(), j(r#"{"env": "prod", "app": "web"}"#));
        assert!(run(sample(), theirs.clone()).identical);
        // all_labels {} vs NULL on an unallocated row
        theirs[4].insert("all_labels".into(), Value::Null);
        let r = run(sample(), theirs);
        assert_eq!(r.differing_values, 1);
        assert_eq!(r.differences[0].column, "all_labels");
        assert_eq!(r.differences[0].ours, j("{}"));
        assert_eq!(r.differences[0].theirs, Value::Null);
        assert_eq!(r.differences[0].key.kind, UNALLOCATED);
    }

    #[test]
    fn missing_and_extra_rows() {
        let mut theirs = sample();
        let removed = theirs.remove(3); // the orphan storage row
        theirs.push(pod("other", "node-b", "{}", 5.0));
        let r = run(sample(), theirs);
        assert_eq!(r.total.extra, 1);
        assert_eq!(r.total.missing, 1);
        assert_eq!(r.total.differing, 0);
        assert_eq!(r.extra[0].key.kind, STORAGE);
        assert_eq!(
            r.extra[0].key.get("persistentvolumeclaim"),
            removed.get("persistentvolumeclaim").cloned()
        );
        assert_eq!(r.extra[0].key.get("node"), Some(Value::Null));
        assert_eq!(r.missing[0].key.get("namespace"), Some(t("other")));
        let text = r.to_text();
        assert!(
            text.contains("missing (in theirs only): 1 row(s)"),
            "{text}"
        );
        assert!(text.contains("extra (in ours only): 1 row(s)"), "{text}");
    }

    #[test]
    fn a_pod_label_change_is_a_missing_and_an_extra_row() {
        // labels are part of the key
        let mut theirs = sample();
        theirs[0].insert("pod_labels".into(), j(r#"{"app":"web","env":"dev"}"#));
        let r = run(sample(), theirs);
        assert_eq!((r.total.missing, r.total.extra), (1, 1));
    }

    #[test]
    fn unallocated_key_has_the_cost_category() {
        let mut theirs = sample();
        theirs[5].insert("cost_category_id".into(), Value::Int(2));
        let r = run(sample(), theirs);
        assert_eq!((r.total.missing, r.total.extra), (1, 1));
        assert_eq!(
            r.missing[0].key.get("cost_category_id"),
            Some(Value::Int(2))
        );
        // ... whereas on a pod row it is a value
        let mut theirs = sample();
        theirs[0].insert("cost_category_id".into(), Value::Int(2));
        let r = run(sample(), theirs);
        assert_eq!(r.differences[0].column, "cost_category_id");
    }

    #[test]
    fn duplicate_keys_are_a_multiset() {
        // the same unallocated row twice on both sides (two patterns with one id): no difference
        let mut ours = sample();
        ours.push(ours[5].clone());
        let r = run(ours.clone(), ours.clone());
        assert!(r.identical);
        assert_eq!(r.duplicate_keys_total, 1);
        assert_eq!(r.duplicate_keys[0].ours, 2);
        // twice in ours, once in theirs: one extra row, reported with its counts
        let r = run(ours.clone(), sample());
        assert_eq!(r.total.extra, 1);
        assert_eq!(r.total.matched, 6);
        assert_eq!(r.extra[0].rows, 1);
        assert_eq!(
            (r.duplicate_keys[0].ours, r.duplicate_keys[0].theirs),
            (2, 1)
        );
        // twice on both sides, one pair differs: equal rows are paired first
        let mut theirs = ours.clone();
        theirs[6].insert("pod_usage_cpu_core_hours".into(), Value::Float(1.0));
        let r = run(ours, theirs);
        assert_eq!(r.total.matched, 6);
        assert_eq!(r.total.differing, 1);
        assert_eq!(r.differences[0].theirs, Value::Float(1.0));
    }

    #[test]
    fn scope_and_summary_rows() {
        let mut theirs = sample();
        let mut other_day = pod("web", "node-a", "{}", 1.0);
        other_day.insert("usage_start".into(), d("2025-09-30"));
        theirs.push(other_day);
        let mut other_source = pod("web", "node-a", "{}", 1.0);
        other_source.insert(
            "source_uuid".into(),
            t("22222222-2222-2222-2222-222222222222"),
        );
        theirs.push(other_source);
        let mut cost_model = pod("web", "node-a", "{}", 1.0);
        cost_model.insert("cost_model_rate_type".into(), t("Supplementary"));
        theirs.push(cost_model);
        let mut on_cloud = pod("web", "node-a", "{}", 1.0);
        on_cloud.insert("infrastructure_raw_cost".into(), Value::Float(3.5));
        theirs.push(on_cloud);
        let mut zero_cost = sample().remove(0);
        zero_cost.insert("infrastructure_raw_cost".into(), Value::Float(0.0));
        theirs[0] = zero_cost;
        let opts = Options {
            scope: Scope {
                source_uuid: Some("11111111-1111-1111-1111-111111111111".to_uppercase()),
                period_id: Some(7),
                start_date: Some("2025-10-01".parse().unwrap()),
                end_date: Some("2025-10-31".parse().unwrap()),
                summary_rows_only: true,
            },
            ..Options::for_table(&OCP)
        };
        let ours = Table::from_maps("ours", sample());
        let theirs = Table::from_maps("theirs", theirs);
        let r = compare(&OCP, &ours, &theirs, &opts).unwrap();
        assert!(r.identical, "{}", r.to_text());
        assert_eq!(r.theirs.out_of_scope, 2);
        assert_eq!(r.theirs.not_summary_rows, 2);
        assert_eq!(r.theirs.rows_compared, 6);
        // without the scope the four rows are missing from ours
        let r = compare(&OCP, &ours, &theirs, &Options::for_table(&OCP)).unwrap();
        assert_eq!(r.total.missing, 4);
    }

    #[test]
    fn columns_on_one_side_only_are_not_compared() {
        let mut ours = sample();
        for r in &mut ours {
            r.insert("row_kind".into(), t("whatever"));
            r.insert("csi_volume_handle".into(), Value::Null);
        }
        let mut theirs = sample();
        for r in &mut theirs {
            r.remove("usage_end");
        }
        let r = run(ours, theirs);
        assert!(r.identical);
        assert_eq!(
            r.only_in_ours,
            vec!["row_kind", "usage_end", "csi_volume_handle"]
        );
        assert!(!r.compared_columns.contains(&"usage_end".to_string()));
    }

    #[test]
    fn a_missing_key_column_is_an_error() {
        let mut theirs = sample();
        for r in &mut theirs {
            r.remove("volume_labels");
        }
        let err = compare(
            &OCP,
            &Table::from_maps("ours", sample()),
            &Table::from_maps("koku.csv", theirs),
            &Options::for_table(&OCP),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("koku.csv: no column \"volume_labels\""),
            "{err}"
        );
    }

    #[test]
    fn max_details_cuts_lists_not_counts() {
        let mut theirs = sample();
        for r in &mut theirs {
            r.insert("usage_end".into(), d("2025-10-02"));
        }
        let r = compare(
            &OCP,
            &Table::from_maps("ours", sample()),
            &Table::from_maps("theirs", theirs),
            &Options {
                max_details: 2,
                ..Options::for_table(&OCP)
            },
        )
        .unwrap();
        assert_eq!(r.differing_values, 6);
        assert_eq!(r.differences.len(), 2);
        assert!(r.truncated);
        assert_eq!(r.column_stats["usage_end"].differences, 6);
    }
}
