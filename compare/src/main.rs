//! `koku-compare`: compare this pipeline's summary rows with the rows koku wrote.
//!
//! ```text
//! koku-compare OURS --csv FILE                                  # koku's rows exported as CSV (HEADER)
//! koku-compare OURS --database-url URL [--schema S] [--table T] # koku's table itself
//! koku-compare OURS --ipc OTHER                                 # another work dir / .arrow file
//!     OURS = WORKDIR (after koku-transform) | WORKDIR/<table>.arrow
//!     [--table T] [--source-uuid U] [--report-period-id|--bill-id N] [--start-date D] [--end-date D]
//!     [--all-rows] [--rel-tol X] [--abs-tol Y] [--format text|json] [--max-diffs N] [-v]
//! ```
//!
//! Exit status: 0 identical within tolerance, 1 differences found, 2 error (usage, unreadable input,
//! database). The report goes to stdout, logs and errors to stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};
use koku_common::config::DbConfig;
use koku_compare::{
    DEFAULT_REL_TOL, Options, Report, Table, TableDef, read_csv, read_ipc, read_postgres, tables,
    tables_in,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Parser)]
#[command(
    name = "koku-compare",
    version,
    about = "Compare this pipeline's summary rows with the rows koku (Trino) wrote",
    long_about = "Compare this pipeline's summary rows with the rows koku (Trino) wrote.\n\n\
        OURS is a work dir (after koku-transform) or one of its .arrow files. THEIRS is a CSV export \
        of koku's table (--csv; `\\copy (SELECT ...) TO 'x.csv' CSV HEADER`), the table itself \
        (--database-url, else DATABASE_URL or koku's DATABASE_* variables), or another work dir \
        (--ipc). The table compared is the one OURS holds, or the one --table names.\n\n\
        Rows are matched by the table's natural key, per kind of row (listed below; a key held by \
        several rows is matched as a multiset). jsonb columns compare as JSON values, arrays of ids \
        as sets, measures within max(abs-tol, rel-tol × magnitude), everything else exactly. Only \
        columns both sides have are compared; koku-only columns (uuid, cost model, ...) never.\n\n\
        By default both sides are restricted to OURS's run (source, period, days) and koku's \
        summary rows (no rows of later steps such as the cost model; --all-rows keeps them).\n\n\
        Exit status: 0 identical within tolerance, 1 differences found, 2 error."
)]
struct Cli {
    /// Our rows: a work dir, or one of its .arrow files (e.g. reporting_ocpusagelineitem_daily_summary.arrow).
    #[arg(value_name = "OURS")]
    ours: PathBuf,
    /// Their rows as CSV with a header (PostgreSQL CSV: unquoted empty = NULL, "" = empty string).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["ipc", "database_url"])]
    csv: Option<PathBuf>,
    /// Their rows from another work dir or .arrow file.
    #[arg(long, value_name = "WORKDIR|FILE", conflicts_with = "database_url")]
    ipc: Option<PathBuf>,
    /// libpq URL of koku's database (default: DATABASE_URL, then koku's DATABASE_* variables).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Tenant schema of the table (default: the run's).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["csv", "ipc"])]
    schema: Option<String>,
    /// The table to compare (a known table, below) and, from the database, to read: the table, one of
    /// its partitions, or a view of the table OURS holds (default: the table OURS holds).
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
    /// Only rows of this source (default: the run's).
    #[arg(long, value_name = "UUID")]
    source_uuid: Option<String>,
    /// Only rows of this period: the OCP report_period_id, the AWS bill (cost_entry_bill_id)
    /// (default: the run's, when OURS is a work dir that records it).
    #[arg(long, value_name = "N", visible_alias = "bill-id")]
    report_period_id: Option<i64>,
    /// Only rows from this day (default: the run's first day).
    #[arg(long, value_name = "YYYY-MM-DD")]
    start_date: Option<NaiveDate>,
    /// Only rows until this day, inclusive (default: the run's last day).
    #[arg(long, value_name = "YYYY-MM-DD")]
    end_date: Option<NaiveDate>,
    /// Keep the rows later koku steps add to the table (OCP: cost model and OCP on cloud, i.e.
    /// cost_model_rate_type, monthly_cost_type or a non-zero infrastructure_raw_cost).
    #[arg(long)]
    all_rows: bool,
    /// Relative tolerance for measures.
    #[arg(long, value_name = "X", default_value_t = DEFAULT_REL_TOL)]
    rel_tol: f64,
    /// Absolute tolerance for measures (default: one unit of the last decimal koku's numeric columns
    /// keep: 1e-15 for the OCP table's numeric(33,15), 1e-9 for the AWS table's numeric(24,9)).
    #[arg(long, value_name = "Y")]
    abs_tol: Option<f64>,
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

/// The table to compare: the one `--table` names, else the one OURS holds.
fn choose_table(cli: &Cli) -> anyhow::Result<&'static TableDef> {
    let held = tables_in(&cli.ours)?;
    let names = |defs: &[&TableDef]| -> String {
        defs.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
    };
    let shown = cli.ours.display();
    match (cli.table.as_deref(), held.as_slice()) {
        (Some(name), _) if tables::by_name(name).is_some() => {
            let def = tables::by_name(name).expect("just found");
            if !held.is_empty() && !held.iter().any(|d| d.name == def.name) {
                bail!(
                    "{shown} holds {}, not {} (--table {name})",
                    names(&held),
                    def.name
                );
            }
            Ok(def)
        }
        // A view (or another name) of the table OURS holds, read from the database.
        (Some(name), [one]) if cli.csv.is_none() && cli.ipc.is_none() => {
            tracing::info!(
                table = name,
                compared_as = one.name,
                "reading a table of another name"
            );
            Ok(one)
        }
        (Some(name), _) => bail!(
            "--table {name} is not a known table ({})",
            names(tables::ALL)
        ),
        (None, [one]) => Ok(one),
        (None, []) => bail!(
            "{shown}: cannot tell which table it holds; give --table (known tables: {})",
            names(tables::ALL)
        ),
        (None, several) => bail!(
            "{shown} holds several tables ({}); choose one with --table",
            names(several)
        ),
    }
}

fn run(cli: &Cli) -> anyhow::Result<Report> {
    for (name, v) in [("--rel-tol", Some(cli.rel_tol)), ("--abs-tol", cli.abs_tol)] {
        if let Some(v) = v
            && !(v.is_finite() && v >= 0.0)
        {
            bail!("{name} must be a finite number ≥ 0, got {v}");
        }
    }
    let def = choose_table(cli)?;
    let (ours, run) = read_ipc(def, &cli.ours)?;
    tracing::info!(table = def.name, rows = ours.len(), from = %ours.label, "read ours");

    let mut scope = run.scope();
    if let Some(s) = &cli.source_uuid {
        scope.source_uuid = Some(s.clone());
    }
    if let Some(r) = cli.report_period_id {
        scope.period_id = Some(r);
    }
    if let Some(d) = cli.start_date {
        scope.start_date = Some(d);
    }
    if let Some(d) = cli.end_date {
        scope.end_date = Some(d);
    }
    scope.summary_rows_only = !cli.all_rows;

    let theirs: Table = if let Some(csv) = &cli.csv {
        read_csv(def, csv)?
    } else if let Some(other) = &cli.ipc {
        read_ipc(def, other)?.0
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
        let table = cli.table.as_deref().unwrap_or(def.name);
        read_postgres(def, &db, &schema, table, &scope)?
    };
    tracing::info!(rows = theirs.len(), from = %theirs.label, "read theirs");

    let options = Options {
        rel_tol: cli.rel_tol,
        abs_tol: cli.abs_tol.unwrap_or(def.default_abs_tol),
        max_details: cli.max_diffs,
        scope,
    };
    Ok(koku_compare::compare(def, &ours, &theirs, &options)?)
}

/// The command line, with the known tables in `--help`.
fn parse() -> Cli {
    let matches = Cli::command().after_help(tables::help()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn main() -> ExitCode {
    let cli = parse();
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
