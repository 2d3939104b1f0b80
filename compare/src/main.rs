//! `koku-compare`: compare this pipeline's OCP daily summary rows with the rows koku wrote.
//!
//! ```text
//! koku-compare OURS --csv FILE                                  # koku's rows exported as CSV (HEADER)
//! koku-compare OURS --database-url URL [--schema S] [--table T] # koku's table itself
//! koku-compare OURS --ipc OTHER                                 # another work dir / .arrow file
//!     OURS = WORKDIR (after koku-transform) | reporting_ocpusagelineitem_daily_summary.arrow
//!     [--source-uuid U] [--report-period-id N] [--start-date D] [--end-date D] [--all-rows]
//!     [--rel-tol X] [--abs-tol Y] [--format text|json] [--max-diffs N] [-v]
//! ```
//!
//! Exit status: 0 identical within tolerance, 1 differences found, 2 error (usage, unreadable input,
//! database). The report goes to stdout, logs and errors to stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, ValueEnum};
use koku_compare::{
    DEFAULT_ABS_TOL, DEFAULT_REL_TOL, Options, Report, SUMMARY_TABLE, Table, read_csv, read_ipc,
    read_postgres,
};
use koku_common::config::DbConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Parser)]
#[command(
    name = "koku-compare",
    version,
    about = "Compare this pipeline's OCP daily summary rows with the rows koku (Trino) wrote",
    long_about = "Compare this pipeline's OCP daily summary rows with the rows koku (Trino) wrote.\n\n\
        OURS is a work dir (after koku-transform) or its reporting_ocpusagelineitem_daily_summary.arrow. \
        THEIRS is a CSV export of koku's table (--csv; `\\copy (SELECT ...) TO 'x.csv' CSV HEADER`), the \
        table itself (--database-url, else DATABASE_URL or koku's DATABASE_* variables), or another \
        work dir (--ipc).\n\n\
        Rows are matched by natural key per row kind (Pod: usage_start, namespace, node, pod_labels; \
        Storage: usage_start, namespace, node, resource_id, persistentvolumeclaim, persistentvolume, \
        storageclass, volume_labels; unallocated: usage_start, node, namespace, cost_category_id). \
        Label columns compare as JSON values, measures within max(abs-tol, rel-tol × magnitude), \
        everything else exactly. Only columns both sides have are compared; koku-only columns (uuid, \
        cost model, OCP on cloud) never.\n\n\
        By default both sides are restricted to OURS's run (source, report period, days) and koku's \
        summary rows (no cost-model or OCP-on-cloud rows; --all-rows keeps them).\n\n\
        Exit status: 0 identical within tolerance, 1 differences found, 2 error."
)]
struct Cli {
    /// Our rows: a work dir, or a reporting_ocpusagelineitem_daily_summary.arrow file.
    #[arg(value_name = "OURS")]
    ours: PathBuf,
    /// Their rows as CSV with a header (PostgreSQL CSV: unquoted empty = NULL, "" = empty string).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["ipc", "database_url"])]
    csv: Option<PathBuf>,
    /// Their rows from another work dir or summary .arrow file.
    #[arg(long, value_name = "WORKDIR|FILE", conflicts_with = "database_url")]
    ipc: Option<PathBuf>,
    /// libpq URL of koku's database (default: DATABASE_URL, then koku's DATABASE_* variables).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Tenant schema of the table (default: the run's).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["csv", "ipc"])]
    schema: Option<String>,
    /// Table (or view, or partition) to read.
    #[arg(long, value_name = "NAME", default_value = SUMMARY_TABLE, conflicts_with_all = ["csv", "ipc"])]
    table: String,
    /// Only rows of this source (default: the run's).
    #[arg(long, value_name = "UUID")]
    source_uuid: Option<String>,
    /// Only rows of this report period (default: the run's, when OURS is a work dir).
    #[arg(long, value_name = "N")]
    report_period_id: Option<i64>,
    /// Only rows from this day (default: the run's first day).
    #[arg(long, value_name = "YYYY-MM-DD")]
    start_date: Option<NaiveDate>,
    /// Only rows until this day, inclusive (default: the run's last day).
    #[arg(long, value_name = "YYYY-MM-DD")]
    end_date: Option<NaiveDate>,
    /// Keep the rows koku's cost model and OCP-on-cloud steps add (cost_model_rate_type,
    /// monthly_cost_type or a non-zero infrastructure_raw_cost).
    #[arg(long)]
    all_rows: bool,
    /// Relative tolerance for measures.
    #[arg(long, value_name = "X", default_value_t = DEFAULT_REL_TOL)]
    rel_tol: f64,
    /// Absolute tolerance for measures (numeric(33,15) rounds to 15 decimals).
    #[arg(long, value_name = "Y", default_value_t = DEFAULT_ABS_TOL)]
    abs_tol: f64,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// At most N entries per list of the report (the counts are always complete); 0 = no limit.
    #[arg(long, value_name = "N", default_value_t = 100)]
    max_diffs: usize,
    /// Debug logging (RUST_LOG overrides).
    #[arg(short, long)]
    verbose: bool,
}

fn run(cli: &Cli) -> anyhow::Result<Report> {
    for (name, v) in [("--rel-tol", cli.rel_tol), ("--abs-tol", cli.abs_tol)] {
        if !(v.is_finite() && v >= 0.0) {
            bail!("{name} must be a finite number ≥ 0, got {v}");
        }
    }
    let (ours, run) = read_ipc(&cli.ours)?;
    tracing::info!(rows = ours.len(), from = %ours.label, "read ours");

    let mut scope = run.scope();
    if let Some(s) = &cli.source_uuid {
        scope.source_uuid = Some(s.clone());
    }
    if let Some(r) = cli.report_period_id {
        scope.report_period_id = Some(r);
    }
    if let Some(d) = cli.start_date {
        scope.start_date = Some(d);
    }
    if let Some(d) = cli.end_date {
        scope.end_date = Some(d);
    }
    scope.summary_rows_only = !cli.all_rows;

    let theirs: Table = if let Some(csv) = &cli.csv {
        read_csv(csv)?
    } else if let Some(other) = &cli.ipc {
        read_ipc(other)?.0
    } else {
        let db = DbConfig::resolve(cli.database_url.as_deref())
            .context("database configuration")?
            .context(
                "nothing to compare with: give --csv FILE, --ipc WORKDIR or --database-url URL \
                 (or set DATABASE_URL / koku's DATABASE_* variables)",
            )?;
        let schema = cli
            .schema
            .clone()
            .or(run.schema.clone())
            .context("no tenant schema: OURS does not name one; give --schema")?;
        read_postgres(&db, &schema, &cli.table, &scope)?
    };
    tracing::info!(rows = theirs.len(), from = %theirs.label, "read theirs");

    let options = Options {
        rel_tol: cli.rel_tol,
        abs_tol: cli.abs_tol,
        max_details: cli.max_diffs,
        scope,
    };
    Ok(koku_compare::compare(&ours, &theirs, &options)?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    koku_common::logging::init(cli.verbose);
    match run(&cli) {
        Ok(report) => {
            match cli.format {
                Format::Text => print!("{}", report.to_text()),
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("the report serialises")
                ),
            }
            if report.identical {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            // The causes on one line, each said once (the typed errors already quote their source).
            let mut text = e.to_string();
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !text.contains(&c) {
                    text = format!("{text}: {c}");
                }
            }
            let text = text.replace('\n', "; ");
            eprintln!("koku-compare: error: {text}");
            ExitCode::from(2)
        }
    }
}
