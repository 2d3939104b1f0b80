//! Errors of the transform: they name the dataset, the row and the column at fault.

#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    #[error("{dataset}, row {row}, column {column}: {message}")]
    Input {
        dataset: String,
        row: usize,
        column: String,
        message: String,
    },

    /// A value koku's SQL fails on, found while computing (the dataset and what is wrong).
    #[error("{dataset}: {message}")]
    Data { dataset: String, message: String },

    #[error(transparent)]
    WorkDir(#[from] koku_common::Error),

    #[error("{path}: {source}")]
    Arrow {
        path: String,
        source: arrow::error::ArrowError,
    },

    #[error("cannot start a transform thread: {0}")]
    Thread(#[source] std::io::Error),
}

impl TransformError {
    /// Whether the failure may pass by itself (a full disk): the exit status is then 75
    /// (`koku_common::exit`).
    pub fn is_transient(&self) -> bool {
        match self {
            TransformError::WorkDir(e) => e.is_transient(),
            TransformError::Thread(e) => koku_common::exit::io_is_transient(e),
            _ => false,
        }
    }

    pub fn input(
        dataset: &koku_common::schema::Dataset,
        row: usize,
        column: &str,
        message: impl Into<String>,
    ) -> Self {
        TransformError::Input {
            dataset: dataset.name.to_string(),
            row,
            column: column.to_string(),
            message: message.into(),
        }
    }

    /// Shift the row number by `offset` (an error numbered within a batch, renumbered across the
    /// dataset: `offset` is the dataset row of the batch's first row).
    pub fn offset_row(mut self, offset: usize) -> Self {
        if let TransformError::Input { row, .. } = &mut self {
            *row += offset;
        }
        self
    }

    /// Replace the row number (row numbers count from 0 across the dataset's batches).
    pub fn at_row(mut self, r: usize) -> Self {
        if let TransformError::Input { row, .. } = &mut self {
            *row = r;
        }
        self
    }
}
