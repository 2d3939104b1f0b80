//! Shared by the test binaries: a work dir of flow `aws` (the pipeline has no AWS transform yet).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};

/// The AWS daily summary as a test-only dataset: the pipeline has none yet, so `koku-compare` reads
/// the file unchecked against a schema (checksum, dataset and run still checked).
pub static AWS_TEST_DATASET: koku_common::schema::Dataset = koku_common::schema::Dataset {
    name: "reporting_awscostentrylineitem_daily_summary",
    origin: koku_common::schema::Origin::Transform,
    columns: &[
        ("cost_entry_bill_id", koku_common::schema::ColumnType::Int32),
        ("usage_start", koku_common::schema::ColumnType::Date),
        ("usage_account_id", koku_common::schema::ColumnType::Text),
        ("product_code", koku_common::schema::ColumnType::Text),
        ("product_family", koku_common::schema::ColumnType::Text),
        ("availability_zone", koku_common::schema::ColumnType::Text),
        ("region", koku_common::schema::ColumnType::Text),
        ("instance_type", koku_common::schema::ColumnType::Text),
        ("unit", koku_common::schema::ColumnType::Text),
        ("resource_ids", koku_common::schema::ColumnType::TextList),
        ("unblended_cost", koku_common::schema::ColumnType::Float),
        ("tags", koku_common::schema::ColumnType::Text),
        ("cost_category", koku_common::schema::ColumnType::Text),
        ("source_uuid", koku_common::schema::ColumnType::Text),
    ],
    optional: &[],
};

pub const AWS_SOURCE: &str = "22222222-2222-2222-2222-222222222222";

/// A work dir of flow `aws` (bill 11) whose transform wrote rows D1a and D1c of aws-daily-summary §9.3.
pub fn aws_workdir(dir: &Path) {
    use arrow::array::{
        ArrayRef, Date32Array, Float64Array, Int32Array, ListBuilder, RecordBatch, StringArray,
        StringBuilder,
    };
    use std::sync::Arc;
    let d = chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
    let identity = RunIdentity {
        flow: "aws".into(),
        schema: "org1234567".into(),
        source_uuid: AWS_SOURCE.into(),
        cluster_id: None,
        cluster_alias: None,
        year: "2025".into(),
        month: "10".into(),
        start_date: d,
        end_date: chrono::NaiveDate::from_ymd_opt(2025, 10, 2).unwrap(),
        requested_start_date: d,
        report_period_id: None,
        bill_id: Some(11),
    };
    let mut wd = WorkDir::create(dir, identity).unwrap();
    let day = (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32;
    let text = |v: [Option<&str>; 2]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
    let mut ids = ListBuilder::new(StringBuilder::new());
    // D1a's ids in the other order than koku prints them; D1c (the tax line) has the id ''
    ids.values().append_value("i-bbb");
    ids.values().append_value("i-aaa");
    ids.append(true);
    ids.values().append_value("");
    ids.append(true);
    let batch = RecordBatch::try_new(
        AWS_TEST_DATASET.schema(),
        vec![
            Arc::new(Int32Array::from(vec![11, 11])),
            Arc::new(Date32Array::from(vec![day, day])),
            text([Some("111111111111"); 2]),
            text([Some("AmazonEC2"); 2]),
            text([Some("Compute Instance"), None]),
            text([Some("us-east-1a"), None]),
            text([Some("us-east-1"), None]),
            text([Some("m5.large"), None]),
            text([Some("Hrs"), None]),
            Arc::new(ids.finish()),
            // 2.304 + 2.304 − 2.304 (usage, covered usage, negation); the tax line 0.52
            Arc::new(Float64Array::from(vec![2.304 + 2.304 - 2.304, 0.52])),
            text([Some(r#"{"app":"web"}"#), Some("{}")]),
            text([Some(r#"{"team":"platform"}"#), Some("{}")]),
            text([Some(AWS_SOURCE); 2]),
        ],
    )
    .unwrap();
    let mut w = wd.writer(&AWS_TEST_DATASET).unwrap();
    w.write(&batch).unwrap();
    let out = w.finish().unwrap();
    let now = Utc::now();
    let record = |outputs| StageRecord {
        tool: "test".into(),
        version: "0".into(),
        started_at: now,
        finished_at: now,
        inputs: vec![],
        outputs,
        details: BTreeMap::new(),
    };
    wd.record_stage(stage::EXTRACT, record(BTreeMap::new()))
        .unwrap();
    let mut outputs = BTreeMap::new();
    outputs.insert(AWS_TEST_DATASET.name.to_string(), out);
    wd.record_stage(stage::TRANSFORM, record(outputs)).unwrap();
}
