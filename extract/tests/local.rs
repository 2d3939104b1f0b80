//! Extract from a local folder in koku's layout: normalisation of every physical variation, the date
//! filter, the start-date clamp, determinism, and the errors that name the file at fault.

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use common::*;
use koku_common::schema::{
    COST_CATEGORY_NAMESPACE, ENABLED_TAG_KEYS, NAMESPACE_LABELS_DAILY, NODE_LABELS_DAILY,
    OCP_INPUTS, OCP_NODES, POD_USAGE_DAILY, POD_USAGE_HOURLY, STORAGE_USAGE_DAILY,
};
use koku_common::workdir::{WorkDir, stage};
use koku_extract::{
    ExtractError, ExtractOptions, LocalSource, ObjectSource, OcpRequest, PgOverrides, extract_ocp,
    new_runtime,
};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn request(dir: &Path, out: &Path, start: Option<&str>, end: Option<&str>) -> OcpRequest {
    let (cc, nodes) = write_flag_files(dir);
    OcpRequest {
        schema: SCHEMA.into(),
        source_uuid: SOURCE.parse().unwrap(),
        year: 2025,
        month: 10,
        start_date: start.map(d),
        end_date: end.map(d),
        pg: PgOverrides {
            cluster_id: Some("test-cluster-001".into()),
            cluster_alias: Some("Test Cluster".into()),
            report_period_id: Some(7),
            enabled_keys: Some(vec!["tier".into(), "app".into(), "app".into()]),
            cost_categories: Some(cc),
            node_roles: Some(nodes),
        },
        database: None,
        out: out.to_path_buf(),
    }
}

fn run(
    tree: &Path,
    req: &OcpRequest,
    opts: &ExtractOptions,
) -> koku_extract::Result<koku_extract::ExtractReport> {
    let rt = new_runtime().unwrap();
    let source: Arc<dyn ObjectSource> = Arc::new(LocalSource::new(tree).unwrap());
    extract_ocp(&rt, source, req, opts)
}

#[test]
fn local_tree_is_normalised_into_canonical_values() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let out = tmp.path().join("wd");
    let report = run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap();

    // Whole month requested; the first daily pod day is 10-02, so the run starts there (spec §1 step 2)
    // and rows of 10-01 in the other datasets are not extracted.
    let id = &report.identity;
    assert_eq!(id.requested_start_date, d("2025-10-01"));
    assert_eq!(id.start_date, d("2025-10-02"));
    assert_eq!(id.end_date, d("2025-10-31"));
    assert_eq!((id.year.as_str(), id.month.as_str()), ("2025", "10"));
    assert_eq!(id.cluster_id.as_deref(), Some("test-cluster-001"));
    assert_eq!(id.cluster_alias.as_deref(), Some("Test Cluster"));
    assert_eq!(id.report_period_id, Some(7));
    assert_eq!(id.source_uuid, SOURCE);

    // Hourly: int64 / float32 measures → f64, large_utf8 / dictionary → utf8, ms+UTC / us → naive ms,
    // H1 (10-01) filtered out by the clamped start, the sub-folder file read, NULL kept.
    assert_eq!(
        rows(&out, &POD_USAGE_HOURLY),
        strs(&[
            &["2025-10-02T00:00:00", "n1", "7200.0", "2000.5"],
            &["2025-10-02T05:00:00", "", "3600.0", "3000.0"],
            &["2025-10-02T23:00:00", "n2", "1800.0", "4000.0"],
            &["2025-10-03T00:00:00", "n1", "900.5", "500.0"],
            &["2025-10-03T01:00:00", "n1", "900.5", "NULL"],
        ])
    );

    // Daily pod: D0 (09-30, misfiled under month=10) dropped; D2 lacks the optional effective-usage
    // and node_role columns → NULL; its reversed order, dictionaries and integers are normalised.
    let rps = "2025-10-01T00:00:00";
    let rpe = "2025-11-01T00:00:00";
    assert_eq!(
        rows(&out, &POD_USAGE_DAILY),
        strs(&[
            &[
                "ns1",
                "n1",
                "pod1",
                "{\"app\": \"web\"}",
                "2025-10-02T00:00:00",
                rps,
                rpe,
                "i-n1",
                "10.0",
                "20.0",
                "21.0",
                "40.0",
                "1000000000.0",
                "2000000000.0",
                "2500000000.0",
                "4000000000.0",
                "4.0",
                "345600.0",
                "8000000000.0",
                "691200000000000.0",
                "worker",
            ],
            &[
                "ns2",
                "n2",
                "pod2",
                "{}",
                "2025-10-02T00:00:00",
                rps,
                rpe,
                "i-n2",
                "11.0",
                "21.0",
                "22.0",
                "41.0",
                "1000000001.0",
                "2000000001.0",
                "2500000001.0",
                "4000000001.0",
                "5.0",
                "345601.0",
                "8000000001.0",
                "691200000000001.0",
                "NULL",
            ],
            &[
                "ns1",
                "n1",
                "pod1",
                "{\"app\": \"web\"}",
                "2025-10-03T00:00:00",
                rps,
                rpe,
                "i-1",
                "7.0",
                "8.0",
                "NULL",
                "9.0",
                "1.0",
                "2.0",
                "NULL",
                "3.0",
                "4.0",
                "345600.0",
                "8000000000.0",
                "691200000000000.0",
                "NULL",
            ],
        ])
    );

    // Storage: the old file has no node/csi_* (→ NULL) and its 10-01 row is before the clamped start.
    assert_eq!(
        rows(&out, &STORAGE_USAGE_DAILY),
        strs(&[
            &[
                "ns1",
                "NULL",
                "pod1",
                "pvc1",
                "pv1",
                "gp3",
                "NULL",
                "NULL",
                "{}",
                "{\"c\": \"d\"}",
                "2025-10-02T00:00:00",
                rps,
                rpe,
                "20000000000.0",
                "1728000000000000.0",
                "2.0",
                "0.25",
            ],
            &[
                "",
                "n1",
                "",
                "",
                "pv2",
                "gp3",
                "ebs.csi.aws.com",
                "vol-1",
                "{}",
                "{}",
                "2025-10-03T00:00:00",
                rps,
                rpe,
                "30000000000.0",
                "2592000000000000.0",
                "0.0",
                "0.0",
            ],
        ])
    );
    assert_eq!(
        rows(&out, &NODE_LABELS_DAILY),
        strs(&[&[
            "n1",
            "{\"kubernetes_io_arch\": \"amd64\"}",
            "2025-10-02T00:00:00",
            rps,
            rpe
        ]])
    );
    assert_eq!(
        rows(&out, &NAMESPACE_LABELS_DAILY),
        strs(&[
            &["ns1", "{\"team\": \"a\"}", "2025-10-02T00:00:00", rps, rpe],
            &["ns2", "{}", "2025-10-03T00:00:00", rps, rpe],
        ])
    );

    // PostgreSQL inputs from flags, sorted (keys also de-duplicated); COPY-CSV NULL vs "" kept.
    assert_eq!(rows(&out, &ENABLED_TAG_KEYS), strs(&[&["app"], &["tier"]]));
    assert_eq!(
        rows(&out, &COST_CATEGORY_NAMESPACE),
        strs(&[
            &["Platform unallocated", "1"],
            &["kube-%", "1"],
            &["my-app", "2"],
            &["openshift", "1"],
            &["openshift-%", "1"],
        ])
    );
    assert_eq!(
        rows(&out, &OCP_NODES),
        // `--node-roles` rows declare roles: no capacity, architecture or cluster provider.
        strs(&[
            &["m1", "i-9", "master", "NULL", "NULL", "NULL"],
            &["n1", "i-1", "worker", "NULL", "NULL", "NULL"],
            &["n2", "i-2", "", "NULL", "NULL", "NULL"],
            &["n3", "NULL", "NULL", "NULL", "NULL", "NULL"],
        ])
    );

    // run.json: one input per object read, in key order, nothing of another month or source, no
    // hidden or non-Parquet file; every output recorded.
    let wd = WorkDir::open(&out).unwrap();
    let st = wd.stage(stage::EXTRACT).expect("extract recorded");
    assert_eq!(st.tool, "koku-extract");
    assert_eq!(st.outputs.len(), OCP_INPUTS.len());
    let keys: Vec<String> = st
        .inputs
        .iter()
        .map(|i| {
            i.key
                .strip_prefix(&format!("{}/", tree.display()))
                .unwrap()
                .to_string()
        })
        .collect();
    let hp = hourly("pod_usage", SOURCE, "10");
    let dp = daily("pod_usage", SOURCE, "10");
    let expected_keys = vec![
        format!("{hp}/pod_usage.2025-10-01.1.0_0.parquet"),
        format!("{hp}/pod_usage.2025-10-02.1.0_0.parquet"),
        format!("{hp}/sub/pod_usage.2025-10-03.1.0_0.parquet"),
        format!("{dp}/pod_usage.2025-09-30.1.0_daily_0.parquet"),
        format!("{dp}/pod_usage.2025-10-02.1.0_daily_0.parquet"),
        format!("{dp}/pod_usage.2025-10-03.1.0_daily_0.parquet"),
        format!(
            "{}/storage_usage.2025-10-01.1.0_daily_0.parquet",
            daily("storage_usage", SOURCE, "10")
        ),
        format!(
            "{}/storage_usage.2025-10-03.1.0_daily_0.parquet",
            daily("storage_usage", SOURCE, "10")
        ),
        format!(
            "{}/node_labels.2025-10-01.1.0_daily_0.parquet",
            daily("node_labels", SOURCE, "10")
        ),
        format!(
            "{}/namespace_labels.2025-10-02.1.0_daily_0.parquet",
            daily("namespace_labels", SOURCE, "10")
        ),
    ];
    assert_eq!(keys, expected_keys);
    let kept: Vec<Option<u64>> = st.inputs.iter().map(|i| i.rows).collect();
    assert_eq!(
        kept,
        [0, 3, 2, 0, 2, 1, 1, 1, 1, 2].map(Some).to_vec(),
        "rows kept per object after the date filter"
    );
    for i in &st.inputs {
        assert_eq!(i.size, std::fs::metadata(&i.key).unwrap().len());
        assert_eq!(i.etag, None);
    }
    assert_eq!(st.details["files_read"], 10);
    assert_eq!(st.details["requested_start_date"], "2025-10-01");
    assert_eq!(st.details["start_date"], "2025-10-02");
    assert_eq!(
        st.details["start_clamp"]["min_interval_start"],
        "2025-10-02 00:00:00"
    );
    assert_eq!(
        st.details["postgres_inputs"]["enabled_keys"],
        "--enabled-keys"
    );
    assert_eq!(
        report
            .datasets
            .iter()
            .map(|s| (s.name, s.rows, s.files))
            .collect::<Vec<_>>(),
        vec![
            (POD_USAGE_HOURLY.name, 5, Some(3)),
            (POD_USAGE_DAILY.name, 3, Some(3)),
            (STORAGE_USAGE_DAILY.name, 2, Some(2)),
            (NODE_LABELS_DAILY.name, 1, Some(1)),
            (NAMESPACE_LABELS_DAILY.name, 2, Some(1)),
            (ENABLED_TAG_KEYS.name, 2, None),
            (COST_CATEGORY_NAMESPACE.name, 5, None),
            (OCP_NODES.name, 4, None),
        ]
    );
    // Nothing but run.json and the outputs is left in the work dir.
    let mut expected_files: Vec<String> = OCP_INPUTS.iter().map(|d| d.file_name()).collect();
    expected_files.push("run.json".into());
    expected_files.sort();
    assert_eq!(files_in(&out), expected_files);
}

#[test]
fn explicit_window_filters_rows_and_does_not_clamp_when_data_starts_on_time() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let out = tmp.path().join("wd");
    let report = run(
        &tree,
        &request(tmp.path(), &out, Some("2025-10-03"), Some("2025-10-03")),
        &ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!(report.identity.requested_start_date, d("2025-10-03"));
    assert_eq!(report.identity.start_date, d("2025-10-03"));
    assert_eq!(report.identity.end_date, d("2025-10-03"));
    let column = |ds, idx: usize| -> Vec<String> {
        rows(&out, ds).into_iter().map(|r| r[idx].clone()).collect()
    };
    assert_eq!(
        column(&POD_USAGE_HOURLY, 0),
        vec!["2025-10-03T00:00:00", "2025-10-03T01:00:00"]
    );
    assert_eq!(column(&POD_USAGE_DAILY, 4), vec!["2025-10-03T00:00:00"]);
    assert_eq!(rows(&out, &STORAGE_USAGE_DAILY).len(), 1);
    assert!(rows(&out, &NODE_LABELS_DAILY).is_empty());
    assert_eq!(
        rows(&out, &NAMESPACE_LABELS_DAILY),
        strs(&[&[
            "ns2",
            "{}",
            "2025-10-03T00:00:00",
            "2025-10-01T00:00:00",
            "2025-11-01T00:00:00"
        ]])
    );

    // The end bound is exclusive at end + 1 day 00:00: 10-02 23:00 is in a window ending 10-02, 10-03
    // 00:00 is not. The clamp moves a 10-01 start to 10-02.
    let out2 = tmp.path().join("wd2");
    let report = run(
        &tree,
        &request(tmp.path(), &out2, Some("2025-10-01"), Some("2025-10-02")),
        &ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!(report.identity.requested_start_date, d("2025-10-01"));
    assert_eq!(report.identity.start_date, d("2025-10-02"));
    let hourly_ts: Vec<String> = rows(&out2, &POD_USAGE_HOURLY)
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(
        hourly_ts,
        vec![
            "2025-10-02T00:00:00",
            "2025-10-02T05:00:00",
            "2025-10-02T23:00:00"
        ]
    );
    assert_eq!(rows(&out2, &NAMESPACE_LABELS_DAILY).len(), 1);
}

#[test]
fn window_without_pod_data_keeps_the_requested_start_and_is_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let out = tmp.path().join("wd");
    let report = run(
        &tree,
        &request(tmp.path(), &out, Some("2025-10-20"), None),
        &ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!(report.identity.start_date, d("2025-10-20"));
    assert_eq!(report.identity.requested_start_date, d("2025-10-20"));
    for ds in &OCP_INPUTS[..5] {
        assert!(rows(&out, ds).is_empty(), "{}", ds.name);
    }
    let st = WorkDir::open(&out)
        .unwrap()
        .stage(stage::EXTRACT)
        .cloned()
        .unwrap();
    assert_eq!(
        st.details["start_clamp"]["min_interval_start"],
        serde_json::Value::Null
    );
}

#[test]
fn missing_prefixes_are_empty_datasets() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    // Only daily pod data exists: no hourly, no storage (koku: storage_exists false), no labels.
    put_parquet(
        &tree,
        &format!(
            "{}/pod_usage.2025-10-05.1.0_daily_0.parquet",
            daily("pod_usage", SOURCE, "10")
        ),
        &daily_pod_koku(&[("ns1", "n1", "pod1", "{}", "2025-10-05 00:00:00", None)]),
    );
    let out = tmp.path().join("wd");
    let report = run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!(report.identity.start_date, d("2025-10-05"));
    assert_eq!(rows(&out, &POD_USAGE_DAILY).len(), 1);
    for ds in [
        &POD_USAGE_HOURLY,
        &STORAGE_USAGE_DAILY,
        &NODE_LABELS_DAILY,
        &NAMESPACE_LABELS_DAILY,
    ] {
        assert!(rows(&out, ds).is_empty(), "{}", ds.name);
    }
}

#[test]
fn reruns_and_tuning_knobs_give_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    run(
        &tree,
        &request(tmp.path(), &a, None, None),
        &ExtractOptions::default(),
    )
    .unwrap();
    let first = arrow_files(&a);
    assert_eq!(first.len(), OCP_INPUTS.len());
    // Same dir again.
    run(
        &tree,
        &request(tmp.path(), &a, None, None),
        &ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!(arrow_files(&a), first);
    // Another dir, sequential fetches, no clamp cache (daily pod fetched twice).
    let opts = ExtractOptions {
        concurrency: 1,
        clamp_cache_bytes: 0,
        ..ExtractOptions::default()
    };
    run(&tree, &request(tmp.path(), &b, None, None), &opts).unwrap();
    assert_eq!(arrow_files(&b), first);
    let st = WorkDir::open(&b)
        .unwrap()
        .stage(stage::EXTRACT)
        .cloned()
        .unwrap();
    assert_eq!(
        st.details["start_clamp"]["objects_cached_for_main_pass"],
        false
    );
    // A batch size of 1 changes the batching but not the rows.
    let c = tmp.path().join("c");
    let opts = ExtractOptions {
        batch_size: 1,
        concurrency: 8,
        ..ExtractOptions::default()
    };
    run(&tree, &request(tmp.path(), &c, None, None), &opts).unwrap();
    for ds in OCP_INPUTS {
        assert_eq!(rows(&c, ds), rows(&a, ds), "{}", ds.name);
    }
}

fn assert_no_outputs(out: &Path) {
    let files = files_in(out);
    assert!(
        files.iter().all(|f| f == "run.json"),
        "only run.json may remain after a failure: {files:?}"
    );
    if files.contains(&"run.json".to_string()) {
        let wd = WorkDir::open(out).unwrap();
        assert!(
            wd.stage(stage::EXTRACT).is_none(),
            "run.json claims an extract"
        );
    }
}

#[test]
fn missing_required_column_names_file_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    // A daily storage file with only two columns: the first required one missing is `pod`.
    let key = format!(
        "{}/storage_usage.2025-10-04.1.0_daily_0.parquet",
        daily("storage_usage", SOURCE, "10")
    );
    put_parquet(
        &tree,
        &key,
        &batch(vec![
            ("namespace", utf8(&[Some("ns1")])),
            ("interval_start", ts(&["2025-10-04 00:00:00"])),
        ]),
    );
    let out = tmp.path().join("wd");
    let err = run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, ExtractError::MissingColumn { column: "pod", .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&key), "{msg}");
    assert!(msg.contains("required column \"pod\""), "{msg}");
    assert!(msg.contains(STORAGE_USAGE_DAILY.name), "{msg}");
    assert_no_outputs(&out);
}

#[test]
fn string_where_a_measure_is_expected_names_file_column_and_type() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let key = format!(
        "{}/pod_usage.2025-10-04.1.0_0.parquet",
        hourly("pod_usage", SOURCE, "10")
    );
    put_parquet(
        &tree,
        &key,
        &batch(vec![
            ("interval_start", ts(&["2025-10-04 00:00:00"])),
            ("node", utf8(&[Some("n1")])),
            ("node_capacity_cpu_core_seconds", utf8(&[Some("3600")])),
            ("node_capacity_memory_byte_seconds", f64s(&[Some(1.0)])),
        ]),
    );
    let out = tmp.path().join("wd");
    let msg = run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains(&key), "{msg}");
    assert!(
        msg.contains("column \"node_capacity_cpu_core_seconds\" has type Utf8, expected a number"),
        "{msg}"
    );
    assert_no_outputs(&out);
}

#[test]
fn a_failed_rerun_leaves_the_earlier_run_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let out = tmp.path().join("wd");
    run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!(arrow_files(&out).len(), OCP_INPUTS.len());
    let before = arrow_files(&out);
    let run_json = std::fs::read(out.join("run.json")).unwrap();
    // The same run again, now with a corrupt namespace-labels object (the last Parquet dataset, so
    // four datasets are already being written when it fails).
    let key = format!(
        "{}/namespace_labels.2025-10-05.1.0_daily_0.parquet",
        daily("namespace_labels", SOURCE, "10")
    );
    put(&tree, &key, b"PAR1 this is not a parquet file PAR1");
    let msg = run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains(&key) && msg.contains("not a readable Parquet file"),
        "{msg}"
    );
    // Every file of the earlier run as it was (its outputs are replaced only when the new run's
    // are complete and recorded), no temporary file left, and the run still checks out.
    assert_eq!(arrow_files(&out), before);
    assert_eq!(std::fs::read(out.join("run.json")).unwrap(), run_json);
    assert_eq!(files_in(&out).len(), OCP_INPUTS.len() + 1);
    let wd = WorkDir::open(&out).unwrap();
    for ds in OCP_INPUTS {
        wd.reader(stage::EXTRACT, ds).unwrap();
    }
}

#[test]
fn invalid_run_parameters_are_refused_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let out = tmp.path().join("wd");
    let mut req = request(tmp.path(), &out, Some("2025-09-30"), None);
    let e = run(&tree, &req, &ExtractOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--start-date 2025-09-30 is outside 2025-10"),
        "{e}"
    );
    req.start_date = Some(d("2025-10-10"));
    req.end_date = Some(d("2025-10-09"));
    let e = run(&tree, &req, &ExtractOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("after --end-date"), "{e}");
    req.end_date = None;
    req.schema = "Org1; DROP".into();
    let e = run(&tree, &req, &ExtractOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a valid tenant schema name"), "{e}");
    assert!(
        !out.exists(),
        "nothing may be created for invalid parameters"
    );
}

#[test]
fn legacy_acct_schema_reads_the_numeric_account_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    put_parquet(
        &tree,
        &format!(
            "data/parquet/daily/10001/OCP/pod_usage/source={SOURCE}/year=2025/month=10/p.parquet"
        ),
        &daily_pod_koku(&[("ns1", "n1", "pod1", "{}", "2025-10-05 00:00:00", None)]),
    );
    // The same data under the unstripped name must not be read.
    put(
        &tree,
        &format!(
            "data/parquet/daily/acct10001/OCP/pod_usage/source={SOURCE}/year=2025/month=10/p.parquet"
        ),
        b"garbage",
    );
    let out = tmp.path().join("wd");
    let mut req = request(tmp.path(), &out, None, None);
    req.schema = "acct10001".into();
    run(&tree, &req, &ExtractOptions::default()).unwrap();
    assert_eq!(rows(&out, &POD_USAGE_DAILY).len(), 1);
}

#[test]
fn pyarrow_written_koku_fixture_is_read() {
    // testdata/ocp-small was written by pandas 2.3.3 / pyarrow 25 exactly like koku (README.txt there):
    // 3 days 2025-10-30..11-01, per day 72 hourly pod rows, 3 daily pod rows, 1 storage row, 2 node-
    // and 2 namespace-label rows. October holds two of the days.
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/ocp-small");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("wd");
    let report = run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!(report.identity.start_date, d("2025-10-30"));
    assert_eq!(report.identity.end_date, d("2025-10-31"));
    let counts: Vec<(u64, Option<usize>)> = report.datasets[..5]
        .iter()
        .map(|s| (s.rows, s.files))
        .collect();
    assert_eq!(
        counts,
        vec![
            (144, Some(2)),
            (6, Some(2)),
            (2, Some(2)),
            (4, Some(2)),
            (4, Some(2))
        ]
    );
    let daily = rows(&out, &POD_USAGE_DAILY);
    assert!(
        daily.iter().all(|r| r[4].starts_with("2025-10-3")),
        "{daily:?}"
    );
    // Every text column decoded (no NULL namespace or labels in koku's own files).
    assert!(
        daily
            .iter()
            .all(|r| r[0] != "NULL" && r[3].starts_with('{')),
        "{daily:?}"
    );
}

/// A daily pod file of the standard tree's day 4 with one replaced column.
fn daily_pod_with(column: &str, values: arrow::array::ArrayRef) -> arrow::array::RecordBatch {
    let b = daily_pod_koku(&[
        ("ns1", "n1", "pod1", "{}", "2025-10-04 00:00:00", None),
        ("ns1", "n1", "pod2", "{}", "2025-10-04 00:00:00", None),
        ("ns1", "n1", "pod3", "{}", "2025-10-04 00:00:00", None),
    ]);
    let schema = b.schema();
    let i = schema.index_of(column).unwrap();
    let mut cols = b.columns().to_vec();
    cols[i] = values;
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(j, f)| {
            if j == i {
                arrow::datatypes::Field::new(f.name(), cols[i].data_type().clone(), true)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    arrow::array::RecordBatch::try_new(
        std::sync::Arc::new(arrow::datatypes::Schema::new(fields)),
        cols,
    )
    .unwrap()
}

fn bad_value_run(
    column: &str,
    values: arrow::array::ArrayRef,
) -> (String, ExtractError, std::path::PathBuf, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let key = format!(
        "{}/pod_usage.2025-10-04.9.0_daily_0.parquet",
        daily("pod_usage", SOURCE, "10")
    );
    put_parquet(&tree, &key, &daily_pod_with(column, values));
    let out = tmp.path().join("wd");
    let err = run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap_err();
    (key, err, out, tmp)
}

#[test]
fn nan_and_infinite_measures_are_refused_naming_object_row_and_column() {
    for (value, shown) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        let (key, err, out, _tmp) = bad_value_run(
            "pod_usage_cpu_core_seconds",
            f64s(&[Some(1.0), Some(value), Some(3.0)]),
        );
        let msg = err.to_string();
        assert!(
            matches!(err, ExtractError::BadValue { row: 1, .. }),
            "{err:?}"
        );
        assert!(msg.contains(&key), "{msg}");
        assert!(
            msg.contains(&format!(
                "row 1 (0-based), column pod_usage_cpu_core_seconds: {shown} is not a number"
            )),
            "{msg}"
        );
        assert_no_outputs(&out);
    }
}

#[test]
fn labels_that_are_not_a_json_object_are_refused_naming_object_row_and_column() {
    for (text, why) in [
        ("{\"app\": \"web\"", "EOF"),
        ("app=web", "expected value"),
        (
            "{\"app\": {\"nested\": \"x\"}}",
            "string, number, boolean or null",
        ),
        ("", "EOF"),
    ] {
        let (key, err, out, _tmp) = bad_value_run(
            "pod_labels",
            utf8(&[Some("{}"), Some("{\"a\": \"b\"}"), Some(text)]),
        );
        let msg = err.to_string();
        assert!(msg.contains(&key), "{msg}");
        assert!(
            msg.contains("row 2 (0-based), column pod_labels: not a JSON object"),
            "{msg}"
        );
        assert!(msg.contains(why), "{text:?}: {msg}");
        assert_no_outputs(&out);
    }
}

#[test]
fn negative_usage_and_null_namespace_are_counted_and_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let key = format!(
        "{}/pod_usage.2025-10-04.9.0_daily_0.parquet",
        daily("pod_usage", SOURCE, "10")
    );
    let mut b = daily_pod_with(
        "pod_usage_cpu_core_seconds",
        f64s(&[Some(-1.0), Some(2.0), Some(-3.0)]),
    );
    let ns = b.schema().index_of("namespace").unwrap();
    let mut cols = b.columns().to_vec();
    cols[ns] = utf8(&[Some("ns1"), None, Some("ns1")]);
    b = arrow::array::RecordBatch::try_new(b.schema(), cols).unwrap();
    put_parquet(&tree, &key, &b);
    let out = tmp.path().join("wd");
    run(
        &tree,
        &request(tmp.path(), &out, None, None),
        &ExtractOptions::default(),
    )
    .unwrap();
    let st = WorkDir::open(&out)
        .unwrap()
        .stage(stage::EXTRACT)
        .cloned()
        .unwrap();
    let warnings = st.details["datasets"][POD_USAGE_DAILY.name]["warnings"].clone();
    let root = LocalSource::new(&tree).unwrap();
    let file = root.location(&key);
    assert_eq!(
        warnings,
        serde_json::json!([
            format!(
                "2 rows with a negative pod_usage_cpu_core_seconds (first: {file} row 0, 0-based)"
            ),
            format!("1 row with a NULL namespace (first: {file} row 1, 0-based)"),
        ]),
        "{warnings}"
    );
}
