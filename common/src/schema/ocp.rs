//! The datasets of the OpenShift flow (`koku-extract ocp` → `koku-transform ocp` → `koku-load`): koku's
//! OCP Parquet (input-data §4.1–4.3), the PostgreSQL inputs of the OCP summary, and what the transform
//! computes (spec ocp-daily-summary §3.4, §4).

use super::ValueCheck::{JsonObject, WarnNegative, WarnNull};
use super::table::{DeleteScope, PgType, RowScope, RunValue, Table, col, required, varchar};
use super::{ColumnType, Dataset, Origin, ParquetLocation};

use ColumnType::{Date, Float, Int32, Text, Timestamp};

/// Hourly pod usage (`openshift_pod_usage_line_items`), projected to what the summary reads from it:
/// node and cluster capacity per hour (spec §4.2). The other hourly columns are never read by koku's
/// summary SQL, so extracting them would only cost decode time and disk.
pub const POD_USAGE_HOURLY: Dataset = Dataset {
    name: "openshift_pod_usage_line_items",
    origin: Origin::Parquet(ParquetLocation {
        provider: "OCP",
        daily: false,
        report_type: Some("pod_usage"),
        time_column: "interval_start",
        checks: &[
            WarnNegative("node_capacity_cpu_core_seconds"),
            WarnNegative("node_capacity_memory_byte_seconds"),
        ],
    }),
    columns: &[
        ("interval_start", Timestamp),
        ("node", Text),
        ("node_capacity_cpu_core_seconds", Float),
        ("node_capacity_memory_byte_seconds", Float),
    ],
    optional: &[],
};

/// Daily pod usage (`openshift_pod_usage_line_items_daily`), every column koku writes (input-data §4.1).
pub const POD_USAGE_DAILY: Dataset = Dataset {
    name: "openshift_pod_usage_line_items_daily",
    origin: Origin::Parquet(ParquetLocation {
        provider: "OCP",
        daily: true,
        report_type: Some("pod_usage"),
        time_column: "interval_start",
        checks: &[
            JsonObject("pod_labels"),
            WarnNull("namespace"),
            WarnNull("node"),
            WarnNegative("pod_usage_cpu_core_seconds"),
            WarnNegative("pod_request_cpu_core_seconds"),
            WarnNegative("pod_effective_usage_cpu_core_seconds"),
            WarnNegative("pod_limit_cpu_core_seconds"),
            WarnNegative("pod_usage_memory_byte_seconds"),
            WarnNegative("pod_request_memory_byte_seconds"),
            WarnNegative("pod_effective_usage_memory_byte_seconds"),
            WarnNegative("pod_limit_memory_byte_seconds"),
            WarnNegative("node_capacity_cpu_cores"),
            WarnNegative("node_capacity_memory_bytes"),
        ],
    }),
    columns: &[
        ("namespace", Text),
        ("node", Text),
        ("pod", Text),
        ("pod_labels", Text),
        ("interval_start", Timestamp),
        ("report_period_start", Timestamp),
        ("report_period_end", Timestamp),
        ("resource_id", Text),
        ("pod_usage_cpu_core_seconds", Float),
        ("pod_request_cpu_core_seconds", Float),
        ("pod_effective_usage_cpu_core_seconds", Float),
        ("pod_limit_cpu_core_seconds", Float),
        ("pod_usage_memory_byte_seconds", Float),
        ("pod_request_memory_byte_seconds", Float),
        ("pod_effective_usage_memory_byte_seconds", Float),
        ("pod_limit_memory_byte_seconds", Float),
        ("node_capacity_cpu_cores", Float),
        ("node_capacity_cpu_core_seconds", Float),
        ("node_capacity_memory_bytes", Float),
        ("node_capacity_memory_byte_seconds", Float),
        ("node_role", Text),
    ],
    optional: &[
        "pod_effective_usage_cpu_core_seconds",
        "pod_effective_usage_memory_byte_seconds",
        "node_role",
    ],
};

/// Daily storage usage (`openshift_storage_usage_line_items_daily`, input-data §4.2).
pub const STORAGE_USAGE_DAILY: Dataset = Dataset {
    name: "openshift_storage_usage_line_items_daily",
    origin: Origin::Parquet(ParquetLocation {
        provider: "OCP",
        daily: true,
        report_type: Some("storage_usage"),
        time_column: "interval_start",
        checks: &[
            JsonObject("persistentvolume_labels"),
            JsonObject("persistentvolumeclaim_labels"),
            WarnNull("namespace"),
            WarnNegative("persistentvolumeclaim_capacity_bytes"),
            WarnNegative("persistentvolumeclaim_capacity_byte_seconds"),
            WarnNegative("volume_request_storage_byte_seconds"),
            WarnNegative("persistentvolumeclaim_usage_byte_seconds"),
        ],
    }),
    columns: &[
        ("namespace", Text),
        ("node", Text),
        ("pod", Text),
        ("persistentvolumeclaim", Text),
        ("persistentvolume", Text),
        ("storageclass", Text),
        ("csi_driver", Text),
        ("csi_volume_handle", Text),
        ("persistentvolume_labels", Text),
        ("persistentvolumeclaim_labels", Text),
        ("interval_start", Timestamp),
        ("report_period_start", Timestamp),
        ("report_period_end", Timestamp),
        ("persistentvolumeclaim_capacity_bytes", Float),
        ("persistentvolumeclaim_capacity_byte_seconds", Float),
        ("volume_request_storage_byte_seconds", Float),
        ("persistentvolumeclaim_usage_byte_seconds", Float),
    ],
    optional: &["node", "csi_driver", "csi_volume_handle"],
};

/// Daily node labels (`openshift_node_labels_line_items_daily`, input-data §4.3).
pub const NODE_LABELS_DAILY: Dataset = Dataset {
    name: "openshift_node_labels_line_items_daily",
    origin: Origin::Parquet(ParquetLocation {
        provider: "OCP",
        daily: true,
        report_type: Some("node_labels"),
        time_column: "interval_start",
        checks: &[JsonObject("node_labels")],
    }),
    columns: &[
        ("node", Text),
        ("node_labels", Text),
        ("interval_start", Timestamp),
        ("report_period_start", Timestamp),
        ("report_period_end", Timestamp),
    ],
    optional: &[],
};

/// Daily namespace labels (`openshift_namespace_labels_line_items_daily`, input-data §4.3).
pub const NAMESPACE_LABELS_DAILY: Dataset = Dataset {
    name: "openshift_namespace_labels_line_items_daily",
    origin: Origin::Parquet(ParquetLocation {
        provider: "OCP",
        daily: true,
        report_type: Some("namespace_labels"),
        time_column: "interval_start",
        checks: &[JsonObject("namespace_labels")],
    }),
    columns: &[
        ("namespace", Text),
        ("namespace_labels", Text),
        ("interval_start", Timestamp),
        ("report_period_start", Timestamp),
        ("report_period_end", Timestamp),
    ],
    optional: &[],
};

/// Enabled OCP tag keys (`reporting_enabledtagkeys WHERE enabled AND provider_type = 'OCP'`).
pub const ENABLED_TAG_KEYS: Dataset = Dataset {
    name: "reporting_enabledtagkeys",
    origin: Origin::Postgres,
    columns: &[("key", Text)],
    optional: &[],
};

/// Cost-category namespace patterns (`reporting_ocp_cost_category_namespace`).
pub const COST_CATEGORY_NAMESPACE: Dataset = Dataset {
    name: "reporting_ocp_cost_category_namespace",
    origin: Origin::Postgres,
    columns: &[("namespace", Text), ("cost_category_id", Int32)],
    optional: &[],
};

/// The tenant's node table (`reporting_ocp_nodes`, all clusters), with the provider of each row's
/// cluster: koku's node upsert before the summary matches rows of this run's cluster on
/// (node, resource_id, capacity), and the unallocated rows read the roles of every cluster.
/// Rows given with `--node-roles` may leave capacity, architecture and provider NULL: they then declare
/// a role for this cluster's node whatever its capacity.
pub const OCP_NODES: Dataset = Dataset {
    name: "reporting_ocp_nodes",
    origin: Origin::Postgres,
    columns: &[
        ("node", Text),
        ("resource_id", Text),
        ("node_role", Text),
        ("node_capacity_cpu_cores", Float),
        ("architecture", Text),
        ("cluster_provider_id", Text),
    ],
    optional: &[],
};

/// koku's nodes query over this run's data (`get_nodes_query_sql`): what koku upserts into
/// `reporting_ocp_nodes` before summarising.
pub const CLUSTER_NODES: Dataset = Dataset {
    name: "cluster_nodes",
    origin: Origin::Transform,
    columns: &[
        ("node", Text),
        ("resource_id", Text),
        ("node_capacity_cpu_cores", Float),
        ("node_role", Text),
        ("architecture", Text),
    ],
    optional: &[],
};

/// koku's PVC query (`get_pvcs_query_sql`): upserted into `reporting_ocp_pvcs`.
pub const CLUSTER_PVCS: Dataset = Dataset {
    name: "cluster_pvcs",
    origin: Origin::Transform,
    columns: &[
        ("persistentvolume", Text),
        ("persistentvolumeclaim", Text),
        ("csi_volume_handle", Text),
    ],
    optional: &[],
};

/// koku's project query (`get_projects_query_sql`): upserted into `reporting_ocp_projects`.
pub const CLUSTER_PROJECTS: Dataset = Dataset {
    name: "cluster_projects",
    origin: Origin::Transform,
    columns: &[("namespace", Text)],
    optional: &[],
};

/// Every dataset `koku-transform ocp` writes besides the summary.
pub const OCP_CLUSTER_INFO: &[&Dataset] = &[&CLUSTER_NODES, &CLUSTER_PVCS, &CLUSTER_PROJECTS];

/// Every dataset `koku-extract ocp` writes, in the order it writes them.
pub const OCP_INPUTS: &[&Dataset] = &[
    &POD_USAGE_HOURLY,
    &POD_USAGE_DAILY,
    &STORAGE_USAGE_DAILY,
    &NODE_LABELS_DAILY,
    &NAMESPACE_LABELS_DAILY,
    &ENABLED_TAG_KEYS,
    &COST_CATEGORY_NAMESPACE,
    &OCP_NODES,
];

/// Values of the `row_kind` column of the summary output.
pub mod row_kind {
    pub const POD: &str = "pod";
    pub const STORAGE: &str = "storage";
    pub const UNALLOCATED: &str = "unallocated";
}

/// The computed OCP daily summary rows, shaped like koku's Hive copy of
/// `reporting_ocpusagelineitem_daily_summary` (spec §3.4) with measures kept as f64, plus `all_labels`
/// (spec §4.8) and `row_kind`. `uuid` is not here: koku gives every row a fresh random UUID at insert
/// time, and `koku-load` a fresh time-ordered one (`load/src/copy.rs`), which keeps the transform
/// deterministic.
pub const OCP_DAILY_SUMMARY: Dataset = Dataset {
    name: "reporting_ocpusagelineitem_daily_summary",
    origin: Origin::Transform,
    columns: &[
        ("row_kind", Text),
        ("report_period_id", Int32),
        ("cluster_id", Text),
        ("cluster_alias", Text),
        ("data_source", Text),
        ("usage_start", Date),
        ("usage_end", Date),
        ("namespace", Text),
        ("node", Text),
        ("resource_id", Text),
        ("pod_labels", Text),
        ("pod_usage_cpu_core_hours", Float),
        ("pod_request_cpu_core_hours", Float),
        ("pod_effective_usage_cpu_core_hours", Float),
        ("pod_limit_cpu_core_hours", Float),
        ("pod_usage_memory_gigabyte_hours", Float),
        ("pod_request_memory_gigabyte_hours", Float),
        ("pod_effective_usage_memory_gigabyte_hours", Float),
        ("pod_limit_memory_gigabyte_hours", Float),
        ("node_capacity_cpu_cores", Float),
        ("node_capacity_cpu_core_hours", Float),
        ("node_capacity_memory_gigabytes", Float),
        ("node_capacity_memory_gigabyte_hours", Float),
        ("cluster_capacity_cpu_core_hours", Float),
        ("cluster_capacity_memory_gigabyte_hours", Float),
        ("persistentvolumeclaim", Text),
        ("persistentvolume", Text),
        ("storageclass", Text),
        ("volume_labels", Text),
        ("persistentvolumeclaim_capacity_gigabyte", Float),
        ("persistentvolumeclaim_capacity_gigabyte_months", Float),
        ("volume_request_storage_gigabyte_months", Float),
        ("persistentvolumeclaim_usage_gigabyte_months", Float),
        ("source_uuid", Text),
        ("infrastructure_usage_cost", Text),
        ("csi_volume_handle", Text),
        ("cost_category_id", Int32),
        ("all_labels", Text),
    ],
    optional: &[],
};

/// Every OCP dataset.
pub const ALL: &[&Dataset] = &[
    &POD_USAGE_HOURLY,
    &POD_USAGE_DAILY,
    &STORAGE_USAGE_DAILY,
    &NODE_LABELS_DAILY,
    &NAMESPACE_LABELS_DAILY,
    &ENABLED_TAG_KEYS,
    &COST_CATEGORY_NAMESPACE,
    &OCP_NODES,
    &OCP_DAILY_SUMMARY,
    &CLUSTER_NODES,
    &CLUSTER_PVCS,
    &CLUSTER_PROJECTS,
];

/// `numeric(33,15)`, the type of every measure of the OCP summary table.
const N: PgType = PgType::Numeric {
    precision: 33,
    scale: 15,
};

/// koku's `reporting_ocpusagelineitem_daily_summary` as the load fills it from [`OCP_DAILY_SUMMARY`]
/// (spec ocp-daily-summary §3.1, §1 step 6).
pub const OCP_DAILY_SUMMARY_TABLE: Table = Table {
    name: "reporting_ocpusagelineitem_daily_summary",
    dataset: &OCP_DAILY_SUMMARY,
    uuid_column: "uuid",
    columns: &[
        col("report_period_id", PgType::Int4),
        varchar("cluster_id", 50),
        varchar("cluster_alias", 256),
        varchar("data_source", 64),
        required("usage_start", PgType::Date),
        required("usage_end", PgType::Date),
        varchar("namespace", 253),
        varchar("node", 253),
        varchar("resource_id", 253),
        col("pod_labels", PgType::Jsonb),
        col("pod_usage_cpu_core_hours", N),
        col("pod_request_cpu_core_hours", N),
        col("pod_effective_usage_cpu_core_hours", N),
        col("pod_limit_cpu_core_hours", N),
        col("pod_usage_memory_gigabyte_hours", N),
        col("pod_request_memory_gigabyte_hours", N),
        col("pod_effective_usage_memory_gigabyte_hours", N),
        col("pod_limit_memory_gigabyte_hours", N),
        col("node_capacity_cpu_cores", N),
        col("node_capacity_cpu_core_hours", N),
        col("node_capacity_memory_gigabytes", N),
        col("node_capacity_memory_gigabyte_hours", N),
        col("cluster_capacity_cpu_core_hours", N),
        col("cluster_capacity_memory_gigabyte_hours", N),
        varchar("persistentvolumeclaim", 253),
        varchar("persistentvolume", 253),
        varchar("storageclass", 253),
        col("volume_labels", PgType::Jsonb),
        col("persistentvolumeclaim_capacity_gigabyte", N),
        col("persistentvolumeclaim_capacity_gigabyte_months", N),
        col("volume_request_storage_gigabyte_months", N),
        col("persistentvolumeclaim_usage_gigabyte_months", N),
        col("source_uuid", PgType::Uuid),
        col("infrastructure_usage_cost", PgType::Jsonb),
        col("cost_category_id", PgType::Int4),
        col("all_labels", PgType::Jsonb),
    ],
    // The transform's row classification, and koku's Hive-only column (spec §3.4).
    not_loaded: &["row_kind", "csi_volume_handle"],
    partition_column: "usage_start",
    // koku's delete (spec §1 step 6.1): the summary rows of the days and report period, and the
    // cost-model rows of those days too (koku's cost-model task must run afterwards), but not the
    // OCP-on-cloud rows (non-zero raw cost).
    delete: DeleteScope {
        predicate: "usage_start BETWEEN $1 AND $2 AND report_period_id = $3 \
                    AND (infrastructure_raw_cost IS NULL OR infrastructure_raw_cost = 0)",
        params: &[
            RunValue::StartDate,
            RunValue::EndDate,
            RunValue::ReportPeriodId,
        ],
    },
    row_scope: RowScope {
        date_column: "usage_start",
        from: Some(RunValue::StartDate),
        to: Some(RunValue::EndDate),
        equal: &[
            ("report_period_id", RunValue::ReportPeriodId),
            ("source_uuid", RunValue::SourceUuid),
        ],
    },
    count_by: &["row_kind", "data_source"],
};

/// Every table the OCP flow loads.
pub const TABLES: &[&Table] = &[&OCP_DAILY_SUMMARY_TABLE];
