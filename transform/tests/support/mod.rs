//! Helpers shared by the transform's test files (each test file is its own crate, so not every helper
//! is used by every file).
#![allow(dead_code)]

use std::sync::Arc;

use arrow::array::{Float64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use koku_common::schema::POD_USAGE_HOURLY;

pub const GIB: f64 = 1_073_741_824.0;
/// 2025-10-01 00:00 UTC in milliseconds.
pub const OCT1_MS: i64 = 1_759_276_800_000;

pub fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

/// Hourly pod rows `(interval_start ms, node, cpu core-seconds, memory byte-seconds)` as a batch.
pub fn hourly_batch(rows: &[(i64, &str, f64, f64)]) -> RecordBatch {
    RecordBatch::try_new(
        POD_USAGE_HOURLY.schema(),
        vec![
            Arc::new(TimestampMillisecondArray::from(
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap()
}
