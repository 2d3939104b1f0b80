//! `koku-gen`: write a deterministic, koku-layout Parquet dataset of a given scale.
//!
//! ```text
//! koku-gen ocp --nodes 400 --pods-per-node 104 --days 1 --out DIR      (also: koku-gen --nodes 400 ... --out DIR)
//! koku-gen aws --nodes 400 --pods-per-node 104 --days 1 --extra-instances 15000 --out DIR
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use koku_gen::aws::AwsConfig;
use koku_gen::{Config, KOKU_BATCH_ROWS, REPORT_TYPES, generate};

const ABOUT: &str = "Generate a deterministic koku-layout Parquet dataset (hourly + daily files, seed.sql, \
dataset.json): `ocp` for an OpenShift source, `aws` for the AWS CUR of the account the same cluster runs \
in. Flags without a subcommand are `ocp`'s (`koku-gen --nodes 400 ... --out DIR`).";

const EXAMPLES: &str = "Examples:
  koku-gen ocp --nodes 400 --pods-per-node 104 --days 1 --out .cache/bench/1m
  koku-gen --nodes 400 --pods-per-node 104 --days 1 --out .cache/bench/1m      (same, flag-only form)
  koku-gen aws --nodes 400 --pods-per-node 104 --days 1 --extra-instances 15000 --out .cache/bench/aws-1m";

#[derive(Parser)]
#[command(name = "koku-gen", version, about = ABOUT, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// OpenShift: pod_usage, storage_usage, node_labels, namespace_labels for N nodes × M pods × D days.
    #[command(
        after_help = "Example:\n  koku-gen ocp --nodes 400 --pods-per-node 104 --days 1 --out .cache/bench/1m"
    )]
    Ocp(OcpArgs),
    /// AWS: the CUR of the AWS organisation the same cluster runs in.
    ///
    /// Same cluster flags as `ocp` give the same cluster: an EC2 instance per node whose
    /// lineitem_resourceid is the node's resource_id, an EBS volume per EBS CSI volume whose resource id
    /// is its csi_volume_handle, root volumes, data transfer, load balancers; around it
    /// --extra-instances unrelated EC2 instances in every account and three regions with their root
    /// volumes and a share of data transfer, Marketplace, S3, RDS and load balancers; a Compute Savings
    /// Plan (covered + negation lines, hourly fee), Reserved Instances (DiscountedUsage, daily RIFee),
    /// daily tax, credit and support fee.
    ///
    /// One line per billed resource and hour: hourly rows per day ≈ 24 × (5.3 × nodes + EBS CSI
    /// volumes + 2.66 × extra instances) on weekdays (development instances, 30% of the extra ones, stop
    /// at weekends; test instances one week in four), plus a few hundred daily lines.
    #[command(
        after_help = "Examples:\n  koku-gen aws --nodes 400 --pods-per-node 104 --days 1 --extra-instances 15000 --out .cache/bench/aws-1m   (~1M hourly lines)\n  koku-gen aws --nodes 400 --pods-per-node 104 --days 30 --extra-instances 15000 --out .cache/bench/aws-30m (~30M)"
    )]
    Aws(AwsArgs),
}

/// The simulated cluster (the same flags give the same cluster in `ocp` and `aws`).
#[derive(Args, Clone)]
struct ClusterArgs {
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
    /// Cluster id (seed.sql; AWS tags `openshift_cluster`, `kubernetes.io/cluster/<id>`).
    #[arg(long, default_value = "koku-gen-cluster")]
    cluster_id: String,
}

/// Where and how to write.
#[derive(Args, Clone)]
struct RunArgs {
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

#[derive(Args, Clone)]
struct OcpArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// Source (provider) UUID.
    #[arg(long, default_value = "00000000-0000-0000-0000-000000000001")]
    source: String,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args, Clone)]
struct AwsArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// AWS source (provider) UUID.
    #[arg(long, default_value = "00000000-0000-0000-0000-000000000002")]
    source: String,
    /// EC2 instances outside the cluster (each ≈ 2.66 hourly lines: instance, root volume, and a share of
    /// data transfer, Marketplace, S3, RDS, load balancers, Savings Plan negations).
    #[arg(long, default_value_t = 1500)]
    extra_instances: u32,
    /// Usage accounts of the organisation, the payer included.
    #[arg(long, default_value_t = 5)]
    accounts: u32,
    #[command(flatten)]
    run: RunArgs,
}

fn run_ocp(a: OcpArgs) -> anyhow::Result<()> {
    let c = a.cluster;
    let cfg = Config {
        nodes: c.nodes,
        pods_per_node: c.pods_per_node,
        days: c.days,
        start_date: c.start_date,
        pvcs_per_node: c.pvcs_per_node,
        label_keys: c.label_keys,
        label_values: c.label_values,
        seed: c.seed,
        schema: c.schema,
        source: a.source,
        cluster_id: c.cluster_id,
        manifest_id: a.run.manifest_id,
        batch_rows: a.run.batch_rows,
    };
    if a.run.force {
        let _ = std::fs::remove_dir_all(a.run.out.join("data"));
    }
    let t0 = Instant::now();
    let s = generate(&cfg, &a.run.out, a.run.threads)?;
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
        a.run.out.display()
    );
    Ok(())
}

fn run_aws(a: AwsArgs) -> anyhow::Result<()> {
    let c = a.cluster;
    let cfg = AwsConfig {
        nodes: c.nodes,
        pods_per_node: c.pods_per_node,
        pvcs_per_node: c.pvcs_per_node,
        label_keys: c.label_keys,
        label_values: c.label_values,
        seed: c.seed,
        cluster_id: c.cluster_id,
        start_date: c.start_date,
        days: c.days,
        schema: c.schema,
        source: a.source,
        extra_instances: a.extra_instances,
        accounts: a.accounts,
        manifest_id: a.run.manifest_id,
        batch_rows: a.run.batch_rows,
    };
    if a.run.force {
        let _ = std::fs::remove_dir_all(a.run.out.join("data"));
    }
    let t0 = Instant::now();
    let s = koku_gen::aws::generate(&cfg, &a.run.out, a.run.threads)?;
    println!(
        "aws: {} hourly rows, {} daily rows, {} files",
        s.hourly_rows, s.daily_rows, s.files
    );
    for (t, n) in &s.by_line_type {
        println!("  {t}: {n} hourly rows");
    }
    println!(
        "{} bytes of Parquet in {:.2} s -> {}",
        s.bytes,
        t0.elapsed().as_secs_f64(),
        a.run.out.display()
    );
    Ok(())
}

/// The flag-only form (`koku-gen --nodes 400 ... --out DIR`, what `scripts/bench.sh` and older callers
/// run) is `ocp`: insert the subcommand when the first argument is a flag other than help/version.
fn with_default_subcommand(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let flag_first = args.get(1).is_some_and(|a| {
        let a = a.to_string_lossy();
        a.starts_with('-') && !matches!(&*a, "-h" | "--help" | "-V" | "--version")
    });
    if flag_first {
        args.insert(1, "ocp".into());
    }
    args
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_subcommand(std::env::args_os().collect()));
    let r = match cli.command {
        Command::Ocp(a) => run_ocp(a),
        Command::Aws(a) => run_aws(a),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("koku-gen: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
