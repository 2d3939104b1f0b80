//! koku's AWS tables in `scripts/koku-ddl.sql`: applied twice (idempotent) to two tenants of one
//! database, `koku-gen aws`'s `seed.sql` applies on top, and `koku-extract aws` reads the seeded
//! rows the way koku does (the month's bill, no cost model → markup 0, the AWS keys, aliases, OUs).

use std::process::Command;

use assert_cmd::prelude::*;
use koku_testkit::{Postgres, koku_schema, workspace_bin};

const SCHEMA: &str = "org1234567";
const SOURCE: &str = "00000000-0000-0000-0000-000000000002";

#[test]
fn ddl_is_idempotent_and_the_generators_seed_applies_on_top() {
    let pg = Postgres::start();
    let url = pg.create_database("aws_ddl");
    let mut client = pg.connect("aws_ddl");
    for schema in [SCHEMA, "org2", SCHEMA] {
        koku_schema::install(&mut client, schema);
    }

    // Both AWS summary tables are range-partitioned on usage_start with a default partition made
    // through a tracking row, and carry koku's GIN indexes (trigram ones included).
    for table in [
        "reporting_awscostentrylineitem_daily_summary",
        "reporting_awscostentrylineitem_summary_by_ec2_compute_p",
    ] {
        let key: String = client
            .query_one(
                "SELECT pg_get_partkeydef($1::text::regclass)",
                &[&format!("{SCHEMA}.{table}")],
            )
            .unwrap()
            .get(0);
        assert_eq!(key, "RANGE (usage_start)");
        let default: i64 = client
            .query_one(
                &format!(
                    "SELECT count(*) FROM {SCHEMA}.partitioned_tables WHERE table_name = $1 \
                     AND partition_parameters = '{{\"default\": true}}'"
                ),
                &[&format!("{table}_default")],
            )
            .unwrap()
            .get(0);
        assert_eq!(default, 1, "{table}");
    }
    let gin: Vec<String> = client
        .query(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%USING gin%' \
             AND tablename IN ('reporting_awscostentrylineitem_daily_summary', \
                               'reporting_awscostentrylineitem_summary_by_ec2_compute_p') ORDER BY 1",
            &[&SCHEMA],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        gin,
        [
            "aws_summ_usage_pcode_ilike",
            "aws_summ_usage_pfam_ilike",
            "cost_category_idx",
            "ec2cp_cost_category_idx",
            "ec2cp_tags_idx",
            "tags_idx"
        ]
    );

    // The generator's seed for September and October (two bills).
    let data = tempfile::tempdir().unwrap();
    Command::new(workspace_bin("koku-gen"))
        .args(["aws", "--nodes", "2", "--pods-per-node", "2", "--days", "2"])
        .args([
            "--start-date",
            "2025-09-30",
            "--extra-instances",
            "3",
            "--out",
        ])
        .arg(data.path())
        .assert()
        .success();
    let seed = std::fs::read_to_string(data.path().join("seed.sql")).unwrap();
    client
        .batch_execute(&format!(
            "SET search_path TO {SCHEMA}, public;\n{seed}\nRESET search_path;"
        ))
        .unwrap();
    let bills: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM {SCHEMA}.reporting_awscostentrybill"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(bills, 2);

    // koku-extract reads the seeded rows: October's bill (id 2), no cost model → m = 0.
    let out = tempfile::tempdir().unwrap();
    let work = out.path().join("w");
    let stdout = Command::new(workspace_bin("koku-extract"))
        .args(["aws", "--from"])
        .arg(data.path())
        .args(["--schema", SCHEMA, "--source", SOURCE, "--year", "2025"])
        .args(["--month", "10", "--database-url", &url, "--out"])
        .arg(&work)
        .env_remove("DATABASE_URL")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(stdout).unwrap();
    // seed.sql: 5 AWS keys enabled (app, environment, openshift_cluster/node/project), 4 aliases,
    // 5 OU rows of this source.
    assert!(
        stdout.contains("reporting_enabledtagkeys: 5 rows (database)"),
        "{stdout}"
    );
    assert!(stdout.contains("reporting_awsaccountalias: 4 rows (database)"));
    assert!(stdout.contains("reporting_awsorganizationalunit: 5 rows (database)"));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["run"]["bill_id"], 2);
    assert_eq!(
        run["stages"]["extract"]["details"]["markup"],
        serde_json::json!({"m": 0.0, "from": "no cost model"})
    );
}
