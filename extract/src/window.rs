//! The run's window of days: inside one month, inclusive on both ends (spec §2.1).
//!
//! koku filters raw rows with `interval_start >= TIMESTAMP 'start' AND interval_start <
//! date_add('day', 1, TIMESTAMP 'end')`; [`Window::bounds_ms`] gives exactly those bounds in the
//! canonical timestamp unit (milliseconds, UTC wall clock).

use chrono::{Days, NaiveDate};

use crate::error::{ExtractError, Result};

/// A validated window `[start, end]` of days inside `year`/`month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub year: i32,
    pub month: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    /// Default: the whole month. An explicit start or end must lie in the month, and start ≤ end.
    pub fn new(
        year: i32,
        month: u32,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) -> Result<Window> {
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| {
            ExtractError::Usage(format!(
                "--year {year} --month {month} is not a valid month"
            ))
        })?;
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| {
                ExtractError::Usage(format!("month {year}-{month:02} is out of range"))
            })?;
        let start = start.unwrap_or(first);
        let end = end.unwrap_or(last);
        for (flag, d) in [("--start-date", start), ("--end-date", end)] {
            if d < first || d > last {
                return Err(ExtractError::Usage(format!(
                    "{flag} {d} is outside {year}-{month:02} (a run covers days of one month: {first}..{last})"
                )));
            }
        }
        if start > end {
            return Err(ExtractError::Usage(format!(
                "--start-date {start} is after --end-date {end}"
            )));
        }
        Ok(Window {
            year,
            month,
            start,
            end,
        })
    }

    /// `[start 00:00, end + 1 day 00:00)` in milliseconds since the epoch (UTC wall clock).
    pub fn bounds_ms(&self) -> (i64, i64) {
        let end_excl = self.end + Days::new(1);
        (day_ms(self.start), day_ms(end_excl))
    }

    /// The same window with a later start (the clamp of spec §1 step 2).
    pub fn with_start(&self, start: NaiveDate) -> Window {
        debug_assert!(start >= self.start && start <= self.end);
        Window { start, ..*self }
    }

    pub fn year_str(&self) -> String {
        format!("{:04}", self.year)
    }

    /// Zero-padded, as in koku's `month=MM` partition.
    pub fn month_str(&self) -> String {
        format!("{:02}", self.month)
    }
}

/// Milliseconds since the epoch of `d` 00:00 UTC.
pub fn day_ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis()
}

/// The calendar day (UTC) of a millisecond timestamp.
pub fn ms_to_date(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.date_naive())
        .unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn default_is_the_whole_month() {
        let w = Window::new(2028, 2, None, None).unwrap();
        assert_eq!((w.start, w.end), (d("2028-02-01"), d("2028-02-29")));
        assert_eq!(w.month_str(), "02");
        let (a, b) = w.bounds_ms();
        assert_eq!(a, day_ms(d("2028-02-01")));
        assert_eq!(b, day_ms(d("2028-03-01")));
        assert_eq!(b - a, 29 * 86_400_000);
    }

    #[test]
    fn dates_must_lie_in_the_month_and_be_ordered() {
        let e = Window::new(2025, 10, Some(d("2025-09-30")), None).unwrap_err();
        assert!(
            e.to_string()
                .contains("--start-date 2025-09-30 is outside 2025-10"),
            "{e}"
        );
        let e = Window::new(2025, 10, None, Some(d("2025-11-01"))).unwrap_err();
        assert!(e.to_string().contains("--end-date 2025-11-01"), "{e}");
        let e = Window::new(2025, 10, Some(d("2025-10-05")), Some(d("2025-10-04"))).unwrap_err();
        assert!(e.to_string().contains("after --end-date"), "{e}");
        let e = Window::new(2025, 13, None, None).unwrap_err();
        assert!(e.to_string().contains("not a valid month"), "{e}");
        let w = Window::new(2025, 10, Some(d("2025-10-05")), Some(d("2025-10-05"))).unwrap();
        assert_eq!(w.bounds_ms().1 - w.bounds_ms().0, 86_400_000);
        assert_eq!(
            ms_to_date(day_ms(d("2025-10-05")) + 3_600_000),
            d("2025-10-05")
        );
    }
}
