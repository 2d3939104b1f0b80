//! `reporting_awscostentrylineitem_daily_summary` (spec aws-daily-summary §3–§4): one kind of row.
//!
//! koku groups by 12 raw CUR values (§4.2), some of which the table does not keep (billing entity,
//! product name, the unfiltered tags), so the visible columns are the natural key: the day, account,
//! product, location, instance type, unit, the (filtered) tags and cost category, and the set of
//! resource ids (its order is not defined, §11.1). Two rows may still share a key (§10.8, §10.6): keys
//! form a multiset. `organizational_unit_id` is compared as a value, not a key: a wrong OU lookup then
//! shows as a differing value rather than a missing and an extra row.
//!
//! Columns and how each compares come from the load's description of the table
//! ([`AWS_DAILY_SUMMARY_TABLE`]): koku-only columns (`uuid`, `tax_type`, never written) are not read.

use koku_common::schema::aws::AWS_DAILY_SUMMARY_TABLE;
use koku_common::schema::table::RunValue;

use crate::definition::{ColumnSource, RowKind, ScopeColumns, TableDef};
use crate::value::Value;

pub const ROW: RowKind = RowKind {
    index: 0,
    name: "row",
    key: &[
        "usage_start",
        "usage_account_id",
        "product_code",
        "product_family",
        "availability_zone",
        "region",
        "instance_type",
        "unit",
        "tags",
        "cost_category",
        "resource_ids",
    ],
};

pub const DAILY_SUMMARY: TableDef = TableDef {
    name: AWS_DAILY_SUMMARY_TABLE.name,
    title: "AWS daily summary",
    flows: &["aws"],
    columns: ColumnSource::Loaded(&AWS_DAILY_SUMMARY_TABLE),
    row_kinds: &[ROW],
    classify_by: &[],
    classify: |_: &[&Value]| ROW,
    // No later koku step adds rows to this table (§7: the cost-model updater rewrites markups in place).
    other_step_rows: None,
    // koku's delete is by bill and days (§1.2 4.1); the source is every row's.
    scope: ScopeColumns {
        source: "source_uuid",
        period: Some(("cost_entry_bill_id", RunValue::BillId)),
        day: "usage_start",
    },
    // numeric(24,9) and numeric(33,9) round to 9 decimals (§8.1)
    default_abs_tol: 1e-9,
};

#[cfg(test)]
mod tests {
    //! The 7 rows of the spec's worked example (aws-daily-summary §9.3): ours as the transform would
    //! hold them (f64 sums, `resource_ids` a list in any order), koku's as a CSV export of its table
    //! (numeric(24,9) text, jsonb text, `text[]` literals, koku-only `uuid`).

    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, Date32Array, Float64Array, Int32Array, ListBuilder, RecordBatch, StringArray,
        StringBuilder,
    };
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;
    use crate::compare::{Options, compare};
    use crate::read::{append_batch, read_csv_from};
    use crate::scope::Scope;
    use crate::table::Table;

    const A: &str = "22222222-2222-2222-2222-222222222222";

    /// One of our rows: day (of October 2025), product code, family, AZ, region, instance type, unit,
    /// resource ids, usage, unblended cost, amortized cost, tags, cost category.
    type Ours = (
        u32,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        &'static [&'static str],
        f64,
        f64,
        f64,
        &'static str,
        &'static str,
    );

    const CE: Option<&str> = Some("Compute Instance");
    const AZ: Option<&str> = Some("us-east-1a");
    const REGION: Option<&str> = Some("us-east-1");
    const TEAM: &str = r#"{"team":"platform"}"#;

    /// §9.2: the sums as f64. D1a: usage 24 + 24 + 0 (negation) = 48, U = 2.304 + 2.304 − 2.304,
    /// Am = 2.304 + 1.44 + 0 (= 3.7439999999999998); the others are single lines.
    #[rustfmt::skip]
    fn ours_rows() -> Vec<Ours> {
        vec![
            (1, "AmazonEC2", CE, AZ, REGION, Some("m5.large"), Some("Hrs"), &["i-bbb", "i-aaa"],
             24.0 + 24.0 + 0.0, 2.304 + 2.304 - 2.304, 2.304 + 1.44 + 0.0, r#"{"app":"web"}"#, TEAM),
            (1, "AmazonEC2", CE, AZ, REGION, Some("c5.xlarge"), Some("Hrs"), &["i-ccc"],
             24.0, 0.0, 0.0, "{}", "{}"),
            (1, "AmazonEC2", None, None, None, None, None, &[""],
             0.0, 0.52, 0.52, "{}", "{}"),
            (2, "AmazonEC2", CE, AZ, REGION, Some("m5.large"), Some("Hrs"), &["i-aaa"],
             24.0, 2.304, 2.304, r#"{"app":"api"}"#, TEAM),
            (2, "AmazonEC2", Some("Storage"), AZ, REGION, None, Some("GB-Mo"), &["vol-111"],
             0.8, 0.064, 0.064, "{}", "{}"),
            (2, "AmazonEC2", Some("Storage"), AZ, REGION, None, Some("GB-Mo"), &["vol-222"],
             0.8, 0.064, 0.064, "{}", "{}"),
            (2, "Acme Firewall", None, None, None, None, Some("Hrs"), &[""],
             24.0, 1.2, 1.2, "{}", "{}"),
        ]
    }

    /// Our rows as a record batch (`resource_ids` a `List<Utf8>`), read as the work-dir reader reads.
    fn ours(rows: &[Ours]) -> Table {
        let day = |d: u32| {
            let date = chrono::NaiveDate::from_ymd_opt(2025, 10, d).unwrap();
            (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
        };
        let text = |f: &dyn Fn(&Ours) -> Option<&'static str>| -> ArrayRef {
            Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
        };
        let float = |f: &dyn Fn(&Ours) -> f64| -> ArrayRef {
            Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
        };
        let mut ids = ListBuilder::new(StringBuilder::new());
        for r in rows {
            for id in r.7 {
                ids.values().append_value(id);
            }
            ids.append(true);
        }
        let columns: Vec<(&str, ArrayRef)> = vec![
            (
                "cost_entry_bill_id",
                Arc::new(Int32Array::from(vec![11; rows.len()])),
            ),
            (
                "usage_start",
                Arc::new(Date32Array::from(
                    rows.iter().map(|r| day(r.0)).collect::<Vec<_>>(),
                )),
            ),
            (
                "usage_end",
                Arc::new(Date32Array::from(
                    rows.iter().map(|r| day(r.0)).collect::<Vec<_>>(),
                )),
            ),
            ("usage_account_id", text(&|_| Some("111111111111"))),
            ("product_code", text(&|r| Some(r.1))),
            ("product_family", text(&|r| r.2)),
            ("availability_zone", text(&|r| r.3)),
            ("region", text(&|r| r.4)),
            ("instance_type", text(&|r| r.5)),
            ("unit", text(&|r| r.6)),
            ("resource_ids", Arc::new(ids.finish())),
            ("usage_amount", float(&|r| r.8)),
            ("unblended_cost", float(&|r| r.9)),
            ("calculated_amortized_cost", float(&|r| r.10)),
            // markup m = 0.1 on the unrounded sum (§4.3)
            ("markup_cost", float(&|r| r.9 * 0.1)),
            ("tags", text(&|r| Some(r.11))),
            ("cost_category", text(&|r| Some(r.12))),
            ("source_uuid", text(&|_| Some(A))),
        ];
        let schema = Schema::new(
            columns
                .iter()
                .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
                .collect::<Vec<_>>(),
        );
        assert!(matches!(columns[10].1.data_type(), DataType::List(_)));
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            columns.into_iter().map(|(_, a)| a).collect(),
        )
        .unwrap();
        let names = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut t = Table::new("ours.arrow", names);
        append_batch(&DAILY_SUMMARY, &mut t, &batch).unwrap();
        t
    }

    /// koku's rows (§9.3) as `COPY (SELECT uuid, ...) TO STDOUT CSV HEADER` writes them.
    const KOKU_HEADER: &str = "uuid,cost_entry_bill_id,usage_start,usage_end,usage_account_id,product_code,product_family,availability_zone,region,instance_type,unit,resource_ids,usage_amount,unblended_cost,calculated_amortized_cost,markup_cost,tags,cost_category,source_uuid,tax_type";
    const KOKU_ROWS: &[&str] = &[
        r#"5c1a…01,11,2025-10-01,2025-10-01,111111111111,AmazonEC2,Compute Instance,us-east-1a,us-east-1,m5.large,Hrs,"{i-aaa,i-bbb}",48.000000000,2.304000000,3.744000000,0.230400000,"{""app"": ""web""}","{""team"": ""platform""}",22222222-2222-2222-2222-222222222222,"#,
        r#"5c1a…02,11,2025-10-01,2025-10-01,111111111111,AmazonEC2,Compute Instance,us-east-1a,us-east-1,c5.xlarge,Hrs,{i-ccc},24.000000000,0.000000000,0.000000000,0.000000000,{},{},22222222-2222-2222-2222-222222222222,"#,
        r#"5c1a…03,11,2025-10-01,2025-10-01,111111111111,AmazonEC2,,,,,,"{""""}",0.000000000,0.520000000,0.520000000,0.052000000,{},{},22222222-2222-2222-2222-222222222222,"#,
        r#"5c1a…04,11,2025-10-02,2025-10-02,111111111111,AmazonEC2,Compute Instance,us-east-1a,us-east-1,m5.large,Hrs,{i-aaa},24.000000000,2.304000000,2.304000000,0.230400000,"{""app"": ""api""}","{""team"": ""platform""}",22222222-2222-2222-2222-222222222222,"#,
        r#"5c1a…05,11,2025-10-02,2025-10-02,111111111111,AmazonEC2,Storage,us-east-1a,us-east-1,,GB-Mo,{vol-111},0.800000000,0.064000000,0.064000000,0.006400000,{},{},22222222-2222-2222-2222-222222222222,"#,
        r#"5c1a…06,11,2025-10-02,2025-10-02,111111111111,AmazonEC2,Storage,us-east-1a,us-east-1,,GB-Mo,{vol-222},0.800000000,0.064000000,0.064000000,0.006400000,{},{},22222222-2222-2222-2222-222222222222,"#,
        r#"5c1a…07,11,2025-10-02,2025-10-02,111111111111,Acme Firewall,,,,,Hrs,"{""""}",24.000000000,1.200000000,1.200000000,0.120000000,{},{},22222222-2222-2222-2222-222222222222,"#,
    ];

    fn koku(rows: &[String]) -> Table {
        let text = std::iter::once(KOKU_HEADER.to_string())
            .chain(rows.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        read_csv_from(&DAILY_SUMMARY, text.as_bytes(), "koku.csv").unwrap()
    }

    fn koku_rows() -> Vec<String> {
        KOKU_ROWS.iter().map(|r| r.to_string()).collect()
    }

    fn run(ours: &Table, theirs: &Table) -> crate::report::Report {
        compare(
            &DAILY_SUMMARY,
            ours,
            theirs,
            &Options::for_table(&DAILY_SUMMARY),
        )
        .unwrap()
    }

    #[test]
    fn the_worked_example_is_identical() {
        let r = run(&ours(&ours_rows()), &koku(&koku_rows()));
        assert!(r.identical, "{}", r.to_text());
        assert_eq!(r.total.matched, 7);
        assert_eq!(r.counts_of("row").unwrap().matched, 7);
        // no duplicate key: D2b and D2c differ by their resource ids only, D1c and D2d by day and product
        assert_eq!(r.duplicate_keys_total, 0);
        // koku-only columns are not read: the load never writes uuid's value nor tax_type
        assert_eq!(r.theirs.skipped_columns, vec!["uuid", "tax_type"]);
        assert!(r.only_in_theirs.is_empty());
        assert_eq!(r.compared_columns.len(), 18);
        assert!(
            r.to_text()
                .contains("IDENTICAL within tolerance: 7 row(s) matched")
        );
    }

    #[test]
    fn a_changed_cost_is_one_difference_keyed_by_the_resource_id_set() {
        let mut theirs = koku_rows();
        theirs[0] = theirs[0].replace(",2.304000000,3.744", ",2.305000000,3.744");
        let r = run(&ours(&ours_rows()), &koku(&theirs));
        assert_eq!((r.total.differing, r.differing_values), (1, 1));
        let d = &r.differences[0];
        assert_eq!(d.column, "unblended_cost");
        assert_eq!(d.theirs, Value::Float(2.305));
        assert_eq!(
            d.key.get("resource_ids"),
            Some(Value::text_set([
                Some("i-aaa".into()),
                Some("i-bbb".into())
            ]))
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["table"], DAILY_SUMMARY.name);
        assert_eq!(
            json["differences"][0]["key"]["resource_ids"],
            serde_json::json!(["i-aaa", "i-bbb"])
        );
        assert_eq!(json["differences"][0]["key"]["tags"]["app"], "web");
        assert_eq!(json["counts"]["row"]["differing"], 1);
    }

    #[test]
    fn another_resource_id_set_or_tag_is_another_row() {
        let mut theirs = koku_rows();
        theirs[5] = theirs[5].replace("{vol-222}", r#""{vol-222,vol-333}""#);
        theirs[3] = theirs[3].replace(r#""{""app"": ""api""}""#, "{}");
        let r = run(&ours(&ours_rows()), &koku(&theirs));
        assert_eq!((r.total.missing, r.total.extra, r.total.matched), (2, 2, 5));
        let missing_ids: Vec<Option<Value>> = r
            .missing
            .iter()
            .map(|k| k.key.get("resource_ids"))
            .collect();
        assert!(missing_ids.contains(&Some(Value::text_set([
            Some("vol-222".into()),
            Some("vol-333".into())
        ]))));
        // '' is an element of its own: {""} is not {}
        let mut theirs = koku_rows();
        theirs[2] = theirs[2].replace(r#""{""""}""#, "{}");
        let r = run(&ours(&ours_rows()), &koku(&theirs));
        assert_eq!((r.total.missing, r.total.extra), (1, 1));
    }

    #[test]
    fn nine_decimals_are_inside_the_default_tolerance() {
        // ours 1/3 = 0.333…; koku's numeric(24,9) keeps 0.333333333: 3.3e-10 apart, relative 1e-9
        let mut rows = ours_rows();
        rows[4].8 = 1.0 / 3.0;
        let mut theirs = koku_rows();
        theirs[4] = theirs[4].replace(",0.800000000,", ",0.333333333,");
        let (o, t) = (ours(&rows), koku(&theirs));
        assert!(run(&o, &t).identical);
        // the OCP table's tolerance (1e-15) would call it a difference
        let strict = Options {
            abs_tol: 1e-15,
            ..Options::for_table(&DAILY_SUMMARY)
        };
        let r = compare(&DAILY_SUMMARY, &o, &t, &strict).unwrap();
        assert_eq!(r.column_stats["usage_amount"].differences, 1);
    }

    #[test]
    fn scope_is_source_bill_and_days() {
        let mut theirs = koku_rows();
        // another bill, another source, another day: all out of scope
        theirs.push(theirs[1].replace(",11,", ",12,"));
        theirs.push(theirs[1].replace(A, "33333333-3333-3333-3333-333333333333"));
        theirs.push(theirs[1].replace("2025-10-01,2025-10-01", "2025-10-03,2025-10-03"));
        let opts = Options {
            scope: Scope {
                source_uuid: Some(A.into()),
                period_id: Some(11),
                start_date: Some("2025-10-01".parse().unwrap()),
                end_date: Some("2025-10-02".parse().unwrap()),
                summary_rows_only: true,
            },
            ..Options::for_table(&DAILY_SUMMARY)
        };
        let r = compare(&DAILY_SUMMARY, &ours(&ours_rows()), &koku(&theirs), &opts).unwrap();
        assert!(r.identical, "{}", r.to_text());
        assert_eq!(r.theirs.out_of_scope, 3);
        assert_eq!(r.theirs.not_summary_rows, 0);
        assert!(
            r.to_text().contains("scope:     source_uuid 2222"),
            "{}",
            r.to_text()
        );
        assert!(r.to_text().contains("cost_entry_bill_id 11"));
        // without the scope the three rows are missing from ours
        assert_eq!(run(&ours(&ours_rows()), &koku(&theirs)).total.missing, 3);
    }
}
