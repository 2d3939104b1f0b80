//! The AWS flow's inputs as the computation reads them: the columns of a daily CUR batch (borrowed
//! from the Arrow arrays, never copied per row), the run's parameters, and the small PostgreSQL
//! datasets (markup, account aliases, organizational units).

use arrow::array::{Array, Date32Array, Float64Array, RecordBatch, StringArray};
use arrow::array::{Int32Array, TimestampMillisecondArray};
use chrono::{Datelike, NaiveDate};
use koku_common::schema::aws::{AWS_ACCOUNT_ALIASES, AWS_MARKUP, AWS_ORGANIZATIONAL_UNITS};
use koku_common::schema::{Columns, Dataset, opt_f64, opt_text};
use koku_common::workdir::RunIdentity;

use crate::core::days::{Day, day_of};
use crate::error::TransformError;

/// The timestamp column whose date is a CUR row's day (`date(lineitem_usagestartdate)`).
pub const DAY_COLUMN: &str = "lineitem_usagestartdate";

/// The columns of one batch of `aws_line_items_daily` (spec §2.1).
pub struct CurColumns<'a> {
    pub usage_start: &'a TimestampMillisecondArray,
    pub billing_entity: &'a StringArray,
    pub product_code: &'a StringArray,
    pub product_name: &'a StringArray,
    pub product_family: &'a StringArray,
    pub usage_account_id: &'a StringArray,
    pub availability_zone: &'a StringArray,
    pub region: &'a StringArray,
    pub resource_tags: &'a StringArray,
    pub cost_category: &'a StringArray,
    pub instance_type: &'a StringArray,
    pub unit: &'a StringArray,
    pub line_item_type: &'a StringArray,
    pub resource_id: &'a StringArray,
    pub operating_system: &'a StringArray,
    pub vcpu: &'a StringArray,
    pub memory: &'a StringArray,
    pub currency_code: &'a StringArray,
    pub usage_amount: &'a Float64Array,
    pub normalization_factor: &'a Float64Array,
    pub normalized_usage_amount: &'a Float64Array,
    pub unblended_rate: &'a Float64Array,
    pub unblended_cost: &'a Float64Array,
    pub blended_rate: &'a Float64Array,
    pub blended_cost: &'a Float64Array,
    pub savingsplan_effective_cost: &'a Float64Array,
    pub public_on_demand_cost: &'a Float64Array,
    pub public_on_demand_rate: &'a Float64Array,
}

impl<'a> CurColumns<'a> {
    pub fn new(dataset: &'static Dataset, batch: &'a RecordBatch) -> Self {
        let c = Columns::new(dataset, batch);
        CurColumns {
            usage_start: c.timestamp(DAY_COLUMN),
            billing_entity: c.text("bill_billingentity"),
            product_code: c.text("lineitem_productcode"),
            product_name: c.text("product_productname"),
            product_family: c.text("product_productfamily"),
            usage_account_id: c.text("lineitem_usageaccountid"),
            availability_zone: c.text("lineitem_availabilityzone"),
            region: c.text("product_region"),
            resource_tags: c.text("resourcetags"),
            cost_category: c.text("costcategory"),
            instance_type: c.text("product_instancetype"),
            unit: c.text("pricing_unit"),
            line_item_type: c.text("lineitem_lineitemtype"),
            resource_id: c.text("lineitem_resourceid"),
            operating_system: c.text("product_operatingsystem"),
            vcpu: c.text("product_vcpu"),
            memory: c.text("product_memory"),
            currency_code: c.text("lineitem_currencycode"),
            usage_amount: c.float("lineitem_usageamount"),
            normalization_factor: c.float("lineitem_normalizationfactor"),
            normalized_usage_amount: c.float("lineitem_normalizedusageamount"),
            unblended_rate: c.float("lineitem_unblendedrate"),
            unblended_cost: c.float("lineitem_unblendedcost"),
            blended_rate: c.float("lineitem_blendedrate"),
            blended_cost: c.float("lineitem_blendedcost"),
            savingsplan_effective_cost: c.float("savingsplan_savingsplaneffectivecost"),
            public_on_demand_cost: c.float("pricing_publicondemandcost"),
            public_on_demand_rate: c.float("pricing_publicondemandrate"),
        }
    }

    /// The row's timestamp (ms, UTC), `None` = NULL.
    pub fn usage_start_ms(&self, i: usize) -> Option<i64> {
        self.usage_start
            .is_valid(i)
            .then(|| self.usage_start.value(i))
    }

    /// `date(lineitem_usagestartdate)`, `None` = NULL.
    pub fn day(&self, i: usize) -> Option<Day> {
        self.usage_start_ms(i).map(day_of)
    }
}

/// Text at row `i` of a CUR column, `None` = NULL. (Inlined here: these run for every column of
/// every row, and `koku_common`'s accessors are not inlined across the crate boundary.)
#[inline]
pub fn text(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

/// Double at row `i` of a CUR column, `None` = NULL.
#[inline]
pub fn num(a: &Float64Array, i: usize) -> Option<f64> {
    a.is_valid(i).then(|| a.value(i))
}

/// The constants of one run (spec §1.3): what every output row carries and the window.
#[derive(Debug, Clone, PartialEq)]
pub struct RunParams {
    pub source_uuid: String,
    pub bill_id: Option<i32>,
    /// m = `float(markup value) / 100`, an f64 (spec §1.2 step 2).
    pub markup: f64,
    /// The window `[start_date, end_date]`, both inclusive.
    pub first_day: Day,
    pub last_day: Day,
    /// The first and last day of the run's month.
    pub month_start: Day,
    pub month_end: Day,
}

impl RunParams {
    pub fn new(id: &RunIdentity, markup: f64) -> Self {
        let month_start = id.start_date.with_day(1).expect("day 1 exists");
        let next_month = month_start
            .checked_add_months(chrono::Months::new(1))
            .expect("dates of koku's range");
        RunParams {
            source_uuid: id.source_uuid.clone(),
            bill_id: id.bill_id,
            markup,
            first_day: day_number(id.start_date),
            last_day: day_number(id.end_date),
            month_start: day_number(month_start),
            month_end: day_number(next_month) - 1,
        }
    }
}

/// A date as a [`Day`] (days since 1970-01-01).
pub fn day_number(d: NaiveDate) -> Day {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as Day
}

/// The markup m: the one row of `cost_model_markup`.
pub fn markup(batches: &[RecordBatch]) -> Result<f64, TransformError> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let mut found = batches.iter().flat_map(|b| {
        let a = Columns::new(&AWS_MARKUP, b).float("markup");
        (0..b.num_rows()).map(move |i| opt_f64(a, i))
    });
    match (rows, found.next()) {
        (1, Some(Some(m))) if m.is_finite() => Ok(m),
        (1, Some(m)) => Err(TransformError::input(
            &AWS_MARKUP,
            0,
            "markup",
            format!("is {m:?}, not a finite number"),
        )),
        _ => Err(TransformError::input(
            &AWS_MARKUP,
            0,
            "markup",
            format!("expected one row (0 when the source has no cost model), found {rows}"),
        )),
    }
}

/// One `reporting_awsaccountalias` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAlias {
    pub id: i32,
    pub account_id: Option<String>,
}

pub fn account_aliases(batches: &[RecordBatch]) -> Vec<AccountAlias> {
    let mut out = Vec::new();
    for b in batches {
        let c = Columns::new(&AWS_ACCOUNT_ALIASES, b);
        let (id, account) = (c.int32("id"), c.text("account_id"));
        for i in 0..b.num_rows() {
            // `id` is the primary key: never NULL in koku's table.
            if id.is_valid(i) {
                out.push(AccountAlias {
                    id: id.value(i),
                    account_id: opt_text(account, i).map(str::to_string),
                });
            }
        }
    }
    out
}

/// One `reporting_awsorganizationalunit` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationalUnit {
    pub id: i32,
    pub account_alias_id: Option<i32>,
    pub provider_id: Option<String>,
    pub created: Option<Day>,
    pub deleted: Option<Day>,
}

pub fn organizational_units(batches: &[RecordBatch]) -> Vec<OrganizationalUnit> {
    let int = |a: &Int32Array, i: usize| a.is_valid(i).then(|| a.value(i));
    let date = |a: &Date32Array, i: usize| a.is_valid(i).then(|| a.value(i));
    let mut out = Vec::new();
    for b in batches {
        let c = Columns::new(&AWS_ORGANIZATIONAL_UNITS, b);
        let dates = |name: &str| -> &Date32Array {
            b.column(
                AWS_ORGANIZATIONAL_UNITS
                    .column_index(name)
                    .expect("OU column"),
            )
            .as_any()
            .downcast_ref()
            .expect("canonical Date32 column")
        };
        let (id, alias, provider) = (
            c.int32("id"),
            c.int32("account_alias_id"),
            c.text("provider_id"),
        );
        let (created, deleted) = (dates("created_timestamp"), dates("deleted_timestamp"));
        for i in 0..b.num_rows() {
            if let Some(id) = int(id, i) {
                out.push(OrganizationalUnit {
                    id,
                    account_alias_id: int(alias, i),
                    provider_id: opt_text(provider, i).map(str::to_string),
                    created: date(created, i),
                    deleted: date(deleted, i),
                });
            }
        }
    }
    out
}

/// `cast(x AS varchar(n))` in Trino: the first `n` characters (code points), not bytes.
pub fn varchar(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varchar_truncates_characters_not_bytes() {
        assert_eq!(varchar("111111111111", 50), "111111111111");
        assert_eq!(varchar("abcdef", 3), "abc");
        assert_eq!(varchar("ééééé", 2), "éé");
        assert_eq!(varchar("", 10), "");
        assert_eq!(varchar("USD", 3), "USD");
    }

    #[test]
    fn run_params_window_and_month() {
        let d = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
        let id = RunIdentity {
            flow: "aws".into(),
            schema: "org1".into(),
            source_uuid: "a".into(),
            cluster_id: None,
            cluster_alias: None,
            year: "2024".into(),
            month: "02".into(),
            start_date: d(2, 3),
            end_date: d(2, 5),
            requested_start_date: d(2, 3),
            report_period_id: None,
            bill_id: Some(7),
            ocp_cluster_ids: None,
        };
        let p = RunParams::new(&id, 0.1);
        assert_eq!(p.first_day, day_number(d(2, 3)));
        assert_eq!(p.last_day, day_number(d(2, 5)));
        assert_eq!(p.month_start, day_number(d(2, 1)));
        assert_eq!(p.month_end, day_number(d(2, 29)), "leap year");
        assert_eq!(day_number(d(1, 1)), 19723);
    }
}
