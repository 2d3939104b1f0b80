//! `koku-transform`: compute koku's summary rows from a work directory written by `koku-extract`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's malloc: the transform allocates and frees millions of small strings
/// (decoded rows, group keys), and glibc's free/consolidate was about a quarter of its time (perf,
/// BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "koku-transform",
    version,
    about = "Compute koku's OCP daily summary rows from an extracted work directory",
    long_about = "Reads the Arrow IPC datasets koku-extract wrote into WORKDIR, computes the rows koku's \
                  Trino SQL would write into reporting_ocpusagelineitem_daily_summary (Pod, Storage and \
                  unallocated-capacity rows), and writes them to \
                  WORKDIR/reporting_ocpusagelineitem_daily_summary.arrow. Pure: no network or database."
)]
struct Cli {
    /// Log debug details to stderr.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// OpenShift daily summary (reporting_ocpusagelineitem_daily_summary).
    Ocp {
        /// The work directory written by `koku-extract ocp`.
        workdir: PathBuf,
        /// Days computed at once, each on its own thread (0: one per core). The output is the same
        /// for any value; memory grows with it (about one day of input rows per thread).
        #[arg(long, value_name = "N", default_value_t = 0)]
        threads: usize,
    },
}

/// A transform killed mid-write leaves its temporary output behind; a rerun removes it first.
fn remove_stale_tmp_files(workdir: &std::path::Path) -> Result<(), koku_transform::TransformError> {
    let wd = koku_common::workdir::WorkDir::open(workdir)?;
    for p in wd.remove_stale_tmp_files()? {
        tracing::info!("removed {} (left by a stage that was killed)", p.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    koku_common::logging::init(cli.verbose);
    match cli.command {
        Command::Ocp { workdir, threads } => match remove_stale_tmp_files(&workdir).and_then(|()| {
            koku_transform::ocp::run::transform_ocp_with(
                &workdir,
                &koku_transform::core::options::TransformOptions {
                    progress: koku_common::logging::progress_enabled(),
                    threads,
                },
            )
        }) {
            Ok(report) => {
                let kinds: Vec<String> = report
                    .rows_by_kind
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                println!(
                    "transformed {}: {} summary rows ({})",
                    workdir.display(),
                    report.rows,
                    if kinds.is_empty() {
                        "none".to_string()
                    } else {
                        kinds.join(", ")
                    }
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("koku-transform: error: {e}");
                koku_common::exit::status(e.is_transient())
            }
        },
    }
}
