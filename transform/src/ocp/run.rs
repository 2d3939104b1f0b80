//! `koku-transform ocp`: reading the extracted datasets from the work dir, computing day by day, and
//! writing the summary dataset and koku's cluster-information datasets.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::RecordBatch;
use koku_common::schema::{
    CLUSTER_NODES, CLUSTER_PROJECTS, CLUSTER_PVCS, COST_CATEGORY_NAMESPACE, Dataset,
    ENABLED_TAG_KEYS, NAMESPACE_LABELS_DAILY, NODE_LABELS_DAILY, OCP_DAILY_SUMMARY, OCP_NODES,
    POD_USAGE_DAILY, POD_USAGE_HOURLY, STORAGE_USAGE_DAILY,
};
use koku_common::workdir::{BackgroundChecks, DatasetWriter, RunIdentity, WorkDir, stage};

use super::capacity::CapacityBuilder;
use super::day::{self, DayInput, DayOutput, Memo, Window};
use super::inputs::{self, DAY_COLUMN, RunParams};
use super::lookups::{CostCategories, DailyLabelSets, DailyLabelSetsBuilder};
use super::{cluster_info, output, unallocated};
use crate::core::day_workers;
use crate::core::days::{DayIndex, DayStream, date_of};
use crate::core::input::{arrow_error, open_input, read_all};
use crate::core::labels::FilteredLabelCache;
use crate::core::options::TransformOptions;
use crate::core::output::OutputWriter;
use crate::core::stage::{Computed, run_stage};
use crate::error::TransformError;

/// What `koku-transform ocp` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformReport {
    pub rows_by_kind: BTreeMap<String, u64>,
    pub rows: u64,
}

/// Build the daily label sets of a label dataset batch by batch; `each` also sees every decoded batch.
fn label_sets(
    wd: &WorkDir,
    dataset: &'static Dataset,
    key_column: &str,
    labels_column: &str,
    cache: &mut FilteredLabelCache,
    checks: &BackgroundChecks,
    mut each: impl FnMut(&[inputs::LabelDaily]),
) -> Result<DailyLabelSets, TransformError> {
    let reader = open_input(wd, dataset, checks)?;
    let path = reader.path().to_path_buf();
    let mut builder = DailyLabelSetsBuilder::default();
    let mut offset = 0;
    for batch in reader {
        let batch = batch.map_err(arrow_error(&path))?;
        let rows = inputs::label_daily_rows(
            dataset,
            std::slice::from_ref(&batch),
            key_column,
            labels_column,
        )
        .map_err(|e| e.offset_row(offset))?;
        builder
            .add(dataset, labels_column, &rows, cache)
            .map_err(|e| e.offset_row(offset))?;
        each(&rows);
        offset += batch.num_rows();
    }
    Ok(builder.finish())
}

/// Run the OCP transform on the work dir at `path`.
pub fn transform_ocp(path: &Path) -> Result<TransformReport, TransformError> {
    transform_ocp_with(path, &TransformOptions::default())
}

/// Run the OCP transform on the work dir at `path`, streaming it day by day.
///
/// Pass 1 folds what koku computes over the whole window: the hourly capacities (small: one entry
/// per interval and node), the label sets, koku's nodes query (whose roles the unallocated rows of
/// every day need) and which days each batch of the daily files holds. Pass 2 computes the summary
/// day by day ([`super::compute_day`], on the day workers) from only that day's daily rows and
/// appends them to the output, so the memory is bounded by one day of rows, not the window (perf: a
/// 30-day window of 400 nodes held 7M decoded daily rows, 6.7 GB, before; BENCHMARKS.md). The output is the same rows in the same
/// order as [`super::compute_ocp`] on the whole window.
pub fn transform_ocp_with(
    path: &Path,
    opts: &TransformOptions,
) -> Result<TransformReport, TransformError> {
    let (rows_by_kind, outputs) = run_stage(path, "ocp", |wd, checks| {
        let identity = wd.identity().clone();
        let Summarised {
            writer,
            cluster_info,
            rows_by_kind,
        } = summarise(wd, &identity, opts, checks)?;
        let details = rows_by_kind
            .iter()
            .map(|(k, v)| (format!("rows_{k}"), serde_json::json!(v)))
            .collect();
        Ok(Computed {
            writers: vec![(&OCP_DAILY_SUMMARY, writer)],
            batches: cluster_info,
            details,
            report: rows_by_kind,
        })
    })?;
    Ok(TransformReport {
        rows: outputs[OCP_DAILY_SUMMARY.name].rows,
        rows_by_kind,
    })
}

/// The summary of the work dir at `path` computed in memory, the whole window at once
/// ([`super::compute_ocp`]), as one batch: the reference the streaming [`transform_ocp`] must equal
/// (tests compare the two). It holds every input row, so it is meant for tests and small work dirs.
pub fn summary_in_memory(path: &Path) -> Result<RecordBatch, TransformError> {
    let wd = WorkDir::open(path)?;
    let read = |d: &'static Dataset| -> Result<Vec<RecordBatch>, TransformError> {
        Ok(wd.reader(stage::EXTRACT, d)?.read_all()?)
    };
    let (pods, storage) = (read(&POD_USAGE_DAILY)?, read(&STORAGE_USAGE_DAILY)?);
    let mut capacity = CapacityBuilder::default();
    for b in read(&POD_USAGE_HOURLY)? {
        capacity.add_batch(&b);
    }
    let id = wd.identity().clone();
    let all = super::OcpInputs {
        pods: inputs::pod_daily_rows(&POD_USAGE_DAILY, &pods, 0)?,
        storage: inputs::storage_daily_rows(&STORAGE_USAGE_DAILY, &storage, 0)?,
        node_labels: inputs::label_daily_rows(
            &NODE_LABELS_DAILY,
            &read(&NODE_LABELS_DAILY)?,
            "node",
            "node_labels",
        )?,
        namespace_labels: inputs::label_daily_rows(
            &NAMESPACE_LABELS_DAILY,
            &read(&NAMESPACE_LABELS_DAILY)?,
            "namespace",
            "namespace_labels",
        )?,
        enabled_keys: inputs::enabled_keys(&ENABLED_TAG_KEYS, &read(&ENABLED_TAG_KEYS)?),
        cost_categories: inputs::cost_categories(
            &COST_CATEGORY_NAMESPACE,
            &read(&COST_CATEGORY_NAMESPACE)?,
        ),
        nodes: inputs::node_table(&OCP_NODES, &read(&OCP_NODES)?, &id.source_uuid),
        capacities: capacity.finish(),
    };
    let run = RunParams::from(&id);
    Ok(output::to_batch(&super::compute_ocp(all)?, &run))
}

/// What [`summarise`] computed, not yet in place: the summary file's writer (unfinished: nothing is
/// renamed into place before the input checksums have passed) and koku's cluster-information rows.
struct Summarised {
    writer: DatasetWriter,
    cluster_info: Vec<(&'static Dataset, RecordBatch)>,
    rows_by_kind: BTreeMap<String, u64>,
}

/// Both passes (see [`transform_ocp_with`]).
fn summarise(
    wd: &WorkDir,
    identity: &RunIdentity,
    opts: &TransformOptions,
    checks: &BackgroundChecks,
) -> Result<Summarised, TransformError> {
    // Pass 1. The hourly rows are only needed as capacities: fold them batch by batch.
    let mut capacity = CapacityBuilder::default();
    let reader = open_input(wd, &POD_USAGE_HOURLY, checks)?;
    let hourly_path = reader.path().to_path_buf();
    for batch in reader {
        capacity.add_batch(&batch.map_err(arrow_error(&hourly_path))?);
    }
    let capacities = capacity.finish();

    let enabled =
        inputs::enabled_keys(&ENABLED_TAG_KEYS, &read_all(wd, &ENABLED_TAG_KEYS, checks)?);
    let mut cache = FilteredLabelCache::new(super::enabled_keys(enabled));
    let mut nodes_query = cluster_info::NodesQuery::default();
    let node_labels = label_sets(
        wd,
        &NODE_LABELS_DAILY,
        "node",
        "node_labels",
        &mut cache,
        checks,
        |rows| {
            for r in rows {
                nodes_query.add_label(r.key.as_deref(), r.labels.as_deref());
            }
        },
    )?;
    let namespace_labels = label_sets(
        wd,
        &NAMESPACE_LABELS_DAILY,
        "namespace",
        "namespace_labels",
        &mut cache,
        checks,
        |_| {},
    )?;
    let categories = CostCategories::new(inputs::cost_categories(
        &COST_CATEGORY_NAMESPACE,
        &read_all(wd, &COST_CATEGORY_NAMESPACE, checks)?,
    ));
    let existing_nodes = inputs::node_table(
        &OCP_NODES,
        &read_all(wd, &OCP_NODES, checks)?,
        &identity.source_uuid,
    );

    // The daily files: day index, and koku's nodes query over the pod rows (read from the Arrow
    // columns, no rows decoded).
    let mut pod_reader = open_input(wd, &POD_USAGE_DAILY, checks)?;
    let pod_path = pod_reader.path().to_path_buf();
    let mut pod_index = DayIndex::new(&POD_USAGE_DAILY, DAY_COLUMN);
    for batch in pod_reader.by_ref() {
        let batch = batch.map_err(arrow_error(&pod_path))?;
        pod_index.add_batch(&batch)?;
        nodes_query.add_pod_batch(&batch);
    }
    pod_reader.rewind()?;
    let mut storage_reader = open_input(wd, &STORAGE_USAGE_DAILY, checks)?;
    let storage_path = storage_reader.path().to_path_buf();
    let mut storage_index = DayIndex::new(&STORAGE_USAGE_DAILY, DAY_COLUMN);
    for batch in storage_reader.by_ref() {
        storage_index.add_batch(&batch.map_err(arrow_error(&storage_path))?)?;
    }
    storage_reader.rewind()?;

    // koku upserts this run's nodes (with derived roles) before summarising; the unallocated rows read
    // the table as that leaves it. The nodes query is also written out for the load.
    let found = nodes_query.finish();
    let roles = unallocated::role_lookup(&cluster_info::apply_node_upsert(&existing_nodes, &found));

    let mut days = pod_index.days();
    days.extend(storage_index.days());
    tracing::debug!(
        days = days.len(),
        nodes = found.len(),
        "pass 1 done: the window folded"
    );
    let mut pods = DayStream::new(pod_reader, pod_index);
    let mut storage = DayStream::new(storage_reader, storage_index);

    // Pass 2, day by day, on `threads` workers (results come back in day order).
    let run = RunParams::from(identity);
    let window = Window {
        run: &run,
        roles: &roles,
        node_labels: &node_labels,
        namespace_labels: &namespace_labels,
        capacities: &capacities,
    };
    let memo = Memo {
        labels: cache,
        categories,
    };
    let bar = opts.progress_bar(days.len() as u64);
    let mut pvcs_and_projects = cluster_info::PvcsAndProjects::default();
    let mut rows_by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut summary = OutputWriter::new(wd, &OCP_DAILY_SUMMARY)?;
    let read = |day| -> Result<DayInput, TransformError> {
        Ok(DayInput {
            day,
            pods: pods.take(day)?,
            storage: storage.take(day)?,
        })
    };
    let sink = |out: DayOutput| -> Result<(), TransformError> {
        tracing::debug!(
            day = %date_of(out.day),
            pod_rows = out.pod_rows,
            storage_rows = out.storage_rows,
            summary_rows = out.batch.num_rows(),
            "summarised"
        );
        pvcs_and_projects.merge(out.pvcs_and_projects);
        for (kind, n) in out.rows_by_kind {
            *rows_by_kind.entry(kind.to_string()).or_default() += n;
        }
        summary.push(out.batch)?;
        bar.inc(1);
        Ok(())
    };
    day_workers::run(
        opts.threads(),
        days.into_iter().collect(),
        read,
        |input: &DayInput, memo: &mut Memo| day::compute(input, &window, memo),
        memo,
        sink,
    )?;
    let writer = summary.flush()?;
    bar.finish_and_clear();
    let (pvcs, projects) = pvcs_and_projects.finish();
    Ok(Summarised {
        writer,
        cluster_info: cluster_info_batches(&found, &pvcs, &projects),
        rows_by_kind,
    })
}

/// The cluster-information datasets (koku's node, PVC and project queries) as batches.
fn cluster_info_batches(
    nodes: &[cluster_info::ClusterNode],
    pvcs: &[cluster_info::Pvc],
    projects: &[Option<String>],
) -> Vec<(&'static Dataset, RecordBatch)> {
    use arrow::array::{ArrayRef, Float64Array, StringArray};
    use std::sync::Arc;
    let text = |v: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
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
