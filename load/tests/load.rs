//! koku-load against a real PostgreSQL with koku's tables (scripts/koku-ddl.sql).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use common::*;
use koku_common::workdir::{WorkDir, stage};
use koku_load::{LoadError, load};

/// The database is as it was (rows and tracked partitions) and the work dir records no load.
fn assert_untouched(db: &mut TenantDb, before: &[String], partitions: &[String], dir: &Path) {
    assert_eq!(db.snapshot(SCHEMA), before);
    assert_eq!(db.tracked_partitions(), partitions);
    assert!(WorkDir::open(dir).unwrap().stage(stage::LOAD).is_none());
}

#[test]
fn loads_rows_with_koku_types_into_a_new_month_partition() {
    let mut db = TenantDb::new("load_values");
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &standard_rows());
    assert!(
        db.tracked_partitions()
            .iter()
            .all(|t| t.ends_with("_default"))
    );

    let report = load(dir.path(), &db.options(false)).unwrap();
    assert_eq!(report.rows_inserted(), 7);
    assert_eq!(report.rows_deleted(), 0);
    assert_eq!(
        report.tables[0].partitions.created,
        vec![MONTH_PARTITION.to_string()]
    );
    assert_eq!(
        report.to_string(),
        "loaded 7 rows into org1234567.reporting_ocpusagelineitem_daily_summary \
         (2025-10-01..2025-10-02, report period 1): pod 3, storage 2, unallocated 2; deleted 0; \
         created partition reporting_ocpusagelineitem_daily_summary_2025_10"
    );

    // The partition was made through a koku tracking row, and every row was routed into it.
    assert_eq!(
        db.tracked_partitions(),
        vec![
            MONTH_PARTITION.to_string(),
            "reporting_ocpusagelineitem_daily_summary_default".to_string()
        ]
    );
    let bounds: String = db
        .client
        .query_one(
            &format!(
                "SELECT pg_get_expr(relpartbound, oid) FROM pg_class \
                 WHERE oid = '{SCHEMA}.{MONTH_PARTITION}'::regclass"
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(bounds, "FOR VALUES FROM ('2025-10-01') TO ('2025-11-01')");
    let params: serde_json::Value = db
        .client
        .query_one(
            &format!(
                "SELECT partition_parameters FROM {SCHEMA}.partitioned_tables WHERE table_name = $1"
            ),
            &[&MONTH_PARTITION],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        params,
        serde_json::json!({"default": false, "from": "2025-10-01", "to": "2025-11-01"})
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM {TABLE} WHERE tableoid = '{SCHEMA}.{MONTH_PARTITION}'::regclass"
        )),
        7
    );

    // A pod row: numeric text at scale 15, jsonb equal to the label map, constant columns.
    let pod = db
        .client
        .query_one(
            &format!(
                "SELECT pod_usage_cpu_core_hours::text, pod_labels = '{{\"env\": \"prod\", \"app\": \"web\"}}'::jsonb, \
                 all_labels = pod_labels, volume_labels IS NULL, \
                 infrastructure_usage_cost = '{{\"cpu\": 0, \"memory\": 0, \"storage\": 0}}'::jsonb, \
                 cluster_id, cluster_alias, source_uuid::text, report_period_id, usage_end::text, \
                 pod_usage_memory_gigabyte_hours IS NULL, infrastructure_raw_cost IS NULL, \
                 cost_category_id IS NULL, node, resource_id \
                 FROM {TABLE} WHERE data_source = 'Pod' AND namespace = 'web' AND usage_start = '2025-10-01'"
            ),
            &[],
        )
        .unwrap();
    assert_eq!(pod.get::<_, String>(0), "93.000000000000000");
    assert!(pod.get::<_, bool>(1), "pod_labels");
    assert!(pod.get::<_, bool>(2), "all_labels = pod_labels");
    assert!(pod.get::<_, bool>(3), "volume_labels NULL");
    assert!(pod.get::<_, bool>(4), "infrastructure_usage_cost");
    assert_eq!(pod.get::<_, String>(5), "my-cluster");
    assert_eq!(pod.get::<_, String>(6), "My Cluster");
    assert_eq!(pod.get::<_, String>(7), SOURCE);
    assert_eq!(pod.get::<_, i32>(8), db.report_period_id);
    assert_eq!(pod.get::<_, String>(9), "2025-10-01");
    assert!(pod.get::<_, bool>(10), "unset measure stays NULL");
    assert!(
        pod.get::<_, bool>(11),
        "infrastructure_raw_cost NULL, not 0"
    );
    assert!(pod.get::<_, bool>(12));
    assert_eq!(pod.get::<_, String>(13), "node-1");
    assert_eq!(pod.get::<_, String>(14), "i-0001");

    // A storage row: Trino's HALF_UP rounding of the shortest digits.
    let st = db
        .client
        .query_one(
            &format!(
                "SELECT persistentvolumeclaim_capacity_gigabyte_months::text, \
                 volume_request_storage_gigabyte_months::text, persistentvolumeclaim_usage_gigabyte_months::text, \
                 volume_labels = '{{\"tier\": \"db\"}}'::jsonb, all_labels = volume_labels, pod_labels IS NULL, \
                 persistentvolumeclaim, persistentvolume, storageclass \
                 FROM {TABLE} WHERE data_source = 'Storage' AND usage_start = '2025-10-01'"
            ),
            &[],
        )
        .unwrap();
    assert_eq!(st.get::<_, String>(0), "0.322580645161290");
    assert_eq!(st.get::<_, String>(1), "0.161290322580645");
    assert_eq!(st.get::<_, String>(2), "0.032258064516129");
    assert!(st.get::<_, bool>(3) && st.get::<_, bool>(4) && st.get::<_, bool>(5));
    assert_eq!(st.get::<_, String>(6), "data-pvc");
    assert_eq!(st.get::<_, String>(7), "pv-0001");
    assert_eq!(st.get::<_, String>(8), "gp3");

    // Unallocated rows: all_labels is {} (not NULL), the other JSON columns NULL, the category kept.
    let un = db
        .client
        .query_one(
            &format!(
                "SELECT all_labels = '{{}}'::jsonb, pod_labels IS NULL, volume_labels IS NULL, \
                 infrastructure_usage_cost IS NULL, cost_category_id, pod_usage_cpu_core_hours::text \
                 FROM {TABLE} WHERE namespace = 'Platform unallocated'"
            ),
            &[],
        )
        .unwrap();
    assert!(
        un.get::<_, bool>(0)
            && un.get::<_, bool>(1)
            && un.get::<_, bool>(2)
            && un.get::<_, bool>(3)
    );
    assert_eq!(un.get::<_, i32>(4), 1);
    assert_eq!(un.get::<_, String>(5), "3.000000000000000");
    // Every uuid is distinct, and time-ordered (v7): in the order the rows were copied (their
    // physical order in the month partition), each uuid is greater than the one before.
    assert_eq!(
        db.count(&format!("SELECT count(DISTINCT uuid) FROM {TABLE}")),
        7
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM (SELECT uuid, lag(uuid) OVER (ORDER BY ctid) AS prev \
             FROM {SCHEMA}.{MONTH_PARTITION}) s \
             WHERE substr(uuid::text, 15, 1) = '7' AND (prev IS NULL OR uuid > prev)"
        )),
        7
    );

    // run.json records the load, with the database shown without a password.
    let wd = WorkDir::open(dir.path()).unwrap();
    let rec = wd.stage(stage::LOAD).expect("load recorded");
    assert_eq!(rec.tool, "koku-load");
    assert_eq!(rec.details["rows_inserted"], 7);
    assert_eq!(rec.details["rows_deleted"], 0);
    assert_eq!(rec.details["rows_by_row_kind"]["unallocated"], 2);
    assert_eq!(rec.details["schema"], SCHEMA);
    assert!(
        rec.details["database"]
            .as_str()
            .unwrap()
            .contains("dbname=load_values")
    );
    assert_eq!(rec.inputs, wd.outputs_as_inputs(stage::TRANSFORM));
}

#[test]
fn loading_twice_leaves_the_same_rows() {
    let mut db = TenantDb::new("idempotent");
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &standard_rows());
    load(dir.path(), &db.options(false)).unwrap();
    let first = db.snapshot(SCHEMA);
    let uuids_first = db.count(&format!(
        "SELECT sum(hashtext(uuid::text))::bigint FROM {TABLE}"
    ));

    let again = load(dir.path(), &db.options(false)).unwrap();
    assert_eq!(again.rows_deleted(), 7);
    assert_eq!(again.rows_inserted(), 7);
    assert!(
        again.tables[0].partitions.created.is_empty(),
        "partition already there"
    );
    assert_eq!(db.snapshot(SCHEMA), first);
    assert_eq!(first.len(), 7);
    // Replaced, not kept: the rows carry new uuids.
    assert_ne!(
        db.count(&format!(
            "SELECT sum(hashtext(uuid::text))::bigint FROM {TABLE}"
        )),
        uuids_first
    );
}

#[test]
fn delete_scope_is_kokus_and_default_partition_rows_are_moved() {
    let mut db = TenantDb::new("delete_scope");
    let (rp, other) = (db.report_period_id, db.other_report_period_id);
    // Seeded before the month partition exists: these land in the default partition.
    db.seed(rp, day(1), "old-summary", None); // in scope: replaced
    db.seed(rp, day(2), "old-cost-model", Some(0.0)); // in scope (zero raw cost): replaced
    db.seed(other, day(1), "other-report-period", None); // survives
    db.seed(rp, day(3), "day-outside-run", None); // survives
    db.seed(
        rp,
        NaiveDate::from_ymd_opt(2025, 9, 30).unwrap(),
        "previous-month",
        None,
    ); // survives
    db.seed(rp, day(1), "ocp-on-cloud", Some(12.5)); // survives
    let default = format!("{SCHEMA}.reporting_ocpusagelineitem_daily_summary_default");
    assert_eq!(db.count(&format!("SELECT count(*) FROM {default}")), 6);

    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(rp), &standard_rows());
    let report = load(dir.path(), &db.options(false)).unwrap();
    assert_eq!(report.rows_deleted(), 2);
    assert_eq!(report.tables[0].partitions.rows_moved_from_default, 5);

    let namespaces: Vec<String> = db
        .client
        .query(
            &format!("SELECT namespace FROM {TABLE} WHERE namespace NOT IN ('web', 'openshift-monitoring', 'Platform unallocated', 'Worker unallocated') ORDER BY 1"),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        namespaces,
        [
            "day-outside-run",
            "ocp-on-cloud",
            "other-report-period",
            "previous-month"
        ]
    );
    assert_eq!(db.count(&format!("SELECT count(*) FROM {TABLE}")), 11);
    // October rows moved out of the default partition into the new month partition; September stays.
    assert_eq!(db.count(&format!("SELECT count(*) FROM {default}")), 1);
    assert_eq!(
        db.count(&format!("SELECT count(*) FROM {SCHEMA}.{MONTH_PARTITION}")),
        10
    );
    let raw: String = db
        .client
        .query_one(
            &format!(
                "SELECT infrastructure_raw_cost::text FROM {TABLE} WHERE namespace = 'ocp-on-cloud'"
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(raw, "12.500000000000000");
}

#[test]
fn bad_measures_are_refused_and_change_nothing() {
    let mut db = TenantDb::new("bad_measure");
    db.seed(db.report_period_id, day(1), "old-summary", None);
    let before = db.snapshot(SCHEMA);
    let partitions = db.tracked_partitions();

    for (value, reason) in [(f64::NAN, "NaN"), (1e18, "1e18"), (f64::INFINITY, "inf")] {
        let mut rows = standard_rows();
        rows[4] = rows[4]
            .clone()
            .with("persistentvolumeclaim_usage_gigabyte_months", value);
        let dir = tempfile::tempdir().unwrap();
        workdir(dir.path(), identity(db.report_period_id), &rows);
        let err = load(dir.path(), &db.options(false)).unwrap_err();
        match &err {
            LoadError::BadValue { row, column, .. } => {
                assert_eq!(*row, 4);
                assert_eq!(*column, "persistentvolumeclaim_usage_gigabyte_months");
            }
            other => panic!("expected BadValue, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains("row 4") && text.contains(reason), "{text}");
        assert_untouched(&mut db, &before, &partitions, dir.path());
    }
}

#[test]
fn a_bad_value_after_rows_were_copied_rolls_everything_back() {
    let mut db = TenantDb::new("bad_late");
    db.seed(db.report_period_id, day(1), "old-summary", None);
    let before = db.snapshot(SCHEMA);
    let partitions = db.tracked_partitions();
    // The work dir holds 8,192 rows per batch: when row 8,500 is found bad, the delete has run and the
    // first batch has gone into the COPY.
    let mut rows: Vec<SummaryRow> = (0..9000)
        .map(|i| SummaryRow::pod(day(1), &format!("ns-{i}"), "{}"))
        .collect();
    rows[8500] = rows[8500]
        .clone()
        .with("pod_usage_cpu_core_hours", f64::NAN);
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &rows);
    match load(dir.path(), &db.options(false)) {
        Err(LoadError::BadValue { row, column, .. }) => {
            assert_eq!((row, column), (8500, "pod_usage_cpu_core_hours"));
        }
        other => panic!("expected BadValue, got {other:?}"),
    }
    assert_untouched(&mut db, &before, &partitions, dir.path());
    // Without the bad value the same rows load, replacing the seeded one.
    rows[8500] = SummaryRow::pod(day(1), "ns-8500", "{}");
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &rows);
    let report = load(dir.path(), &db.options(false)).unwrap();
    assert_eq!(report.rows_inserted(), 9000);
    assert_eq!(report.rows_deleted(), 1);
}

#[test]
fn rows_outside_the_run_are_refused() {
    let db = TenantDb::new("outside_run");
    let cases: Vec<(SummaryRow, &str)> = vec![
        (SummaryRow::pod(day(3), "web", "{}"), "usage_start"),
        (
            SummaryRow {
                report_period_id: Some(db.other_report_period_id),
                ..SummaryRow::pod(day(1), "web", "{}")
            },
            "report_period_id",
        ),
        (
            SummaryRow {
                source_uuid: Some(OTHER_SOURCE.into()),
                ..SummaryRow::pod(day(1), "web", "{}")
            },
            "source_uuid",
        ),
        (
            SummaryRow {
                pod_labels: Some(r#"{"a":"x\u0000"}"#.into()),
                ..SummaryRow::pod(day(1), "web", "{}")
            },
            "pod_labels",
        ),
        (
            SummaryRow {
                namespace: Some("n".repeat(254)),
                ..SummaryRow::pod(day(1), "web", "{}")
            },
            "namespace",
        ),
    ];
    for (row, column) in cases {
        let mut rows = standard_rows();
        rows.push(row);
        let dir = tempfile::tempdir().unwrap();
        workdir(dir.path(), identity(db.report_period_id), &rows);
        match load(dir.path(), &db.options(false)) {
            Err(LoadError::BadValue { row, column: c, .. }) => {
                assert_eq!((row, c), (7, column));
            }
            other => panic!("{column}: expected BadValue, got {other:?}"),
        }
    }
}

#[test]
fn a_failure_after_the_delete_rolls_everything_back() {
    let mut db = TenantDb::new("rollback");
    db.seed(db.report_period_id, day(1), "old-summary", None);
    let before = db.snapshot(SCHEMA);
    let partitions = db.tracked_partitions();
    // A cost category that does not exist passes every client-side check; only the server's FK check
    // refuses it, during the COPY, after the partition and the delete have happened in the transaction.
    let mut rows = standard_rows();
    rows[5].cost_category_id = Some(999);
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &rows);
    let err = load(dir.path(), &db.options(false)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("foreign key") && text.contains("cost_category"),
        "{text}"
    );
    assert_eq!(db.snapshot(SCHEMA), before);
    assert_eq!(db.tracked_partitions(), partitions);
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM pg_class WHERE relname = '{MONTH_PARTITION}'"
        )),
        0
    );
    assert!(
        WorkDir::open(dir.path())
            .unwrap()
            .stage(stage::LOAD)
            .is_none()
    );
}

#[test]
fn stale_or_corrupt_work_dirs_are_refused_untouched() {
    let mut db = TenantDb::new("stale");
    db.seed(db.report_period_id, day(1), "old-summary", None);
    let before = db.snapshot(SCHEMA);

    // Extract re-ran (its output changed) after transform: transform's summary is stale.
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &standard_rows());
    let run = dir.path().join("run.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&run).unwrap()).unwrap();
    let outputs = json["stages"]["extract"]["outputs"]
        .as_object_mut()
        .unwrap();
    let (_, out) = outputs.iter_mut().next().unwrap();
    out["sha256"] = serde_json::json!("0".repeat(64));
    std::fs::write(&run, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let err = load(dir.path(), &db.options(false)).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::WorkDir(koku_common::Error::StaleWorkDir { .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("re-run koku-transform"), "{err}");

    // The summary file was damaged after transform wrote it.
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &standard_rows());
    let file = dir
        .path()
        .join("reporting_ocpusagelineitem_daily_summary.arrow");
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let err = load(dir.path(), &db.options(false)).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::WorkDir(koku_common::Error::ChecksumMismatch { .. })
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("reporting_ocpusagelineitem_daily_summary.arrow")
    );

    // No transform at all.
    let dir = tempfile::tempdir().unwrap();
    WorkDir::create(dir.path(), identity(db.report_period_id))
        .unwrap()
        .record_stage(
            stage::EXTRACT,
            koku_common::workdir::StageRecord {
                tool: "koku-extract".into(),
                version: "0".into(),
                started_at: chrono::Utc::now(),
                finished_at: chrono::Utc::now(),
                inputs: vec![],
                outputs: Default::default(),
                details: Default::default(),
            },
        )
        .unwrap();
    let err = load(dir.path(), &db.options(false)).unwrap_err();
    assert!(
        err.to_string().contains("run koku-transform first"),
        "{err}"
    );

    assert_eq!(db.snapshot(SCHEMA), before);
    assert!(
        db.tracked_partitions()
            .iter()
            .all(|t| t.ends_with("_default"))
    );
}

#[test]
fn dry_run_counts_and_changes_nothing() {
    let mut db = TenantDb::new("dry_run");
    db.seed(db.report_period_id, day(1), "old-summary", None);
    db.seed(db.report_period_id, day(2), "old-cost-model", Some(0.0));
    let before = db.snapshot(SCHEMA);
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &standard_rows());

    let report = load(dir.path(), &db.options(true)).unwrap();
    assert!(report.dry_run);
    assert_eq!((report.rows_deleted(), report.rows_inserted()), (2, 7));
    assert_eq!(
        report.tables[0].summary.counts_of("data_source").unwrap()["Pod"],
        5
    );
    assert_eq!(
        report.tables[0].summary.counts_of("data_source").unwrap()["Storage"],
        2
    );
    assert_eq!(report.tables[0].summary.first_day(), Some(day(1)));
    assert_eq!(report.tables[0].summary.last_day(), Some(day(2)));
    assert_eq!(
        report.tables[0].partitions.created,
        vec![MONTH_PARTITION.to_string()]
    );
    assert_eq!(db.snapshot(SCHEMA), before);
    assert!(
        db.tracked_partitions()
            .iter()
            .all(|t| t.ends_with("_default"))
    );
    assert!(
        WorkDir::open(dir.path())
            .unwrap()
            .stage(stage::LOAD)
            .is_none()
    );
}

#[test]
fn schema_override_loads_another_tenant_of_the_same_database() {
    let mut db = TenantDb::new("two_tenants");
    koku_testkit::koku_schema::install(&mut db.client, "org7654321");
    let rp = add_report_period(&mut db.client, "org7654321", SOURCE);
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(rp), &standard_rows());
    let mut options = db.options(false);
    options.schema = Some("org7654321".into());
    let report = load(dir.path(), &options).unwrap();
    assert_eq!(report.schema, "org7654321");
    assert_eq!(db.snapshot("org7654321").len(), 7);
    assert!(db.snapshot(SCHEMA).is_empty());

    options.schema = Some("no_such_tenant".into());
    let err = load(dir.path(), &options).unwrap_err();
    assert!(matches!(err, LoadError::NotATenant { .. }), "{err:?}");
}

#[test]
fn schema_without_partition_tracking_gets_a_plain_partition() {
    let mut db = TenantDb::new("untracked");
    db.client
        .batch_execute(&format!("DROP TABLE {SCHEMA}.partitioned_tables"))
        .unwrap();
    // A row already in the default partition for October must move into the new partition.
    db.seed(db.report_period_id, day(3), "day-outside-run", None);
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &standard_rows());
    let report = load(dir.path(), &db.options(false)).unwrap();
    assert!(!report.tables[0].partitions.tracked);
    assert_eq!(
        report.tables[0].partitions.created,
        vec![MONTH_PARTITION.to_string()]
    );
    assert_eq!(report.tables[0].partitions.rows_moved_from_default, 1);
    assert_eq!(
        db.count(&format!("SELECT count(*) FROM {SCHEMA}.{MONTH_PARTITION}")),
        8
    );
    // Second run: the partition exists, nothing to create.
    let again = load(dir.path(), &db.options(false)).unwrap();
    assert!(again.tables[0].partitions.created.is_empty());
    assert_eq!(db.count(&format!("SELECT count(*) FROM {TABLE}")), 8);
}

#[test]
fn connection_killed_during_copy_leaves_the_table_unchanged() {
    let mut db = TenantDb::new("killed");
    db.seed(db.report_period_id, day(1), "old-summary", None);
    let before = db.snapshot(SCHEMA);
    let partitions = db.tracked_partitions();
    // Large enough that the COPY runs for a few seconds in a debug build.
    let rows: Vec<SummaryRow> = (0..40_000)
        .map(|i| SummaryRow::pod(day(1 + (i % 2)), &format!("ns-{i}"), r#"{"app":"web"}"#))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &rows);

    let options = db.options(false);
    let path = dir.path().to_path_buf();
    let loader = std::thread::spawn(move || load(&path, &options));

    let deadline = Instant::now() + Duration::from_secs(120);
    let pid: i32 = loop {
        let found = db
            .client
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                 AND pid <> pg_backend_pid() AND query LIKE 'COPY %' AND state = 'active'",
                &[],
            )
            .unwrap();
        if let Some(r) = found {
            break r.get(0);
        }
        assert!(!loader.is_finished(), "load ended before its COPY was seen");
        assert!(Instant::now() < deadline, "COPY never started");
        std::thread::sleep(Duration::from_millis(10));
    };
    let killed: bool = db
        .client
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap()
        .get(0);
    assert!(killed);

    let err = loader.join().unwrap().unwrap_err();
    assert!(matches!(err, LoadError::Db { .. }), "{err:?}");
    assert!(err.to_string().contains("connection lost"), "{err}");
    assert_untouched(&mut db, &before, &partitions, dir.path());
}

/// Two sources of one tenant whose first loads of a month create its partition at the same moment:
/// without turns, koku's partition trigger deadlocks them (SQLSTATE 40P01, one load rolled back). A
/// third session holds `partitioned_tables` until both loads wait for it, then lets them go together.
#[test]
fn first_loads_of_a_month_by_two_sources_take_turns_creating_the_partition() {
    let mut db = TenantDb::new("partition_race");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    workdir(a.path(), identity(db.report_period_id), &standard_rows());
    let mut other = identity(db.other_report_period_id);
    other.source_uuid = OTHER_SOURCE.into();
    let rows: Vec<SummaryRow> = standard_rows()
        .into_iter()
        .map(|mut r| {
            r.source_uuid = Some(OTHER_SOURCE.into());
            r
        })
        .collect();
    workdir(b.path(), other, &rows);

    let mut gate = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let mut hold = gate.transaction().unwrap();
    hold.batch_execute(&format!(
        "LOCK TABLE {SCHEMA}.partitioned_tables IN ACCESS EXCLUSIVE MODE"
    ))
    .unwrap();
    let loaders: Vec<_> = [a.path().to_path_buf(), b.path().to_path_buf()]
        .into_iter()
        .map(|p| {
            let options = db.options(false);
            std::thread::spawn(move || load(&p, &options))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting: i64 = db
            .client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0);
        if waiting >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the loads never both waited");
        std::thread::sleep(Duration::from_millis(10));
    }
    hold.commit().unwrap();
    for l in loaders {
        let report = l.join().unwrap().unwrap();
        assert_eq!(report.rows_inserted(), 7);
    }
    assert_eq!(db.count(&format!("SELECT count(*) FROM {TABLE}")), 14);
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM {TABLE} WHERE tableoid = '{SCHEMA}.{MONTH_PARTITION}'::regclass"
        )),
        14
    );
}
