//! The frame of `koku-transform <flow>`, the same for every flow: open the extracted work dir of that
//! flow, check the inputs' checksums on another thread while the flow computes, put the outputs in
//! place only once the checksums have passed, and record the stage in `run.json`.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::RecordBatch;
use chrono::Utc;
use koku_common::schema::Dataset;
use koku_common::workdir::{
    BackgroundChecks, DatasetWriter, OutputRecord, StageRecord, WorkDir, stage,
};

use super::input::open_work_dir;
use crate::error::TransformError;

/// What a flow computed, not yet in place.
pub struct Computed<R> {
    /// Output files written while computing (unfinished: nothing is renamed into place before the
    /// input checksums have passed), finished in this order.
    pub writers: Vec<(&'static Dataset, DatasetWriter)>,
    /// Small outputs held in memory, written after the writers.
    pub batches: Vec<(&'static Dataset, RecordBatch)>,
    /// Stage-specific facts for `run.json`.
    pub details: BTreeMap<String, serde_json::Value>,
    /// What the flow reports to its caller.
    pub report: R,
}

/// Run a flow's transform on the work dir at `path`: `compute` reads the extracted datasets (their
/// checksums are checked by the `BackgroundChecks` it is given) and returns its outputs; they are
/// put in place and the stage recorded. Returns the flow's report and what `run.json` now records
/// for each output.
pub fn run_stage<R>(
    path: &Path,
    flow: &str,
    compute: impl FnOnce(&WorkDir, &BackgroundChecks) -> Result<Computed<R>, TransformError>,
) -> Result<(R, BTreeMap<String, OutputRecord>), TransformError> {
    let started_at = Utc::now();
    let mut wd = open_work_dir(path, flow)?;
    let inputs_used = wd.outputs_as_inputs(stage::EXTRACT);
    // The inputs' checksums are checked on the second core while the first computes; nothing is kept
    // (the outputs are only renamed into place by `finish`) until the checks have passed.
    let checks = wd.check_outputs_in_background(stage::EXTRACT)?;
    let computed = compute(&wd, &checks);
    // A checksum mismatch explains any error the computation may have run into: it is reported first.
    checks.wait()?;
    let Computed {
        writers,
        batches,
        details,
        report,
    } = computed?;
    let mut outputs = BTreeMap::new();
    for (dataset, writer) in writers {
        outputs.insert(dataset.name.to_string(), writer.finish()?);
    }
    for (dataset, batch) in batches {
        let mut w = wd.writer(dataset)?;
        w.write(&batch)?;
        outputs.insert(dataset.name.to_string(), w.finish()?);
    }
    wd.record_stage(
        stage::TRANSFORM,
        StageRecord {
            tool: "koku-transform".into(),
            version: koku_common::VERSION.into(),
            started_at,
            finished_at: Utc::now(),
            inputs: inputs_used,
            outputs: outputs.clone(),
            details,
        },
    )?;
    Ok((report, outputs))
}
