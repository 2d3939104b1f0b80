//! Pass 2 of the transform on several threads.
//!
//! Given what pass 1 folded over the window (capacities, label sets, node roles), every day is
//! computed from its own rows only, so days are independent: one thread reads the daily files in day
//! order, `threads` workers each decode and compute a day, and the caller's `sink` receives the
//! results in day order. The output is therefore the same, row for row and byte for byte, for any
//! number of threads (tests compare one thread with several). At most `threads` days are in flight
//! (being read, computed, or waiting for an earlier day), which bounds the memory: each in-flight
//! day holds its batches, its decoded rows and its summary rows (on the 30-day, 400-node workload
//! each thread adds ≈ 300 MB of peak RSS; BENCHMARKS.md).
//!
//! Perf (BENCHMARKS.md): on the 30-day workload pass 2 was ~90% of the transform and ran on one core
//! while the second only checked the inputs' checksums.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel, sync_channel};

use arrow::array::RecordBatch;
use koku_common::schema::{POD_USAGE_DAILY, STORAGE_USAGE_DAILY};

use super::days::{DayBatch, rows_of};
use super::labels::FilteredLabelCache;
use crate::error::TransformError;
use crate::ocp::capacity::Capacities;
use crate::ocp::cluster_info::PvcsAndProjects;
use crate::ocp::inputs::{self, Day, RunParams};
use crate::ocp::lookups::{CostCategories, DailyLabelSets};
use crate::ocp::output;
use crate::ocp::unallocated::Roles;
use crate::ocp::{Context, compute_day};

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

/// What pass 1 folded over the window: read-only, shared by every worker.
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
    // Label texts of days before the last this worker computed are not kept (labels.rs).
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

/// Compute `days` (ascending) with `threads` workers; `read` gives a day's input (called in day
/// order, on one thread), `sink` receives every day's output in day order. The first error in day
/// order is returned (as a one-thread run would), and no day after it reaches `sink`. With
/// `threads <= 1` everything runs on the calling thread.
pub fn run(
    threads: usize,
    days: Vec<Day>,
    mut read: impl FnMut(Day) -> Result<DayInput, TransformError> + Send,
    window: &Window<'_>,
    mut memo: Memo,
    mut sink: impl FnMut(DayOutput) -> Result<(), TransformError>,
) -> Result<(), TransformError> {
    if threads <= 1 {
        for day in days {
            let input = read(day)?;
            sink(compute(&input, window, &mut memo)?)?;
        }
        return Ok(());
    }
    let total = days.len();
    // Shared with the scoped threads, so made before the scope.
    let (job_tx, job_rx) = sync_channel::<(usize, DayInput)>(0);
    let job_rx = Mutex::new(job_rx);
    // Set when the sink stops early, so that the reader does not read days nobody will take.
    let stop = AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|s| {
        // Owned by this closure: if a spawn below fails, returning drops it and every worker
        // started so far sees the end of the jobs.
        let job_tx = job_tx;
        // A worker's panic travels as its result (else the sink would wait for that day forever).
        let (done_tx, done_rx) = channel::<Done>();
        for n in 0..threads {
            let (job_rx, done_tx, mut memo) = (&job_rx, done_tx.clone(), memo.clone());
            std::thread::Builder::new()
                .name(format!("day worker {n}"))
                .spawn_scoped(s, move || {
                    loop {
                        // The lock is only held while waiting for the next job.
                        let job = job_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok((i, input)) = job else { return };
                        let out =
                            catch_unwind(AssertUnwindSafe(|| compute(&input, window, &mut memo)));
                        drop(input);
                        if done_tx.send((i, out)).is_err() {
                            return;
                        }
                    }
                })
                .map_err(spawn_error)?;
        }
        drop(done_tx);

        // A token per day in flight: the reader takes one before reading a day, the sink gives it
        // back once the day has been handed on. One day per worker: the reader reads a day while the
        // sink writes the one before it.
        let in_flight = threads;
        let (token_tx, token_rx) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            token_tx.send(()).expect("the receiver is alive");
        }
        let reader = std::thread::Builder::new()
            .name("read days".into())
            .spawn_scoped(s, move || -> Result<(), TransformError> {
                for (i, day) in days.into_iter().enumerate() {
                    if token_rx.recv().is_err() || stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    let input = read(day)?;
                    if job_tx.send((i, input)).is_err() {
                        return Ok(());
                    }
                }
                Ok(())
            })
            .map_err(spawn_error)?;

        let handed_on = hand_on_in_order(total, &done_rx, &token_tx, &mut sink);
        // Stop the reader and the workers (a no-op when every day was handed on).
        stop.store(true, Ordering::Relaxed);
        drop(token_tx);
        drop(done_rx);
        let read_result = match reader.join() {
            Ok(r) => r,
            Err(panic) => resume_unwind(panic),
        };
        // An error of a day handed on before the reader's failure comes first, as in day order.
        handed_on?;
        read_result?;
        Ok(())
    })
}

/// A worker's result for the day of that index: a panic, an error, or the day's output.
type Done = (
    usize,
    std::thread::Result<Result<DayOutput, TransformError>>,
);

/// Hand the workers' results to `sink` in day order (later days wait in `ready`: at most one per
/// day in flight), giving a token back for each. Returns early, without error, when every worker
/// is gone before all `total` days came back: the reader stopped early, and reports why.
fn hand_on_in_order(
    total: usize,
    done: &Receiver<Done>,
    tokens: &std::sync::mpsc::SyncSender<()>,
    sink: &mut impl FnMut(DayOutput) -> Result<(), TransformError>,
) -> Result<(), TransformError> {
    let mut ready = BTreeMap::new();
    let mut next = 0;
    while next < total {
        let Ok((i, out)) = done.recv() else {
            return Ok(());
        };
        ready.insert(i, out);
        while let Some(out) = ready.remove(&next) {
            let out = out.unwrap_or_else(|panic| resume_unwind(panic));
            sink(out?)?;
            next += 1;
            // The reader may have stopped (on an error of its own): nobody to give the token to.
            let _ = tokens.send(());
        }
    }
    Ok(())
}

fn spawn_error(e: std::io::Error) -> TransformError {
    TransformError::Thread(e)
}
