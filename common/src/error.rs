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

/// An error and its causes on one line, for the binaries' `error:` line. Errors of this workspace
/// already include their cause's text (`"{path}: {source}"`), while `anyhow`'s context does not: a
/// cause whose text the line already holds is left out, so nothing is said twice.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let t = cause.to_string();
        if t.is_empty() || text.contains(&t) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&t);
    }
    text.replace('\n', "; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_says_each_cause_once() {
        let io = std::io::Error::other("No space left on device (os error 28)");
        let e = anyhow::Error::from(Error::io(Path::new("/w/run.json"), io)).context("loading /w");
        assert_eq!(
            one_line(&e),
            "loading /w: /w/run.json: No space left on device (os error 28)"
        );
        let e = anyhow::anyhow!("inner").context("outer\nsecond line");
        assert_eq!(one_line(&e), "outer; second line: inner");
    }
}
