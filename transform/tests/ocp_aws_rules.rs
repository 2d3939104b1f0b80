//! Rules of spec ocp-on-aws.md §4 that the worked example (§10) does not reach, each on data built
//! so that breaking the rule changes the expected rows (hand-computed below):
//!
//! * a disk shared by two clusters (§4.6, §7.7): PVcap sums each (PV, cluster)'s largest claim over
//!   the window, K = 2 splits the remainder, and koku's 5-day windows (§1.3) make PVcap differ
//!   between the windows [1,6] and [7,8];
//! * a tag matching namespaces of two clusters (§4.9 k, COST-6138): ÷ k and ÷ n;
//! * which OCP sources a run attributes to (§1.1, §1.2).

#[path = "aws_support/mod.rs"]
mod aws_support;
mod ocp_aws_support;

use std::collections::BTreeMap;

use aws_support::{Row, read_ipc};
use koku_common::schema::OCP_DAILY_SUMMARY;
use koku_common::schema::aws::{AWS_LINE_ITEMS_DAILY, AWS_MARKUP};
use koku_common::schema::ocp_aws::{
    AWS_LINE_ITEMS_HOURLY, OCP_AWS_CLUSTERS, OCP_AWS_PROJECT_DAILY_SUMMARY, OCP_POD_USAGE_KEYS,
    OCP_STORAGE_USAGE_KEYS,
};
use ocp_aws_support::{R, V, identity, r, with, write_workdir};

const O1: &str = "00000000-0000-0000-0000-0000000000c1";
const O2: &str = "00000000-0000-0000-0000-0000000000c2";

fn day(d: u32) -> &'static str {
    Box::leak(format!("2025-10-{d:02}").into_boxed_str())
}

fn cluster(o: &'static str, id: &'static str, paired_by: &'static str, rp: Option<i32>) -> R {
    r(&[
        ("source", V::T(o)),
        ("cluster_id", V::T(id)),
        ("cluster_alias", V::T(id)),
        ("report_period_id", rp.map_or(V::Null, V::I)),
        ("distribution", V::T("cpu")),
        ("paired_by", V::T(paired_by)),
    ])
}

/// An OCP summary row of source `o` (cluster `c`, node `n` with instance `i`) on day `d`.
fn ocp(o: &'static str, c: &'static str, n: &'static str, i: &'static str, d: u32) -> R {
    r(&[
        ("source_uuid", V::T(o)),
        ("usage_start", V::D(day(d))),
        ("usage_end", V::D(day(d))),
        ("cluster_id", V::T(c)),
        ("cluster_alias", V::T(c)),
        ("node", V::T(n)),
        ("resource_id", V::T(i)),
    ])
}

fn claim(
    base: &R,
    ns: &'static str,
    pvc: &'static str,
    pv: &'static str,
    csi: &'static str,
    gb: f64,
) -> R {
    with(
        base,
        &[
            ("data_source", V::T("Storage")),
            ("namespace", V::T(ns)),
            ("persistentvolumeclaim", V::T(pvc)),
            ("persistentvolume", V::T(pv)),
            ("storageclass", V::T("gp3")),
            ("csi_volume_handle", V::T(csi)),
            ("persistentvolumeclaim_capacity_gigabyte", V::F(gb)),
            ("volume_labels", V::T("{}")),
        ],
    )
}

fn pod(base: &R, ns: &'static str) -> R {
    with(
        base,
        &[
            ("data_source", V::T("Pod")),
            ("namespace", V::T(ns)),
            ("pod_labels", V::T("{}")),
            ("pod_effective_usage_cpu_core_hours", V::F(1.0)),
            ("node_capacity_cpu_core_hours", V::F(24.0)),
        ],
    )
}

fn aws_line(d: u32, rid: &'static str, code: &'static str, cost: f64, tags: &'static str) -> R {
    r(&[
        ("lineitem_usagestartdate", V::D(day(d))),
        ("lineitem_resourceid", V::T(rid)),
        ("lineitem_productcode", V::T(code)),
        ("lineitem_usageaccountid", V::T("111111111111")),
        ("lineitem_currencycode", V::T("USD")),
        ("lineitem_lineitemtype", V::T("Usage")),
        ("lineitem_usageamount", V::F(1.0)),
        ("lineitem_unblendedcost", V::F(cost)),
        ("lineitem_blendedcost", V::F(cost)),
        ("resourcetags", V::T(tags)),
        ("costcategory", V::T("{}")),
    ])
}

/// The shared-disk and shared-tag data: clusters c1 (node n1, i-1) and c2 (node n2, i-2), disk
/// vol-9 (100 GB by its hourly lines: 0.0125 / (0.093 / 744)), claimed by c1's pv-a (40 GB on day
/// 5, 30 GB from day 6) and c2's pv-b (20 GB from day 6); an RDS instance db-1 tagged
/// `openshift_project=shared` on day 6, a namespace with a pod in both clusters and a claim in c2.
fn shared_inputs(clusters: Vec<R>) -> Vec<(&'static koku_common::schema::Dataset, Vec<R>)> {
    let mut ocp_rows = vec![];
    let (c1, c2) = (
        |d| ocp(O1, "c1", "n1", "i-1", d),
        |d| ocp(O2, "c2", "n2", "i-2", d),
    );
    ocp_rows.push(claim(&c1(5), "db1", "claim-a", "pv-a", "vol-9", 40.0));
    for d in [6, 7] {
        ocp_rows.push(claim(&c1(d), "db1", "claim-a", "pv-a", "vol-9", 30.0));
        ocp_rows.push(claim(&c2(d), "db2", "claim-b", "pv-b", "vol-9", 20.0));
    }
    ocp_rows.push(pod(&c1(6), "shared"));
    ocp_rows.push(pod(&c2(6), "shared"));
    ocp_rows.push(claim(&c2(6), "shared", "claim-s", "pv-s", "vol-s", 5.0));
    let mut hourly = vec![];
    let mut daily = vec![];
    for d in [5, 6, 7] {
        for _ in 0..24 {
            hourly.push(r(&[
                ("lineitem_resourceid", V::T("vol-9")),
                ("lineitem_usagestartdate", V::D(day(d))),
                ("lineitem_unblendedcost", V::F(0.0125)),
                ("lineitem_unblendedrate", V::F(0.093)),
            ]));
        }
        daily.push(aws_line(d, "vol-9", "AmazonEC2", 0.30, "{}"));
    }
    daily.push(aws_line(
        6,
        "db-1",
        "AmazonRDS",
        1.00,
        r#"{"openshift_project": "shared"}"#,
    ));
    let keys = |o: &'static str, ns: &'static str, n: &'static str, i: &'static str| {
        r(&[
            ("source", V::T(o)),
            ("interval_start", V::D(day(6))),
            ("node", V::T(n)),
            ("namespace", V::T(ns)),
            ("resource_id", V::T(i)),
        ])
    };
    let storage = |o: &'static str, pv: &'static str, d: u32| {
        r(&[
            ("source", V::T(o)),
            ("interval_start", V::D(day(d))),
            ("persistentvolume", V::T(pv)),
            ("csi_volume_handle", V::T("vol-9")),
        ])
    };
    vec![
        (&AWS_LINE_ITEMS_DAILY, daily),
        (&AWS_LINE_ITEMS_HOURLY, hourly),
        (&OCP_DAILY_SUMMARY, ocp_rows),
        (
            &OCP_POD_USAGE_KEYS,
            vec![
                keys(O1, "shared", "n1", "i-1"),
                keys(O2, "shared", "n2", "i-2"),
            ],
        ),
        (
            &OCP_STORAGE_USAGE_KEYS,
            vec![
                storage(O1, "pv-a", 5),
                storage(O1, "pv-a", 7),
                storage(O2, "pv-b", 6),
                storage(O2, "pv-b", 7),
            ],
        ),
        (&OCP_AWS_CLUSTERS, clusters),
        (&AWS_MARKUP, vec![r(&[("markup", V::F(0.0))])]),
    ]
}

fn transform(
    start: &str,
    end: &str,
    inputs: &[(&'static koku_common::schema::Dataset, Vec<R>)],
) -> (koku_transform::OcpAwsReport, Vec<Row>) {
    let dir = tempfile::tempdir().unwrap();
    write_workdir(dir.path(), identity(start, end, Some(11)), inputs);
    let report = koku_transform::transform_ocp_aws(dir.path()).unwrap();
    let rows = read_ipc(&dir.path().join(OCP_AWS_PROJECT_DAILY_SUMMARY.file_name()));
    (report, rows)
}

/// (cluster, day, namespace, data source, resource) → unblended cost as the load stores it.
fn costs(rows: &[Row]) -> BTreeMap<String, String> {
    rows.iter()
        .map(|r| {
            (
                format!(
                    "{} {} {} {} {}",
                    r.s("cluster_id").unwrap(),
                    &r.s("usage_start").unwrap()[8..],
                    r.s("namespace").unwrap(),
                    r.s("data_source").unwrap(),
                    r.s("resource_id").unwrap()
                ),
                r.num("unblended_cost", 30, 15),
            )
        })
        .collect()
}

#[test]
fn shared_disk_and_shared_tag() {
    let (report, rows) = transform(
        "2025-10-01",
        "2025-10-08",
        &shared_inputs(vec![
            cluster(O1, "c1", "named", Some(1)),
            cluster(O2, "c2", "named", Some(2)),
        ]),
    );
    assert_eq!(report.windows, 2);
    let expected: BTreeMap<String, String> = [
        // Window [1,6]: PVcap = max(40, 30) (pv-a, c1) + 20 (pv-b, c2) = 60, K = 2.
        ("c1 05 db1 Storage vol-9", "0.120000000000000"), // 40/100 × 0.30
        (
            "c1 05 Storage unattributed Storage vol-9",
            "0.060000000000000",
        ), // (100−60)/100 × 0.30 / 2
        ("c1 06 db1 Storage vol-9", "0.090000000000000"), // 30/100 × 0.30
        (
            "c1 06 Storage unattributed Storage vol-9",
            "0.060000000000000",
        ),
        ("c2 06 db2 Storage vol-9", "0.060000000000000"), // 20/100 × 0.30
        (
            "c2 06 Storage unattributed Storage vol-9",
            "0.060000000000000",
        ),
        // Window [7,8]: PVcap = 30 + 20 = 50.
        ("c1 07 db1 Storage vol-9", "0.090000000000000"),
        (
            "c1 07 Storage unattributed Storage vol-9",
            "0.075000000000000",
        ), // 0.5 × 0.30 / 2
        ("c2 07 db2 Storage vol-9", "0.060000000000000"),
        (
            "c2 07 Storage unattributed Storage vol-9",
            "0.075000000000000",
        ),
        // db-1 (1.00) matches `shared` in both clusters: k = 2; c1 has one group (n = 1), c2 two
        // (a Pod and a Storage group, n = 2).
        ("c1 06 shared Pod db-1", "0.500000000000000"),
        ("c2 06 shared Pod db-1", "0.250000000000000"),
        ("c2 06 shared Storage db-1", "0.250000000000000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(costs(&rows), expected);
    // With the claims constant over the window, the day's disk cost is attributed exactly once
    // over both clusters (§4.6: S5 + S6 = 1); on day 6, PVcap keeps day 5's 40 GB and only 0.27 of
    // the 0.30 is attributed — koku's window-wide maximum.
    let day_total = |d: &str| -> f64 {
        rows.iter()
            .filter(|r| r.s("usage_start") == Some(d) && r.s("resource_id") == Some("vol-9"))
            .filter_map(|r| r.f("unblended_cost"))
            .sum()
    };
    assert!((day_total("2025-10-07") - 0.30).abs() < 1e-12);
    assert!((day_total("2025-10-06") - 0.27).abs() < 1e-12);
    // Report periods follow the pair.
    for row in &rows {
        let rp = if row.s("cluster_id") == Some("c1") {
            1
        } else {
            2
        };
        assert_eq!(row.i("report_period_id"), Some(rp));
    }
}

/// §1.1/§1.2: a source paired by the data is in the run; one whose node ids are in no AWS resource
/// id is not; one without a report period for the month is skipped; all said in the report.
#[test]
fn which_sources_the_run_attributes_to() {
    let o3 = "00000000-0000-0000-0000-0000000000c3";
    let (report, rows) = transform(
        "2025-10-06",
        "2025-10-06",
        &shared_inputs(vec![
            cluster(O1, "c1", "data", Some(1)),
            cluster(O2, "c2", "map", None),
            cluster(o3, "c3", "data", Some(3)),
        ]),
    );
    // c1 pairs through `i-1`? No AWS resource id contains `i-1`, so c1 is not paired by the data;
    // c2 is in the map but has no report period; c3 has no pod rows at all.
    assert!(report.pairs.is_empty(), "{:?}", report.pairs);
    assert_eq!(report.skipped.len(), 3);
    assert!(rows.is_empty());

    // With an EC2 instance whose resource id contains c1's node id, the data pairs c1.
    let mut inputs = shared_inputs(vec![cluster(O1, "c1", "data", Some(1))]);
    inputs[0]
        .1
        .push(aws_line(6, "arn:aws:ec2:i-1", "AmazonEC2", 2.4, "{}"));
    let (report, rows) = transform("2025-10-06", "2025-10-06", &inputs);
    assert_eq!(report.pairs, [O1]);
    let c = costs(&rows);
    // The instance goes to c1's node rows by `contains` (§4.7): the pod's 1/24 of 2.4 = 0.1; the
    // claims on the node are phantom groups (NULL cost).
    assert_eq!(c["c1 06 shared Pod arn:aws:ec2:i-1"], "0.100000000000000");
    assert_eq!(c["c1 06 db1 Pod arn:aws:ec2:i-1"], "NULL");
}

fn transform_with(
    inputs: &[(&'static koku_common::schema::Dataset, Vec<R>)],
    opts: koku_transform::ocp_aws::run::OcpAwsOptions,
) -> Vec<Row> {
    let dir = tempfile::tempdir().unwrap();
    write_workdir(
        dir.path(),
        identity("2025-10-06", "2025-10-06", Some(11)),
        inputs,
    );
    koku_transform::ocp_aws::run::transform_ocp_aws_with(dir.path(), &Default::default(), &opts)
        .unwrap();
    read_ipc(&dir.path().join(OCP_AWS_PROJECT_DAILY_SUMMARY.file_name()))
}

/// §7.2 and §7.6, koku's defects: reproduced by default, fixed behind their options.
#[test]
fn defect_fixes_are_off_by_default() {
    let mut inputs = shared_inputs(vec![cluster(O1, "c1", "named", Some(1))]);
    // An instance on c1's node (its Storage row `db1` gives a phantom group), and a legacy volume
    // whose id ends with a PV name that has no CSI handle (100 GB by its hourly lines).
    inputs[0]
        .1
        .push(aws_line(6, "arn:aws:ec2:i-1", "AmazonEC2", 2.4, "{}"));
    inputs[0]
        .1
        .push(aws_line(6, "vol-pv-legacy", "AmazonEC2", 0.6, "{}"));
    for _ in 0..24 {
        inputs[1].1.push(r(&[
            ("lineitem_resourceid", V::T("vol-pv-legacy")),
            ("lineitem_usagestartdate", V::D(day(6))),
            ("lineitem_unblendedcost", V::F(0.0125)),
            ("lineitem_unblendedrate", V::F(0.093)),
        ]));
    }
    let c1 = ocp(O1, "c1", "n1", "i-1", 6);
    inputs[2]
        .1
        .push(claim(&c1, "legacy", "claim-l", "pv-legacy", "", 50.0));
    inputs[4].1.push(r(&[
        ("source", V::T(O1)),
        ("interval_start", V::D(day(6))),
        ("persistentvolume", V::T("pv-legacy")),
        ("csi_volume_handle", V::T("")),
    ]));

    let koku = transform_with(&inputs, Default::default());
    let c = costs(&koku);
    // §7.6: the Storage rows on the node (db1, legacy) are NULL-cost Pod groups, and the usage
    // amount (1.0) is divided by n = 3.
    assert_eq!(c["c1 06 shared Pod arn:aws:ec2:i-1"], "0.100000000000000");
    assert_eq!(c["c1 06 db1 Pod arn:aws:ec2:i-1"], "NULL");
    let usage = |rows: &[Row], ns: &str| {
        rows.iter()
            .find(|r| r.s("namespace") == Some(ns) && r.s("resource_id") == Some("arn:aws:ec2:i-1"))
            .unwrap()
            .num("usage_amount", 30, 15)
    };
    assert_eq!(usage(&koku, "shared"), "0.333333333333333");
    // §7.2: the legacy volume is matched by its PV name and produces no row.
    assert!(!c.keys().any(|k| k.ends_with("vol-pv-legacy")), "{c:?}");

    let fixed = transform_with(
        &inputs,
        koku_transform::ocp_aws::run::OcpAwsOptions {
            attribute_pv_name_disks: true,
            drop_phantom_compute_rows: true,
            ..Default::default()
        },
    );
    let c = costs(&fixed);
    assert!(!c.contains_key("c1 06 db1 Pod arn:aws:ec2:i-1"), "{c:?}");
    assert_eq!(usage(&fixed, "shared"), "1.000000000000000");
    // The legacy volume: 50 of 100 GB claimed → 0.30 to `legacy`, the rest unattributed.
    assert_eq!(c["c1 06 legacy Storage vol-pv-legacy"], "0.300000000000000");
    assert_eq!(
        c["c1 06 Storage unattributed Storage vol-pv-legacy"],
        "0.300000000000000"
    );
}
