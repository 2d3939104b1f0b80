//! Decoding one koku Parquet object into a canonical [`Dataset`] schema.
//!
//! koku's files vary physically (input-data §3.3, spec §2.4): column order differs between hourly and
//! daily files and between operator versions; text may be `utf8`, `large_utf8` (pandas 3, columns koku
//! adds), `utf8_view` or dictionary-encoded; numerics are usually `DOUBLE` but the same column can be
//! `INT64` in another file; timestamps are `TIMESTAMP(MILLIS)` naive (OCP) or UTC-adjusted, and other
//! writers may use other units; older files simply lack columns added later. Trino's Hive connector
//! (`hive.parquet.use-column-names=true`) copes by matching columns **by name**, reading a missing
//! column as NULL and coercing numerics — so do we, and the transform sees one schema only:
//!
//! * columns are projected by name (exact match first, then ASCII case-insensitive like Trino), so
//!   only the bytes of the needed columns are decoded;
//! * a missing column listed in [`Dataset::optional`] reads as all-NULL; any other missing column is an
//!   error naming the file and the column (a file without, say, `interval_start` is not a koku file of
//!   that report type, and silently reading NULLs would summarise garbage);
//! * a type that cannot mean what the canonical column means (text where a measure is expected, ...)
//!   is an error naming file, column and type — never a lossy parse;
//! * timestamps of any unit and time zone become `Timestamp(ms, None)` holding the UTC wall clock
//!   (Arrow stores instants as UTC epoch values, so dropping the zone keeps the UTC reading);
//! * rows are kept only when `interval_start ∈ [start 00:00, end + 1 day 00:00)`, the filter of
//!   koku's SQL; a NULL `interval_start` fails the comparison and is dropped, as in Trino.
//!
//! Decoding is streaming: [`FileBatches`] yields one normalised batch at a time, so memory is bounded
//! by the batch size and the (already fetched) object, not by the number of rows in the month.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, TimestampMillisecondArray, new_null_array,
};
use arrow::compute::kernels::cmp::{gt_eq, lt};
use arrow::compute::{and, cast, filter_record_batch};
use arrow::datatypes::{DataType, SchemaRef, TimeUnit, TimestampMillisecondType};
use bytes::Bytes;
use koku_common::schema::{ColumnType, Dataset};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::checks::{CheckPlan, Findings};
use crate::error::{ExtractError, Result};

/// Default rows per decoded batch.
pub const DEFAULT_BATCH_SIZE: usize = 32 * 1024;

/// An opened (footer parsed) Parquet object.
pub struct ParquetFile {
    file: String,
    builder: ParquetRecordBatchReaderBuilder<Bytes>,
}

impl ParquetFile {
    /// Parse the footer. `file` is the object's full name, used in every error.
    pub fn open(file: &str, bytes: Bytes) -> Result<ParquetFile> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|source| {
            ExtractError::Parquet {
                file: file.to_string(),
                source,
            }
        })?;
        Ok(ParquetFile {
            file: file.to_string(),
            builder,
        })
    }

    /// Rows in the file (from the footer).
    pub fn num_rows(&self) -> u64 {
        self.builder.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// Stream the file's rows in `dataset`'s canonical schema, keeping only rows whose time column
    /// (OCP `interval_start`, AWS `lineitem_usagestartdate`) lies in `[bounds.0, bounds.1)`
    /// (milliseconds, UTC wall clock), and checking their values ([`crate::checks`]).
    pub fn batches(
        self,
        dataset: &'static Dataset,
        bounds: (i64, i64),
        batch_size: usize,
    ) -> Result<FileBatches> {
        let wanted: Vec<(&'static str, ColumnType)> = dataset.columns.to_vec();
        let time = time_column(dataset)?;
        let filter_at = dataset
            .column_index(time)
            .expect("the time column is a column");
        self.build(
            dataset,
            wanted,
            filter_at,
            bounds,
            batch_size,
            dataset.schema(),
            CheckPlan::for_dataset(dataset),
        )
    }

    /// The smallest value of the time column in `[bounds.0, bounds.1)`, decoding that one column only
    /// (the start-date clamp of spec ocp-daily-summary §1 step 2).
    pub fn min_time(
        self,
        dataset: &'static Dataset,
        bounds: (i64, i64),
        batch_size: usize,
    ) -> Result<Option<i64>> {
        let time = time_column(dataset)?;
        let ty = ColumnType::Timestamp;
        let schema = Arc::new(arrow::datatypes::Schema::new(vec![
            arrow::datatypes::Field::new(time, ty.arrow(), true),
        ]));
        let file = self.file.clone();
        let mut min: Option<i64> = None;
        for batch in self.build(
            dataset,
            vec![(time, ty)],
            0,
            bounds,
            batch_size,
            schema,
            CheckPlan::default(),
        )? {
            let batch = batch?;
            let col = batch
                .column(0)
                .as_primitive_opt::<TimestampMillisecondType>()
                .ok_or_else(|| ExtractError::Usage(format!("{file}: {time} is not a timestamp")))?;
            if let Some(m) = arrow::compute::min(col) {
                min = Some(min.map_or(m, |x: i64| x.min(m)));
            }
        }
        Ok(min)
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        self,
        dataset: &'static Dataset,
        wanted: Vec<(&'static str, ColumnType)>,
        filter_at: usize,
        bounds: (i64, i64),
        batch_size: usize,
        schema: SchemaRef,
        checks: CheckPlan,
    ) -> Result<FileBatches> {
        let file_schema = self.builder.schema().clone();
        // Resolve every wanted column to a field of the file, by name.
        let mut found: Vec<Option<usize>> = Vec::with_capacity(wanted.len());
        for (name, ty) in &wanted {
            let idx = find_field(&file_schema, name);
            match idx {
                Some(i) => {
                    let dt = file_schema.field(i).data_type();
                    if !accepts(*ty, dt) {
                        return Err(ExtractError::IncompatibleType {
                            file: self.file.clone(),
                            column: (*name).to_string(),
                            found: dt.clone(),
                            expected: expected_text(*ty),
                        });
                    }
                }
                None if dataset.is_optional(name) => {}
                None => {
                    return Err(ExtractError::MissingColumn {
                        file: self.file.clone(),
                        dataset: dataset.name,
                        column: name,
                    });
                }
            }
            found.push(idx);
        }
        // The projected batch holds the selected fields in file order.
        let mut selected: Vec<usize> = found.iter().flatten().copied().collect();
        selected.sort_unstable();
        selected.dedup();
        let plan: Vec<ColumnPlan> = wanted
            .iter()
            .zip(&found)
            .map(|((_, ty), idx)| ColumnPlan {
                ty: *ty,
                at: idx.map(|i| selected.binary_search(&i).expect("selected")),
            })
            .collect();
        let mask = ProjectionMask::roots(self.builder.parquet_schema(), selected.iter().copied());
        let reader = self
            .builder
            .with_projection(mask)
            .with_batch_size(batch_size.max(1))
            .build()
            .map_err(|source| ExtractError::Parquet {
                file: self.file.clone(),
                source,
            })?;
        Ok(FileBatches {
            file: self.file,
            reader,
            plan,
            schema,
            filter_at,
            bounds,
            checks,
            findings: Findings::default(),
            rows_read: 0,
        })
    }
}

/// The timestamp a Parquet dataset is windowed on.
fn time_column(dataset: &'static Dataset) -> Result<&'static str> {
    dataset.parquet().map(|p| p.time_column).ok_or_else(|| {
        ExtractError::Usage(format!("dataset {} is not read from Parquet", dataset.name))
    })
}

struct ColumnPlan {
    ty: ColumnType,
    /// Position in the projected batch; `None` = missing optional column (all NULL).
    at: Option<usize>,
}

/// Normalised, filtered batches of one file. Batches whose rows are all filtered out are skipped.
pub struct FileBatches {
    file: String,
    reader: ParquetRecordBatchReader,
    plan: Vec<ColumnPlan>,
    schema: SchemaRef,
    filter_at: usize,
    bounds: (i64, i64),
    checks: CheckPlan,
    findings: Findings,
    /// Rows of the object decoded so far (row numbers in messages are the object's).
    rows_read: u64,
}

impl FileBatches {
    /// The warnings counted in the rows read so far.
    pub fn findings(&self) -> &Findings {
        &self.findings
    }

    fn normalise(&mut self, raw: RecordBatch) -> Result<RecordBatch> {
        let rows = raw.num_rows();
        let columns = self
            .plan
            .iter()
            .map(|p| match p.at {
                Some(i) => to_canonical(raw.column(i), p.ty)
                    .map_err(|e| ExtractError::arrow(&self.file, e)),
                None => Ok(new_null_array(&p.ty.arrow(), rows)),
            })
            .collect::<Result<Vec<_>>>()?;
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| ExtractError::arrow(&self.file, e))?;
        let ts = batch.column(self.filter_at);
        let lo = TimestampMillisecondArray::new_scalar(self.bounds.0);
        let hi = TimestampMillisecondArray::new_scalar(self.bounds.1);
        let keep = and(
            &gt_eq(ts, &lo).map_err(|e| ExtractError::arrow(&self.file, e))?,
            &lt(ts, &hi).map_err(|e| ExtractError::arrow(&self.file, e))?,
        )
        .map_err(|e| ExtractError::arrow(&self.file, e))?;
        let all = keep.true_count() == rows;
        let first_row = self.rows_read;
        self.rows_read += rows as u64;
        self.checks.check(
            &batch,
            (!all).then_some(&keep),
            first_row,
            &self.file,
            &mut self.findings,
        )?;
        if all {
            Ok(batch)
        } else {
            filter_record_batch(&batch, &keep).map_err(|e| ExtractError::arrow(&self.file, e))
        }
    }
}

impl Iterator for FileBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let raw = match self.reader.next()? {
                Ok(b) => b,
                Err(source) => {
                    return Some(Err(ExtractError::Decode {
                        file: self.file.clone(),
                        source,
                    }));
                }
            };
            match self.normalise(raw) {
                Ok(b) if b.num_rows() == 0 => continue,
                other => return Some(other),
            }
        }
    }
}

/// The field of `schema` named `name`: exact match, else the first ASCII case-insensitive match
/// (Trino resolves Parquet columns case-insensitively; koku writes lower-case names).
fn find_field(schema: &SchemaRef, name: &str) -> Option<usize> {
    let fields = schema.fields();
    fields.iter().position(|f| f.name() == name).or_else(|| {
        fields
            .iter()
            .position(|f| f.name().eq_ignore_ascii_case(name))
    })
}

fn is_text(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Whether a file column of type `dt` can be read as a canonical column of type `ty`.
/// `Null` (pyarrow's type for a column of only `None`) is all-NULL and fits anything.
pub fn accepts(ty: ColumnType, dt: &DataType) -> bool {
    if *dt == DataType::Null {
        return true;
    }
    match ty {
        ColumnType::Text => is_text(dt) || matches!(dt, DataType::Dictionary(_, v) if is_text(v)),
        ColumnType::Float => dt.is_numeric(),
        ColumnType::Timestamp => matches!(
            dt,
            DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
        ),
        ColumnType::Date => matches!(
            dt,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
        ),
        ColumnType::Int32 => dt.is_integer(),
        ColumnType::TextList => matches!(
            dt,
            DataType::List(f) | DataType::LargeList(f) if is_text(f.data_type())
        ),
    }
}

fn expected_text(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Text => "a string (utf8, large_utf8, utf8_view or dictionary of strings)",
        ColumnType::Float => "a number (double, float or integer)",
        ColumnType::Timestamp => "a timestamp (any unit, with or without time zone) or a date",
        ColumnType::Date => "a date or timestamp",
        ColumnType::Int32 => "an integer",
        ColumnType::TextList => "a list of strings",
    }
}

/// Convert an accepted column to the canonical Arrow type.
pub fn to_canonical(col: &ArrayRef, ty: ColumnType) -> Result<ArrayRef, arrow::error::ArrowError> {
    let target = ty.arrow();
    let dt = col.data_type();
    if *dt == target {
        return Ok(col.clone());
    }
    if *dt == DataType::Null {
        return Ok(new_null_array(&target, col.len()));
    }
    match (ty, dt) {
        // Change the unit first (keeping the zone, so no wall-clock adjustment happens), then drop the
        // zone: the stored values are UTC instants, which is the UTC wall clock we want.
        (ColumnType::Timestamp, DataType::Timestamp(_, tz)) => {
            let ms = cast(col, &DataType::Timestamp(TimeUnit::Millisecond, tz.clone()))?;
            let naive = ms
                .as_primitive::<TimestampMillisecondType>()
                .clone()
                .with_timezone_opt(None::<String>);
            Ok(Arc::new(naive))
        }
        _ => cast(col, &target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        DictionaryArray, Float64Array, Int32Array, Int64Array, LargeStringArray, StringArray,
        StringViewArray, TimestampMicrosecondArray, TimestampNanosecondArray, TimestampSecondArray,
    };
    use arrow::datatypes::Int32Type;

    #[test]
    fn text_variants_become_utf8() {
        let want: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("b")]));
        let large: ArrayRef = Arc::new(LargeStringArray::from(vec![Some("a"), None, Some("b")]));
        let view: ArrayRef = Arc::new(StringViewArray::from(vec![Some("a"), None, Some("b")]));
        let dict: ArrayRef = Arc::new(
            vec![Some("a"), None, Some("b")]
                .into_iter()
                .collect::<DictionaryArray<Int32Type>>(),
        );
        for a in [&large, &view, &dict, &want] {
            assert!(
                accepts(ColumnType::Text, a.data_type()),
                "{}",
                a.data_type()
            );
            assert_eq!(&to_canonical(a, ColumnType::Text).unwrap(), &want);
        }
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        assert!(!accepts(ColumnType::Text, ints.data_type()));
    }

    #[test]
    fn numbers_become_float64_and_strings_are_refused() {
        let i: ArrayRef = Arc::new(Int64Array::from(vec![Some(3), None]));
        let out = to_canonical(&i, ColumnType::Float).unwrap();
        assert_eq!(
            out.as_primitive::<arrow::datatypes::Float64Type>(),
            &Float64Array::from(vec![Some(3.0), None])
        );
        assert!(!accepts(ColumnType::Float, &DataType::Utf8));
        assert!(!accepts(
            ColumnType::Float,
            &DataType::Timestamp(TimeUnit::Millisecond, None)
        ));
        assert!(accepts(ColumnType::Float, &DataType::Float32));
        assert!(accepts(ColumnType::Float, &DataType::Null));
    }

    #[test]
    fn timestamps_of_any_unit_and_zone_become_naive_ms_utc() {
        // 2025-10-01 01:02:03.004 UTC
        let ms: i64 = 1_759_280_523_004;
        let want: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![Some(ms), None]));
        let cases: Vec<ArrayRef> = vec![
            Arc::new(TimestampMillisecondArray::from(vec![Some(ms), None]).with_timezone("UTC")),
            Arc::new(TimestampMillisecondArray::from(vec![Some(ms), None]).with_timezone("+02:00")),
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(ms * 1000 + 7),
                None,
            ])),
            Arc::new(
                TimestampNanosecondArray::from(vec![Some(ms * 1_000_000 + 5), None])
                    .with_timezone("America/New_York"),
            ),
        ];
        for c in &cases {
            assert_eq!(
                &to_canonical(c, ColumnType::Timestamp).unwrap(),
                &want,
                "{}",
                c.data_type()
            );
        }
        let secs: ArrayRef = Arc::new(TimestampSecondArray::from(vec![Some(ms / 1000)]));
        let out = to_canonical(&secs, ColumnType::Timestamp).unwrap();
        assert_eq!(
            out.as_primitive::<TimestampMillisecondType>().value(0),
            ms / 1000 * 1000
        );
        assert!(!accepts(ColumnType::Timestamp, &DataType::Utf8));
    }
}
