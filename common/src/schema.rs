//! Canonical Arrow schemas of every dataset in a work directory.
//!
//! koku's Parquet files vary physically (large_utf8 vs utf8, column order, int vs double, columns missing
//! in files from older operators). `koku-extract` normalises all of that into the schemas below, so the
//! transform never has to care. Types are deliberately few:
//!
//! * text → `Utf8` (labels stay JSON object text, parsed by the transform),
//! * every measure → `Float64` (Trino declares every numeric column `double`),
//! * timestamps → `Timestamp(Millisecond, None)`, the UTC wall clock koku writes,
//! * dates of output rows → `Date32`, ids → `Int32`.
//!
//! Every column is nullable: koku's Parquet columns are all `optional`, and "column missing in this file"
//! must read as NULL.

use std::sync::Arc;

use arrow::array::{
    Array, Float64Array, Int32Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// Bumped whenever a dataset schema or the meaning of a column changes; stored in every IPC file's
/// metadata and in `run.json`, and checked by every stage.
pub const SCHEMA_VERSION: &str = "1";

/// The logical type of a canonical column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Float,
    Timestamp,
    Date,
    Int32,
}

impl ColumnType {
    pub fn arrow(self) -> DataType {
        match self {
            ColumnType::Text => DataType::Utf8,
            ColumnType::Float => DataType::Float64,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, None),
            ColumnType::Date => DataType::Date32,
            ColumnType::Int32 => DataType::Int32,
        }
    }
}

/// Where the rows of a dataset come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Parquet under `data/parquet[/daily]/<account>/OCP/<report_type>/source=…/year=…/month=…/`.
    Parquet {
        daily: bool,
        report_type: &'static str,
    },
    /// A table of koku's tenant schema (or the equivalent command-line flag / file).
    Postgres,
    /// Computed by `koku-transform`.
    Transform,
}

/// One dataset of the work directory: its file is `<name>.arrow`.
#[derive(Debug)]
pub struct Dataset {
    pub name: &'static str,
    pub origin: Origin,
    pub columns: &'static [(&'static str, ColumnType)],
    /// Columns a koku file may lack (older operators, files from before koku added the column): read as
    /// NULL. Any other missing column is an error naming the file and the column.
    pub optional: &'static [&'static str],
}

impl Dataset {
    /// The canonical Arrow schema (no metadata; the work dir adds the run identity).
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|(name, ty)| Field::new(*name, ty.arrow(), true))
                .collect::<Vec<_>>(),
        ))
    }

    pub fn file_name(&self) -> String {
        format!("{}.arrow", self.name)
    }

    pub fn is_optional(&self, column: &str) -> bool {
        self.optional.contains(&column)
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| *n == name)
    }
}

use ColumnType::{Date, Float, Int32, Text, Timestamp};

/// Hourly pod usage (`openshift_pod_usage_line_items`), projected to what the summary reads from it:
/// node and cluster capacity per hour (spec §4.2). The other hourly columns are never read by koku's
/// summary SQL, so extracting them would only cost decode time and disk.
pub const POD_USAGE_HOURLY: Dataset = Dataset {
    name: "openshift_pod_usage_line_items",
    origin: Origin::Parquet {
        daily: false,
        report_type: "pod_usage",
    },
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
    origin: Origin::Parquet {
        daily: true,
        report_type: "pod_usage",
    },
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
    origin: Origin::Parquet {
        daily: true,
        report_type: "storage_usage",
    },
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
    origin: Origin::Parquet {
        daily: true,
        report_type: "node_labels",
    },
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
    origin: Origin::Parquet {
        daily: true,
        report_type: "namespace_labels",
    },
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

/// Look a dataset up by name (`koku-ipc` and error messages use this).
pub fn dataset_by_name(name: &str) -> Option<&'static Dataset> {
    OCP_INPUTS
        .iter()
        .copied()
        .chain(std::iter::once(&OCP_DAILY_SUMMARY))
        .chain(OCP_CLUSTER_INFO.iter().copied())
        .find(|d| d.name == name)
}

/// Typed access to one batch of a canonical dataset, by column name. Every stage that reads a work-dir
/// file gets batches of exactly the canonical schema (the reader checks it), so a wrong type here is a
/// bug, not bad input: the accessors panic.
pub struct Columns<'a> {
    dataset: &'static Dataset,
    batch: &'a RecordBatch,
}

impl<'a> Columns<'a> {
    pub fn new(dataset: &'static Dataset, batch: &'a RecordBatch) -> Self {
        Columns { dataset, batch }
    }

    fn column(&self, name: &str) -> &'a dyn Array {
        let idx = self
            .dataset
            .column_index(name)
            .unwrap_or_else(|| panic!("{} has no column {name}", self.dataset.name));
        self.batch.column(idx).as_ref()
    }

    pub fn text(&self, name: &str) -> &'a StringArray {
        self.column(name)
            .as_any()
            .downcast_ref()
            .expect("canonical Utf8 column")
    }

    pub fn float(&self, name: &str) -> &'a Float64Array {
        self.column(name)
            .as_any()
            .downcast_ref()
            .expect("canonical Float64 column")
    }

    pub fn int32(&self, name: &str) -> &'a Int32Array {
        self.column(name)
            .as_any()
            .downcast_ref()
            .expect("canonical Int32 column")
    }

    pub fn timestamp(&self, name: &str) -> &'a TimestampMillisecondArray {
        self.column(name)
            .as_any()
            .downcast_ref()
            .expect("canonical Timestamp(ms) column")
    }
}

/// The text at row `i`, borrowed from the array; `None` = NULL.
pub fn opt_text(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

/// The value of row `i`, `None` for NULL.
pub fn opt_str(a: &StringArray, i: usize) -> Option<String> {
    a.is_valid(i).then(|| a.value(i).to_string())
}

/// The value of row `i`, `None` for NULL.
pub fn opt_f64(a: &Float64Array, i: usize) -> Option<f64> {
    a.is_valid(i).then(|| a.value(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_names_are_unique_and_resolvable() {
        let mut names: Vec<_> = OCP_INPUTS.iter().map(|d| d.name).collect();
        names.push(OCP_DAILY_SUMMARY.name);
        names.extend(OCP_CLUSTER_INFO.iter().map(|d| d.name));
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        for n in names {
            assert_eq!(dataset_by_name(n).unwrap().name, n);
        }
        assert!(dataset_by_name("nope").is_none());
    }

    #[test]
    fn schemas_have_no_duplicate_columns() {
        for d in OCP_INPUTS.iter().copied().chain([&OCP_DAILY_SUMMARY]) {
            let s = d.schema();
            for (i, f) in s.fields().iter().enumerate() {
                assert_eq!(s.index_of(f.name()).unwrap(), i, "{}.{}", d.name, f.name());
            }
        }
    }
}
