//! Days, and reading a daily dataset of the work dir one day at a time.
//!
//! koku's summaries are keyed by day: OCP's by `date(interval_start)` (except its window-wide
//! cluster-information queries, which a flow folds in a first pass), AWS's by
//! `date(lineitem_usagestartdate)`. So a flow needs one day of rows at a time, and the day's key
//! column is a parameter here. The work dir's IPC files are not guaranteed to be sorted by day
//! (extract writes Parquet files in listing order, and one Parquet file may hold several days), so a
//! first pass records each batch's days ([`DayIndex`]); the second pass ([`DayStream`]) reads the
//! batches in file order and hands out a day's batches once the last batch holding any of its rows
//! has been read; the day's rows are then decoded from them ([`rows_of`], with the flow's decoder),
//! borrowing their text. On files in day order (koku writes one file per day and partition) every
//! batch is read and decoded once and about one day of batches is in memory; on unsorted files the
//! result is the same, a batch of several days is decoded once per day it holds, and more batches
//! wait in memory.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, RecordBatch};
use koku_common::schema::{Columns, Dataset};
use koku_common::workdir::DatasetReader;

use crate::error::TransformError;

/// A calendar day as days since 1970-01-01 (Arrow `Date32`).
pub type Day = i32;

const MS_PER_DAY: i64 = 86_400_000;

/// `date(ts)` of a millisecond UTC timestamp.
pub fn day_of(ms: i64) -> Day {
    ms.div_euclid(MS_PER_DAY) as Day
}

/// The calendar date of a [`Day`], for messages.
pub fn date_of(day: Day) -> chrono::NaiveDate {
    chrono::NaiveDate::from_num_days_from_ce_opt(day + 719_163).unwrap_or_default()
}

/// The rows of one batch: where they start in the dataset, and which (indexed) days they hold.
#[derive(Debug, Clone, Default)]
struct BatchDays {
    first_row: usize,
    days: BTreeSet<Day>,
    /// Some rows are of no indexed day (outside the index's days, or without a timestamp).
    other_rows: bool,
}

/// Which days each batch of a daily dataset holds (the first pass).
#[derive(Debug)]
pub struct DayIndex {
    dataset: &'static Dataset,
    /// The timestamp column whose date is a row's day.
    day_column: &'static str,
    /// Only these days are indexed, and a NULL timestamp is skipped rather than refused
    /// ([`DayIndex::within`]).
    only: Option<(Day, Day)>,
    batches: Vec<BatchDays>,
    rows: usize,
}

impl DayIndex {
    /// An index of `dataset`, whose rows' day is the date of their `day_column` timestamp (OCP:
    /// `interval_start`; AWS: `lineitem_usagestartdate`).
    pub fn new(dataset: &'static Dataset, day_column: &'static str) -> Self {
        DayIndex {
            dataset,
            day_column,
            only: None,
            batches: Vec::new(),
            rows: 0,
        }
    }

    /// An index of the rows of `dataset` whose day lies in `[first, last]`, for a dataset that holds
    /// more than the window (AWS: the whole month partition, which koku's SQL filters on the row
    /// timestamp). Rows of other days and rows without a timestamp are not indexed: a SQL range
    /// filter never selects a NULL.
    pub fn within(
        dataset: &'static Dataset,
        day_column: &'static str,
        first: Day,
        last: Day,
    ) -> Self {
        DayIndex {
            only: Some((first, last)),
            ..DayIndex::new(dataset, day_column)
        }
    }

    /// Index the next batch of the file. Without a window ([`DayIndex::new`]) a NULL day column is an
    /// input error (the row has no day).
    pub fn add_batch(&mut self, batch: &RecordBatch) -> Result<(), TransformError> {
        let ts = Columns::new(self.dataset, batch).timestamp(self.day_column);
        let mut days = BTreeSet::new();
        let mut other_rows = false;
        let mut last = None;
        for i in 0..batch.num_rows() {
            if ts.is_null(i) {
                if self.only.is_some() {
                    other_rows = true;
                    continue;
                }
                return Err(TransformError::input(
                    self.dataset,
                    self.rows + i,
                    self.day_column,
                    "is NULL",
                ));
            }
            let d = day_of(ts.value(i));
            if self.only.is_some_and(|(first, last)| d < first || d > last) {
                other_rows = true;
                continue;
            }
            // Rows of a batch mostly share a day: skip the set insert while the day repeats.
            if last != Some(d) {
                days.insert(d);
                last = Some(d);
            }
        }
        self.batches.push(BatchDays {
            first_row: self.rows,
            days,
            other_rows,
        });
        self.rows += batch.num_rows();
        Ok(())
    }

    /// Every day that has rows.
    pub fn days(&self) -> BTreeSet<Day> {
        self.batches
            .iter()
            .flat_map(|b| b.days.iter().copied())
            .collect()
    }
}

/// A batch holding rows of the day it was handed out for.
#[derive(Debug, Clone)]
pub struct DayBatch {
    pub batch: RecordBatch,
    /// The dataset row number of the batch's first row.
    pub first_row: usize,
    /// Whether the batch holds only this day's rows (else the day's rows must be picked out).
    pub whole: bool,
}

/// A flow's decoder of one batch: given the dataset, the batch, the dataset row number of its first
/// row and `Some(day)` (only that day's rows) or `None` (all), it appends the rows to the vector.
pub type Decode<'a, T> = fn(
    &'static Dataset,
    &'a RecordBatch,
    usize,
    Option<Day>,
    &mut Vec<T>,
) -> Result<(), TransformError>;

/// Decode the rows of `day` from its batches. The rows borrow the batches' text.
pub fn rows_of<'a, T>(
    dataset: &'static Dataset,
    batches: &'a [DayBatch],
    day: Day,
    decode: Decode<'a, T>,
) -> Result<Vec<T>, TransformError> {
    let mut rows = Vec::with_capacity(batches.iter().map(|b| b.batch.num_rows()).sum());
    for b in batches {
        let only = (!b.whole).then_some(day);
        decode(dataset, &b.batch, b.first_row, only, &mut rows)?;
    }
    Ok(rows)
}

/// Hands out the batches of a daily dataset day by day (the second pass).
pub struct DayStream {
    reader: DatasetReader,
    dataset: &'static Dataset,
    batches: Vec<BatchDays>,
    /// Per day, the index of the last batch holding one of its rows.
    last_batch: BTreeMap<Day, usize>,
    next_batch: usize,
    pending: BTreeMap<Day, Vec<DayBatch>>,
}

impl DayStream {
    /// `reader` must be positioned at the first batch of the file `index` was built from.
    pub fn new(reader: DatasetReader, index: DayIndex) -> Self {
        let mut last_batch = BTreeMap::new();
        for (i, b) in index.batches.iter().enumerate() {
            for d in &b.days {
                last_batch.insert(*d, i);
            }
        }
        DayStream {
            reader,
            dataset: index.dataset,
            batches: index.batches,
            last_batch,
            next_batch: 0,
            pending: BTreeMap::new(),
        }
    }

    /// The batches holding rows of `day`, in file order (none when it has no rows). Days must be
    /// taken in ascending order: the batches of a day already taken are not kept.
    pub fn take(&mut self, day: Day) -> Result<Vec<DayBatch>, TransformError> {
        if let Some(&last) = self.last_batch.get(&day) {
            while self.next_batch <= last {
                self.read_next()?;
            }
        }
        Ok(self.pending.remove(&day).unwrap_or_default())
    }

    fn read_next(&mut self) -> Result<(), TransformError> {
        let i = self.next_batch;
        let path = self.reader.path().display().to_string();
        let batch = match self.reader.next() {
            Some(b) => b.map_err(|e| TransformError::Arrow { path, source: e })?,
            None => {
                return Err(TransformError::Arrow {
                    path,
                    source: arrow::error::ArrowError::IpcError(format!(
                        "batch {i} of {} is missing on the second read",
                        self.dataset.name
                    )),
                });
            }
        };
        let meta = &self.batches[i];
        for d in &meta.days {
            self.pending.entry(*d).or_default().push(DayBatch {
                batch: batch.clone(),
                first_row: meta.first_row,
                whole: meta.days.len() == 1 && !meta.other_rows,
            });
        }
        self.next_batch += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, StringArray, TimestampMillisecondArray, new_null_array};
    use chrono::NaiveDate;
    use koku_common::schema::POD_USAGE_DAILY;
    use koku_common::workdir::{RunIdentity, WorkDir};
    use std::sync::Arc;

    const DAY_MS: i64 = 86_400_000;

    /// A decoder as a flow writes one: each row's `pod` text with its dataset row number.
    fn pods_into<'a>(
        dataset: &'static Dataset,
        b: &'a RecordBatch,
        row: usize,
        only: Option<Day>,
        out: &mut Vec<(usize, &'a str)>,
    ) -> Result<(), TransformError> {
        let c = Columns::new(dataset, b);
        let (ts, pod) = (c.timestamp("interval_start"), c.text("pod"));
        for i in 0..b.num_rows() {
            if only.is_none_or(|d| d == day_of(ts.value(i))) {
                out.push((row + i, pod.value(i)));
            }
        }
        Ok(())
    }

    /// A daily pod batch with one row per (day, pod); every other column NULL.
    fn batch(rows: &[(i64, &str)]) -> RecordBatch {
        let schema = POD_USAGE_DAILY.schema();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| -> ArrayRef {
                match f.name().as_str() {
                    "interval_start" => Arc::new(TimestampMillisecondArray::from(
                        rows.iter().map(|(d, _)| d * DAY_MS).collect::<Vec<_>>(),
                    )),
                    "pod" => Arc::new(StringArray::from(
                        rows.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
                    )),
                    _ => new_null_array(f.data_type(), rows.len()),
                }
            })
            .collect();
        RecordBatch::try_new(schema, columns).unwrap()
    }

    #[test]
    fn days_come_out_whole_and_in_file_order_from_unsorted_batches() {
        let dir = tempfile::tempdir().unwrap();
        let d = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
        let wd = WorkDir::create(
            dir.path(),
            RunIdentity {
                flow: "ocp".into(),
                schema: "org1".into(),
                source_uuid: "s".into(),
                cluster_id: Some("c".into()),
                cluster_alias: None,
                year: "2025".into(),
                month: "10".into(),
                start_date: d,
                end_date: d,
                requested_start_date: d,
                report_period_id: Some(1),
                bill_id: None,
                ocp_cluster_ids: None,
            },
        )
        .unwrap();
        let batches = [
            batch(&[(2, "a"), (2, "b")]),
            batch(&[(1, "c"), (3, "d"), (1, "e")]),
            batch(&[]),
            batch(&[(1, "f")]),
            batch(&[(3, "g")]),
        ];
        let mut w = wd.writer(&POD_USAGE_DAILY).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
        let path = dir.path().join(POD_USAGE_DAILY.file_name());
        let mut reader = DatasetReader::open(&path, &POD_USAGE_DAILY, None).unwrap();
        let mut index = DayIndex::new(&POD_USAGE_DAILY, "interval_start");
        for b in reader.by_ref() {
            index.add_batch(&b.unwrap()).unwrap();
        }
        assert_eq!(index.days().into_iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        reader.rewind().unwrap();
        let mut stream = DayStream::new(reader, index);
        let mut take = |day: Day| -> Vec<(usize, String)> {
            let batches = stream.take(day).unwrap();
            rows_of(&POD_USAGE_DAILY, &batches, day, pods_into)
                .unwrap()
                .into_iter()
                .map(|(row, pod)| (row, pod.to_string()))
                .collect()
        };
        let s = |v: &[(usize, &str)]| -> Vec<(usize, String)> {
            v.iter().map(|(r, p)| (*r, p.to_string())).collect()
        };
        assert_eq!(take(0), s(&[]), "a day without rows");
        assert_eq!(
            take(1),
            s(&[(2, "c"), (4, "e"), (5, "f")]),
            "day 1 waits for the fourth batch; rows keep file order and dataset row numbers"
        );
        assert_eq!(take(2), s(&[(0, "a"), (1, "b")]));
        assert_eq!(take(3), s(&[(3, "d"), (6, "g")]));
    }

    #[test]
    fn a_windowed_index_skips_other_days_and_null_timestamps() {
        // Day 2 of [2, 3] shares its batch with day 1 and a NULL: not whole, so its rows are picked.
        let mut mixed = batch(&[(1, "a"), (2, "b"), (2, "c")]);
        let mut cols = mixed.columns().to_vec();
        cols[mixed.schema().index_of("interval_start").unwrap()] =
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(DAY_MS),
                Some(2 * DAY_MS),
                None,
            ]));
        mixed = RecordBatch::try_new(mixed.schema(), cols).unwrap();
        let mut index = DayIndex::within(&POD_USAGE_DAILY, "interval_start", 2, 3);
        index.add_batch(&mixed).unwrap();
        index.add_batch(&batch(&[(3, "d")])).unwrap();
        index.add_batch(&batch(&[(4, "e"), (1, "f")])).unwrap();
        assert_eq!(index.days().into_iter().collect::<Vec<_>>(), vec![2, 3]);
        assert!(!index.batches[0].days.is_empty() && index.batches[0].other_rows);
        assert!(!index.batches[1].other_rows);
        assert!(index.batches[2].days.is_empty());
    }

    #[test]
    fn a_null_day_is_an_input_error_with_its_row() {
        let mut b = batch(&[(1, "a"), (1, "b")]);
        let mut cols = b.columns().to_vec();
        let i = b.schema().index_of("interval_start").unwrap();
        cols[i] = Arc::new(TimestampMillisecondArray::from(vec![Some(DAY_MS), None]));
        b = RecordBatch::try_new(b.schema(), cols).unwrap();
        let mut index = DayIndex::new(&POD_USAGE_DAILY, "interval_start");
        index.add_batch(&batch(&[(1, "x")])).unwrap();
        let err = index.add_batch(&b).unwrap_err().to_string();
        assert_eq!(
            err,
            "openshift_pod_usage_line_items_daily, row 2, column interval_start: is NULL"
        );
    }

    #[test]
    fn the_day_is_the_date_of_the_named_column() {
        // `interval_start` NULL, days 4 and 5 in `report_period_start`: indexed by the column named.
        let b = batch(&[(1, "a"), (1, "b")]);
        let mut cols = b.columns().to_vec();
        cols[b.schema().index_of("interval_start").unwrap()] =
            Arc::new(TimestampMillisecondArray::from(vec![None::<i64>, None]));
        cols[b.schema().index_of("report_period_start").unwrap()] =
            Arc::new(TimestampMillisecondArray::from(vec![
                4 * DAY_MS,
                5 * DAY_MS + 1,
            ]));
        let b = RecordBatch::try_new(b.schema(), cols).unwrap();
        let mut index = DayIndex::new(&POD_USAGE_DAILY, "report_period_start");
        index.add_batch(&b).unwrap();
        assert_eq!(index.days().into_iter().collect::<Vec<_>>(), vec![4, 5]);
        let err = DayIndex::new(&POD_USAGE_DAILY, "interval_start")
            .add_batch(&b)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("row 0, column interval_start: is NULL"),
            "{err}"
        );
    }
}
