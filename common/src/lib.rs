//! Shared contract of the koku summary pipeline (`koku-extract` → `koku-transform` → `koku-load`).
//!
//! * [`schema`]: the canonical Arrow schema of every dataset a work directory holds;
//! * [`workdir`]: `run.json`, atomic checksummed IPC files, and the checks that refuse a stale, foreign
//!   or corrupt work directory;
//! * [`config`]: flags-then-environment configuration with koku's variable names, secrets redacted;
//! * [`db`]: the PostgreSQL connection: libpq connection strings, TLS (`sslmode`), password sources;
//! * [`logging`]: `tracing` to stderr, the same for every binary;
//! * [`error`]: typed errors naming the file at fault;
//! * [`exit`]: the exit-status contract (0 done, 1 failed for good, 2 usage, 75 transient);
//! * [`pgerror`]: PostgreSQL errors as one line with the server's cause.

pub mod config;
pub mod db;
pub mod error;
pub mod exit;
pub mod logging;
pub mod pgcsv;
pub mod pgerror;
pub mod schema;
pub mod workdir;

pub use error::{Error, Result};

/// Version of the tools, recorded in `run.json`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
