//! The OCP summary's inputs, decoded from the canonical Arrow batches of the work directory into plain
//! rows. Only the (small) daily and PostgreSQL datasets become rows; the hourly pod dataset is large and
//! is folded into capacities batch by batch (see `capacity`). A daily row's day is the date of its
//! `interval_start` ([`DAY_COLUMN`]).

use arrow::array::{Array, RecordBatch};
use koku_common::schema::Dataset;

use super::cluster_info::{ClusterNode, ExistingNode};
use crate::core::days::{Day, day_of};
use crate::error::TransformError;

pub use koku_common::schema::{Columns, opt_f64, opt_str, opt_text};

/// One row of `openshift_pod_usage_line_items_daily`, the columns the summary reads. The text borrows
/// the Arrow batch it was decoded from (perf: no allocation per row; the streaming transform keeps a
/// day's batches while it computes that day).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodDaily<'a> {
    /// The row's number in its dataset (from 0, across batches), for error messages.
    pub row: usize,
    pub day: Day,
    pub namespace: Option<&'a str>,
    pub node: Option<&'a str>,
    pub pod: Option<&'a str>,
    pub pod_labels: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub pod_usage_cpu_core_seconds: Option<f64>,
    pub pod_request_cpu_core_seconds: Option<f64>,
    pub pod_effective_usage_cpu_core_seconds: Option<f64>,
    pub pod_limit_cpu_core_seconds: Option<f64>,
    pub pod_usage_memory_byte_seconds: Option<f64>,
    pub pod_request_memory_byte_seconds: Option<f64>,
    pub pod_effective_usage_memory_byte_seconds: Option<f64>,
    pub pod_limit_memory_byte_seconds: Option<f64>,
    pub node_capacity_cpu_cores: Option<f64>,
    pub node_capacity_memory_bytes: Option<f64>,
    /// Only read by koku's nodes query (node roles), not by the summary itself.
    pub node_role: Option<&'a str>,
}

/// One row of `openshift_storage_usage_line_items_daily`, the columns the summary reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StorageDaily<'a> {
    /// The row's number in its dataset (from 0, across batches), for error messages.
    pub row: usize,
    pub day: Day,
    pub namespace: Option<&'a str>,
    pub pod: Option<&'a str>,
    pub persistentvolumeclaim: Option<&'a str>,
    pub persistentvolume: Option<&'a str>,
    pub storageclass: Option<&'a str>,
    pub csi_volume_handle: Option<&'a str>,
    pub persistentvolume_labels: Option<&'a str>,
    pub persistentvolumeclaim_labels: Option<&'a str>,
    pub persistentvolumeclaim_capacity_bytes: Option<f64>,
    pub persistentvolumeclaim_capacity_byte_seconds: Option<f64>,
    pub volume_request_storage_byte_seconds: Option<f64>,
    pub persistentvolumeclaim_usage_byte_seconds: Option<f64>,
}

/// One row of the daily node-label or namespace-label dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelDaily {
    pub day: Day,
    /// The node (node labels) or the namespace (namespace labels).
    pub key: Option<String>,
    pub labels: Option<String>,
}

/// A cost-category pattern row.
#[derive(Debug, Clone, PartialEq)]
pub struct CostCategoryPattern {
    pub pattern: Option<String>,
    pub cost_category_id: Option<i32>,
}

/// Run parameters copied onto every output row.
#[derive(Debug, Clone, PartialEq)]
pub struct RunParams {
    pub report_period_id: Option<i32>,
    pub cluster_id: Option<String>,
    pub cluster_alias: Option<String>,
    pub source_uuid: String,
}

impl From<&koku_common::workdir::RunIdentity> for RunParams {
    fn from(id: &koku_common::workdir::RunIdentity) -> Self {
        RunParams {
            report_period_id: id.report_period_id,
            cluster_id: id.cluster_id.clone(),
            cluster_alias: id.cluster_alias.clone(),
            source_uuid: id.source_uuid.clone(),
        }
    }
}

/// The timestamp column whose date is the day of an OCP daily row.
pub const DAY_COLUMN: &str = "interval_start";

fn day_column(c: &Columns<'_>, i: usize, dataset: &'static Dataset) -> Result<Day, TransformError> {
    let ts = c.timestamp(DAY_COLUMN);
    if ts.is_null(i) {
        return Err(TransformError::input(dataset, i, DAY_COLUMN, "is NULL"));
    }
    Ok(day_of(ts.value(i)))
}

/// Decode daily pod batches; `first_row` is the dataset row number of the first row (rows are numbered
/// across batches, for error messages).
pub fn pod_daily_rows<'a>(
    dataset: &'static Dataset,
    batches: &'a [RecordBatch],
    first_row: usize,
) -> Result<Vec<PodDaily<'a>>, TransformError> {
    let mut out = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    let mut row = first_row;
    for b in batches {
        pod_daily_rows_into(dataset, b, row, None, &mut out)?;
        row += b.num_rows();
    }
    Ok(out)
}

/// [`pod_daily_rows`] of one batch, appended to `out`; with `only`, just the rows of that day.
pub fn pod_daily_rows_into<'a>(
    dataset: &'static Dataset,
    b: &'a RecordBatch,
    row: usize,
    only: Option<Day>,
    out: &mut Vec<PodDaily<'a>>,
) -> Result<(), TransformError> {
    let c = Columns::new(dataset, b);
    let (ns, node, pod, labels, rid) = (
        c.text("namespace"),
        c.text("node"),
        c.text("pod"),
        c.text("pod_labels"),
        c.text("resource_id"),
    );
    let f = |n: &str| c.float(n);
    let role = c.text("node_role");
    let (uc, rc, ec, lc) = (
        f("pod_usage_cpu_core_seconds"),
        f("pod_request_cpu_core_seconds"),
        f("pod_effective_usage_cpu_core_seconds"),
        f("pod_limit_cpu_core_seconds"),
    );
    let (um, rm, em, lm) = (
        f("pod_usage_memory_byte_seconds"),
        f("pod_request_memory_byte_seconds"),
        f("pod_effective_usage_memory_byte_seconds"),
        f("pod_limit_memory_byte_seconds"),
    );
    let (cores, bytes) = (
        f("node_capacity_cpu_cores"),
        f("node_capacity_memory_bytes"),
    );
    for i in 0..b.num_rows() {
        let day = day_column(&c, i, dataset).map_err(|e| e.at_row(row + i))?;
        if only.is_some_and(|d| d != day) {
            continue;
        }
        out.push(PodDaily {
            row: row + i,
            day,
            namespace: opt_text(ns, i),
            node: opt_text(node, i),
            pod: opt_text(pod, i),
            pod_labels: opt_text(labels, i),
            resource_id: opt_text(rid, i),
            pod_usage_cpu_core_seconds: opt_f64(uc, i),
            pod_request_cpu_core_seconds: opt_f64(rc, i),
            pod_effective_usage_cpu_core_seconds: opt_f64(ec, i),
            pod_limit_cpu_core_seconds: opt_f64(lc, i),
            pod_usage_memory_byte_seconds: opt_f64(um, i),
            pod_request_memory_byte_seconds: opt_f64(rm, i),
            pod_effective_usage_memory_byte_seconds: opt_f64(em, i),
            pod_limit_memory_byte_seconds: opt_f64(lm, i),
            node_capacity_cpu_cores: opt_f64(cores, i),
            node_capacity_memory_bytes: opt_f64(bytes, i),
            node_role: opt_text(role, i),
        });
    }
    Ok(())
}

/// Decode daily storage batches; `first_row` as for [`pod_daily_rows`].
pub fn storage_daily_rows<'a>(
    dataset: &'static Dataset,
    batches: &'a [RecordBatch],
    first_row: usize,
) -> Result<Vec<StorageDaily<'a>>, TransformError> {
    let mut out = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    let mut row = first_row;
    for b in batches {
        storage_daily_rows_into(dataset, b, row, None, &mut out)?;
        row += b.num_rows();
    }
    Ok(out)
}

/// [`storage_daily_rows`] of one batch, appended to `out`; with `only`, just the rows of that day.
pub fn storage_daily_rows_into<'a>(
    dataset: &'static Dataset,
    b: &'a RecordBatch,
    row: usize,
    only: Option<Day>,
    out: &mut Vec<StorageDaily<'a>>,
) -> Result<(), TransformError> {
    let c = Columns::new(dataset, b);
    let t = |n: &str| c.text(n);
    let f = |n: &str| c.float(n);
    let (ns, pod, pvc, pv, sc, csi, pvl, pvcl) = (
        t("namespace"),
        t("pod"),
        t("persistentvolumeclaim"),
        t("persistentvolume"),
        t("storageclass"),
        t("csi_volume_handle"),
        t("persistentvolume_labels"),
        t("persistentvolumeclaim_labels"),
    );
    let (cap, cap_s, req_s, use_s) = (
        f("persistentvolumeclaim_capacity_bytes"),
        f("persistentvolumeclaim_capacity_byte_seconds"),
        f("volume_request_storage_byte_seconds"),
        f("persistentvolumeclaim_usage_byte_seconds"),
    );
    for i in 0..b.num_rows() {
        let day = day_column(&c, i, dataset).map_err(|e| e.at_row(row + i))?;
        if only.is_some_and(|d| d != day) {
            continue;
        }
        out.push(StorageDaily {
            row: row + i,
            day,
            namespace: opt_text(ns, i),
            pod: opt_text(pod, i),
            persistentvolumeclaim: opt_text(pvc, i),
            persistentvolume: opt_text(pv, i),
            storageclass: opt_text(sc, i),
            csi_volume_handle: opt_text(csi, i),
            persistentvolume_labels: opt_text(pvl, i),
            persistentvolumeclaim_labels: opt_text(pvcl, i),
            persistentvolumeclaim_capacity_bytes: opt_f64(cap, i),
            persistentvolumeclaim_capacity_byte_seconds: opt_f64(cap_s, i),
            volume_request_storage_byte_seconds: opt_f64(req_s, i),
            persistentvolumeclaim_usage_byte_seconds: opt_f64(use_s, i),
        });
    }
    Ok(())
}

/// Decode daily node-label (`key_column = "node"`, `labels_column = "node_labels"`) or namespace-label
/// batches.
pub fn label_daily_rows(
    dataset: &'static Dataset,
    batches: &[RecordBatch],
    key_column: &str,
    labels_column: &str,
) -> Result<Vec<LabelDaily>, TransformError> {
    let mut out = Vec::new();
    let mut row = 0;
    for b in batches {
        let c = Columns::new(dataset, b);
        let (k, l) = (c.text(key_column), c.text(labels_column));
        for i in 0..b.num_rows() {
            out.push(LabelDaily {
                day: day_column(&c, i, dataset).map_err(|e| e.at_row(row + i))?,
                key: opt_str(k, i),
                labels: opt_str(l, i),
            });
        }
        row += b.num_rows();
    }
    Ok(out)
}

pub use crate::core::input::enabled_keys;

pub fn cost_categories(
    dataset: &'static Dataset,
    batches: &[RecordBatch],
) -> Vec<CostCategoryPattern> {
    let mut out = Vec::new();
    for b in batches {
        let c = Columns::new(dataset, b);
        let (ns, id) = (c.text("namespace"), c.int32("cost_category_id"));
        for i in 0..b.num_rows() {
            out.push(CostCategoryPattern {
                pattern: opt_str(ns, i),
                cost_category_id: id.is_valid(i).then(|| id.value(i)),
            });
        }
    }
    out
}

/// The tenant's node table; a row belongs to this run's cluster when its cluster's provider is the run's
/// source, or when it was declared by `--node-roles` (no provider).
pub fn node_table(
    dataset: &'static Dataset,
    batches: &[RecordBatch],
    source_uuid: &str,
) -> Vec<ExistingNode> {
    let mut out = Vec::new();
    for b in batches {
        let c = Columns::new(dataset, b);
        let (n, r, role) = (c.text("node"), c.text("resource_id"), c.text("node_role"));
        let (cap, arch, provider) = (
            c.float("node_capacity_cpu_cores"),
            c.text("architecture"),
            c.text("cluster_provider_id"),
        );
        for i in 0..b.num_rows() {
            let provider = opt_str(provider, i);
            out.push(ExistingNode {
                node: ClusterNode {
                    node: opt_str(n, i),
                    resource_id: opt_str(r, i),
                    node_capacity_cpu_cores: opt_f64(cap, i),
                    node_role: opt_str(role, i),
                    architecture: opt_str(arch, i),
                },
                declared: provider.is_none(),
                this_cluster: provider.as_deref().is_none_or(|p| p == source_uuid),
            });
        }
    }
    out
}
