//! `koku-compare` on the real pipeline: `koku-extract` + `koku-transform` on `testdata/worked-example`
//! (offline: local folder, PostgreSQL inputs from flags and files), then
//! * two such work dirs compare equal;
//! * against a real PostgreSQL table that `koku-load` filled, read directly and through a
//!   `COPY ... TO STDOUT CSV HEADER` export: equal, then each edit of the table (a measure changed, a
//!   change within tolerance, a row deleted, a row added, a cost-model row added) gives exactly the
//!   expected report.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use koku_testkit::{Postgres, koku_schema, workspace_bin, workspace_root};

const SCHEMA: &str = "org1234567";
const SOURCE: &str = "11111111-1111-1111-1111-111111111111";
const TABLE: &str = "org1234567.reporting_ocpusagelineitem_daily_summary";
/// The Pod row of spec §11 with `pod_usage_cpu_core_hours` = 1.
const WEB_PROD: &str = r#"namespace = 'web' AND pod_labels = '{"app": "web", "env": "prod"}'"#;

/// extract + transform the worked example into `dir/name`; returns the work dir.
fn pipeline(dir: &Path, name: &str) -> PathBuf {
    let cats = dir.join("cost-categories.csv");
    std::fs::write(
        &cats,
        "namespace,cost_category_id\nopenshift-%,1\nkube-%,1\nPlatform unallocated,1\nopenshift,1\n",
    )
    .unwrap();
    let roles = dir.join("node-roles.csv");
    std::fs::write(
        &roles,
        "node,resource_id,node_role\nnode-a,i-aaa,worker\nnode-b,i-bbb,master\n",
    )
    .unwrap();
    let w = dir.join(name);
    Command::new(workspace_bin("koku-extract"))
        .arg("ocp")
        .arg("--from")
        .arg(workspace_root().join("testdata/worked-example"))
        .args(["--schema", SCHEMA, "--source", SOURCE])
        .args(["--year", "2025", "--month", "10"])
        .args([
            "--cluster-id",
            "my-cluster",
            "--cluster-alias",
            "My Cluster",
        ])
        .args(["--report-period-id", "7", "--enabled-keys", "app,env"])
        .arg("--cost-categories")
        .arg(&cats)
        .arg("--node-roles")
        .arg(&roles)
        .arg("--out")
        .arg(&w)
        .env_remove("DATABASE_URL")
        .assert()
        .success();
    Command::new(workspace_bin("koku-transform"))
        .arg("ocp")
        .arg(&w)
        .assert()
        .success();
    w
}

/// `koku-compare OURS ARGS --format json`: (exit code, report).
fn compare(ours: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(workspace_bin("koku-compare"))
        .arg(ours)
        .args(args)
        .args(["--format", "json"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "exit {code}, {e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

/// koku's rows as `psql -c "\copy (SELECT * FROM ...) TO 'x.csv' CSV HEADER"` writes them.
fn export_csv(client: &mut postgres::Client, path: &Path) {
    let mut reader = client
        .copy_out(&format!(
            "COPY (SELECT * FROM {TABLE} WHERE source_uuid = '{SOURCE}') TO STDOUT WITH (FORMAT csv, HEADER)"
        ))
        .unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    std::io::copy(&mut reader, &mut f).unwrap();
}

#[test]
fn two_runs_of_the_pipeline_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let a = pipeline(dir.path(), "a");
    let b = pipeline(dir.path(), "b");
    let (code, r) = compare(&a, &["--ipc", b.to_str().unwrap()]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["total"]["matched"], 7);
    assert_eq!(r["differing_values"], 0);
    // both sides have row_kind and csi_volume_handle: compared too
    let cols: Vec<&str> = r["compared_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(cols.contains(&"row_kind") && cols.contains(&"csi_volume_handle"));
    assert_eq!(cols.len(), 38);
    let out = Command::new(workspace_bin("koku-compare"))
        .arg(&a)
        .arg("--ipc")
        .arg(b.join("reporting_ocpusagelineitem_daily_summary.arrow"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("IDENTICAL within tolerance: 7 row(s) matched"),
        "{text}"
    );
}

#[test]
fn against_the_table_koku_load_filled() {
    let pg = Postgres::start();
    let url = pg.create_database("compare");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    koku_schema::install(&mut client, SCHEMA);
    client
        .batch_execute(&format!(
            "INSERT INTO {SCHEMA}.reporting_ocpusagereportperiod (id, cluster_id, cluster_alias, report_period_start, report_period_end, provider_id)
             VALUES (7, 'my-cluster', 'My Cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{SOURCE}')"
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let w = pipeline(dir.path(), "w");
    Command::new(workspace_bin("koku-load"))
        .arg(&w)
        .args(["--database-url", &url])
        .env_remove("DATABASE_URL")
        .assert()
        .success();
    let csv = dir.path().join("koku.csv");
    let db = ["--database-url", url.as_str()];
    let csv_args = ["--csv", csv.to_str().unwrap()];
    // Both ways of reading koku's rows, same expectations.
    let both = |client: &mut postgres::Client| -> Vec<(i32, serde_json::Value)> {
        export_csv(client, &csv);
        vec![compare(&w, &db), compare(&w, &csv_args)]
    };

    // as loaded: identical (numeric(33,15) rounding of 10/31 GiB-months is inside the tolerance)
    for (code, r) in both(&mut client) {
        assert_eq!(code, 0, "{r:#}");
        assert_eq!(r["total"]["matched"], 7);
        assert_eq!(r["theirs"]["rows_compared"], 7);
        assert_eq!(
            r["only_in_ours"],
            serde_json::json!(["row_kind", "csi_volume_handle"])
        );
        assert_eq!(r["theirs"]["skipped_columns"][0], "uuid");
    }

    // a measure changed by koku: exactly that value
    client
        .execute(
            &format!(
                "UPDATE {TABLE} SET pod_usage_cpu_core_hours = pod_usage_cpu_core_hours + 1 WHERE {WEB_PROD}"
            ),
            &[],
        )
        .unwrap();
    for (code, r) in both(&mut client) {
        assert_eq!(code, 1, "{r:#}");
        assert_eq!(r["differing_values"], 1);
        assert_eq!(r["total"]["differing"], 1);
        assert_eq!(r["total"]["matched"], 6);
        assert_eq!(r["total"]["missing"], 0);
        assert_eq!(r["total"]["extra"], 0);
        let d = &r["differences"][0];
        assert_eq!(
            d["key"],
            serde_json::json!({"kind": "pod", "usage_start": "2025-10-01", "namespace": "web",
                               "node": "node-a", "pod_labels": {"app": "web", "env": "prod"}})
        );
        assert_eq!(d["column"], "pod_usage_cpu_core_hours");
        assert_eq!(d["ours"], 1.0);
        assert_eq!(d["theirs"], 2.0);
        assert_eq!(d["rel_diff"], 0.5);
    }
    let out = Command::new(workspace_bin("koku-compare"))
        .arg(&w)
        .args(db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            r#"pod usage_start=2025-10-01 namespace="web" node="node-a" pod_labels={"app":"web","env":"prod"}"#
        ) && text.contains("pod_usage_cpu_core_hours: ours 1, theirs 2"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{TABLE} on host=127.0.0.1 port={}", pg.port)),
        "{text}"
    );

    // within tolerance: 1 + 1e-14 (relative 1e-14)
    client
        .execute(
            &format!(
                "UPDATE {TABLE} SET pod_usage_cpu_core_hours = 1.00000000000001 WHERE {WEB_PROD}"
            ),
            &[],
        )
        .unwrap();
    for (code, r) in both(&mut client) {
        assert_eq!(code, 0, "{r:#}");
    }

    // a row deleted by koku is extra in ours; a row koku has and we don't is missing
    client
        .execute(
            &format!("DELETE FROM {TABLE} WHERE persistentvolumeclaim = 'orphan'"),
            &[],
        )
        .unwrap();
    client
        .execute(
            &format!(
                "INSERT INTO {TABLE} (uuid, report_period_id, cluster_id, cluster_alias, data_source, usage_start, usage_end,
                                      namespace, node, resource_id, pod_labels, all_labels, pod_usage_cpu_core_hours, source_uuid)
                 VALUES (gen_random_uuid(), 7, 'my-cluster', 'My Cluster', 'Pod', '2025-10-02', '2025-10-02',
                         'web', 'node-a', 'i-aaa', '{{\"app\": \"web\"}}', '{{\"app\": \"web\"}}', 3, '{SOURCE}')"
            ),
            &[],
        )
        .unwrap();
    // koku's cost model adds rows of its own: left out by default
    client
        .execute(
            &format!(
                "INSERT INTO {TABLE} (uuid, report_period_id, data_source, usage_start, usage_end, namespace, node,
                                      pod_labels, source_uuid, cost_model_rate_type, cost_model_cpu_cost)
                 SELECT gen_random_uuid(), 7, 'Pod', usage_start, usage_end, namespace, node, pod_labels, source_uuid,
                        'Supplementary', 12.5
                   FROM {TABLE} WHERE {WEB_PROD}"
            ),
            &[],
        )
        .unwrap();
    for (code, r) in both(&mut client) {
        assert_eq!(code, 1, "{r:#}");
        assert_eq!(r["total"]["extra"], 1);
        assert_eq!(r["extra"][0]["key"]["kind"], "storage");
        assert_eq!(r["extra"][0]["key"]["persistentvolumeclaim"], "orphan");
        assert_eq!(r["total"]["missing"], 1);
        assert_eq!(r["missing"][0]["key"]["usage_start"], "2025-10-02");
        assert_eq!(
            r["missing"][0]["key"]["pod_labels"],
            serde_json::json!({"app": "web"})
        );
        assert_eq!(r["total"]["differing"], 0);
        assert_eq!(r["total"]["matched"], 6);
        assert_eq!(r["theirs"]["not_summary_rows"], 1);
    }
    // with --all-rows the cost-model row counts: a second row of the web/prod key
    let (code, r) = compare(&w, &[db[0], db[1], "--all-rows"]);
    assert_eq!(code, 1);
    assert_eq!(r["total"]["missing"], 2);
    assert_eq!(r["duplicate_keys_total"], 1);
    assert_eq!(r["duplicate_keys"][0]["ours"], 1);
    assert_eq!(r["duplicate_keys"][0]["theirs"], 2);
    // another day's window: nothing of ours in scope, koku's Oct 2 row is
    let (code, r) = compare(
        &w,
        &[
            db[0],
            db[1],
            "--start-date",
            "2025-10-02",
            "--end-date",
            "2025-10-02",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(r["total"]["ours"], 0);
    assert_eq!(r["total"]["missing"], 1);
    // a table that does not exist
    let out = Command::new(workspace_bin("koku-compare"))
        .arg(&w)
        .args(db)
        .args(["--schema", "org9999999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("org9999999.reporting_ocpusagelineitem_daily_summary on host=127.0.0.1")
            && err.contains("no such table"),
        "{err}"
    );
}
