//! The output rows (`reporting_ocpusagelineitem_daily_summary`, Hive-copy shape with f64 measures) and
//! their conversion into the canonical Arrow batch.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
use koku_common::schema::OCP_DAILY_SUMMARY;

use super::inputs::RunParams;
use crate::core::days::Day;

/// The constant of koku's SQL for Pod and Storage rows (spec §4.6, §5.3).
pub const INFRASTRUCTURE_USAGE_COST: &str =
    r#"{"cpu": 0.000000000, "memory": 0.000000000, "storage": 0.000000000}"#;

/// One computed summary row. Field names are the column names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryRow {
    pub row_kind: &'static str,
    pub data_source: &'static str,
    pub usage_start: Day,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub resource_id: Option<String>,
    pub pod_labels: Option<String>,
    pub pod_usage_cpu_core_hours: Option<f64>,
    pub pod_request_cpu_core_hours: Option<f64>,
    pub pod_effective_usage_cpu_core_hours: Option<f64>,
    pub pod_limit_cpu_core_hours: Option<f64>,
    pub pod_usage_memory_gigabyte_hours: Option<f64>,
    pub pod_request_memory_gigabyte_hours: Option<f64>,
    pub pod_effective_usage_memory_gigabyte_hours: Option<f64>,
    pub pod_limit_memory_gigabyte_hours: Option<f64>,
    pub node_capacity_cpu_cores: Option<f64>,
    pub node_capacity_cpu_core_hours: Option<f64>,
    pub node_capacity_memory_gigabytes: Option<f64>,
    pub node_capacity_memory_gigabyte_hours: Option<f64>,
    pub cluster_capacity_cpu_core_hours: Option<f64>,
    pub cluster_capacity_memory_gigabyte_hours: Option<f64>,
    pub persistentvolumeclaim: Option<String>,
    pub persistentvolume: Option<String>,
    pub storageclass: Option<String>,
    pub volume_labels: Option<String>,
    pub persistentvolumeclaim_capacity_gigabyte: Option<f64>,
    pub persistentvolumeclaim_capacity_gigabyte_months: Option<f64>,
    pub volume_request_storage_gigabyte_months: Option<f64>,
    pub persistentvolumeclaim_usage_gigabyte_months: Option<f64>,
    pub infrastructure_usage_cost: Option<&'static str>,
    pub csi_volume_handle: Option<String>,
    pub cost_category_id: Option<i32>,
    /// `pod_labels ⊕ volume_labels` as koku's transfer computes it (spec §4.8).
    pub all_labels: String,
}

/// Build the output batch; `report_period_id`, cluster and source columns come from the run.
pub fn to_batch(rows: &[SummaryRow], run: &RunParams) -> RecordBatch {
    let n = rows.len();
    let text = |f: &dyn Fn(&SummaryRow) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let float = |f: &dyn Fn(&SummaryRow) -> Option<f64>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Float64Array>())
    };
    let day: ArrayRef = Arc::new(
        rows.iter()
            .map(|r| Some(r.usage_start))
            .collect::<Date32Array>(),
    );
    let columns: Vec<ArrayRef> = vec![
        text(&|r| Some(r.row_kind)),
        Arc::new(Int32Array::from(vec![run.report_period_id; n])),
        Arc::new(StringArray::from(vec![run.cluster_id.as_deref(); n])),
        Arc::new(StringArray::from(vec![run.cluster_alias.as_deref(); n])),
        text(&|r| Some(r.data_source)),
        day.clone(),
        day,
        text(&|r| r.namespace.as_deref()),
        text(&|r| r.node.as_deref()),
        text(&|r| r.resource_id.as_deref()),
        text(&|r| r.pod_labels.as_deref()),
        float(&|r| r.pod_usage_cpu_core_hours),
        float(&|r| r.pod_request_cpu_core_hours),
        float(&|r| r.pod_effective_usage_cpu_core_hours),
        float(&|r| r.pod_limit_cpu_core_hours),
        float(&|r| r.pod_usage_memory_gigabyte_hours),
        float(&|r| r.pod_request_memory_gigabyte_hours),
        float(&|r| r.pod_effective_usage_memory_gigabyte_hours),
        float(&|r| r.pod_limit_memory_gigabyte_hours),
        float(&|r| r.node_capacity_cpu_cores),
        float(&|r| r.node_capacity_cpu_core_hours),
        float(&|r| r.node_capacity_memory_gigabytes),
        float(&|r| r.node_capacity_memory_gigabyte_hours),
        float(&|r| r.cluster_capacity_cpu_core_hours),
        float(&|r| r.cluster_capacity_memory_gigabyte_hours),
        text(&|r| r.persistentvolumeclaim.as_deref()),
        text(&|r| r.persistentvolume.as_deref()),
        text(&|r| r.storageclass.as_deref()),
        text(&|r| r.volume_labels.as_deref()),
        float(&|r| r.persistentvolumeclaim_capacity_gigabyte),
        float(&|r| r.persistentvolumeclaim_capacity_gigabyte_months),
        float(&|r| r.volume_request_storage_gigabyte_months),
        float(&|r| r.persistentvolumeclaim_usage_gigabyte_months),
        Arc::new(StringArray::from(vec![Some(run.source_uuid.as_str()); n])),
        text(&|r| r.infrastructure_usage_cost),
        text(&|r| r.csi_volume_handle.as_deref()),
        Arc::new(
            rows.iter()
                .map(|r| r.cost_category_id)
                .collect::<Int32Array>(),
        ),
        text(&|r| Some(r.all_labels.as_str())),
    ];
    RecordBatch::try_new(OCP_DAILY_SUMMARY.schema(), columns)
        .expect("columns match the canonical schema")
}
