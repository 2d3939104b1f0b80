//! `koku-extract`: the command line over [`koku_extract`]. One subcommand per flow; what every flow
//! shares (where the Parquet is, the run's month and window, the database, S3 settings, the work dir)
//! is one flattened [`RunArgs`]. Configuration is flags first, then koku's environment variables.
//! Secrets (S3 secret key, database password) are taken from the environment or the URL only and are
//! never printed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use koku_common::config::{DbConfig, S3Config};
use koku_extract::pg::parse_enabled_keys;
use koku_extract::{
    AwsPgOverrides, AwsRequest, ExtractOptions, ExtractReport, LocalSource, ObjectSource,
    OcpAwsPgOverrides, OcpAwsRequest, OcpRequest, PgOverrides, S3Source, SourceSpec,
};
use tokio::runtime::Runtime;
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "koku-extract",
    version,
    about = "Read koku's raw Parquet (S3 or a local folder) and PostgreSQL inputs into an Arrow IPC work directory"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract the inputs of the OpenShift daily summary for one source and one window of one month.
    #[command(after_help = OCP_EXAMPLES)]
    Ocp(OcpArgs),
    /// Extract the inputs of the AWS daily summary and EC2 compute summary for one source and one
    /// window of one month: the whole month partition of the daily CUR
    /// (data/parquet/daily/<account>/AWS/raw/source=…/year=…/month=…/) and the PostgreSQL inputs.
    /// The hourly CUR is not read (only the OCP-on-AWS flow needs it).
    #[command(after_help = AWS_EXAMPLES)]
    Aws(AwsArgs),
    /// Extract the inputs of OpenShift-on-AWS cost attribution for one AWS source and one window of
    /// one month: the AWS source's daily CUR (whole month partition) and hourly CUR (window rows of
    /// disks the OCP rows name), the candidate OCP sources' raw daily pod/storage usage keys, the OCP
    /// daily summary of every OCP source of the tenant (from `koku-transform ocp` work dirs), and the
    /// PostgreSQL inputs (candidates and their pairing, enabled keys, matched tags, account aliases,
    /// markup).
    #[command(name = "ocp-aws", after_help = OCP_AWS_EXAMPLES)]
    OcpAws(OcpAwsArgs),
}

const OCP_EXAMPLES: &str = "Examples:
  # koku's bucket and database (S3_* and DATABASE_* variables as koku sets them):
  koku-extract ocp --from s3://koku-report --schema org1234567 --source $SOURCE_UUID \\
      --year 2025 --month 10 --out /scratch/run1
  # a local copy of the bucket, every PostgreSQL input as a flag:
  koku-extract ocp --from ./testdata/ocp-small --schema org1234567 \\
      --source 00000000-0000-0000-0000-000000000001 --year 2025 --month 10 \\
      --cluster-id ocp-small-cluster --report-period-id 1 --enabled-keys app \\
      --cost-categories cc.csv --node-roles nodes.csv --out /tmp/run1";

const AWS_EXAMPLES: &str = "The PostgreSQL inputs, read like koku: the bill (lowest reporting_awscostentrybill id of the
source whose billing_period_start is the first of the month 00:00 UTC; none = koku does nothing,
so the run is refused unless --bill-id is given), the markup (the source's cost model, m = value /
100, 0 without one), the enabled AWS tag keys, reporting_awsaccountalias and the source's
reporting_awsorganizationalunit rows. Any of them given as a flag overrides the database; without
a database every one must be given.

Examples:
  # koku's bucket and database (S3_* and DATABASE_* variables as koku sets them):
  koku-extract aws --from s3://koku-report --schema org1234567 --source $AWS_SOURCE_UUID \\
      --year 2025 --month 10 --start-date 2025-10-01 --end-date 2025-10-02 --out /scratch/aws1
  # a local copy of the bucket, every PostgreSQL input as a flag (files as written by
  # \\copy <table> TO 'f.csv' CSV HEADER):
  koku-extract aws --from ./testdata/aws/01-ec2-compute --schema org1234567 \\
      --source 00000000-0000-0000-0000-000000000002 --year 2025 --month 10 \\
      --start-date 2025-10-01 --end-date 2025-10-02 --bill-id 101 --markup 10 \\
      --enabled-keys app --account-aliases testdata/aws/01-ec2-compute/reporting_awsaccountalias.csv \\
      --org-units testdata/aws/01-ec2-compute/reporting_awsorganizationalunit.csv --out /tmp/aws1";

const OCP_AWS_EXAMPLES: &str = "The OCP sources: with a database, every OCP source of the tenant (public.api_provider of type
OCP whose api_customer.schema_name is --schema); the candidates are those paired with the AWS
source in api_providerinfrastructuremap (paired_by map) or not paired yet (data), or only the
--ocp-source ones (named). The OCP daily summary of every OCP source of the tenant is read from
--ocp-workdir (one work dir of `koku-extract ocp` + `koku-transform ocp` per source, same tenant and
month), else from koku's reporting_ocpusagelineitem_daily_summary (the rows koku's Trino summary
wrote; CSI volume handles from the source's raw daily storage usage).
Without a database the sources are those of --ocp-workdir (cluster id, alias and report period from
their run.json), with --distribution, --enabled-key and --matched-tag as flags.

The AWS source's bill, markup and account aliases are read as `koku-extract aws` reads them
(--bill-id, --markup, --account-aliases override; without a database they are required).

Examples:
  # koku's bucket and database, two OCP sources transformed beforehand:
  koku-extract ocp-aws --from s3://koku-report --schema org1234567 --aws-source $AWS_SOURCE_UUID \\
      --year 2025 --month 10 --ocp-workdir /scratch/ocp1 --ocp-workdir /scratch/ocp2 --out /scratch/ocpaws1
  # a local copy of the bucket, every PostgreSQL input as a flag:
  koku-extract ocp-aws --from ./testdata/ocp-aws --schema org1234567 \\
      --aws-source 00000000-0000-0000-0000-000000000002 --year 2025 --month 10 \\
      --ocp-workdir /tmp/ocp1 --bill-id 101 --markup 10 --account-aliases aliases.csv \\
      --distribution 00000000-0000-0000-0000-000000000001=memory \\
      --enabled-key aws:app --enabled-key ocp:app --out /tmp/ocpaws1";

/// What every flow's extract takes: where koku's Parquet is, the run's month and window, koku's
/// database, S3 settings, tuning, and the work dir.
#[derive(Args)]
struct RunArgs {
    /// Root holding koku's data/parquet/... keys: s3://BUCKET[/PREFIX] or a local folder.
    /// `s3://` alone takes the bucket from S3_BUCKET_NAME / REQUESTED_BUCKET.
    #[arg(long, value_name = "s3://BUCKET[/PREFIX] | LOCAL_DIR")]
    from: String,
    /// Tenant schema (e.g. org1234567; legacy acctNNN).
    #[arg(long, value_name = "ORG")]
    schema: String,
    /// Year of the month to summarise (the `year=` partition).
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1900..=9999))]
    year: i32,
    /// Month to summarise, 1-12 (the zero-padded `month=` partition).
    #[arg(long, value_name = "MM", value_parser = clap::value_parser!(u32).range(1..=12))]
    month: u32,
    /// First day (default: the first of the month).
    #[arg(long, value_name = "YYYY-MM-DD")]
    start_date: Option<NaiveDate>,
    /// Last day, inclusive (default: the last of the month).
    #[arg(long, value_name = "YYYY-MM-DD")]
    end_date: Option<NaiveDate>,
    /// libpq URL of koku's database, without a password (else DATABASE_URL, else koku's DATABASE_*
    /// variables; none = every PostgreSQL input from flags).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// S3 endpoint (else S3_ENDPOINT; none = AWS). Keys come from S3_ACCESS_KEY / S3_SECRET, else the
    /// default AWS credential chain.
    #[arg(long, value_name = "URL")]
    s3_endpoint: Option<String>,
    /// S3 region (else S3_REGION, else us-east-1).
    #[arg(long, value_name = "R")]
    s3_region: Option<String>,
    /// Connect/response timeout in seconds (else S3_CONNECTION_TIMEOUT, else 60).
    #[arg(long, value_name = "SECS")]
    s3_timeout: Option<u64>,
    /// Objects fetched in parallel ahead of decoding.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
    concurrency: u64,
    /// Rows per decoded/written batch.
    #[arg(long, hide = true, default_value_t = koku_extract::parquet_read::DEFAULT_BATCH_SIZE)]
    batch_size: usize,
    /// ListObjectsV2 page size (testing aid).
    #[arg(long, hide = true)]
    s3_page_size: Option<i32>,
    /// Accept a run that finds no input file for the source and month (otherwise refused, so that a
    /// wrong --from cannot lead the load to replace koku's rows with nothing).
    #[arg(long)]
    allow_empty: bool,
    /// Debug logging.
    #[arg(short, long)]
    verbose: bool,
    /// Work directory to create (empty, or holding an earlier run of the same source).
    #[arg(long, value_name = "WORKDIR")]
    out: PathBuf,
}

#[derive(Args)]
struct OcpArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Source (provider) UUID.
    #[arg(long, value_name = "UUID")]
    source: Uuid,
    /// Cluster id (default: from the provider's credentials in the database).
    #[arg(long, value_name = "ID")]
    cluster_id: Option<String>,
    /// Cluster alias (default: from the database; without a database NULL).
    #[arg(long, value_name = "NAME")]
    cluster_alias: Option<String>,
    /// reporting_ocpusagereportperiod id of the month (default: from the database).
    #[arg(long, value_name = "N")]
    report_period_id: Option<i32>,
    /// Enabled OCP tag keys, comma-separated; an empty string means none (default: from the database).
    #[arg(long, value_name = "K1,K2,...")]
    enabled_keys: Option<String>,
    /// CSV with header `namespace,cost_category_id` (default: from the database). An unquoted empty
    /// field is NULL, `""` is the empty string (PostgreSQL COPY CSV convention).
    #[arg(long, value_name = "FILE")]
    cost_categories: Option<PathBuf>,
    /// CSV with header `node,resource_id,node_role` (default: the database's reporting_ocp_nodes).
    /// Each row declares the role of one of this cluster's nodes; nodes not listed get the role koku's
    /// nodes query derives from the data.
    #[arg(long, value_name = "FILE")]
    node_roles: Option<PathBuf>,
}

#[derive(Args)]
struct AwsArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The AWS source (provider) UUID.
    #[arg(long, value_name = "AWS_UUID")]
    source: Uuid,
    /// reporting_awscostentrybill id of the month (default: from the database, as koku picks it).
    #[arg(long, value_name = "N")]
    bill_id: Option<i32>,
    /// The cost model's markup in percent, as koku stores it (m = PERCENT / 100; may be negative;
    /// 0 = no cost model). Default: from the database.
    #[arg(long, value_name = "PERCENT", allow_negative_numbers = true)]
    markup: Option<f64>,
    /// Enabled AWS tag keys, comma-separated; an empty string means none (default: from the database).
    #[arg(long, value_name = "K1,K2,...")]
    enabled_keys: Option<String>,
    /// CSV with header `id,account_id,account_alias` (default: the database's
    /// reporting_awsaccountalias). An unquoted empty field is NULL (PostgreSQL COPY CSV convention).
    #[arg(long, value_name = "FILE")]
    account_aliases: Option<PathBuf>,
    /// CSV with header
    /// `id,org_unit_id,org_unit_name,org_unit_path,account_alias_id,provider_id,created_timestamp,deleted_timestamp`
    /// (default: the database's reporting_awsorganizationalunit); rows of other sources are left
    /// out, as koku's join does.
    #[arg(long, value_name = "FILE")]
    org_units: Option<PathBuf>,
}

#[derive(Args)]
struct OcpAwsArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The AWS source (provider) UUID.
    #[arg(long, value_name = "AWS_UUID")]
    aws_source: Uuid,
    /// Only these OCP sources are candidates (paired_by named; the load then replaces only their
    /// clusters' rows). Repeatable. Default: every OCP source the AWS source may run.
    #[arg(long, value_name = "OCP_UUID")]
    ocp_source: Vec<Uuid>,
    /// A work dir of `koku-extract ocp` + `koku-transform ocp` of one OCP source of the tenant, same
    /// schema and month: its OCP daily summary rows of the window are copied. Repeatable. Without a
    /// database the OCP sources are exactly these; with one, a source without a work dir is read
    /// from koku's reporting_ocpusagelineitem_daily_summary.
    #[arg(long, value_name = "DIR")]
    ocp_workdir: Vec<PathBuf>,
    /// reporting_awscostentrybill id of the month (default: from the database, as koku picks it).
    #[arg(long, value_name = "N")]
    bill_id: Option<i32>,
    /// The AWS source's cost model markup in percent (m = PERCENT / 100; 0 = no cost model).
    /// Default: from the database.
    #[arg(long, value_name = "PERCENT", allow_negative_numbers = true)]
    markup: Option<f64>,
    /// CSV with header `id,account_id,account_alias` (default: the database's
    /// reporting_awsaccountalias).
    #[arg(long, value_name = "FILE")]
    account_aliases: Option<PathBuf>,
    /// The cost model distribution of an OCP source (default: its cost model's
    /// distribution_info.distribution_type in the database, else cpu). Repeatable.
    #[arg(long, value_name = "OCP_UUID=cpu|memory", value_parser = koku_extract::ocp_aws::pg_inputs::parse_distribution)]
    distribution: Vec<(Uuid, String)>,
    /// An enabled tag key, `aws:KEY` or `ocp:KEY`. Repeatable; giving any replaces the database's
    /// (without a database: none when not given).
    #[arg(long, value_name = "aws:KEY|ocp:KEY", value_parser = koku_extract::ocp_aws::pg_inputs::parse_enabled_key)]
    enabled_key: Vec<(String, String)>,
    /// A generic matched tag (koku's PostgreSQL path, spec §4.1). Repeatable; giving any replaces
    /// the database's statement. None: the transform computes koku's Trino fallback.
    #[arg(long, value_name = "KEY=VALUE", value_parser = koku_extract::ocp_aws::pg_inputs::parse_matched_tag)]
    matched_tag: Vec<(String, String)>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ocp(args) => {
            koku_common::logging::init(args.run.verbose);
            run_ocp(args)
        }
        Command::Aws(args) => {
            koku_common::logging::init(args.run.verbose);
            run_aws(args)
        }
        Command::OcpAws(args) => {
            koku_common::logging::init(args.run.verbose);
            run_ocp_aws(args)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{e}`, not `{e:#}`: our errors already include their cause's text.
            eprintln!("koku-extract: error: {e}");
            let transient = e
                .downcast_ref::<koku_extract::ExtractError>()
                .is_some_and(|e| e.is_transient())
                || e.downcast_ref::<koku_common::Error>()
                    .is_some_and(|e| e.is_transient());
            koku_common::exit::status(transient)
        }
    }
}

/// The object source `--from` names, and the runtime its I/O runs on.
fn open_source(args: &RunArgs) -> anyhow::Result<(Runtime, Arc<dyn ObjectSource>)> {
    let rt = koku_extract::new_runtime()?;
    let spec = SourceSpec::parse(&args.from, S3Config::default_bucket())?;
    let source: Arc<dyn ObjectSource> = match spec {
        SourceSpec::Local(dir) => Arc::new(LocalSource::new(dir)?),
        SourceSpec::S3 { bucket, prefix } => {
            let config = S3Config::resolve(
                args.s3_endpoint.clone(),
                args.s3_region.clone(),
                None,
                None,
                args.s3_timeout,
            )?;
            tracing::debug!(
                endpoint = config.endpoint.as_deref().unwrap_or("(AWS)"),
                region = %config.region,
                static_keys = config.access_key.is_some(),
                "S3 client"
            );
            let s3 = rt.block_on(S3Source::connect(&config, &bucket, &prefix));
            Arc::new(s3.with_page_size(args.s3_page_size))
        }
    };
    Ok((rt, source))
}

fn options(args: &RunArgs) -> ExtractOptions {
    ExtractOptions {
        concurrency: args.concurrency as usize,
        batch_size: args.batch_size,
        progress: koku_common::logging::progress_enabled(),
        allow_empty: args.allow_empty,
        ..ExtractOptions::default()
    }
}

fn database(args: &RunArgs) -> anyhow::Result<Option<DbConfig>> {
    let database = DbConfig::resolve(args.database_url.as_deref())?;
    if let Some(db) = &database {
        tracing::debug!(database = %db, "database");
    }
    Ok(database)
}

fn run_ocp(args: OcpArgs) -> anyhow::Result<()> {
    let (rt, source) = open_source(&args.run)?;
    let request = OcpRequest {
        schema: args.run.schema.clone(),
        source_uuid: args.source,
        year: args.run.year,
        month: args.run.month,
        start_date: args.run.start_date,
        end_date: args.run.end_date,
        pg: PgOverrides {
            cluster_id: args.cluster_id,
            cluster_alias: args.cluster_alias,
            report_period_id: args.report_period_id,
            enabled_keys: args.enabled_keys.as_deref().map(parse_enabled_keys),
            cost_categories: args.cost_categories,
            node_roles: args.node_roles,
        },
        database: database(&args.run)?,
        out: args.run.out.clone(),
    };
    tracing::info!(from = %source.root(), out = %args.run.out.display(), "extracting");
    let report = koku_extract::extract_ocp(&rt, source, &request, &options(&args.run))?;
    print_report(&report);
    Ok(())
}

fn run_aws(args: AwsArgs) -> anyhow::Result<()> {
    let (rt, source) = open_source(&args.run)?;
    let request = AwsRequest {
        schema: args.run.schema.clone(),
        source_uuid: args.source,
        year: args.run.year,
        month: args.run.month,
        start_date: args.run.start_date,
        end_date: args.run.end_date,
        pg: AwsPgOverrides {
            bill_id: args.bill_id,
            markup_percent: args.markup,
            enabled_keys: args.enabled_keys.as_deref().map(parse_enabled_keys),
            account_aliases: args.account_aliases,
            org_units: args.org_units,
            without_org_units: false,
        },
        database: database(&args.run)?,
        out: args.run.out.clone(),
    };
    tracing::info!(from = %source.root(), out = %args.run.out.display(), "extracting");
    let report = koku_extract::extract_aws(&rt, source, &request, &options(&args.run))?;
    print_report(&report);
    Ok(())
}

fn run_ocp_aws(args: OcpAwsArgs) -> anyhow::Result<()> {
    let (rt, source) = open_source(&args.run)?;
    let some_if_given = |v: Vec<(String, String)>| (!v.is_empty()).then_some(v);
    let request = OcpAwsRequest {
        schema: args.run.schema.clone(),
        aws_source: args.aws_source,
        year: args.run.year,
        month: args.run.month,
        start_date: args.run.start_date,
        end_date: args.run.end_date,
        aws_pg: AwsPgOverrides {
            bill_id: args.bill_id,
            markup_percent: args.markup,
            account_aliases: args.account_aliases,
            ..AwsPgOverrides::default()
        },
        pg: OcpAwsPgOverrides {
            ocp_sources: args.ocp_source,
            distributions: args.distribution,
            enabled_keys: some_if_given(args.enabled_key),
            matched_tags: some_if_given(args.matched_tag),
        },
        ocp_workdirs: args.ocp_workdir,
        database: database(&args.run)?,
        out: args.run.out.clone(),
    };
    tracing::info!(from = %source.root(), out = %args.run.out.display(), "extracting");
    let report = koku_extract::extract_ocp_aws(&rt, source, &request, &options(&args.run))?;
    print_report(&report);
    Ok(())
}

/// The run on stderr (log), one line per dataset on stdout.
fn print_report(report: &ExtractReport) {
    let id = &report.identity;
    tracing::info!(
        start_date = %id.start_date,
        requested_start_date = %id.requested_start_date,
        end_date = %id.end_date,
        run = %id.describe(),
        "done"
    );
    for d in &report.datasets {
        match d.files {
            Some(files) => println!("{}: {} rows from {files} files", d.name, d.rows),
            None => println!("{}: {} rows ({})", d.name, d.rows, d.from),
        }
    }
}
