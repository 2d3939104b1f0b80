//! The OCP daily summary rows of the run (spec ocp-on-aws §2.5), taken from work dirs written by
//! `koku-transform ocp` (`--ocp-workdir`): koku's OCP-on-AWS SQL reads the Hive copy of the OCP
//! summary, which is exactly the OCP flow's [`OCP_DAILY_SUMMARY`] output.
//!
//! A work dir is accepted only when it is an `ocp` run of the same tenant schema and month whose
//! transform stage is recorded and consumed the current extract (so its summary is not stale); the
//! file is opened with its checksum, dataset name, schema version and run id checked (common's
//! [`WorkDir::reader`]). Rows are copied when `usage_start` lies in the run's window.
//!
//! Two passes over each file: the first collects the CSI volume handles (the hourly CUR filter needs
//! them before the hourly rows are read, and the hourly dataset precedes this one in the work dir),
//! the second copies the rows. Neither holds more than one batch.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use arrow::array::{Date32Array, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::compute::kernels::cmp::{gt_eq, lt_eq};
use chrono::NaiveDate;
use koku_common::schema::{Columns, OCP_DAILY_SUMMARY};
use koku_common::workdir::{DatasetReader, DatasetWriter, RunIdentity, WorkDir, stage};

use crate::error::{ExtractError, Result};
use crate::window::Window;

/// The flow of the work dirs accepted.
const OCP_FLOW: &str = "ocp";

/// One `--ocp-workdir`, checked and opened.
pub struct OcpSummaryInput {
    pub path: PathBuf,
    pub identity: RunIdentity,
    /// The transform's recorded checksum of the summary file.
    pub sha256: String,
    reader: DatasetReader,
}

fn foreign(path: &Path, reason: String) -> ExtractError {
    ExtractError::Common(koku_common::Error::ForeignWorkDir {
        path: path.to_path_buf(),
        reason,
    })
}

impl OcpSummaryInput {
    /// Open `path` for a run of `schema` and `window`'s month.
    pub fn open(path: &Path, schema: &str, window: &Window) -> Result<OcpSummaryInput> {
        let wd = WorkDir::open(path)?;
        let id = wd.identity().clone();
        if id.flow != OCP_FLOW {
            return Err(foreign(
                path,
                format!(
                    "--ocp-workdir must be a work dir of `koku-extract ocp` + `koku-transform ocp`; this one is an {:?} run",
                    id.flow
                ),
            ));
        }
        if id.schema != schema {
            return Err(foreign(
                path,
                format!(
                    "--ocp-workdir holds tenant schema {:?}, this run is of {schema:?}",
                    id.schema
                ),
            ));
        }
        if (id.year.as_str(), id.month.as_str())
            != (window.year_str().as_str(), window.month_str().as_str())
        {
            return Err(foreign(
                path,
                format!(
                    "--ocp-workdir summarises {}-{}, this run is of {}-{}",
                    id.year,
                    id.month,
                    window.year_str(),
                    window.month_str()
                ),
            ));
        }
        let hint = format!("run `koku-transform ocp {}` first", path.display());
        wd.require_stage(stage::TRANSFORM, &hint)?;
        wd.check_consumed(
            stage::EXTRACT,
            stage::TRANSFORM,
            &format!("run `koku-transform ocp {}` again", path.display()),
        )?;
        let sha256 = wd
            .stage(stage::TRANSFORM)
            .and_then(|s| s.outputs.get(OCP_DAILY_SUMMARY.name))
            .map(|o| o.sha256.clone())
            .unwrap_or_default();
        let reader = wd.reader(stage::TRANSFORM, &OCP_DAILY_SUMMARY)?;
        if id.start_date > window.start || id.end_date < window.end {
            tracing::warn!(
                workdir = %path.display(),
                ocp_days = %format!("{}..{}", id.start_date, id.end_date),
                run_days = %format!("{}..{}", window.start, window.end),
                "the OCP work dir does not cover the whole window: days outside it have no OCP rows of this source"
            );
        }
        Ok(OcpSummaryInput {
            path: path.to_path_buf(),
            identity: id,
            sha256,
            reader,
        })
    }

    /// Pass 1: the non-empty `csi_volume_handle` values of the window's rows.
    pub fn csi_handles(&mut self, window: &Window, into: &mut BTreeSet<String>) -> Result<()> {
        self.reader
            .rewind()
            .map_err(|e| self.err(format!("rewinding: {e}")))?;
        while let Some(batch) = self.next_in_window(window)? {
            let cols = Columns::new(&OCP_DAILY_SUMMARY, &batch);
            super::disk_names(
                cols.text("csi_volume_handle"),
                cols.text("persistentvolume"),
                into,
            );
        }
        Ok(())
    }

    /// Pass 2: copy the window's rows into `writer`; the number of rows copied.
    pub fn copy(&mut self, window: &Window, writer: &mut DatasetWriter) -> Result<u64> {
        self.reader
            .rewind()
            .map_err(|e| self.err(format!("rewinding: {e}")))?;
        let mut rows = 0u64;
        while let Some(batch) = self.next_in_window(window)? {
            rows += batch.num_rows() as u64;
            if batch.num_rows() > 0 {
                writer.write(&batch)?;
            }
        }
        Ok(rows)
    }

    fn next_in_window(&mut self, window: &Window) -> Result<Option<RecordBatch>> {
        let Some(batch) = self.reader.next() else {
            return Ok(None);
        };
        let batch = batch.map_err(|e| self.err(e.to_string()))?;
        let at = OCP_DAILY_SUMMARY
            .column_index("usage_start")
            .expect("usage_start is a column");
        let days = batch.column(at);
        let from = Date32Array::new_scalar(date32(window.start));
        let to = Date32Array::new_scalar(date32(window.end));
        let keep = gt_eq(days, &from)
            .and_then(|a| lt_eq(days, &to).and_then(|b| arrow::compute::and(&a, &b)))
            .and_then(|mask| filter_record_batch(&batch, &mask))
            .map_err(|e| self.err(e.to_string()))?;
        Ok(Some(keep))
    }

    fn err(&self, message: String) -> ExtractError {
        ExtractError::Usage(format!(
            "--ocp-workdir {}: reading {}: {message}",
            self.path.display(),
            OCP_DAILY_SUMMARY.name
        ))
    }
}

fn date32(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}
