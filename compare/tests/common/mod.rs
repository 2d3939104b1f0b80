//! Shared by the test binaries: a work dir of flow `aws`, written in the transform's canonical dataset.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;
use koku_common::schema::aws::AWS_DAILY_SUMMARY;
use koku_common::workdir::{RunIdentity, StageRecord, WorkDir, stage};

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
        ocp_cluster_ids: None,
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
    // Every column of the canonical dataset, in its order; the ones koku's test rows do not hold NULL.
    // D1a: U = 2.304 + 2.304 − 2.304 (usage, covered usage, negation), markup m = 0.1 on it; D1c: the
    // tax line 0.52, markup 0.52 × 0.1.
    let u = 2.304 + 2.304 - 2.304;
    let columns: Vec<ArrayRef> = AWS_DAILY_SUMMARY
        .columns
        .iter()
        .map(|&(name, _)| -> ArrayRef {
            match name {
                "cost_entry_bill_id" => Arc::new(Int32Array::from(vec![11, 11])),
                "usage_start" | "usage_end" => Arc::new(Date32Array::from(vec![day, day])),
                "usage_account_id" => text([Some("111111111111"); 2]),
                "product_code" => text([Some("AmazonEC2"); 2]),
                "product_family" => text([Some("Compute Instance"), None]),
                "availability_zone" => text([Some("us-east-1a"), None]),
                "region" => text([Some("us-east-1"), None]),
                "instance_type" => text([Some("m5.large"), None]),
                "unit" => text([Some("Hrs"), None]),
                "resource_ids" => Arc::new(ids.finish()),
                "resource_count" => Arc::new(Int32Array::from(vec![2, 1])),
                "unblended_cost" => Arc::new(Float64Array::from(vec![u, 0.52])),
                "markup_cost" => Arc::new(Float64Array::from(vec![u * 0.1, 0.52 * 0.1])),
                "tags" => text([Some(r#"{"app":"web"}"#), Some("{}")]),
                "cost_category" => text([Some(r#"{"team":"platform"}"#), Some("{}")]),
                "source_uuid" => text([Some(AWS_SOURCE); 2]),
                _ => arrow::array::new_null_array(
                    AWS_DAILY_SUMMARY
                        .schema()
                        .field_with_name(name)
                        .unwrap()
                        .data_type(),
                    2,
                ),
            }
        })
        .collect();
    let batch = RecordBatch::try_new(AWS_DAILY_SUMMARY.schema(), columns).unwrap();
    let mut w = wd.writer(&AWS_DAILY_SUMMARY).unwrap();
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
    outputs.insert(AWS_DAILY_SUMMARY.name.to_string(), out);
    wd.record_stage(stage::TRANSFORM, record(outputs)).unwrap();
}
