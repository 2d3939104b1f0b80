//! `koku-gen`: write a deterministic, koku-layout OCP Parquet dataset of a given scale.
//!
//! ```text
//! koku-gen --nodes 400 --pods-per-node 104 --days 1 --out DIR
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::Parser;
use koku_gen::{Config, KOKU_BATCH_ROWS, REPORT_TYPES, generate};

#[derive(Parser)]
#[command(
    name = "koku-gen",
    version,
    about = "Generate a deterministic koku-layout OCP Parquet dataset (hourly + daily files, seed.sql)"
)]
struct Cli {
    #[arg(long, default_value_t = 40)]
    nodes: u32,
    #[arg(long, default_value_t = 104)]
    pods_per_node: u32,
    #[arg(long, default_value_t = 1)]
    days: u32,
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2025-10-01")]
    start_date: NaiveDate,
    /// Persistent volumes per node (one in five shared by pods on two nodes, one in ten claimless).
    #[arg(long, default_value_t = 2)]
    pvcs_per_node: u32,
    /// Distinct pod label keys (app, environment, team, tier, version, ... then key_NN).
    #[arg(long, default_value_t = 8)]
    label_keys: u32,
    /// Distinct values per label key.
    #[arg(long, default_value_t = 20)]
    label_values: u32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Tenant schema (the account part of the object keys).
    #[arg(long, default_value = "org1234567")]
    schema: String,
    /// Source (provider) UUID.
    #[arg(long, default_value = "00000000-0000-0000-0000-000000000001")]
    source: String,
    /// Cluster id written to seed.sql.
    #[arg(long, default_value = "koku-gen-cluster")]
    cluster_id: String,
    /// Manifest id in the file names.
    #[arg(long, default_value_t = 1)]
    manifest_id: u32,
    /// Rows per hourly file (koku's PARQUET_PROCESSING_BATCH_SIZE).
    #[arg(long, default_value_t = KOKU_BATCH_ROWS, hide = true)]
    batch_rows: usize,
    /// Worker threads (days are generated in parallel); 0 = one per core. Output does not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Remove an existing data/ folder in --out first.
    #[arg(long)]
    force: bool,
    /// Output folder (receives data/parquet/..., seed.sql, dataset.json).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = Config {
        nodes: cli.nodes,
        pods_per_node: cli.pods_per_node,
        days: cli.days,
        start_date: cli.start_date,
        pvcs_per_node: cli.pvcs_per_node,
        label_keys: cli.label_keys,
        label_values: cli.label_values,
        seed: cli.seed,
        schema: cli.schema,
        source: cli.source,
        cluster_id: cli.cluster_id,
        manifest_id: cli.manifest_id,
        batch_rows: cli.batch_rows,
    };
    if cli.force {
        let _ = std::fs::remove_dir_all(cli.out.join("data"));
    }
    let t0 = Instant::now();
    match generate(&cfg, &cli.out, cli.threads) {
        Ok(s) => {
            for (t, c) in REPORT_TYPES.iter().zip(&s.counts) {
                println!(
                    "{t}: {} hourly rows, {} daily rows, {} files",
                    c.hourly_rows, c.daily_rows, c.files
                );
            }
            println!(
                "{} bytes of Parquet in {:.2} s -> {}",
                s.bytes,
                t0.elapsed().as_secs_f64(),
                cli.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("koku-gen: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
