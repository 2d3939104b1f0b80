//! Our rows: a work dir after `koku-transform` (the file checked against `run.json`) or one of its
//! `.arrow` files (dataset and schema checked; the run comes from the file's metadata).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Date32Type, Float64Type, Int32Type, Int64Type, Schema};
use arrow::error::ArrowError;
use arrow::ipc::reader::FileReader;
use chrono::NaiveDate;
use koku_common::schema::SCHEMA_VERSION;
use koku_common::workdir::{DatasetReader, WorkDir, meta, sha256_file, stage};

use crate::definition::TableDef;
use crate::error::{CompareError, Result};
use crate::scope::RunInfo;
use crate::table::Table;
use crate::tables;
use crate::value::{Kind, Value};

/// The known tables OURS may hold: for a work dir, those its transform wrote (before the transform,
/// those of its flow); for a file, the dataset its metadata names (else its file name).
pub fn tables_in(path: &Path) -> Result<Vec<&'static TableDef>> {
    if path.is_dir() {
        let wd = WorkDir::open(path)?;
        if let Some(t) = wd.stage(stage::TRANSFORM) {
            let written: Vec<&'static TableDef> = tables::ALL
                .iter()
                .copied()
                .filter(|d| t.outputs.contains_key(d.name))
                .collect();
            if !written.is_empty() {
                return Ok(written);
            }
        }
        return Ok(tables::for_flow(&wd.identity().flow));
    }
    let reader = open_file(path)?;
    let named = reader.schema().metadata().get(meta::DATASET).cloned();
    let stem = path.file_stem().and_then(|s| s.to_str());
    Ok(named
        .as_deref()
        .and_then(|n| tables::ALL.iter().copied().find(|d| d.name == n))
        .or_else(|| stem.and_then(tables::by_name))
        .into_iter()
        .collect())
}

fn open_file(path: &Path) -> Result<FileReader<BufReader<File>>> {
    let f = File::open(path).map_err(|e| CompareError::Io {
        path: path.to_path_buf(),
        error: e,
    })?;
    Ok(FileReader::try_new(BufReader::new(f), None)
        .map_err(|e| koku_common::Error::arrow(path, e))?)
}

/// Read `def`'s rows from a work dir or an `.arrow` file.
pub fn read_ipc(def: &'static TableDef, path: &Path) -> Result<(Table, RunInfo)> {
    if path.is_dir() {
        let wd = WorkDir::open(path)?;
        let id = wd.identity();
        wd.require_stage(
            stage::TRANSFORM,
            &format!(
                "; run `koku-transform {} {}` first",
                id.flow,
                path.display()
            ),
        )?;
        let info = RunInfo::of_run(id, def.scope.period.map(|(_, v)| v));
        let table = match def.dataset() {
            Some(ds) => {
                let reader = wd.reader(stage::TRANSFORM, ds)?;
                let file = reader.path().to_path_buf();
                read_batches(def, &file, &ds.schema(), reader)?
            }
            None => {
                // No canonical schema to check the file against yet: checksum, dataset and run only.
                let record = wd
                    .stage(stage::TRANSFORM)
                    .and_then(|s| s.outputs.get(def.name))
                    .ok_or_else(|| koku_common::Error::MissingDataset {
                        path: path.join(koku_common::workdir::RUN_FILE),
                        dataset: def.name.to_string(),
                        stage: stage::TRANSFORM.to_string(),
                    })?;
                let file = path.join(&record.file);
                let actual = sha256_file(&file)?;
                if actual != record.sha256 {
                    return Err(koku_common::Error::ChecksumMismatch {
                        path: file,
                        expected: record.sha256.clone(),
                        actual,
                    }
                    .into());
                }
                let reader = open_file(&file)?;
                check_metadata(def, &file, &reader, Some(&wd.run().run_id))?;
                let schema = reader.schema();
                read_batches(def, &file, &schema, reader)?
            }
        };
        let mut table = table;
        table.from_pipeline = true;
        Ok((table, info))
    } else {
        let reader = open_file(path)?;
        let md = reader.schema().metadata().clone();
        let date = |k: &str| md.get(k).and_then(|v| v.parse::<NaiveDate>().ok());
        let info = RunInfo {
            schema: md.get(meta::TENANT_SCHEMA).cloned(),
            source_uuid: md.get(meta::SOURCE_UUID).cloned(),
            period_id: None,
            start_date: date(meta::START_DATE),
            end_date: date(meta::END_DATE),
        };
        let mut table = match def.dataset() {
            Some(ds) => {
                let reader = DatasetReader::open(path, ds, None)?;
                read_batches(def, path, &ds.schema(), reader)?
            }
            None => {
                check_metadata(def, path, &reader, None)?;
                let schema = reader.schema();
                read_batches(def, path, &schema, reader)?
            }
        };
        table.from_pipeline = true;
        Ok((table, info))
    }
}

/// The checks of [`DatasetReader::open`] that need no canonical schema.
fn check_metadata(
    def: &TableDef,
    path: &Path,
    reader: &FileReader<BufReader<File>>,
    run_id: Option<&str>,
) -> Result<()> {
    let schema = reader.schema();
    let get = |k: &str| schema.metadata().get(k).map(String::as_str);
    let foreign = |reason: String| koku_common::Error::ForeignWorkDir {
        path: path.to_path_buf(),
        reason,
    };
    if get(meta::DATASET) != Some(def.name) {
        return Err(foreign(format!(
            "holds dataset {:?}, expected {:?}",
            get(meta::DATASET).unwrap_or("(none)"),
            def.name
        ))
        .into());
    }
    if get(meta::SCHEMA_VERSION) != Some(SCHEMA_VERSION) {
        return Err(koku_common::Error::StaleWorkDir {
            path: path.to_path_buf(),
            reason: format!(
                "schema version {:?}, this tool uses {SCHEMA_VERSION:?}",
                get(meta::SCHEMA_VERSION).unwrap_or("(none)")
            ),
        }
        .into());
    }
    if let Some(expected) = run_id
        && get(meta::RUN_ID) != Some(expected)
    {
        return Err(foreign(format!(
            "written by run {:?}, but run.json describes run {expected:?}",
            get(meta::RUN_ID).unwrap_or("(none)")
        ))
        .into());
    }
    Ok(())
}

/// The batches of one file as a [`Table`]: the table's columns the file has, in the table's order.
fn read_batches(
    def: &TableDef,
    path: &Path,
    schema: &Schema,
    batches: impl Iterator<Item = std::result::Result<RecordBatch, ArrowError>>,
) -> Result<Table> {
    let columns: Vec<String> = def
        .compared_columns()
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| schema.field_with_name(n).is_ok())
        .map(String::from)
        .collect();
    let mut table = Table::new(path.display().to_string(), columns);
    table.skipped_columns = schema
        .fields()
        .iter()
        .map(|f| f.name())
        .filter(|n| def.column_kind(n).is_none())
        .cloned()
        .collect();
    for batch in batches {
        let batch = batch.map_err(|e| koku_common::Error::arrow(path, e))?;
        append_batch(def, &mut table, &batch)?;
    }
    Ok(table)
}

/// Append the rows of a record batch (columns by name; columns `def` does not read are skipped,
/// columns the table has that the batch lacks read as NULL).
pub fn append_batch(def: &TableDef, table: &mut Table, batch: &RecordBatch) -> Result<()> {
    let first = table.rows.len();
    let mut rows: Vec<Vec<Value>> = vec![vec![Value::Null; table.columns.len()]; batch.num_rows()];
    for (ci, name) in table.columns.iter().enumerate() {
        let Some(kind) = def.column_kind(name) else {
            continue;
        };
        let Some(array) = batch.column_by_name(name) else {
            continue;
        };
        let column = Column {
            label: &table.label,
            name,
            kind,
            first,
        };
        column.read(array, &mut rows, ci)?;
    }
    table.rows.extend(rows);
    Ok(())
}

/// One column of a batch being read, for error messages.
struct Column<'a> {
    label: &'a str,
    name: &'a str,
    kind: Kind,
    /// Rows read before this batch.
    first: usize,
}

impl Column<'_> {
    fn bad(&self, r: usize, v: &str, reason: String) -> CompareError {
        CompareError::Value {
            input: self.label.to_string(),
            row: format!("row {}", self.first + r + 1),
            column: self.name.to_string(),
            value: v.chars().take(80).collect(),
            kind: self.kind,
            reason,
        }
    }

    fn unsupported(&self, ty: &DataType) -> CompareError {
        CompareError::Input {
            input: self.label.to_string(),
            reason: format!("column {} has unsupported type {ty}", self.name),
        }
    }

    /// Fill column `ci` of `rows` from `array`.
    fn read(&self, array: &ArrayRef, rows: &mut [Vec<Value>], ci: usize) -> Result<()> {
        let valid = |r: usize| array.is_valid(r);
        match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => {
                let text = |r: usize| match array.data_type() {
                    DataType::Utf8 => array.as_string::<i32>().value(r),
                    _ => array.as_string::<i64>().value(r),
                };
                for (r, row) in rows.iter_mut().enumerate().filter(|(r, _)| valid(*r)) {
                    let t = text(r);
                    row[ci] = Value::parse(self.kind, t).map_err(|e| self.bad(r, t, e))?;
                }
            }
            DataType::Float64 => {
                let a = array.as_primitive::<Float64Type>();
                for (r, row) in rows.iter_mut().enumerate().filter(|(r, _)| valid(*r)) {
                    row[ci] = Value::Float(a.value(r));
                }
            }
            DataType::Int32 => {
                let a = array.as_primitive::<Int32Type>();
                for (r, row) in rows.iter_mut().enumerate().filter(|(r, _)| valid(*r)) {
                    row[ci] = Value::Int(a.value(r) as i64);
                }
            }
            DataType::Int64 => {
                let a = array.as_primitive::<Int64Type>();
                for (r, row) in rows.iter_mut().enumerate().filter(|(r, _)| valid(*r)) {
                    row[ci] = Value::Int(a.value(r));
                }
            }
            DataType::Date32 => {
                let a = array.as_primitive::<Date32Type>();
                for (r, row) in rows.iter_mut().enumerate().filter(|(r, _)| valid(*r)) {
                    let days = a.value(r);
                    let d = arrow::temporal_conversions::date32_to_datetime(days)
                        .map(|dt| dt.date())
                        .ok_or_else(|| self.bad(r, &days.to_string(), "out of range".into()))?;
                    row[ci] = Value::Date(d);
                }
            }
            DataType::List(_) | DataType::LargeList(_) if self.kind == Kind::TextSet => {
                for (r, row) in rows.iter_mut().enumerate().filter(|(r, _)| valid(*r)) {
                    let items = match array.data_type() {
                        DataType::List(_) => array.as_list::<i32>().value(r),
                        _ => array.as_list::<i64>().value(r),
                    };
                    let texts: Vec<Option<String>> = match items.data_type() {
                        DataType::Utf8 => items
                            .as_string::<i32>()
                            .iter()
                            .map(|s| s.map(String::from))
                            .collect(),
                        DataType::LargeUtf8 => items
                            .as_string::<i64>()
                            .iter()
                            .map(|s| s.map(String::from))
                            .collect(),
                        _ => return Err(self.unsupported(array.data_type())),
                    };
                    row[ci] = Value::text_set(texts);
                }
            }
            other => return Err(self.unsupported(other)),
        }
        Ok(())
    }
}
