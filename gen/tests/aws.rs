//! koku-gen aws: determinism, koku's layout and physical types, the daily = re-aggregated hourly
//! invariant (input-data §5), row counts, the line-item mix, and that the CUR belongs to the OCP
//! generator's cluster (node and EBS volume ids, disk sizes).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, TimeUnit, TimestampMillisecondType};
use chrono::NaiveDate;
use koku_gen::Config;
use koku_gen::aws::{AwsConfig, generate};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, Encoding};

const GIB: f64 = 1_073_741_824.0;

/// A cluster with every node role, shared and claimless volumes; 3 days over a month boundary (a
/// Tuesday, Wednesday, Thursday: no weekend), several CUR chunks per day.
fn cluster() -> Config {
    Config {
        nodes: 8,
        pods_per_node: 10,
        days: 3,
        start_date: NaiveDate::from_ymd_opt(2025, 9, 30).unwrap(),
        pvcs_per_node: 3,
        ..Config::default()
    }
}

fn small() -> AwsConfig {
    AwsConfig {
        extra_instances: 200,
        batch_rows: 3_000,
        ..AwsConfig::for_cluster(&cluster())
    }
}

fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The AWS Parquet files of one copy, in name order.
fn aws_files(root: &Path, daily: bool) -> Vec<PathBuf> {
    files(root)
        .keys()
        .filter(|k| k.ends_with(".parquet") && k.contains("/AWS/"))
        .filter(|k| k.starts_with("data/parquet/daily/") == daily)
        .map(|k| root.join(k))
        .collect()
}

/// Read a file, checking koku's physical properties: one row group, Snappy, statistics, dictionary
/// encoding for text columns.
fn read(path: &Path) -> RecordBatch {
    let b = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap()).unwrap();
    let md = b.metadata().clone();
    assert_eq!(md.num_row_groups(), 1, "{}: one row group", path.display());
    for (i, c) in md.row_group(0).columns().iter().enumerate() {
        assert_eq!(c.compression(), Compression::SNAPPY, "{}", path.display());
        assert!(c.statistics().is_some(), "{}: statistics", path.display());
        if b.schema().field(i).data_type() == &DataType::Utf8 {
            assert!(
                c.encodings()
                    .any(|e| e == Encoding::RLE_DICTIONARY || e == Encoding::PLAIN_DICTIONARY),
                "{}: {} dictionary-encoded",
                path.display(),
                b.schema().field(i).name()
            );
        }
    }
    let schema = b.schema().clone();
    let batches: Vec<RecordBatch> = b.build().unwrap().map(Result::unwrap).collect();
    arrow::compute::concat_batches(&schema, &batches).unwrap()
}

fn strs(b: &RecordBatch, col: &str) -> Vec<String> {
    let c = b
        .column_by_name(col)
        .unwrap_or_else(|| panic!("{col}"))
        .as_string::<i32>();
    (0..c.len()).map(|i| c.value(i).to_string()).collect()
}

fn f64s(b: &RecordBatch, col: &str) -> Vec<f64> {
    b.column_by_name(col)
        .unwrap_or_else(|| panic!("{col}"))
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

fn all_rows(paths: &[PathBuf]) -> RecordBatch {
    let batches: Vec<RecordBatch> = paths.iter().map(|p| read(p)).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

#[test]
fn same_config_same_bytes_for_any_thread_count_and_a_day_does_not_depend_on_the_days_after_it() {
    let (a, b, c, d) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let cfg = small();
    generate(&cfg, a.path(), 1).unwrap();
    generate(&cfg, b.path(), 3).unwrap();
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{k} differs between 1 and 3 threads");
    }
    // Another seed: other data.
    generate(
        &AwsConfig {
            seed: 7,
            ..cfg.clone()
        },
        c.path(),
        2,
    )
    .unwrap();
    let fc = files(c.path());
    let first = fa
        .keys()
        .find(|k| k.ends_with("_batch-0_0.parquet"))
        .unwrap();
    assert_ne!(fa[first], fc[first], "another seed gives other data");
    // A one-day dataset is the first day of the three-day one, byte for byte (the CUR's chunk numbering
    // restarts with each month, and the first day is a month's first here).
    generate(
        &AwsConfig {
            days: 1,
            ..cfg.clone()
        },
        d.path(),
        1,
    )
    .unwrap();
    let fd = files(d.path());
    let parquet: Vec<&String> = fd.keys().filter(|k| k.ends_with(".parquet")).collect();
    assert!(!parquet.is_empty());
    for k in parquet {
        assert!(
            fd[k] == fa[k],
            "{k} differs between the 1-day and the 3-day dataset"
        );
    }
    // Refuses to overwrite.
    assert!(generate(&cfg, a.path(), 1).is_err());
}

#[test]
fn layout_names_batches_and_physical_types_are_kokus() {
    // One master, no workers (every volume claimless), no extra instances: per day 7 hourly lines
    // (the master's instance, root volume and 3 data-transfer lines; two load balancers) and 5 daily
    // lines (the master's RI fee; tax on EC2 and ELB of the cluster account; credit; support fee):
    // 7 × 24 + 5 = 173 rows a day.
    let cfg = AwsConfig {
        nodes: 1,
        pods_per_node: 4,
        pvcs_per_node: 2,
        extra_instances: 0,
        batch_rows: 100,
        ..AwsConfig::for_cluster(&cluster())
    };
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&cfg, dir.path(), 0).unwrap();
    assert_eq!(s.hourly_rows, 3 * 173);
    let by_type: BTreeMap<&str, u64> = s.by_line_type.iter().map(|(k, v)| (*k, *v)).collect();
    let expected: BTreeMap<&str, u64> = [
        ("DiscountedUsage", 3 * 24), // the master, RI-covered
        ("Usage", 3 * 6 * 24),       // root volume, 3 data transfer, 2 load balancers
        ("RIFee", 3),
        ("Tax", 3 * 2),
        ("Credit", 3),
        ("Fee", 3),
    ]
    .into_iter()
    .collect();
    assert_eq!(by_type, expected);

    // The month's CUR is read in 100-row chunks: 2025-09-30 is rows 0..173 of September's CUR (chunks
    // 0, 1); 2025-10-01 rows 0..173 of October's (0, 1); 2025-10-02 rows 173..346 (1, 2, 3).
    let all = files(dir.path());
    let src = "source=00000000-0000-0000-0000-000000000002";
    let mut names = BTreeSet::new();
    for (day, month, batches) in [
        ("2025-09-30", "09", vec![0, 1]),
        ("2025-10-01", "10", vec![0, 1]),
        ("2025-10-02", "10", vec![1, 2, 3]),
    ] {
        for i in batches {
            let stem = format!(
                "{day}_manifestid-1_basefile-{}-2025-cur_batch-{i}",
                if month == "09" {
                    "September"
                } else {
                    "October"
                }
            );
            names.insert(format!(
                "data/parquet/org1234567/AWS/{src}/year=2025/month={month}/{stem}_0.parquet"
            ));
            names.insert(format!(
                "data/parquet/daily/org1234567/AWS/raw/{src}/year=2025/month={month}/{stem}_daily_0.parquet"
            ));
        }
    }
    let written: BTreeSet<String> = all
        .keys()
        .filter(|k| k.ends_with(".parquet"))
        .cloned()
        .collect();
    assert_eq!(written, names);
    // Row counts per file: 100 + 73; 100 + 73; 27 + 100 + 46.
    let rows: Vec<usize> = aws_files(dir.path(), false)
        .iter()
        .map(|p| read(p).num_rows())
        .collect();
    assert_eq!(rows, vec![100, 73, 100, 73, 27, 100, 46]);
    assert!(all.contains_key("seed.sql") && all.contains_key("dataset.json"));

    // Physical types: Timestamp(ms, "UTC"), Float64 measures, Utf8 text.
    let h = read(&aws_files(dir.path(), false)[0]);
    let utc = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    let schema = h.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names.len(), 53);
    assert_eq!(&names[..2], ["bill_billtype", "bill_billingentity"]);
    assert_eq!(&names[51..], ["resourcetags", "costcategory"]);
    let dates = [
        "bill_billingperiodstartdate",
        "bill_billingperiodenddate",
        "lineitem_usagestartdate",
        "lineitem_usageenddate",
    ];
    let measures = [
        "lineitem_usageamount",
        "lineitem_normalizationfactor",
        "lineitem_normalizedusageamount",
        "lineitem_unblendedrate",
        "lineitem_unblendedcost",
        "lineitem_blendedrate",
        "lineitem_blendedcost",
        "pricing_publicondemandcost",
        "pricing_publicondemandrate",
        "savingsplan_savingsplaneffectivecost",
    ];
    for f in schema.fields() {
        let want = if dates.contains(&f.name().as_str()) {
            &utc
        } else if measures.contains(&f.name().as_str()) {
            &DataType::Float64
        } else {
            &DataType::Utf8
        };
        assert_eq!(f.data_type(), want, "hourly {}", f.name());
    }
    let d = read(&aws_files(dir.path(), true)[0]);
    let schema = d.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        &names[..3],
        [
            "lineitem_resourceid",
            "lineitem_usagestartdate",
            "bill_payeraccountid"
        ]
    );
    assert_eq!(names[names.len() - 1], "row_uuid");
    assert!(!names.contains(&"lineitem_usageenddate") && !names.contains(&"pricing_term"));
    for f in schema.fields() {
        let want = if f.name() == "lineitem_usagestartdate" {
            &utc
        } else if measures.contains(&f.name().as_str()) {
            &DataType::Float64
        } else {
            &DataType::Utf8
        };
        assert_eq!(f.data_type(), want, "daily {}", f.name());
    }
    // Daily usage start is the day at 00:00 UTC; row_uuid a v4 UUID.
    let start = d
        .column_by_name("lineitem_usagestartdate")
        .unwrap()
        .as_primitive::<TimestampMillisecondType>();
    let sep30 = NaiveDate::from_ymd_opt(2025, 9, 30)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    assert!(start.values().iter().all(|&v| v == sep30));
    for u in strs(&d, "row_uuid") {
        assert_eq!(uuid::Uuid::parse_str(&u).unwrap().get_version_num(), 4);
    }
    // Empty text is '' (never NULL).
    for c in h.columns() {
        assert_eq!(c.null_count(), 0);
    }
}

/// The 19 daily group keys of koku's `_generate_daily_data`, the day excepted.
const KEYS: [&str; 18] = [
    "lineitem_resourceid",
    "bill_payeraccountid",
    "lineitem_usageaccountid",
    "lineitem_legalentity",
    "lineitem_lineitemdescription",
    "bill_billingentity",
    "lineitem_productcode",
    "lineitem_availabilityzone",
    "lineitem_lineitemtype",
    "lineitem_usagetype",
    "lineitem_operation",
    "product_productfamily",
    "product_operatingsystem",
    "product_instancetype",
    "product_region",
    "pricing_unit",
    "resourcetags",
    "costcategory",
];
const SUMS: [&str; 6] = [
    "lineitem_usageamount",
    "lineitem_normalizedusageamount",
    "lineitem_unblendedcost",
    "lineitem_blendedcost",
    "pricing_publicondemandcost",
    "savingsplan_savingsplaneffectivecost",
];
const MAXES: [&str; 4] = [
    "lineitem_normalizationfactor",
    "lineitem_unblendedrate",
    "lineitem_blendedrate",
    "pricing_publicondemandrate",
];
const TEXT_MAXES: [&str; 5] = [
    "lineitem_currencycode",
    "bill_invoiceid",
    "product_productname",
    "product_vcpu",
    "product_memory",
];

type Agg = (Vec<f64>, Vec<f64>, Vec<String>);

/// Σ / max per (keys + UTC day) over the rows of one copy.
fn aggregate(b: &RecordBatch) -> HashMap<Vec<String>, Agg> {
    let start = b
        .column_by_name("lineitem_usagestartdate")
        .unwrap()
        .as_primitive::<TimestampMillisecondType>();
    let keys: Vec<Vec<String>> = KEYS.iter().map(|k| strs(b, k)).collect();
    let sums: Vec<Vec<f64>> = SUMS.iter().map(|k| f64s(b, k)).collect();
    let maxes: Vec<Vec<f64>> = MAXES.iter().map(|k| f64s(b, k)).collect();
    let texts: Vec<Vec<String>> = TEXT_MAXES.iter().map(|k| strs(b, k)).collect();
    let mut out: HashMap<Vec<String>, Agg> = HashMap::new();
    for i in 0..b.num_rows() {
        let mut key: Vec<String> = keys.iter().map(|c| c[i].clone()).collect();
        key.push(start.value(i).div_euclid(86_400_000).to_string());
        let e = out.entry(key).or_insert_with(|| {
            (
                vec![0.0; SUMS.len()],
                vec![f64::MIN; MAXES.len()],
                vec![String::new(); TEXT_MAXES.len()],
            )
        });
        for (j, c) in sums.iter().enumerate() {
            e.0[j] += c[i];
        }
        for (j, c) in maxes.iter().enumerate() {
            e.1[j] = e.1[j].max(c[i]);
        }
        for (j, c) in texts.iter().enumerate() {
            if c[i] > e.2[j] {
                e.2[j] = c[i].clone();
            }
        }
    }
    out
}

#[test]
fn daily_files_are_the_hourly_rows_re_aggregated_sorted_by_kokus_keys() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&small(), dir.path(), 2).unwrap();
    assert!(s.daily_rows < s.hourly_rows);
    let (hp, dp) = (aws_files(dir.path(), false), aws_files(dir.path(), true));
    assert_eq!(hp.len(), dp.len());
    assert!(hp.len() > 6, "several batches per day: {}", hp.len());
    for (h, d) in hp.iter().zip(&dp) {
        let (h, d) = (read(h), read(d));
        // Per batch: koku rolls up each batch on its own.
        let (ha, da) = (aggregate(&h), aggregate(&d));
        assert_eq!(da.len(), d.num_rows(), "one daily row per key in a file");
        assert_eq!(ha.len(), da.len(), "same keys");
        for (k, (hs, hm, ht)) in &ha {
            let (ds, dm, dt) = da.get(k).unwrap_or_else(|| panic!("daily lacks {k:?}"));
            for (a, b) in hs.iter().zip(ds) {
                assert!(
                    (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                    "{k:?}: Σ {a} vs {b}"
                );
            }
            assert_eq!(hm, dm, "{k:?}: max");
            assert_eq!(ht, dt, "{k:?}: text max");
        }
        // Sorted by the group keys, as pandas' groupby(sort=True) leaves them.
        let keys: Vec<Vec<String>> = KEYS.iter().map(|k| strs(&d, k)).collect();
        let rows: Vec<Vec<&str>> = (0..d.num_rows())
            .map(|i| keys.iter().map(|c| c[i].as_str()).collect())
            .collect();
        assert!(rows.windows(2).all(|w| w[0] < w[1]), "daily rows sorted");
    }
    // Over all files, per day too (the invariant consumers rely on).
    let (ha, da) = (aggregate(&all_rows(&hp)), aggregate(&all_rows(&dp)));
    assert_eq!(ha.len(), da.len());
    for (k, (hs, hm, _)) in &ha {
        let (ds, dm, _) = &da[k];
        for (a, b) in hs.iter().zip(ds) {
            assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{k:?}");
        }
        assert_eq!(hm, dm, "{k:?}");
    }
}

#[test]
fn the_line_item_mix_exercises_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = AwsConfig { days: 1, ..small() };
    generate(&cfg, dir.path(), 0).unwrap();
    let h = all_rows(&aws_files(dir.path(), false));
    let types: BTreeSet<String> = strs(&h, "lineitem_lineitemtype").into_iter().collect();
    for t in [
        "Usage",
        "DiscountedUsage",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "SavingsPlanRecurringFee",
        "RIFee",
        "Tax",
        "Credit",
        "Fee",
    ] {
        assert!(types.contains(t), "{t} lines");
    }
    let distinct = |c: &str| strs(&h, c).into_iter().collect::<BTreeSet<String>>();
    assert_eq!(
        distinct("lineitem_usageaccountid").len(),
        5,
        "usage accounts"
    );
    assert_eq!(distinct("bill_payeraccountid").len(), 1);
    assert!(
        distinct("lineitem_usageaccountid")
            .iter()
            .any(|a| a.starts_with('0') && a.len() == 12),
        "an account id with a leading zero"
    );
    let regions = distinct("product_region");
    for r in ["us-east-1", "us-west-2", "eu-west-1", ""] {
        assert!(regions.contains(r), "region {r:?}");
    }
    for p in [
        "AmazonEC2",
        "AmazonS3",
        "AmazonRDS",
        "AWSELB",
        "ComputeSavingsPlans",
    ] {
        assert!(distinct("lineitem_productcode").contains(p), "{p}");
    }
    assert!(distinct("bill_billingentity").contains("AWS Marketplace"));
    let families = distinct("product_productfamily");
    for f in [
        "Compute Instance",
        "Storage",
        "Data Transfer",
        "Database Instance",
    ] {
        assert!(families.contains(f), "{f}");
    }
    // Tags: koku's OCP-on-AWS keys and application keys, as sorted Python json.dumps; bounded.
    let tags = distinct("resourcetags");
    assert!(tags.contains("{}"));
    assert!(tags.iter().any(|t| t.contains("\"openshift_project\": \"")));
    assert!(tags.iter().any(|t| t.contains("\"openshift_node\": \"")));
    assert!(
        tags.iter()
            .any(|t| t.starts_with("{\"Name\": \"") && t.contains("\"app\": \""))
    );
    for t in &tags {
        let v: serde_json::Value = serde_json::from_str(t).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted keys: {t}");
    }
    // Every node and EBS volume of the cluster has its own tag set; the rest comes from small
    // vocabularies (16 apps × 4 environments × 12 cost centres, bucket and project tags).
    assert!(tags.len() < 400, "{} tag sets", tags.len());
    // Cost categories: BusinessUnit (one per account) × Environment (2), BusinessUnit alone on tax
    // lines, `{}`: at most 5 × 2 + 5 + 1 = 16.
    let categories = distinct("costcategory");
    assert!(
        categories.len() <= 16 && categories.len() > 5,
        "{categories:?}"
    );
    // Savings Plan: a covered line's cost is cancelled by its negation (same resource, same hour).
    let ty = strs(&h, "lineitem_lineitemtype");
    let res = strs(&h, "lineitem_resourceid");
    let cost = f64s(&h, "lineitem_unblendedcost");
    let eff = f64s(&h, "savingsplan_savingsplaneffectivecost");
    let mut net: HashMap<&str, f64> = HashMap::new();
    for i in 0..h.num_rows() {
        if ty[i].starts_with("SavingsPlanCovered") || ty[i] == "SavingsPlanNegation" {
            *net.entry(res[i].as_str()).or_default() += cost[i];
        }
        if ty[i] == "SavingsPlanCoveredUsage" {
            // Compute Savings Plan rate: 72% of on demand.
            assert!((eff[i] - 0.72 * cost[i]).abs() < 1e-12);
        }
    }
    assert!(!net.is_empty() && net.values().all(|v| v.abs() < 1e-9));
}

#[test]
fn the_cur_belongs_to_the_ocp_generators_cluster() {
    let (ocp_dir, aws_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ocp = cluster();
    koku_gen::generate(&ocp, ocp_dir.path(), 0).unwrap();
    let cfg = AwsConfig {
        extra_instances: 50,
        ..AwsConfig::for_cluster(&ocp)
    };
    generate(&cfg, aws_dir.path(), 0).unwrap();

    let ocp_files = |ty: &str| -> Vec<PathBuf> {
        files(ocp_dir.path())
            .keys()
            .filter(|k| k.starts_with("data/parquet/daily/") && k.contains(&format!("/OCP/{ty}/")))
            .map(|k| ocp_dir.path().join(k))
            .collect()
    };
    let pods = all_rows(&ocp_files("pod_usage"));
    let storage = all_rows(&ocp_files("storage_usage"));
    let node_labels = all_rows(&ocp_files("node_labels"));
    let aws = all_rows(&aws_files(aws_dir.path(), false));
    let res = strs(&aws, "lineitem_resourceid");
    let family = strs(&aws, "product_productfamily");
    let itype = strs(&aws, "product_instancetype");
    let zone = strs(&aws, "lineitem_availabilityzone");

    // Every OCP node resource id is the resource id of a cluster EC2 instance (koku's MAP pairs by
    // `contains`, its OCP-on-AWS matching by `ends_with`: equality satisfies both), of the node's
    // instance type.
    let node_type: HashMap<String, String> = strs(&node_labels, "node")
        .into_iter()
        .zip(strs(&node_labels, "node_labels"))
        .map(|(n, l)| {
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            (
                n,
                v["node_kubernetes_io_instance_type"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let ec2: HashMap<&str, &str> = (0..aws.num_rows())
        .filter(|&i| family[i] == "Compute Instance" && !res[i].is_empty())
        .map(|i| (res[i].as_str(), itype[i].as_str()))
        .collect();
    let node_ids: BTreeMap<String, String> = strs(&pods, "resource_id")
        .into_iter()
        .zip(strs(&pods, "node"))
        .collect();
    assert_eq!(node_ids.len(), 8, "one resource id per node");
    for (id, node) in &node_ids {
        assert!(id.starts_with("i-"), "{id}");
        assert_eq!(
            ec2.get(id.as_str()),
            Some(&node_type[node].as_str()),
            "{node} ({id})"
        );
        assert!(res.iter().any(|r| r.contains(id.as_str())));
    }

    // Every EBS CSI volume handle is the resource id of an EBS volume in the volume's zone, whose
    // hourly cost / (rate / hours of the month) is the volume's size (koku's OCP-on-AWS disk-capacity
    // inference, ocp-on-aws.md §4.4).
    let cost = f64s(&aws, "lineitem_unblendedcost");
    let rate = f64s(&aws, "lineitem_unblendedrate");
    let start = aws
        .column_by_name("lineitem_usagestartdate")
        .unwrap()
        .as_primitive::<TimestampMillisecondType>();
    let mut ebs: HashMap<(&str, i64), (f64, f64, &str)> = HashMap::new();
    for i in 0..aws.num_rows() {
        if family[i] == "Storage" && res[i].starts_with("vol-") {
            let e = ebs
                .entry((res[i].as_str(), start.value(i).div_euclid(86_400_000)))
                .or_insert((0.0, 0.0, zone[i].as_str()));
            e.0 = e.0.max(cost[i]);
            e.1 = e.1.max(rate[i]);
        }
    }
    let driver = strs(&storage, "csi_driver");
    let handle = strs(&storage, "csi_volume_handle");
    let labels = strs(&storage, "persistentvolume_labels");
    let capacity = f64s(&storage, "persistentvolumeclaim_capacity_bytes");
    let days = storage
        .column_by_name("interval_start")
        .unwrap()
        .as_primitive::<TimestampMillisecondType>();
    let mut checked = BTreeSet::new();
    for i in 0..storage.num_rows() {
        if driver[i] != "ebs.csi.aws.com" {
            continue;
        }
        let day = days.value(i).div_euclid(86_400_000);
        let (max_cost, max_rate, z) = ebs
            .get(&(handle[i].as_str(), day))
            .unwrap_or_else(|| panic!("no EBS line for {} on day {day}", handle[i]));
        let v: serde_json::Value = serde_json::from_str(&labels[i]).unwrap();
        assert_eq!(v["topology_kubernetes_io_zone"], *z, "{}", handle[i]);
        let date = chrono::DateTime::from_timestamp(day * 86_400, 0)
            .unwrap()
            .date_naive();
        let hours = if date.format("%m").to_string() == "09" {
            30.0
        } else {
            31.0
        } * 24.0;
        assert_eq!(
            (max_cost / (max_rate / hours)).round(),
            capacity[i] / GIB,
            "{}",
            handle[i]
        );
        checked.insert(handle[i].clone());
    }
    assert!(checked.len() >= 5, "{} EBS volumes checked", checked.len());
    // Shared (CephFS) and claimless volumes exist on the OCP side but have no own EBS line.
    assert!(driver.iter().any(|d| d.contains("cephfs")));
    for (i, d) in driver.iter().enumerate() {
        if d != "ebs.csi.aws.com" && !handle[i].is_empty() {
            assert!(!res.contains(&handle[i]));
        }
    }

    // The cluster's resources are tagged for koku's OCP-on-AWS tag matching.
    let tags = strs(&aws, "resourcetags");
    let node = node_ids.values().next().unwrap();
    assert!(
        tags.iter()
            .any(|t| t.contains(&format!("\"openshift_node\": \"{node}\""))
                && t.contains("\"openshift_cluster\": \"koku-gen-cluster\""))
    );

    // seed.sql: koku's rows for the AWS source.
    let sql = fs::read_to_string(aws_dir.path().join("seed.sql")).unwrap();
    assert!(sql.contains("INSERT INTO public.api_provider (uuid, name, type"));
    assert!(sql.contains("'AWS', 9002, 9002, true)"));
    assert!(sql.contains("INSERT INTO reporting_tenant_api_provider"));
    // One bill per month of the data (September and October).
    assert_eq!(
        sql.matches("INSERT INTO reporting_awscostentrybill")
            .count(),
        2
    );
    assert!(sql.contains("'2025-09-01 00:00:00+00', '2025-10-01 00:00:00+00'"));
    assert!(sql.contains("('openshift_project', true, 'AWS')"));
    assert!(sql.contains("('Name', false, 'AWS')"));
    assert!(sql.contains("INSERT INTO reporting_awsaccountalias"));
}
