//! One batch of CUR rows as koku writes it: the hourly Parquet batch and its daily roll-up
//! (koku's `AWSPostProcessor._generate_daily_data`, input-data §4.7, §5): group by the 19 keys (the
//! usage start floored to the day), sum / max the measures, max the text aggregates, sort by the keys
//! (pandas `groupby(sort=True)`), add a `row_uuid`.
//!
//! Every line template has a unique daily key ([`super::fleet::Fleet::rank`]), so grouping is by line
//! template and sorting is by its precomputed rank.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringBuilder, TimestampMillisecondArray};
use arrow::datatypes::Schema;
use chrono::{Datelike, NaiveDate};

use super::columns::{
    DAILY_AGGS, DAILY_KEY, DailyAgg, N_MEASURES, N_TEXT, SUMMED, Source, daily_fields,
    hourly_columns, hourly_fields,
};
use super::fleet::{DayPlan, Fleet, T_ROW_UUID};
use crate::rng::hash;
use crate::tables::HOUR_MS;

/// The fixed timestamps and interval texts of one day.
#[derive(Debug, Clone)]
pub struct DayFrame {
    pub date: NaiveDate,
    pub day_ms: i64,
    pub bill_start_ms: i64,
    pub bill_end_ms: i64,
    /// `identity/TimeInterval` of each hour, then of the whole day (daily lines).
    pub intervals: Vec<String>,
}

impl DayFrame {
    pub fn new(date: NaiveDate) -> Self {
        let (first, next) = crate::month_bounds(date);
        let iso = |d: NaiveDate, h: u32| {
            let t = d.and_hms_opt(0, 0, 0).expect("midnight") + chrono::Duration::hours(h as i64);
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        };
        let mut intervals: Vec<String> = (0..24)
            .map(|h| format!("{}/{}", iso(date, h), iso(date, h + 1)))
            .collect();
        intervals.push(format!("{}/{}", iso(date, 0), iso(date, 24)));
        DayFrame {
            date,
            day_ms: crate::day_ms(date),
            bill_start_ms: crate::day_ms(first),
            bill_end_ms: crate::day_ms(next),
            intervals,
        }
    }
}

struct Agg {
    line: u32,
    v: [f64; N_MEASURES],
}

/// Rows of one CUR batch being generated.
pub struct CurBatch<'a> {
    fleet: &'a Fleet,
    plan: &'a DayPlan,
    frame: &'a DayFrame,
    text: Vec<StringBuilder>,
    interval: StringBuilder,
    start: Vec<i64>,
    end: Vec<i64>,
    measures: [Vec<f64>; N_MEASURES],
    /// Line → index + 1 of its aggregate in `aggs` (0: none yet).
    slot: Vec<u32>,
    aggs: Vec<Agg>,
}

fn ts(values: Vec<i64>) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from(values).with_timezone("UTC"))
}

impl<'a> CurBatch<'a> {
    pub fn new(fleet: &'a Fleet, plan: &'a DayPlan, frame: &'a DayFrame, rows: usize) -> Self {
        CurBatch {
            fleet,
            plan,
            frame,
            text: (0..N_TEXT)
                .map(|_| StringBuilder::with_capacity(rows, rows * 16))
                .collect(),
            interval: StringBuilder::with_capacity(rows, rows * 41),
            start: Vec::with_capacity(rows),
            end: Vec::with_capacity(rows),
            measures: std::array::from_fn(|_| Vec::with_capacity(rows)),
            slot: vec![0; fleet.lines.len()],
            aggs: Vec::new(),
        }
    }

    /// Append the row at position `p` of the day ([`DayPlan::at`]).
    pub fn push(&mut self, p: u64) {
        let f = self.fleet;
        let (li, hour, amount) = self.plan.at(p);
        let line = &f.lines[li as usize];
        let (start, end, interval) = match hour {
            Some(h) => (
                self.frame.day_ms + h as i64 * HOUR_MS,
                self.frame.day_ms + (h as i64 + 1) * HOUR_MS,
                &self.frame.intervals[h as usize],
            ),
            None => (
                self.frame.day_ms,
                self.frame.day_ms + 24 * HOUR_MS,
                &self.frame.intervals[24],
            ),
        };
        let u = line.usage_at(
            f.seed,
            li,
            start.div_euclid(HOUR_MS),
            self.plan.hours_in_month,
        );
        let v = line.measures(u, amount);
        for (b, &id) in self.text.iter_mut().zip(&line.text) {
            b.append_value(f.texts.get(id));
        }
        self.interval.append_value(interval);
        self.start.push(start);
        self.end.push(end);
        for (col, x) in self.measures.iter_mut().zip(v) {
            col.push(x);
        }
        let s = &mut self.slot[li as usize];
        if *s == 0 {
            self.aggs.push(Agg {
                line: li,
                v: std::array::from_fn(|j| if SUMMED[j] { 0.0 } else { f64::NEG_INFINITY }),
            });
            *s = self.aggs.len() as u32;
        }
        let a = &mut self.aggs[*s as usize - 1];
        for (j, x) in v.into_iter().enumerate() {
            if SUMMED[j] {
                a.v[j] += x;
            } else {
                a.v[j] = a.v[j].max(x);
            }
        }
    }

    /// The hourly batch and its daily roll-up. `batch` (koku's `batch-<i>`) seeds the `row_uuid`s.
    pub fn finish(mut self, batch: u64) -> (RecordBatch, RecordBatch) {
        let f = self.fleet;
        let n = self.start.len();
        let mut text: Vec<Option<ArrayRef>> = self
            .text
            .iter_mut()
            .map(|b| Some(Arc::new(b.finish()) as ArrayRef))
            .collect();
        let mut measures: Vec<Option<ArrayRef>> = self
            .measures
            .iter_mut()
            .map(|v| Some(Arc::new(Float64Array::from(std::mem::take(v))) as ArrayRef))
            .collect();
        let mut interval = Some(Arc::new(self.interval.finish()) as ArrayRef);
        let (mut start, mut end) = (
            Some(ts(std::mem::take(&mut self.start))),
            Some(ts(std::mem::take(&mut self.end))),
        );
        let columns: Vec<ArrayRef> = hourly_columns()
            .into_iter()
            .map(|(_, s)| match s {
                Source::Text(i) => text[i].take().expect("each column once"),
                Source::Measure(i) => measures[i].take().expect("each column once"),
                Source::BillingPeriodStart => ts(vec![self.frame.bill_start_ms; n]),
                Source::BillingPeriodEnd => ts(vec![self.frame.bill_end_ms; n]),
                Source::UsageStart => start.take().expect("each column once"),
                Source::UsageEnd => end.take().expect("each column once"),
                Source::TimeInterval => interval.take().expect("each column once"),
            })
            .collect();
        let hourly = RecordBatch::try_new(Arc::new(Schema::new(hourly_fields())), columns)
            .expect("hourly CUR schema");

        let mut aggs = std::mem::take(&mut self.aggs);
        aggs.sort_by_key(|a| f.rank[a.line as usize]);
        let k = aggs.len();
        let text_col = |col: usize| -> ArrayRef {
            let mut b = StringBuilder::with_capacity(k, k * 16);
            for a in &aggs {
                b.append_value(f.text(a.line, col));
            }
            Arc::new(b.finish())
        };
        let mut cols: Vec<ArrayRef> = vec![text_col(DAILY_KEY[0]), ts(vec![self.frame.day_ms; k])];
        cols.extend(DAILY_KEY[1..].iter().map(|&c| text_col(c)));
        for agg in DAILY_AGGS {
            cols.push(match agg {
                DailyAgg::Measure(j) => {
                    Arc::new(Float64Array::from_iter_values(aggs.iter().map(|a| a.v[j])))
                }
                DailyAgg::TextMax(c) => text_col(c),
            });
        }
        let day = self.frame.date.num_days_from_ce() as u64;
        let mut uuids = StringBuilder::with_capacity(k, k * 36);
        for r in 0..k as u64 {
            let hi = hash(f.seed, &[T_ROW_UUID, day, batch, r]) as u128;
            let lo = hash(f.seed, &[T_ROW_UUID, day, batch, r, 1]) as u128;
            let id = uuid::Builder::from_random_bytes(((hi << 64) | lo).to_be_bytes()).into_uuid();
            uuids.append_value(id.hyphenated().to_string());
        }
        cols.push(Arc::new(uuids.finish()));
        let daily = RecordBatch::try_new(Arc::new(Schema::new(daily_fields())), cols)
            .expect("daily CUR schema");
        (hourly, daily)
    }
}
