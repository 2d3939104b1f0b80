//! The OCP-on-AWS tables (spec ocp-on-aws §3, §4.11, §4.12 step 4): one kind of row each, keyed by the
//! columns koku's statement groups by.
//!
//! * `reporting_ocpawscostlineitem_project_daily_summary_p`: §4.11's group-by columns and the report
//!   period. The enabled tags are grouped once and written to both `pod_labels` and `tags`; the key
//!   takes `pod_labels`, because koku's tag mapping (§4.12 step 3) later rewrites `tags` in place and
//!   a mapped key should show as a differing value, not as a missing and an extra row.
//! * the eight UI tables: `usage_start`, their group-by columns (§4.12 step 4's table) and
//!   `cluster_id` (koku inserts them per pair, so the cluster is constant within a group). They have
//!   no period column: koku's delete scope is the AWS source and the days (§5.1), and so is the
//!   comparison's.
//!
//! Two rows may still share a key (a UI table's groups of two AWS sources' rows differ by
//! `source_uuid`, a value): keys form a multiset. Columns and how each compares come from the load's
//! description of each table ([`koku_common::schema::ocp_aws`]). A run narrowed to some clusters
//! (`ocp_cluster_ids`) is compared over its source, bill and days: koku's rows of the other clusters
//! then show as missing from ours; compare with `--table` on an export restricted to the clusters.

use koku_common::schema::ocp_aws::{
    OCP_AWS_COMPUTE_SUMMARY_TABLE, OCP_AWS_COST_SUMMARY_BY_ACCOUNT_TABLE,
    OCP_AWS_COST_SUMMARY_BY_REGION_TABLE, OCP_AWS_COST_SUMMARY_BY_SERVICE_TABLE,
    OCP_AWS_COST_SUMMARY_TABLE, OCP_AWS_DATABASE_SUMMARY_TABLE, OCP_AWS_NETWORK_SUMMARY_TABLE,
    OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE, OCP_AWS_STORAGE_SUMMARY_TABLE,
};
use koku_common::schema::table::RunValue;

use crate::definition::{ColumnSource, RowKind, ScopeColumns, TableDef};
use crate::value::Value;

const FLOWS: &[&str] = &["ocp-aws"];

/// numeric(…,9) for the amortised cost and its markup: one unit of their last decimal.
const ABS_TOL: f64 = 1e-9;

pub const PROJECT_ROW: RowKind = RowKind {
    index: 0,
    name: "row",
    key: &[
        "usage_start",
        "report_period_id",
        "cluster_id",
        "data_source",
        "namespace",
        "node",
        "persistentvolumeclaim",
        "persistentvolume",
        "storageclass",
        "resource_id",
        "product_code",
        "product_family",
        "instance_type",
        "usage_account_id",
        "availability_zone",
        "region",
        "unit",
        "data_transfer_direction",
        "currency_code",
        "pod_labels",
        "aws_cost_category",
        "cost_category_id",
    ],
};

pub const PROJECT_DAILY_SUMMARY: TableDef = TableDef {
    name: OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE.name,
    title: "OCP-on-AWS project daily summary",
    flows: FLOWS,
    columns: ColumnSource::Loaded(&OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE),
    row_kinds: &[PROJECT_ROW],
    classify_by: &[],
    classify: |_: &[&Value]| PROJECT_ROW,
    // No later koku step adds rows (tag mapping and markup updates rewrite rows in place).
    other_step_rows: None,
    // koku's delete is by bill and days (§5.1); the source is every row's (the AWS source).
    scope: ScopeColumns {
        source: "source_uuid",
        period: Some(("cost_entry_bill_id", RunValue::BillId)),
        day: "usage_start",
    },
    default_abs_tol: ABS_TOL,
};

/// A UI table's definition: one kind of row keyed by `usage_start`, `cluster_id` and `key`; the scope
/// is the AWS source and the days.
macro_rules! ui_def {
    ($kind:ident, $def:ident, $table:expr, $title:literal, [$($key:literal),* $(,)?]) => {
        pub const $kind: RowKind = RowKind {
            index: 0,
            name: "row",
            key: &["usage_start", "cluster_id", $($key),*],
        };

        pub const $def: TableDef = TableDef {
            name: $table.name,
            title: $title,
            flows: FLOWS,
            columns: ColumnSource::Loaded(&$table),
            row_kinds: &[$kind],
            classify_by: &[],
            classify: |_: &[&Value]| $kind,
            other_step_rows: None,
            scope: ScopeColumns {
                source: "source_uuid",
                period: None,
                day: "usage_start",
            },
            default_abs_tol: ABS_TOL,
        };
    };
}

ui_def!(
    COST_ROW,
    COST_SUMMARY,
    OCP_AWS_COST_SUMMARY_TABLE,
    "OCP-on-AWS cost summary",
    []
);
ui_def!(
    ACCOUNT_ROW,
    COST_SUMMARY_BY_ACCOUNT,
    OCP_AWS_COST_SUMMARY_BY_ACCOUNT_TABLE,
    "OCP-on-AWS cost summary by account",
    ["usage_account_id", "account_alias_id"]
);
ui_def!(
    REGION_ROW,
    COST_SUMMARY_BY_REGION,
    OCP_AWS_COST_SUMMARY_BY_REGION_TABLE,
    "OCP-on-AWS cost summary by region",
    [
        "usage_account_id",
        "account_alias_id",
        "region",
        "availability_zone"
    ]
);
ui_def!(
    SERVICE_ROW,
    COST_SUMMARY_BY_SERVICE,
    OCP_AWS_COST_SUMMARY_BY_SERVICE_TABLE,
    "OCP-on-AWS cost summary by service",
    [
        "usage_account_id",
        "account_alias_id",
        "product_code",
        "product_family"
    ]
);
ui_def!(
    COMPUTE_ROW,
    COMPUTE_SUMMARY,
    OCP_AWS_COMPUTE_SUMMARY_TABLE,
    "OCP-on-AWS compute summary",
    [
        "usage_account_id",
        "account_alias_id",
        "instance_type",
        "resource_id"
    ]
);
ui_def!(
    STORAGE_ROW,
    STORAGE_SUMMARY,
    OCP_AWS_STORAGE_SUMMARY_TABLE,
    "OCP-on-AWS storage summary",
    ["usage_account_id", "account_alias_id", "product_family"]
);
ui_def!(
    NETWORK_ROW,
    NETWORK_SUMMARY,
    OCP_AWS_NETWORK_SUMMARY_TABLE,
    "OCP-on-AWS network summary",
    ["usage_account_id", "account_alias_id", "product_code"]
);
ui_def!(
    DATABASE_ROW,
    DATABASE_SUMMARY,
    OCP_AWS_DATABASE_SUMMARY_TABLE,
    "OCP-on-AWS database summary",
    ["usage_account_id", "account_alias_id", "product_code"]
);

/// Every OCP-on-AWS table, the `_p` table first.
pub const ALL: &[&TableDef] = &[
    &PROJECT_DAILY_SUMMARY,
    &COST_SUMMARY,
    &COST_SUMMARY_BY_ACCOUNT,
    &COST_SUMMARY_BY_REGION,
    &COST_SUMMARY_BY_SERVICE,
    &COMPUTE_SUMMARY,
    &STORAGE_SUMMARY,
    &NETWORK_SUMMARY,
    &DATABASE_SUMMARY,
];

#[cfg(test)]
mod tests {
    //! Ours as the transform holds the rows (f64, compact JSON text), koku's as a CSV export of its
    //! table (numeric text, jsonb text, its own uuid/id).

    use std::sync::Arc;

    use arrow::array::{ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
    use arrow::datatypes::{Field, Schema};

    use super::*;
    use crate::compare::{Options, compare};
    use crate::read::{append_batch, read_csv_from};
    use crate::scope::Scope;
    use crate::table::Table;

    const A: &str = "22222222-2222-2222-2222-222222222222";
    const OTHER: &str = "33333333-3333-3333-3333-333333333333";

    fn day(d: u32) -> i32 {
        let date = chrono::NaiveDate::from_ymd_opt(2025, 10, d).unwrap();
        (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
    }

    fn text(v: &[&str]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    fn table(def: &'static TableDef, columns: Vec<(&str, ArrayRef)>) -> Table {
        let schema = Schema::new(
            columns
                .iter()
                .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
                .collect::<Vec<_>>(),
        );
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
        append_batch(def, &mut t, &batch).unwrap();
        t
    }

    fn csv(def: &'static TableDef, header: &str, rows: &[String]) -> Table {
        let text = std::iter::once(header.to_string())
            .chain(rows.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        read_csv_from(def, text.as_bytes(), "koku.csv").unwrap()
    }

    fn run_scope() -> Scope {
        Scope {
            source_uuid: Some(A.into()),
            period_id: None,
            start_date: Some("2025-10-01".parse().unwrap()),
            end_date: Some("2025-10-02".parse().unwrap()),
            summary_rows_only: true,
        }
    }

    /// Two network rows of day 1, one per cluster (0.1 + 0.2 = 0.30000000000000004 as f64).
    fn network_ours() -> Table {
        table(
            &NETWORK_SUMMARY,
            vec![
                ("usage_start", Arc::new(Date32Array::from(vec![day(1); 2]))),
                ("usage_end", Arc::new(Date32Array::from(vec![day(1); 2]))),
                ("cluster_id", text(&["cluster-a", "cluster-b"])),
                ("usage_account_id", text(&["111111111111"; 2])),
                ("account_alias_id", Arc::new(Int32Array::from(vec![5; 2]))),
                ("product_code", text(&["AmazonVPC"; 2])),
                ("usage_amount", Arc::new(Float64Array::from(vec![2.5, 1.0]))),
                (
                    "unblended_cost",
                    Arc::new(Float64Array::from(vec![0.1 + 0.2, 1.0])),
                ),
                (
                    "calculated_amortized_cost",
                    Arc::new(Float64Array::from(vec![0.1 + 0.2, 1.0])),
                ),
                ("currency_code", text(&["USD"; 2])),
                ("source_uuid", text(&[A; 2])),
            ],
        )
    }

    const NETWORK_HEADER: &str = "id,usage_start,usage_end,cluster_id,usage_account_id,account_alias_id,product_code,usage_amount,unblended_cost,calculated_amortized_cost,currency_code,source_uuid,cost_category_id";

    fn network_koku() -> Vec<String> {
        vec![
            format!(
                "u1,2025-10-01,2025-10-01,cluster-a,111111111111,5,AmazonVPC,2.500000000000000,0.300000000000000,0.300000000,USD,{A},"
            ),
            format!(
                "u2,2025-10-01,2025-10-01,cluster-b,111111111111,5,AmazonVPC,1.000000000000000,1.000000000000000,1.000000000,USD,{A},"
            ),
        ]
    }

    fn options(def: &'static TableDef) -> Options {
        Options {
            scope: run_scope(),
            ..Options::for_table(def)
        }
    }

    #[test]
    fn a_ui_table_matches_by_day_cluster_and_its_group_columns_over_the_source_and_days() {
        let mut theirs = network_koku();
        // another AWS source's row and a day outside the run: out of the source-and-days scope
        theirs.push(theirs[0].replace(A, OTHER).replace(",u1,", ",u3,"));
        theirs.push(theirs[1].replace("2025-10-01,2025-10-01", "2025-10-03,2025-10-03"));
        let def = &NETWORK_SUMMARY;
        let r = compare(
            def,
            &network_ours(),
            &csv(def, NETWORK_HEADER, &theirs),
            &options(def),
        )
        .unwrap();
        assert!(r.identical, "{}", r.to_text());
        assert_eq!(r.total.matched, 2);
        assert_eq!(r.theirs.out_of_scope, 2);
        // koku-only columns are not read
        assert_eq!(r.theirs.skipped_columns, vec!["id", "cost_category_id"]);

        // a changed cost is one difference; another cluster is another row
        let mut theirs = network_koku();
        theirs[0] = theirs[0].replace(",0.300000000000000,", ",0.310000000000000,");
        theirs[1] = theirs[1].replace("cluster-b", "cluster-c");
        let r = compare(
            def,
            &network_ours(),
            &csv(def, NETWORK_HEADER, &theirs),
            &options(def),
        )
        .unwrap();
        assert_eq!(
            (
                r.total.matched,
                r.total.differing,
                r.total.missing,
                r.total.extra
            ),
            (0, 1, 1, 1),
            "{}",
            r.to_text()
        );
        assert_eq!(r.differences[0].column, "unblended_cost");
    }

    fn project_ours(labels: &str) -> Table {
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("report_period_id", Arc::new(Int32Array::from(vec![7]))),
            ("cluster_id", text(&["cluster-a"])),
            ("data_source", text(&["Pod"])),
            ("namespace", text(&["web"])),
            ("node", text(&["node-1"])),
            ("resource_id", text(&["i-0001"])),
            ("usage_start", Arc::new(Date32Array::from(vec![day(1)]))),
            ("product_code", text(&["AmazonEC2"])),
            ("cost_entry_bill_id", Arc::new(Int32Array::from(vec![11]))),
            ("usage_account_id", text(&["111111111111"])),
            ("currency_code", text(&["USD"])),
            (
                "calculated_amortized_cost",
                Arc::new(Float64Array::from(vec![3.7439999999999998])),
            ),
            ("pod_labels", text(&[labels])),
            ("tags", text(&[labels])),
            ("aws_cost_category", text(&["{}"])),
            ("source_uuid", text(&[A])),
        ];
        let nulls = NULL_KEYS.iter().map(|c| {
            let a: ArrayRef = if *c == "cost_category_id" {
                Arc::new(Int32Array::from(vec![None]))
            } else {
                Arc::new(StringArray::from(vec![None::<&str>]))
            };
            (*c, a)
        });
        table(
            &PROJECT_DAILY_SUMMARY,
            columns.into_iter().chain(nulls).collect(),
        )
    }

    /// Key columns the row has NULL in (both sides).
    const NULL_KEYS: &[&str] = &[
        "persistentvolumeclaim",
        "persistentvolume",
        "storageclass",
        "product_family",
        "instance_type",
        "availability_zone",
        "region",
        "unit",
        "data_transfer_direction",
        "cost_category_id",
    ];

    const PROJECT_HEADER: &str = "uuid,report_period_id,cluster_id,data_source,namespace,node,resource_id,usage_start,product_code,cost_entry_bill_id,usage_account_id,currency_code,calculated_amortized_cost,pod_labels,tags,aws_cost_category,source_uuid,persistentvolumeclaim,persistentvolume,storageclass,product_family,instance_type,availability_zone,region,unit,data_transfer_direction,cost_category_id";

    fn project_koku(tags: &str, bill: i32) -> String {
        format!(
            r#"u1,7,cluster-a,Pod,web,node-1,i-0001,2025-10-01,AmazonEC2,{bill},111111111111,USD,3.744000000,"{{""app"": ""web""}}","{tags}",{{}},{A},,,,,,,,,,"#
        )
    }

    #[test]
    fn the_p_table_is_keyed_by_pod_labels_so_a_mapped_tag_is_a_differing_value() {
        let def = &PROJECT_DAILY_SUMMARY;
        let opts = Options {
            scope: Scope {
                period_id: Some(11),
                ..run_scope()
            },
            ..Options::for_table(def)
        };
        let same = project_koku(r#"{""app"": ""web""}"#, 11);
        let other_bill = project_koku(r#"{""app"": ""web""}"#, 12);
        let r = compare(
            def,
            &project_ours(r#"{"app":"web"}"#),
            &csv(def, PROJECT_HEADER, &[same, other_bill]),
            &opts,
        )
        .unwrap();
        assert!(r.identical, "{}", r.to_text());
        assert_eq!((r.total.matched, r.theirs.out_of_scope), (1, 1));

        // koku's tag mapping renamed app → application in `tags` only
        let mapped = project_koku(r#"{""application"": ""web""}"#, 11);
        let r = compare(
            def,
            &project_ours(r#"{"app":"web"}"#),
            &csv(def, PROJECT_HEADER, &[mapped]),
            &opts,
        )
        .unwrap();
        assert_eq!(
            (r.total.matched, r.total.differing),
            (0, 1),
            "{}",
            r.to_text()
        );
        assert_eq!(r.differences[0].column, "tags");

        // other pod labels: another row
        let r = compare(
            def,
            &project_ours(r#"{"app":"api"}"#),
            &csv(
                def,
                PROJECT_HEADER,
                &[project_koku(r#"{""app"": ""web""}"#, 11)],
            ),
            &opts,
        )
        .unwrap();
        assert_eq!((r.total.missing, r.total.extra), (1, 1));
    }

    #[test]
    fn an_ocp_aws_work_dir_holds_the_nine_tables() {
        let names: Vec<&str> = crate::tables::for_flow("ocp-aws")
            .iter()
            .map(|d| d.name)
            .collect();
        let expected: Vec<&str> = koku_common::schema::ocp_aws::TABLES
            .iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, expected);
        // each partition names its own table, not a longer-named sibling
        assert_eq!(
            crate::tables::by_name("reporting_ocpaws_cost_summary_by_account_p_2025_10")
                .map(|d| d.name),
            Some("reporting_ocpaws_cost_summary_by_account_p")
        );
    }
}
