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
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use arrow::array::RecordBatch;
use arrow::ipc::reader::FileReader;
use clap::{Parser, Subcommand};
use koku_common::schema::dataset_by_name;
use koku_common::workdir::{WorkDir, sha256_file};

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
        Command::Check { workdir } => {
            let wd = WorkDir::open(&workdir)?;
            writeln!(out, "{}: run {}", workdir.display(), wd.run().run_id)?;
            writeln!(out, "  {}", wd.identity().describe())?;
            let mut files = 0;
            for (stage, rec) in &wd.run().stages {
                writeln!(
                    out,
                    "  {stage}: {} {}, {} .. {}",
                    rec.tool,
                    rec.version,
                    rec.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    rec.finished_at.format("%H:%M:%S")
                )?;
                for (name, o) in &rec.outputs {
                    let ds = dataset_by_name(name)
                        .with_context(|| format!("unknown dataset {name} in run.json"))?;
                    let actual = sha256_file(&workdir.join(&o.file))?;
                    let reader = wd.reader(stage, ds)?;
                    let rows: usize = reader.read_all()?.iter().map(|b| b.num_rows()).sum();
                    anyhow::ensure!(
                        rows as u64 == o.rows,
                        "{}: {}, but run.json says {}",
                        o.file,
                        rows_text(rows as u64),
                        rows_text(o.rows)
                    );
                    writeln!(
                        out,
                        "    ok  {:<52} {:>14}  sha256 {}",
                        o.file,
                        rows_text(rows as u64),
                        &actual[..16]
                    )?;
                    files += 1;
                }
            }
            writeln!(
                out,
                "{files} file{} match run.json",
                if files == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("koku-ipc: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
