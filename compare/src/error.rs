//! Why a comparison could not be made. Every variant names the input at fault (a file with its line or
//! row and column, or the database without its password).

use std::path::PathBuf;

use koku_common::pgcsv::CsvError;

use crate::value::Kind;

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    WorkDir(#[from] koku_common::Error),

    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{input}: line {line}: {reason}")]
    Csv {
        input: String,
        line: u64,
        reason: String,
    },

    #[error("{input}: {row}, column {column}: cannot read {value:?} as {kind}: {reason}")]
    Value {
        input: String,
        /// `line N` (CSV) or `row N`.
        row: String,
        column: String,
        value: String,
        kind: Kind,
        reason: String,
    },

    #[error(
        "{input}: no column {column:?}; the rows cannot be matched without it (needed: {needed})"
    )]
    MissingColumn {
        input: String,
        column: String,
        needed: String,
    },

    #[error("{input}: {reason}")]
    Input { input: String, reason: String },

    /// Which table OURS holds, or `--table` names, cannot be told or does not fit.
    #[error("{0}")]
    Table(String),

    #[error("database {db}: {what}: {reason}")]
    Database {
        db: String,
        what: String,
        reason: String,
    },
}

pub type Result<T, E = CompareError> = std::result::Result<T, E>;

impl From<CsvError> for CompareError {
    fn from(e: CsvError) -> Self {
        CompareError::Csv {
            input: e.input,
            line: e.line,
            reason: e.reason,
        }
    }
}
