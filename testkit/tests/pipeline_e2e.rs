//! End to end, as an operator runs it: `koku-extract` reads the committed `testdata/worked-example`
//! tree from a real S3-compatible server (moto on 127.0.0.1) and its PostgreSQL inputs from a real
//! throwaway PostgreSQL holding koku's tables; `koku-transform` computes; `koku-load` writes into koku's
//! table. The rows read back are the spec's §11 hand-computed values. A second load leaves the same rows.

use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;
use koku_testkit::{Postgres, S3Server, koku_schema, workspace_bin, workspace_root};

const SCHEMA: &str = "org1234567";
const SOURCE: &str = "11111111-1111-1111-1111-111111111111";

/// koku's rows for the §11 run: provider + credentials (cluster id), the alias provider, report period
/// 7, enabled keys, the node rows koku's earlier runs left (with capacity and architecture, so koku's
/// node upsert keeps their roles). The default cost categories come with the DDL (Platform = id 1).
fn seed(client: &mut postgres::Client) {
    client
        .batch_execute(&format!(
            "SET search_path TO {SCHEMA}, public;
             INSERT INTO public.api_providerauthentication (id, credentials) VALUES (1, '{{\"cluster_id\": \"my-cluster\"}}');
             INSERT INTO public.api_provider (uuid, name, type, authentication_id) VALUES ('{SOURCE}', 'My Cluster', 'OCP', 1);
             INSERT INTO reporting_ocpusagereportperiod (id, cluster_id, cluster_alias, report_period_start, report_period_end, provider_id)
                  VALUES (7, 'my-cluster', 'My Cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{SOURCE}');
             INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type)
                  VALUES ('app', true, 'OCP'), ('env', true, 'OCP'), ('team', false, 'OCP'), ('tier', true, 'AWS');
             INSERT INTO reporting_ocp_clusters (uuid, cluster_id, cluster_alias, provider_id)
                  VALUES ('00000000-0000-0000-0000-0000000000c1', 'my-cluster', 'My Cluster', '{SOURCE}');
             INSERT INTO reporting_ocp_nodes (node, resource_id, node_capacity_cpu_cores, node_role, architecture, cluster_id)
                  VALUES ('node-a', 'i-aaa', 4, 'worker', 'amd64', '00000000-0000-0000-0000-0000000000c1'),
                         ('node-b', 'i-bbb', 2, 'master', 'amd64', '00000000-0000-0000-0000-0000000000c1');
             RESET search_path;"
        ))
        .unwrap();
}

/// Every loaded row as text, without the random uuid, sorted.
fn table_rows(client: &mut postgres::Client) -> Vec<String> {
    let mut rows: Vec<String> = client
        .query(
            &format!(
                "SELECT (to_jsonb(t) - 'uuid')::text FROM {SCHEMA}.reporting_ocpusagelineitem_daily_summary t"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();
    rows.sort();
    rows
}

fn extract(s3: &S3Server, url: &str, out: &Path) -> Command {
    let mut c = Command::new(workspace_bin("koku-extract"));
    c.args([
        "ocp",
        "--from",
        "s3://koku-report",
        "--schema",
        SCHEMA,
        "--source",
        SOURCE,
    ])
    .args([
        "--year",
        "2025",
        "--month",
        "10",
        "--database-url",
        url,
        "--out",
    ])
    .arg(out)
    .env("S3_ENDPOINT", s3.endpoint())
    .env("S3_ACCESS_KEY", koku_testkit::S3_ACCESS_KEY)
    .env("S3_SECRET", koku_testkit::S3_SECRET_KEY)
    .env_remove("DATABASE_URL");
    c
}

#[test]
// The expected rows are written as plain tuples of columns: easier to read against the spec than structs.
#[allow(clippy::type_complexity)]
fn worked_example_through_s3_and_postgres() {
    let pg = Postgres::start();
    let s3 = S3Server::start();
    let url = pg.create_database("e2e");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    koku_schema::install(&mut client, SCHEMA);
    seed(&mut client);
    let uploaded = s3.upload_dir(
        "koku-report",
        &workspace_root().join("testdata/worked-example"),
    );
    assert_eq!(uploaded, 5);

    let work = tempfile::tempdir().unwrap();
    extract(&s3, &url, work.path()).assert().success();
    Command::new(workspace_bin("koku-transform"))
        .args(["ocp"])
        .arg(work.path())
        .assert()
        .success();
    Command::new(workspace_bin("koku-load"))
        .arg(work.path())
        .args(["--database-url", &url])
        .assert()
        .success()
        .stdout(predicates::str::contains("7 rows"));

    // The spec's §11.3, as PostgreSQL stores it (numeric(33,15) text, jsonb).
    let mut q = |cols: &str, cond: &str| -> Vec<postgres::Row> {
        let sql = format!(
            "SELECT {cols} FROM {SCHEMA}.reporting_ocpusagelineitem_daily_summary WHERE {cond} ORDER BY 1, 2, 3"
        );
        client.query(&sql, &[]).unwrap()
    };
    let pods = q(
        "namespace, node, pod_labels::text, pod_usage_cpu_core_hours::text, pod_request_cpu_core_hours::text, \
                  pod_effective_usage_cpu_core_hours::text, pod_effective_usage_memory_gigabyte_hours::text, \
                  node_capacity_cpu_core_hours::text, cluster_capacity_memory_gigabyte_hours::text, cost_category_id, \
                  (all_labels = pod_labels) AS same, infrastructure_usage_cost = '{\"cpu\": 0, \"memory\": 0, \"storage\": 0}'::jsonb",
        "data_source = 'Pod' AND pod_labels IS NOT NULL",
    );
    let got: Vec<(
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<i32>,
        bool,
        bool,
    )> = pods
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
                r.get(7),
                r.get(8),
                r.get(9),
                r.get(10),
                r.get(11),
            )
        })
        .collect();
    let t = |s: &str| s.to_string();
    let n = |x: &str| format!("{x}.000000000000000");
    assert_eq!(
        got,
        vec![
            (
                t("openshift-monitoring"),
                t("node-b"),
                t(r#"{"app": "prom"}"#),
                n("6"),
                n("2"),
                n("6"),
                n("2"),
                n("24"),
                n("480"),
                Some(1),
                true,
                true
            ),
            (
                t("web"),
                t("node-a"),
                t(r#"{"app": "web", "env": "ns-env"}"#),
                n("2"),
                n("4"),
                n("4"),
                n("4"),
                n("96"),
                n("480"),
                None,
                true,
                true
            ),
            (
                t("web"),
                t("node-a"),
                t(r#"{"app": "web", "env": "prod"}"#),
                n("1"),
                n("1"),
                n("1"),
                n("1"),
                n("96"),
                n("480"),
                None,
                true,
                true
            ),
        ]
    );
    let storage = q(
        "persistentvolumeclaim, coalesce(node, '-'), volume_labels::text, \
                     persistentvolumeclaim_capacity_gigabyte_months::text, coalesce(volume_request_storage_gigabyte_months::text, 'NULL'), \
                     coalesce(persistentvolumeclaim_usage_gigabyte_months::text, 'NULL'), (all_labels = volume_labels)",
        "data_source = 'Storage'",
    );
    let got: Vec<(String, String, String, String, String, String, bool)> = storage
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                t("data-web"),
                t("node-a"),
                t(r#"{"app": "db-pv", "env": "pvc-env"}"#),
                t("0.322580645161290"),
                t("0.322580645161290"),
                t("0.161290322580645"),
                true
            ),
            (
                t("orphan"),
                t("-"),
                t(r#"{"env": "ns-env"}"#),
                t("0.032258064516129"),
                t("NULL"),
                t("NULL"),
                true
            ),
        ]
    );
    let unalloc = q(
        "namespace, node, pod_usage_cpu_core_hours::text, pod_request_memory_gigabyte_hours::text, \
                     coalesce(cost_category_id, 0), all_labels::text, (pod_labels IS NULL AND infrastructure_usage_cost IS NULL)",
        "namespace LIKE '%unallocated'",
    );
    let got: Vec<(String, String, String, String, i32, String, bool)> = unalloc
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                t("Platform unallocated"),
                t("node-b"),
                n("18"),
                n("95"),
                1,
                t("{}"),
                true
            ),
            (
                t("Worker unallocated"),
                t("node-a"),
                n("93"),
                t("379.500000000000000"),
                0,
                t("{}"),
                true
            ),
        ]
    );
    let common: Vec<(i32, String, String, String, String)> = client
        .query(
            &format!(
                "SELECT DISTINCT report_period_id, cluster_id, cluster_alias, source_uuid::text, usage_start::text || '/' || usage_end::text \
                   FROM {SCHEMA}.reporting_ocpusagelineitem_daily_summary"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    assert_eq!(
        common,
        vec![(
            7,
            t("my-cluster"),
            t("My Cluster"),
            t(SOURCE),
            t("2025-10-01/2025-10-01")
        )]
    );
    let partition: Option<String> = client
        .query_one(&format!("SELECT to_regclass('{SCHEMA}.reporting_ocpusagelineitem_daily_summary_2025_10')::text"), &[])
        .unwrap()
        .get(0);
    assert!(partition.is_some(), "the month partition was created");

    // koku's cluster-information step: the existing node rows (same capacity, architecture set) keep
    // their roles and no node row is added; PVCs and projects are created; the report period is stamped.
    let count = |client: &mut postgres::Client, sql: &str| -> i64 {
        client.query_one(sql, &[]).unwrap().get(0)
    };
    assert_eq!(
        count(
            &mut client,
            &format!("SELECT count(*) FROM {SCHEMA}.reporting_ocp_nodes")
        ),
        2
    );
    assert_eq!(
        count(
            &mut client,
            &format!("SELECT count(*) FROM {SCHEMA}.reporting_ocp_clusters")
        ),
        1
    );
    let pvcs: Vec<String> = client
        .query(
            &format!(
                "SELECT persistent_volume || '/' || persistent_volume_claim || '/' || coalesce(csi_volume_handle, 'NULL')
                   FROM {SCHEMA}.reporting_ocp_pvcs ORDER BY 1"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(pvcs, ["pv-001/data-web/vol-123", "pv-002/orphan/NULL"]);
    let projects: Vec<String> = client
        .query(
            &format!("SELECT project FROM {SCHEMA}.reporting_ocp_projects ORDER BY 1"),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(projects, ["openshift-monitoring", "web"]);
    assert_eq!(
        count(
            &mut client,
            &format!(
                "SELECT count(*) FROM {SCHEMA}.reporting_ocpusagereportperiod
                  WHERE id = 7 AND summary_data_creation_datetime IS NOT NULL AND summary_data_updated_datetime IS NOT NULL"
            )
        ),
        1
    );

    // Idempotent: a second load replaces koku's delete scope with the same rows.
    let before = table_rows(&mut client);
    assert_eq!(before.len(), 7);
    Command::new(workspace_bin("koku-load"))
        .arg(work.path())
        .args(["--database-url", &url])
        .assert()
        .success();
    assert_eq!(table_rows(&mut client), before);
    assert_eq!(
        count(
            &mut client,
            &format!("SELECT count(*) FROM {SCHEMA}.reporting_ocp_projects")
        ),
        2
    );
}

#[test]
fn a_new_cluster_gets_its_nodes_with_koku_derived_roles() {
    // No node rows yet (a cluster's first summary): koku's nodes query derives the roles from this run's
    // data and inserts them before the unallocated rows read them. The worked-example files carry the
    // operator's `node_role` column (worker for node-a, master for node-b), which the query prefers.
    let pg = Postgres::start();
    let url = pg.create_database("newcluster");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    koku_schema::install(&mut client, SCHEMA);
    seed(&mut client);
    client
        .batch_execute(&format!(
            "DELETE FROM {SCHEMA}.reporting_ocp_nodes; DELETE FROM {SCHEMA}.reporting_ocp_clusters"
        ))
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        Command::new(workspace_bin("koku-extract"))
            .args(["ocp", "--from"])
            .arg(workspace_root().join("testdata/worked-example"))
            .args([
                "--schema",
                SCHEMA,
                "--source",
                SOURCE,
                "--year",
                "2025",
                "--month",
                "10",
                "--database-url",
                &url,
                "--out",
            ])
            .arg(work.path())
            .env_remove("DATABASE_URL")
            .assert()
            .success();
        Command::new(workspace_bin("koku-transform"))
            .args(["ocp"])
            .arg(work.path())
            .assert()
            .success();
        Command::new(workspace_bin("koku-load"))
            .arg(work.path())
            .args(["--database-url", &url])
            .assert()
            .success();
    }
    let nodes: Vec<(String, String, String, String)> = client
        .query(
            &format!(
                "SELECT n.node, n.resource_id, n.node_capacity_cpu_cores::text, n.node_role
                   FROM {SCHEMA}.reporting_ocp_nodes n JOIN {SCHEMA}.reporting_ocp_clusters c ON c.uuid = n.cluster_id
                  WHERE c.provider_id = '{SOURCE}' AND c.cluster_alias = 'My Cluster' ORDER BY 1"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let t = |s: &str| s.to_string();
    assert_eq!(
        nodes,
        vec![
            (t("node-a"), t("i-aaa"), t("4.00"), t("worker")),
            (t("node-b"), t("i-bbb"), t("2.00"), t("master"))
        ],
        "inserted once, not again on the second run"
    );
    let unallocated: Vec<String> = client
        .query(
            &format!(
                "SELECT namespace FROM {SCHEMA}.reporting_ocpusagelineitem_daily_summary
                  WHERE namespace LIKE '%unallocated' ORDER BY node"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(unallocated, ["Worker unallocated", "Platform unallocated"]);
}

/// A database with koku's tables and the report period of `testdata/ocp-small`, plus the offline input
/// files for it (node roles as koku's nodes query gives them, koku's default cost categories).
fn ocp_small_database(
    pg: &Postgres,
    name: &str,
) -> (
    String,
    postgres::Client,
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
) {
    let url = pg.create_database(name);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    koku_schema::install(&mut client, SCHEMA);
    client
        .batch_execute(&format!(
            "INSERT INTO {SCHEMA}.reporting_ocpusagereportperiod (id, cluster_id, report_period_start, report_period_end, provider_id)
             VALUES (3, 'ocp-small-cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '00000000-0000-0000-0000-000000000001')"
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roles = dir.path().join("roles.csv");
    std::fs::write(
        &roles,
        "node,resource_id,node_role\nmaster-0,i-master0,master\nworker-0,i-worker0,worker\n",
    )
    .unwrap();
    let cats = dir.path().join("cats.csv");
    std::fs::write(&cats, "namespace,cost_category_id\nopenshift-%,1\nkube-%,1\nPlatform unallocated,1\nopenshift,1\n")
        .unwrap();
    (url, client, dir, roles, cats)
}

#[test]
fn pipeline_script_runs_the_bundled_local_folder_offline_flags() {
    // `scripts/pipeline.sh` over a local folder; the PostgreSQL inputs come from flags and files.
    let pg = Postgres::start();
    let (url, mut client, dir, roles, cats) = ocp_small_database(&pg, "script");
    let bin_dir = workspace_bin("koku-load").parent().unwrap().to_path_buf();
    let root = workspace_root();
    let out = Command::new(root.join("scripts/pipeline.sh"))
        .arg(dir.path().join("work"))
        .args(["--database-url", &url, "--"])
        .args(["--from"])
        .arg(root.join("testdata/ocp-small"))
        .args([
            "--schema",
            SCHEMA,
            "--source",
            "00000000-0000-0000-0000-000000000001",
            "--year",
            "2025",
            "--month",
            "10",
        ])
        .args([
            "--cluster-id",
            "ocp-small-cluster",
            "--report-period-id",
            "3",
            "--enabled-keys",
            "app,env",
        ])
        .arg("--cost-categories")
        .arg(&cats)
        .arg("--node-roles")
        .arg(&roles)
        .env("KOKU_BIN", &bin_dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pipeline.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Two October days (Oct 30, 31; Nov 1 is another month): per day 3 Pod rows, 1 Storage row, and an
    // unallocated row for each of the two nodes.
    let counts: Vec<(String, String, i64)> = client
        .query(
            &format!(
                "SELECT usage_start::text, data_source, count(*) FROM {SCHEMA}.reporting_ocpusagelineitem_daily_summary
                  GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let t = |s: &str| s.to_string();
    assert_eq!(
        counts,
        vec![
            (t("2025-10-30"), t("Pod"), 5),
            (t("2025-10-30"), t("Storage"), 1),
            (t("2025-10-31"), t("Pod"), 5),
            (t("2025-10-31"), t("Storage"), 1),
        ]
    );
    // Hand computation from the manifest: web-0 uses 0.75 core for 3600 s every hour → 18 core-hours a
    // day; the master's API server pod requests 1 core → 24 core-hours; the worker has 8 cores → 192
    // core-hours capacity, minus web-0 (0.5 core × 24 h = 12) and db-0 (1 core × 1800 s × 24 = 12) requests.
    let vals: Vec<(String, String, String)> = client
        .query(
            &format!(
                "SELECT coalesce(namespace, '-') || '/' || node, pod_usage_cpu_core_hours::text, pod_request_cpu_core_hours::text
                   FROM {SCHEMA}.reporting_ocpusagelineitem_daily_summary
                  WHERE usage_start = '2025-10-30' AND data_source = 'Pod' ORDER BY 1, 2"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let web = vals
        .iter()
        .find(|v| v.0 == "shop/worker-0" && v.1 == "18.000000000000000");
    assert!(web.is_some(), "web-0: 18 core-hours used: {vals:#?}");
    let worker = vals
        .iter()
        .find(|v| v.0 == "Worker unallocated/worker-0")
        .expect("worker unallocated row");
    assert_eq!(
        worker.2, "168.000000000000000",
        "192 − 12 − 12 requested core-hours: {vals:#?}"
    );
    let api = vals
        .iter()
        .find(|v| v.0 == "openshift-kube-apiserver/master-0")
        .expect("api server row");
    assert_eq!(api.2, "24.000000000000000");
}

#[test]
fn a_partial_range_replaces_only_its_days() {
    // A full-month run, then a re-run of one day: koku's delete scope is the run's days, so the other
    // day's rows (and their uuids) are untouched and the re-run day is replaced by identical values.
    let pg = Postgres::start();
    let (url, mut client, dir, roles, cats) = ocp_small_database(&pg, "partial");
    let run = |work: &Path, range: &[&str]| {
        Command::new(workspace_bin("koku-extract"))
            .args(["ocp", "--from"])
            .arg(workspace_root().join("testdata/ocp-small"))
            .args([
                "--schema",
                SCHEMA,
                "--source",
                "00000000-0000-0000-0000-000000000001",
                "--year",
                "2025",
                "--month",
                "10",
            ])
            .args(range)
            .args([
                "--cluster-id",
                "ocp-small-cluster",
                "--report-period-id",
                "3",
                "--enabled-keys",
                "app",
            ])
            .arg("--cost-categories")
            .arg(&cats)
            .arg("--node-roles")
            .arg(&roles)
            .arg("--out")
            .arg(work)
            .env_remove("DATABASE_URL")
            .assert()
            .success();
        Command::new(workspace_bin("koku-transform"))
            .arg("ocp")
            .arg(work)
            .assert()
            .success();
        Command::new(workspace_bin("koku-load"))
            .arg(work)
            .args(["--database-url", &url])
            .assert()
            .success();
    };
    let snapshot = |client: &mut postgres::Client| -> Vec<(String, String)> {
        client
            .query(
                &format!(
                    "SELECT usage_start::text, uuid::text || ' ' || (to_jsonb(t) - 'uuid')::text
                       FROM {SCHEMA}.reporting_ocpusagelineitem_daily_summary t ORDER BY 1, 2"
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    run(&dir.path().join("month"), &[]);
    let before = snapshot(&mut client);
    assert_eq!(before.iter().filter(|r| r.0 == "2025-10-30").count(), 6);
    assert_eq!(before.iter().filter(|r| r.0 == "2025-10-31").count(), 6);

    run(
        &dir.path().join("day"),
        &["--start-date", "2025-10-31", "--end-date", "2025-10-31"],
    );
    let after = snapshot(&mut client);
    let day = |rows: &[(String, String)], d: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r.0 == d)
            .map(|r| r.1.clone())
            .collect()
    };
    assert_eq!(
        day(&after, "2025-10-30"),
        day(&before, "2025-10-30"),
        "other day untouched, same uuids"
    );
    let strip = |v: Vec<String>| -> Vec<String> {
        let mut v: Vec<String> = v
            .into_iter()
            .map(|s| s.split_once(' ').unwrap().1.to_string())
            .collect();
        v.sort();
        v
    };
    let (old31, new31) = (day(&before, "2025-10-31"), day(&after, "2025-10-31"));
    assert_eq!(strip(new31.clone()), strip(old31.clone()), "same values");
    assert!(
        new31.iter().all(|r| !old31.contains(r)),
        "replaced: new uuids"
    );
}
