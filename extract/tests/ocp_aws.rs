//! `koku-extract ocp-aws`: a local folder in koku's layout (AWS daily and hourly CUR, two OCP sources'
//! daily pod/storage usage) with OCP work dirs built with common's WorkDir API; the run without a
//! database (every input from flags and work dirs) and with a real PostgreSQL holding koku's tables
//! (candidates map/data/excluded, a missing report period, the distribution, koku's matched-tags
//! statement); the work dirs and inputs it refuses.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, RecordBatch, StringArray, new_null_array};
use assert_cmd::Command;
use chrono::{NaiveDate, Utc};
use common::*;
use koku_common::schema::OCP_DAILY_SUMMARY;
use koku_common::schema::aws::{AWS_ACCOUNT_ALIASES, AWS_LINE_ITEMS_DAILY, AWS_MARKUP};
use koku_common::schema::ocp_aws::{
    AWS_LINE_ITEMS_HOURLY, OCP_AWS_CLUSTERS, OCP_AWS_ENABLED_TAG_KEYS, OCP_AWS_INPUTS,
    OCP_AWS_MATCHED_TAGS, OCP_POD_USAGE_KEYS, OCP_STORAGE_USAGE_KEYS,
};
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};
use predicates::prelude::*;

const AWS: &str = "00000000-0000-0000-0000-000000000002";
const O1: &str = "00000000-0000-0000-0000-0000000000a1";
const O2: &str = "00000000-0000-0000-0000-0000000000a2";
const O3: &str = "00000000-0000-0000-0000-0000000000a3";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_koku-extract"));
    for v in [
        "DATABASE_URL",
        "DATABASE_SERVICE_NAME",
        "DATABASE_NAME",
        "DATABASE_USER",
        "DATABASE_PASSWORD",
        "S3_ENDPOINT",
        "RUST_LOG",
    ] {
        c.env_remove(v);
    }
    c
}

/// The AWS daily CUR (three days, one of them outside the test window), the hourly CUR (a disk
/// named by O1's CSI handle, an instance, the disk outside the window), and O1's and O2's daily
/// pod and storage usage (O2's storage file is an older operator's: no csi_volume_handle).
fn write_tree(root: &Path) {
    let daily_key = format!("data/parquet/daily/{SCHEMA}/AWS/raw/source={AWS}/year=2025/month=10");
    let days = [
        "2025-10-01 00:00:00",
        "2025-10-02 00:00:00",
        "2025-10-20 00:00:00",
    ];
    put_parquet(
        root,
        &format!("{daily_key}/2025-10-01_daily_0.parquet"),
        &batch(vec![
            ("lineitem_usagestartdate", ts(&days)),
            ("lineitem_productcode", utf8(&[Some("AmazonEC2"); 3])),
            ("lineitem_usageaccountid", utf8(&[Some("111111111111"); 3])),
            ("lineitem_lineitemtype", utf8(&[Some("Usage"); 3])),
            (
                "lineitem_resourceid",
                utf8(&[Some("i-node1"), Some("vol-abc"), Some("i-node1")]),
            ),
            ("lineitem_currencycode", utf8(&[Some("USD"); 3])),
            ("lineitem_usageamount", f64s(&[Some(1.0); 3])),
            (
                "lineitem_unblendedcost",
                f64s(&[Some(1.0), Some(2.0), Some(3.0)]),
            ),
            ("resourcetags", utf8(&[Some("{}"); 3])),
        ]),
    );
    let hourly_key = format!("data/parquet/{SCHEMA}/AWS/source={AWS}/year=2025/month=10");
    put_parquet(
        root,
        &format!("{hourly_key}/hourly_0.parquet"),
        &batch(vec![
            (
                "lineitem_resourceid",
                utf8(&[
                    Some("arn:aws:ec2:us-east-1:1:volume/vol-abc"),
                    Some("i-node1"),
                    Some("vol-abc"),
                    None,
                ]),
            ),
            (
                "lineitem_usagestartdate",
                ts(&[
                    "2025-10-01 03:00:00",
                    "2025-10-01 03:00:00",
                    "2025-10-05 03:00:00",
                    "2025-10-01 03:00:00",
                ]),
            ),
            (
                "lineitem_unblendedcost",
                f64s(&[Some(0.5), Some(1.0), Some(0.5), Some(9.0)]),
            ),
            ("lineitem_unblendedrate", f64s(&[Some(0.1); 4])),
            ("lineitem_productcode", utf8(&[Some("AmazonEC2"); 4])),
        ]),
    );
    for (source, node) in [(O1, "node1"), (O2, "node2")] {
        put_parquet(
            root,
            &format!("{}/p.parquet", daily("pod_usage", source, "10")),
            &batch(vec![
                ("pod", utf8(&[Some("p1"), Some("p2")])),
                (
                    "interval_start",
                    ts(&["2025-10-01 00:00:00", "2025-10-07 00:00:00"]),
                ),
                ("node", utf8(&[Some(node), Some(node)])),
                ("namespace", utf8(&[Some("ns"), Some("ns")])),
                ("resource_id", utf8(&[Some("i-node1"), Some("i-node1")])),
            ]),
        );
    }
    put_parquet(
        root,
        &format!("{}/s.parquet", daily("storage_usage", O1, "10")),
        &batch(vec![
            ("interval_start", ts(&["2025-10-02 00:00:00"])),
            ("persistentvolume", utf8(&[Some("pv-1")])),
            ("csi_volume_handle", utf8(&[Some("vol-abc")])),
        ]),
    );
    put_parquet(
        root,
        &format!("{}/s.parquet", daily("storage_usage", O2, "10")),
        &batch(vec![
            ("interval_start", ts(&["2025-10-02 00:00:00"])),
            ("persistentvolume", utf8(&[Some("pv-2")])),
        ]),
    );
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A work dir as `koku-extract ocp` + `koku-transform ocp` leave it: identity, an extract stage and
/// a transform stage with the OCP daily summary holding `rows` = (usage_start, namespace, csi
/// handle), every other column NULL.
fn ocp_workdir(
    dir: &Path,
    schema: &str,
    month: &str,
    source: &str,
    cluster: &str,
    rows: &[(&str, &str, Option<&str>)],
) -> PathBuf {
    let first = day(&format!("2025-{month}-01"));
    let identity = RunIdentity {
        flow: "ocp".into(),
        schema: schema.into(),
        source_uuid: source.into(),
        cluster_id: Some(cluster.into()),
        cluster_alias: Some(format!("{cluster} alias")),
        year: "2025".into(),
        month: month.into(),
        start_date: first,
        end_date: first
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap(),
        requested_start_date: first,
        report_period_id: Some(40),
        bill_id: None,
        ocp_cluster_ids: None,
    };
    let mut wd = WorkDir::create(dir, identity).unwrap();
    let record = |outputs| StageRecord {
        tool: "test".into(),
        version: "0".into(),
        started_at: Utc::now(),
        finished_at: Utc::now(),
        inputs: Vec::new(),
        outputs,
        details: Default::default(),
    };
    wd.record_stage(stage::EXTRACT, record(Default::default()))
        .unwrap();
    let schema_ref = OCP_DAILY_SUMMARY.schema();
    let n = rows.len();
    let columns: Vec<ArrayRef> = schema_ref
        .fields()
        .iter()
        .map(|f| -> ArrayRef {
            match f.name().as_str() {
                "usage_start" | "usage_end" => Arc::new(Date32Array::from(
                    rows.iter()
                        .map(|r| (day(r.0) - day("1970-01-01")).num_days() as i32)
                        .collect::<Vec<_>>(),
                )),
                "namespace" => Arc::new(StringArray::from(
                    rows.iter().map(|r| Some(r.1)).collect::<Vec<_>>(),
                )),
                "csi_volume_handle" => Arc::new(StringArray::from(
                    rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                )),
                "source_uuid" => Arc::new(StringArray::from(vec![Some(source); n])),
                "cluster_id" => Arc::new(StringArray::from(vec![Some(cluster); n])),
                _ => new_null_array(f.data_type(), n),
            }
        })
        .collect();
    let mut w = wd.writer(&OCP_DAILY_SUMMARY).unwrap();
    w.write(&RecordBatch::try_new(schema_ref, columns).unwrap())
        .unwrap();
    let out = w.finish().unwrap();
    wd.record_stage(
        stage::TRANSFORM,
        record([(OCP_DAILY_SUMMARY.name.to_string(), out)].into()),
    )
    .unwrap();
    dir.to_path_buf()
}

fn base(c: &mut Command, tree: &Path, out: &Path) {
    c.args(["ocp-aws", "--from"])
        .arg(tree)
        .args([
            "--schema",
            SCHEMA,
            "--aws-source",
            AWS,
            "--year",
            "2025",
            "--month",
            "10",
        ])
        .arg("--out")
        .arg(out);
}

fn offline_flags(c: &mut Command, dir: &Path) {
    let aliases = dir.join("aliases.csv");
    std::fs::write(
        &aliases,
        "id,account_id,account_alias\n3,111111111111,dev\n",
    )
    .unwrap();
    c.args(["--bill-id", "7", "--markup", "10"])
        .arg("--account-aliases")
        .arg(&aliases);
}

/// O1's and O2's work dirs (O1: a disk on day 2 and a row on day 5, outside the test window).
fn two_workdirs(tmp: &Path) -> (PathBuf, PathBuf) {
    (
        ocp_workdir(
            &tmp.join("ocp1"),
            SCHEMA,
            "10",
            O1,
            "c1",
            &[
                ("2025-10-01", "ns", None),
                ("2025-10-02", "ns", Some("vol-abc")),
                ("2025-10-02", "ns", Some("")),
                ("2025-10-05", "ns", Some("vol-late")),
            ],
        ),
        ocp_workdir(
            &tmp.join("ocp2"),
            SCHEMA,
            "10",
            O2,
            "c2",
            &[("2025-10-01", "other", None)],
        ),
    )
}

fn column(rows: &[Vec<String>], i: usize) -> Vec<String> {
    rows.iter().map(|r| r[i].clone()).collect()
}

#[test]
fn local_folder_with_ocp_workdirs_and_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let (w1, w2) = two_workdirs(tmp.path());
    let out = tmp.path().join("out");
    let mut c = bin();
    base(&mut c, &tree, &out);
    offline_flags(&mut c, tmp.path());
    c.args(["--start-date", "2025-10-01", "--end-date", "2025-10-02"])
        .arg("--ocp-workdir")
        .arg(&w2)
        .arg("--ocp-workdir")
        .arg(&w1)
        .args(["--distribution", &format!("{O2}=memory")])
        .args(["--enabled-key", "aws:app", "--enabled-key", "ocp:app"])
        .args(["--matched-tag", "app=web"]);
    c.assert().success();

    let wd = WorkDir::open(&out).unwrap();
    let id = wd.identity();
    assert_eq!(id.flow, "ocp-aws");
    assert_eq!(id.source_uuid, AWS);
    assert_eq!(id.bill_id, Some(7));
    assert_eq!((id.report_period_id, id.cluster_id.clone()), (None, None));
    assert_eq!(id.ocp_cluster_ids, None);
    let st = wd.stage(stage::EXTRACT).unwrap();
    let mut written: Vec<&str> = st.outputs.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = OCP_AWS_INPUTS.iter().map(|d| d.name).collect();
    written.sort();
    expected.sort();
    assert_eq!(written, expected);

    // The whole month partition of the daily CUR, as the aws flow writes it.
    assert_eq!(rows(&out, &AWS_LINE_ITEMS_DAILY).len(), 3);
    // Hourly: the window's rows whose resource id contains a CSI handle of the OCP rows (vol-abc;
    // vol-late is outside the window and '' is no handle).
    assert_eq!(
        rows(&out, &AWS_LINE_ITEMS_HOURLY),
        strs(&[&[
            "arn:aws:ec2:us-east-1:1:volume/vol-abc",
            "2025-10-01T03:00:00",
            "0.5",
            "0.1"
        ]])
    );
    assert_eq!(st.details["hourly_cur_filter"]["rows_in_window"], 3);
    assert_eq!(st.details["hourly_cur_filter"]["csi_volume_handles"], 1);
    // Usage keys: the window's rows, the source from the key.
    assert_eq!(
        rows(&out, &OCP_POD_USAGE_KEYS),
        strs(&[
            &[O1, "2025-10-01T00:00:00", "node1", "ns", "i-node1"],
            &[O2, "2025-10-01T00:00:00", "node2", "ns", "i-node1"],
        ])
    );
    assert_eq!(
        rows(&out, &OCP_STORAGE_USAGE_KEYS),
        strs(&[
            &[O1, "2025-10-02T00:00:00", "pv-1", "vol-abc"],
            &[O2, "2025-10-02T00:00:00", "pv-2", "NULL"],
        ])
    );
    // The OCP daily summary: both sources' rows of the window, sorted by source.
    let summary = rows(&out, &OCP_DAILY_SUMMARY);
    let at = |name| OCP_DAILY_SUMMARY.column_index(name).unwrap();
    assert_eq!(column(&summary, at("source_uuid")), vec![O1, O1, O1, O2]);
    assert_eq!(
        column(&summary, at("usage_start")),
        vec!["2025-10-01", "2025-10-02", "2025-10-02", "2025-10-01"]
    );
    assert_eq!(
        rows(&out, &OCP_AWS_CLUSTERS),
        strs(&[
            &[O1, "c1", "c1 alias", "40", "cpu", "named"],
            &[O2, "c2", "c2 alias", "40", "memory", "named"],
        ])
    );
    assert_eq!(
        rows(&out, &OCP_AWS_ENABLED_TAG_KEYS),
        strs(&[&["app", "AWS"], &["app", "OCP"]])
    );
    assert_eq!(rows(&out, &OCP_AWS_MATCHED_TAGS), strs(&[&["app", "web"]]));
    assert_eq!(rows(&out, &AWS_MARKUP), strs(&[&["0.1"]]));
    assert_eq!(
        rows(&out, &AWS_ACCOUNT_ALIASES),
        strs(&[&["3", "111111111111", "dev"]])
    );

    // --ocp-source narrows the candidates and the run's clusters; the summary keeps every source.
    let out2 = tmp.path().join("out2");
    let mut c = bin();
    base(&mut c, &tree, &out2);
    offline_flags(&mut c, tmp.path());
    c.arg("--ocp-workdir")
        .arg(&w1)
        .arg("--ocp-workdir")
        .arg(&w2)
        .args(["--ocp-source", O1]);
    c.assert().success();
    let wd = WorkDir::open(&out2).unwrap();
    assert_eq!(wd.identity().ocp_cluster_ids, Some(vec!["c1".to_string()]));
    assert_eq!(column(&rows(&out2, &OCP_AWS_CLUSTERS), 0), vec![O1]);
    assert_eq!(column(&rows(&out2, &OCP_POD_USAGE_KEYS), 0), vec![O1, O1]);
    assert_eq!(rows(&out2, &OCP_DAILY_SUMMARY).len(), 5);
    // Nothing given: no keys, no matched tags.
    assert!(rows(&out2, &OCP_AWS_ENABLED_TAG_KEYS).is_empty());
    assert!(rows(&out2, &OCP_AWS_MATCHED_TAGS).is_empty());

    // An --ocp-source without a work dir, without a database: refused, naming it.
    let out3 = tmp.path().join("out3");
    let mut c = bin();
    base(&mut c, &tree, &out3);
    offline_flags(&mut c, tmp.path());
    c.arg("--ocp-workdir").arg(&w1).args(["--ocp-source", O3]);
    c.assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "give --ocp-workdir for source {O3}"
        )));
    assert!(!out3.join("run.json").exists());
}

#[test]
fn foreign_or_unfinished_ocp_workdirs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let other_schema = ocp_workdir(&tmp.path().join("s"), "org7654321", "10", O1, "c1", &[]);
    let other_month = ocp_workdir(&tmp.path().join("m"), SCHEMA, "09", O1, "c1", &[]);
    let (w1, _) = two_workdirs(tmp.path());
    let twice = tmp.path().join("twice");
    std::fs::create_dir_all(&twice).unwrap();
    let twice = ocp_workdir(&twice, SCHEMA, "10", O1, "c1", &[]);
    // An extracted but not transformed one.
    let untransformed = tmp.path().join("u");
    {
        let first = day("2025-10-01");
        let mut wd = WorkDir::create(
            &untransformed,
            RunIdentity {
                flow: "ocp".into(),
                schema: SCHEMA.into(),
                source_uuid: O2.into(),
                cluster_id: Some("c2".into()),
                cluster_alias: None,
                year: "2025".into(),
                month: "10".into(),
                start_date: first,
                end_date: day("2025-10-31"),
                requested_start_date: first,
                report_period_id: Some(1),
                bill_id: None,
                ocp_cluster_ids: None,
            },
        )
        .unwrap();
        wd.record_stage(
            stage::EXTRACT,
            StageRecord {
                tool: "t".into(),
                version: "0".into(),
                started_at: Utc::now(),
                finished_at: Utc::now(),
                inputs: vec![],
                outputs: Default::default(),
                details: Default::default(),
            },
        )
        .unwrap();
    }
    let cases: Vec<(Vec<&Path>, String)> = vec![
        (
            vec![&other_schema],
            "holds tenant schema \"org7654321\", this run is of \"org1234567\"".into(),
        ),
        (
            vec![&other_month],
            "summarises 2025-09, this run is of 2025-10".into(),
        ),
        (vec![&untransformed], "koku-transform ocp".into()),
        (vec![&w1, &twice], format!("are both of OCP source {O1}")),
        (vec![&tree], "run.json".into()),
    ];
    for (dirs, message) in cases {
        let out = tmp.path().join("out");
        let mut c = bin();
        base(&mut c, &tree, &out);
        offline_flags(&mut c, tmp.path());
        for d in &dirs {
            c.arg("--ocp-workdir").arg(d);
        }
        let last = dirs.last().unwrap().display().to_string();
        c.assert()
            .failure()
            .stderr(predicate::str::contains(&message))
            .stderr(predicate::str::contains(&last));
        assert!(files_in(&out).is_empty(), "{message}: {:?}", files_in(&out));
    }
    // A summary file changed after the transform recorded it: the checksum refuses it.
    let summary = w1.join(OCP_DAILY_SUMMARY.file_name());
    let mut bytes = std::fs::read(&summary).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&summary, bytes).unwrap();
    let out = tmp.path().join("out");
    let mut c = bin();
    base(&mut c, &tree, &out);
    offline_flags(&mut c, tmp.path());
    c.arg("--ocp-workdir").arg(&w1);
    c.assert()
        .failure()
        .stderr(predicate::str::contains(OCP_DAILY_SUMMARY.file_name()));
    assert!(files_in(&out).is_empty());
}

#[test]
fn an_empty_aws_prefix_is_refused_unless_allowed_and_help_has_an_example() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let (w1, _) = two_workdirs(tmp.path());
    let out = tmp.path().join("out");
    let mut c = bin();
    base(&mut c, &tree, &out);
    offline_flags(&mut c, tmp.path());
    c.arg("--ocp-workdir").arg(&w1);
    c.assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "data/parquet/daily/{SCHEMA}/AWS/raw/source={AWS}/year=2025/month=10/"
        )));
    assert!(files_in(&out).is_empty());

    let mut c = bin();
    base(&mut c, &tree, &out);
    offline_flags(&mut c, tmp.path());
    c.arg("--ocp-workdir").arg(&w1).arg("--allow-empty");
    c.assert().success();
    assert!(rows(&out, &AWS_LINE_ITEMS_DAILY).is_empty());
    // The OCP side is still there: an empty AWS month attributes nothing, but the run is recorded.
    assert_eq!(rows(&out, &OCP_DAILY_SUMMARY).len(), 4);

    // Without a database the AWS source's inputs are required, named as the aws flow names them.
    let mut c = bin();
    base(&mut c, &tree, &tmp.path().join("x"));
    c.arg("--ocp-workdir").arg(&w1);
    c.assert()
        .failure()
        .stderr(predicate::str::contains("missing --bill-id"))
        .stderr(predicate::str::contains("--org-units").not());

    bin()
        .args(["ocp-aws", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("koku-extract ocp-aws --from"))
        .stdout(predicate::str::contains("--ocp-workdir"))
        .stdout(predicate::str::contains("--matched-tag"));
    bin()
        .args([
            "ocp-aws",
            "--from",
            "x",
            "--schema",
            SCHEMA,
            "--aws-source",
            AWS,
        ])
        .args(["--year", "2025", "--month", "10", "--out", "y"])
        .args(["--enabled-key", "gcp:x"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not aws or ocp"));
}

/// koku's rows: the customer, four OCP providers (O1 paired with the AWS source through the
/// infrastructure map, O2 not paired, O3 paired with another cloud source, one of another
/// customer), report periods (none for O2), a cost model with a memory distribution on O1, the
/// AWS bill, tag keys and the tag tables koku's matched-tags statement reads.
fn seed(client: &mut postgres::Client) {
    koku_testkit::koku_schema::install(client, SCHEMA);
    let other_cloud = "00000000-0000-0000-0000-0000000000c9";
    let foreign = "00000000-0000-0000-0000-0000000000f1";
    client
        .batch_execute(&format!(
            r#"
            -- koku's public.api_customer (also in scripts/koku-ddl.sql, with more columns).
            CREATE TABLE IF NOT EXISTS public.api_customer (
                id serial PRIMARY KEY, schema_name text NOT NULL UNIQUE, org_id text);
            INSERT INTO public.api_customer (id, schema_name) VALUES (1, '{SCHEMA}'), (2, 'org999');
            INSERT INTO public.api_providerauthentication (id, credentials) VALUES
                (201, '{{"cluster_id": "c1"}}'), (202, '{{"cluster_id": "c2"}}'),
                (203, '{{"cluster_id": "c3"}}'), (204, '{{"cluster_id": "cf"}}'), (205, '{{}}');
            INSERT INTO public.api_provider (uuid, name, type, authentication_id, customer_id) VALUES
                ('{AWS}', 'My AWS', 'AWS', 205, 1),
                ('{other_cloud}', 'Other AWS', 'AWS', 205, 1);
            INSERT INTO public.api_providerinfrastructuremap (id, infrastructure_type, infrastructure_provider_id)
                VALUES (1, 'AWS', '{AWS}'), (2, 'AWS', '{other_cloud}');
            INSERT INTO public.api_provider (uuid, name, type, authentication_id, customer_id, infrastructure_id) VALUES
                ('{O1}', 'Cluster One', 'OCP', 201, 1, 1),
                ('{O2}', 'Cluster Two', 'OCP', 202, 1, NULL),
                ('{O3}', 'Cluster Three', 'OCP', 203, 1, 2),
                ('{foreign}', 'Foreign', 'OCP', 204, 2, NULL);
            SET search_path TO "{SCHEMA}";
            INSERT INTO reporting_ocpusagereportperiod
                (id, cluster_id, report_period_start, report_period_end, provider_id) VALUES
                (11, 'c1', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{O1}'),
                (12, 'c2', '2025-09-01 00:00:00+00', '2025-10-01 00:00:00+00', '{O2}'),
                (13, 'c3', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{O3}');
            INSERT INTO cost_model (uuid, name, description, source_type, distribution_info) VALUES
                ('00000000-0000-0000-0000-0000000000d1', 'OCP mem', '', 'OCP', '{{"distribution_type": "memory"}}'),
                ('00000000-0000-0000-0000-0000000000d2', 'OCP none', '', 'OCP', '{{}}');
            -- O2's cost model has no distribution_type: koku's default, cpu.
            INSERT INTO cost_model_map (provider_uuid, cost_model_id) VALUES
                ('{O1}', '00000000-0000-0000-0000-0000000000d1'),
                ('{O2}', '00000000-0000-0000-0000-0000000000d2');
            INSERT INTO reporting_awscostentrybill
                (id, bill_type, payer_account_id, billing_period_start, billing_period_end, provider_id) VALUES
                (8, 'A', '1', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{AWS}');
            INSERT INTO reporting_awsaccountalias (id, account_id, account_alias) VALUES (1, '111111111111', 'dev');
            INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type) VALUES
                ('app', true, 'AWS'), ('app', true, 'OCP'), ('env', true, 'AWS'), ('off', false, 'OCP'),
                ('team', true, 'AZURE');
            -- koku's tag tables, the columns its statement reads.
            CREATE TABLE IF NOT EXISTS reporting_awstags_summary (key text NOT NULL);
            CREATE TABLE IF NOT EXISTS reporting_awstags_values (key text NOT NULL, value text NOT NULL);
            CREATE TABLE IF NOT EXISTS reporting_ocptags_values (key text NOT NULL, value text NOT NULL);
            INSERT INTO reporting_awstags_summary (key) VALUES ('app'), ('env');
            INSERT INTO reporting_awstags_values (key, value) VALUES ('app', 'Web'), ('app', 'db'), ('env', 'prod');
            INSERT INTO reporting_ocptags_values (key, value) VALUES ('app', 'web'), ('app', 'cache'), ('env', 'prod');
            RESET search_path;
            "#
        ))
        .unwrap();
}

#[test]
fn database_run_reads_candidates_pairing_report_periods_and_matched_tags_like_koku() {
    let pg = koku_testkit::Postgres::start();
    let url = pg.create_database("extract_ocp_aws");
    let mut client = pg.connect("extract_ocp_aws");
    seed(&mut client);
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let (w1, w2) = two_workdirs(tmp.path());
    let w3 = ocp_workdir(&tmp.path().join("ocp3"), SCHEMA, "10", O3, "c3", &[]);

    // O3 is a tenant OCP source: its summary is an input even though it is not a candidate. Without
    // --ocp-workdir it is read from koku's table: only the rows koku's Trino summary wrote, the CSI
    // handle of its Storage row from O3's raw storage usage, row_kind derived, labels compact and
    // sorted.
    put_parquet(
        &tree,
        &format!("{}/s.parquet", daily("storage_usage", O3, "10")),
        &batch(vec![
            (
                "interval_start",
                ts(&["2025-10-03 00:00:00", "2025-10-03 00:00:00"]),
            ),
            ("persistentvolume", utf8(&[Some("pv-3"), Some("pv-x")])),
            ("csi_volume_handle", utf8(&[Some("vol-333"), Some("")])),
        ]),
    );
    client
        .batch_execute(&format!(
            r#"
            SET search_path TO "{SCHEMA}";
            INSERT INTO reporting_ocpusagelineitem_daily_summary
                (uuid, report_period_id, cluster_id, data_source, usage_start, usage_end, namespace, node,
                 pod_labels, pod_effective_usage_cpu_core_hours, persistentvolume, persistentvolumeclaim,
                 source_uuid, infrastructure_raw_cost, cost_model_rate_type, monthly_cost_type,
                 infrastructure_usage_cost) VALUES
                (gen_random_uuid(), 13, 'c3', 'Pod', '2025-10-03', '2025-10-03', 'ns3', 'n3',
                 '{{"zz": "1", "app": "x"}}', 2.5, NULL, NULL, '{O3}', NULL, NULL, NULL,
                 '{{"cpu": 0.000000000, "memory": 0.000000000, "storage": 0.000000000}}'),
                (gen_random_uuid(), 13, 'c3', 'Storage', '2025-10-03', '2025-10-03', 'ns3', NULL,
                 NULL, NULL, 'pv-3', 'pvc-3', '{O3}', NULL, NULL, NULL, NULL),
                (gen_random_uuid(), 13, 'c3', 'Storage', '2025-10-03', '2025-10-03', 'ns3', NULL,
                 NULL, NULL, 'pv-x', 'pvc-x', '{O3}', NULL, NULL, NULL, NULL),
                (gen_random_uuid(), 13, 'c3', 'Pod', '2025-10-02', '2025-10-02', 'Worker unallocated', 'n3',
                 NULL, 1, NULL, NULL, '{O3}', NULL, NULL, NULL, NULL),
                -- back-populated by OCP on AWS, cost model rows, another month, another source
                (gen_random_uuid(), 13, 'c3', 'Pod', '2025-10-03', '2025-10-03', 'ns3', 'n3',
                 NULL, NULL, NULL, NULL, '{O3}', 1.5, NULL, NULL, NULL),
                (gen_random_uuid(), 13, 'c3', 'Pod', '2025-10-03', '2025-10-03', 'ns3', 'n3',
                 NULL, NULL, NULL, NULL, '{O3}', NULL, 'Infrastructure', NULL, NULL),
                (gen_random_uuid(), 13, 'c3', 'Pod', '2025-10-03', '2025-10-03', 'ns3', 'n3',
                 NULL, NULL, NULL, NULL, '{O3}', NULL, NULL, 'Node', NULL),
                (gen_random_uuid(), 13, 'c3', 'Pod', '2025-11-01', '2025-11-01', 'ns3', 'n3',
                 NULL, NULL, NULL, NULL, '{O3}', NULL, NULL, NULL, NULL),
                (gen_random_uuid(), 11, 'c1', 'Pod', '2025-10-03', '2025-10-03', 'ns1', 'n1',
                 NULL, NULL, NULL, NULL, '{O1}', NULL, NULL, NULL, NULL);
            RESET search_path;
            "#
        ))
        .unwrap();
    let out_b = tmp.path().join("out_b");
    let mut c = bin();
    base(&mut c, &tree, &out_b);
    c.args(["--database-url", &url])
        .arg("--ocp-workdir")
        .arg(&w1)
        .arg("--ocp-workdir")
        .arg(&w2);
    c.assert().success();
    let summary = rows(&out_b, &OCP_DAILY_SUMMARY);
    let at = |name| OCP_DAILY_SUMMARY.column_index(name).unwrap();
    let o3: Vec<Vec<String>> = summary
        .iter()
        .filter(|r| r[at("source_uuid")] == O3)
        .map(|r| {
            [
                "row_kind",
                "usage_start",
                "namespace",
                "pod_labels",
                "pod_effective_usage_cpu_core_hours",
                "persistentvolume",
                "csi_volume_handle",
                "report_period_id",
                "infrastructure_usage_cost",
            ]
            .iter()
            .map(|c| r[at(c)].clone())
            .collect()
        })
        .collect();
    assert_eq!(
        o3,
        strs(&[
            &[
                "unallocated",
                "2025-10-02",
                "Worker unallocated",
                "NULL",
                "1.0",
                "NULL",
                "NULL",
                "13",
                "NULL"
            ],
            &[
                "pod",
                "2025-10-03",
                "ns3",
                r#"{"app":"x","zz":"1"}"#,
                "2.5",
                "NULL",
                "NULL",
                "13",
                r#"{"cpu": 0.000000000, "memory": 0.000000000, "storage": 0.000000000}"#
            ],
            &[
                "storage",
                "2025-10-03",
                "ns3",
                "NULL",
                "NULL",
                "pv-3",
                "vol-333",
                "13",
                "NULL"
            ],
            &[
                "storage",
                "2025-10-03",
                "ns3",
                "NULL",
                "NULL",
                "pv-x",
                "NULL",
                "13",
                "NULL"
            ],
        ])
    );
    // The handle read from PostgreSQL's source counts for the hourly CUR filter too (O1's vol-abc
    // and vol-late, O3's vol-333), and so does the PV name of a row without handle (pv-x: for
    // `koku-transform ocp-aws --attribute-pv-name-disks`).
    assert_eq!(
        WorkDir::open(&out_b)
            .unwrap()
            .stage(stage::EXTRACT)
            .unwrap()
            .details["hourly_cur_filter"]["csi_volume_handles"],
        4
    );
    // O1's rows come from its work dir, not the table.
    assert_eq!(
        summary
            .iter()
            .filter(|r| r[at("source_uuid")] == O1)
            .count(),
        4
    );

    // With a work dir for every source, the work dirs are read (O3's is empty).
    let out = tmp.path().join("out");
    let mut c = bin();
    base(&mut c, &tree, &out);
    c.args(["--database-url", &url]);
    for w in [&w1, &w2, &w3] {
        c.arg("--ocp-workdir").arg(w);
    }
    c.assert().success();
    let wd = WorkDir::open(&out).unwrap();
    assert_eq!(wd.identity().bill_id, Some(8));
    assert_eq!(wd.identity().ocp_cluster_ids, None);
    // O1 paired through the map (its cost model: memory), O2 not paired yet (no October report
    // period: NULL), O3 (another cloud source's) and the other customer's not listed.
    assert_eq!(
        rows(&out, &OCP_AWS_CLUSTERS),
        strs(&[
            &[O1, "c1", "Cluster One", "11", "memory", "map"],
            &[O2, "c2", "Cluster Two", "NULL", "cpu", "data"],
        ])
    );
    assert_eq!(
        rows(&out, &OCP_AWS_ENABLED_TAG_KEYS),
        strs(&[&["app", "AWS"], &["app", "OCP"], &["env", "AWS"]])
    );
    // koku's statement: keys enabled for both, values equal ignoring case, the AWS spelling.
    assert_eq!(rows(&out, &OCP_AWS_MATCHED_TAGS), strs(&[&["app", "Web"]]));
    assert_eq!(
        column(
            &rows(&out, &OCP_DAILY_SUMMARY),
            OCP_DAILY_SUMMARY.column_index("source_uuid").unwrap()
        ),
        vec![O1, O1, O1, O1, O2]
    );
    assert_eq!(rows(&out, &AWS_ACCOUNT_ALIASES).len(), 1);
    assert_eq!(rows(&out, &AWS_MARKUP), strs(&[&["0.0"]]));
    let st = wd.stage(stage::EXTRACT).unwrap();
    assert_eq!(st.details["postgres_inputs"]["bill_id"], "database");

    // --ocp-source: named (even O2, not paired yet); O3 is another cloud source's: refused.
    let out2 = tmp.path().join("out2");
    let mut c = bin();
    base(&mut c, &tree, &out2);
    c.args(["--database-url", &url, "--ocp-source", O2]);
    for w in [&w1, &w2, &w3] {
        c.arg("--ocp-workdir").arg(w);
    }
    c.assert().success();
    assert_eq!(
        rows(&out2, &OCP_AWS_CLUSTERS),
        strs(&[&[O2, "c2", "Cluster Two", "NULL", "cpu", "named"]])
    );
    assert_eq!(
        WorkDir::open(&out2).unwrap().identity().ocp_cluster_ids,
        Some(vec!["c2".to_string()])
    );
    let mut c = bin();
    base(&mut c, &tree, &tmp.path().join("out3"));
    c.args(["--database-url", &url, "--ocp-source", O3]);
    for w in [&w1, &w2, &w3] {
        c.arg("--ocp-workdir").arg(w);
    }
    c.assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "--ocp-source {O3} is paired with another cloud source"
        )));

    // No key enabled for both: koku's statement is not run, the dataset is empty.
    client
        .batch_execute(&format!(
            "UPDATE \"{SCHEMA}\".reporting_enabledtagkeys SET enabled = false WHERE provider_type = 'OCP'"
        ))
        .unwrap();
    let out4 = tmp.path().join("out4");
    let mut c = bin();
    base(&mut c, &tree, &out4);
    c.args(["--database-url", &url]);
    for w in [&w1, &w2, &w3] {
        c.arg("--ocp-workdir").arg(w);
    }
    c.assert().success();
    assert!(rows(&out4, &OCP_AWS_MATCHED_TAGS).is_empty());
    assert_eq!(
        WorkDir::open(&out4)
            .unwrap()
            .stage(stage::EXTRACT)
            .unwrap()
            .details["matched_tags"],
        "no key enabled for both AWS and OCP: koku's statement not run (empty)"
    );

    // A database error carries its SQLSTATE.
    client
        .batch_execute("ALTER TABLE public.api_customer RENAME TO api_customer_gone")
        .unwrap();
    let mut c = bin();
    base(&mut c, &tree, &tmp.path().join("out5"));
    c.args(["--database-url", &url])
        .arg("--ocp-workdir")
        .arg(&w1);
    c.assert()
        .failure()
        .stderr(predicate::str::contains("42P01"));
}

#[test]
fn from_s3_gives_the_same_work_dir_as_from_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let (w1, w2) = two_workdirs(tmp.path());
    let run = |c: &mut Command| {
        offline_flags(c, tmp.path());
        c.arg("--ocp-workdir")
            .arg(&w1)
            .arg("--ocp-workdir")
            .arg(&w2);
    };
    let local = tmp.path().join("local");
    let mut c = bin();
    base(&mut c, &tree, &local);
    run(&mut c);
    c.assert().success();

    let server = koku_testkit::S3Server::start();
    assert!(server.upload_dir("koku-report", &tree) >= 6);
    let remote = tmp.path().join("remote");
    let mut c = bin();
    c.args(["ocp-aws", "--from", "s3://koku-report"])
        .args([
            "--schema",
            SCHEMA,
            "--aws-source",
            AWS,
            "--year",
            "2025",
            "--month",
            "10",
        ])
        .args(["--s3-endpoint", &server.endpoint(), "--s3-page-size", "1"])
        .env("S3_ACCESS_KEY", koku_testkit::S3_ACCESS_KEY)
        .env("S3_SECRET", koku_testkit::S3_SECRET_KEY)
        .arg("--out")
        .arg(&remote);
    run(&mut c);
    c.assert().success();
    let files = arrow_files(&local);
    assert_eq!(files.len(), OCP_AWS_INPUTS.len());
    assert_eq!(arrow_files(&remote), files, "S3 and local outputs differ");
    // The source column comes from each object's key, on S3 too.
    assert_eq!(
        column(&rows(&remote, &OCP_POD_USAGE_KEYS), 0),
        vec![O1, O1, O2, O2]
    );
}
