//! Errors of the loader. Each says what was being done and where (file, row and column, or the SQL step),
//! on one line, and never contains a password: database targets are shown through `DbConfig`'s redacted
//! `Display`, and PostgreSQL errors are reduced to the server's message, detail and context.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The work dir is missing, stale, foreign or corrupt (see `koku_common::Error`).
    #[error(transparent)]
    WorkDir(#[from] koku_common::Error),

    #[error("{path}: cannot read record batch: {source}")]
    ReadBatch {
        path: PathBuf,
        source: arrow::error::ArrowError,
    },

    /// A value of the summary file that PostgreSQL would refuse (or that would break the delete scope).
    #[error("{path}: row {row} (0-based), column {column}: {reason}")]
    BadValue {
        path: PathBuf,
        row: u64,
        column: &'static str,
        reason: String,
    },

    #[error(
        "no database configured: pass --database-url, or set DATABASE_URL or koku's DATABASE_* variables"
    )]
    NoDatabase,

    #[error("cannot connect to PostgreSQL ({db}): {reason}")]
    Connect {
        db: String,
        reason: String,
        transient: bool,
    },

    /// The target schema is not a koku tenant (or lacks the table).
    #[error("schema {schema:?}: {reason}")]
    NotATenant { schema: String, reason: String },

    /// A statement failed; `step` names it (lock, partition, delete, copy, commit). `transient` when
    /// it may pass by itself (the connection lost, the server restarting).
    #[error("{step}: {reason}")]
    Db {
        step: String,
        reason: String,
        transient: bool,
    },

    /// The run's report period (or bill) is not its source's: koku's delete would remove another
    /// source's rows.
    #[error(
        "refusing to load: {what} {reason}; nothing was changed (are run.json, or the --report-period-id or --bill-id given to koku-extract, from another source?)"
    )]
    ForeignScope { what: String, reason: String },

    /// The load would leave days without the rows they have now (an empty or partial input).
    #[error(
        "refusing to load {table}: {count} day(s) of the window have rows now but none in the summary file ({days}); \
         the file holds {rows} rows. An empty or partial input (a wrong --from, missing files) would replace koku's rows \
         with nothing; nothing was changed. Re-run with --allow-emptied-days if those days really have no data"
    )]
    WouldEmptyDays {
        table: &'static str,
        days: String,
        count: usize,
        rows: u64,
    },

    /// A lock was not granted within `--lock-timeout`.
    #[error(
        "{step}: gave up after waiting {} s for a lock{}; the transaction was rolled back, nothing was changed \
         (raise --lock-timeout, or end that session)",
        waited.as_secs(),
        holder.as_deref().map(|h| format!(" held by {h}")).unwrap_or_default()
    )]
    LockTimeout {
        step: String,
        waited: std::time::Duration,
        holder: Option<String>,
    },

    /// The transaction committed, but `run.json` could not be updated.
    #[error("committed {rows} rows, but recording stage load in run.json failed: {source}")]
    Record {
        rows: u64,
        source: koku_common::Error,
    },
}

pub type Result<T, E = LoadError> = std::result::Result<T, E>;

impl LoadError {
    /// A closure turning a `postgres::Error` into [`LoadError::Db`] for `step`.
    pub(crate) fn db(step: impl Into<String>) -> impl FnOnce(postgres::Error) -> LoadError {
        let step = step.into();
        move |e| {
            if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
                // The caller fills in the wait and the holder (`run::load`).
                return LoadError::LockTimeout {
                    step,
                    waited: std::time::Duration::ZERO,
                    holder: None,
                };
            }
            let mut reason = describe_pg(&e);
            if connection_lost(&e) {
                // Say what a lost connection means for the data: PostgreSQL aborts the open transaction,
                // except that a COMMIT already sent may or may not have completed.
                reason.push_str(if step == "commit" {
                    " (connection lost during COMMIT: its outcome is unknown; check the table)"
                } else {
                    " (connection lost: PostgreSQL rolled the transaction back; nothing changed)"
                });
            }
            LoadError::Db {
                step,
                reason,
                transient: koku_common::exit::pg_is_transient(&e),
            }
        }
    }

    /// A failed statement whose cause is ours, not the server's (`transient: false`).
    pub(crate) fn step(step: impl Into<String>, reason: impl Into<String>) -> LoadError {
        LoadError::Db {
            step: step.into(),
            reason: reason.into(),
            transient: false,
        }
    }

    /// Whether the failure may pass by itself: the exit status is then 75, "retry later"
    /// (`koku_common::exit`). Nothing was changed in either case.
    pub fn is_transient(&self) -> bool {
        match self {
            LoadError::WorkDir(e) => e.is_transient(),
            LoadError::Connect { transient, .. } | LoadError::Db { transient, .. } => *transient,
            LoadError::LockTimeout { .. } => true,
            _ => false,
        }
    }
}

/// A client-side I/O failure, a closed connection, or the server ending the session (SQLSTATE class 08
/// connection exception, 57P admin shutdown / termination).
fn connection_lost(e: &postgres::Error) -> bool {
    match e.as_db_error() {
        None => {
            e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        }
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08") || code.starts_with("57P")
        }
    }
}

/// One line describing a PostgreSQL client error (`koku_common::pgerror::describe`).
pub fn describe_pg(e: &postgres::Error) -> String {
    koku_common::pgerror::describe(e)
}
