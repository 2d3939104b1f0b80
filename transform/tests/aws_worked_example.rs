//! The worked example of `spec/aws-daily-summary.md` §9: the input rows r1–r9 of §9.1 built in memory,
//! written as an extract-stage work dir, transformed by `koku-transform aws`'s library entry point,
//! and every column of the 7 daily-summary rows (§9.3) and the 3 EC2 rows (§9.4) compared with the
//! spec's tables. The f64 measures are converted the way the load converts them
//! (`koku_load::numeric::to_numeric`, Trino's shortest-representation half-up rounding) and printed
//! with the column's scale, so the expectations are the spec's text (`3.744000000`).

mod aws_support;
use aws_support::worked_example::{spec_rows, spec_run};
use aws_support::{Row, V, check_run_constants, ms, outputs};

use koku_transform::aws::run::transform_aws;
use serde_json::{Value, json};

fn transformed() -> (Vec<Row>, Vec<Row>) {
    let dir = tempfile::tempdir().unwrap();
    let run = spec_run();
    // One batch per day, as koku writes a file per day.
    let rows = spec_rows();
    let (day1, day2): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| r["lineitem_usagestartdate"] == V::Ts(ms("2025-10-01")));
    aws_support::write_workdir(
        dir.path(),
        &run,
        &[aws_support::cur_batch(&day1), aws_support::cur_batch(&day2)],
    );
    transform_aws(dir.path()).unwrap();
    let (daily, ec2) = outputs(dir.path());
    check_run_constants(&run, &daily, &ec2);
    (daily, ec2)
}

/// A row of spec §9.3 / §9.4 with every written column: text as written (None = NULL), measures as
/// stored by the load (`numeric` text at the column's scale), doubles as f64, JSON as values.
struct Expected {
    name: &'static str,
    text: Vec<(&'static str, Option<&'static str>)>,
    ints: Vec<(&'static str, Option<i64>)>,
    /// (column, precision, scale, value)
    numerics: Vec<(&'static str, u32, u32, &'static str)>,
    doubles: Vec<(&'static str, f64)>,
    json: Vec<(&'static str, Value)>,
    resource_ids: Option<Vec<Option<&'static str>>>,
}

fn check(actual: &Row, e: &Expected) {
    for (c, v) in &e.text {
        assert_eq!(actual.s(c), *v, "{} {c}", e.name);
    }
    for (c, v) in &e.ints {
        assert_eq!(actual.i(c), *v, "{} {c}", e.name);
    }
    for (c, p, s, v) in &e.numerics {
        assert_eq!(actual.num(c, *p, *s), *v, "{} {c}", e.name);
    }
    for (c, v) in &e.doubles {
        assert_eq!(actual.f(c), Some(*v), "{} {c}", e.name);
    }
    for (c, v) in &e.json {
        assert_eq!(actual.json(c).as_ref(), Some(v), "{} {c}", e.name);
    }
    if let Some(ids) = &e.resource_ids {
        let got = actual.list("resource_ids");
        let want: Vec<Option<String>> = ids.iter().map(|s| s.map(str::to_string)).collect();
        assert_eq!(got, want, "{} resource_ids", e.name);
    }
}

/// The measure columns of koku's daily summary with their numeric types (spec §3.1).
const N9: [&str; 10] = [
    "usage_amount",
    "unblended_rate",
    "unblended_cost",
    "blended_rate",
    "blended_cost",
    "savingsplan_effective_cost",
    "public_on_demand_cost",
    "public_on_demand_rate",
    "markup_cost",
    "calculated_amortized_cost",
];

/// `(column, numeric text)` pairs in the order of [`N9`], then the two scale-15 markups, then
/// `markup_cost_amortized`.
fn measures(
    v9: [&'static str; 10],
    v15: [&'static str; 2],
    amortized_markup: &'static str,
) -> Vec<(&'static str, u32, u32, &'static str)> {
    let mut out: Vec<(&'static str, u32, u32, &'static str)> = N9
        .iter()
        .zip(v9)
        .map(|(c, v)| {
            let precision = if *c == "calculated_amortized_cost" {
                33
            } else {
                24
            };
            (*c, precision, 9, v)
        })
        .collect();
    out.push(("markup_cost_blended", 33, 15, v15[0]));
    out.push(("markup_cost_savingsplan", 33, 15, v15[1]));
    out.push(("markup_cost_amortized", 33, 9, amortized_markup));
    out
}

#[allow(clippy::too_many_arguments)]
fn daily(
    name: &'static str,
    day: &'static str,
    product_code: &'static str,
    dims: [Option<&'static str>; 5],
    ids: Vec<Option<&'static str>>,
    count: i64,
    nf_nu: (f64, f64),
    v9: [&'static str; 10],
    v15: [&'static str; 2],
    amortized_markup: &'static str,
    tags: Value,
    cost_category: Value,
) -> Expected {
    Expected {
        name,
        text: vec![
            ("usage_start", Some(day)),
            ("usage_end", Some(day)),
            ("usage_account_id", Some("111111111111")),
            ("product_code", Some(product_code)),
            ("product_family", dims[0]),
            ("availability_zone", dims[1]),
            ("region", dims[2]),
            ("instance_type", dims[3]),
            ("unit", dims[4]),
            ("currency_code", Some("USD")),
            ("source_uuid", Some(aws_support::SOURCE)),
        ],
        ints: vec![
            ("cost_entry_bill_id", Some(11)),
            ("account_alias_id", Some(5)),
            ("organizational_unit_id", None),
            ("resource_count", Some(count)),
        ],
        numerics: measures(v9, v15, amortized_markup),
        doubles: vec![
            ("normalization_factor", nf_nu.0),
            ("normalized_usage_amount", nf_nu.1),
        ],
        json: vec![("tags", tags), ("cost_category", cost_category)],
        resource_ids: Some(ids),
    }
}

#[test]
fn daily_summary_rows_of_spec_9_3() {
    let (rows, _) = transformed();
    let compute = [
        Some("Compute Instance"),
        Some("us-east-1a"),
        Some("us-east-1"),
    ];
    let storage = [Some("Storage"), Some("us-east-1a"), Some("us-east-1")];
    let dims = |fam: [Option<&'static str>; 3], it, unit| [fam[0], fam[1], fam[2], it, unit];
    let platform = json!({"team": "platform"});
    // measures: usage, unblended rate, unblended, blended rate, blended, SP, public cost, public
    // rate, markup (U×m), amortized; then markup_cost_blended (B×m), markup_cost_savingsplan (S×m);
    // then markup_cost_amortized (Am×m).
    let expected = [
        // D1a = r1 + r2 + r3: usage 24 + 24 + 0 (negation) = 48; U = 2.304 + 2.304 − 2.304 = 2.304;
        // S = 1.44; Am = 2.304 + 1.44 + 0 = 3.7439999999999998 → 3.744000000; P = 2.304 + 2.304 + 0;
        // NU = 96 × 3 = 288 (negation included); markups 0.2304, 0.144, 0.3744.
        daily(
            "D1a",
            "2025-10-01",
            "AmazonEC2",
            dims(compute, Some("m5.large"), Some("Hrs")),
            vec![Some("i-aaa"), Some("i-bbb")],
            2,
            (4.0, 288.0),
            [
                "48.000000000",
                "0.096000000",
                "2.304000000",
                "0.096000000",
                "2.304000000",
                "1.440000000",
                "4.608000000",
                "0.096000000",
                "0.230400000",
                "3.744000000",
            ],
            ["0.230400000000000", "0.144000000000000"],
            "0.374400000",
            json!({"app": "web"}),
            platform.clone(),
        ),
        // D1b = r4 (RI): costs 0, public 4.08 / 0.17.
        daily(
            "D1b",
            "2025-10-01",
            "AmazonEC2",
            dims(compute, Some("c5.xlarge"), Some("Hrs")),
            vec![Some("i-ccc")],
            1,
            (8.0, 192.0),
            [
                "24.000000000",
                "0.000000000",
                "0.000000000",
                "0.000000000",
                "0.000000000",
                "0.000000000",
                "4.080000000",
                "0.170000000",
                "0.000000000",
                "0.000000000",
            ],
            ["0.000000000000000", "0.000000000000000"],
            "0.000000000",
            json!({}),
            json!({}),
        ),
        // D1c = r5 (Tax): every dimension '' → NULL, resource_ids {''}; 0.52 × 0.1 =
        // 0.052000000000000005 → 0.052000000 / 0.052000000000000.
        daily(
            "D1c",
            "2025-10-01",
            "AmazonEC2",
            [None; 5],
            vec![Some("")],
            1,
            (0.0, 0.0),
            [
                "0.000000000",
                "0.000000000",
                "0.520000000",
                "0.000000000",
                "0.520000000",
                "0.000000000",
                "0.000000000",
                "0.000000000",
                "0.052000000",
                "0.520000000",
            ],
            ["0.052000000000000", "0.000000000000000"],
            "0.052000000",
            json!({}),
            json!({}),
        ),
        // D2a = r6.
        daily(
            "D2a",
            "2025-10-02",
            "AmazonEC2",
            dims(compute, Some("m5.large"), Some("Hrs")),
            vec![Some("i-aaa")],
            1,
            (4.0, 96.0),
            [
                "24.000000000",
                "0.096000000",
                "2.304000000",
                "0.096000000",
                "2.304000000",
                "0.000000000",
                "2.304000000",
                "0.096000000",
                "0.230400000",
                "2.304000000",
            ],
            ["0.230400000000000", "0.000000000000000"],
            "0.230400000",
            json!({"app": "api"}),
            platform,
        ),
        // D2b = r7, D2c = r8: raw tags differ, both filter to {} (two rows, §10.8).
        daily(
            "D2b",
            "2025-10-02",
            "AmazonEC2",
            dims(storage, None, Some("GB-Mo")),
            vec![Some("vol-111")],
            1,
            (0.0, 0.0),
            [
                "0.800000000",
                "0.080000000",
                "0.064000000",
                "0.080000000",
                "0.064000000",
                "0.000000000",
                "0.064000000",
                "0.080000000",
                "0.006400000",
                "0.064000000",
            ],
            ["0.006400000000000", "0.000000000000000"],
            "0.006400000",
            json!({}),
            json!({}),
        ),
        daily(
            "D2c",
            "2025-10-02",
            "AmazonEC2",
            dims(storage, None, Some("GB-Mo")),
            vec![Some("vol-222")],
            1,
            (0.0, 0.0),
            [
                "0.800000000",
                "0.080000000",
                "0.064000000",
                "0.080000000",
                "0.064000000",
                "0.000000000",
                "0.064000000",
                "0.080000000",
                "0.006400000",
                "0.064000000",
            ],
            ["0.006400000000000", "0.000000000000000"],
            "0.006400000",
            json!({}),
            json!({}),
        ),
        // D2d = r9 (Marketplace): product_code = the product name.
        daily(
            "D2d",
            "2025-10-02",
            "Acme Firewall",
            [None, None, None, None, Some("Hrs")],
            vec![Some("")],
            1,
            (0.0, 0.0),
            [
                "24.000000000",
                "0.050000000",
                "1.200000000",
                "0.050000000",
                "1.200000000",
                "0.000000000",
                "0.000000000",
                "0.000000000",
                "0.120000000",
                "1.200000000",
            ],
            ["0.120000000000000", "0.000000000000000"],
            "0.120000000",
            json!({}),
            json!({}),
        ),
    ];
    assert_eq!(rows.len(), 7, "{rows:#?}");
    for e in &expected {
        // The row of the same day and resource ids.
        let day = e.text[0].1;
        let ids: Vec<Option<String>> = e
            .resource_ids
            .as_ref()
            .unwrap()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect();
        let code = e.text[3].1;
        let matching: Vec<&Row> = rows
            .iter()
            .filter(|r| {
                r.s("usage_start") == day
                    && r.list("resource_ids") == ids
                    && r.s("product_code") == code
            })
            .collect();
        assert_eq!(matching.len(), 1, "{}: {matching:#?}", e.name);
        check(matching[0], e);
    }
}

#[allow(clippy::too_many_arguments)]
fn ec2(
    resource: &'static str,
    start_end: (&'static str, &'static str),
    name: Option<&'static str>,
    it: &'static str,
    vcpu: i64,
    nf_nu: (f64, f64),
    v9: [&'static str; 10],
    v15: [&'static str; 2],
    amortized_markup: &'static str,
    tags: Value,
    cost_category: Value,
) -> Expected {
    Expected {
        name: resource,
        text: vec![
            ("resource_id", Some(resource)),
            ("usage_start", Some(start_end.0)),
            ("usage_end", Some(start_end.1)),
            ("usage_account_id", Some("111111111111")),
            ("instance_name", name),
            ("instance_type", Some(it)),
            ("operating_system", Some("Linux")),
            ("region", Some("us-east-1")),
            ("memory", Some("8 GiB")),
            ("unit", Some("Hrs")),
            ("currency_code", Some("USD")),
            ("source_uuid", Some(aws_support::SOURCE)),
        ],
        ints: vec![
            ("cost_entry_bill_id", Some(11)),
            ("account_alias_id", Some(5)),
            ("vcpu", Some(vcpu)),
        ],
        numerics: measures(v9, v15, amortized_markup),
        doubles: vec![
            ("normalization_factor", nf_nu.0),
            ("normalized_usage_amount", nf_nu.1),
        ],
        json: vec![("tags", tags), ("cost_category", cost_category)],
        resource_ids: None,
    }
}

#[test]
fn ec2_compute_rows_of_spec_9_4() {
    let (_, rows) = transformed();
    let platform = json!({"team": "platform"});
    let expected = [
        // i-aaa: r1 + r6; latest day 10-02 → tags {"app": "api"}; U = 2.304 + 2.304 = 4.608;
        // NU = 96 + 96; markup 0.4608.
        ec2(
            "i-aaa",
            ("2025-10-01", "2025-10-02"),
            None,
            "m5.large",
            2,
            (4.0, 192.0),
            [
                "48.000000000",
                "0.096000000",
                "4.608000000",
                "0.096000000",
                "4.608000000",
                "0.000000000",
                "4.608000000",
                "0.096000000",
                "0.460800000",
                "4.608000000",
            ],
            ["0.460800000000000", "0.000000000000000"],
            "0.460800000",
            json!({"app": "api"}),
            platform.clone(),
        ),
        // i-bbb: r2 (covered: cost zeroed) + r3 (negation: usage 0, cost −2.304 kept) → U = B =
        // 0 + (−2.304) = −2.304 (§10.2); S = Am = 1.44 + 0; P = 2.304 + 0; NU = 96 + 96; rates
        // max(0.096, −0.096); markups −0.2304, 0.144.
        ec2(
            "i-bbb",
            ("2025-10-01", "2025-10-01"),
            None,
            "m5.large",
            2,
            (4.0, 192.0),
            [
                "24.000000000",
                "0.096000000",
                "-2.304000000",
                "0.096000000",
                "-2.304000000",
                "1.440000000",
                "2.304000000",
                "0.096000000",
                "-0.230400000",
                "1.440000000",
            ],
            ["-0.230400000000000", "0.144000000000000"],
            "0.144000000",
            json!({"app": "web"}),
            platform,
        ),
        // i-ccc: r4; instance_name = its Name tag, although Name is not enabled.
        ec2(
            "i-ccc",
            ("2025-10-01", "2025-10-01"),
            Some("db-1"),
            "c5.xlarge",
            4,
            (8.0, 192.0),
            [
                "24.000000000",
                "0.000000000",
                "0.000000000",
                "0.000000000",
                "0.000000000",
                "0.000000000",
                "4.080000000",
                "0.170000000",
                "0.000000000",
                "0.000000000",
            ],
            ["0.000000000000000", "0.000000000000000"],
            "0.000000000",
            json!({}),
            json!({}),
        ),
    ];
    assert_eq!(rows.len(), 3, "{rows:#?}");
    for (r, e) in rows.iter().zip(&expected) {
        check(r, e);
    }
}
