//! Rows → Arrow batches of a dataset, column by column by name: each output row type says, per
//! dataset column, how to read its value ([`Cell`]), and the batch is built in the dataset's column
//! order and types — so the UI tables, which share most columns, share one row type.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
use koku_common::schema::{ColumnType, Dataset};

use crate::core::days::Day;

/// One value of an output row.
pub enum Cell<'a> {
    Text(Option<&'a str>),
    Float(Option<f64>),
    Int(Option<i32>),
    Date(Day),
}

/// How a row type gives the value of each of a dataset's columns.
pub trait OutputRow {
    /// The value of `column` (a column of the dataset being written); panics on a column the row
    /// type does not have (a bug: the datasets are fixed).
    fn cell(&self, column: &str) -> Cell<'_>;
}

/// The batch of `dataset` holding `rows`.
pub fn batch<R: OutputRow>(dataset: &'static Dataset, rows: &[R]) -> RecordBatch {
    let columns: Vec<ArrayRef> = dataset
        .columns
        .iter()
        .map(|(name, ty)| -> ArrayRef {
            match ty {
                ColumnType::Text => Arc::new(
                    rows.iter()
                        .map(|r| match r.cell(name) {
                            Cell::Text(t) => t,
                            _ => panic!("{}.{name} is text", dataset.name),
                        })
                        .collect::<StringArray>(),
                ),
                ColumnType::Float => Arc::new(
                    rows.iter()
                        .map(|r| match r.cell(name) {
                            Cell::Float(f) => f,
                            _ => panic!("{}.{name} is a float", dataset.name),
                        })
                        .collect::<Float64Array>(),
                ),
                ColumnType::Int32 => Arc::new(
                    rows.iter()
                        .map(|r| match r.cell(name) {
                            Cell::Int(i) => i,
                            _ => panic!("{}.{name} is an integer", dataset.name),
                        })
                        .collect::<Int32Array>(),
                ),
                ColumnType::Date => Arc::new(
                    rows.iter()
                        .map(|r| match r.cell(name) {
                            Cell::Date(d) => Some(d),
                            _ => panic!("{}.{name} is a date", dataset.name),
                        })
                        .collect::<Date32Array>(),
                ),
                other => panic!("{}.{name}: no output of type {other:?}", dataset.name),
            }
        })
        .collect();
    RecordBatch::try_new(dataset.schema(), columns).expect("columns follow the dataset schema")
}
