//! Reading the extracted datasets from the work dir, computing, and writing the summary dataset.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::RecordBatch;
use chrono::Utc;
use koku_common::schema::{
    CLUSTER_NODES, CLUSTER_PROJECTS, CLUSTER_PVCS, COST_CATEGORY_NAMESPACE, Dataset,
    ENABLED_TAG_KEYS, NAMESPACE_LABELS_DAILY, NODE_LABELS_DAILY, OCP_DAILY_SUMMARY, OCP_NODES,
    POD_USAGE_DAILY, POD_USAGE_HOURLY, STORAGE_USAGE_DAILY,
};
use koku_common::workdir::{StageRecord, WorkDir, stage};

use crate::capacity::CapacityBuilder;
use crate::error::TransformError;
use crate::inputs::{self, RunParams};
use crate::{OcpInputs, cluster_info, compute_ocp_with_nodes, output};

/// What `koku-transform ocp` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformReport {
    pub rows_by_kind: BTreeMap<String, u64>,
    pub rows: u64,
}

fn read_all(wd: &WorkDir, dataset: &'static Dataset) -> Result<Vec<RecordBatch>, TransformError> {
    Ok(wd.reader(stage::EXTRACT, dataset)?.read_all()?)
}

/// Decode a dataset one IPC batch at a time; error rows are numbered across the whole dataset, as if
/// the batches had been decoded together.
fn decode_by_batch<T>(
    wd: &WorkDir,
    dataset: &'static Dataset,
    decode: impl Fn(&[RecordBatch]) -> Result<Vec<T>, TransformError>,
) -> Result<Vec<T>, TransformError> {
    let reader = wd.reader(stage::EXTRACT, dataset)?;
    let path = reader.path().display().to_string();
    let mut out = Vec::new();
    let mut offset = 0;
    for batch in reader {
        let batch = batch.map_err(|e| TransformError::Arrow {
            path: path.clone(),
            source: e,
        })?;
        let rows = decode(std::slice::from_ref(&batch)).map_err(|e| {
            let row = match &e {
                TransformError::Input { row, .. } => Some(*row),
                _ => None,
            };
            match row {
                Some(r) => e.at_row(offset + r),
                None => e,
            }
        })?;
        out.extend(rows);
        offset += batch.num_rows();
    }
    Ok(out)
}

/// Run the OCP transform on the work dir at `path`.
pub fn transform_ocp(path: &Path) -> Result<TransformReport, TransformError> {
    let started_at = Utc::now();
    let mut wd = WorkDir::open(path)?;
    wd.require_stage(stage::EXTRACT, "; run koku-extract first")?;
    let identity = wd.identity().clone();
    if identity.flow != "ocp" {
        return Err(koku_common::Error::ForeignWorkDir {
            path: path.join(koku_common::workdir::RUN_FILE),
            reason: format!(
                "flow is {:?}, `koku-transform ocp` needs an ocp work dir",
                identity.flow
            ),
        }
        .into());
    }
    let inputs_used = wd.outputs_as_inputs(stage::EXTRACT);

    // The hourly rows are only needed as capacities: fold them batch by batch.
    let mut capacity = CapacityBuilder::default();
    let reader = wd.reader(stage::EXTRACT, &POD_USAGE_HOURLY)?;
    let hourly_path = reader.path().display().to_string();
    for batch in reader {
        let batch = batch.map_err(|e| TransformError::Arrow {
            path: hourly_path.clone(),
            source: e,
        })?;
        capacity.add_batch(&batch);
    }

    let inputs = OcpInputs {
        // Decoded batch by batch, so the Arrow batches of the large daily datasets are never all in
        // memory next to their decoded rows (perf: the old `read_all` temporaries lived until the end
        // of this statement, on top of every decoded row — measured in BENCHMARKS.md).
        pods: decode_by_batch(&wd, &POD_USAGE_DAILY, |b| {
            inputs::pod_daily_rows(&POD_USAGE_DAILY, b)
        })?,
        storage: decode_by_batch(&wd, &STORAGE_USAGE_DAILY, |b| {
            inputs::storage_daily_rows(&STORAGE_USAGE_DAILY, b)
        })?,
        node_labels: inputs::label_daily_rows(
            &NODE_LABELS_DAILY,
            &read_all(&wd, &NODE_LABELS_DAILY)?,
            "node",
            "node_labels",
        )?,
        namespace_labels: inputs::label_daily_rows(
            &NAMESPACE_LABELS_DAILY,
            &read_all(&wd, &NAMESPACE_LABELS_DAILY)?,
            "namespace",
            "namespace_labels",
        )?,
        enabled_keys: inputs::enabled_keys(&ENABLED_TAG_KEYS, &read_all(&wd, &ENABLED_TAG_KEYS)?),
        cost_categories: inputs::cost_categories(
            &COST_CATEGORY_NAMESPACE,
            &read_all(&wd, &COST_CATEGORY_NAMESPACE)?,
        ),
        nodes: inputs::node_table(
            &OCP_NODES,
            &read_all(&wd, &OCP_NODES)?,
            &identity.source_uuid,
        ),
        capacities: capacity.finish(),
    };
    // koku's nodes query runs once: written out for the load, and used for the unallocated roles.
    let found = cluster_info::nodes_query(&inputs.pods, &inputs.node_labels);
    let cluster_info = cluster_info_batches(&inputs, &found);
    let rows = compute_ocp_with_nodes(inputs, &found)?;

    let run = RunParams {
        report_period_id: identity.report_period_id,
        cluster_id: identity.cluster_id.clone(),
        cluster_alias: identity.cluster_alias.clone(),
        source_uuid: identity.source_uuid.clone(),
    };
    let mut rows_by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rows {
        *rows_by_kind.entry(r.row_kind.to_string()).or_default() += 1;
    }
    let mut writer = wd.writer(&OCP_DAILY_SUMMARY)?;
    // Batches of 64k rows keep the writer's memory bounded and the file friendly to readers.
    for chunk in rows.chunks(65_536) {
        writer.write(&output::to_batch(chunk, &run))?;
    }
    let out = writer.finish()?;
    let total = out.rows;
    let mut outputs = BTreeMap::new();
    outputs.insert(OCP_DAILY_SUMMARY.name.to_string(), out);
    for (dataset, batch) in cluster_info {
        let mut w = wd.writer(dataset)?;
        w.write(&batch)?;
        outputs.insert(dataset.name.to_string(), w.finish()?);
    }
    let details = rows_by_kind
        .iter()
        .map(|(k, v)| (format!("rows_{k}"), serde_json::json!(v)))
        .collect();
    wd.record_stage(
        stage::TRANSFORM,
        StageRecord {
            tool: "koku-transform".into(),
            version: koku_common::VERSION.into(),
            started_at,
            finished_at: Utc::now(),
            inputs: inputs_used,
            outputs,
            details,
        },
    )?;
    Ok(TransformReport {
        rows_by_kind,
        rows: total,
    })
}

/// The cluster-information datasets (koku's node, PVC and project queries) as batches.
fn cluster_info_batches(
    inputs: &OcpInputs,
    nodes: &[cluster_info::ClusterNode],
) -> Vec<(&'static Dataset, RecordBatch)> {
    use arrow::array::{ArrayRef, Float64Array, StringArray};
    use std::sync::Arc;
    let text = |v: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    let pvcs = cluster_info::pvcs_query(&inputs.storage);
    let projects = cluster_info::projects_query(&inputs.pods);
    let nodes_batch = RecordBatch::try_new(
        CLUSTER_NODES.schema(),
        vec![
            text(nodes.iter().map(|n| n.node.as_deref()).collect()),
            text(nodes.iter().map(|n| n.resource_id.as_deref()).collect()),
            Arc::new(
                nodes
                    .iter()
                    .map(|n| n.node_capacity_cpu_cores)
                    .collect::<Float64Array>(),
            ),
            text(nodes.iter().map(|n| n.node_role.as_deref()).collect()),
            text(nodes.iter().map(|n| n.architecture.as_deref()).collect()),
        ],
    )
    .expect("canonical cluster_nodes columns");
    let pvcs_batch = RecordBatch::try_new(
        CLUSTER_PVCS.schema(),
        vec![
            text(pvcs.iter().map(|p| p.0.as_deref()).collect()),
            text(pvcs.iter().map(|p| p.1.as_deref()).collect()),
            text(pvcs.iter().map(|p| p.2.as_deref()).collect()),
        ],
    )
    .expect("canonical cluster_pvcs columns");
    let projects_batch = RecordBatch::try_new(
        CLUSTER_PROJECTS.schema(),
        vec![text(projects.iter().map(|p| p.as_deref()).collect())],
    )
    .expect("canonical cluster_projects columns");
    vec![
        (&CLUSTER_NODES, nodes_batch),
        (&CLUSTER_PVCS, pvcs_batch),
        (&CLUSTER_PROJECTS, projects_batch),
    ]
}
