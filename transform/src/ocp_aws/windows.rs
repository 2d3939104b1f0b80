//! koku's 5-day windows (spec §1.3): `date_range_pair(start, end, step=5)` (`TRINO_DATE_STEP`). Each
//! window runs the whole attribution (S1–S11); several values depend on the window (special tags,
//! the Trino fallback of the matched tags, the shared-disk claim total, the tag cluster count), so
//! the windows are koku's, not one per day or one per month.

use chrono::{Days, NaiveDate};

/// koku's default `TRINO_DATE_STEP`.
pub const STEP_DAYS: u64 = 5;

/// A window of days, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// koku's windows of `[start, end]` (§1.3): `D` = every `step`-th day from `start` not beyond
/// `end`; one element → `[start, end]`; otherwise each element `x` other than `start` closes
/// `[cur, x]` (then `cur = x + 1`), and `[cur, end]` closes the rest when `end ∉ D`.
pub fn windows(start: NaiveDate, end: NaiveDate, step: u64) -> Vec<Window> {
    let mut points = vec![];
    let mut d = start;
    while d <= end {
        points.push(d);
        d = d + Days::new(step);
    }
    if points.len() <= 1 {
        return vec![Window { start, end }];
    }
    let mut out = vec![];
    let mut cur = start;
    for &x in &points {
        if x == start && x != end {
            continue;
        }
        out.push(Window { start: cur, end: x });
        cur = x + Days::new(1);
    }
    if points.last() != Some(&end) {
        out.push(Window { start: cur, end });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 10, day).unwrap()
    }

    fn days(ws: &[Window]) -> Vec<(u32, u32)> {
        use chrono::Datelike;
        ws.iter().map(|w| (w.start.day(), w.end.day())).collect()
    }

    /// The three examples of §1.3, and the edge cases around them.
    #[test]
    fn koku_examples() {
        assert_eq!(
            days(&windows(d(1), d(31), 5)),
            [(1, 6), (7, 11), (12, 16), (17, 21), (22, 26), (27, 31)]
        );
        assert_eq!(days(&windows(d(1), d(3), 5)), [(1, 3)]);
        assert_eq!(days(&windows(d(1), d(8), 5)), [(1, 6), (7, 8)]);
        assert_eq!(days(&windows(d(4), d(4), 5)), [(4, 4)]);
        assert_eq!(days(&windows(d(4), d(9), 5)), [(4, 9)]);
        assert_eq!(days(&windows(d(4), d(8), 5)), [(4, 8)]);
        assert_eq!(days(&windows(d(1), d(6), 5)), [(1, 6)]);
        assert_eq!(days(&windows(d(1), d(7), 5)), [(1, 6), (7, 7)]);
    }
}
