//! OCP-on-AWS work dirs built through the common API from hand-written rows of the transform's nine
//! datasets, and a tenant with koku's AWS bills (the AWS tenant, [`AwsDb`]) and OCP report periods of
//! two clusters.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, Utc};
use koku_common::schema::Dataset;
use koku_common::schema::ocp_aws::{
    OCP_AWS_CLUSTERS, OCP_AWS_INPUTS, OCP_AWS_PROJECT_DAILY_SUMMARY, TABLES,
};
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};

use super::aws::{ACCOUNT, ALIAS_ID, AWS_SOURCE, AwsDb, Row, batch};
use super::{SCHEMA, day};

pub const P_TABLE: &str = "reporting_ocpawscostlineitem_project_daily_summary_p";
pub const OCP_TABLE: &str = "reporting_ocpusagelineitem_daily_summary";
pub const CLUSTER_A: &str = "cluster-a";
pub const CLUSTER_B: &str = "cluster-b";
/// The OCP sources of the two clusters.
pub const OCP_SOURCE_A: &str = "aaaaaaaa-0000-4000-8000-00000000000a";
pub const OCP_SOURCE_B: &str = "bbbbbbbb-0000-4000-8000-00000000000b";

/// The run: AWS source [`AWS_SOURCE`], October 1–2 2025, bill `bill`, every cluster (or `clusters`).
pub fn ocp_aws_identity(bill: i32, clusters: Option<&[&str]>) -> RunIdentity {
    RunIdentity {
        flow: "ocp-aws".into(),
        schema: SCHEMA.into(),
        source_uuid: AWS_SOURCE.into(),
        cluster_id: None,
        cluster_alias: None,
        year: "2025".into(),
        month: "10".into(),
        start_date: day(1),
        end_date: day(2),
        requested_start_date: day(1),
        report_period_id: None,
        bill_id: Some(bill),
        ocp_cluster_ids: clusters.map(|c| c.iter().map(|s| s.to_string()).collect()),
    }
}

/// A `_p` row of report period `rp` / `cluster`, bill `bill`, on day `d`.
pub fn p_row(rp: i32, cluster: &str, bill: i32, d: NaiveDate, namespace: &str) -> Row {
    Row::default()
        .int("report_period_id", rp)
        .text("cluster_id", cluster)
        .text("cluster_alias", &format!("{cluster} alias"))
        .text("data_source", "Pod")
        .text("namespace", namespace)
        .text("node", "node-1")
        .text("resource_id", "i-0001")
        .date("usage_start", d)
        .date("usage_end", d)
        .text("product_code", "AmazonEC2")
        .text("product_family", "Compute Instance")
        .text("instance_type", "m5.large")
        .int("cost_entry_bill_id", bill)
        .text("usage_account_id", ACCOUNT)
        .int("account_alias_id", ALIAS_ID)
        .text("region", "us-east-1")
        .text("unit", "Hrs")
        .num("usage_amount", 12.0)
        .num("infrastructure_data_in_gigabytes", 0.0)
        .num("infrastructure_data_out_gigabytes", 0.0)
        .text("currency_code", "USD")
        .num("unblended_cost", 1.0)
        .num("markup_cost", 0.1)
        .num("blended_cost", 1.0)
        .num("markup_cost_blended", 0.1)
        .num("savingsplan_effective_cost", 0.0)
        .num("markup_cost_savingsplan", 0.0)
        .num("calculated_amortized_cost", 1.0)
        .num("markup_cost_amortized", 0.1)
        .text("pod_labels", r#"{"app":"web"}"#)
        .text("tags", r#"{"app":"web"}"#)
        .text("aws_cost_category", "{}")
        .text("source_uuid", AWS_SOURCE)
}

/// A UI row of `cluster` on day `d` (every UI dataset's columns; each takes the ones it has).
pub fn ui_row(cluster: &str, d: NaiveDate, product: &str) -> Row {
    Row::default()
        .date("usage_start", d)
        .date("usage_end", d)
        .text("cluster_id", cluster)
        .text("cluster_alias", &format!("{cluster} alias"))
        .text("usage_account_id", ACCOUNT)
        .int("account_alias_id", ALIAS_ID)
        .text("region", "us-east-1")
        .text("availability_zone", "us-east-1a")
        .text("product_code", product)
        .text("product_family", "Storage")
        .text("instance_type", "m5.large")
        .text("resource_id", "i-0001")
        .num("usage_amount", 10.0)
        .text("unit", "GB-Mo")
        .num("unblended_cost", 1.0)
        .num("markup_cost", 0.1)
        .num("blended_cost", 1.0)
        .num("markup_cost_blended", 0.1)
        .num("savingsplan_effective_cost", 0.0)
        .num("markup_cost_savingsplan", 0.0)
        .num("calculated_amortized_cost", 1.0)
        .num("markup_cost_amortized", 0.1)
        .text("currency_code", "USD")
        .text("source_uuid", AWS_SOURCE)
}

fn stage_record(inputs: Vec<koku_common::workdir::InputRecord>) -> StageRecord {
    StageRecord {
        tool: "load-tests".into(),
        version: "0".into(),
        started_at: Utc::now(),
        finished_at: Utc::now(),
        inputs,
        outputs: BTreeMap::new(),
        details: BTreeMap::new(),
    }
}

/// The rows of the transform's nine datasets, by table name (a table not named gets an empty file).
pub type Files = BTreeMap<&'static str, Vec<Row>>;

/// A work dir whose extract wrote one (empty) input and whose transform wrote `files`.
pub fn ocp_aws_workdir(dir: &Path, id: RunIdentity, files: &Files) -> WorkDir {
    ocp_aws_workdir_listing(dir, id, files, None)
}

/// One row of the extract's `ocp_aws_clusters`: cluster, report period, `paired_by`.
pub type Candidate<'a> = (&'a str, Option<i32>, &'a str);

/// [`ocp_aws_workdir`] whose extract also wrote `ocp_aws_clusters` with `candidates`.
pub fn ocp_aws_workdir_listing(
    dir: &Path,
    id: RunIdentity,
    files: &Files,
    candidates: Option<&[Candidate<'_>]>,
) -> WorkDir {
    let mut wd = WorkDir::create(dir, id).unwrap();
    let input = OCP_AWS_INPUTS[0];
    let out = wd.writer(input).unwrap().finish().unwrap();
    let mut rec = stage_record(vec![]);
    rec.outputs.insert(input.name.to_string(), out);
    if let Some(candidates) = candidates {
        let rows: Vec<Row> = candidates
            .iter()
            .map(|&(cluster, rp, why)| {
                let r = Row::default()
                    .text("source", &format!("source-of-{cluster}"))
                    .text("cluster_id", cluster)
                    .text("cluster_alias", &format!("{cluster} alias"))
                    .text("distribution", "cpu")
                    .text("paired_by", why);
                match rp {
                    Some(rp) => r.int("report_period_id", rp),
                    None => r,
                }
            })
            .collect();
        let mut w = wd.writer(&OCP_AWS_CLUSTERS).unwrap();
        w.write(&batch(&OCP_AWS_CLUSTERS, &rows)).unwrap();
        rec.outputs
            .insert(OCP_AWS_CLUSTERS.name.to_string(), w.finish().unwrap());
    }
    wd.record_stage(stage::EXTRACT, rec).unwrap();

    let mut rec = stage_record(wd.outputs_as_inputs(stage::EXTRACT));
    for table in TABLES {
        let dataset: &'static Dataset = table.dataset;
        let rows = files.get(table.name).cloned().unwrap_or_default();
        let mut w = wd.writer(dataset).unwrap();
        if !rows.is_empty() {
            w.write(&batch(dataset, &rows)).unwrap();
        }
        rec.outputs
            .insert(dataset.name.to_string(), w.finish().unwrap());
    }
    wd.record_stage(stage::TRANSFORM, rec).unwrap();
    wd
}

/// Files with `p` as the `_p` rows and one row per UI table for each of `ui_days` of `cluster`.
pub fn files(p: Vec<Row>, cluster: &str, ui_days: &[NaiveDate]) -> Files {
    let mut f = Files::new();
    f.insert(OCP_AWS_PROJECT_DAILY_SUMMARY.name, p);
    for table in &TABLES[1..] {
        let product = match table.name {
            "reporting_ocpaws_network_summary_p" => "AmazonVPC",
            "reporting_ocpaws_database_summary_p" => "AmazonRDS",
            _ => "AmazonEC2",
        };
        f.insert(
            table.name,
            ui_days
                .iter()
                .map(|d| ui_row(cluster, *d, product))
                .collect(),
        );
    }
    f
}

/// [`AwsDb`] plus OCP report periods: October of cluster A and B, September of cluster A.
pub struct OcpAwsDb {
    pub db: AwsDb,
    pub rp_a: i32,
    pub rp_b: i32,
    pub rp_a_september: i32,
}

impl OcpAwsDb {
    pub fn new(test: &str) -> OcpAwsDb {
        let mut db = AwsDb::new(test);
        let mut rp = |cluster: &str, source: &str, start: &str, end: &str| -> i32 {
            db.client
                .query_one(
                    &format!(
                        "INSERT INTO {SCHEMA}.reporting_ocpusagereportperiod \
                         (cluster_id, cluster_alias, report_period_start, report_period_end, provider_id) \
                         VALUES ($1, $5, $2::text::timestamptz, $3::text::timestamptz, $4::text::uuid) \
                         RETURNING id"
                    ),
                    &[&cluster, &start, &end, &source, &format!("{cluster} alias")],
                )
                .unwrap()
                .get(0)
        };
        let oct = ("2025-10-01 00:00:00+00", "2025-11-01 00:00:00+00");
        let rp_a = rp(CLUSTER_A, OCP_SOURCE_A, oct.0, oct.1);
        let rp_b = rp(CLUSTER_B, OCP_SOURCE_B, oct.0, oct.1);
        let rp_a_september = rp(
            CLUSTER_A,
            OCP_SOURCE_A,
            "2025-09-01 00:00:00+00",
            "2025-10-01 00:00:00+00",
        );
        OcpAwsDb {
            db,
            rp_a,
            rp_b,
            rp_a_september,
        }
    }

    /// Every row of `table` as jsonb text without its uuid key, sorted.
    pub fn snapshot(&mut self, table: &str) -> Vec<String> {
        self.db
            .client
            .query(
                &format!(
                    "SELECT (to_jsonb(t) - 'uuid' - 'id')::text FROM {SCHEMA}.{table} t ORDER BY 1"
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// Every table the flow writes (the nine and the OCP table), with their rows.
    pub fn snapshot_all(&mut self) -> BTreeMap<&'static str, Vec<String>> {
        TABLES
            .iter()
            .map(|t| t.name)
            .chain([OCP_TABLE])
            .map(|t| (t, self.snapshot(t)))
            .collect()
    }

    pub fn count(&mut self, sql: &str) -> i64 {
        self.db.count(sql)
    }

    /// A `_p` row written by someone else (another source's run, another bill or month or cluster).
    pub fn seed_p(&mut self, rp: i32, cluster: &str, bill: i32, source: &str, d: NaiveDate) {
        self.db
            .client
            .execute(
                &format!(
                    "INSERT INTO {SCHEMA}.{P_TABLE} (uuid, report_period_id, cluster_id, usage_start, usage_end, \
                     cost_entry_bill_id, product_code, usage_account_id, source_uuid, calculated_amortized_cost, \
                     markup_cost_amortized) \
                     VALUES (gen_random_uuid(), $1, $2, $3, $3, $4, 'seeded', '{ACCOUNT}', $5::text::uuid, 7, 0)"
                ),
                &[&rp, &cluster, &d, &bill, &source],
            )
            .unwrap();
    }

    /// A UI row of every UI table written by someone else.
    pub fn seed_ui(&mut self, cluster: &str, source: &str, d: NaiveDate) {
        for table in &TABLES[1..] {
            let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
            let (mut cols, mut vals) = (
                vec![
                    "id",
                    "usage_start",
                    "usage_end",
                    "cluster_id",
                    "currency_code",
                    "source_uuid",
                ],
                vec![
                    "gen_random_uuid()",
                    "$1",
                    "$1",
                    "$2",
                    "'USD'",
                    "$3::text::uuid",
                ],
            );
            if names.contains(&"usage_account_id") {
                cols.push("usage_account_id");
                vals.push("'seeded'");
            }
            if names.contains(&"product_code") {
                cols.push("product_code");
                vals.push("'seeded'");
            }
            self.db
                .client
                .execute(
                    &format!(
                        "INSERT INTO {SCHEMA}.{} ({}) VALUES ({})",
                        table.name,
                        cols.join(", "),
                        vals.join(", ")
                    ),
                    &[&d, &cluster, &source],
                )
                .unwrap();
        }
    }

    /// An OCP daily-summary row of report period `rp` on day `d` with `raw_cost` as its
    /// infrastructure raw cost (NULL: an OCP usage row of the OCP flow).
    pub fn seed_ocp(&mut self, rp: i32, d: NaiveDate, namespace: &str, raw_cost: Option<f64>) {
        self.db
            .client
            .execute(
                &format!(
                    "INSERT INTO {SCHEMA}.{OCP_TABLE} (uuid, report_period_id, usage_start, usage_end, namespace, \
                     data_source, infrastructure_raw_cost) \
                     VALUES (gen_random_uuid(), $1, $2, $2, $3, 'Pod', $4::float8::numeric)"
                ),
                &[&rp, &d, &namespace, &raw_cost],
            )
            .unwrap();
    }
}
