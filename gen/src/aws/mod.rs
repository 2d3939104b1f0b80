//! `koku-gen aws`: the AWS Cost and Usage Report of the account the simulated OpenShift cluster runs
//! in, as koku stores it (input-data §2, §3.2, §4.6, §4.7).
//!
//! For the cluster the OCP generator builds from the same parameters (nodes, pods, volumes, seed), the
//! CUR holds an EC2 instance per node (resource id = the node's `resource_id`) and an EBS volume per
//! EBS CSI volume (resource id = its `csi_volume_handle`), plus an unrelated organisation scaled by
//! `extra_instances` ([`fleet`]). Rows are one per line template per hour (plus a few daily lines), so
//! the hourly row count is ≈ 24 × hourly templates × days.
//!
//! Layout, as koku's downloader and post-processor (mirrored by `scripts/fixtures/gen_data.py`) write it:
//! the month's CUR file (`<Month>-<YYYY>-cur.csv`, day by day, hour-major) is read in `batch_rows`
//! chunks `i` and each chunk split per usage day, so a day's rows land in the files
//! `data/parquet/<account>/AWS/source=<uuid>/year=YYYY/month=MM/<date>_manifestid-<m>_basefile-<Month>-<YYYY>-cur_batch-<i>_0.parquet`
//! with their daily roll-up `…/daily/<account>/AWS/raw/…/…_batch-<i>_daily_0.parquet`. Chunks restart
//! at each month (one CUR per bill). Physical types as koku writes them: Snappy, one row group,
//! dictionary strings with statistics, `Timestamp(ms, "UTC")`, `Float64` measures, `Utf8` text.
//!
//! Next to `data/`: `seed.sql` ([`seed`]) and `dataset.json`. Deterministic (hashes of the seed and
//! the calendar) and parallel by day, one batch in memory per thread.

pub mod columns;
pub mod cur;
pub mod fleet;
pub mod seed;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{Datelike, Days, NaiveDate};

use crate::model::Cluster;
use crate::{Config, KOKU_BATCH_ROWS, for_each_day, prepare_out, write_parquet};
use cur::{CurBatch, DayFrame};
use fleet::Fleet;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsConfig {
    // The cluster, exactly as `koku-gen ocp` models it.
    pub nodes: u32,
    pub pods_per_node: u32,
    pub pvcs_per_node: u32,
    pub label_keys: u32,
    pub label_values: u32,
    pub seed: u64,
    pub cluster_id: String,
    pub start_date: NaiveDate,
    pub days: u32,
    /// Tenant schema (`org1234567`; legacy `acct<N>` drops `acct` in the key).
    pub schema: String,
    /// The AWS source (provider) UUID.
    pub source: String,
    /// EC2 instances outside the cluster (the scale knob; see [`fleet`]).
    pub extra_instances: u32,
    /// Usage accounts of the organisation, the payer included.
    pub accounts: u32,
    pub manifest_id: u32,
    /// Rows per CUR chunk / hourly file (koku: 200,000).
    pub batch_rows: usize,
}

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig::for_cluster(&Config::default())
    }
}

impl AwsConfig {
    /// The AWS account of the cluster `koku-gen ocp` generates for `ocp` (same cluster, days, schema).
    pub fn for_cluster(ocp: &Config) -> Self {
        AwsConfig {
            nodes: ocp.nodes,
            pods_per_node: ocp.pods_per_node,
            pvcs_per_node: ocp.pvcs_per_node,
            label_keys: ocp.label_keys,
            label_values: ocp.label_values,
            seed: ocp.seed,
            cluster_id: ocp.cluster_id.clone(),
            start_date: ocp.start_date,
            days: ocp.days,
            schema: ocp.schema.clone(),
            source: "00000000-0000-0000-0000-000000000002".into(),
            extra_instances: 1500,
            accounts: 5,
            manifest_id: 1,
            batch_rows: KOKU_BATCH_ROWS,
        }
    }

    /// The OCP generator's configuration of the same cluster (what [`Cluster::build`] reads).
    pub fn cluster_config(&self) -> Config {
        Config {
            nodes: self.nodes,
            pods_per_node: self.pods_per_node,
            pvcs_per_node: self.pvcs_per_node,
            label_keys: self.label_keys,
            label_values: self.label_values,
            seed: self.seed,
            cluster_id: self.cluster_id.clone(),
            start_date: self.start_date,
            days: self.days,
            schema: self.schema.clone(),
            ..Config::default()
        }
    }

    pub fn validate(&self) -> Result<()> {
        self.cluster_config().validate()?;
        if self.accounts == 0 {
            bail!("--accounts must be at least 1");
        }
        if self.batch_rows == 0 {
            bail!("--batch-rows must be at least 1");
        }
        uuid::Uuid::parse_str(&self.source).context("--source must be a UUID")?;
        Ok(())
    }

    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        (0..self.days).map(|d| self.start_date + Days::new(d as u64))
    }

    /// The parameters as JSON (recorded in `dataset.json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "generator": format!("koku-gen {} aws", env!("CARGO_PKG_VERSION")),
            "nodes": self.nodes,
            "pods_per_node": self.pods_per_node,
            "pvcs_per_node": self.pvcs_per_node,
            "label_keys": self.label_keys,
            "label_values": self.label_values,
            "seed": self.seed,
            "cluster_id": self.cluster_id,
            "start_date": self.start_date.to_string(),
            "days": self.days,
            "schema": self.schema,
            "source": self.source,
            "extra_instances": self.extra_instances,
            "accounts": self.accounts,
            "manifest_id": self.manifest_id,
            "batch_rows": self.batch_rows,
        })
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSummary {
    pub hourly_rows: u64,
    pub daily_rows: u64,
    pub files: u64,
    pub bytes: u64,
    /// Hourly rows per `lineitem_lineitemtype`.
    pub by_line_type: BTreeMap<&'static str, u64>,
}

impl AwsSummary {
    fn add(&mut self, o: &AwsSummary) {
        self.hourly_rows += o.hourly_rows;
        self.daily_rows += o.daily_rows;
        self.files += o.files;
        self.bytes += o.bytes;
        for (k, v) in &o.by_line_type {
            *self.by_line_type.entry(k).or_default() += v;
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "hourly_rows": self.hourly_rows,
            "daily_rows": self.daily_rows,
            "files": self.files,
            "parquet_bytes": self.bytes,
            "hourly_rows_by_line_item_type": self.by_line_type,
        })
    }
}

pub(crate) fn days_in_month(d: NaiveDate) -> i64 {
    let (first, next) = crate::month_bounds(d);
    (next - first).num_days()
}

/// The hourly and daily folders of `date`'s month.
pub fn dirs(cfg: &AwsConfig, out: &Path, date: NaiveDate) -> (PathBuf, PathBuf) {
    let account = cfg.cluster_config().account().to_string();
    let part = format!(
        "source={}/year={:04}/month={:02}",
        cfg.source,
        date.year(),
        date.month()
    );
    (
        out.join(format!("data/parquet/{account}/AWS/{part}")),
        out.join(format!("data/parquet/daily/{account}/AWS/raw/{part}")),
    )
}

/// The CUR file's base name as koku (and gen_data.py, for nise's file names) derive it.
fn base_name(date: NaiveDate) -> String {
    format!("{}-{}-cur", date.format("%B"), date.year())
}

/// Generate one day: its rows are positions `offset..offset + rows` of the month's CUR.
fn generate_day(
    cfg: &AwsConfig,
    fleet: &Fleet,
    out: &Path,
    date: NaiveDate,
    offset: u64,
) -> Result<AwsSummary> {
    let plan = fleet.plan(date);
    let frame = DayFrame::new(date);
    let (hdir, ddir) = dirs(cfg, out, date);
    fs::create_dir_all(&hdir).with_context(|| format!("creating {}", hdir.display()))?;
    fs::create_dir_all(&ddir).with_context(|| format!("creating {}", ddir.display()))?;
    let mut s = AwsSummary::default();
    for &(l, _) in &plan.daily {
        *s.by_line_type
            .entry(fleet.lines[l as usize].line_type.as_str())
            .or_default() += 1;
    }
    for &l in &plan.hourly {
        *s.by_line_type
            .entry(fleet.lines[l as usize].line_type.as_str())
            .or_default() += 24;
    }
    let stem = format!(
        "{date}_manifestid-{}_basefile-{}",
        cfg.manifest_id,
        base_name(date)
    );
    let n = plan.rows();
    let chunk = cfg.batch_rows as u64;
    let mut p = 0;
    while p < n {
        let i = (offset + p) / chunk;
        let end = n.min((i + 1) * chunk - offset);
        let mut batch = CurBatch::new(fleet, &plan, &frame, (end - p) as usize);
        for q in p..end {
            batch.push(q);
        }
        let (hourly, daily) = batch.finish(i);
        s.hourly_rows += hourly.num_rows() as u64;
        s.daily_rows += daily.num_rows() as u64;
        s.files += 2;
        s.bytes += write_parquet(&hdir.join(format!("{stem}_batch-{i}_0.parquet")), &hourly)?;
        s.bytes += write_parquet(
            &ddir.join(format!("{stem}_batch-{i}_daily_0.parquet")),
            &daily,
        )?;
        p = end;
    }
    Ok(s)
}

/// Generate the AWS dataset into `out` (which must not hold a `data/` folder yet) with `threads`
/// workers (0 = one per core). Output does not depend on `threads`.
pub fn generate(cfg: &AwsConfig, out: &Path, threads: usize) -> Result<AwsSummary> {
    cfg.validate()?;
    prepare_out(out)?;
    let cluster = Cluster::build(&cfg.cluster_config());
    let fleet = Fleet::build(cfg, &cluster);
    // Where each day starts in its month's CUR (chunk numbering restarts with each month's file).
    let dates: Vec<NaiveDate> = cfg.dates().collect();
    let mut offsets = Vec::with_capacity(dates.len());
    let mut at = 0;
    for (k, d) in dates.iter().enumerate() {
        if k > 0 && d.month() != dates[k - 1].month() {
            at = 0;
        }
        offsets.push(at);
        at += fleet.plan(*d).rows();
    }
    let days = for_each_day(cfg.days, threads, |k| {
        let d = dates[k as usize];
        generate_day(cfg, &fleet, out, d, offsets[k as usize]).with_context(|| format!("day {d}"))
    })?;
    let mut total = AwsSummary::default();
    for d in &days {
        total.add(d);
    }
    fs::write(out.join("seed.sql"), seed::seed_sql(cfg, &fleet))
        .with_context(|| format!("writing {}", out.join("seed.sql").display()))?;
    let dataset = serde_json::json!({
        "config": cfg.to_json(),
        "written": total.to_json(),
        "fleet": {
            "inventory": fleet.inventory,
            "accounts": fleet.accounts.iter().map(|a| &a.id).collect::<Vec<_>>(),
            "cluster_account": fleet.accounts[fleet.cluster_account].id,
            "savings_plan_commitment_per_hour": fleet.sp_commitment,
        },
    });
    fs::write(
        out.join("dataset.json"),
        serde_json::to_string_pretty(&dataset)? + "\n",
    )?;
    Ok(total)
}
