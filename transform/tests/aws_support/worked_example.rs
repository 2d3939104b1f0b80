//! Spec §9.1's input rows r1–r9 and §9's tenant inputs, shared by the worked-example test and the
//! scenario test of the `testdata/aws/worked-example` fixture (which must give the same rows).

use super::{AwsRun, CurRow, V, date, ms, with};

const ACE: &str = "Amazon Elastic Compute Cloud";

/// Spec §9.1: r1..r9 (the columns not listed there are NULL, as in a file without them).
pub fn spec_rows() -> Vec<CurRow> {
    use V::{F, T, Ts};
    let common: CurRow = [
        ("lineitem_usageaccountid", T("111111111111")),
        ("lineitem_currencycode", T("USD")),
        ("lineitem_productcode", T("AmazonEC2")),
        ("bill_billingentity", T("AWS")),
        ("product_productname", T(ACE)),
    ]
    .into_iter()
    .collect();
    // A compute line: family, zone, region, unit and its measures.
    #[allow(clippy::too_many_arguments)]
    let compute = |day: &str,
                   ty: &'static str,
                   rid: &'static str,
                   it: &'static str,
                   tags: &'static str,
                   cc: &'static str,
                   m: [f64; 10],
                   vcpu: &'static str| {
        with(
            &common,
            &[
                ("lineitem_usagestartdate", Ts(ms(day))),
                ("lineitem_lineitemtype", T(ty)),
                ("lineitem_resourceid", T(rid)),
                ("product_productfamily", T("Compute Instance")),
                ("lineitem_availabilityzone", T("us-east-1a")),
                ("product_region", T("us-east-1")),
                ("product_instancetype", T(it)),
                ("pricing_unit", T("Hrs")),
                ("resourcetags", T(tags)),
                ("costcategory", T(cc)),
                ("product_operatingsystem", T("Linux")),
                ("product_vcpu", T(vcpu)),
                ("product_memory", T("8 GiB")),
                ("lineitem_usageamount", F(m[0])),
                ("lineitem_unblendedcost", F(m[1])),
                ("lineitem_blendedcost", F(m[2])),
                ("lineitem_unblendedrate", F(m[3])),
                ("lineitem_blendedrate", F(m[3])),
                ("savingsplan_savingsplaneffectivecost", F(m[4])),
                ("pricing_publicondemandcost", F(m[5])),
                ("pricing_publicondemandrate", F(m[6])),
                ("lineitem_normalizationfactor", F(m[7])),
                ("lineitem_normalizedusageamount", F(m[8])),
            ],
        )
    };
    let web = r#"{"app": "web", "owner": "bob"}"#;
    let platform = r#"{"team": "platform"}"#;
    // usage, unblended, blended, rate, SP eff., public cost, public rate, NF, NU, (unused)
    let r1 = compute(
        "2025-10-01",
        "Usage",
        "i-aaa",
        "m5.large",
        web,
        platform,
        [24.0, 2.304, 2.304, 0.096, 0.0, 2.304, 0.096, 4.0, 96.0, 0.0],
        "2",
    );
    let r2 = compute(
        "2025-10-01",
        "SavingsPlanCoveredUsage",
        "i-bbb",
        "m5.large",
        web,
        platform,
        [
            24.0, 2.304, 2.304, 0.096, 1.44, 2.304, 0.096, 4.0, 96.0, 0.0,
        ],
        "2",
    );
    let r3 = compute(
        "2025-10-01",
        "SavingsPlanNegation",
        "i-bbb",
        "m5.large",
        web,
        platform,
        [24.0, -2.304, -2.304, -0.096, 0.0, 0.0, 0.0, 4.0, 96.0, 0.0],
        "2",
    );
    let r4 = compute(
        "2025-10-01",
        "DiscountedUsage",
        "i-ccc",
        "c5.xlarge",
        r#"{"Name": "db-1"}"#,
        "{}",
        [24.0, 0.0, 0.0, 0.0, 0.0, 4.08, 0.17, 8.0, 192.0, 0.0],
        "4",
    );
    let r6 = compute(
        "2025-10-02",
        "Usage",
        "i-aaa",
        "m5.large",
        r#"{"app": "api", "owner": "bob"}"#,
        platform,
        [24.0, 2.304, 2.304, 0.096, 0.0, 2.304, 0.096, 4.0, 96.0, 0.0],
        "2",
    );
    // A line without product details: family, zone, region, type, unit, resource id all ''.
    let bare = |day: &str, ty: &'static str, unit: &'static str, m: [f64; 7]| {
        with(
            &common,
            &[
                ("lineitem_usagestartdate", Ts(ms(day))),
                ("lineitem_lineitemtype", T(ty)),
                ("lineitem_resourceid", T("")),
                ("product_productfamily", T("")),
                ("lineitem_availabilityzone", T("")),
                ("product_region", T("")),
                ("product_instancetype", T("")),
                ("pricing_unit", T(unit)),
                ("resourcetags", T("{}")),
                ("costcategory", T("{}")),
                ("product_operatingsystem", T("")),
                ("product_vcpu", T("")),
                ("product_memory", T("")),
                ("lineitem_usageamount", F(m[0])),
                ("lineitem_unblendedcost", F(m[1])),
                ("lineitem_blendedcost", F(m[1])),
                ("lineitem_unblendedrate", F(m[2])),
                ("lineitem_blendedrate", F(m[2])),
                ("savingsplan_savingsplaneffectivecost", F(m[3])),
                ("pricing_publicondemandcost", F(m[4])),
                ("pricing_publicondemandrate", F(m[5])),
                ("lineitem_normalizationfactor", F(0.0)),
                ("lineitem_normalizedusageamount", F(m[6])),
            ],
        )
    };
    let r5 = bare(
        "2025-10-01",
        "Tax",
        "",
        [0.0, 0.52, 0.0, 0.0, 0.0, 0.0, 0.0],
    );
    let r9 = with(
        &bare(
            "2025-10-02",
            "Usage",
            "Hrs",
            [24.0, 1.2, 0.05, 0.0, 0.0, 0.0, 0.0],
        ),
        &[
            ("bill_billingentity", T("AWS Marketplace")),
            ("lineitem_productcode", T("abc123xyz")),
            ("product_productname", T("Acme Firewall")),
        ],
    );
    let volume = |rid: &'static str, tags: &'static str| {
        with(
            &common,
            &[
                ("lineitem_usagestartdate", Ts(ms("2025-10-02"))),
                ("lineitem_lineitemtype", T("Usage")),
                ("lineitem_resourceid", T(rid)),
                ("product_productfamily", T("Storage")),
                ("lineitem_availabilityzone", T("us-east-1a")),
                ("product_region", T("us-east-1")),
                ("product_instancetype", T("")),
                ("pricing_unit", T("GB-Mo")),
                ("resourcetags", T(tags)),
                ("costcategory", T("{}")),
                ("product_operatingsystem", T("")),
                ("product_vcpu", T("")),
                ("product_memory", T("")),
                ("lineitem_usageamount", F(0.8)),
                ("lineitem_unblendedcost", F(0.064)),
                ("lineitem_blendedcost", F(0.064)),
                ("lineitem_unblendedrate", F(0.08)),
                ("lineitem_blendedrate", F(0.08)),
                ("savingsplan_savingsplaneffectivecost", F(0.0)),
                ("pricing_publicondemandcost", F(0.064)),
                ("pricing_publicondemandrate", F(0.08)),
                ("lineitem_normalizationfactor", F(0.0)),
                ("lineitem_normalizedusageamount", F(0.0)),
            ],
        )
    };
    let r7 = volume("vol-111", r#"{"owner": "bob"}"#);
    let r8 = volume("vol-222", r#"{"owner": "alice"}"#);
    vec![r1, r2, r3, r4, r5, r6, r7, r8, r9]
}

/// Spec §9: tenant inputs.
pub fn spec_run() -> AwsRun {
    AwsRun {
        start: date("2025-10-01"),
        end: date("2025-10-02"),
        bill_id: 11,
        // float(10) / 100
        markup: 10.0 / 100.0,
        enabled_keys: vec!["app".into()],
        aliases: vec![(5, "111111111111".into())],
        ous: vec![],
    }
}
