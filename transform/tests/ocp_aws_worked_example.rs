//! The worked example of spec ocp-on-aws.md §10, end to end through `koku-transform ocp-aws`: the
//! inputs of §10.1 written as an extracted work dir, the ten PostgreSQL rows of §10.7 expected (as
//! the load stores them: numerics at the column's scale), with the memory-distribution and Savings
//! Plan variants of §10.6/§10.7. The expectations are the spec's hand-computed values.

#[path = "aws_support/mod.rs"]
mod aws_support;
mod ocp_aws_support;

use aws_support::{Row, read_ipc};
use koku_common::schema::OCP_DAILY_SUMMARY;
use koku_common::schema::aws::{AWS_ACCOUNT_ALIASES, AWS_LINE_ITEMS_DAILY, AWS_MARKUP};
use koku_common::schema::ocp_aws::{
    AWS_LINE_ITEMS_HOURLY, OCP_AWS_CLUSTERS, OCP_AWS_COST_SUMMARY, OCP_AWS_ENABLED_TAG_KEYS,
    OCP_AWS_MATCHED_TAGS, OCP_AWS_PROJECT_DAILY_SUMMARY, OCP_POD_USAGE_KEYS,
    OCP_STORAGE_USAGE_KEYS,
};
use ocp_aws_support::{R, V, identity, r, with, write_workdir};

const O: &str = "00000000-0000-0000-0000-00000000000a";
const DAY: &str = "2025-10-01";

fn ocp_rows() -> Vec<R> {
    let base = r(&[
        ("source_uuid", V::T(O)),
        ("usage_start", V::D(DAY)),
        ("usage_end", V::D(DAY)),
        ("cluster_id", V::T("ocp-a")),
        ("cluster_alias", V::T("Cluster A")),
        ("node", V::T("node-1")),
        ("resource_id", V::T("i-0abc")),
    ]);
    let pod = with(
        &base,
        &[
            ("data_source", V::T("Pod")),
            ("node_capacity_cpu_core_hours", V::F(96.0)),
            ("node_capacity_memory_gigabyte_hours", V::F(384.0)),
        ],
    );
    vec![
        with(
            &pod,
            &[
                ("namespace", V::T("frontend")),
                ("pod_labels", V::T(r#"{"app":"web"}"#)),
                ("pod_effective_usage_cpu_core_hours", V::F(24.0)),
                ("pod_effective_usage_memory_gigabyte_hours", V::F(48.0)),
            ],
        ),
        with(
            &pod,
            &[
                ("namespace", V::T("backend")),
                ("pod_labels", V::T(r#"{"app":"api"}"#)),
                ("pod_effective_usage_cpu_core_hours", V::F(48.0)),
                ("pod_effective_usage_memory_gigabyte_hours", V::F(96.0)),
            ],
        ),
        with(
            &pod,
            &[
                ("namespace", V::T("Worker unallocated")),
                ("pod_effective_usage_cpu_core_hours", V::F(24.0)),
                ("pod_effective_usage_memory_gigabyte_hours", V::F(240.0)),
            ],
        ),
        with(
            &base,
            &[
                ("data_source", V::T("Storage")),
                ("namespace", V::T("backend")),
                ("volume_labels", V::T(r#"{"app":"api"}"#)),
                ("persistentvolumeclaim", V::T("db-data")),
                ("persistentvolume", V::T("pv-1")),
                ("storageclass", V::T("gp3")),
                ("csi_volume_handle", V::T("vol-0def")),
                ("persistentvolumeclaim_capacity_gigabyte", V::F(30.0)),
            ],
        ),
    ]
}

fn aws_rows(u1_type: &'static str) -> Vec<R> {
    let base = r(&[
        ("lineitem_usagestartdate", V::D(DAY)),
        ("lineitem_usageaccountid", V::T("111111111111")),
        ("lineitem_currencycode", V::T("USD")),
        ("product_region", V::T("us-east-1")),
        ("lineitem_lineitemtype", V::T("Usage")),
        ("savingsplan_savingsplaneffectivecost", V::F(0.0)),
        ("costcategory", V::T("{}")),
        ("bill_billingentity", V::T("AWS")),
    ]);
    let line = |rid, code, family, itype, ut, op, unit, usage, cost, tags| {
        with(
            &base,
            &[
                ("lineitem_resourceid", V::T(rid)),
                ("lineitem_productcode", V::T(code)),
                ("product_productfamily", V::T(family)),
                ("product_instancetype", itype),
                ("lineitem_usagetype", V::T(ut)),
                ("lineitem_operation", op),
                ("pricing_unit", V::T(unit)),
                ("lineitem_usageamount", V::F(usage)),
                ("lineitem_unblendedcost", V::F(cost)),
                ("lineitem_blendedcost", V::F(cost)),
                ("resourcetags", V::T(tags)),
            ],
        )
    };
    let mut u1 = line(
        "i-0abc",
        "AmazonEC2",
        "Compute Instance",
        V::T("m5.xlarge"),
        "USE1-BoxUsage:m5.xlarge",
        V::T("RunInstances"),
        "Hrs",
        24.0,
        4.80,
        r#"{"environment": "prod"}"#,
    );
    if u1_type == "SavingsPlanCoveredUsage" {
        u1 = with(
            &u1,
            &[
                ("lineitem_lineitemtype", V::T(u1_type)),
                ("savingsplan_savingsplaneffectivecost", V::F(3.0)),
            ],
        );
    }
    vec![
        u1,
        line(
            "vol-0def",
            "AmazonEC2",
            "Storage",
            V::Null,
            "USE1-EBS:VolumeUsage.gp3",
            V::T("CreateVolume-Gp3"),
            "GB-Mo",
            100.0 / 31.0,
            0.30,
            "{}",
        ),
        line(
            "i-0abc",
            "AmazonEC2",
            "Data Transfer",
            V::Null,
            "USE1-DataTransfer-Out-Bytes",
            V::T("RunInstances"),
            "GB",
            10.0,
            0.90,
            r#"{"environment": "prod"}"#,
        ),
        line(
            "arn:aws:rds:us-east-1:111111111111:db:orders",
            "AmazonRDS",
            "Database Instance",
            V::T("db.t3.medium"),
            "USE1-InstanceUsage:db.t3.medium",
            V::Null,
            "Hrs",
            24.0,
            2.40,
            r#"{"openshift_project": "frontend"}"#,
        ),
        line(
            "media-bucket",
            "AmazonS3",
            "Storage",
            V::Null,
            "USE1-TimedStorage-ByteHrs",
            V::Null,
            "GB-Mo",
            50.0,
            1.15,
            r#"{"app": "api"}"#,
        ),
        line(
            "i-0zzz",
            "AmazonEC2",
            "Compute Instance",
            V::T("m5.large"),
            "USE1-BoxUsage:m5.large",
            V::T("RunInstances"),
            "Hrs",
            24.0,
            2.00,
            "{}",
        ),
    ]
}

/// Run the transform on the example with O's distribution and u1's line-item type.
fn run(distribution: &'static str, u1_type: &'static str) -> (Vec<Row>, Vec<Row>) {
    let dir = tempfile::tempdir().unwrap();
    let hours: Vec<R> = (0..24)
        .map(|_| {
            r(&[
                ("lineitem_resourceid", V::T("vol-0def")),
                ("lineitem_usagestartdate", V::D(DAY)),
                ("lineitem_unblendedcost", V::F(0.0125)),
                ("lineitem_unblendedrate", V::F(0.093)),
            ])
        })
        .collect();
    let pod_key = |ns| {
        r(&[
            ("source", V::T(O)),
            ("interval_start", V::D(DAY)),
            ("node", V::T("node-1")),
            ("namespace", V::T(ns)),
            ("resource_id", V::T("i-0abc")),
        ])
    };
    write_workdir(
        dir.path(),
        identity(DAY, DAY, Some(7)),
        &[
            (&AWS_LINE_ITEMS_DAILY, aws_rows(u1_type)),
            (&AWS_LINE_ITEMS_HOURLY, hours),
            (
                &OCP_POD_USAGE_KEYS,
                vec![pod_key("frontend"), pod_key("backend")],
            ),
            (
                &OCP_STORAGE_USAGE_KEYS,
                vec![r(&[
                    ("source", V::T(O)),
                    ("interval_start", V::D(DAY)),
                    ("persistentvolume", V::T("pv-1")),
                    ("csi_volume_handle", V::T("vol-0def")),
                ])],
            ),
            (&OCP_DAILY_SUMMARY, ocp_rows()),
            (
                &OCP_AWS_CLUSTERS,
                vec![r(&[
                    ("source", V::T(O)),
                    ("cluster_id", V::T("ocp-a")),
                    ("cluster_alias", V::T("Cluster A")),
                    ("report_period_id", V::I(3)),
                    ("distribution", V::T(distribution)),
                    ("paired_by", V::T("named")),
                ])],
            ),
            (
                &OCP_AWS_ENABLED_TAG_KEYS,
                [("environment", "AWS"), ("app", "AWS"), ("app", "OCP")]
                    .iter()
                    .map(|(k, p)| r(&[("key", V::T(k)), ("provider_type", V::T(p))]))
                    .collect(),
            ),
            (
                &OCP_AWS_MATCHED_TAGS,
                vec![r(&[("key", V::T("app")), ("value", V::T("api"))])],
            ),
            (
                &AWS_ACCOUNT_ALIASES,
                vec![r(&[("id", V::I(5)), ("account_id", V::T("111111111111"))])],
            ),
            (&AWS_MARKUP, vec![r(&[("markup", V::F(0.1))])]),
        ],
    );
    koku_transform::transform_ocp_aws(dir.path()).unwrap();
    (
        read_ipc(&dir.path().join(OCP_AWS_PROJECT_DAILY_SUMMARY.file_name())),
        read_ipc(&dir.path().join(OCP_AWS_COST_SUMMARY.file_name())),
    )
}

/// A row as one line: the columns §10.7 lists, numerics at the table's scales.
fn line(row: &Row) -> String {
    let s = |c| row.s(c).unwrap_or("NULL").to_string();
    format!(
        "{} | {} | {} | {} | {} | {}/{}/{} | usage {} | unbl {} | markup {} | amort {} | sp {} | in {} out {} | {} | {} | {}",
        s("namespace"),
        s("data_source"),
        s("node"),
        s("resource_id"),
        s("product_code"),
        s("persistentvolumeclaim"),
        s("persistentvolume"),
        s("storageclass"),
        row.num("usage_amount", 30, 15),
        row.num("unblended_cost", 30, 15),
        row.num("markup_cost", 30, 15),
        row.num("calculated_amortized_cost", 33, 9),
        row.num("savingsplan_effective_cost", 33, 15),
        row.num("infrastructure_data_in_gigabytes", 33, 15),
        row.num("infrastructure_data_out_gigabytes", 33, 15),
        s("data_transfer_direction"),
        s("tags"),
        s("aws_cost_category"),
    )
}

fn lines(rows: &[Row]) -> Vec<String> {
    let mut l: Vec<String> = rows.iter().map(line).collect();
    l.sort();
    l
}

/// §10.7: the ten rows, and the constants of every row.
#[test]
fn worked_example_rows() {
    let (rows, cost_summary) = run("cpu", "Usage");
    let expected = [
        "Network unattributed | Pod | node-1 | i-0abc | AmazonEC2 | NULL/NULL/NULL | usage 10.000000000000000 | unbl 0.900000000000000 | markup 0.090000000000000 | amort 0.900000000 | sp 0.000000000000000 | in 0.000000000000000 out 10.000000000000000 | OUT | {\"environment\":\"prod\"} | NULL",
        "Storage unattributed | Storage | NULL | vol-0def | AmazonEC2 | db-data/pv-1/gp3 | usage NULL | unbl 0.210000000000000 | markup 0.021000000000000 | amort 0.210000000 | sp 0.000000000000000 | in 0.000000000000000 out 0.000000000000000 | NULL | NULL | NULL",
        "Worker unallocated | Pod | node-1 | i-0abc | AmazonEC2 | NULL/NULL/NULL | usage 6.000000000000000 | unbl 1.200000000000000 | markup 0.120000000000000 | amort 1.200000000 | sp 0.000000000000000 | in 0.000000000000000 out 0.000000000000000 | NULL | NULL | {}",
        "backend | Pod | node-1 | i-0abc | AmazonEC2 | NULL/NULL/NULL | usage 6.000000000000000 | unbl 2.400000000000000 | markup 0.240000000000000 | amort 2.400000000 | sp 0.000000000000000 | in 0.000000000000000 out 0.000000000000000 | NULL | {\"app\":\"api\",\"environment\":\"prod\"} | {}",
        "backend | Pod | node-1 | i-0abc | AmazonEC2 | NULL/NULL/NULL | usage 6.000000000000000 | unbl NULL | markup NULL | amort NULL | sp NULL | in 0.000000000000000 out 0.000000000000000 | NULL | NULL | {}",
        "backend | Pod | node-1 | media-bucket | AmazonS3 | NULL/NULL/NULL | usage 25.000000000000000 | unbl 0.575000000000000 | markup 0.057500000000000 | amort 0.575000000 | sp 0.000000000000000 | in 0.000000000000000 out 0.000000000000000 | NULL | {\"app\":\"api\"} | {}",
        "backend | Storage | node-1 | media-bucket | AmazonS3 | db-data/pv-1/gp3 | usage 25.000000000000000 | unbl 0.575000000000000 | markup 0.057500000000000 | amort 0.575000000 | sp 0.000000000000000 | in 0.000000000000000 out 0.000000000000000 | NULL | {\"app\":\"api\"} | {}",
        "backend | Storage | node-1 | vol-0def | AmazonEC2 | db-data/pv-1/gp3 | usage 3.225806451612903 | unbl 0.090000000000000 | markup 0.009000000000000 | amort 0.090000000 | sp 0.000000000000000 | in 0.000000000000000 out 0.000000000000000 | NULL | {\"app\":\"api\"} | {}",
        "frontend | Pod | node-1 | arn:aws:rds:us-east-1:111111111111:db:orders | AmazonRDS | NULL/NULL/NULL | usage 24.000000000000000 | unbl 2.400000000000000 | markup 0.240000000000000 | amort 2.400000000 | sp 0.000000000000000 | in 0.000000000000000 out 0.000000000000000 | NULL | {\"app\":\"web\"} | {}",
        "frontend | Pod | node-1 | i-0abc | AmazonEC2 | NULL/NULL/NULL | usage 6.000000000000000 | unbl 1.200000000000000 | markup 0.120000000000000 | amort 1.200000000 | sp 0.000000000000000 | in 0.000000000000000 out 0.000000000000000 | NULL | {\"app\":\"web\",\"environment\":\"prod\"} | {}",
    ];
    let got = lines(&rows);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(g, e);
    }
    for row in &rows {
        assert_eq!(row.s("usage_start"), Some(DAY));
        assert_eq!(row.s("usage_end"), Some(DAY));
        assert_eq!(row.i("report_period_id"), Some(3));
        assert_eq!(row.i("cost_entry_bill_id"), Some(7));
        assert_eq!(row.s("cluster_id"), Some("ocp-a"));
        assert_eq!(row.s("cluster_alias"), Some("Cluster A"));
        assert_eq!(row.s("usage_account_id"), Some("111111111111"));
        assert_eq!(row.i("account_alias_id"), Some(5));
        assert_eq!(row.s("currency_code"), Some("USD"));
        assert_eq!(row.s("region"), Some("us-east-1"));
        assert_eq!(row.s("source_uuid"), Some(ocp_aws_support::AWS_SOURCE));
        assert_eq!(row.s("pod_labels"), row.s("tags"));
        assert_eq!(row.f("blended_cost"), row.f("unblended_cost"));
    }
    // Σ unblended = 9.55: u6 (2.00) is not attributed; the phantom row adds NULL.
    let total: f64 = rows.iter().filter_map(|r| r.f("unblended_cost")).sum();
    assert!((total - 9.55).abs() < 1e-9, "{total}");
    // The UI table sums T4's doubles; Trino's summation order is unspecified (spec §6.4), so the
    // last bit may differ from 9.55.
    assert_eq!(cost_summary.len(), 1);
    let ui = |c| cost_summary[0].f(c).unwrap();
    assert!(
        (ui("unblended_cost") - 9.55).abs() < 1e-12,
        "{}",
        ui("unblended_cost")
    );
    assert!(
        (ui("markup_cost") - 0.955).abs() < 1e-12,
        "{}",
        ui("markup_cost")
    );
    assert_eq!(cost_summary[0].s("cluster_id"), Some("ocp-a"));
}

/// §10.6: with the memory distribution the instance is split by memory.
#[test]
fn worked_example_memory_distribution() {
    let (rows, _) = run("memory", "Usage");
    let compute: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r.s("resource_id") == Some("i-0abc") && r.s("data_source") == Some("Pod"))
        .filter(|r| r.s("data_transfer_direction").is_none())
        .map(|r| {
            (
                format!(
                    "{} {}",
                    r.s("namespace").unwrap(),
                    r.s("tags").unwrap_or("NULL")
                ),
                r.num("unblended_cost", 30, 15),
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        compute,
        [
            ("Worker unallocated NULL".into(), "3.000000000000000".into()),
            ("backend NULL".into(), "NULL".into()),
            (
                "backend {\"app\":\"api\",\"environment\":\"prod\"}".into(),
                "1.200000000000000".into()
            ),
            (
                "frontend {\"app\":\"web\",\"environment\":\"prod\"}".into(),
                "0.600000000000000".into()
            ),
        ]
    );
}

/// §10.7 Savings Plan variant: covered usage has no unblended cost; the plan's effective cost is
/// split instead.
#[test]
fn worked_example_savings_plan() {
    let (rows, _) = run("cpu", "SavingsPlanCoveredUsage");
    let g1 = rows
        .iter()
        .find(|r| r.s("namespace") == Some("frontend") && r.s("resource_id") == Some("i-0abc"))
        .unwrap();
    assert_eq!(g1.num("unblended_cost", 30, 15), "0.000000000000000");
    assert_eq!(g1.num("blended_cost", 33, 15), "0.000000000000000");
    assert_eq!(
        g1.num("savingsplan_effective_cost", 33, 15),
        "0.750000000000000"
    );
    assert_eq!(g1.num("calculated_amortized_cost", 33, 9), "0.750000000");
    assert_eq!(
        g1.num("markup_cost_savingsplan", 33, 15),
        "0.075000000000000"
    );
}
