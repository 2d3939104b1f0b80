//! Rules of `spec/aws-daily-summary.md` that neither the worked example nor the fixtures pin down,
//! each on a few rows written in the test (see the table in `aws_scenarios.rs`), and
//! `koku-transform aws` as a command.

mod aws_support;
use aws_support::{
    AwsRun, CurRow, Row, V, all, assert_cols, cur_batch, date, ms, one, outputs, with,
    write_workdir,
};

use V::{F, Null, T, Ts};
use assert_cmd::Command;
use koku_common::schema::aws::{
    AWS_DAILY_SUMMARY, AWS_DAILY_SUMMARY_TABLE as DS, AWS_EC2_COMPUTE_SUMMARY,
    AWS_EC2_COMPUTE_SUMMARY_TABLE as EC2,
};
use koku_transform::aws::ec2::Ec2Scope;
use koku_transform::aws::run::{AwsOptions, transform_aws_with};
use koku_transform::core::options::TransformOptions;
use predicates::prelude::*;

fn run() -> AwsRun {
    AwsRun {
        start: date("2025-10-01"),
        end: date("2025-10-02"),
        bill_id: 7,
        markup: 0.1,
        enabled_keys: vec!["app".into()],
        aliases: vec![(1, "111111111111".into())],
        ous: vec![],
    }
}

/// An on-demand EC2 compute line of 2025-10-01 00:00 (one hour).
fn line() -> CurRow {
    [
        ("lineitem_usagestartdate", Ts(ms("2025-10-01"))),
        ("bill_billingentity", T("AWS")),
        ("lineitem_productcode", T("AmazonEC2")),
        ("product_productname", T("Amazon Elastic Compute Cloud")),
        ("product_productfamily", T("Compute Instance")),
        ("lineitem_usageaccountid", T("111111111111")),
        ("lineitem_availabilityzone", T("us-east-1a")),
        ("product_region", T("us-east-1")),
        ("resourcetags", T(r#"{"app": "web"}"#)),
        ("costcategory", T("{}")),
        ("product_instancetype", T("m5.large")),
        ("pricing_unit", T("Hrs")),
        ("lineitem_lineitemtype", T("Usage")),
        ("lineitem_resourceid", T("i-1")),
        ("product_operatingsystem", T("Linux")),
        ("product_vcpu", T("2")),
        ("product_memory", T("8 GiB")),
        ("lineitem_currencycode", T("USD")),
        ("lineitem_usageamount", F(1.0)),
        ("lineitem_unblendedcost", F(0.5)),
        ("lineitem_blendedcost", F(0.5)),
        ("lineitem_unblendedrate", F(0.5)),
        ("lineitem_blendedrate", F(0.5)),
        ("savingsplan_savingsplaneffectivecost", F(0.0)),
        ("pricing_publicondemandcost", F(0.5)),
        ("pricing_publicondemandrate", F(0.5)),
        ("lineitem_normalizationfactor", F(4.0)),
        ("lineitem_normalizedusageamount", F(4.0)),
    ]
    .into_iter()
    .collect()
}

fn opts(threads: usize) -> TransformOptions {
    TransformOptions {
        progress: false,
        threads,
    }
}

/// Transform these batches; the error text, or the daily and EC2 rows.
fn transform_with(
    run: &AwsRun,
    batches: &[Vec<CurRow>],
    scope: Ec2Scope,
) -> Result<(Vec<Row>, Vec<Row>), String> {
    let dir = tempfile::tempdir().unwrap();
    let batches: Vec<_> = batches.iter().map(|b| cur_batch(b)).collect();
    write_workdir(dir.path(), run, &batches);
    transform_aws_with(
        dir.path(),
        &opts(1),
        &AwsOptions {
            ec2_scope: scope,
            ..AwsOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(outputs(dir.path()))
}

/// koku's EC2 step is behind a feature flag: `--skip-ec2` computes the daily summary only and records
/// no EC2 dataset, so the load leaves koku's EC2 table alone.
#[test]
fn skip_ec2_records_no_ec2_dataset() {
    let dir = tempfile::tempdir().unwrap();
    write_workdir(dir.path(), &run(), &[cur_batch(&[line()])]);
    let report = transform_aws_with(
        dir.path(),
        &opts(1),
        &AwsOptions {
            skip_ec2: true,
            ..AwsOptions::default()
        },
    )
    .unwrap();
    assert_eq!(report.daily_summary_rows, 1);
    let wd = koku_common::workdir::WorkDir::open(dir.path()).unwrap();
    let st = wd.stage(koku_common::workdir::stage::TRANSFORM).unwrap();
    assert!(st.outputs.contains_key(AWS_DAILY_SUMMARY.name));
    assert!(
        !st.outputs.contains_key(AWS_EC2_COMPUTE_SUMMARY.name),
        "{st:?}"
    );
    assert!(
        !dir.path()
            .join(AWS_EC2_COMPUTE_SUMMARY.file_name())
            .exists()
    );
    assert_eq!(st.details["ec2_skipped"], true);
}

fn transform(rows: Vec<CurRow>) -> (Vec<Row>, Vec<Row>) {
    transform_with(&run(), &[rows], Ec2Scope::default()).unwrap()
}

#[test]
fn window_filter_and_null_timestamps() {
    // Window 10-01..10-02 of a partition that also holds 10-05, a September-dated line and a NULL
    // timestamp. Costs are powers of two so that every sum is exact.
    let at = |ts: V, cost: f64| {
        with(
            &line(),
            &[
                ("lineitem_usagestartdate", ts),
                ("lineitem_unblendedcost", F(cost)),
            ],
        )
    };
    let (daily, ec2) = transform(vec![
        at(Ts(ms("2025-09-30 23:00")), 1.0),
        at(Ts(ms("2025-10-01")), 2.0),
        at(Ts(ms("2025-10-02 23:59")), 4.0),
        at(Ts(ms("2025-10-03")), 8.0),
        at(Ts(ms("2025-10-05")), 16.0),
        at(Null, 32.0),
    ]);
    // `start ≤ ts < end + 1 day`: 10-01 00:00 and 10-02 23:59 only.
    assert_eq!(daily.len(), 2);
    assert_cols(
        "10-01",
        one(&daily, &DS, &[("usage_start", "2025-10-01")]),
        &DS,
        &[("unblended_cost", "2.000000000")],
    );
    assert_cols(
        "10-02",
        one(&daily, &DS, &[("usage_start", "2025-10-02")]),
        &DS,
        &[("unblended_cost", "4.000000000")],
    );
    // The EC2 summary reads the whole partition, NULL timestamps included (its sums do; min/max
    // day ignore them). Its first day, 09-30, is before the month: koku's row, the default.
    assert_eq!(ec2.len(), 1, "default scope: koku's row, before the month");
    let (_, koku) = transform_with(
        &run(),
        &[vec![
            at(Ts(ms("2025-09-30 23:00")), 1.0),
            at(Ts(ms("2025-10-01")), 2.0),
            at(Ts(ms("2025-10-02 23:59")), 4.0),
            at(Ts(ms("2025-10-03")), 8.0),
            at(Ts(ms("2025-10-05")), 16.0),
            at(Null, 32.0),
        ]],
        Ec2Scope::Koku,
    )
    .unwrap();
    assert_eq!(koku.len(), 1);
    assert_cols(
        "EC2",
        &koku[0],
        &EC2,
        &[
            ("usage_start", "2025-09-30"),
            ("usage_end", "2025-10-05"),
            ("unblended_cost", "63.000000000"),
        ],
    );
    assert_eq!(ec2, koku);
    // The fix leaves it out.
    let (_, window) = transform_with(
        &run(),
        &[vec![
            at(Ts(ms("2025-09-30 23:00")), 1.0),
            at(Ts(ms("2025-10-01")), 2.0),
            at(Null, 32.0),
        ]],
        Ec2Scope::Window,
    )
    .unwrap();
    assert!(window.is_empty(), "--ec2-scope window: left out");
}

#[test]
fn empty_and_null_are_different_groups() {
    // Same visible values, different raw keys: '' and NULL family; '{}' and NULL tags.
    let (daily, _) = transform(vec![
        with(
            &line(),
            &[
                ("product_productfamily", T("")),
                ("lineitem_resourceid", T("a")),
            ],
        ),
        with(
            &line(),
            &[
                ("product_productfamily", Null),
                ("lineitem_resourceid", T("b")),
            ],
        ),
        with(
            &line(),
            &[("resourcetags", T("{}")), ("lineitem_resourceid", T("c"))],
        ),
        with(
            &line(),
            &[("resourcetags", Null), ("lineitem_resourceid", T("d"))],
        ),
        with(
            &line(),
            &[
                ("bill_billingentity", Null),
                ("lineitem_resourceid", T("e")),
            ],
        ),
        with(&line(), &[("lineitem_resourceid", T("f"))]),
        with(&line(), &[("lineitem_resourceid", T("g"))]),
    ]);
    assert_eq!(
        daily.len(),
        6,
        "f and g share a group, every other row is its own"
    );
    for id in ["a", "b"] {
        assert_cols(
            id,
            one(&daily, &DS, &[("resource_ids", &format!("{{{id}}}"))]),
            &DS,
            &[("product_family", "NULL"), ("usage_amount", "1.000000000")],
        );
    }
    assert_cols(
        "c",
        one(&daily, &DS, &[("resource_ids", "{c}")]),
        &DS,
        &[("tags", "{}")],
    );
    assert_cols(
        "d",
        one(&daily, &DS, &[("resource_ids", "{d}")]),
        &DS,
        &[("tags", "NULL")],
    );
    // NULL billing entity: not Marketplace, the product code.
    assert_cols(
        "e",
        one(&daily, &DS, &[("resource_ids", "{e}")]),
        &DS,
        &[("product_code", "AmazonEC2")],
    );
    assert_cols(
        "fg",
        one(&daily, &DS, &[("resource_ids", "{f,g}")]),
        &DS,
        &[("resource_count", "2"), ("usage_amount", "2.000000000")],
    );
}

#[test]
fn resource_ids_keep_null_and_count_excludes_it() {
    let (daily, _) = transform(vec![
        with(&line(), &[("lineitem_resourceid", T("b"))]),
        with(&line(), &[("lineitem_resourceid", Null)]),
        with(&line(), &[("lineitem_resourceid", T(""))]),
        with(&line(), &[("lineitem_resourceid", T("a"))]),
        with(&line(), &[("lineitem_resourceid", T("b"))]),
        with(&line(), &[("lineitem_resourceid", T("B"))]),
    ]);
    assert_eq!(daily.len(), 1);
    // Distinct, byte order, NULL first; count(DISTINCT) leaves NULL out but counts ''.
    assert_eq!(
        daily[0].list("resource_ids"),
        [None, Some(""), Some("B"), Some("a"), Some("b")].map(|s| s.map(str::to_string))
    );
    assert_eq!(daily[0].i("resource_count"), Some(4));
}

#[test]
fn no_enabled_key_gives_empty_tags() {
    let mut r = run();
    r.enabled_keys.clear();
    let (daily, ec2) = transform_with(&r, &[vec![line()]], Ec2Scope::default()).unwrap();
    assert_eq!(daily[0].s("tags"), Some("{}"));
    assert_eq!(ec2[0].s("tags"), Some("{}"));
}

#[test]
fn marketplace_product_code_falls_back_and_both_empty_is_refused() {
    let mp = |name: &'static str, code: &'static str, rid: &'static str| {
        with(
            &line(),
            &[
                ("bill_billingentity", T("AWS Marketplace")),
                ("product_productname", T(name)),
                ("lineitem_productcode", T(code)),
                ("lineitem_resourceid", T(rid)),
            ],
        )
    };
    let (daily, _) = transform(vec![mp("Firewall", "abc", "a"), mp("", "abc", "b")]);
    assert_cols(
        "name",
        one(&daily, &DS, &[("resource_ids", "{a}")]),
        &DS,
        &[("product_code", "Firewall")],
    );
    assert_cols(
        "code",
        one(&daily, &DS, &[("resource_ids", "{b}")]),
        &DS,
        &[("product_code", "abc")],
    );
    let err = transform_with(
        &run(),
        &[vec![line(), mp("", "", "c")]],
        Ec2Scope::default(),
    )
    .unwrap_err();
    assert!(
        err.contains("row 1, column lineitem_productcode")
            && err.contains(r#"bill_billingentity "AWS Marketplace""#)
            && err.contains(r#"lineitem_resourceid "c""#),
        "{err}"
    );
}

#[test]
fn null_account_or_currency_is_refused() {
    let err = transform_with(
        &run(),
        &[vec![
            line(),
            with(&line(), &[("lineitem_usageaccountid", Null)]),
        ]],
        Ec2Scope::default(),
    )
    .unwrap_err();
    assert!(
        err.contains("row 1, column lineitem_usageaccountid")
            && err.contains("usage_account_id would be NULL"),
        "{err}"
    );
    // A NULL currency in one row of a group is ignored by max(); all NULL fails.
    let (daily, _) = transform(vec![
        line(),
        with(&line(), &[("lineitem_currencycode", Null)]),
    ]);
    assert_eq!(daily[0].s("currency_code"), Some("USD"));
    let err = transform_with(
        &run(),
        &[vec![with(
            &line(),
            &[
                ("lineitem_currencycode", Null),
                ("lineitem_resourceid", T("x")),
            ],
        )]],
        Ec2Scope::default(),
    )
    .unwrap_err();
    assert!(
        err.contains("column lineitem_currencycode") && err.contains("currency_code would be NULL"),
        "{err}"
    );
}

#[test]
fn explicit_varchar_casts_truncate_characters() {
    // koku casts usage_account_id and availability_zone to varchar(50), currency_code to
    // varchar(10): Trino truncates to that many characters. The alias joins the raw account.
    let account: &'static str = "123456789012345678901234567890123456789012345678901234567890"; // 60
    let zone: &'static str = "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé"; // 60 é
    let currency: &'static str = "USDOLLARS-EXTRA";
    let mut r = run();
    r.aliases = vec![(9, account.into())];
    let row = with(
        &line(),
        &[
            ("lineitem_usageaccountid", T(account)),
            ("lineitem_availabilityzone", T(zone)),
            ("lineitem_currencycode", T(currency)),
        ],
    );
    let (daily, ec2) = transform_with(&r, &[vec![row]], Ec2Scope::default()).unwrap();
    let d = &daily[0];
    assert_eq!(d.s("usage_account_id"), Some(&account[..50]));
    assert_eq!(d.s("availability_zone").unwrap().chars().count(), 50);
    assert!(d.s("availability_zone").unwrap().chars().all(|c| c == 'é'));
    assert_eq!(d.s("currency_code"), Some("USDOLLARS-"));
    assert_eq!(d.i("account_alias_id"), Some(9));
    assert_eq!(ec2[0].s("usage_account_id"), Some(&account[..50]));
    assert_eq!(ec2[0].s("currency_code"), Some("USDOLLARS-"));
    assert_eq!(ec2[0].i("account_alias_id"), Some(9));
}

#[test]
fn latest_values_need_a_midnight_row_on_the_last_day() {
    let at = |rid: &'static str, ts: &str, extra: &[(&'static str, V)]| {
        let mut r = with(
            &line(),
            &[
                ("lineitem_resourceid", T(rid)),
                ("lineitem_usagestartdate", Ts(ms(ts))),
            ],
        );
        r = with(&r, extra);
        r
    };
    let (_, ec2) = transform(vec![
        // i-a: its last day's row is not at midnight (koku compares the timestamp with the date).
        at("i-a", "2025-10-01", &[]),
        at("i-a", "2025-10-02 12:00", &[]),
        // i-b: a later line of another product carries its id: last(i-b) is that day, no L.
        at("i-b", "2025-10-01", &[]),
        at(
            "i-b",
            "2025-10-02",
            &[("lineitem_productcode", T("AmazonCloudWatch"))],
        ),
        // i-c: the latest values come from the last day only (instance type, memory, vCPU, tags).
        at(
            "i-c",
            "2025-10-01",
            &[("product_instancetype", T("t3.small"))],
        ),
        at(
            "i-c",
            "2025-10-02",
            &[
                ("product_instancetype", T("m5.xlarge")),
                ("product_memory", T("")),
                ("product_vcpu", T("+4")),
                ("resourcetags", T(r#"{"Name": "web", "app": "x"}"#)),
                ("product_operatingsystem", T("")),
            ],
        ),
        // i-d: family "Compute Instance (bare metal)" matches %Compute Instance%; a lower-case one
        // does not.
        at(
            "i-d",
            "2025-10-01",
            &[("product_productfamily", T("Compute Instance (bare metal)"))],
        ),
        at(
            "i-e",
            "2025-10-01",
            &[("product_productfamily", T("compute instance"))],
        ),
    ]);
    let ids: Vec<_> = ec2.iter().map(|r| r.s("resource_id").unwrap()).collect();
    assert_eq!(ids, ["i-c", "i-d"]);
    assert_cols(
        "i-c",
        &ec2[0],
        &EC2,
        &[
            ("usage_start", "2025-10-01"),
            ("usage_end", "2025-10-02"),
            ("instance_type", "m5.xlarge"),
            ("memory", "NULL"),
            ("vcpu", "4"),
            ("instance_name", "web"),
            ("tags", r#"{"app": "x"}"#),
            // max over the month after '' → NULL: the 10-01 row's Linux.
            ("operating_system", "Linux"),
            ("usage_amount", "2.000000000"),
        ],
    );
}

#[test]
fn non_integer_vcpu_is_refused() {
    // "2.5" only on an older day: not in L, never cast.
    let older = with(&line(), &[("product_vcpu", T("2.5"))]);
    let latest = with(
        &line(),
        &[("lineitem_usagestartdate", Ts(ms("2025-10-02")))],
    );
    let (_, ec2) = transform(vec![older, latest.clone()]);
    assert_eq!(ec2[0].i("vcpu"), Some(2));
    for bad in ["2.5", " 2", "two", "99999999999"] {
        let err = transform_with(
            &run(),
            &[vec![line(), with(&latest, &[("product_vcpu", T(bad))])]],
            Ec2Scope::default(),
        )
        .unwrap_err();
        assert!(
            err.contains("row 1, column product_vcpu")
                && err.contains(&format!("{bad:?} is not an integer"))
                && err.contains("\"i-1\"")
                && err.contains("2025-10-02"),
            "{err}"
        );
    }
}

#[test]
fn ec2_rows_after_the_end_date_are_left_out() {
    // Window 10-01..10-02; i-late first appears on 10-05 (data beyond the summarised range).
    let rows = vec![
        line(),
        with(
            &line(),
            &[
                ("lineitem_resourceid", T("i-late")),
                ("lineitem_usagestartdate", Ts(ms("2025-10-05"))),
            ],
        ),
    ];
    let (_, window) =
        transform_with(&run(), std::slice::from_ref(&rows), Ec2Scope::Window).unwrap();
    assert_eq!(window.len(), 1);
    assert_eq!(window[0].s("resource_id"), Some("i-1"));
    let (_, clamp) =
        transform_with(&run(), std::slice::from_ref(&rows), Ec2Scope::ClampToMonth).unwrap();
    assert_eq!(clamp, window, "clamping moves only rows before the month");
    let (_, koku) = transform_with(&run(), &[rows], Ec2Scope::Koku).unwrap();
    assert_eq!(koku.len(), 2);
    assert_cols(
        "i-late",
        &koku[1],
        &EC2,
        &[("resource_id", "i-late"), ("usage_start", "2025-10-05")],
    );
}

#[test]
fn savings_plan_types_in_both_summaries() {
    // One group of every kind of line: usage of the negation is 0 in both; EC2 zeroes the covered
    // cost; amortized takes the SP effective cost for the four SavingsPlan* types.
    let t = |ty: &'static str, cost: f64, sp: f64| {
        with(
            &line(),
            &[
                ("lineitem_lineitemtype", T(ty)),
                ("lineitem_unblendedcost", F(cost)),
                ("lineitem_blendedcost", F(cost)),
                ("savingsplan_savingsplaneffectivecost", F(sp)),
            ],
        )
    };
    let (daily, ec2) = transform(vec![
        t("Usage", 1.0, 0.0),
        t("SavingsPlanCoveredUsage", 2.0, 0.5),
        t("SavingsPlanNegation", -2.0, 0.0),
        t("SavingsPlanRecurringFee", 4.0, 0.25),
        t("SavingsPlanUpfrontFee", 8.0, 0.125),
        t("RIFee", 16.0, 32.0),
    ]);
    // usage: 1 + 1 + 0 + 1 + 1 + 1 = 5; U = 1 + 2 − 2 + 4 + 8 + 16 = 29; S = 0.875 + 32;
    // Am = 1 + 0.5 + 0 + 0.25 + 0.125 + 16 = 17.875.
    assert_cols(
        "daily",
        &daily[0],
        &DS,
        &[
            ("usage_amount", "5.000000000"),
            ("unblended_cost", "29.000000000"),
            ("blended_cost", "29.000000000"),
            ("savingsplan_effective_cost", "32.875000000"),
            ("calculated_amortized_cost", "17.875000000"),
            ("normalized_usage_amount", "24.0"),
        ],
    );
    // EC2: U = 29 − 2 (covered zeroed) = 27.
    assert_cols(
        "ec2",
        &ec2[0],
        &EC2,
        &[
            ("usage_amount", "5.000000000"),
            ("unblended_cost", "27.000000000"),
            ("blended_cost", "27.000000000"),
            ("calculated_amortized_cost", "17.875000000"),
        ],
    );
}

#[test]
fn thread_count_does_not_change_the_files() {
    // 10 days in batches that mix days, out of order, with tags and OUs on some days.
    let mut r = run();
    r.start = date("2025-10-01");
    r.end = date("2025-10-10");
    r.ous = vec![(
        3,
        Some(1),
        Some(aws_support::SOURCE.into()),
        Some(date("2025-10-04")),
        None,
    )];
    let tags = [r#"{"app": "a"}"#, r#"{"app": "b", "x": "1"}"#, "{}"];
    let mut batches: Vec<Vec<CurRow>> = vec![Vec::new(); 4];
    for i in 0..200usize {
        let day = 10 - (i * 7 % 10);
        let ts: &'static str =
            Box::leak(format!("2025-10-{day:02} {:02}:00", i % 24).into_boxed_str());
        let rid: &'static str = Box::leak(format!("i-{}", i % 13).into_boxed_str());
        batches[i % 4].push(with(
            &line(),
            &[
                ("lineitem_usagestartdate", Ts(ms(ts))),
                ("lineitem_resourceid", T(rid)),
                ("resourcetags", T(tags[i % 3])),
                ("lineitem_unblendedcost", F(0.1 * i as f64)),
            ],
        ));
    }
    let batches: Vec<_> = batches.iter().map(|b| cur_batch(b)).collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in [1, 2, 4] {
        let dir = tmp.path().join(format!("t{threads}"));
        write_workdir(&dir, &r, &batches);
        transform_aws_with(&dir, &opts(threads), &AwsOptions::default()).unwrap();
        files.push(
            [&AWS_DAILY_SUMMARY, &AWS_EC2_COMPUTE_SUMMARY]
                .map(|d| std::fs::read(dir.join(d.file_name())).unwrap()),
        );
    }
    assert!(files[0] == files[1] && files[0] == files[2]);
    let (daily, _) = outputs(&tmp.path().join("t1"));
    assert_eq!(
        all(&daily, &DS, &[("organizational_unit_id", "3")]).len(),
        daily
            .iter()
            .filter(|d| d.s("usage_start").unwrap() >= "2025-10-04")
            .count(),
        "OU 3 from its creation day on"
    );
}

#[test]
fn an_empty_partition_gives_empty_outputs() {
    let (daily, ec2) = transform(vec![]);
    assert!(daily.is_empty() && ec2.is_empty());
    // Rows, but none in the window (and no EC2 instance): still a successful, empty run.
    let (daily, ec2) = transform(vec![with(
        &line(),
        &[
            ("lineitem_usagestartdate", Ts(ms("2025-10-20"))),
            ("lineitem_productcode", T("AmazonS3")),
        ],
    )]);
    assert!(daily.is_empty() && ec2.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

#[test]
fn command_transforms_reruns_identically_and_refuses_other_flows() {
    let dir = tempfile::tempdir().unwrap();
    write_workdir(dir.path(), &run(), &[cur_batch(&[line()])]);
    let bin = || Command::cargo_bin("koku-transform").unwrap();
    bin()
        .args(["aws", "--threads", "2"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1 daily summary rows over 1 days, 1 EC2 compute rows",
        ));
    let first = std::fs::read(dir.path().join(AWS_DAILY_SUMMARY.file_name())).unwrap();
    bin().arg("aws").arg(dir.path()).assert().success();
    assert_eq!(
        first,
        std::fs::read(dir.path().join(AWS_DAILY_SUMMARY.file_name())).unwrap()
    );
    // An AWS work dir is not an OCP one, and the other way round.
    bin()
        .arg("ocp")
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("flow is \"aws\""));
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("aws").and(predicate::str::contains("OpenShift")));
    bin()
        .args(["aws", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("koku-transform aws /tmp/w"));
}
