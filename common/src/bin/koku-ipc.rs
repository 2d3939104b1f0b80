//! `koku-ipc`: look inside a work directory without Python.
//!
//! ```text
//! koku-ipc schema WORKDIR/reporting_ocpusagelineitem_daily_summary.arrow
//! koku-ipc head   WORKDIR/openshift_pod_usage_line_items_daily.arrow -n 5
//! koku-ipc csv    WORKDIR/reporting_ocpusagelineitem_daily_summary.arrow > rows.csv
//! koku-ipc json   FILE          # one JSON object per line
//! koku-ipc check  WORKDIR       # verify every file against run.json
//! ```

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use arrow::array::RecordBatch;
use arrow::ipc::reader::FileReader;
use clap::{Parser, Subcommand};
use koku_common::schema::dataset_by_name;
use koku_common::workdir::{WorkDir, sha256_file, stage};

#[derive(Parser)]
#[command(
    name = "koku-ipc",
    version,
    about = "Inspect the Arrow IPC files of a koku summary work directory"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the schema and the metadata (run identity, schema version) of an IPC file.
    Schema { file: PathBuf },
    /// Print the first rows as a table.
    Head {
        file: PathBuf,
        #[arg(short = 'n', long, default_value_t = 10)]
        rows: usize,
    },
    /// Write all rows as CSV to stdout.
    Csv { file: PathBuf },
    /// Write all rows as JSON lines to stdout.
    Json { file: PathBuf },
    /// Check every file of a work directory against run.json (checksums, schema, run identity).
    Check { workdir: PathBuf },
}

fn open(file: &PathBuf) -> Result<FileReader<BufReader<File>>> {
    let f = File::open(file).with_context(|| format!("{}: cannot open", file.display()))?;
    FileReader::try_new(BufReader::new(f), None)
        .with_context(|| format!("{}: not an Arrow IPC file", file.display()))
}

fn batches(file: &PathBuf) -> Result<Vec<RecordBatch>> {
    open(file)?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{}: unreadable record batch", file.display()))
}

/// `1 row`, `2 rows`.
fn rows_text(n: u64) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

fn run(cli: Cli) -> Result<()> {
    let mut out = io::stdout().lock();
    match cli.command {
        Command::Schema { file } => {
            let r = open(&file)?;
            let schema = r.schema();
            let rows: usize = batches(&file)?.iter().map(|b| b.num_rows()).sum();
            let batches = r.num_batches();
            writeln!(
                out,
                "{}: {}, {batches} batch{}",
                file.display(),
                rows_text(rows as u64),
                if batches == 1 { "" } else { "es" }
            )?;
            for f in schema.fields() {
                writeln!(out, "  {:<48} {}", f.name(), f.data_type())?;
            }
            let mut md: Vec<_> = schema.metadata().iter().collect();
            md.sort();
            for (k, v) in md {
                writeln!(out, "  [{k}] {v}")?;
            }
        }
        Command::Head { file, rows } => {
            let mut left = rows;
            let mut shown = Vec::new();
            for b in batches(&file)? {
                if left == 0 {
                    break;
                }
                let take = left.min(b.num_rows());
                shown.push(b.slice(0, take));
                left -= take;
            }
            writeln!(
                out,
                "{}",
                arrow::util::pretty::pretty_format_batches(&shown)?
            )?;
        }
        Command::Csv { file } => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            for b in batches(&file)? {
                w.write(&b)?;
            }
        }
        Command::Json { file } => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut out);
            for b in batches(&file)? {
                w.write(&b)?;
            }
            w.finish()?;
        }
        Command::Check { workdir } => check(&workdir, &mut out)?,
    }
    Ok(())
}

/// `koku-ipc check`: every file every stage recorded, in stage order, each `ok` or `BAD` with the
/// reason, then whether each stage consumed what the stage before it currently records, and any
/// temporary file a killed stage left; an error (exit 1) naming the files that do not match.
fn check(workdir: &Path, out: &mut impl Write) -> Result<()> {
    let wd = WorkDir::open(workdir)?;
    writeln!(out, "{}: run {}", workdir.display(), wd.run().run_id)?;
    writeln!(out, "  {}", wd.identity().describe())?;
    let order = [stage::EXTRACT, stage::TRANSFORM, stage::LOAD];
    let mut stages: Vec<_> = wd.run().stages.iter().collect();
    stages.sort_by_key(|(name, _)| order.iter().position(|s| s == name));
    let (mut good, mut bad) = (0usize, Vec::new());
    for (stage, rec) in stages {
        writeln!(
            out,
            "  {stage}: {} {}, {} .. {}",
            rec.tool,
            rec.version,
            rec.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
            rec.finished_at.format("%H:%M:%S")
        )?;
        for (name, o) in &rec.outputs {
            match check_output(&wd, stage, name, o) {
                Ok((rows, sha256)) => {
                    writeln!(
                        out,
                        "    ok  {:<52} {:>14}  sha256 {}",
                        o.file,
                        rows_text(rows),
                        &sha256[..16]
                    )?;
                    good += 1;
                }
                Err(e) => {
                    let text = koku_common::error::one_line(&e);
                    let prefix = format!("{}: ", wd.path().join(&o.file).display());
                    let reason = text.strip_prefix(&prefix).unwrap_or(&text);
                    writeln!(out, "    BAD {:<52} {reason}", o.file)?;
                    bad.push(text);
                }
            }
        }
    }
    for (earlier, later, hint) in [
        (stage::EXTRACT, stage::TRANSFORM, "re-run koku-transform"),
        (stage::TRANSFORM, stage::LOAD, "re-run koku-load"),
    ] {
        if wd.stage(earlier).is_some()
            && wd.stage(later).is_some()
            && let Err(e) = wd.check_consumed(earlier, later, hint)
        {
            writeln!(out, "  STALE {e}")?;
            bad.push(e.to_string());
        }
    }
    for entry in std::fs::read_dir(workdir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp") {
            writeln!(
                out,
                "  note: {name} was left by a stage that was killed; the next stage removes it"
            )?;
        }
    }
    if bad.is_empty() {
        writeln!(
            out,
            "{good} file{} run.json",
            if good == 1 { " matches" } else { "s match" }
        )?;
        Ok(())
    } else {
        anyhow::bail!(
            "{} of {} check{} failed: {}",
            bad.len(),
            good + bad.len(),
            if good + bad.len() == 1 { "" } else { "s" },
            bad.join("; ")
        )
    }
}

/// The rows of a recorded output and its sha256, after checking both against `run.json`.
fn check_output(
    wd: &WorkDir,
    stage: &str,
    name: &str,
    o: &koku_common::workdir::OutputRecord,
) -> Result<(u64, String)> {
    let ds =
        dataset_by_name(name).with_context(|| format!("unknown dataset {name} in run.json"))?;
    let actual = sha256_file(&wd.path().join(&o.file))?;
    let rows: usize = wd
        .reader(stage, ds)?
        .read_all()?
        .iter()
        .map(|b| b.num_rows())
        .sum();
    anyhow::ensure!(
        rows as u64 == o.rows,
        "{}: {}, but run.json says {}",
        o.file,
        rows_text(rows as u64),
        rows_text(o.rows)
    );
    Ok((rows as u64, actual))
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("koku-ipc: error: {}", koku_common::error::one_line(&e));
            ExitCode::FAILURE
        }
    }
}
