//! AWS work dirs built through the common API from hand-written rows of the transform's two AWS
//! datasets, and a tenant with koku's AWS bills.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int32Array, ListBuilder, RecordBatch, StringArray,
    StringBuilder,
};
use chrono::{NaiveDate, Utc};
use koku_common::schema::aws::{AWS_DAILY_SUMMARY, AWS_EC2_COMPUTE_SUMMARY, AWS_INPUTS};
use koku_common::schema::{ColumnType, Dataset};
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};
use koku_testkit::Postgres;

use super::{SCHEMA, cluster, day};

/// The AWS source of the tests, and another one.
pub const AWS_SOURCE: &str = "22222222-2222-4222-8222-222222222222";
pub const AWS_OTHER_SOURCE: &str = "33333333-3333-4333-8333-333333333333";
pub const DS_TABLE: &str = "reporting_awscostentrylineitem_daily_summary";
pub const EC2_TABLE: &str = "reporting_awscostentrylineitem_summary_by_ec2_compute_p";
/// The usage account of the rows, with alias id 5.
pub const ACCOUNT: &str = "111111111111";
pub const ALIAS_ID: i32 = 5;

/// One value of a row, by the dataset's column type.
#[derive(Debug, Clone)]
pub enum V {
    T(Option<String>),
    F(Option<f64>),
    I(Option<i32>),
    D(Option<NaiveDate>),
    L(Option<Vec<Option<String>>>),
}

/// A row of a transform dataset: column → value; columns not set are NULL.
#[derive(Debug, Clone, Default)]
pub struct Row(pub BTreeMap<&'static str, V>);

impl Row {
    pub fn set(mut self, column: &'static str, v: V) -> Self {
        self.0.insert(column, v);
        self
    }
    pub fn text(self, column: &'static str, v: &str) -> Self {
        self.set(column, V::T(Some(v.into())))
    }
    pub fn null(self, column: &'static str) -> Self {
        self.set(column, V::T(None))
    }
    pub fn num(self, column: &'static str, v: f64) -> Self {
        self.set(column, V::F(Some(v)))
    }
    pub fn int(self, column: &'static str, v: i32) -> Self {
        self.set(column, V::I(Some(v)))
    }
    pub fn date(self, column: &'static str, v: NaiveDate) -> Self {
        self.set(column, V::D(Some(v)))
    }
    pub fn list(self, column: &'static str, v: &[&str]) -> Self {
        self.set(
            column,
            V::L(Some(v.iter().map(|s| Some(s.to_string())).collect())),
        )
    }

    /// A daily-summary row of `bill` and `source` on day `d` (the columns every row has).
    pub fn daily(bill: i32, source: &str, d: NaiveDate, product: &str) -> Row {
        Row::default()
            .int("cost_entry_bill_id", bill)
            .date("usage_start", d)
            .date("usage_end", d)
            .text("usage_account_id", ACCOUNT)
            .int("account_alias_id", ALIAS_ID)
            .text("product_code", product)
            .text("currency_code", "USD")
            .text("tags", "{}")
            .text("cost_category", "{}")
            .text("source_uuid", source)
            .num("unblended_cost", 1.0)
    }

    /// An EC2 compute row of instance `resource` from `start` to `end`.
    pub fn ec2(bill: i32, source: &str, resource: &str, start: NaiveDate, end: NaiveDate) -> Row {
        Row::default()
            .date("usage_start", start)
            .date("usage_end", end)
            .int("cost_entry_bill_id", bill)
            .int("account_alias_id", ALIAS_ID)
            .text("usage_account_id", ACCOUNT)
            .text("resource_id", resource)
            .text("instance_type", "m5.large")
            .text("currency_code", "USD")
            .text("tags", "{}")
            .text("cost_category", "{}")
            .text("source_uuid", source)
    }
}

fn wrong<T>(name: &str, ty: ColumnType, v: Option<V>) -> T {
    panic!("{name}: {v:?} for a {ty:?} column")
}

/// A record batch of `dataset` (every column nullable; unset columns NULL).
pub fn batch(dataset: &'static Dataset, rows: &[Row]) -> RecordBatch {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let columns: Vec<ArrayRef> = dataset
        .columns
        .iter()
        .map(|&(name, ty)| -> ArrayRef {
            let get = |r: &Row| r.0.get(name).cloned();
            match ty {
                ColumnType::Text => Arc::new(StringArray::from(
                    rows.iter()
                        .map(|r| match get(r) {
                            None => None,
                            Some(V::T(t)) => t,
                            v => wrong(name, ty, v),
                        })
                        .collect::<Vec<_>>(),
                )),
                ColumnType::Float => Arc::new(Float64Array::from(
                    rows.iter()
                        .map(|r| match get(r) {
                            None => None,
                            Some(V::F(f)) => f,
                            v => wrong(name, ty, v),
                        })
                        .collect::<Vec<_>>(),
                )),
                ColumnType::Int32 => Arc::new(Int32Array::from(
                    rows.iter()
                        .map(|r| match get(r) {
                            None => None,
                            Some(V::I(i)) => i,
                            v => wrong(name, ty, v),
                        })
                        .collect::<Vec<_>>(),
                )),
                ColumnType::Date => Arc::new(Date32Array::from(
                    rows.iter()
                        .map(|r| match get(r) {
                            None => None,
                            Some(V::D(d)) => d.map(|d| (d - epoch).num_days() as i32),
                            v => wrong(name, ty, v),
                        })
                        .collect::<Vec<_>>(),
                )),
                ColumnType::TextList => {
                    let mut b = ListBuilder::new(StringBuilder::new());
                    for r in rows {
                        match get(r) {
                            None | Some(V::L(None)) => b.append(false),
                            Some(V::L(Some(items))) => {
                                for i in items {
                                    b.values().append_option(i);
                                }
                                b.append(true);
                            }
                            v => wrong(name, ty, v),
                        }
                    }
                    Arc::new(b.finish())
                }
                ColumnType::Timestamp => panic!("no timestamp in the AWS summaries"),
            }
        })
        .collect();
    RecordBatch::try_new(dataset.schema(), columns).unwrap()
}

/// The run: source [`AWS_SOURCE`], October 1–2 2025, bill `bill`.
pub fn aws_identity(bill: i32) -> RunIdentity {
    RunIdentity {
        flow: "aws".into(),
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
        ocp_cluster_ids: None,
    }
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

/// A work dir whose extract wrote one (empty) input, with `extract_details`, and whose transform
/// wrote the daily-summary rows and, unless `ec2` is `None`, the EC2 rows.
pub fn aws_workdir(
    dir: &Path,
    id: RunIdentity,
    daily: &[Row],
    ec2: Option<&[Row]>,
    extract_details: BTreeMap<String, serde_json::Value>,
) -> WorkDir {
    let mut wd = WorkDir::create(dir, id).unwrap();
    let input = AWS_INPUTS[0];
    let out = wd.writer(input).unwrap().finish().unwrap();
    let mut rec = stage_record(vec![]);
    rec.outputs.insert(input.name.to_string(), out);
    rec.details = extract_details;
    wd.record_stage(stage::EXTRACT, rec).unwrap();

    let mut rec = stage_record(wd.outputs_as_inputs(stage::EXTRACT));
    let mut w = wd.writer(&AWS_DAILY_SUMMARY).unwrap();
    w.write(&batch(&AWS_DAILY_SUMMARY, daily)).unwrap();
    rec.outputs
        .insert(AWS_DAILY_SUMMARY.name.into(), w.finish().unwrap());
    if let Some(ec2) = ec2 {
        let mut w = wd.writer(&AWS_EC2_COMPUTE_SUMMARY).unwrap();
        w.write(&batch(&AWS_EC2_COMPUTE_SUMMARY, ec2)).unwrap();
        rec.outputs
            .insert(AWS_EC2_COMPUTE_SUMMARY.name.into(), w.finish().unwrap());
    }
    wd.record_stage(stage::TRANSFORM, rec).unwrap();
    wd
}

/// A fresh database with koku's tables for tenant [`SCHEMA`], the account alias of [`ACCOUNT`], and
/// bills: [`AwsDb::bill`] (the source's October bill), [`AwsDb::second_bill`] (a second October bill
/// of the source, higher id), [`AwsDb::other_bill`] (the other source's October bill),
/// [`AwsDb::september_bill`] (the source's September bill).
pub struct AwsDb {
    pub pg: Arc<Postgres>,
    pub url: String,
    pub client: postgres::Client,
    pub bill: i32,
    pub second_bill: i32,
    pub other_bill: i32,
    pub september_bill: i32,
}

impl AwsDb {
    pub fn new(test: &str) -> AwsDb {
        static N: AtomicUsize = AtomicUsize::new(0);
        let pg = cluster();
        let name = format!("{test}_{}", N.fetch_add(1, Ordering::SeqCst));
        let url = pg.create_database(&name);
        let mut client = pg.connect(&name);
        koku_testkit::koku_schema::install(&mut client, SCHEMA);
        client
            .batch_execute(&format!(
                "INSERT INTO {SCHEMA}.reporting_awsaccountalias (id, account_id, account_alias) \
                 VALUES ({ALIAS_ID}, '{ACCOUNT}', 'my-account')"
            ))
            .unwrap();
        let mut bill = |source: &str, start: &str, end: &str, payer: &str| -> i32 {
            client
                .query_one(
                    &format!(
                        "INSERT INTO {SCHEMA}.reporting_awscostentrybill \
                         (bill_type, payer_account_id, billing_period_start, billing_period_end, provider_id) \
                         VALUES ('Anniversary', $1, $2::text::timestamptz, $3::text::timestamptz, $4::text::uuid) \
                         RETURNING id"
                    ),
                    &[&payer, &start, &end, &source],
                )
                .unwrap()
                .get(0)
        };
        let oct = ("2025-10-01 00:00:00+00", "2025-11-01 00:00:00+00");
        let b1 = bill(AWS_SOURCE, oct.0, oct.1, "1");
        let b2 = bill(AWS_SOURCE, oct.0, oct.1, "2");
        let b3 = bill(AWS_OTHER_SOURCE, oct.0, oct.1, "1");
        let b4 = bill(
            AWS_SOURCE,
            "2025-09-01 00:00:00+00",
            "2025-10-01 00:00:00+00",
            "1",
        );
        AwsDb {
            pg,
            url,
            client,
            bill: b1,
            second_bill: b2,
            other_bill: b3,
            september_bill: b4,
        }
    }

    pub fn options(&self) -> koku_load::LoadOptions {
        koku_load::LoadOptions::new(
            koku_common::config::DbConfig::resolve(Some(&self.url))
                .unwrap()
                .unwrap(),
        )
    }

    /// Every row of `table` as jsonb text without `uuid`, sorted.
    pub fn snapshot(&mut self, table: &str) -> Vec<String> {
        self.client
            .query(
                &format!("SELECT (to_jsonb(t) - 'uuid')::text FROM {SCHEMA}.{table} t ORDER BY 1"),
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

    /// A row written by an earlier run (or another source): `table`, bill, source, day, product or
    /// resource id.
    pub fn seed(&mut self, table: &str, bill: i32, source: &str, d: NaiveDate, what: &str) {
        let column = if table == DS_TABLE {
            "product_code"
        } else {
            "resource_id"
        };
        self.client
            .execute(
                &format!(
                    "INSERT INTO {SCHEMA}.{table} (uuid, cost_entry_bill_id, usage_start, usage_end, \
                     usage_account_id, {column}, currency_code, source_uuid) \
                     VALUES (gen_random_uuid(), $1, $2, $2, '{ACCOUNT}', $3, 'USD', $4::text::uuid)"
                ),
                &[&bill, &d, &what, &source],
            )
            .unwrap();
    }

    /// `(summary_data_creation_datetime IS NOT NULL, summary_data_updated_datetime IS NOT NULL)` of
    /// a bill.
    pub fn stamps(&mut self, bill: i32) -> (bool, bool) {
        let r = self
            .client
            .query_one(
                &format!(
                    "SELECT summary_data_creation_datetime IS NOT NULL, summary_data_updated_datetime IS NOT NULL \
                     FROM {SCHEMA}.reporting_awscostentrybill WHERE id = $1"
                ),
                &[&bill],
            )
            .unwrap();
        (r.get(0), r.get(1))
    }

    /// Month partitions of `table` that have a tracking row.
    pub fn tracked_partitions(&mut self, table: &str) -> Vec<String> {
        self.client
            .query(
                &format!(
                    "SELECT table_name FROM {SCHEMA}.partitioned_tables \
                     WHERE partition_of_table_name = $1 ORDER BY table_name"
                ),
                &[&table],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}
