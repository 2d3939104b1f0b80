//! koku-load's OCP-on-AWS flow against a real PostgreSQL with koku's tables (scripts/koku-ddl.sql): the
//! `_p` table and the eight UI tables with koku's types and partitions, koku's delete scopes on a
//! re-load (narrowed to the run's clusters), koku's OCP infrastructure delete and back-populate, the
//! owner checks of the bill and the report periods, and a failure mid-load leaving every table as it was.

mod common;

use common::aws::{AWS_OTHER_SOURCE, AWS_SOURCE};
use common::ocp_aws::*;
use common::{SCHEMA, day};
use koku_common::schema::ocp_aws::TABLES;
use koku_load::{LoadError, load};

const NETWORK: &str = "reporting_ocpaws_network_summary_p";
const DATABASE: &str = "reporting_ocpaws_database_summary_p";

/// Two `_p` rows of cluster A on day 1 (a pod row, a network row) and a storage row on day 2.
fn cluster_a_rows(rp: i32, bill: i32) -> Vec<common::aws::Row> {
    vec![
        p_row(rp, CLUSTER_A, bill, day(1), "web")
            // ties at the column scales: half-up on the shortest representation (§6.4)
            .num("unblended_cost", 0.1234567890123455)
            .num("calculated_amortized_cost", 3.7439999999999998)
            .num("markup_cost_amortized", 0.0000000015),
        p_row(rp, CLUSTER_A, bill, day(1), "Network unattributed")
            .text("product_code", "AmazonEC2")
            .text("data_transfer_direction", "OUT")
            .num("infrastructure_data_out_gigabytes", 2.5)
            .num("calculated_amortized_cost", 0.5)
            .num("markup_cost_amortized", 0.05),
        p_row(rp, CLUSTER_A, bill, day(2), "web")
            .text("data_source", "Storage")
            .text("persistentvolumeclaim", "data")
            .text("pod_labels", r#"{"tier":"db"}"#),
    ]
}

#[test]
fn loads_all_nine_tables_with_koku_scales_into_month_partitions_and_back_populates_the_ocp_table() {
    let mut t = OcpAwsDb::new("ocp_aws_values");
    let dir = tempfile::tempdir().unwrap();
    let bill = t.db.bill;
    ocp_aws_workdir(
        dir.path(),
        ocp_aws_identity(bill, None),
        &files(cluster_a_rows(t.rp_a, bill), CLUSTER_A, &[day(1), day(2)]),
    );

    let report = load(dir.path(), &t.db.options()).unwrap();
    assert_eq!(report.rows_inserted(), 3 + 8 * 2);
    assert_eq!(report.tables.len(), 9);
    let o = report.ocp_aws().unwrap();
    assert_eq!(o.pairs.len(), 1);
    assert_eq!(o.pairs[0].report_period_id, t.rp_a);
    // day 1: the pod row and the network row (grouped apart: namespace, direction); day 2: storage
    assert_eq!(o.ocp_infrastructure_rows_inserted, 3);
    assert_eq!(o.report_periods_stamped, 1);

    for table in TABLES.iter().map(|t| t.name).chain([OCP_TABLE]) {
        assert_eq!(
            t.db.tracked_partitions(table),
            vec![format!("{table}_2025_10"), format!("{table}_default")],
            "{table}"
        );
        let all = t.count(&format!("SELECT count(*) FROM {SCHEMA}.{table}"));
        let in_month = t.count(&format!("SELECT count(*) FROM {SCHEMA}.{table}_2025_10"));
        assert_eq!(all, in_month, "{table}");
        assert!(all > 0, "{table}");
    }

    let r = t
        .db
        .client
        .query_one(
            &format!(
                "SELECT unblended_cost::text, calculated_amortized_cost::text, markup_cost_amortized::text, \
                 usage_amount::text, pod_labels::text, normalized_usage_amount IS NULL, source_uuid::text, \
                 cost_entry_bill_id, report_period_id \
                 FROM {SCHEMA}.{P_TABLE} WHERE namespace = 'web' AND usage_start = '2025-10-01'"
            ),
            &[],
        )
        .unwrap();
    assert_eq!(r.get::<_, String>(0), "0.123456789012346");
    assert_eq!(r.get::<_, String>(1), "3.744000000");
    assert_eq!(r.get::<_, String>(2), "0.000000002");
    assert_eq!(r.get::<_, String>(3), "12.000000000000000");
    assert_eq!(r.get::<_, String>(4), r#"{"app": "web"}"#);
    assert!(r.get::<_, bool>(5));
    assert_eq!(r.get::<_, String>(6), AWS_SOURCE);
    assert_eq!(r.get::<_, i32>(7), bill);
    assert_eq!(r.get::<_, i32>(8), t.rp_a);
    let ui = t
        .db
        .client
        .query_one(
            &format!(
                "SELECT unblended_cost::text, calculated_amortized_cost::text, usage_amount::text, product_code \
                 FROM {SCHEMA}.{NETWORK} WHERE usage_start = '2025-10-01'"
            ),
            &[],
        )
        .unwrap();
    assert_eq!(ui.get::<_, String>(0), "1.000000000000000");
    assert_eq!(ui.get::<_, String>(1), "1.000000000");
    assert_eq!(ui.get::<_, String>(2), "10.000000000000000");
    assert_eq!(ui.get::<_, String>(3), "AmazonVPC");

    // koku's back-populate: Σ(amortized + markup) per group, labels by data source, the OCP source.
    let ocp = t
        .db
        .client
        .query(
            &format!(
                "SELECT usage_start::text, namespace, data_source, infrastructure_raw_cost::text, \
                 infrastructure_project_raw_cost::text, pod_labels::text, volume_labels::text, \
                 infrastructure_data_out_gigabytes::text, source_uuid::text, report_period_id, cluster_id \
                 FROM {SCHEMA}.{OCP_TABLE} ORDER BY usage_start, namespace"
            ),
            &[],
        )
        .unwrap();
    assert_eq!(ocp.len(), 3);
    let row = |i: usize| -> Vec<Option<String>> {
        (0..9).map(|c| ocp[i].get::<_, Option<String>>(c)).collect()
    };
    let s = |v: &str| Some(v.to_string());
    // 3.744000000 + 0.000000002 in numeric
    assert_eq!(
        row(1),
        vec![
            s("2025-10-01"),
            s("web"),
            s("Pod"),
            s("3.744000002000000"),
            s("3.744000002000000"),
            s(r#"{"app": "web"}"#),
            s("{}"),
            None,
            s(OCP_SOURCE_A)
        ]
    );
    assert_eq!(row(0)[1], s("Network unattributed"));
    assert_eq!(row(0)[3], s("0.550000000000000"));
    assert_eq!(row(0)[7], s("2.500000000000000"));
    assert_eq!(row(2)[2], s("Storage"));
    assert_eq!(row(2)[5], s("{}"));
    assert_eq!(row(2)[6], s(r#"{"tier": "db"}"#));
    assert!(ocp.iter().all(|r| r.get::<_, i32>(9) == t.rp_a));
    let stamped: bool = t
        .db
        .client
        .query_one(
            &format!(
                "SELECT ocp_on_cloud_updated_datetime IS NOT NULL FROM {SCHEMA}.reporting_ocpusagereportperiod \
                 WHERE id = $1"
            ),
            &[&t.rp_a],
        )
        .unwrap()
        .get(0);
    assert!(stamped);
}

#[test]
fn a_reload_replaces_exactly_the_runs_scope_and_does_not_duplicate_the_back_populated_rows() {
    let mut t = OcpAwsDb::new("ocp_aws_reload");
    let (bill, second, other, september) = (
        t.db.bill,
        t.db.second_bill,
        t.db.other_bill,
        t.db.september_bill,
    );
    let (rp_a, rp_b) = (t.rp_a, t.rp_b);
    // Rows the run must not touch: another AWS source's bill, the source's other bill, September,
    // cluster B (the run is narrowed to A); UI rows of another source and of cluster B; OCP rows of
    // cluster B's period, OCP usage rows (no infrastructure cost), and a day outside the window.
    t.seed_p(rp_a, CLUSTER_A, other, AWS_OTHER_SOURCE, day(1));
    t.seed_p(rp_a, CLUSTER_A, second, AWS_SOURCE, day(1));
    t.seed_p(
        t.rp_a_september,
        CLUSTER_A,
        september,
        AWS_SOURCE,
        chrono::NaiveDate::from_ymd_opt(2025, 9, 30).unwrap(),
    );
    t.seed_p(rp_b, CLUSTER_B, bill, AWS_SOURCE, day(1));
    t.seed_ui(CLUSTER_A, AWS_OTHER_SOURCE, day(1));
    t.seed_ui(CLUSTER_B, AWS_SOURCE, day(1));
    t.seed_ocp(rp_b, day(1), "b-infra", Some(5.0));
    t.seed_ocp(rp_a, day(1), "usage", None);
    t.seed_ocp(rp_a, day(1), "usage-zero", Some(0.0));
    t.seed_ocp(rp_a, day(3), "later", Some(9.0));
    // What the run replaces: an earlier back-populated row of A in the window.
    t.seed_ocp(rp_a, day(2), "stale", Some(4.0));
    let untouched_before = t.snapshot_all();

    let dir = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir.path(),
        ocp_aws_identity(bill, Some(&[CLUSTER_A])),
        &files(cluster_a_rows(rp_a, bill), CLUSTER_A, &[day(1), day(2)]),
    );
    let first = load(dir.path(), &t.db.options()).unwrap();
    assert_eq!(first.ocp_aws().unwrap().ocp_infrastructure_rows_deleted, 1);
    assert_eq!(first.rows_deleted(), 0);
    let after_first = t.snapshot_all();

    let dir2 = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir2.path(),
        ocp_aws_identity(bill, Some(&[CLUSTER_A])),
        &files(cluster_a_rows(rp_a, bill), CLUSTER_A, &[day(1), day(2)]),
    );
    let second_load = load(dir2.path(), &t.db.options()).unwrap();
    assert_eq!(second_load.rows_deleted(), 3 + 8 * 2);
    // koku's back-populate is keyed on the report period only: the `_p` rows of report period A on
    // other bills (another AWS source, the source's second bill) are grouped into a fourth row.
    assert_eq!(
        second_load
            .ocp_aws()
            .unwrap()
            .ocp_infrastructure_rows_deleted,
        4
    );
    assert_eq!(t.snapshot_all(), after_first, "a re-load changes nothing");

    // Everything seeded is still there except the stale back-populated row, which was replaced.
    let now = t.snapshot_all();
    for (table, rows) in &untouched_before {
        for r in rows {
            let kept = now[table].contains(r);
            assert_eq!(kept, !r.contains("\"stale\""), "{table}: {r}");
        }
    }
    assert_eq!(
        t.count(&format!(
            "SELECT count(*) FROM {SCHEMA}.{OCP_TABLE} WHERE report_period_id = {rp_a} \
             AND infrastructure_raw_cost <> 0 AND usage_start <= '2025-10-02'"
        )),
        4
    );
}

#[test]
fn a_run_of_every_cluster_replaces_the_rows_of_every_cluster_of_its_bill() {
    let mut t = OcpAwsDb::new("ocp_aws_all_clusters");
    let bill = t.db.bill;
    t.seed_p(t.rp_b, CLUSTER_B, bill, AWS_SOURCE, day(1));
    t.seed_ui(CLUSTER_B, AWS_SOURCE, day(1));
    let dir = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir.path(),
        ocp_aws_identity(bill, None),
        &files(cluster_a_rows(t.rp_a, bill), CLUSTER_A, &[day(1), day(2)]),
    );
    let report = load(dir.path(), &t.db.options()).unwrap();
    assert_eq!(report.rows_deleted(), 1 + 8);
    assert_eq!(
        t.count(&format!(
            "SELECT count(*) FROM {SCHEMA}.{P_TABLE} WHERE cluster_id = '{CLUSTER_B}'"
        )),
        0
    );
}

#[test]
fn a_foreign_bill_or_report_period_is_refused_with_the_database_unchanged() {
    let mut t = OcpAwsDb::new("ocp_aws_foreign");
    let bill = t.db.bill;
    t.seed_ocp(t.rp_a, day(1), "stale", Some(4.0));
    t.seed_p(t.rp_a, CLUSTER_A, bill, AWS_SOURCE, day(1));
    let before = t.snapshot_all();
    let cases: Vec<(&str, i32, Vec<common::aws::Row>)> = vec![
        (
            "another source's bill",
            t.db.other_bill,
            cluster_a_rows(t.rp_a, t.db.other_bill),
        ),
        (
            "September's bill",
            t.db.september_bill,
            cluster_a_rows(t.rp_a, t.db.september_bill),
        ),
        (
            "cluster B's report period on cluster A's rows",
            bill,
            cluster_a_rows(t.rp_b, bill),
        ),
        (
            "cluster A's September report period",
            bill,
            cluster_a_rows(t.rp_a_september, bill),
        ),
        ("no such report period", bill, cluster_a_rows(999_999, bill)),
    ];
    for (what, run_bill, rows) in cases {
        let dir = tempfile::tempdir().unwrap();
        ocp_aws_workdir(
            dir.path(),
            ocp_aws_identity(run_bill, None),
            &files(rows, CLUSTER_A, &[day(1)]),
        );
        let err = load(dir.path(), &t.db.options()).unwrap_err();
        assert!(
            matches!(err, LoadError::ForeignScope { .. }),
            "{what}: {err}"
        );
        assert!(err.to_string().contains("nothing was changed"), "{what}");
        assert_eq!(t.snapshot_all(), before, "{what}");
    }
}

#[test]
fn a_failure_mid_load_leaves_every_table_as_it_was() {
    let mut t = OcpAwsDb::new("ocp_aws_midload");
    let bill = t.db.bill;
    let dir = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir.path(),
        ocp_aws_identity(bill, None),
        &files(cluster_a_rows(t.rp_a, bill), CLUSTER_A, &[day(1), day(2)]),
    );
    load(dir.path(), &t.db.options()).unwrap();
    let before = t.snapshot_all();

    // The database summary is the last table loaded: every other table was already replaced and
    // the OCP rows deleted when its NULL product_code stops the load.
    let mut f = files(cluster_a_rows(t.rp_a, bill), CLUSTER_A, &[day(1), day(2)]);
    f.get_mut(DATABASE).unwrap()[1] = ui_row(CLUSTER_A, day(2), "x").null("product_code");
    let dir2 = tempfile::tempdir().unwrap();
    ocp_aws_workdir(dir2.path(), ocp_aws_identity(bill, None), &f);
    let err = load(dir2.path(), &t.db.options()).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::BadValue {
                column: "product_code",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(t.snapshot_all(), before);

    // Same with a NULL product_code in the _p file (the first table).
    let mut rows = cluster_a_rows(t.rp_a, bill);
    rows[2] = rows[2].clone().null("product_code");
    let dir3 = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir3.path(),
        ocp_aws_identity(bill, None),
        &files(rows, CLUSTER_A, &[day(1), day(2)]),
    );
    let err = load(dir3.path(), &t.db.options()).unwrap_err();
    assert!(matches!(err, LoadError::BadValue { .. }), "{err}");
    assert_eq!(t.snapshot_all(), before);
}

#[test]
fn rows_of_a_cluster_outside_the_runs_clusters_are_refused() {
    let mut t = OcpAwsDb::new("ocp_aws_cluster_scope");
    let bill = t.db.bill;
    let dir = tempfile::tempdir().unwrap();
    let mut rows = cluster_a_rows(t.rp_a, bill);
    rows.push(p_row(t.rp_b, CLUSTER_B, bill, day(1), "b"));
    ocp_aws_workdir(
        dir.path(),
        ocp_aws_identity(bill, Some(&[CLUSTER_A])),
        &files(rows, CLUSTER_A, &[day(1)]),
    );
    let before = t.snapshot_all();
    let err = load(dir.path(), &t.db.options()).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::BadValue {
                column: "cluster_id",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("cluster-b"), "{err}");
    assert_eq!(t.snapshot_all(), before);
}

#[test]
fn empty_ui_files_load_and_the_emptied_days_guard_follows_the_p_file() {
    let mut t = OcpAwsDb::new("ocp_aws_guard");
    let bill = t.db.bill;
    // A first load with every UI table on both days.
    let dir = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir.path(),
        ocp_aws_identity(bill, None),
        &files(cluster_a_rows(t.rp_a, bill), CLUSTER_A, &[day(1), day(2)]),
    );
    load(dir.path(), &t.db.options()).unwrap();

    // The UI files now empty while the _p file still has both days: the data changed, allowed.
    let dir2 = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir2.path(),
        ocp_aws_identity(bill, None),
        &files(cluster_a_rows(t.rp_a, bill), CLUSTER_A, &[]),
    );
    let report = load(dir2.path(), &t.db.options()).unwrap();
    assert_eq!(report.rows_inserted(), 3);
    assert_eq!(report.table(NETWORK).unwrap().rows_deleted, 2);
    assert_eq!(
        t.count(&format!("SELECT count(*) FROM {SCHEMA}.{NETWORK}")),
        0
    );

    // A UI day that the _p file lacks too (the _p table had none there): refused on the UI table.
    t.seed_ui(CLUSTER_A, AWS_SOURCE, day(2));
    let before = t.snapshot_all();
    let day1_only: Vec<_> = cluster_a_rows(t.rp_a, bill).into_iter().take(2).collect();
    t.db.client
        .execute(
            &format!("DELETE FROM {SCHEMA}.{P_TABLE} WHERE usage_start = '2025-10-02'"),
            &[],
        )
        .unwrap();
    let before_p = t.snapshot(P_TABLE);
    let dir3 = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir3.path(),
        ocp_aws_identity(bill, None),
        &files(day1_only.clone(), CLUSTER_A, &[day(1)]),
    );
    let err = load(dir3.path(), &t.db.options()).unwrap_err();
    match &err {
        LoadError::WouldEmptyDays { table, .. } => {
            assert_eq!(*table, "reporting_ocpaws_cost_summary_p", "{err}")
        }
        other => panic!("{other}"),
    }
    assert_eq!(t.snapshot(P_TABLE), before_p);
    let mut expected = before.clone();
    expected.insert(P_TABLE, before_p);
    assert_eq!(t.snapshot_all(), expected);

    // A _p day with rows today and none in the file: refused on the _p table.
    let dir4 = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir4.path(),
        ocp_aws_identity(bill, None),
        &files(Vec::new(), CLUSTER_A, &[day(1), day(2)]),
    );
    let err = load(dir4.path(), &t.db.options()).unwrap_err();
    assert!(
        matches!(err, LoadError::WouldEmptyDays { table: P_TABLE, .. }),
        "{err}"
    );

    // --allow-emptied-days accepts both.
    let options = koku_load::LoadOptions {
        allow_emptied_days: true,
        ..t.db.options()
    };
    load(dir3.path(), &options).unwrap();
    assert_eq!(
        t.count(&format!(
            "SELECT count(*) FROM {SCHEMA}.reporting_ocpaws_cost_summary_p WHERE usage_start = '2025-10-02'"
        )),
        0
    );
}

#[test]
fn a_dry_run_reports_every_table_and_changes_nothing() {
    let mut t = OcpAwsDb::new("ocp_aws_dry");
    let bill = t.db.bill;
    t.seed_ocp(t.rp_a, day(1), "stale", Some(4.0));
    t.seed_ui(CLUSTER_A, AWS_SOURCE, day(1));
    let before = t.snapshot_all();
    let dir = tempfile::tempdir().unwrap();
    ocp_aws_workdir(
        dir.path(),
        ocp_aws_identity(bill, None),
        &files(cluster_a_rows(t.rp_a, bill), CLUSTER_A, &[day(1), day(2)]),
    );
    let options = koku_load::LoadOptions {
        dry_run: true,
        ..t.db.options()
    };
    let report = load(dir.path(), &options).unwrap();
    assert!(report.dry_run);
    assert_eq!(report.tables.len(), 9);
    assert_eq!(report.table(P_TABLE).unwrap().rows_inserted, 3);
    assert_eq!(report.table(NETWORK).unwrap().rows_deleted, 1);
    assert_eq!(report.table(NETWORK).unwrap().rows_inserted, 2);
    let text = report.to_string();
    for table in TABLES {
        assert!(text.contains(table.name), "{text}");
    }
    assert!(
        text.contains("would delete 1 infrastructure rows"),
        "{text}"
    );
    assert!(text.ends_with("nothing was changed"), "{text}");
    assert_eq!(t.snapshot_all(), before);
}

/// koku processes the OCP sources already paired with the AWS source (or named) whatever the data
/// (§1.1): a listed cluster without `_p` rows loses its earlier infrastructure rows and is stamped;
/// a cluster only the data could pair, or one outside the run's clusters, is left alone.
#[test]
fn a_listed_pair_without_rows_loses_its_earlier_infrastructure_rows() {
    use koku_common::schema::ocp_aws::paired_by::{DATA, MAP};
    let mut t = OcpAwsDb::new("ocp_aws_listed");
    let bill = t.db.bill;
    let (rp_a, rp_b) = (t.rp_a, t.rp_b);
    t.seed_ocp(rp_b, day(1), "b-earlier", Some(5.0));
    let stamped = |t: &mut OcpAwsDb, rp: i32| -> bool {
        t.db.client
            .query_one(
                &format!(
                    "SELECT ocp_on_cloud_updated_datetime IS NOT NULL \
                     FROM {SCHEMA}.reporting_ocpusagereportperiod WHERE id = $1"
                ),
                &[&rp],
            )
            .unwrap()
            .get(0)
    };
    let b_rows = |t: &mut OcpAwsDb| {
        t.count(&format!(
            "SELECT count(*) FROM {SCHEMA}.{OCP_TABLE} WHERE report_period_id = {rp_b}"
        ))
    };
    let run = |t: &mut OcpAwsDb, clusters: Option<&[&str]>, b_why: &str| {
        let dir = tempfile::tempdir().unwrap();
        ocp_aws_workdir_listing(
            dir.path(),
            ocp_aws_identity(bill, clusters),
            &files(cluster_a_rows(rp_a, bill), CLUSTER_A, &[day(1)]),
            Some(&[
                (CLUSTER_A, Some(rp_a), MAP),
                (CLUSTER_B, Some(rp_b), b_why),
                ("cluster-without-period", None, MAP),
            ]),
        );
        load(dir.path(), &t.db.options()).unwrap()
    };

    // B paired only by the data, and without rows: not in the run.
    let r = run(&mut t, None, DATA);
    assert_eq!(r.ocp_aws().unwrap().pairs.len(), 1);
    assert_eq!(b_rows(&mut t), 1);
    assert!(!stamped(&mut t, rp_b));
    // B already paired, but the run is narrowed to A: left alone.
    let r = run(&mut t, Some(&[CLUSTER_A]), MAP);
    assert_eq!(r.ocp_aws().unwrap().pairs.len(), 1);
    assert_eq!(b_rows(&mut t), 1);
    // B already paired: in the run; its earlier infrastructure row goes, nothing replaces it.
    let r = run(&mut t, None, MAP);
    let o = r.ocp_aws().unwrap();
    assert_eq!(
        o.pairs
            .iter()
            .map(|p| p.report_period_id)
            .collect::<Vec<_>>(),
        vec![rp_a.min(rp_b), rp_a.max(rp_b)]
    );
    assert_eq!(o.report_periods_stamped, 2);
    assert_eq!(b_rows(&mut t), 0);
    assert!(stamped(&mut t, rp_b));
}

/// koku-ddl.sql holds the nine tables exactly as the load describes them (koku's types and NOT NULLs,
/// range partitions on usage_start with a default partition made through a tracking row), and applies
/// twice and for a second tenant.
#[test]
fn the_ddl_matches_the_loads_description_of_the_nine_tables() {
    use koku_common::schema::table::PgType;
    let mut t = OcpAwsDb::new("ocp_aws_ddl");
    for schema in [SCHEMA, "org2"] {
        koku_testkit::koku_schema::install(&mut t.db.client, schema);
    }
    for table in TABLES {
        let columns: std::collections::BTreeMap<String, (String, bool)> =
            t.db.client
                .query(
                    "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull \
                 FROM pg_attribute a WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 \
                 AND NOT a.attisdropped",
                    &[&format!("{SCHEMA}.{}", table.name)],
                )
                .unwrap()
                .iter()
                .map(|r| (r.get(0), (r.get(1), r.get(2))))
                .collect();
        assert_eq!(
            columns.get(table.uuid_column),
            Some(&("uuid".to_string(), true)),
            "{}",
            table.name
        );
        for c in table.columns {
            let ty = match c.ty {
                PgType::Varchar(n) => format!("character varying({n})"),
                PgType::Text => "text".into(),
                PgType::Jsonb => "jsonb".into(),
                PgType::Numeric { precision, scale } => format!("numeric({precision},{scale})"),
                PgType::Float8 => "double precision".into(),
                PgType::Date => "date".into(),
                PgType::Int4 => "integer".into(),
                PgType::Uuid => "uuid".into(),
                PgType::TextArray => "text[]".into(),
            };
            assert_eq!(
                columns.get(c.name),
                Some(&(ty, c.not_null)),
                "{}.{}",
                table.name,
                c.name
            );
        }
        let key: String =
            t.db.client
                .query_one(
                    "SELECT pg_get_partkeydef($1::text::regclass)",
                    &[&format!("{SCHEMA}.{}", table.name)],
                )
                .unwrap()
                .get(0);
        assert_eq!(key, "RANGE (usage_start)", "{}", table.name);
        assert_eq!(
            t.db.tracked_partitions(table.name),
            vec![format!("{}_default", table.name)]
        );
    }
    // The columns the load leaves NULL, as koku's model has them.
    let extra: String = t
        .db
        .client
        .query_one(
            &format!(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
                 WHERE attrelid = '{SCHEMA}.{P_TABLE}'::regclass AND attname = 'normalized_usage_amount'"
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(extra, "double precision");
}

/// koku parity, documented: a `_p` row with NULL costs (§4.7's phantom compute rows) back-populates an
/// OCP row with a NULL infrastructure raw cost, which koku's §5.3 delete (`IS NOT NULL AND != 0`)
/// never removes, so each re-run adds one more (koku's OCP summary delete, which takes NULL and 0
/// raw-cost rows, clears them on the OCP source's next run).
#[test]
fn a_null_cost_row_back_populates_a_null_raw_cost_row_that_a_reload_keeps_as_koku_does() {
    let mut t = OcpAwsDb::new("ocp_aws_null_cost");
    let bill = t.db.bill;
    let mut rows = cluster_a_rows(t.rp_a, bill);
    rows.push(
        p_row(t.rp_a, CLUSTER_A, bill, day(1), "phantom")
            .set("calculated_amortized_cost", common::aws::V::F(None))
            .set("markup_cost_amortized", common::aws::V::F(None)),
    );
    let null_rows = |t: &mut OcpAwsDb| {
        t.count(&format!(
            "SELECT count(*) FROM {SCHEMA}.{OCP_TABLE} WHERE namespace = 'phantom' \
             AND infrastructure_raw_cost IS NULL"
        ))
    };
    for expected in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        ocp_aws_workdir(
            dir.path(),
            ocp_aws_identity(bill, None),
            &files(rows.clone(), CLUSTER_A, &[day(1), day(2)]),
        );
        load(dir.path(), &t.db.options()).unwrap();
        assert_eq!(null_rows(&mut t), expected);
    }
    // The costed rows are replaced, not added to.
    assert_eq!(
        t.count(&format!(
            "SELECT count(*) FROM {SCHEMA}.{OCP_TABLE} WHERE infrastructure_raw_cost IS NOT NULL"
        )),
        3
    );
}
