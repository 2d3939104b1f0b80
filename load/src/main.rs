//! `koku-load WORKDIR [--database-url URL] [--schema NAME] [--dry-run] [--allow-emptied-days]
//! [--lock-timeout SECS] [-v]`
//!
//! Exit status 0 only when everything committed (or, with `--dry-run`, when the dry run succeeded).
//! Errors are one line on stderr; the summary line goes to stdout; logs go to stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use koku_common::config::{DbConfig, env};
use koku_load::{LoadError, LoadOptions, load};

#[derive(Debug, Parser)]
#[command(
    name = "koku-load",
    version,
    about = "Load a work dir's transformed rows into koku's PostgreSQL tenant schema (one transaction)",
    long_about = "Load a work dir's transformed rows into koku's PostgreSQL tenant schema.\n\n\
        In one transaction: lock the source, check that the run's report period (OCP) or bill (AWS) belongs \
        to its source and month, koku's own steps of the flow (OCP: cluster, node, PVC and project tables, \
        report-period stamps; AWS: bill stamps), ensure the month partitions (through partitioned_tables), \
        delete koku's scope (OCP: usage_start in the run's days, the run's report period, no infrastructure \
        raw cost; AWS daily summary: usage_start in the run's days and the run's bill; AWS EC2 compute \
        summary: the source's rows from the first of the month to the end date), binary COPY the rows, \
        commit; then record stage `load` in run.json. Any failure rolls everything back. AWS: the EC2 \
        compute summary is skipped when the transform wrote no rows for it (koku's feature flag), and \
        koku's daily validation (the daily summary's unblended cost per day against the Parquet's) runs \
        after the commit and only logs. OCP-on-AWS: the project daily summary (_p) and the eight UI \
        tables, deleted by bill and days (_p) or source and days (UI), narrowed to the run's clusters \
        when run.json names them; every report period of the _p rows must be of the run's month and \
        the rows' cluster; koku's OCP infrastructure rows of those report periods are deleted before \
        and back-populated after the insert (reporting_ocpaws_ocp_infrastructure_back_populate.sql), \
        and the report periods stamped (ocp_on_cloud_updated_datetime).\n\n\
        A load that would leave a day of the window without the rows it has today (an empty or partial \
        input) is refused unless --allow-emptied-days is given (OCP-on-AWS UI tables: only a day the _p \
        file has no rows for either); --dry-run reports the same.\n\n\
        The database comes from --database-url, else DATABASE_URL, else koku's DATABASE_SERVICE_NAME / \
        DATABASE_NAME / DATABASE_USER / DATABASE_PASSWORD variables.",
    after_help = "Examples:\n  \
        koku-load /scratch/run1 --dry-run          # check the file, count what would change\n  \
        koku-load /scratch/run1                    # DATABASE_URL or koku's DATABASE_* variables\n  \
        koku-load /scratch/run1 --lock-timeout 60  # give up after a minute of waiting for a lock"
)]
struct Cli {
    /// Work directory written by koku-extract and koku-transform.
    workdir: PathBuf,
    /// libpq URL or key=value string (default: DATABASE_URL, then koku's DATABASE_* variables).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Tenant schema to load into instead of run.json's.
    #[arg(long, value_name = "NAME", env = env::KOKU_SCHEMA)]
    schema: Option<String>,
    /// Check everything and count what would be deleted and inserted, then roll back.
    #[arg(long)]
    dry_run: bool,
    /// Accept a load that leaves days of the window without the rows they have today (the summary
    /// file has none for them).
    #[arg(long)]
    allow_emptied_days: bool,
    /// Seconds to wait for any one lock held by another session before giving up (nothing changes).
    #[arg(long, value_name = "SECS", default_value_t = koku_load::run::DEFAULT_LOCK_TIMEOUT.as_secs())]
    lock_timeout: u64,
    /// Debug logging (RUST_LOG overrides).
    #[arg(short, long)]
    verbose: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    koku_common::logging::init(cli.verbose);
    match run(&cli) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("koku-load: error: {}", koku_common::error::one_line(&e));
            let transient = e
                .downcast_ref::<LoadError>()
                .is_some_and(LoadError::is_transient);
            koku_common::exit::status(transient)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<String> {
    // The URL is not taken by clap from the environment on purpose: clap prints env values in --help.
    let database = DbConfig::resolve(cli.database_url.as_deref())
        .context("database configuration")?
        .ok_or(LoadError::NoDatabase)?;
    let options = LoadOptions {
        schema: cli.schema.clone().filter(|s| !s.is_empty()),
        dry_run: cli.dry_run,
        allow_emptied_days: cli.allow_emptied_days,
        lock_timeout: std::time::Duration::from_secs(cli.lock_timeout.max(1)),
        ..LoadOptions::new(database)
    };
    let report = load(&cli.workdir, &options)
        .with_context(|| format!("loading {}", cli.workdir.display()))?;
    Ok(report.to_string())
}
