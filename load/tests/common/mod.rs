//! Test support for koku-load: work dirs built through the common API from hand-written summary rows,
//! and tenant databases on a real throwaway PostgreSQL cluster.
#![allow(dead_code)] // each test binary uses a different subset

pub mod aws;
pub mod ocp_aws;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
use chrono::{NaiveDate, Utc};
use koku_common::schema::{ColumnType, OCP_DAILY_SUMMARY, OCP_INPUTS};
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};
use koku_testkit::Postgres;

pub const SCHEMA: &str = "org1234567";
pub const SOURCE: &str = "6795d5e6-951c-4382-a8d3-390515d7ec1d";
pub const OTHER_SOURCE: &str = "0a3c2b5e-0000-4000-8000-000000000002";
pub const TABLE: &str = "org1234567.reporting_ocpusagelineitem_daily_summary";
pub const MONTH_PARTITION: &str = "reporting_ocpusagelineitem_daily_summary_2025_10";

pub fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 10, d).unwrap()
}

/// One computed summary row as the transform writes it (only what the tests vary).
#[derive(Debug, Clone, Default)]
pub struct SummaryRow {
    pub row_kind: &'static str,
    pub data_source: &'static str,
    pub usage_start: Option<NaiveDate>,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub resource_id: Option<String>,
    pub pod_labels: Option<String>,
    pub volume_labels: Option<String>,
    pub all_labels: Option<String>,
    pub infrastructure_usage_cost: Option<String>,
    pub persistentvolumeclaim: Option<String>,
    pub persistentvolume: Option<String>,
    pub storageclass: Option<String>,
    pub cost_category_id: Option<i32>,
    /// Overrides the run's report period / source (to test the scope checks).
    pub report_period_id: Option<i32>,
    pub source_uuid: Option<String>,
    pub measures: BTreeMap<&'static str, f64>,
}

const COST: &str = r#"{"cpu": 0.000000000, "memory": 0.000000000, "storage": 0.000000000}"#;

impl SummaryRow {
    pub fn pod(d: NaiveDate, namespace: &str, labels: &str) -> Self {
        SummaryRow {
            row_kind: "pod",
            data_source: "Pod",
            usage_start: Some(d),
            namespace: Some(namespace.into()),
            node: Some("node-1".into()),
            resource_id: Some("i-0001".into()),
            pod_labels: Some(labels.into()),
            all_labels: Some(labels.into()),
            infrastructure_usage_cost: Some(COST.into()),
            ..Default::default()
        }
        .with("pod_usage_cpu_core_hours", 93.0)
        .with("pod_request_cpu_core_hours", 48.0)
        .with("pod_effective_usage_cpu_core_hours", 93.0)
        .with("pod_limit_cpu_core_hours", 96.0)
        .with("node_capacity_cpu_cores", 4.0)
        .with("node_capacity_cpu_core_hours", 96.0)
        .with("cluster_capacity_cpu_core_hours", 96.0)
    }

    pub fn storage(d: NaiveDate, namespace: &str, labels: &str) -> Self {
        SummaryRow {
            row_kind: "storage",
            data_source: "Storage",
            usage_start: Some(d),
            namespace: Some(namespace.into()),
            node: Some("node-1".into()),
            volume_labels: Some(labels.into()),
            all_labels: Some(labels.into()),
            infrastructure_usage_cost: Some(COST.into()),
            persistentvolumeclaim: Some("data-pvc".into()),
            persistentvolume: Some("pv-0001".into()),
            storageclass: Some("gp3".into()),
            ..Default::default()
        }
        .with("persistentvolumeclaim_capacity_gigabyte", 10.0)
        .with(
            "persistentvolumeclaim_capacity_gigabyte_months",
            0.3225806451612903,
        )
        .with(
            "volume_request_storage_gigabyte_months",
            0.16129032258064516,
        )
        .with(
            "persistentvolumeclaim_usage_gigabyte_months",
            0.03225806451612903,
        )
    }

    pub fn unallocated(d: NaiveDate, namespace: &str) -> Self {
        SummaryRow {
            row_kind: "unallocated",
            data_source: "Pod",
            usage_start: Some(d),
            namespace: Some(namespace.into()),
            node: Some("node-1".into()),
            resource_id: Some("i-0001".into()),
            all_labels: Some("{}".into()),
            cost_category_id: Some(1),
            ..Default::default()
        }
        .with("pod_usage_cpu_core_hours", 3.0)
        .with("node_capacity_cpu_cores", 4.0)
    }

    pub fn with(mut self, measure: &'static str, v: f64) -> Self {
        self.measures.insert(measure, v);
        self
    }
}

/// The seven rows of a small two-day run: 3 pod, 2 storage, 2 unallocated.
pub fn standard_rows() -> Vec<SummaryRow> {
    vec![
        SummaryRow::pod(day(1), "web", r#"{"app":"web","env":"prod"}"#),
        SummaryRow::pod(day(1), "openshift-monitoring", "{}"),
        SummaryRow::pod(day(2), "web", r#"{"app":"web","env":"prod"}"#),
        SummaryRow::storage(day(1), "web", r#"{"tier":"db"}"#),
        SummaryRow::storage(day(2), "web", "{}"),
        SummaryRow::unallocated(day(1), "Platform unallocated"),
        SummaryRow::unallocated(day(2), "Worker unallocated"),
    ]
}

pub fn identity(report_period_id: i32) -> RunIdentity {
    RunIdentity {
        flow: "ocp".into(),
        schema: SCHEMA.into(),
        source_uuid: SOURCE.into(),
        cluster_id: Some("my-cluster".into()),
        cluster_alias: Some("My Cluster".into()),
        year: "2025".into(),
        month: "10".into(),
        start_date: day(1),
        end_date: day(2),
        requested_start_date: day(1),
        report_period_id: Some(report_period_id),
        bill_id: None,
        ocp_cluster_ids: None,
    }
}

/// A record batch in `OCP_DAILY_SUMMARY`'s schema.
pub fn batch(rows: &[SummaryRow], id: &RunIdentity) -> RecordBatch {
    let schema = OCP_DAILY_SUMMARY.schema();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let columns: Vec<ArrayRef> = OCP_DAILY_SUMMARY
        .columns
        .iter()
        .map(|&(name, ty)| -> ArrayRef {
            match ty {
                ColumnType::Text => {
                    let v: Vec<Option<String>> = rows
                        .iter()
                        .map(|r| match name {
                            "row_kind" => Some(r.row_kind.to_string()),
                            "cluster_id" => id.cluster_id.clone(),
                            "cluster_alias" => id.cluster_alias.clone(),
                            "data_source" => Some(r.data_source.to_string()),
                            "namespace" => r.namespace.clone(),
                            "node" => r.node.clone(),
                            "resource_id" => r.resource_id.clone(),
                            "pod_labels" => r.pod_labels.clone(),
                            "volume_labels" => r.volume_labels.clone(),
                            "all_labels" => r.all_labels.clone(),
                            "persistentvolumeclaim" => r.persistentvolumeclaim.clone(),
                            "persistentvolume" => r.persistentvolume.clone(),
                            "storageclass" => r.storageclass.clone(),
                            "source_uuid" => {
                                Some(r.source_uuid.clone().unwrap_or(id.source_uuid.clone()))
                            }
                            "infrastructure_usage_cost" => r.infrastructure_usage_cost.clone(),
                            "csi_volume_handle" => None,
                            other => panic!("test builder does not know text column {other}"),
                        })
                        .collect();
                    Arc::new(StringArray::from(v))
                }
                ColumnType::Float => Arc::new(Float64Array::from(
                    rows.iter()
                        .map(|r| r.measures.get(name).copied())
                        .collect::<Vec<_>>(),
                )),
                ColumnType::Int32 => Arc::new(Int32Array::from(
                    rows.iter()
                        .map(|r| match name {
                            "report_period_id" => r.report_period_id.or(id.report_period_id),
                            "cost_category_id" => r.cost_category_id,
                            other => panic!("test builder does not know int column {other}"),
                        })
                        .collect::<Vec<_>>(),
                )),
                ColumnType::Date => Arc::new(Date32Array::from(
                    rows.iter()
                        .map(|r| r.usage_start.map(|d| (d - epoch).num_days() as i32))
                        .collect::<Vec<_>>(),
                )),
                ColumnType::Timestamp | ColumnType::TextList => {
                    panic!("no {ty:?} column in the OCP summary")
                }
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).unwrap()
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

/// A work dir at `dir` whose extract wrote one (empty) input and whose transform wrote `rows`.
pub fn workdir(dir: &Path, id: RunIdentity, rows: &[SummaryRow]) -> WorkDir {
    let mut wd = WorkDir::create(dir, id.clone()).unwrap();
    let input = OCP_INPUTS[0];
    let out = wd.writer(input).unwrap().finish().unwrap();
    let mut rec = stage_record(vec![]);
    rec.outputs.insert(input.name.to_string(), out);
    wd.record_stage(stage::EXTRACT, rec).unwrap();

    let mut rec = stage_record(wd.outputs_as_inputs(stage::EXTRACT));
    let mut w = wd.writer(&OCP_DAILY_SUMMARY).unwrap();
    for chunk in rows.chunks(8192) {
        w.write(&batch(chunk, &id)).unwrap();
    }
    rec.outputs
        .insert(OCP_DAILY_SUMMARY.name.to_string(), w.finish().unwrap());
    wd.record_stage(stage::TRANSFORM, rec).unwrap();
    wd
}

/// One cluster shared by the tests of a binary that run at the same time; stopped (by `Drop`) when the
/// last of them ends, so no server outlives the test process.
pub fn cluster() -> Arc<Postgres> {
    static SHARED: Mutex<Weak<Postgres>> = Mutex::new(Weak::new());
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(pg) = shared.upgrade() {
        return pg;
    }
    let pg = Arc::new(Postgres::start());
    *shared = Arc::downgrade(&pg);
    pg
}

/// A fresh database with koku's tables for tenant [`SCHEMA`] and a report period for [`SOURCE`]
/// (and one for another source, to test the delete scope).
pub struct TenantDb {
    pub pg: Arc<Postgres>,
    pub url: String,
    pub client: postgres::Client,
    pub report_period_id: i32,
    pub other_report_period_id: i32,
}

impl TenantDb {
    pub fn new(test: &str) -> TenantDb {
        static N: AtomicUsize = AtomicUsize::new(0);
        let pg = cluster();
        let name = format!("{test}_{}", N.fetch_add(1, Ordering::SeqCst));
        let url = pg.create_database(&name);
        let mut client = pg.connect(&name);
        koku_testkit::koku_schema::install(&mut client, SCHEMA);
        let report_period_id = add_report_period(&mut client, SCHEMA, SOURCE);
        let other_report_period_id = add_report_period(&mut client, SCHEMA, OTHER_SOURCE);
        TenantDb {
            pg,
            url,
            client,
            report_period_id,
            other_report_period_id,
        }
    }

    pub fn options(&self, dry_run: bool) -> koku_load::LoadOptions {
        koku_load::LoadOptions {
            dry_run,
            ..koku_load::LoadOptions::new(
                koku_common::config::DbConfig::resolve(Some(&self.url))
                    .unwrap()
                    .unwrap(),
            )
        }
    }

    /// Every row of the summary table as jsonb text without `uuid`, sorted: compares contents.
    pub fn snapshot(&mut self, schema: &str) -> Vec<String> {
        self.client
            .query(
                &format!(
                    "SELECT (to_jsonb(t) - 'uuid')::text FROM {schema}.reporting_ocpusagelineitem_daily_summary t ORDER BY 1"
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    pub fn count(&mut self, sql: &str) -> i64 {
        self.client.query_one(sql, &[]).unwrap().get(0)
    }

    /// A summary row written by someone else (an earlier run, the cost model, OCP-on-cloud).
    pub fn seed(
        &mut self,
        report_period_id: i32,
        d: NaiveDate,
        namespace: &str,
        raw_cost: Option<f64>,
    ) {
        self.client
            .execute(
                &format!(
                    "INSERT INTO {TABLE} (uuid, report_period_id, usage_start, usage_end, namespace, \
                     data_source, infrastructure_raw_cost, source_uuid) \
                     VALUES (gen_random_uuid(), $1, $2, $2, $3, 'Pod', $4::float8::numeric, $5::text::uuid)"
                ),
                &[&report_period_id, &d, &namespace, &raw_cost, &SOURCE],
            )
            .unwrap();
    }

    /// Month partitions that have a tracking row.
    pub fn tracked_partitions(&mut self) -> Vec<String> {
        self.client
            .query(
                &format!(
                    "SELECT table_name FROM {SCHEMA}.partitioned_tables \
                     WHERE partition_of_table_name = 'reporting_ocpusagelineitem_daily_summary' \
                     ORDER BY table_name"
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

pub fn add_report_period(client: &mut postgres::Client, schema: &str, source: &str) -> i32 {
    client
        .query_one(
            &format!(
                "INSERT INTO \"{schema}\".reporting_ocpusagereportperiod \
                 (cluster_id, cluster_alias, report_period_start, report_period_end, provider_id) \
                 VALUES ('my-cluster', 'My Cluster', '2025-10-01', '2025-11-01', $1::text::uuid) RETURNING id"
            ),
            &[&source],
        )
        .unwrap()
        .get(0)
}
