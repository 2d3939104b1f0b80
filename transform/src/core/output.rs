//! Writing a flow's output dataset as it is computed: the days' batches (of any size) re-cut into
//! batches of [`OUTPUT_BATCH_ROWS`] rows and written through the work dir's `DatasetWriter`.

use arrow::array::RecordBatch;
use arrow::compute::BatchCoalescer;
use koku_common::schema::Dataset;
use koku_common::workdir::{DatasetWriter, WorkDir};

use crate::error::TransformError;

/// Output batches of this many rows keep the writer's memory bounded and the file friendly to readers.
pub const OUTPUT_BATCH_ROWS: usize = 65_536;

/// An output dataset being written: batches are pushed in output order.
pub struct OutputWriter {
    writer: DatasetWriter,
    batches: BatchCoalescer,
    /// The output file, for errors.
    path: String,
}

impl OutputWriter {
    pub fn new(wd: &WorkDir, dataset: &'static Dataset) -> Result<Self, TransformError> {
        Ok(OutputWriter {
            writer: wd.writer(dataset)?,
            batches: BatchCoalescer::new(dataset.schema(), OUTPUT_BATCH_ROWS),
            path: wd.path().join(dataset.file_name()).display().to_string(),
        })
    }

    /// Append `batch` (of the dataset's schema) to the output.
    pub fn push(&mut self, batch: RecordBatch) -> Result<(), TransformError> {
        self.batches
            .push_batch(batch)
            .map_err(|e| self.arrow_error(e))?;
        self.write_completed()
    }

    /// Write what is still buffered. The writer comes back unfinished: the caller finishes it
    /// (renaming the file into place) only once the inputs' checksums have passed.
    pub fn flush(mut self) -> Result<DatasetWriter, TransformError> {
        self.batches
            .finish_buffered_batch()
            .map_err(|e| self.arrow_error(e))?;
        self.write_completed()?;
        Ok(self.writer)
    }

    /// Write the output batches the coalescer has completed.
    fn write_completed(&mut self) -> Result<(), TransformError> {
        while let Some(batch) = self.batches.next_completed_batch() {
            self.writer.write(&batch)?;
        }
        Ok(())
    }

    fn arrow_error(&self, e: arrow::error::ArrowError) -> TransformError {
        TransformError::Arrow {
            path: self.path.clone(),
            source: e,
        }
    }
}
