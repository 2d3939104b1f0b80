//! The exit-status contract of the binaries, which scripts and koku's task runner rely on to decide
//! whether to retry (README "Failure modes"):
//!
//! | status | meaning | retry? |
//! | --- | --- | --- |
//! | 0 | done (`koku-load`: committed) | — |
//! | 1 | failed, and the same command would fail again: bad input, configuration, a guard refused the run | no: fix the cause |
//! | 2 | command-line usage error | no |
//! | 75 | failed for a reason that may pass: S3 or PostgreSQL unreachable, timing out or unavailable, a connection lost, a lock not granted in time, the disk full | yes, with backoff |
//!
//! Whatever the status, a failed stage changed nothing (the load rolls back, the other stages leave no
//! file under a real name), with two exceptions the README names: a load that committed but could not
//! record itself in `run.json` (a full disk: 75), and a connection lost during the COMMIT (75; its
//! outcome unknown). Retrying the same command is safe in both. 75 is `EX_TEMPFAIL` of BSD's `sysexits.h`, the code mail systems use for
//! "try again later".

use std::process::ExitCode;

/// Failed; retrying the same command will fail again.
pub const FAILED: u8 = 1;
/// Command-line usage error (clap's own status).
pub const USAGE: u8 = 2;
/// Failed for a reason that may pass; retrying later may succeed.
pub const TRANSIENT: u8 = 75;

/// The exit status of a failure.
pub fn status(transient: bool) -> ExitCode {
    ExitCode::from(if transient { TRANSIENT } else { FAILED })
}

/// Whether an I/O error may pass by itself (a full disk, a timeout, an interrupted or refused
/// connection), rather than being a property of the input (a missing or unreadable file).
pub fn io_is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        StorageFull
            | QuotaExceeded
            | TimedOut
            | Interrupted
            | ConnectionRefused
            | ConnectionReset
            | ConnectionAborted
            | NotConnected
            | BrokenPipe
            | HostUnreachable
            | NetworkUnreachable
            | NetworkDown
            | ResourceBusy
    )
}

/// Whether a PostgreSQL error may pass by itself: no server reply (unreachable, refused, timed out,
/// connection closed), or a server error of a transient class — connection exception (08), server
/// shutting down or restarting (57P), insufficient resources (53), serialization failure or deadlock
/// (40001, 40P01), lock not available (55P03). An authentication failure (28) or an SQL error is not.
pub fn pg_is_transient(e: &postgres::Error) -> bool {
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("53")
                || code == "40001"
                || code == "40P01"
                || code == "55P03"
        }
        None => {
            // No reply from the server. Configuration errors (a bad URL, a TLS setting) are also
            // client-side; they say so in their text and do not pass by themselves.
            let text = crate::pgerror::describe(e);
            !(text.contains("invalid configuration")
                || text.contains("certificate")
                || text.contains("password missing"))
        }
    }
}

impl crate::Error {
    /// Whether the failure may pass by itself (see the module docs).
    pub fn is_transient(&self) -> bool {
        match self {
            crate::Error::Io { source, .. } => io_is_transient(source),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(status(true), ExitCode::from(75));
        assert_eq!(status(false), ExitCode::from(1));
        assert!(io_is_transient(&std::io::Error::from(
            std::io::ErrorKind::StorageFull
        )));
        assert!(!io_is_transient(&std::io::Error::from(
            std::io::ErrorKind::NotFound
        )));
    }
}
