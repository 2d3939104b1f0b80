//! The AWS flow end to end, as an operator runs it: `koku-extract aws` reads the committed
//! `testdata/aws/worked-example` tree (spec aws-daily-summary §9) from a real S3-compatible server (moto
//! on 127.0.0.1) and its PostgreSQL inputs (bill, cost-model markup, enabled AWS keys, account alias)
//! from a real throwaway PostgreSQL with koku's tables; `koku-transform aws` computes; `koku-load`
//! writes koku's two AWS tables. The rows read back are the spec's hand-computed §9.3 / §9.4 values as
//! PostgreSQL stores them (numeric text at the column's scale). A second run replaces them (no
//! duplicates) and stamps the bill again.

use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;
use koku_testkit::{Postgres, S3Server, koku_schema, workspace_bin, workspace_root};

const SCHEMA: &str = "org1234567";
/// The AWS source of the fixture (testdata/aws/README.md).
const SOURCE: &str = "00000000-0000-0000-0000-000000000002";

/// koku's rows for the §9 run: the source, bill 11 for October 2025 (and an older bill of another
/// source, which must not be touched), alias 5 ↔ 111111111111, `app` enabled and `owner`/`Name`
/// disabled for AWS (and `app` also enabled for OCP: must not matter), a cost model with 10 % markup.
fn seed(client: &mut postgres::Client) {
    client
        .batch_execute(&format!(
            "SET search_path TO {SCHEMA}, public;
             INSERT INTO public.api_provider (uuid, name, type) VALUES ('{SOURCE}', 'My AWS', 'AWS');
             INSERT INTO reporting_awscostentrybill (id, billing_period_start, billing_period_end, provider_id)
                  VALUES (11, '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{SOURCE}'),
                         (12, '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '00000000-0000-0000-0000-0000000000ff');
             INSERT INTO reporting_awsaccountalias (id, account_id, account_alias) VALUES (5, '111111111111', 'dev');
             INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type)
                  VALUES ('app', true, 'AWS'), ('owner', false, 'AWS'), ('Name', false, 'AWS'), ('app', true, 'OCP');
             INSERT INTO cost_model (uuid, name, description, source_type, markup)
                  VALUES ('00000000-0000-0000-0000-00000000c0c0', 'cm', '', 'AWS', '{{\"value\": 10, \"unit\": \"percent\"}}');
             INSERT INTO cost_model_map (provider_uuid, cost_model_id)
                  VALUES ('{SOURCE}', '00000000-0000-0000-0000-00000000c0c0');
             RESET search_path;"
        ))
        .unwrap();
}

fn extract(s3: &S3Server, url: &str, out: &Path) -> Command {
    let mut c = Command::new(workspace_bin("koku-extract"));
    c.args(["aws", "--from", "s3://koku-report", "--schema", SCHEMA])
        .args(["--source", SOURCE, "--year", "2025", "--month", "10"])
        .arg("--out")
        .arg(out)
        .env("DATABASE_URL", url)
        .env("S3_ENDPOINT", s3.endpoint())
        .env("S3_ACCESS_KEY", koku_testkit::S3_ACCESS_KEY)
        .env("S3_SECRET", koku_testkit::S3_SECRET_KEY);
    c
}

fn pipeline(s3: &S3Server, url: &str, work: &Path) {
    extract(s3, url, work).assert().success();
    Command::new(workspace_bin("koku-transform"))
        .args(["aws"])
        .arg(work)
        .assert()
        .success();
    Command::new(workspace_bin("koku-load"))
        .arg(work)
        .env("DATABASE_URL", url)
        .assert()
        .success();
}

/// The rows of a table as text, sorted: `sql` selects the columns (all cast to text).
fn rows(client: &mut postgres::Client, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut out: Vec<Vec<Option<String>>> = client
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
        .collect();
    out.sort();
    out
}

#[test]
fn worked_example_through_s3_and_postgres() {
    let pg = Postgres::start();
    let s3 = S3Server::start();
    let url = pg.create_database("aws_e2e");
    let mut client = pg.connect("aws_e2e");
    koku_schema::install(&mut client, SCHEMA);
    seed(&mut client);
    let uploaded = s3.upload_dir(
        "koku-report",
        &workspace_root().join("testdata/aws/worked-example"),
    );
    assert!(uploaded >= 2, "{uploaded}");

    let work = tempfile::tempdir().unwrap();
    pipeline(&s3, &url, work.path());

    // §9.3, as PostgreSQL stores it: numeric(24,9) / (33,9) / (33,15) text, jsonb, text[].
    let daily_sql = format!(
        "SELECT usage_start::text, product_code, coalesce(product_family, 'NULL'), \
                array_to_string(resource_ids, ',', 'NULL'), resource_count::text, usage_amount::text, \
                normalization_factor::text, normalized_usage_amount::text, unblended_cost::text, \
                savingsplan_effective_cost::text, calculated_amortized_cost::text, \
                public_on_demand_cost::text, markup_cost::text, markup_cost_blended::text, \
                markup_cost_savingsplan::text, markup_cost_amortized::text, tags::text, cost_category::text, \
                cost_entry_bill_id::text, account_alias_id::text, coalesce(organizational_unit_id::text, 'NULL'), \
                currency_code, usage_account_id, source_uuid::text, (usage_end = usage_start)::text \
           FROM {SCHEMA}.reporting_awscostentrylineitem_daily_summary"
    );
    let got = rows(&mut client, &daily_sql);
    let row = |cells: &[&str]| -> Vec<Option<String>> {
        cells
            .iter()
            .map(|c| Some(c.to_string()))
            .chain(
                ["11", "5", "NULL", "USD", "111111111111", SOURCE, "true"]
                    .map(|c| Some(c.to_string())),
            )
            .collect()
    };
    #[rustfmt::skip]
    let mut want = vec![
        // day, code, family, ids, count, usage, NF, NU, unblended, SP, amortized, public, markup (9), blended (15), SP (15), amortized (9), tags, cost category
        row(&["2025-10-01", "AmazonEC2", "Compute Instance", "i-aaa,i-bbb", "2", "48.000000000", "4", "288", "2.304000000", "1.440000000", "3.744000000", "4.608000000", "0.230400000", "0.230400000000000", "0.144000000000000", "0.374400000", r#"{"app": "web"}"#, r#"{"team": "platform"}"#]),
        row(&["2025-10-01", "AmazonEC2", "Compute Instance", "i-ccc", "1", "24.000000000", "8", "192", "0.000000000", "0.000000000", "0.000000000", "4.080000000", "0.000000000", "0.000000000000000", "0.000000000000000", "0.000000000", "{}", "{}"]),
        row(&["2025-10-01", "AmazonEC2", "NULL", "", "1", "0.000000000", "0", "0", "0.520000000", "0.000000000", "0.520000000", "0.000000000", "0.052000000", "0.052000000000000", "0.000000000000000", "0.052000000", "{}", "{}"]),
        row(&["2025-10-02", "AmazonEC2", "Compute Instance", "i-aaa", "1", "24.000000000", "4", "96", "2.304000000", "0.000000000", "2.304000000", "2.304000000", "0.230400000", "0.230400000000000", "0.000000000000000", "0.230400000", r#"{"app": "api"}"#, r#"{"team": "platform"}"#]),
        row(&["2025-10-02", "AmazonEC2", "Storage", "vol-111", "1", "0.800000000", "0", "0", "0.064000000", "0.000000000", "0.064000000", "0.064000000", "0.006400000", "0.006400000000000", "0.000000000000000", "0.006400000", "{}", "{}"]),
        row(&["2025-10-02", "AmazonEC2", "Storage", "vol-222", "1", "0.800000000", "0", "0", "0.064000000", "0.000000000", "0.064000000", "0.064000000", "0.006400000", "0.006400000000000", "0.000000000000000", "0.006400000", "{}", "{}"]),
        row(&["2025-10-02", "Acme Firewall", "NULL", "", "1", "24.000000000", "0", "0", "1.200000000", "0.000000000", "1.200000000", "0.000000000", "0.120000000", "0.120000000000000", "0.000000000000000", "0.120000000", "{}", "{}"]),
    ];
    want.sort();
    assert_eq!(got, want);

    // §9.4: the EC2 compute summary.
    let ec2_sql = format!(
        "SELECT resource_id, usage_start::text, usage_end::text, coalesce(instance_name, 'NULL'), instance_type, \
                vcpu::text, memory, usage_amount::text, normalized_usage_amount::text, unblended_cost::text, \
                blended_cost::text, savingsplan_effective_cost::text, calculated_amortized_cost::text, \
                public_on_demand_cost::text, unblended_rate::text, markup_cost::text, markup_cost_blended::text, \
                markup_cost_savingsplan::text, markup_cost_amortized::text, tags::text, cost_category::text, \
                cost_entry_bill_id::text, account_alias_id::text, operating_system, region, unit, source_uuid::text \
           FROM {SCHEMA}.reporting_awscostentrylineitem_summary_by_ec2_compute_p"
    );
    let got = rows(&mut client, &ec2_sql);
    let row = |cells: &[&str]| -> Vec<Option<String>> {
        cells
            .iter()
            .map(|c| Some(c.to_string()))
            .chain(["11", "5", "Linux", "us-east-1", "Hrs", SOURCE].map(|c| Some(c.to_string())))
            .collect()
    };
    #[rustfmt::skip]
    let want = vec![
        row(&["i-aaa", "2025-10-01", "2025-10-02", "NULL", "m5.large", "2", "8 GiB", "48.000000000", "192", "4.608000000", "4.608000000", "0.000000000", "4.608000000", "4.608000000", "0.096000000", "0.460800000", "0.460800000000000", "0.000000000000000", "0.460800000", r#"{"app": "api"}"#, r#"{"team": "platform"}"#]),
        row(&["i-bbb", "2025-10-01", "2025-10-01", "NULL", "m5.large", "2", "8 GiB", "24.000000000", "192", "-2.304000000", "-2.304000000", "1.440000000", "1.440000000", "2.304000000", "0.096000000", "-0.230400000", "-0.230400000000000", "0.144000000000000", "0.144000000", r#"{"app": "web"}"#, r#"{"team": "platform"}"#]),
        row(&["i-ccc", "2025-10-01", "2025-10-01", "db-1", "c5.xlarge", "4", "8 GiB", "24.000000000", "192", "0.000000000", "0.000000000", "0.000000000", "0.000000000", "4.080000000", "0.000000000", "0.000000000", "0.000000000000000", "0.000000000000000", "0.000000000", "{}", "{}"]),
    ];
    assert_eq!(got, want);

    // The bill of the run is stamped; the other source's bill is not.
    let stamps = rows(
        &mut client,
        &format!(
            "SELECT id::text, (summary_data_creation_datetime IS NOT NULL)::text, \
                    (summary_data_updated_datetime IS NOT NULL)::text \
               FROM {SCHEMA}.reporting_awscostentrybill"
        ),
    );
    assert_eq!(
        stamps,
        vec![
            vec![Some("11".into()), Some("true".into()), Some("true".into())],
            vec![
                Some("12".into()),
                Some("false".into()),
                Some("false".into())
            ],
        ]
    );
    let daily_rows = rows(&mut client, &daily_sql);
    let ec2_rows = rows(&mut client, &ec2_sql);

    // A second run (a fresh work dir, as koku's next manifest would) replaces koku's scope: the
    // same rows, no duplicates.
    let again = tempfile::tempdir().unwrap();
    pipeline(&s3, &url, again.path());
    assert_eq!(rows(&mut client, &daily_sql), daily_rows);
    assert_eq!(rows(&mut client, &ec2_sql), ec2_rows);
}
