//! Logging setup shared by the binaries: `tracing` to stderr, level from `RUST_LOG` (default `info`).

use std::io::IsTerminal;

/// Install the stderr subscriber. `verbose` raises the default level to `debug`.
pub fn init(verbose: bool) {
    let default = if verbose { "debug" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// Whether progress bars should be drawn (only when a person watches stderr).
pub fn progress_enabled() -> bool {
    std::io::stderr().is_terminal()
}
