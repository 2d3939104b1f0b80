//! PostgreSQL inputs read from a real (throwaway) PostgreSQL with koku's tables
//! (`scripts/koku-ddl.sql` via `koku_testkit::koku_schema::install`): cluster id and alias, report
//! period, enabled keys, cost categories, node roles; flags overriding the database; the runs koku
//! would not summarise.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::*;
use koku_common::schema::{COST_CATEGORY_NAMESPACE, ENABLED_TAG_KEYS, OCP_NODES, POD_USAGE_DAILY};
use koku_common::workdir::{WorkDir, stage};
use predicates::prelude::*;

const THIRD: &str = "00000000-0000-0000-0000-000000000003";
const FOURTH: &str = "00000000-0000-0000-0000-000000000004";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_koku-extract"));
    for v in [
        "DATABASE_URL",
        "DATABASE_SERVICE_NAME",
        "DATABASE_NAME",
        "DATABASE_USER",
        "DATABASE_PASSWORD",
        "S3_ENDPOINT",
    ] {
        c.env_remove(v);
    }
    c
}

fn base_args(c: &mut Command, tree: &Path, source: &str, out: &Path) {
    c.args(["ocp", "--from"])
        .arg(tree)
        .args([
            "--schema", SCHEMA, "--source", source, "--year", "2025", "--month", "10",
        ])
        .arg("--out")
        .arg(out);
}

fn seed(client: &mut postgres::Client) {
    koku_testkit::koku_schema::install(client, SCHEMA);
    client
        .batch_execute(&format!(
            r#"
            INSERT INTO public.api_providerauthentication (id, credentials) VALUES
                (101, '{{"cluster_id": "test-cluster-001"}}'),
                (102, '{{"cluster_id": "test-cluster-001"}}'),
                (103, '{{"cluster_id": "test-cluster-001", "extra": "x"}}'),
                (104, '{{"cluster_id": "third-cluster"}}'),
                (105, '{{}}');
            -- The alias is the name of the first provider (by name) whose credentials are exactly
            -- {{"cluster_id": <id>}}: here another provider than the source itself, as in koku.
            INSERT INTO public.api_provider (uuid, name, type, authentication_id) VALUES
                ('{SOURCE}', 'My OCP', 'OCP', 101),
                ('{OTHER_SOURCE}', 'Another name', 'OCP', 102),
                ('00000000-0000-0000-0000-0000000000aa', 'AAA not exact', 'OCP', 103),
                ('{THIRD}', 'Third', 'OCP', 104),
                ('{FOURTH}', 'Fourth', 'OCP', 105);

            SET search_path TO "{SCHEMA}";
            -- Lowest id of the source's October period wins (Django .first()).
            INSERT INTO reporting_ocpusagereportperiod
                (id, cluster_id, report_period_start, report_period_end, provider_id) VALUES
                (1, 'test-cluster-001', '2025-09-01 00:00:00+00', '2025-10-01 00:00:00+00', '{SOURCE}'),
                (2, 'test-cluster-001', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{OTHER_SOURCE}'),
                (3, 'test-cluster-001', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{SOURCE}'),
                (4, 'old-cluster-id',   '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{SOURCE}'),
                (5, 'third-cluster',    '2025-10-02 00:00:00+00', '2025-11-01 00:00:00+00', '{THIRD}');

            INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type) VALUES
                ('tier', true, 'OCP'), ('app', true, 'OCP'), ('off', false, 'OCP'),
                ('aws_only', true, 'AWS');

            INSERT INTO reporting_ocp_cost_category (id, name, description, source_type)
                VALUES (50, 'Mine', 'user category', 'OCP');
            INSERT INTO reporting_ocp_cost_category_namespace (namespace, cost_category_id)
                VALUES ('my-app', 50);

            INSERT INTO reporting_ocp_clusters (uuid, cluster_id, cluster_alias, provider_id) VALUES
                ('00000000-0000-0000-0000-00000000c001', 'test-cluster-001', 'Another name', '{SOURCE}'),
                ('00000000-0000-0000-0000-00000000c002', 'other', NULL, '{OTHER_SOURCE}');
            INSERT INTO reporting_ocp_nodes (node, resource_id, node_role, node_capacity_cpu_cores, architecture, cluster_id) VALUES
                ('n1', 'i-1', 'worker', 4, 'amd64', '00000000-0000-0000-0000-00000000c001');
            INSERT INTO reporting_ocp_nodes (node, resource_id, node_role, cluster_id) VALUES
                ('m1', 'i-9', 'master', '00000000-0000-0000-0000-00000000c001'),
                ('n3', 'i-3', '',       '00000000-0000-0000-0000-00000000c001'),
                ('n2', NULL,  NULL,     '00000000-0000-0000-0000-00000000c001'),
                ('x1', 'i-x', 'infra',  '00000000-0000-0000-0000-00000000c002');
            RESET search_path;
            "#
        ))
        .unwrap();
}

#[test]
fn postgres_inputs_are_read_like_koku_and_flags_override_them() {
    let pg = koku_testkit::Postgres::start();
    let url = pg.create_database("extract_inputs");
    let mut client = pg.connect("extract_inputs");
    seed(&mut client);
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);

    // Everything from the database.
    let out = tmp.path().join("db");
    let mut c = bin();
    base_args(&mut c, &tree, SOURCE, &out);
    c.args(["--database-url", &url]);
    let stdout = String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("reporting_enabledtagkeys: 2 rows (database)"),
        "{stdout}"
    );
    let wd = WorkDir::open(&out).unwrap();
    let id = wd.identity();
    assert_eq!(id.cluster_id.as_deref(), Some("test-cluster-001"));
    assert_eq!(id.cluster_alias.as_deref(), Some("Another name"));
    assert_eq!(id.report_period_id, Some(3));
    assert_eq!(id.start_date.to_string(), "2025-10-02");
    assert_eq!(rows(&out, &ENABLED_TAG_KEYS), strs(&[&["app"], &["tier"]]));
    assert_eq!(
        rows(&out, &COST_CATEGORY_NAMESPACE),
        strs(&[
            &["Platform unallocated", "1"],
            &["kube-%", "1"],
            &["my-app", "50"],
            &["openshift", "1"],
            &["openshift-%", "1"],
        ])
    );
    // All clusters of the tenant, each row with its cluster's provider; NULL and '' kept apart.
    let this = SOURCE.to_string();
    let other = OTHER_SOURCE.to_string();
    let null = "NULL".to_string();
    let nodes: Vec<Vec<String>> = rows(&out, &OCP_NODES);
    let expected: Vec<Vec<String>> = vec![
        vec![
            "m1".into(),
            "i-9".into(),
            "master".into(),
            null.clone(),
            null.clone(),
            this.clone(),
        ],
        vec![
            "n1".into(),
            "i-1".into(),
            "worker".into(),
            "4.0".into(),
            "amd64".into(),
            this.clone(),
        ],
        vec![
            "n2".into(),
            null.clone(),
            null.clone(),
            null.clone(),
            null.clone(),
            this.clone(),
        ],
        vec![
            "n3".into(),
            "i-3".into(),
            "".into(),
            null.clone(),
            null.clone(),
            this.clone(),
        ],
        vec![
            "x1".into(),
            "i-x".into(),
            "infra".into(),
            null.clone(),
            null.clone(),
            other,
        ],
    ];
    assert_eq!(nodes, expected);
    assert_eq!(rows(&out, &POD_USAGE_DAILY).len(), 3);
    let st = wd.stage(stage::EXTRACT).unwrap();
    assert_eq!(
        st.details["postgres_inputs"]["report_period_id"],
        "database"
    );
    assert!(
        !std::fs::read_to_string(out.join("run.json"))
            .unwrap()
            .contains(&url)
    );

    // The same through DATABASE_URL, with some flags overriding the database.
    let out2 = tmp.path().join("override");
    let mut c = bin();
    base_args(&mut c, &tree, SOURCE, &out2);
    c.env("DATABASE_URL", &url)
        .args([
            "--cluster-alias",
            "Flag Alias",
            "--enabled-keys",
            "zeta,alpha",
        ])
        .args(["--report-period-id", "4"]);
    c.assert().success();
    let wd = WorkDir::open(&out2).unwrap();
    assert_eq!(wd.identity().cluster_alias.as_deref(), Some("Flag Alias"));
    assert_eq!(wd.identity().report_period_id, Some(4));
    assert_eq!(
        wd.identity().cluster_id.as_deref(),
        Some("test-cluster-001")
    );
    assert_eq!(
        rows(&out2, &ENABLED_TAG_KEYS),
        strs(&[&["alpha"], &["zeta"]])
    );
    assert_eq!(rows(&out2, &OCP_NODES).len(), 5);
    let st = wd.stage(stage::EXTRACT).unwrap();
    assert_eq!(
        st.details["postgres_inputs"]["cluster_alias"],
        "--cluster-alias"
    );
    assert_eq!(st.details["postgres_inputs"]["node_roles"], "database");

    // A --cluster-id flag also drives the alias lookup.
    let out3 = tmp.path().join("cluster-flag");
    let mut c = bin();
    base_args(&mut c, &tree, SOURCE, &out3);
    c.args(["--database-url", &url, "--cluster-id", "third-cluster"]);
    c.assert().success();
    let wd = WorkDir::open(&out3).unwrap();
    assert_eq!(wd.identity().cluster_id.as_deref(), Some("third-cluster"));
    assert_eq!(wd.identity().cluster_alias.as_deref(), Some("Third"));

    // No October report period starting on the 1st: koku would skip the run.
    let out4 = tmp.path().join("no-period");
    let mut c = bin();
    base_args(&mut c, &tree, THIRD, &out4);
    c.args(["--database-url", &url])
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains("reporting_ocpusagereportperiod"))
        .stderr(predicate::str::contains("koku would skip this run"))
        .stderr(predicate::str::contains("--report-period-id"));
    assert!(!out4.exists());

    // No cluster id in the credentials: koku aborts.
    let mut c = bin();
    base_args(&mut c, &tree, FOURTH, &out4);
    c.args(["--database-url", &url])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "OCPReportParquetSummaryUpdaterClusterNotFound",
        ));
    // Not a provider at all.
    let mut c = bin();
    base_args(&mut c, &tree, "00000000-0000-0000-0000-0000000000ff", &out4);
    c.args(["--database-url", &url])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not in public.api_provider"));
    // A tenant schema that does not exist names the table.
    let mut c = bin();
    c.args(["ocp", "--from"])
        .arg(&tree)
        .args([
            "--schema", "org999", "--source", SOURCE, "--year", "2025", "--month", "10",
        ])
        .args(["--database-url", &url, "--out"])
        .arg(&out4)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "org999.reporting_ocpusagereportperiod",
        ));
    assert!(!out4.exists());
}

#[test]
fn unreachable_database_is_a_clear_error_without_the_password() {
    let port = koku_testkit::free_port();
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let out = tmp.path().join("wd");
    let mut c = bin();
    base_args(&mut c, &tree, SOURCE, &out);
    c.args([
        "--database-url",
        &format!("postgresql://koku:s3cr3t-pw@127.0.0.1:{port}/koku?connect_timeout=3"),
    ])
    .assert()
    .failure()
    // Unreachable may pass: "retry later" (koku_common::exit).
    .code(75)
    .stderr(predicate::str::contains(format!(
        "connecting to host=127.0.0.1 port={port}"
    )))
    .stderr(predicate::str::contains("s3cr3t-pw").not());
    assert!(!out.exists());
}

/// A query koku's database refuses keeps the server's cause (message and SQLSTATE), not just
/// `db error`: here a schema that is not a koku tenant.
#[test]
fn database_errors_keep_the_servers_message_and_sqlstate() {
    let pg = koku_testkit::Postgres::start();
    let url = pg.create_database("not_a_tenant");
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let out = tmp.path().join("wd");
    let mut c = bin();
    base_args(&mut c, &tree, SOURCE, &out);
    // The provider lookup is public (absent here too): pass the cluster, so the first tenant query
    // (the report period) is the one that fails.
    c.args(["--database-url", &url, "--cluster-id", "c1", "--cluster-alias", "C1"])
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "PostgreSQL: reading {SCHEMA}.reporting_ocpusagereportperiod: relation \"{SCHEMA}.reporting_ocpusagereportperiod\" does not exist (SQLSTATE 42P01)"
        )));
    assert!(!out.exists());
}
