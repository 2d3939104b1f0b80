//! The extract's work dir as a flow's transform opens it: checked to be of that flow and extracted,
//! its datasets read with their checksums checked in the background (on the second core while the
//! first computes; see `BackgroundChecks`).

use std::path::Path;

use arrow::array::RecordBatch;
use koku_common::schema::{Columns, Dataset, opt_str};
use koku_common::workdir::{BackgroundChecks, DatasetReader, WorkDir, stage};

use crate::error::TransformError;

/// Open the work dir at `path` for `koku-transform <flow>`: it must be of `flow` and extracted.
pub fn open_work_dir(path: &Path, flow: &str) -> Result<WorkDir, TransformError> {
    let wd = WorkDir::open(path)?;
    wd.require_stage(stage::EXTRACT, "; run koku-extract first")?;
    let found = &wd.identity().flow;
    if found != flow {
        return Err(koku_common::Error::ForeignWorkDir {
            path: path.join(koku_common::workdir::RUN_FILE),
            reason: format!("flow is {found:?}, `koku-transform {flow}` needs an {flow} work dir"),
        }
        .into());
    }
    Ok(wd)
}

/// Open an extracted dataset; its checksum is checked by `checks`.
pub fn open_input(
    wd: &WorkDir,
    dataset: &'static Dataset,
    checks: &BackgroundChecks,
) -> Result<DatasetReader, TransformError> {
    Ok(wd.reader_checked_later(stage::EXTRACT, dataset, checks)?)
}

/// Every batch of an extracted dataset (for the small ones: PostgreSQL inputs, label sets).
pub fn read_all(
    wd: &WorkDir,
    dataset: &'static Dataset,
    checks: &BackgroundChecks,
) -> Result<Vec<RecordBatch>, TransformError> {
    Ok(open_input(wd, dataset, checks)?.read_all()?)
}

/// An Arrow error while reading the file at `path`, naming it.
pub fn arrow_error(path: &Path) -> impl Fn(arrow::error::ArrowError) -> TransformError + '_ {
    move |e| TransformError::Arrow {
        path: path.display().to_string(),
        source: e,
    }
}

/// The keys of `reporting_enabledtagkeys` as extracted for the flow (`key` column; the extract keeps
/// the flow's enabled rows), NULLs dropped.
pub fn enabled_keys(dataset: &'static Dataset, batches: &[RecordBatch]) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| {
            let a = Columns::new(dataset, b).text("key");
            (0..b.num_rows()).filter_map(move |i| opt_str(a, i))
        })
        .collect()
}
