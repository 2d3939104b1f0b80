//! `koku-transform`: compute koku's summary rows from a work directory written by `koku-extract`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use koku_transform::aws::ec2::Ec2Scope;
use koku_transform::aws::run::AwsOptions;
use koku_transform::core::options::TransformOptions;
use koku_transform::ocp_aws::run::OcpAwsOptions;

/// mimalloc instead of glibc's malloc: the transform allocates and frees millions of small strings
/// (decoded rows, group keys), and glibc's free/consolidate was about a quarter of its time (perf,
/// BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "koku-transform",
    version,
    about = "Compute koku's summary rows (OCP, AWS, OCP-on-AWS) from an extracted work directory",
    long_about = "Reads the Arrow IPC datasets koku-extract wrote into WORKDIR, computes the rows koku's \
                  Trino SQL would write into koku's summary tables, and writes them into WORKDIR as Arrow \
                  IPC files for koku-load. One subcommand per flow; the work dir must be of that flow. \
                  Pure: no network or database; the same work dir always gives byte-identical files."
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
    /// AWS daily summary and EC2 compute summary (reporting_awscostentrylineitem_daily_summary,
    /// reporting_awscostentrylineitem_summary_by_ec2_compute_p).
    #[command(
        after_help = "Example:\n  koku-extract aws --from s3://koku-report --schema org1234567 \\\n      \
        --source 6795d5e6-951c-4382-a8d3-390515d7ec5d --year 2025 --month 10 ... --out /tmp/w\n  \
        koku-transform aws /tmp/w --threads 2\n\nWrites \
        reporting_awscostentrylineitem_daily_summary.arrow (the run's window, day by day) and \
        reporting_awscostentrylineitem_summary_by_ec2_compute_p.arrow (the whole month partition)."
    )]
    Aws {
        /// The work directory written by `koku-extract aws`.
        workdir: PathBuf,
        /// Days computed at once, each on its own thread (0: one per core). The output is the same
        /// for any value; memory grows with it (about one day of input rows per thread).
        #[arg(long, value_name = "N", default_value_t = 0)]
        threads: usize,
        /// EC2 rows koku writes outside its own delete scope (usage_start before the month, or after
        /// the run's end date), which a re-run cannot replace: `koku` writes them as koku does (a
        /// re-run then duplicates them, as koku's does; the load warns); `window` leaves them out
        /// (logged, counted in run.json); `clamp-to-month` also keeps an instance whose partition
        /// holds a line dated before the month, starting on the first of the month (not koku's value).
        #[arg(long, value_enum, value_name = "SCOPE", default_value_t = Ec2ScopeArg::Koku)]
        ec2_scope: Ec2ScopeArg,
        /// Leave the EC2 compute summary out, as koku does while its Unleash flag
        /// feature-4403-enable-ec2-compute-processing is off for the schema; koku-load then leaves
        /// koku's EC2 table alone.
        #[arg(long)]
        skip_ec2: bool,
    },
    /// OpenShift on AWS: the AWS source's costs attributed to the clusters running on it
    /// (reporting_ocpawscostlineitem_project_daily_summary_p and its eight UI summary tables).
    #[command(
        name = "ocp-aws",
        after_help = "Example:\n  koku-extract ocp --from /data --schema org1234567 --source OCP_UUID \\\n      \
        --year 2025 --month 10 ... --out /tmp/ocp\n  koku-transform ocp /tmp/ocp\n  \
        koku-extract ocp-aws --from /data --schema org1234567 --aws-source AWS_UUID --year 2025 \\\n      \
        --month 10 --ocp-workdir /tmp/ocp ... --out /tmp/ocp-aws\n  koku-transform ocp-aws /tmp/ocp-aws\n\n\
        Runs koku's 5-day windows one after the other, every paired OCP source in each, and writes \
        reporting_ocpawscostlineitem_project_daily_summary_p.arrow and one file per UI table \
        (reporting_ocpaws_*_summary_p.arrow). run.json records the pairs, the OCP sources left out \
        and why, and how the generic matched tags were decided per window."
    )]
    OcpAws {
        /// The work directory written by `koku-extract ocp-aws`.
        workdir: PathBuf,
        /// koku's per-schema switch "tag processing disabled": when koku's PostgreSQL tables give
        /// no generic matched tags, do not fall back to computing them from the window's data.
        #[arg(long)]
        tag_processing_disabled: bool,
        /// Fix koku's defect (spec ocp-on-aws §7.2): attribute an EBS volume matched only by its
        /// PV name (a PV without CSI volume handle), which koku flags as matched and then drops;
        /// its cost is then sized and split over its claims like a CSI volume. Not koku's rows.
        #[arg(long)]
        attribute_pv_name_disks: bool,
        /// Fix koku's defect (spec ocp-on-aws §7.6): do not give an instance's Storage rows on its
        /// node "phantom" Pod rows (NULL cost, a share of the usage amount). Not koku's rows.
        #[arg(long)]
        drop_phantom_compute_rows: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Ec2ScopeArg {
    Window,
    ClampToMonth,
    Koku,
}

impl From<Ec2ScopeArg> for Ec2Scope {
    fn from(a: Ec2ScopeArg) -> Self {
        match a {
            Ec2ScopeArg::Window => Ec2Scope::Window,
            Ec2ScopeArg::ClampToMonth => Ec2Scope::ClampToMonth,
            Ec2ScopeArg::Koku => Ec2Scope::Koku,
        }
    }
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
                &TransformOptions {
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
        Command::Aws {
            workdir,
            threads,
            ec2_scope,
            skip_ec2,
        } => match remove_stale_tmp_files(&workdir).and_then(|()| {
            koku_transform::aws::run::transform_aws_with(
                &workdir,
                &TransformOptions {
                    progress: koku_common::logging::progress_enabled(),
                    threads,
                },
                &AwsOptions {
                    ec2_scope: ec2_scope.into(),
                    skip_ec2,
                },
            )
        }) {
            Ok(r) => {
                let mut ec2 = format!("{} EC2 compute rows", r.ec2.rows);
                if r.ec2.left_out > 0 {
                    ec2.push_str(&format!(
                        " ({} left out: outside koku's delete scope, see --ec2-scope)",
                        r.ec2.left_out
                    ));
                }
                println!(
                    "transformed {}: {} daily summary rows over {} days, {ec2}",
                    workdir.display(),
                    r.daily_summary_rows,
                    r.days,
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("koku-transform: error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::OcpAws {
            workdir,
            tag_processing_disabled,
            attribute_pv_name_disks,
            drop_phantom_compute_rows,
        } => match remove_stale_tmp_files(&workdir).and_then(|()| {
            koku_transform::ocp_aws::run::transform_ocp_aws_with(
                &workdir,
                &TransformOptions {
                    progress: koku_common::logging::progress_enabled(),
                    threads: 1,
                },
                &OcpAwsOptions {
                    tag_processing_disabled,
                    attribute_pv_name_disks,
                    drop_phantom_compute_rows,
                },
            )
        }) {
            Ok(r) => {
                let ui: u64 = r.ui_rows.values().sum();
                println!(
                    "transformed {}: {} OCP-on-AWS rows for {} cluster(s) over {} window(s), {ui} UI \
                     summary rows{}",
                    workdir.display(),
                    r.summary_rows,
                    r.pairs.len(),
                    r.windows,
                    if r.skipped.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; {} OCP source(s) left out (see run.json)",
                            r.skipped.len()
                        )
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
