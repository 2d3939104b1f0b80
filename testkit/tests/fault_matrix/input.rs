//! Bad Parquet: truncated, corrupt, empty objects; missing, extra and retyped columns; values koku's
//! summary would fail on (NaN, ±inf, labels that are not a JSON object) and values it would only
//! distort (negative usage, NULL namespace). Refusals name the object, and the row and column where
//! there is one; the database is untouched (the extract only reads it); a refused extract leaves no
//! output behind.
//!
//! Where a refused extract leaves its `--out`: the daily pod files are read before the work dir is
//! created (they decide the run's first day), so a fault in them leaves no folder at all; a fault in
//! any other file is met after the folder was created, and leaves it empty (the outputs are written
//! under temporary names, removed on failure, and `run.json` is written only when the extract is
//! complete). A work dir of an earlier run of the source is left exactly as it was.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, TimeUnit};

use crate::support::*;

/// The state a refused extract leaves in a new `--out`: no folder, or an empty one (see the module
/// docs).
fn assert_no_outputs(out: &std::path::Path, folder_created: bool) {
    if !folder_created {
        assert!(!out.exists(), "{} was created", out.display());
        return;
    }
    let names: Vec<String> = dir_snapshot(out).unwrap().into_keys().collect();
    assert!(names.is_empty(), "nothing may remain: {names:?}");
}

/// Run the extract of `tree` into a new folder; it must be refused with `facts`. Returns the line.
fn refused(case: &Case, tree: &std::path::Path, facts: &[&str], folder_created: bool) -> String {
    let db = case.snapshot();
    let out = case.path(&unique("out-"));
    let line = run(&mut case.extract(tree, &out))
        .fails_with(facts)
        .to_string();
    assert_no_outputs(&out, folder_created);
    assert_same_db(&db, &case.snapshot());
    line
}

/// Run the extract of `tree` into a new folder; it must succeed with the very files of the clean
/// ocp-small run (same rows, same bytes). Returns what it printed.
fn same_as_clean(case: &Case, tree: &std::path::Path) -> Ran {
    let db = case.snapshot();
    let out = case.path(&unique("out-"));
    let ran = run(&mut case.extract(tree, &out));
    ran.succeeds();
    let clean: std::collections::BTreeMap<String, String> = arrow_files(&case.work)
        .into_iter()
        .filter(|(k, _)| k.starts_with("openshift_") || k.starts_with("reporting_ocp_nodes"))
        .collect();
    let got: std::collections::BTreeMap<String, String> = arrow_files(&out)
        .into_iter()
        .filter(|(k, _)| clean.contains_key(k))
        .collect();
    assert_eq!(got, clean, "the outputs differ from the clean run's");
    assert_same_db(&db, &case.snapshot());
    ran
}

fn f64_with(batch: &RecordBatch, column: &str, row: usize, value: f64) -> ArrayRef {
    let a = cast(batch.column_by_name(column).unwrap(), &DataType::Float64).unwrap();
    let a = a.as_primitive::<Float64Type>();
    Arc::new(Float64Array::from_iter((0..a.len()).map(|i| {
        if i == row {
            Some(value)
        } else {
            a.is_valid(i).then(|| a.value(i))
        }
    })))
}

fn text_with(batch: &RecordBatch, column: &str, row: usize, value: Option<&str>) -> ArrayRef {
    let a = cast(batch.column_by_name(column).unwrap(), &DataType::Utf8).unwrap();
    let a = a.as_string::<i32>();
    Arc::new(StringArray::from_iter((0..a.len()).map(|i| {
        if i == row {
            value.map(str::to_string)
        } else {
            a.is_valid(i).then(|| a.value(i).to_string())
        }
    })))
}

#[test]
fn truncated_parquet_is_refused_naming_the_object() {
    let case = Case::new("truncated");
    let tree = tree_copy(&case, "tree");
    let k = key(true, "storage_usage", "2025-10-31");
    let bytes = std::fs::read(tree.join(&k)).unwrap();
    std::fs::write(tree.join(&k), &bytes[..bytes.len() / 2]).unwrap();
    refused(
        &case,
        &tree,
        &[&format!(
            "{}: not a readable Parquet file: ",
            tree.join(&k).display()
        )],
        true,
    );
}

/// A corrupt object in an existing work dir's re-run: refused, and the work dir no longer claims the
/// earlier run (its outputs are removed, `run.json` records no stage), so the next stages refuse it
/// too; the database keeps the committed rows.
#[test]
fn corrupt_parquet_is_refused_and_the_earlier_run_is_left_as_it_was() {
    let case = Case::new("corrupt");
    let tree = tree_copy(&case, "tree");
    let k = key(false, "pod_usage", "2025-10-30");
    std::fs::write(tree.join(&k), b"PAR1 this is not a parquet file PAR1").unwrap();
    let db = case.snapshot();
    let work = dir_snapshot(&case.work);
    run(&mut case.extract(&tree, &case.work)).fails_with(&[&format!(
        "{}: not a readable Parquet file: ",
        tree.join(&k).display()
    )]);
    // The rerun's outputs were temporary files until complete: the earlier run is intact, and its
    // stages still check out.
    assert_same_dir(&work, &case.work);
    assert_eq!(stages(&case.work), ["extract", "load", "transform"]);
    assert_same_db(&db, &case.snapshot());

    // A valid footer over a damaged data page: the page's column fails to decode.
    let tree = tree_copy(&case, "tree2");
    let k = key(true, "storage_usage", "2025-10-30");
    let mut bytes = std::fs::read(tree.join(&k)).unwrap();
    for b in &mut bytes[4..200] {
        *b ^= 0x5a;
    }
    std::fs::write(tree.join(&k), &bytes).unwrap();
    refused(
        &case,
        &tree,
        &[&format!(
            "{}: corrupt Parquet data: ",
            tree.join(&k).display()
        )],
        true,
    );
}

/// A zero-byte object is not Parquet; a Parquet file without rows is a file with nothing in it.
#[test]
fn empty_parquet_objects() {
    let case = Case::new("empty_parquet");
    let tree = tree_copy(&case, "tree");
    let k = key(true, "namespace_labels", "2025-10-31");
    std::fs::write(tree.join(&k), b"").unwrap();
    refused(
        &case,
        &tree,
        &[&format!(
            "{}: not a readable Parquet file: ",
            tree.join(&k).display()
        )],
        true,
    );

    let tree = tree_copy(&case, "tree2");
    let k = key(true, "namespace_labels", "2025-10-31");
    let empty = read_parquet(&tree.join(&k)).slice(0, 0);
    let extra = tree.join(k.replace("_daily_0.parquet", "_daily_1.parquet"));
    write_parquet(&extra, &empty);
    let ran = same_as_clean(&case, &tree);
    assert!(
        ran.stdout
            .contains("openshift_namespace_labels_line_items_daily: 4 rows from 3 files"),
        "{}",
        ran.stdout
    );
}

#[test]
fn missing_column_is_refused_naming_object_and_column() {
    let case = Case::new("missing_column");
    let tree = tree_copy(&case, "tree");
    let k = key(true, "storage_usage", "2025-10-31");
    edit_parquet(&tree, &k, |b| with_column(&b, "namespace", None));
    refused(
        &case,
        &tree,
        &[&format!(
            "{}: required column \"namespace\" of openshift_storage_usage_line_items_daily is missing",
            tree.join(&k).display()
        )],
        true,
    );
    // A column older operators did not write (`csi_driver`) reads as NULL instead.
    let tree = tree_copy(&case, "tree2");
    edit_parquet(&tree, &k, |b| {
        assert!(b.column_by_name("csi_driver").is_some());
        with_column(&b, "csi_driver", None)
    });
    run(&mut case.extract(&tree, &case.path("optional"))).succeeds();
}

/// A column koku does not know (a newer operator's) is not read; the outputs are the clean run's.
#[test]
fn extra_column_is_ignored() {
    let case = Case::new("extra_column");
    let tree = tree_copy(&case, "tree");
    let k = key(true, "pod_usage", "2025-10-30");
    edit_parquet(&tree, &k, |b| {
        let n = b.num_rows();
        with_column(
            &b,
            "pod_usage_gpu_core_seconds",
            Some(Arc::new(Float64Array::from(vec![1.0; n]))),
        )
    });
    same_as_clean(&case, &tree);
}

/// Text where a measure belongs is refused naming the column and the type; an integer measure and
/// microsecond timestamps are what other writers produce, and read as the same values.
#[test]
fn retyped_columns() {
    let case = Case::new("retyped");
    let tree = tree_copy(&case, "tree");
    let k = key(true, "pod_usage", "2025-10-31");
    edit_parquet(&tree, &k, |b| {
        let text = cast(
            b.column_by_name("pod_usage_cpu_core_seconds").unwrap(),
            &DataType::Utf8,
        )
        .unwrap();
        with_column(&b, "pod_usage_cpu_core_seconds", Some(text))
    });
    refused(
        &case,
        &tree,
        &[&format!(
            "{}: column \"pod_usage_cpu_core_seconds\" has type Utf8, expected a number",
            tree.join(&k).display()
        )],
        true,
    );

    let tree = tree_copy(&case, "tree2");
    edit_parquet(&tree, &k, |b| {
        // ocp-small's nodes have whole cores (master-0 4, worker-0 8): the integers are the values.
        let cores = b.column_by_name("node_capacity_cpu_cores").unwrap();
        let ints = cast(cores, &DataType::Int64).unwrap();
        assert_eq!(
            &cast(&ints, &DataType::Float64).unwrap(),
            &cast(cores, &DataType::Float64).unwrap()
        );
        let micros = cast(
            b.column_by_name("interval_start").unwrap(),
            &DataType::Timestamp(TimeUnit::Microsecond, None),
        )
        .unwrap();
        let b = with_column(&b, "node_capacity_cpu_cores", Some(ints));
        with_column(&b, "interval_start", Some(micros))
    });
    same_as_clean(&case, &tree);
}

/// NaN and ±inf fail koku's insert into numeric: refused where they enter, naming object, row and
/// column (row 1 of the 2025-10-30 daily pod file, inside the window).
#[test]
fn nan_and_infinite_measures_are_refused_naming_object_row_and_column() {
    let case = Case::new("nan");
    for (i, (value, text)) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ]
    .into_iter()
    .enumerate()
    {
        let tree = tree_copy(&case, &format!("tree{i}"));
        let k = key(true, "pod_usage", "2025-10-30");
        edit_parquet(&tree, &k, |b| {
            let a = f64_with(&b, "pod_usage_cpu_core_seconds", 1, value);
            with_column(&b, "pod_usage_cpu_core_seconds", Some(a))
        });
        refused(
            &case,
            &tree,
            &[&format!(
                "{}: row 1 (0-based), column pod_usage_cpu_core_seconds: {text} is not a number koku can sum into numeric",
                tree.join(&k).display()
            )],
            true,
        );
    }
}

/// Labels koku's `cast(json_parse(x) AS map(varchar, varchar))` fails on are refused where they
/// enter.
#[test]
fn labels_that_are_not_a_json_object_are_refused_naming_object_row_and_column() {
    let case = Case::new("bad_labels");
    for (i, (labels, why)) in [
        ("app=web", "expected value"),
        (r#"["app", "web"]"#, "expected a JSON object"),
        (
            r#"{"app": {"nested": "web"}}"#,
            "a string, number, boolean or null value",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let tree = tree_copy(&case, &format!("tree{i}"));
        let k = key(true, "pod_usage", "2025-10-31");
        edit_parquet(&tree, &k, |b| {
            let a = text_with(&b, "pod_labels", 2, Some(labels));
            with_column(&b, "pod_labels", Some(a))
        });
        refused(
            &case,
            &tree,
            &[
                &format!(
                    "{}: row 2 (0-based), column pod_labels: not a JSON object of scalar values (",
                    tree.join(&k).display()
                ),
                why,
            ],
            true,
        );
    }
}

/// A negative usage and a NULL namespace are summed and grouped as koku does, and reported: a warning
/// on stderr and in run.json, naming the first object and row, and the count.
#[test]
fn negative_usage_and_null_namespace_are_counted_as_warnings() {
    let case = Case::new("warnings");
    let tree = tree_copy(&case, "tree");
    let k = key(true, "pod_usage", "2025-10-30");
    edit_parquet(&tree, &k, |b| {
        let usage = f64_with(&b, "pod_usage_cpu_core_seconds", 0, -5.0);
        let b = with_column(&b, "pod_usage_cpu_core_seconds", Some(usage));
        let ns = text_with(&b, "namespace", 1, None);
        with_column(&b, "namespace", Some(ns))
    });
    let db = case.snapshot();
    let out = case.path("out");
    let ran = run(&mut case.extract(&tree, &out));
    ran.succeeds();
    let file = tree.join(&k).display().to_string();
    let expected = [
        format!("1 row with a negative pod_usage_cpu_core_seconds (first: {file} row 0, 0-based)"),
        format!("1 row with a NULL namespace (first: {file} row 1, 0-based)"),
    ];
    for w in &expected {
        assert!(
            ran.stderr
                .contains(&format!("openshift_pod_usage_line_items_daily: {w}")),
            "{w}\n{}",
            ran.stderr
        );
    }
    let recorded = &run_json(&out)["stages"]["extract"]["details"]["datasets"]["openshift_pod_usage_line_items_daily"]
        ["warnings"];
    assert_eq!(recorded, &serde_json::json!(expected));
    assert_same_db(&db, &case.snapshot());
}
