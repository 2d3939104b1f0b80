//! One day of the OCP summary as a day worker ([`crate::core::day_workers`]) computes it in pass 2
//! of [`super::run`]: the day's daily pod and storage batches in, the day's summary rows (as an
//! output batch) and koku's PVC and project queries over the day out.

use std::collections::BTreeMap;

use arrow::array::RecordBatch;
use koku_common::schema::{POD_USAGE_DAILY, STORAGE_USAGE_DAILY};

use super::capacity::Capacities;
use super::cluster_info::PvcsAndProjects;
use super::inputs::{self, RunParams};
use super::lookups::{CostCategories, DailyLabelSets};
use super::output;
use super::unallocated::Roles;
use super::{Context, compute_day};
use crate::core::days::{Day, DayBatch, rows_of};
use crate::core::labels::FilteredLabelCache;
use crate::error::TransformError;

/// One day's batches of the daily pod and storage files (a batch may hold other days' rows too).
pub struct DayInput {
    pub day: Day,
    pub pods: Vec<DayBatch>,
    pub storage: Vec<DayBatch>,
}

/// What one day gave.
pub struct DayOutput {
    pub day: Day,
    /// The day's summary rows, in output order, as a batch of the output dataset (perf: built by the
    /// worker, so the columnar copy is made in parallel and the row structs, about three times
    /// larger, are freed before the day waits for its turn).
    pub batch: RecordBatch,
    /// Rows per `row_kind`.
    pub rows_by_kind: BTreeMap<&'static str, u64>,
    /// koku's PVC and project queries over the day's rows (merged over the window by the caller).
    pub pvcs_and_projects: PvcsAndProjects,
    pub pod_rows: usize,
    pub storage_rows: usize,
}

/// What pass 1 ([`super::run`]) folded over the window: read-only, shared by every worker.
pub struct Window<'a> {
    pub run: &'a RunParams,
    pub roles: &'a Roles,
    pub node_labels: &'a DailyLabelSets,
    pub namespace_labels: &'a DailyLabelSets,
    pub capacities: &'a Capacities,
}

/// The memo caches a day's computation fills. They memoise pure functions of their keys, so each
/// worker's own copy gives the same answers as one shared cache would.
#[derive(Debug, Clone)]
pub struct Memo {
    pub labels: FilteredLabelCache,
    pub categories: CostCategories,
}

/// Decode one day's rows and compute its summary rows.
pub fn compute(
    input: &DayInput,
    window: &Window<'_>,
    memo: &mut Memo,
) -> Result<DayOutput, TransformError> {
    let pods = rows_of(
        &POD_USAGE_DAILY,
        &input.pods,
        input.day,
        inputs::pod_daily_rows_into,
    )?;
    let storage = rows_of(
        &STORAGE_USAGE_DAILY,
        &input.storage,
        input.day,
        inputs::storage_daily_rows_into,
    )?;
    // Label texts of days before the last this worker computed are not kept (core/labels.rs).
    memo.labels.next_generation();
    let mut pvcs_and_projects = PvcsAndProjects::default();
    pvcs_and_projects.add_pods(&pods);
    pvcs_and_projects.add_storage(&storage);
    let mut ctx = Context {
        labels: &mut memo.labels,
        node_labels: window.node_labels,
        namespace_labels: window.namespace_labels,
        categories: &mut memo.categories,
        capacities: window.capacities,
    };
    let rows = compute_day(&pods, &storage, window.roles, &mut ctx)?;
    let mut rows_by_kind = BTreeMap::new();
    for r in &rows {
        *rows_by_kind.entry(r.row_kind).or_default() += 1;
    }
    Ok(DayOutput {
        day: input.day,
        batch: output::to_batch(&rows, window.run),
        rows_by_kind,
        pvcs_and_projects,
        pod_rows: pods.len(),
        storage_rows: storage.len(),
    })
}
