//! The datasets of the AWS flow (`koku-extract aws` → `koku-transform aws` → `koku-load`): koku's daily
//! CUR Parquet (input-data §4.7), the PostgreSQL inputs of koku's AWS summary (spec aws-daily-summary
//! §2.2), and what the transform computes: the AWS daily summary (§3–§4) and the EC2 compute summary
//! (§5), with the tables the load writes them into.

use super::ValueCheck::JsonObject;
use super::table::{DeleteScope, PgType, RowScope, RunValue, Table, col, required, varchar};
use super::{ColumnType, Dataset, Origin, ParquetLocation};

use ColumnType::{Date, Float, Int32, Text, TextList, Timestamp};

/// koku's daily CUR roll-up (`aws_line_items_daily`), projected to what the daily summary and the EC2
/// summary read (spec §2.1). Unlike the OCP datasets, the extract keeps the whole month partition: the
/// EC2 summary reads every row of the partition whatever its date (spec §5.1 step 3), so the daily
/// summary's window filter (§4.1) is the transform's.
pub const AWS_LINE_ITEMS_DAILY: Dataset = Dataset {
    name: "aws_line_items_daily",
    origin: Origin::Parquet(ParquetLocation {
        provider: "AWS",
        daily: true,
        report_type: Some("raw"),
        time_column: "lineitem_usagestartdate",
        // koku's `json_parse(resourcetags)` / `json_parse(costcategory)` fail the summary on anything
        // else. Negative costs are ordinary in a CUR (credits, refunds, negations): not checked.
        checks: &[JsonObject("resourcetags"), JsonObject("costcategory")],
    }),
    columns: &[
        ("lineitem_usagestartdate", Timestamp),
        ("bill_billingentity", Text),
        ("lineitem_productcode", Text),
        ("product_productname", Text),
        ("product_productfamily", Text),
        ("lineitem_usageaccountid", Text),
        ("lineitem_availabilityzone", Text),
        ("product_region", Text),
        ("resourcetags", Text),
        ("costcategory", Text),
        ("product_instancetype", Text),
        ("pricing_unit", Text),
        ("lineitem_lineitemtype", Text),
        ("lineitem_resourceid", Text),
        ("lineitem_usagetype", Text),
        ("lineitem_operation", Text),
        ("product_operatingsystem", Text),
        ("product_vcpu", Text),
        ("product_memory", Text),
        ("lineitem_currencycode", Text),
        ("lineitem_usageamount", Float),
        ("lineitem_normalizationfactor", Float),
        ("lineitem_normalizedusageamount", Float),
        ("lineitem_unblendedrate", Float),
        ("lineitem_unblendedcost", Float),
        ("lineitem_blendedrate", Float),
        ("lineitem_blendedcost", Float),
        ("savingsplan_savingsplaneffectivecost", Float),
        ("pricing_publicondemandcost", Float),
        ("pricing_publicondemandrate", Float),
    ],
    // Every CUR has the line item's date, product, account, type, resource, usage, cost and currency;
    // the others came with later CUR versions or koku releases (cost categories, Savings Plans, public
    // on-demand prices, ...) and read as NULL in files written before them, as Trino reads them.
    optional: &[
        "lineitem_usagetype",
        "lineitem_operation",
        "bill_billingentity",
        "product_productname",
        "product_productfamily",
        "lineitem_availabilityzone",
        "product_region",
        "resourcetags",
        "costcategory",
        "product_instancetype",
        "pricing_unit",
        "product_operatingsystem",
        "product_vcpu",
        "product_memory",
        "lineitem_normalizationfactor",
        "lineitem_normalizedusageamount",
        "lineitem_unblendedrate",
        "lineitem_blendedrate",
        "lineitem_blendedcost",
        "savingsplan_savingsplaneffectivecost",
        "pricing_publicondemandcost",
        "pricing_publicondemandrate",
    ],
};

/// `reporting_awsaccountalias` (spec §2.2): the alias id of a usage account.
pub const AWS_ACCOUNT_ALIASES: Dataset = Dataset {
    name: "reporting_awsaccountalias",
    origin: Origin::Postgres,
    columns: &[("id", Int32), ("account_id", Text), ("account_alias", Text)],
    optional: &[],
};

/// `reporting_awsorganizationalunit` rows of the run's source (spec §2.2, §4.3
/// `organizational_unit_id`).
pub const AWS_ORGANIZATIONAL_UNITS: Dataset = Dataset {
    name: "reporting_awsorganizationalunit",
    origin: Origin::Postgres,
    columns: &[
        ("id", Int32),
        ("account_alias_id", Int32),
        ("provider_id", Text),
        ("created_timestamp", Date),
        ("deleted_timestamp", Date),
    ],
    optional: &[],
};

/// The markup of the source's cost model as koku's AWS summary applies it: one row, `markup` =
/// `float(markup["value"]) / 100` (0 without a cost model or value), an f64 (spec §1.2 step 2).
pub const AWS_MARKUP: Dataset = Dataset {
    name: "cost_model_markup",
    origin: Origin::Postgres,
    columns: &[("markup", Float)],
    optional: &[],
};

/// The computed AWS daily summary rows: the columns of koku's
/// `reporting_awscostentrylineitem_daily_summary` (spec §3.1) that koku writes, measures as f64
/// (converted to koku's numeric scales by the load), `tags`/`cost_category` as compact sorted JSON text.
/// `uuid` is the load's; `tax_type` is never written (NULL).
pub const AWS_DAILY_SUMMARY: Dataset = Dataset {
    name: "reporting_awscostentrylineitem_daily_summary",
    origin: Origin::Transform,
    columns: &[
        ("cost_entry_bill_id", Int32),
        ("usage_start", Date),
        ("usage_end", Date),
        ("usage_account_id", Text),
        ("account_alias_id", Int32),
        ("product_code", Text),
        ("product_family", Text),
        ("availability_zone", Text),
        ("region", Text),
        ("instance_type", Text),
        ("unit", Text),
        ("organizational_unit_id", Int32),
        ("resource_ids", TextList),
        ("resource_count", Int32),
        ("usage_amount", Float),
        ("normalization_factor", Float),
        ("normalized_usage_amount", Float),
        ("currency_code", Text),
        ("unblended_rate", Float),
        ("unblended_cost", Float),
        ("markup_cost", Float),
        ("blended_rate", Float),
        ("blended_cost", Float),
        ("markup_cost_blended", Float),
        ("savingsplan_effective_cost", Float),
        ("markup_cost_savingsplan", Float),
        ("calculated_amortized_cost", Float),
        ("markup_cost_amortized", Float),
        ("public_on_demand_cost", Float),
        ("public_on_demand_rate", Float),
        ("tags", Text),
        ("cost_category", Text),
        ("source_uuid", Text),
    ],
    optional: &[],
};

/// The computed EC2 compute summary rows (`reporting_awscostentrylineitem_summary_by_ec2_compute_p`,
/// spec §5.2), like [`AWS_DAILY_SUMMARY`].
pub const AWS_EC2_COMPUTE_SUMMARY: Dataset = Dataset {
    name: "reporting_awscostentrylineitem_summary_by_ec2_compute_p",
    origin: Origin::Transform,
    columns: &[
        ("usage_start", Date),
        ("usage_end", Date),
        ("cost_entry_bill_id", Int32),
        ("account_alias_id", Int32),
        ("usage_account_id", Text),
        ("resource_id", Text),
        ("instance_name", Text),
        ("instance_type", Text),
        ("operating_system", Text),
        ("region", Text),
        ("vcpu", Int32),
        ("memory", Text),
        ("unit", Text),
        ("usage_amount", Float),
        ("normalization_factor", Float),
        ("normalized_usage_amount", Float),
        ("currency_code", Text),
        ("unblended_rate", Float),
        ("unblended_cost", Float),
        ("markup_cost", Float),
        ("blended_rate", Float),
        ("blended_cost", Float),
        ("markup_cost_blended", Float),
        ("savingsplan_effective_cost", Float),
        ("markup_cost_savingsplan", Float),
        ("calculated_amortized_cost", Float),
        ("markup_cost_amortized", Float),
        ("public_on_demand_cost", Float),
        ("public_on_demand_rate", Float),
        ("tags", Text),
        ("cost_category", Text),
        ("source_uuid", Text),
    ],
    optional: &[],
};

/// The extract's `run.json` detail holding Σ `lineitem_unblendedcost` per usage day of the month
/// partition (`{"YYYY-MM-DD": sum}`, `null` for a day whose costs are all NULL): what koku's
/// `validate_daily_data` asks Trino for, compared by the load with the loaded daily summary.
pub const DAILY_UNBLENDED_COST_DETAIL: &str = "daily_unblended_cost";

/// Every dataset `koku-extract aws` writes, in the order it writes them. The enabled tag keys are the
/// OCP flow's dataset (same table, `provider_type = 'AWS'` rows).
pub const AWS_INPUTS: &[&Dataset] = &[
    &AWS_LINE_ITEMS_DAILY,
    &super::ENABLED_TAG_KEYS,
    &AWS_ACCOUNT_ALIASES,
    &AWS_ORGANIZATIONAL_UNITS,
    &AWS_MARKUP,
];

/// Every AWS dataset (the shared enabled-keys dataset is listed with the OCP ones).
pub const ALL: &[&Dataset] = &[
    &AWS_LINE_ITEMS_DAILY,
    &AWS_ACCOUNT_ALIASES,
    &AWS_ORGANIZATIONAL_UNITS,
    &AWS_MARKUP,
    &AWS_DAILY_SUMMARY,
    &AWS_EC2_COMPUTE_SUMMARY,
];

const N24_9: PgType = PgType::Numeric {
    precision: 24,
    scale: 9,
};
const N33_9: PgType = PgType::Numeric {
    precision: 33,
    scale: 9,
};
const N33_15: PgType = PgType::Numeric {
    precision: 33,
    scale: 15,
};

/// koku's `reporting_awscostentrylineitem_daily_summary` as the load fills it from
/// [`AWS_DAILY_SUMMARY`] (spec §3, §1.2 step 4.1).
pub const AWS_DAILY_SUMMARY_TABLE: Table = Table {
    name: "reporting_awscostentrylineitem_daily_summary",
    dataset: &AWS_DAILY_SUMMARY,
    uuid_column: "uuid",
    columns: &[
        col("cost_entry_bill_id", PgType::Int4),
        required("usage_start", PgType::Date),
        col("usage_end", PgType::Date),
        required("usage_account_id", PgType::Varchar(50)),
        col("account_alias_id", PgType::Int4),
        required("product_code", PgType::Text),
        varchar("product_family", 150),
        varchar("availability_zone", 50),
        varchar("region", 50),
        varchar("instance_type", 50),
        varchar("unit", 63),
        col("organizational_unit_id", PgType::Int4),
        col("resource_ids", PgType::TextArray),
        col("resource_count", PgType::Int4),
        col("usage_amount", N24_9),
        col("normalization_factor", PgType::Float8),
        col("normalized_usage_amount", PgType::Float8),
        required("currency_code", PgType::Varchar(10)),
        col("unblended_rate", N24_9),
        col("unblended_cost", N24_9),
        col("markup_cost", N24_9),
        col("blended_rate", N24_9),
        col("blended_cost", N24_9),
        col("markup_cost_blended", N33_15),
        col("savingsplan_effective_cost", N24_9),
        col("markup_cost_savingsplan", N33_15),
        col("calculated_amortized_cost", N33_9),
        col("markup_cost_amortized", N33_9),
        col("public_on_demand_cost", N24_9),
        col("public_on_demand_rate", N24_9),
        col("tags", PgType::Jsonb),
        col("cost_category", PgType::Jsonb),
        col("source_uuid", PgType::Uuid),
    ],
    not_loaded: &[],
    partition_column: "usage_start",
    // koku's delete (UPD:98-103): the bill's rows of the days, whatever their source.
    delete: DeleteScope {
        predicate: "usage_start BETWEEN $1 AND $2 AND cost_entry_bill_id = $3",
        params: &[RunValue::StartDate, RunValue::EndDate, RunValue::BillId],
    },
    row_scope: RowScope {
        date_column: "usage_start",
        from: Some(RunValue::StartDate),
        to: Some(RunValue::EndDate),
        equal: &[
            ("cost_entry_bill_id", RunValue::BillId),
            ("source_uuid", RunValue::SourceUuid),
        ],
    },
    count_by: &["product_code"],
};

/// koku's `reporting_awscostentrylineitem_summary_by_ec2_compute_p` as the load fills it from
/// [`AWS_EC2_COMPUTE_SUMMARY`] (spec §5).
pub const AWS_EC2_COMPUTE_SUMMARY_TABLE: Table = Table {
    name: "reporting_awscostentrylineitem_summary_by_ec2_compute_p",
    dataset: &AWS_EC2_COMPUTE_SUMMARY,
    uuid_column: "uuid",
    columns: &[
        required("usage_start", PgType::Date),
        col("usage_end", PgType::Date),
        col("cost_entry_bill_id", PgType::Int4),
        col("account_alias_id", PgType::Int4),
        required("usage_account_id", PgType::Varchar(50)),
        required("resource_id", PgType::Varchar(256)),
        varchar("instance_name", 256),
        varchar("instance_type", 50),
        varchar("operating_system", 50),
        varchar("region", 50),
        col("vcpu", PgType::Int4),
        varchar("memory", 50),
        varchar("unit", 63),
        col("usage_amount", N24_9),
        col("normalization_factor", PgType::Float8),
        col("normalized_usage_amount", PgType::Float8),
        required("currency_code", PgType::Varchar(10)),
        col("unblended_rate", N24_9),
        col("unblended_cost", N24_9),
        col("markup_cost", N24_9),
        col("blended_rate", N24_9),
        col("blended_cost", N24_9),
        col("markup_cost_blended", N33_15),
        col("savingsplan_effective_cost", N24_9),
        col("markup_cost_savingsplan", N33_15),
        col("calculated_amortized_cost", N33_9),
        col("markup_cost_amortized", N33_9),
        col("public_on_demand_cost", N24_9),
        col("public_on_demand_rate", N24_9),
        col("tags", PgType::Jsonb),
        col("cost_category", PgType::Jsonb),
        col("source_uuid", PgType::Uuid),
    ],
    not_loaded: &[],
    partition_column: "usage_start",
    // koku's delete (UPD:120-126): the source's rows from the first of the month to the end date,
    // although the insert covers the whole month partition (spec §10.5).
    delete: DeleteScope {
        predicate: "usage_start BETWEEN $1 AND $2 AND source_uuid = $3",
        params: &[
            RunValue::MonthStart,
            RunValue::EndDate,
            RunValue::SourceUuid,
        ],
    },
    // No date bound: koku's insert reads the whole month partition, and an instance's usage_start /
    // usage_end are its first and last day there, which may lie outside the month (a CUR line of
    // the partition dated in the previous month, testdata/aws/04-month-boundary) and after
    // end_date. koku inserts such rows although its delete (above) never removes them; so does the
    // load, which counts them and warns (load/src/aws).
    row_scope: RowScope {
        date_column: "usage_start",
        from: None,
        to: None,
        equal: &[
            ("cost_entry_bill_id", RunValue::BillId),
            ("source_uuid", RunValue::SourceUuid),
        ],
    },
    count_by: &["instance_type"],
};

/// Every table the AWS flow loads, in load order.
pub const TABLES: &[&Table] = &[&AWS_DAILY_SUMMARY_TABLE, &AWS_EC2_COMPUTE_SUMMARY_TABLE];
