//! Hostile text: schema names built to break out of SQL quoting, and label text with quotes,
//! backslashes, control and non-ASCII characters, SQL, a very long value and NUL. Either it lands
//! exactly as written or it is refused naming where it is; nothing else changes.

use std::sync::Arc;

use arrow::array::{Array, AsArray, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use koku_testkit::koku_schema::{self, quote_ident};

use crate::support::*;

const HOSTILE_SCHEMA: &str = "org1\"; DROP TABLE public.x; --";

/// The extract accepts only koku's schema names; the load quotes whatever it is given (`--schema`,
/// `KOKU_SCHEMA`): a schema that does not exist is refused as not a tenant, and a tenant that really
/// has such a name is loaded, every statement quoting it.
#[test]
fn hostile_schema_names_are_refused_or_quoted() {
    let case = Case::new("hostile_schema");
    case.admin()
        .batch_execute("CREATE TABLE public.x (survives int); INSERT INTO public.x VALUES (1)")
        .unwrap();
    let db = case.snapshot();
    let work = dir_snapshot(&case.work);

    let out = case.path("out");
    let mut c = case.bin("koku-extract");
    c.args(["ocp", "--from"])
        .arg(ocp_small())
        .args(["--schema", HOSTILE_SCHEMA, "--source", SOURCE])
        .args([
            "--year",
            "2025",
            "--month",
            "10",
            "--database-url",
            &case.url,
        ])
        .arg("--out")
        .arg(&out);
    run(&mut c).fails_with(&[
        "--schema \"org1\\\"; DROP TABLE public.x; --\" is not a valid tenant schema name",
    ]);
    assert!(!out.exists());

    let not_a_tenant = "schema \"org1\\\"; DROP TABLE public.x; --\": has no table reporting_ocpusagelineitem_daily_summary (not a koku tenant schema?)";
    run(case.load(&case.work).args(["--schema", HOSTILE_SCHEMA])).fails_with(&[not_a_tenant]);
    run(case.load(&case.work).env("KOKU_SCHEMA", HOSTILE_SCHEMA)).fails_with(&[not_a_tenant]);
    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &case.work);

    // A tenant with that very name, holding koku's tables and the source's report period 1.
    {
        let mut admin = case.admin();
        koku_schema::install(&mut admin, HOSTILE_SCHEMA);
        admin
            .execute(
                &format!(
                    "INSERT INTO {}.reporting_ocpusagereportperiod (id, cluster_id, cluster_alias, report_period_start, report_period_end, provider_id)
                     VALUES (1, 'ocp-small-cluster', 'OCP small demo cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', $1::text::uuid)",
                    quote_ident(HOSTILE_SCHEMA)
                ),
                &[&SOURCE],
            )
            .unwrap();
    }
    let db = case.snapshot();
    let ran = run(case.load(&case.work).env("KOKU_SCHEMA", HOSTILE_SCHEMA));
    ran.succeeds();
    assert!(
        ran.stdout.contains(&format!(
            "loaded 12 rows into {HOSTILE_SCHEMA}.reporting_ocpusagelineitem_daily_summary"
        )),
        "{}",
        ran.stdout
    );
    // The same rows as the run loaded into org1234567 (less the rows seeded there by others), and
    // org1234567, public (and public.x) as they were.
    let loaded: Vec<String> = {
        let mut rows: Vec<String> = case
            .admin()
            .query(
                &format!(
                    "SELECT (to_jsonb(t) - 'uuid')::text FROM {SCHEMA}.{SUMMARY} t
                      WHERE uuid::text NOT LIKE '00000000-0000-4000-8000-%'"
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(loaded.len(), 12);
    assert_eq!(case.summary_values(HOSTILE_SCHEMA), loaded);
    let partitions: i64 = case
        .admin()
        .query_one(
            &format!(
                "SELECT count(*) FROM {}.partitioned_tables WHERE table_name = 'reporting_ocpusagelineitem_daily_summary_2025_10'",
                quote_ident(HOSTILE_SCHEMA)
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(partitions, 1, "the month partition, tracked as koku does");
    assert_same_db(&db, &case.snapshot());
}

/// Label keys and values no sane cluster has, on one pod of 2025-10-30: they are enabled keys, so
/// they reach the summary row of that pod, exactly as written.
const HOSTILE_LABELS: &[(&str, &str)] = &[
    ("quote\"key", "va\"lue"),
    ("back\\slash", "C:\\path\\n"),
    ("ünïcødé-日本", "значение 🚀"),
    ("sql'", "'); DROP TABLE public.x; --"),
    ("ctrl", "tab\there\nnewline\u{7}bell"),
];

/// A very long label value (100,000 characters).
const LONG_KEY: &str = "long";

/// The daily pod file of 2025-10-30 with `extra` merged into the labels of its row 0; the pod and
/// namespace of that row.
fn labels_on_row0(
    tree: &std::path::Path,
    extra: &serde_json::Map<String, serde_json::Value>,
) -> (String, String) {
    let k = key(true, "pod_usage", "2025-10-30");
    let mut pod = (String::new(), String::new());
    edit_parquet(tree, &k, |b| {
        let labels = cast(b.column_by_name("pod_labels").unwrap(), &DataType::Utf8).unwrap();
        let labels = labels.as_string::<i32>();
        let text = |c: &str, i: usize| {
            let a = cast(b.column_by_name(c).unwrap(), &DataType::Utf8).unwrap();
            a.as_string::<i32>().value(i).to_string()
        };
        pod = (text("pod", 0), text("namespace", 0));
        let mut row0: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(labels.value(0)).unwrap();
        row0.extend(extra.clone());
        let edited = StringArray::from_iter((0..labels.len()).map(|i| {
            if i == 0 {
                Some(serde_json::to_string(&row0).unwrap())
            } else {
                labels.is_valid(i).then(|| labels.value(i).to_string())
            }
        }));
        with_column(&b, "pod_labels", Some(Arc::new(edited)))
    });
    pod
}

#[test]
fn hostile_label_text_is_loaded_exactly() {
    let case = Case::new("hostile_labels");
    let long = "x".repeat(100_000);
    let mut extra = serde_json::Map::new();
    for (k, v) in HOSTILE_LABELS {
        extra.insert(k.to_string(), serde_json::json!(v));
    }
    extra.insert(LONG_KEY.into(), serde_json::json!(long));
    {
        let mut admin = case.admin();
        for k in extra.keys() {
            admin
                .execute(
                    &format!(
                        "INSERT INTO {SCHEMA}.reporting_enabledtagkeys (key, enabled, provider_type) VALUES ($1, true, 'OCP')"
                    ),
                    &[k],
                )
                .unwrap();
        }
    }
    let tree = tree_copy(&case, "tree");
    let (pod, namespace) = labels_on_row0(&tree, &extra);
    let w = case.path("w");
    case.pipeline(&tree, &w);

    // Each hostile pair is in the pod_labels (and all_labels) of exactly one row: that pod's
    // namespace on 2025-10-30.
    for (k, v) in extra {
        let v = v.as_str().unwrap().to_string();
        let rows = case
            .admin()
            .query(
                &format!(
                    "SELECT namespace, usage_start::text, pod_labels ->> $1, all_labels ->> $1 FROM {SCHEMA}.{SUMMARY}
                      WHERE pod_labels ? $1"
                ),
                &[&k],
            )
            .unwrap();
        assert_eq!(rows.len(), 1, "{k:?} ({pod}) is on one row");
        let (ns, day, got, all): (String, String, String, String) = (
            rows[0].get(0),
            rows[0].get(1),
            rows[0].get(2),
            rows[0].get(3),
        );
        assert_eq!(
            (ns.as_str(), day.as_str()),
            (namespace.as_str(), "2025-10-30")
        );
        assert_eq!(got, v, "{k:?}");
        assert_eq!(all, v, "{k:?}");
    }
}

/// A NUL in text: PostgreSQL can store it neither in `text` nor in `jsonb`, so koku's insert would
/// fail. The extract refuses it where it enters, naming object, row and column: as a `\u0000` escape
/// in label JSON, and as a raw NUL character in plain text (a namespace).
#[test]
fn nul_in_text_is_refused_naming_object_row_and_column() {
    let case = Case::new("nul_text");
    let db = case.snapshot();
    let k = key(true, "pod_usage", "2025-10-30");

    let tree = tree_copy(&case, "tree");
    let mut extra = serde_json::Map::new();
    extra.insert("app".into(), serde_json::json!("web\u{0}"));
    labels_on_row0(&tree, &extra);
    let out = case.path("out");
    run(&mut case.extract(&tree, &out)).fails_with(&[&format!(
        "{}: row 0 (0-based), column pod_labels: holds a \\u0000 (NUL) character, which PostgreSQL's jsonb cannot store",
        tree.join(&k).display()
    )]);
    assert_eq!(stages(&out), Vec::<String>::new());

    let tree = tree_copy(&case, "tree2");
    edit_parquet(&tree, &k, |b| {
        let ns = cast(b.column_by_name("namespace").unwrap(), &DataType::Utf8).unwrap();
        let ns = ns.as_string::<i32>();
        let edited = StringArray::from_iter(
            (0..ns.len())
                .map(|i| Some(format!("{}{}", ns.value(i), if i == 1 { "\0" } else { "" }))),
        );
        with_column(&b, "namespace", Some(Arc::new(edited)))
    });
    let out = case.path("out2");
    run(&mut case.extract(&tree, &out)).fails_with(&[
        &format!(
            "{}: row 1 (0-based), column namespace: ",
            tree.join(&k).display()
        ),
        "holds a NUL character, which PostgreSQL text cannot store",
    ]);
    assert_eq!(stages(&out), Vec::<String>::new());
    assert_same_db(&db, &case.snapshot());
}
