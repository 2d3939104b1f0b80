//! koku-load's AWS flow against a real PostgreSQL with koku's tables (scripts/koku-ddl.sql): the daily
//! summary and the EC2 compute summary with koku's types and partitions, koku's delete scopes on a
//! re-load, the bill's owner check, the bill stamps, the EC2 table skipped when the transform wrote
//! none, and koku's daily validation.

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::aws::*;
use common::{SCHEMA, day};
use koku_common::schema::aws::DAILY_UNBLENDED_COST_DETAIL;
use koku_common::workdir::{WorkDir, stage};
use koku_load::aws::validation::{DayDifference, Status};
use koku_load::{LoadError, load};
use serde_json::json;

fn september(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 9, d).unwrap()
}

fn details(daily: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    [(DAILY_UNBLENDED_COST_DETAIL.to_string(), daily)].into()
}

/// Three daily-summary rows of the spec's worked example (aws-daily-summary §9.3: D1a, D1c, D2a) and
/// two of its EC2 rows (§9.4: i-aaa, i-ccc), with the f64 values the transform holds.
fn worked_example(bill: i32) -> (Vec<Row>, Vec<Row>) {
    // D1a: U = 2.304 + 2.304 − 2.304, S = 1.44, Am = 2.304 + 1.44 + 0 = 3.7439999999999998 (f64);
    // markups m = 0.1 on the unrounded sums
    let u = 2.304 + 2.304 - 2.304;
    let am = 2.304 + 1.44 + 0.0;
    assert_eq!(am.to_string(), "3.7439999999999998");
    let d1a = Row::daily(bill, AWS_SOURCE, day(1), "AmazonEC2")
        .text("product_family", "Compute Instance")
        .text("availability_zone", "us-east-1a")
        .text("region", "us-east-1")
        .text("instance_type", "m5.large")
        .text("unit", "Hrs")
        .list("resource_ids", &["i-aaa", "i-bbb"])
        .int("resource_count", 2)
        .num("usage_amount", 24.0 + 24.0 + 0.0)
        .num("normalization_factor", 4.0)
        .num("normalized_usage_amount", 288.0)
        .num("unblended_rate", 0.096)
        .num("unblended_cost", u)
        .num("markup_cost", u * 0.1)
        .num("blended_rate", 0.096)
        .num("blended_cost", u)
        .num("markup_cost_blended", u * 0.1)
        .num("savingsplan_effective_cost", 1.44)
        .num("markup_cost_savingsplan", 1.44 * 0.1)
        .num("calculated_amortized_cost", am)
        .num("markup_cost_amortized", am * 0.1)
        .num("public_on_demand_cost", 4.608)
        .num("public_on_demand_rate", 0.096)
        .text("tags", r#"{"app":"web"}"#)
        .text("cost_category", r#"{"team":"platform"}"#);
    // D1c: the tax line, no resource id: resource_ids {''}; 0.52 × 0.1 = 0.052000000000000005 (f64)
    assert_eq!((0.52 * 0.1).to_string(), "0.052000000000000005");
    let d1c = Row::daily(bill, AWS_SOURCE, day(1), "AmazonEC2")
        .list("resource_ids", &[""])
        .int("resource_count", 1)
        .num("usage_amount", 0.0)
        .num("unblended_cost", 0.52)
        .num("markup_cost", 0.52 * 0.1)
        .num("markup_cost_blended", 0.52 * 0.1)
        .num("calculated_amortized_cost", 0.52)
        .num("markup_cost_amortized", 0.52 * 0.1);
    let d2a = Row::daily(bill, AWS_SOURCE, day(2), "AmazonEC2")
        .text("instance_type", "m5.large")
        .list("resource_ids", &["i-aaa"])
        .int("resource_count", 1)
        .num("unblended_cost", 2.304)
        .num("markup_cost", 2.304 * 0.1)
        .text("tags", r#"{"app":"api"}"#);
    let aaa = Row::ec2(bill, AWS_SOURCE, "i-aaa", day(1), day(2))
        .text("operating_system", "Linux")
        .text("region", "us-east-1")
        .int("vcpu", 2)
        .text("memory", "8 GiB")
        .text("unit", "Hrs")
        .num("usage_amount", 48.0)
        .num("unblended_cost", 2.304 + 2.304)
        .num("markup_cost", (2.304 + 2.304) * 0.1)
        .text("tags", r#"{"app":"api"}"#)
        .text("cost_category", r#"{"team":"platform"}"#);
    let ccc = Row::ec2(bill, AWS_SOURCE, "i-ccc", day(1), day(1))
        .text("instance_name", "db-1")
        .text("instance_type", "c5.xlarge")
        .int("vcpu", 4)
        .num("usage_amount", 24.0)
        .num("unblended_cost", 0.0);
    (vec![d1a, d1c, d2a], vec![aaa, ccc])
}

#[test]
fn loads_both_tables_with_koku_types_into_new_month_partitions_and_stamps_the_bills() {
    let mut db = AwsDb::new("aws_values");
    let dir = tempfile::tempdir().unwrap();
    let (daily, ec2) = worked_example(db.bill);
    // The Parquet's Σ lineitem_unblendedcost per day as the extract records it: 10-01 = 2.304 + 0.52
    // (r1–r5), 10-02 = 2.304; 10-09 lies outside koku's validation window (10-01..10-02).
    aws_workdir(
        dir.path(),
        aws_identity(db.bill),
        &daily,
        Some(&ec2),
        details(json!({"2025-10-01": 2.824, "2025-10-02": 2.304, "2025-10-09": 99.0})),
    );

    let report = load(dir.path(), &db.options()).unwrap();
    assert_eq!(report.rows_inserted(), 5);
    assert_eq!(report.rows_deleted(), 0);
    assert_eq!(
        report.to_string(),
        format!(
            "loaded 3 rows into {SCHEMA}.{DS_TABLE} (2025-10-01..2025-10-02, bill {b}): AmazonEC2 3; deleted 0; \
             created partition {DS_TABLE}_2025_10 | 2 rows into {SCHEMA}.{EC2_TABLE} (2025-10-01..2025-10-02, bill {b}): \
             c5.xlarge 1, m5.large 1; deleted 0; created partition {EC2_TABLE}_2025_10",
            b = db.bill
        )
    );

    // Month partitions made through koku's tracking rows, every row routed into them.
    for table in [DS_TABLE, EC2_TABLE] {
        assert_eq!(
            db.tracked_partitions(table),
            vec![format!("{table}_2025_10"), format!("{table}_default")]
        );
        let in_month = db.count(&format!("SELECT count(*) FROM {SCHEMA}.{table}_2025_10"));
        let all = db.count(&format!("SELECT count(*) FROM {SCHEMA}.{table}"));
        assert_eq!(in_month, all);
    }

    // koku's numeric scales with Trino's rounding, text[] and jsonb.
    let rows = db
        .client
        .query(
            &format!(
                "SELECT usage_start::text, resource_ids::text, resource_count, usage_amount::text, \
                 unblended_cost::text, markup_cost::text, markup_cost_blended::text, \
                 markup_cost_savingsplan::text, calculated_amortized_cost::text, markup_cost_amortized::text, \
                 normalized_usage_amount, tags = $1::text::jsonb, cost_category::text, product_family, \
                 cost_entry_bill_id, source_uuid::text, tax_type \
                 FROM {SCHEMA}.{DS_TABLE} ORDER BY usage_start, resource_count DESC"
            ),
            &[&r#"{"app": "web"}"#],
        )
        .unwrap();
    let d1a = &rows[0];
    assert_eq!(d1a.get::<_, String>(1), "{i-aaa,i-bbb}");
    assert_eq!(d1a.get::<_, i32>(2), 2);
    assert_eq!(d1a.get::<_, String>(3), "48.000000000");
    assert_eq!(d1a.get::<_, String>(4), "2.304000000");
    assert_eq!(d1a.get::<_, String>(5), "0.230400000");
    assert_eq!(d1a.get::<_, String>(6), "0.230400000000000");
    // 1.44 × 0.1 = 0.14400000000000002 (f64) → 0.144000000000000 in numeric(33,15)
    assert_eq!(d1a.get::<_, String>(7), "0.144000000000000");
    // Am = 3.7439999999999998 → 3.744000000 in numeric(33,9), not 3.743999999
    assert_eq!(d1a.get::<_, String>(8), "3.744000000");
    assert_eq!(d1a.get::<_, String>(9), "0.374400000");
    assert_eq!(d1a.get::<_, f64>(10), 288.0);
    assert!(d1a.get::<_, bool>(11));
    assert_eq!(d1a.get::<_, String>(12), r#"{"team": "platform"}"#);
    assert_eq!(d1a.get::<_, i32>(14), db.bill);
    assert_eq!(d1a.get::<_, String>(15), AWS_SOURCE);
    assert_eq!(d1a.get::<_, Option<String>>(16), None);
    let d1c = &rows[1];
    assert_eq!(d1c.get::<_, String>(1), r#"{""}"#);
    assert_eq!(d1c.get::<_, Option<String>>(13), None);
    // 0.052000000000000005 → 0.052000000 (scale 9) and 0.052000000000000 (scale 15)
    assert_eq!(d1c.get::<_, String>(5), "0.052000000");
    assert_eq!(d1c.get::<_, String>(6), "0.052000000000000");
    assert_eq!(d1c.get::<_, String>(9), "0.052000000");

    let ec2 = db
        .client
        .query(
            &format!(
                "SELECT resource_id, usage_start::text, usage_end::text, instance_name, vcpu, memory, \
                 unblended_cost::text, markup_cost::text, tags::text, account_alias_id \
                 FROM {SCHEMA}.{EC2_TABLE} ORDER BY resource_id"
            ),
            &[],
        )
        .unwrap();
    assert_eq!(ec2.len(), 2);
    assert_eq!(ec2[0].get::<_, String>(0), "i-aaa");
    assert_eq!(
        (ec2[0].get::<_, String>(1), ec2[0].get::<_, String>(2)),
        ("2025-10-01".into(), "2025-10-02".into())
    );
    assert_eq!(ec2[0].get::<_, Option<String>>(3), None);
    assert_eq!(ec2[0].get::<_, i32>(4), 2);
    assert_eq!(ec2[0].get::<_, String>(5), "8 GiB");
    // 2.304 + 2.304 = 4.608; × 0.1 = 0.46080000000000004 → 0.460800000
    assert_eq!(ec2[0].get::<_, String>(6), "4.608000000");
    assert_eq!(ec2[0].get::<_, String>(7), "0.460800000");
    assert_eq!(ec2[0].get::<_, String>(8), r#"{"app": "api"}"#);
    assert_eq!(ec2[0].get::<_, i32>(9), ALIAS_ID);
    assert_eq!(ec2[1].get::<_, Option<String>>(3).as_deref(), Some("db-1"));

    // koku's bill stamps: both October bills of the source, not the other source's, not September's.
    assert_eq!(db.stamps(db.bill), (true, true));
    assert_eq!(db.stamps(db.second_bill), (true, true));
    assert_eq!(db.stamps(db.other_bill), (false, false));
    assert_eq!(db.stamps(db.september_bill), (false, false));
    let aws = report.aws().unwrap();
    assert_eq!(aws.bills_stamped, 2);
    assert_eq!(aws.ec2_rows_outside_delete_scope, 0);

    // koku's validation: 10-01 table 2.304000000 + 0.520000000 = 2.824 = Parquet; 10-02 2.304 = 2.304.
    let v = aws.validation.as_ref().unwrap();
    assert_eq!(v.status, Status::Complete);
    assert_eq!((v.start_date, v.end_date), (day(1), day(2)));
    assert_eq!(v.days_compared, 2);

    let wd = WorkDir::open(dir.path()).unwrap();
    let load_details = &wd.stage(stage::LOAD).unwrap().details;
    assert_eq!(load_details["rows_inserted"], 5);
    assert_eq!(load_details["aws"]["bills_stamped"], 2);
    assert_eq!(load_details["aws"]["validation"]["status"], "complete");
    assert_eq!(load_details["tables"][1]["table"], EC2_TABLE);
}

#[test]
fn a_reload_replaces_exactly_kokus_scope() {
    let mut db = AwsDb::new("aws_scope");
    // Daily summary: koku deletes the run's bill on the run's days, whatever the source.
    db.seed(DS_TABLE, db.bill, AWS_SOURCE, day(1), "OLD-IN-SCOPE");
    db.seed(
        DS_TABLE,
        db.bill,
        AWS_OTHER_SOURCE,
        day(2),
        "OLD-SAME-BILL-OTHER-SOURCE",
    );
    db.seed(DS_TABLE, db.bill, AWS_SOURCE, day(3), "KEEP-AFTER-END-DATE");
    db.seed(
        DS_TABLE,
        db.second_bill,
        AWS_SOURCE,
        day(1),
        "KEEP-OTHER-BILL",
    );
    db.seed(
        DS_TABLE,
        db.other_bill,
        AWS_OTHER_SOURCE,
        day(1),
        "KEEP-OTHER-SOURCE",
    );
    db.seed(
        DS_TABLE,
        db.september_bill,
        AWS_SOURCE,
        september(30),
        "KEEP-SEPTEMBER",
    );
    // EC2: koku deletes the source's rows from the first of the month to the end date, any bill.
    db.seed(EC2_TABLE, db.bill, AWS_SOURCE, day(1), "i-old");
    db.seed(
        EC2_TABLE,
        db.second_bill,
        AWS_SOURCE,
        day(2),
        "i-old-second-bill",
    );
    db.seed(
        EC2_TABLE,
        db.bill,
        AWS_SOURCE,
        day(3),
        "i-keep-after-end-date",
    );
    db.seed(
        EC2_TABLE,
        db.other_bill,
        AWS_OTHER_SOURCE,
        day(1),
        "i-keep-other-source",
    );
    db.seed(
        EC2_TABLE,
        db.september_bill,
        AWS_SOURCE,
        september(30),
        "i-keep-september",
    );

    let dir = tempfile::tempdir().unwrap();
    let daily = vec![
        Row::daily(db.bill, AWS_SOURCE, day(1), "NEW-1"),
        Row::daily(db.bill, AWS_SOURCE, day(2), "NEW-2"),
    ];
    let ec2 = vec![
        Row::ec2(db.bill, AWS_SOURCE, "i-new-1", day(1), day(2)),
        Row::ec2(db.bill, AWS_SOURCE, "i-new-2", day(2), day(2)),
    ];
    aws_workdir(
        dir.path(),
        aws_identity(db.bill),
        &daily,
        Some(&ec2),
        BTreeMap::new(),
    );
    let report = load(dir.path(), &db.options()).unwrap();
    assert_eq!(report.table(DS_TABLE).unwrap().rows_deleted, 2);
    assert_eq!(report.table(EC2_TABLE).unwrap().rows_deleted, 2);
    let names = |db: &mut AwsDb, table: &str, column: &str| -> Vec<String> {
        db.client
            .query(
                &format!("SELECT {column} FROM {SCHEMA}.{table} ORDER BY 1"),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(
        names(&mut db, DS_TABLE, "product_code"),
        [
            "KEEP-AFTER-END-DATE",
            "KEEP-OTHER-BILL",
            "KEEP-OTHER-SOURCE",
            "KEEP-SEPTEMBER",
            "NEW-1",
            "NEW-2"
        ]
    );
    assert_eq!(
        names(&mut db, EC2_TABLE, "resource_id"),
        [
            "i-keep-after-end-date",
            "i-keep-other-source",
            "i-keep-september",
            "i-new-1",
            "i-new-2"
        ]
    );

    // Loading the same work dir again replaces exactly what the first load wrote.
    let ds_before = db.snapshot(DS_TABLE);
    let ec2_before = db.snapshot(EC2_TABLE);
    let again = load(dir.path(), &db.options()).unwrap();
    assert_eq!((again.rows_deleted(), again.rows_inserted()), (4, 4));
    assert_eq!(db.snapshot(DS_TABLE), ds_before);
    assert_eq!(db.snapshot(EC2_TABLE), ec2_before);
    // No validation data in this work dir: skipped, the load succeeded.
    let v = again.aws().unwrap().validation.clone().unwrap();
    assert_eq!(v.status, Status::Skipped);
    assert!(
        v.reason
            .unwrap()
            .contains("recorded no daily_unblended_cost"),
        "skipped for the missing detail"
    );
}

#[test]
fn a_bill_that_is_not_the_runs_source_and_month_is_refused_with_nothing_changed() {
    let mut db = AwsDb::new("aws_foreign_bill");
    db.seed(DS_TABLE, db.other_bill, AWS_OTHER_SOURCE, day(1), "OTHER");
    db.seed(DS_TABLE, db.september_bill, AWS_SOURCE, day(1), "SEPT-BILL");
    let before = db.snapshot(DS_TABLE);
    let partitions = db.tracked_partitions(DS_TABLE);
    for (bill, why) in [
        (
            db.other_bill,
            format!("belongs to source {AWS_OTHER_SOURCE}, not to this run's source {AWS_SOURCE}"),
        ),
        (
            db.september_bill,
            "starts 2025-09-01 00:00:00 UTC, not on the first day of this run's month (2025-10-01 00:00 UTC)"
                .to_string(),
        ),
        (9999, format!("{SCHEMA}.reporting_awscostentrybill has no such row")),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let daily = vec![
            Row::daily(bill, AWS_SOURCE, day(1), "NEW"),
            Row::daily(bill, AWS_SOURCE, day(2), "NEW"),
        ];
        aws_workdir(dir.path(), aws_identity(bill), &daily, None, BTreeMap::new());
        let e = load(dir.path(), &db.options()).unwrap_err();
        assert!(matches!(e, LoadError::ForeignScope { .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.contains(&format!("bill {bill} {why}")) && text.contains("nothing was changed"),
            "{text}"
        );
        assert_eq!(db.snapshot(DS_TABLE), before);
        assert_eq!(db.tracked_partitions(DS_TABLE), partitions);
        assert_eq!(db.stamps(db.bill), (false, false));
        assert!(WorkDir::open(dir.path()).unwrap().stage(stage::LOAD).is_none());
    }

    // A row of another bill in the file is refused too (it would escape the delete on a re-load).
    let dir = tempfile::tempdir().unwrap();
    let daily = vec![Row::daily(db.second_bill, AWS_SOURCE, day(1), "NEW")];
    aws_workdir(
        dir.path(),
        aws_identity(db.bill),
        &daily,
        None,
        BTreeMap::new(),
    );
    let e = load(dir.path(), &db.options()).unwrap_err().to_string();
    assert!(
        e.contains("column cost_entry_bill_id")
            && e.contains(&format!("differs from the run's bill {}", db.bill)),
        "{e}"
    );
    assert_eq!(db.snapshot(DS_TABLE), before);
    assert_eq!(db.stamps(db.bill), (false, false));
}

#[test]
fn the_ec2_table_is_skipped_when_the_transform_wrote_none() {
    let mut db = AwsDb::new("aws_ec2_skipped");
    db.seed(EC2_TABLE, db.bill, AWS_SOURCE, day(1), "i-earlier-run");
    let ec2_before = db.snapshot(EC2_TABLE);
    let dir = tempfile::tempdir().unwrap();
    // Twelve product codes: the summary line names ten.
    let daily: Vec<Row> = (0..12)
        .map(|i| Row::daily(db.bill, AWS_SOURCE, day(1), &format!("P{i:02}")))
        .collect();
    aws_workdir(
        dir.path(),
        aws_identity(db.bill),
        &daily,
        None,
        BTreeMap::new(),
    );
    let report = load(dir.path(), &db.options()).unwrap();
    assert_eq!(report.skipped_tables, vec![EC2_TABLE]);
    assert_eq!(report.tables.len(), 1);
    assert!(
        report.to_string().ends_with(&format!(
            "P08 1, P09 1, … 2 more; deleted 0; created partition {DS_TABLE}_2025_10 \
             | {SCHEMA}.{EC2_TABLE} skipped (the transform wrote no rows file for it)"
        )),
        "{report}"
    );
    assert_eq!(db.snapshot(EC2_TABLE), ec2_before);
    assert_eq!(
        db.tracked_partitions(EC2_TABLE),
        vec![format!("{EC2_TABLE}_default")]
    );
    let wd = WorkDir::open(dir.path()).unwrap();
    assert_eq!(
        wd.stage(stage::LOAD).unwrap().details["skipped_tables"],
        json!([EC2_TABLE])
    );
}

#[test]
fn an_ec2_row_starting_before_the_month_is_inserted_like_koku_and_counted() {
    // testdata/aws/04-month-boundary: the October partition holds a line dated 2025-09-30, so the
    // instance's usage_start is in September. koku inserts it (into the September partition if it
    // exists, else the default one) and its October delete never removes it.
    let mut db = AwsDb::new("aws_ec2_before_month");
    let dir = tempfile::tempdir().unwrap();
    let daily = vec![Row::daily(db.bill, AWS_SOURCE, day(1), "AmazonEC2")];
    let ec2 = vec![Row::ec2(
        db.bill,
        AWS_SOURCE,
        "i-mb0001",
        september(30),
        day(2),
    )];
    aws_workdir(
        dir.path(),
        aws_identity(db.bill),
        &daily,
        Some(&ec2),
        BTreeMap::new(),
    );
    let report = load(dir.path(), &db.options()).unwrap();
    assert_eq!(report.aws().unwrap().ec2_rows_outside_delete_scope, 1);
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM {SCHEMA}.{EC2_TABLE}_default"
        )),
        1
    );
    // A re-load adds it again, as koku's re-run does (aws-daily-summary §10.5).
    load(dir.path(), &db.options()).unwrap();
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM {SCHEMA}.{EC2_TABLE} WHERE resource_id = 'i-mb0001'"
        )),
        2
    );
}

#[test]
fn the_daily_validation_logs_like_koku_and_never_fails_the_load() {
    let db = AwsDb::new("aws_validation");
    let dir = tempfile::tempdir().unwrap();
    // The table gets 2.824 on 10-01 and nothing on 10-02; the Parquet had 4.0 and 5.0:
    // 10-01 differs by 4.0 − 2.824 = 1.176 > 1, 10-02 is missing.
    let daily =
        vec![Row::daily(db.bill, AWS_SOURCE, day(1), "AmazonEC2").num("unblended_cost", 2.824)];
    aws_workdir(
        dir.path(),
        aws_identity(db.bill),
        &daily,
        None,
        details(json!({"2025-10-01": 4.0, "2025-10-02": 5.0})),
    );
    let report = load(dir.path(), &db.options()).unwrap();
    let v = report.aws().unwrap().validation.clone().unwrap();
    assert_eq!(v.status, Status::Incomplete);
    assert_eq!(v.days_compared, 2);
    match &v.incomplete_days[&day(1)] {
        DayDifference::Differs {
            pg_value,
            parquet_value,
            delta,
        } => {
            assert_eq!((*pg_value, *parquet_value), (2.824, 4.0));
            assert!((delta - 1.176).abs() < 1e-12, "{delta}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        v.incomplete_days[&day(2)],
        DayDifference::Missing("missing daily data")
    );
    let wd = WorkDir::open(dir.path()).unwrap();
    let recorded = &wd.stage(stage::LOAD).unwrap().details["aws"]["validation"];
    assert_eq!(recorded["status"], "incomplete");
    assert_eq!(
        recorded["incomplete_days"]["2025-10-02"],
        "missing daily data"
    );

    // Within the tolerance of 1: complete.
    let dir = tempfile::tempdir().unwrap();
    aws_workdir(
        dir.path(),
        aws_identity(db.bill),
        &daily,
        None,
        details(json!({"2025-10-01": 3.8})),
    );
    let report = load(dir.path(), &db.options()).unwrap();
    assert_eq!(
        report.aws().unwrap().validation.as_ref().unwrap().status,
        Status::Complete
    );
}
