//! Errors of the work-dir contract. Every variant names the file at fault.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{path}: not a valid Arrow IPC file: {source}")]
    Arrow {
        path: PathBuf,
        source: arrow::error::ArrowError,
    },

    #[error("{path}: cannot write the Arrow IPC file: {source}")]
    WriteArrow {
        path: PathBuf,
        source: arrow::error::ArrowError,
    },

    #[error(
        "{path}: refusing to use this folder as a work directory: it is not empty and has no run.json \
         (found {found}); use an empty or new folder"
    )]
    NotEmpty { path: PathBuf, found: PathBuf },

    #[error("{path}: not a work directory (no run.json); run koku-extract first")]
    NotAWorkDir { path: PathBuf },

    #[error("{path}: unreadable run.json: {reason}")]
    BadRunFile { path: PathBuf, reason: String },

    #[error("{path}: belongs to another run: {reason}")]
    ForeignWorkDir { path: PathBuf, reason: String },

    #[error("{path}: stale: {reason}")]
    StaleWorkDir { path: PathBuf, reason: String },

    #[error("{path}: stage {stage:?} has not run in this work dir{hint}")]
    MissingStage {
        path: PathBuf,
        stage: String,
        hint: String,
    },

    #[error("{path}: stage {stage} recorded no dataset {dataset}")]
    MissingDataset {
        path: PathBuf,
        dataset: String,
        stage: String,
    },

    #[error("{path}: corrupt or modified: checksum {actual} does not match run.json's {expected}")]
    ChecksumMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },

    #[error("{path}: unexpected schema: {detail}")]
    SchemaMismatch { path: PathBuf, detail: String },

    #[error("configuration: {0}")]
    Config(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn arrow(path: &Path, source: arrow::error::ArrowError) -> Self {
        Error::Arrow {
            path: path.to_path_buf(),
            source,
        }
    }
}
