//! `koku-compare --database-url` on the AWS daily summary: a real PostgreSQL table with koku's column
//! types (`text[]`, `numeric(24,9)`, `jsonb`, `uuid`; aws-daily-summary §3.1) holding rows D1a and D1c
//! of §9.3 and a copy of D1a under another bill, against a work dir of flow `aws` with D1a and D1c.
//! (The OCP table is covered against the table `koku-load` fills, in `testkit/tests/compare_pipeline.rs`.)

use assert_cmd::Command;
use koku_testkit::Postgres;

mod common;
use common::{AWS_SOURCE, aws_workdir};

const TABLE: &str = "org1234567.reporting_awscostentrylineitem_daily_summary";

fn compare(w: &std::path::Path, url: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::cargo_bin("koku-compare")
        .unwrap()
        .arg(w)
        .args(["--database-url", url, "--format", "json"])
        .args(extra)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let r = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("exit {code}, {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (code, r)
}

#[test]
fn the_aws_table_read_from_postgres() {
    let pg = Postgres::start();
    let url = pg.create_database("compare_aws");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!(
            "CREATE SCHEMA org1234567;
             CREATE TABLE {TABLE} (
                 uuid uuid NOT NULL, cost_entry_bill_id integer, usage_start date NOT NULL, usage_end date,
                 usage_account_id varchar(50) NOT NULL, product_code text NOT NULL,
                 product_family varchar(150), availability_zone varchar(50), region varchar(50),
                 instance_type varchar(50), unit varchar(63), resource_ids text[], resource_count integer,
                 unblended_cost numeric(24,9), markup_cost numeric(24,9), tax_type text, tags jsonb,
                 cost_category jsonb, source_uuid uuid);
             INSERT INTO {TABLE} (uuid, cost_entry_bill_id, usage_start, usage_end, usage_account_id,
                 product_code, product_family, availability_zone, region, instance_type, unit, resource_ids,
                 resource_count, unblended_cost, markup_cost, tags, cost_category, source_uuid)
             VALUES
              (gen_random_uuid(), 11, '2025-10-01', '2025-10-01', '111111111111', 'AmazonEC2',
               'Compute Instance', 'us-east-1a', 'us-east-1', 'm5.large', 'Hrs', '{{i-aaa,i-bbb}}', 2,
               2.304, 0.2304, '{{\"app\": \"web\"}}', '{{\"team\": \"platform\"}}', '{AWS_SOURCE}'),
              (gen_random_uuid(), 11, '2025-10-01', '2025-10-01', '111111111111', 'AmazonEC2',
               NULL, NULL, NULL, NULL, NULL, ARRAY[''], 1, 0.52, 0.052, '{{}}', '{{}}', '{AWS_SOURCE}'),
              (gen_random_uuid(), 12, '2025-10-01', '2025-10-01', '111111111111', 'AmazonEC2',
               'Compute Instance', 'us-east-1a', 'us-east-1', 'm5.large', 'Hrs', '{{i-bbb,i-aaa}}', 2,
               2.304, 0.2304, '{{\"app\": \"web\"}}', '{{\"team\": \"platform\"}}', '{AWS_SOURCE}');"
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w");
    aws_workdir(&w);

    // the run's bill (11) restricts the SELECT: the other bill's row is not read
    let (code, r) = compare(&w, &url, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["table"], "reporting_awscostentrylineitem_daily_summary");
    assert_eq!(r["theirs"]["rows_read"], 2);
    assert_eq!(r["counts"]["row"]["matched"], 2);
    // koku-only columns are not selected: uuid, and tax_type, which the load never writes
    assert_eq!(
        r["theirs"]["skipped_columns"],
        serde_json::json!(["uuid", "tax_type"])
    );
    // the other bill: only koku's copy of D1a is read; its ids {i-bbb,i-aaa} are the set of ours
    let (code, r) = compare(&w, &url, &["--bill-id", "12"]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["theirs"]["rows_read"], 1);
    assert_eq!(r["ours"]["out_of_scope"], 2);
    assert_eq!(r["total"]["missing"], 1);
    assert_eq!(
        r["missing"][0]["key"]["resource_ids"],
        serde_json::json!(["i-aaa", "i-bbb"])
    );

    // one resource id less: another key, so one missing and one extra row
    client
        .execute(
            &format!("UPDATE {TABLE} SET resource_ids = '{{i-aaa}}' WHERE cost_entry_bill_id = 11 AND instance_type = 'm5.large'"),
            &[],
        )
        .unwrap();
    let (code, r) = compare(&w, &url, &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(
        (r["total"]["missing"].as_u64(), r["total"]["extra"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        r["missing"][0]["key"]["resource_ids"],
        serde_json::json!(["i-aaa"])
    );
    assert_eq!(
        r["extra"][0]["key"]["resource_ids"],
        serde_json::json!(["i-aaa", "i-bbb"])
    );
    // a cost changed in the last of koku's nine decimals: outside the default tolerance (1e-9)
    client
        .execute(
            &format!("UPDATE {TABLE} SET unblended_cost = 0.520000002 WHERE cost_entry_bill_id = 11 AND resource_ids = ARRAY['']"),
            &[],
        )
        .unwrap();
    let (_, r) = compare(&w, &url, &[]);
    assert_eq!(r["differing_values"], 1);
    assert_eq!(r["differences"][0]["column"], "unblended_cost");
    assert_eq!(
        r["differences"][0]["key"]["resource_ids"],
        serde_json::json!([""])
    );
}
