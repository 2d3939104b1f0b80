//! The datasets of the OCP-on-AWS flow (`koku-extract ocp-aws` → `koku-transform ocp-aws` →
//! `koku-load`), rule book `spec/ocp-on-aws.md` (cited as §n): AWS costs of one AWS source attributed to
//! the OpenShift clusters running on it, koku's `reporting_ocpawscostlineitem_project_daily_summary_p`
//! and the eight UI summary tables koku's Trino SQL derives from the same rows (§4.12 step 4).
//!
//! One run = one AWS source (the run's `source_uuid`) and window, with every OCP source paired with it
//! (§1.1; the transform decides the pairs from [`OCP_AWS_CLUSTERS`] and the data). The inputs:
//!
//! * the AWS source's daily CUR ([`super::aws::AWS_LINE_ITEMS_DAILY`], shared with the AWS flow) and,
//!   for the inferred disk sizes (§4.4), four columns of its hourly CUR ([`AWS_LINE_ITEMS_HOURLY`]);
//! * per candidate OCP source, the few columns of its raw daily pod and storage usage that koku's
//!   matching reads (§2.4; [`OCP_POD_USAGE_KEYS`], [`OCP_STORAGE_USAGE_KEYS`]);
//! * the OCP daily summary rows of every OCP source of the tenant in the window, shaped like koku's Hive
//!   copy with `csi_volume_handle` ([`super::OCP_DAILY_SUMMARY`], the OCP flow's output dataset, rows of
//!   several sources concatenated; §2.5);
//! * the PostgreSQL inputs of §2.6: [`OCP_AWS_CLUSTERS`], [`OCP_AWS_ENABLED_TAG_KEYS`],
//!   [`OCP_AWS_MATCHED_TAGS`], the account aliases and the AWS source's markup (the AWS flow's datasets).

use super::table::{
    DeleteScope, PgColumn, PgType, RowScope, RunValue, Table, col, required, varchar,
};
use super::{ColumnType, Dataset, Origin, ParquetLocation};

use ColumnType::{Date, Float, Int32, Text, Timestamp};

/// The four columns of koku's hourly CUR (`aws_line_items`) the disk-capacity inference reads (§2.1,
/// §4.4). The extract may leave out rows whose resource id contains no CSI volume handle of the OCP
/// rows it read (they can never be a disk of §4.4's set F).
pub const AWS_LINE_ITEMS_HOURLY: Dataset = Dataset {
    name: "aws_line_items",
    origin: Origin::Parquet(ParquetLocation {
        provider: "AWS",
        daily: false,
        report_type: None,
        time_column: "lineitem_usagestartdate",
        checks: &[],
    }),
    columns: &[
        ("lineitem_resourceid", Text),
        ("lineitem_usagestartdate", Timestamp),
        ("lineitem_unblendedcost", Float),
        ("lineitem_unblendedrate", Float),
    ],
    optional: &["lineitem_unblendedrate"],
};

/// What koku's matching reads of an OCP source's raw daily pod usage
/// (`openshift_pod_usage_line_items_daily`, §2.4): the resource ids of its nodes (resource matching,
/// S3), its nodes and namespaces (special tags, S2), and the pairing of §1.1. `source` is the Parquet
/// partition (the OCP source uuid), added by the extract; one file holds every candidate source.
pub const OCP_POD_USAGE_KEYS: Dataset = Dataset {
    name: "openshift_pod_usage_line_items_daily_keys",
    origin: Origin::Parquet(ParquetLocation {
        provider: "OCP",
        daily: true,
        report_type: Some("pod_usage"),
        time_column: "interval_start",
        checks: &[],
    }),
    columns: &[
        ("source", Text),
        ("interval_start", Timestamp),
        ("node", Text),
        ("namespace", Text),
        ("resource_id", Text),
    ],
    optional: &[],
};

/// What koku's resource matching reads of an OCP source's raw daily storage usage
/// (`openshift_storage_usage_line_items_daily`, §2.4): persistent volume names and CSI volume handles.
/// `source` as in [`OCP_POD_USAGE_KEYS`].
pub const OCP_STORAGE_USAGE_KEYS: Dataset = Dataset {
    name: "openshift_storage_usage_line_items_daily_keys",
    origin: Origin::Parquet(ParquetLocation {
        provider: "OCP",
        daily: true,
        report_type: Some("storage_usage"),
        time_column: "interval_start",
        checks: &[],
    }),
    columns: &[
        ("source", Text),
        ("interval_start", Timestamp),
        ("persistentvolume", Text),
        ("csi_volume_handle", Text),
    ],
    optional: &["csi_volume_handle"],
};

/// Values of [`OCP_AWS_CLUSTERS`]'s `paired_by` column: why an OCP source is a candidate of the run.
pub mod paired_by {
    /// Already paired with the run's AWS source in koku's `api_providerinfrastructuremap`: in the run
    /// whatever the data says (§1.1, the UNION part).
    pub const MAP: &str = "map";
    /// Named with `--ocp-source` (or given with `--ocp-workdir` without a database): in the run.
    pub const NAMED: &str = "named";
    /// Not paired with any cloud source yet: in the run only if the data pairs it (one of its node
    /// resource ids is contained in one of the AWS source's resource ids, §1.1).
    pub const DATA: &str = "data";
}

/// The OCP sources a run may attribute to, one row each, with what koku reads about them (§1.2, §1.4,
/// §2.6): `cluster_id` (`credentials.cluster_id`), `cluster_alias` (`api_provider.name`), the report
/// period of the run's month (NULL: koku skips the pair, §1.2 check 2, and so does the transform,
/// saying so), the distribution of the source's cost model (`cpu` by default), and `paired_by`
/// ([`paired_by`]). Sources paired with another cloud source are not listed.
pub const OCP_AWS_CLUSTERS: Dataset = Dataset {
    name: "ocp_aws_clusters",
    origin: Origin::Postgres,
    columns: &[
        ("source", Text),
        ("cluster_id", Text),
        ("cluster_alias", Text),
        ("report_period_id", Int32),
        ("distribution", Text),
        ("paired_by", Text),
    ],
    optional: &[],
};

/// `reporting_enabledtagkeys` rows with `enabled = true` and `provider_type` `AWS` or `OCP` (§2.6):
/// the AWS tag filter of T1 (§4.3), the "both" test of S1 (§4.1) and the final tag filter (§4.11).
pub const OCP_AWS_ENABLED_TAG_KEYS: Dataset = Dataset {
    name: "reporting_enabledtagkeys_aws_ocp",
    origin: Origin::Postgres,
    columns: &[("key", Text), ("provider_type", Text)],
    optional: &[],
};

/// The generic matched tags G of koku's PostgreSQL path (§4.1, `reporting_ocpaws_matched_tags.sql`):
/// (AWS key, AWS value) pairs, read by the extract with koku's statement (or given with
/// `--matched-tag`). Empty when koku would take the Trino path, which the transform computes per
/// window from the data.
pub const OCP_AWS_MATCHED_TAGS: Dataset = Dataset {
    name: "ocp_aws_matched_tags",
    origin: Origin::Postgres,
    columns: &[("key", Text), ("value", Text)],
    optional: &[],
};

/// The computed rows of `reporting_ocpawscostlineitem_project_daily_summary_p` (§3.1, §4.11), one per
/// PostgreSQL row, measures as f64 (converted by the load, §6.4), `pod_labels`/`tags`/
/// `aws_cost_category` as compact sorted JSON text. `uuid` is the load's; `normalized_usage_amount`
/// is never written (NULL).
pub const OCP_AWS_PROJECT_DAILY_SUMMARY: Dataset = Dataset {
    name: "reporting_ocpawscostlineitem_project_daily_summary_p",
    origin: Origin::Transform,
    columns: &[
        ("report_period_id", Int32),
        ("cluster_id", Text),
        ("cluster_alias", Text),
        ("data_source", Text),
        ("namespace", Text),
        ("node", Text),
        ("persistentvolumeclaim", Text),
        ("persistentvolume", Text),
        ("storageclass", Text),
        ("resource_id", Text),
        ("usage_start", Date),
        ("usage_end", Date),
        ("product_code", Text),
        ("product_family", Text),
        ("instance_type", Text),
        ("cost_entry_bill_id", Int32),
        ("usage_account_id", Text),
        ("account_alias_id", Int32),
        ("availability_zone", Text),
        ("region", Text),
        ("unit", Text),
        ("usage_amount", Float),
        ("infrastructure_data_in_gigabytes", Float),
        ("infrastructure_data_out_gigabytes", Float),
        ("data_transfer_direction", Text),
        ("currency_code", Text),
        ("unblended_cost", Float),
        ("markup_cost", Float),
        ("blended_cost", Float),
        ("markup_cost_blended", Float),
        ("savingsplan_effective_cost", Float),
        ("markup_cost_savingsplan", Float),
        ("calculated_amortized_cost", Float),
        ("markup_cost_amortized", Float),
        ("pod_labels", Text),
        ("tags", Text),
        ("aws_cost_category", Text),
        ("cost_category_id", Int32),
        ("source_uuid", Text),
    ],
    optional: &[],
};

/// One of the eight UI summary datasets (§4.12 step 4): the columns koku's statement inserts, in its
/// order, besides `id` (the load's uuid).
macro_rules! ui_dataset {
    ($name:literal, [$($extra:expr),* $(,)?]) => {
        Dataset {
            name: $name,
            origin: Origin::Transform,
            columns: &[
                ("usage_start", Date),
                ("usage_end", Date),
                ("cluster_id", Text),
                ("cluster_alias", Text),
                $($extra,)*
                ("unblended_cost", Float),
                ("markup_cost", Float),
                ("blended_cost", Float),
                ("markup_cost_blended", Float),
                ("savingsplan_effective_cost", Float),
                ("markup_cost_savingsplan", Float),
                ("calculated_amortized_cost", Float),
                ("markup_cost_amortized", Float),
                ("currency_code", Text),
                ("source_uuid", Text),
            ],
            optional: &[],
        }
    };
}

pub const OCP_AWS_COST_SUMMARY: Dataset = ui_dataset!(
    "reporting_ocpaws_cost_summary_p",
    [("cost_category_id", Int32)]
);
pub const OCP_AWS_COST_SUMMARY_BY_ACCOUNT: Dataset = ui_dataset!(
    "reporting_ocpaws_cost_summary_by_account_p",
    [("usage_account_id", Text), ("account_alias_id", Int32)]
);
pub const OCP_AWS_COST_SUMMARY_BY_REGION: Dataset = ui_dataset!(
    "reporting_ocpaws_cost_summary_by_region_p",
    [
        ("usage_account_id", Text),
        ("account_alias_id", Int32),
        ("region", Text),
        ("availability_zone", Text)
    ]
);
pub const OCP_AWS_COST_SUMMARY_BY_SERVICE: Dataset = ui_dataset!(
    "reporting_ocpaws_cost_summary_by_service_p",
    [
        ("usage_account_id", Text),
        ("account_alias_id", Int32),
        ("product_code", Text),
        ("product_family", Text)
    ]
);
pub const OCP_AWS_COMPUTE_SUMMARY: Dataset = ui_dataset!(
    "reporting_ocpaws_compute_summary_p",
    [
        ("usage_account_id", Text),
        ("account_alias_id", Int32),
        ("instance_type", Text),
        ("resource_id", Text),
        ("usage_amount", Float),
        ("unit", Text)
    ]
);
pub const OCP_AWS_STORAGE_SUMMARY: Dataset = ui_dataset!(
    "reporting_ocpaws_storage_summary_p",
    [
        ("usage_account_id", Text),
        ("account_alias_id", Int32),
        ("product_family", Text),
        ("usage_amount", Float),
        ("unit", Text)
    ]
);
pub const OCP_AWS_NETWORK_SUMMARY: Dataset = ui_dataset!(
    "reporting_ocpaws_network_summary_p",
    [
        ("usage_account_id", Text),
        ("account_alias_id", Int32),
        ("product_code", Text),
        ("usage_amount", Float),
        ("unit", Text)
    ]
);
pub const OCP_AWS_DATABASE_SUMMARY: Dataset = ui_dataset!(
    "reporting_ocpaws_database_summary_p",
    [
        ("usage_account_id", Text),
        ("account_alias_id", Int32),
        ("product_code", Text),
        ("usage_amount", Float),
        ("unit", Text)
    ]
);

/// The UI summary datasets, in koku's order of statements.
pub const OCP_AWS_UI_SUMMARIES: &[&Dataset] = &[
    &OCP_AWS_COST_SUMMARY,
    &OCP_AWS_COST_SUMMARY_BY_ACCOUNT,
    &OCP_AWS_COST_SUMMARY_BY_REGION,
    &OCP_AWS_COST_SUMMARY_BY_SERVICE,
    &OCP_AWS_COMPUTE_SUMMARY,
    &OCP_AWS_STORAGE_SUMMARY,
    &OCP_AWS_NETWORK_SUMMARY,
    &OCP_AWS_DATABASE_SUMMARY,
];

/// Every dataset `koku-extract ocp-aws` writes, in the order it writes them.
pub const OCP_AWS_INPUTS: &[&Dataset] = &[
    &super::aws::AWS_LINE_ITEMS_DAILY,
    &AWS_LINE_ITEMS_HOURLY,
    &OCP_POD_USAGE_KEYS,
    &OCP_STORAGE_USAGE_KEYS,
    &super::OCP_DAILY_SUMMARY,
    &OCP_AWS_CLUSTERS,
    &OCP_AWS_ENABLED_TAG_KEYS,
    &OCP_AWS_MATCHED_TAGS,
    &super::aws::AWS_ACCOUNT_ALIASES,
    &super::aws::AWS_MARKUP,
];

/// Every OCP-on-AWS dataset (the shared ones are listed with their flows).
pub const ALL: &[&Dataset] = &[
    &AWS_LINE_ITEMS_HOURLY,
    &OCP_POD_USAGE_KEYS,
    &OCP_STORAGE_USAGE_KEYS,
    &OCP_AWS_CLUSTERS,
    &OCP_AWS_ENABLED_TAG_KEYS,
    &OCP_AWS_MATCHED_TAGS,
    &OCP_AWS_PROJECT_DAILY_SUMMARY,
    &OCP_AWS_COST_SUMMARY,
    &OCP_AWS_COST_SUMMARY_BY_ACCOUNT,
    &OCP_AWS_COST_SUMMARY_BY_REGION,
    &OCP_AWS_COST_SUMMARY_BY_SERVICE,
    &OCP_AWS_COMPUTE_SUMMARY,
    &OCP_AWS_STORAGE_SUMMARY,
    &OCP_AWS_NETWORK_SUMMARY,
    &OCP_AWS_DATABASE_SUMMARY,
];

const N30_15: PgType = PgType::Numeric {
    precision: 30,
    scale: 15,
};
const N33_15: PgType = PgType::Numeric {
    precision: 33,
    scale: 15,
};
const N33_9: PgType = PgType::Numeric {
    precision: 33,
    scale: 9,
};

/// koku's `reporting_ocpawscostlineitem_project_daily_summary_p` as the load fills it from
/// [`OCP_AWS_PROJECT_DAILY_SUMMARY`] (§3.1).
pub const OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE: Table = Table {
    name: "reporting_ocpawscostlineitem_project_daily_summary_p",
    dataset: &OCP_AWS_PROJECT_DAILY_SUMMARY,
    uuid_column: "uuid",
    columns: &[
        col("report_period_id", PgType::Int4),
        varchar("cluster_id", 50),
        varchar("cluster_alias", 256),
        varchar("data_source", 64),
        varchar("namespace", 253),
        varchar("node", 253),
        varchar("persistentvolumeclaim", 253),
        varchar("persistentvolume", 253),
        varchar("storageclass", 50),
        varchar("resource_id", 253),
        required("usage_start", PgType::Date),
        required("usage_end", PgType::Date),
        required("product_code", PgType::Text),
        varchar("product_family", 150),
        varchar("instance_type", 50),
        col("cost_entry_bill_id", PgType::Int4),
        required("usage_account_id", PgType::Varchar(50)),
        col("account_alias_id", PgType::Int4),
        varchar("availability_zone", 50),
        varchar("region", 50),
        varchar("unit", 63),
        col("usage_amount", N30_15),
        col("infrastructure_data_in_gigabytes", N33_15),
        col("infrastructure_data_out_gigabytes", N33_15),
        col("data_transfer_direction", PgType::Text),
        varchar("currency_code", 10),
        col("unblended_cost", N30_15),
        col("markup_cost", N30_15),
        col("blended_cost", N33_15),
        col("markup_cost_blended", N33_15),
        col("savingsplan_effective_cost", N33_15),
        col("markup_cost_savingsplan", N33_15),
        col("calculated_amortized_cost", N33_9),
        col("markup_cost_amortized", N33_9),
        col("pod_labels", PgType::Jsonb),
        col("tags", PgType::Jsonb),
        col("aws_cost_category", PgType::Jsonb),
        col("cost_category_id", PgType::Int4),
        col("source_uuid", PgType::Uuid),
    ],
    not_loaded: &[],
    partition_column: "usage_start",
    // koku's DELETE mode (§5.1): the lowest bill of the AWS source and the window's days, every
    // cluster at once. Its TRUNCATE mode (a whole month, one AWS infrastructure source in the tenant)
    // removes the same rows: with one AWS source running OpenShift, every row of the month partition
    // is that source's bill's. With `--ocp-source` naming a subset of the pairs, the run's
    // `ocp_cluster_ids` narrows the delete to those clusters ($4 NULL: every cluster).
    delete: DeleteScope {
        predicate: "usage_start BETWEEN $1 AND $2 AND cost_entry_bill_id = $3 \
                    AND ($4::text[] IS NULL OR cluster_id = ANY($4))",
        params: &[
            RunValue::StartDate,
            RunValue::EndDate,
            RunValue::BillId,
            RunValue::OcpClusterIds,
        ],
    },
    row_scope: RowScope {
        date_column: "usage_start",
        from: Some(RunValue::StartDate),
        to: Some(RunValue::EndDate),
        // cluster_id: with `ocp_cluster_ids` set, a row of another cluster would be inserted outside
        // the narrowed delete scope and never replaced by a re-run.
        equal: &[
            ("cost_entry_bill_id", RunValue::BillId),
            ("source_uuid", RunValue::SourceUuid),
            ("cluster_id", RunValue::OcpClusterIds),
        ],
    },
    count_by: &["data_source"],
};

/// The loaded columns of a UI table: koku's statement's columns in its order (dataset order).
macro_rules! ui_table {
    ($dataset:expr, [$($extra:expr),* $(,)?]) => {
        Table {
            name: $dataset.name,
            dataset: &$dataset,
            uuid_column: "id",
            columns: &[
                required("usage_start", PgType::Date),
                required("usage_end", PgType::Date),
                varchar("cluster_id", 50),
                varchar("cluster_alias", 256),
                $($extra,)*
                col("unblended_cost", N33_15),
                col("markup_cost", N33_15),
                col("blended_cost", N33_15),
                col("markup_cost_blended", N33_15),
                col("savingsplan_effective_cost", N33_15),
                col("markup_cost_savingsplan", N33_15),
                col("calculated_amortized_cost", N33_9),
                col("markup_cost_amortized", N33_9),
                required("currency_code", PgType::Varchar(10)),
                col("source_uuid", PgType::Uuid),
            ],
            not_loaded: &[],
            partition_column: "usage_start",
            delete: UI_DELETE,
            row_scope: UI_ROW_SCOPE,
            count_by: &[],
        }
    };
}

/// koku's DELETE mode for the UI tables (§5.1): the AWS source's rows of the window's days (narrowed
/// to the run's clusters as for the `_p` table).
const UI_DELETE: DeleteScope = DeleteScope {
    predicate: "usage_start BETWEEN $1 AND $2 AND source_uuid = $3 \
                AND ($4::text[] IS NULL OR cluster_id = ANY($4))",
    params: &[
        RunValue::StartDate,
        RunValue::EndDate,
        RunValue::SourceUuid,
        RunValue::OcpClusterIds,
    ],
};

const UI_ROW_SCOPE: RowScope = RowScope {
    date_column: "usage_start",
    from: Some(RunValue::StartDate),
    to: Some(RunValue::EndDate),
    equal: &[
        ("source_uuid", RunValue::SourceUuid),
        ("cluster_id", RunValue::OcpClusterIds),
    ],
};

const ACCOUNT: PgColumn = required("usage_account_id", PgType::Varchar(50));
const ALIAS: PgColumn = col("account_alias_id", PgType::Int4);
const USAGE: PgColumn = col("usage_amount", N33_15);
const UNIT: PgColumn = varchar("unit", 63);

pub const OCP_AWS_COST_SUMMARY_TABLE: Table = ui_table!(
    OCP_AWS_COST_SUMMARY,
    [col("cost_category_id", PgType::Int4)]
);
pub const OCP_AWS_COST_SUMMARY_BY_ACCOUNT_TABLE: Table =
    ui_table!(OCP_AWS_COST_SUMMARY_BY_ACCOUNT, [ACCOUNT, ALIAS]);
pub const OCP_AWS_COST_SUMMARY_BY_REGION_TABLE: Table = ui_table!(
    OCP_AWS_COST_SUMMARY_BY_REGION,
    [
        ACCOUNT,
        ALIAS,
        varchar("region", 50),
        varchar("availability_zone", 50)
    ]
);
pub const OCP_AWS_COST_SUMMARY_BY_SERVICE_TABLE: Table = ui_table!(
    OCP_AWS_COST_SUMMARY_BY_SERVICE,
    [
        ACCOUNT,
        ALIAS,
        required("product_code", PgType::Text),
        varchar("product_family", 150)
    ]
);
pub const OCP_AWS_COMPUTE_SUMMARY_TABLE: Table = ui_table!(
    OCP_AWS_COMPUTE_SUMMARY,
    [
        ACCOUNT,
        ALIAS,
        varchar("instance_type", 50),
        varchar("resource_id", 253),
        USAGE,
        UNIT
    ]
);
pub const OCP_AWS_STORAGE_SUMMARY_TABLE: Table = ui_table!(
    OCP_AWS_STORAGE_SUMMARY,
    [ACCOUNT, ALIAS, varchar("product_family", 150), USAGE, UNIT]
);
pub const OCP_AWS_NETWORK_SUMMARY_TABLE: Table = ui_table!(
    OCP_AWS_NETWORK_SUMMARY,
    [
        ACCOUNT,
        ALIAS,
        required("product_code", PgType::Text),
        USAGE,
        UNIT
    ]
);
pub const OCP_AWS_DATABASE_SUMMARY_TABLE: Table = ui_table!(
    OCP_AWS_DATABASE_SUMMARY,
    [
        ACCOUNT,
        ALIAS,
        required("product_code", PgType::Text),
        USAGE,
        UNIT
    ]
);

/// Every table the OCP-on-AWS flow loads, in load order (the `_p` table first, as koku inserts it
/// before the UI statements).
pub const TABLES: &[&Table] = &[
    &OCP_AWS_PROJECT_DAILY_SUMMARY_TABLE,
    &OCP_AWS_COST_SUMMARY_TABLE,
    &OCP_AWS_COST_SUMMARY_BY_ACCOUNT_TABLE,
    &OCP_AWS_COST_SUMMARY_BY_REGION_TABLE,
    &OCP_AWS_COST_SUMMARY_BY_SERVICE_TABLE,
    &OCP_AWS_COMPUTE_SUMMARY_TABLE,
    &OCP_AWS_STORAGE_SUMMARY_TABLE,
    &OCP_AWS_NETWORK_SUMMARY_TABLE,
    &OCP_AWS_DATABASE_SUMMARY_TABLE,
];
