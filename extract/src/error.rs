//! Typed errors of `koku-extract`.
//!
//! Every variant that concerns an input names it: the object (`s3://bucket/key` or local path) and,
//! where relevant, the column and the type found, so an operator can go straight to the file at fault.
//! Secrets never appear here: S3 keys and database passwords are not part of any message (the SDK and
//! `postgres` errors do not carry them, and locations are printed without credentials).

use std::path::PathBuf;

use arrow::datatypes::DataType;

/// Result of this crate.
pub type Result<T, E = ExtractError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// Invalid run parameters (dates outside the month, bad schema name, ...).
    #[error("{0}")]
    Usage(String),

    /// Without a database every PostgreSQL input must come from a flag; this one did not.
    #[error("missing {flag}: {why}")]
    MissingFlag { flag: &'static str, why: String },

    /// koku itself would not summarise this run (no cluster id, no report period).
    #[error("{0}")]
    KokuWouldSkip(String),

    /// Listing or fetching objects failed (network, permissions, missing bucket, ...); `transient`
    /// when it may pass by itself (unreachable, timed out, a 5xx answer).
    #[error("{location}: {message}")]
    Source {
        location: String,
        message: String,
        transient: bool,
    },

    /// The object is not readable Parquet (corrupt, truncated, unsupported codec).
    #[error("{file}: not a readable Parquet file: {source}")]
    Parquet {
        file: String,
        source: parquet::errors::ParquetError,
    },

    /// The footer was fine but a data page is not (corrupt or truncated in the middle).
    #[error("{file}: corrupt Parquet data: {source}")]
    Decode {
        file: String,
        source: arrow::error::ArrowError,
    },

    /// A column every koku file of this report type has is absent.
    #[error("{file}: required column {column:?} of {dataset} is missing")]
    MissingColumn {
        file: String,
        dataset: &'static str,
        column: &'static str,
    },

    /// A column has a physical type that cannot mean what the canonical schema says.
    #[error("{file}: column {column:?} has type {found}, expected {expected}")]
    IncompatibleType {
        file: String,
        column: String,
        found: DataType,
        expected: &'static str,
    },

    /// A value koku's summary would fail on (NaN measure, labels that are not a JSON object).
    #[error("{file}: row {row} (0-based), column {column}: {reason}")]
    BadValue {
        file: String,
        row: u64,
        column: &'static str,
        reason: String,
    },

    /// No object at all was found for the run: a wrong `--from`, bucket prefix or source would
    /// otherwise let the load replace koku's rows with nothing.
    #[error(
        "no input: {location} holds no {what} files for this source and month; check --from (bucket, prefix \
         or folder), --schema and --source. Nothing was written. Pass --allow-empty if the month really has no data"
    )]
    NoInput { location: String, what: String },

    /// An Arrow kernel failed while normalising a file's batches.
    #[error("{file}: {source}")]
    Arrow {
        file: String,
        source: arrow::error::ArrowError,
    },

    /// A PostgreSQL query failed; `reason` keeps the server's message and SQLSTATE, or the client's
    /// causes (the TLS or connection reason).
    #[error("PostgreSQL: {what}: {reason}")]
    Database {
        what: String,
        reason: String,
        source: postgres::Error,
    },

    /// A `--cost-categories` / `--node-roles` file is unreadable or malformed.
    #[error("{}:{line}: {message}", path.display())]
    InputFile {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// Work directory or configuration error from `koku-common`.
    #[error(transparent)]
    Common(#[from] koku_common::Error),
}

impl ExtractError {
    pub(crate) fn source_err(location: impl Into<String>, message: impl Into<String>) -> Self {
        ExtractError::Source {
            location: location.into(),
            message: message.into(),
            transient: false,
        }
    }

    /// A source error that may pass by itself.
    pub(crate) fn transient_source_err(
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ExtractError::Source {
            location: location.into(),
            message: message.into(),
            transient: true,
        }
    }

    /// Whether the failure may pass by itself: the exit status is then 75, "retry later"
    /// (`koku_common::exit`).
    pub fn is_transient(&self) -> bool {
        match self {
            ExtractError::Source { transient, .. } => *transient,
            ExtractError::Database { source, .. } => koku_common::exit::pg_is_transient(source),
            ExtractError::Common(e) => e.is_transient(),
            _ => false,
        }
    }

    pub(crate) fn arrow(file: &str, source: arrow::error::ArrowError) -> Self {
        ExtractError::Arrow {
            file: file.to_string(),
            source,
        }
    }

    pub(crate) fn db(what: impl Into<String>, source: postgres::Error) -> Self {
        ExtractError::Database {
            what: what.into(),
            reason: koku_common::pgerror::describe(&source),
            source,
        }
    }
}
