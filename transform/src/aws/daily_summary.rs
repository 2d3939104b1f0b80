//! The AWS daily summary (`reporting_awscostentrylineitem_daily_summary`, koku's
//! `reporting_awscostentrylineitem_daily_summary.sql`, spec §4) of one day, from that day's rows of
//! `aws_line_items_daily`.
//!
//! * Rows: the day's rows of the run's window (§4.1; the day stream hands out only those), every line
//!   item type.
//! * Groups: the 12 **raw** values of §4.2 (the day and 11 texts), NULL a value of its own and `''`
//!   distinct from NULL, before any `''` → NULL mapping or tag filtering.
//! * Per group (§4.3): sums and maxes over f64 with SQL NULL semantics, the Savings Plan rules of
//!   `usage_amount` and `calculated_amortized_cost`, text maxes in byte order, the distinct resource
//!   ids, then the output values (`product_code`'s Marketplace rule, `''` → NULL, Trino's
//!   `varchar(n)` truncations, markups on the unrounded sums, tags and cost category) and the alias
//!   and organizational-unit joins, one output row per matching OU row (§10.6).
//!
//! Where koku's insert fails (a NULL for a NOT NULL column: `product_code` §10.7, `usage_account_id`,
//! `currency_code`), the day fails with an error naming the group's first input row, the day, the
//! group and the column; no row is produced for it.
//!
//! Output order: groups by their raw key (byte order, NULL first), each group's copies by alias and
//! OU id. Sums add the rows in file order, so the output is the same on every run.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Int32Array, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use koku_common::schema::aws::{AWS_DAILY_SUMMARY, AWS_LINE_ITEMS_DAILY};

use super::inputs::{CurColumns, RunParams, text, varchar};
use super::lookups::{AccountAliases, OrganizationalUnits};
use super::measures::{self, CostTerms, Costs, Measures};
use super::tags::TagMemo;
use crate::core::FastMap;
use crate::core::days::{Day, DayBatch, date_of};
use crate::core::sum::max_ord;
use crate::error::TransformError;

/// The 11 raw texts of the group key besides the day (spec §4.2), in koku's GROUP BY order.
type Key<'a> = [Option<&'a str>; 11];
const BILLING_ENTITY: usize = 0;
const PRODUCT_CODE: usize = 1;
const PRODUCT_NAME: usize = 2;
const USAGE_ACCOUNT: usize = 3;
const AVAILABILITY_ZONE: usize = 4;
const PRODUCT_FAMILY: usize = 5;
const REGION: usize = 6;
const RESOURCE_TAGS: usize = 7;
const COST_CATEGORY: usize = 8;
const INSTANCE_TYPE: usize = 9;
const UNIT: usize = 10;
/// The input column of each key position, for messages.
const KEY_COLUMNS: [&str; 11] = [
    "bill_billingentity",
    "lineitem_productcode",
    "product_productname",
    "lineitem_usageaccountid",
    "lineitem_availabilityzone",
    "product_productfamily",
    "product_region",
    "resourcetags",
    "costcategory",
    "product_instancetype",
    "pricing_unit",
];

/// The aggregates of one group.
#[derive(Debug, Default)]
struct Group<'a> {
    /// The dataset row number of the group's first row (for errors).
    first_row: usize,
    /// A resource id of the first row (for errors).
    first_resource: Option<&'a str>,
    currency_code: Option<&'a str>,
    measures: Measures,
}

impl<'a> Group<'a> {
    fn add(&mut self, c: &CurColumns<'a>, i: usize) {
        max_ord(&mut self.currency_code, text(c.currency_code, i).as_ref());
        self.measures.add(c, i, CostTerms::AsBilled);
    }
}

/// One output row. Text borrows the day's input batches.
#[derive(Debug, Clone, PartialEq)]
pub struct DailySummaryRow<'a> {
    pub usage_start: Day,
    pub usage_account_id: &'a str,
    pub account_alias_id: Option<i32>,
    pub product_code: &'a str,
    pub product_family: Option<&'a str>,
    pub availability_zone: Option<&'a str>,
    pub region: Option<&'a str>,
    pub instance_type: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub organizational_unit_id: Option<i32>,
    /// Distinct, in byte order (NULL first): Trino's `array_agg(DISTINCT …)` has no order.
    pub resource_ids: Arc<[Option<&'a str>]>,
    pub resource_count: i32,
    pub currency_code: &'a str,
    pub costs: Costs,
    pub tags: Option<Arc<str>>,
    pub cost_category: Option<Arc<str>>,
}

/// `nullif(x, '')`.
fn non_empty(x: Option<&str>) -> Option<&str> {
    x.filter(|s| !s.is_empty())
}

/// koku's `product_code` (DS:85-88): for `bill_billingentity = 'AWS Marketplace'` (exactly) the
/// first of `product_productname`, `lineitem_productcode` that is neither `''` nor NULL; otherwise
/// `lineitem_productcode`; `''` → NULL. NULL makes koku's insert fail (spec §10.7).
pub fn product_code<'a>(
    billing_entity: Option<&str>,
    product_code: Option<&'a str>,
    product_name: Option<&'a str>,
) -> Option<&'a str> {
    if billing_entity == Some("AWS Marketplace") {
        non_empty(product_name).or(non_empty(product_code))
    } else {
        non_empty(product_code)
    }
}

/// What every day needs besides its rows: read-only, shared by the day workers.
pub struct Window<'a> {
    pub run: &'a RunParams,
    pub aliases: &'a AccountAliases,
    pub ous: &'a OrganizationalUnits,
}

/// Compute the summary rows of `day` from its batches (a batch that is not `whole` also holds rows of
/// other days or without a timestamp, which are skipped).
pub fn summary_rows<'a>(
    day: Day,
    batches: &'a [DayBatch],
    window: &Window<'_>,
    memo: &mut TagMemo,
) -> Result<Vec<DailySummaryRow<'a>>, TransformError> {
    // Perf: groups in a Vec, the map holds their index (growing a map of whole groups moves them at
    // every rehash); the key borrows the batches' text.
    let mut index: FastMap<Key<'a>, u32> = FastMap::default();
    let mut groups: Vec<(Key<'a>, Group<'a>)> = Vec::new();
    // (group, resource id) of every row: sorted and deduplicated once at the end, which is cheaper
    // than a set per group (most groups hold one resource).
    let mut resources: Vec<(u32, Option<&'a str>)> = Vec::new();
    for b in batches {
        let c = CurColumns::new(&AWS_LINE_ITEMS_DAILY, &b.batch);
        for i in 0..b.batch.num_rows() {
            if !b.whole && c.day(i) != Some(day) {
                continue;
            }
            let key: Key<'a> = [
                text(c.billing_entity, i),
                text(c.product_code, i),
                text(c.product_name, i),
                text(c.usage_account_id, i),
                text(c.availability_zone, i),
                text(c.product_family, i),
                text(c.region, i),
                text(c.resource_tags, i),
                text(c.cost_category, i),
                text(c.instance_type, i),
                text(c.unit, i),
            ];
            let resource = text(c.resource_id, i);
            let g = match index.get(&key) {
                Some(&g) => g,
                None => {
                    let g = groups.len() as u32;
                    index.insert(key, g);
                    groups.push((
                        key,
                        Group {
                            first_row: b.first_row + i,
                            first_resource: resource,
                            ..Group::default()
                        },
                    ));
                    g
                }
            };
            groups[g as usize].1.add(&c, i);
            resources.push((g, resource));
        }
    }
    drop(index);
    resources.sort_unstable();
    resources.dedup();
    // Each group's distinct resource ids: a range of `resources`.
    let mut ranges = vec![(0usize, 0usize); groups.len()];
    let mut start = 0;
    for (j, w) in resources.iter().enumerate() {
        if j + 1 == resources.len() || resources[j + 1].0 != w.0 {
            ranges[w.0 as usize] = (start, j + 1);
            start = j + 1;
        }
    }
    let mut order: Vec<u32> = (0..groups.len() as u32).collect();
    order.sort_unstable_by(|a, b| groups[*a as usize].0.cmp(&groups[*b as usize].0));

    let run = window.run;
    let mut rows = Vec::with_capacity(groups.len());
    for g in order {
        let (key, agg) = &groups[g as usize];
        let fail = |column: &str, what: &str| {
            TransformError::input(
                &AWS_LINE_ITEMS_DAILY,
                agg.first_row,
                column,
                format!(
                    "{what}: koku's insert into reporting_awscostentrylineitem_daily_summary fails \
                     for the whole window (NOT NULL). Daily-summary group of {}: {}{}",
                    date_of(day),
                    describe(key),
                    agg.first_resource
                        .map(|r| format!(", lineitem_resourceid {r:?}"))
                        .unwrap_or_default()
                ),
            )
        };
        let Some(product_code) =
            product_code(key[BILLING_ENTITY], key[PRODUCT_CODE], key[PRODUCT_NAME])
        else {
            return Err(fail(
                KEY_COLUMNS[PRODUCT_CODE],
                "product_code would be NULL (an empty or NULL lineitem_productcode, and for AWS \
                 Marketplace lines an empty product_productname too)",
            ));
        };
        let Some(account) = key[USAGE_ACCOUNT] else {
            return Err(fail(
                KEY_COLUMNS[USAGE_ACCOUNT],
                "usage_account_id would be NULL",
            ));
        };
        let Some(currency) = agg.currency_code else {
            return Err(fail(
                "lineitem_currencycode",
                "currency_code would be NULL (every line of the group has a NULL currency)",
            ));
        };
        let row_error = |column: &'static str| {
            move |e: String| TransformError::input(&AWS_LINE_ITEMS_DAILY, agg.first_row, column, e)
        };
        let tags = memo
            .tags(key[RESOURCE_TAGS])
            .map_err(row_error("resourcetags"))?;
        let cost_category = memo
            .cost_category(key[COST_CATEGORY])
            .map_err(row_error("costcategory"))?;
        let (from, to) = ranges[g as usize];
        let resource_ids: Arc<[Option<&'a str>]> =
            resources[from..to].iter().map(|(_, r)| *r).collect();
        let resource_count = resource_ids.iter().filter(|r| r.is_some()).count() as i32;
        let base = DailySummaryRow {
            usage_start: day,
            usage_account_id: varchar(account, 50),
            account_alias_id: None,
            product_code,
            product_family: non_empty(key[PRODUCT_FAMILY]),
            availability_zone: non_empty(key[AVAILABILITY_ZONE]).map(|z| varchar(z, 50)),
            region: non_empty(key[REGION]),
            instance_type: non_empty(key[INSTANCE_TYPE]),
            unit: non_empty(key[UNIT]),
            organizational_unit_id: None,
            resource_ids,
            resource_count,
            currency_code: varchar(currency, 10),
            costs: Costs::new(agg.measures, run.markup),
            tags,
            cost_category,
        };
        push_joined(&mut rows, base, key[USAGE_ACCOUNT], day, window);
    }
    Ok(rows)
}

/// The group's copies as koku's joins make them: one per account alias row (normally one; none →
/// alias NULL), each one per organizational unit valid on the day (none → OU NULL).
fn push_joined<'a>(
    rows: &mut Vec<DailySummaryRow<'a>>,
    base: DailySummaryRow<'a>,
    usage_account_id: Option<&str>,
    day: Day,
    window: &Window<'_>,
) {
    let aliases = window.aliases.ids(usage_account_id);
    if aliases.is_empty() {
        rows.push(base);
        return;
    }
    for &alias in aliases {
        let mut ous = window.ous.ids(alias, day).peekable();
        if ous.peek().is_none() {
            rows.push(DailySummaryRow {
                account_alias_id: Some(alias),
                ..base.clone()
            });
        }
        for ou in ous {
            rows.push(DailySummaryRow {
                account_alias_id: Some(alias),
                organizational_unit_id: Some(ou),
                ..base.clone()
            });
        }
    }
}

/// The raw key for messages: `column "value"` pairs, NULL as NULL.
fn describe(key: &Key<'_>) -> String {
    KEY_COLUMNS
        .iter()
        .zip(key)
        .filter(|(c, _)| !matches!(**c, "resourcetags" | "costcategory"))
        .map(|(c, v)| match v {
            Some(v) => format!("{c} {v:?}"),
            None => format!("{c} NULL"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows as a batch of [`AWS_DAILY_SUMMARY`].
pub fn to_batch<'a>(rows: &[DailySummaryRow<'a>], run: &RunParams) -> RecordBatch {
    let n = rows.len();
    let text = |f: &dyn for<'r> Fn(&'r DailySummaryRow<'a>) -> Option<&'r str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let int = |f: &dyn Fn(&DailySummaryRow<'a>) -> Option<i32>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Int32Array>())
    };
    let day: ArrayRef = Arc::new(
        rows.iter()
            .map(|r| Some(r.usage_start))
            .collect::<Date32Array>(),
    );
    let mut ids = ListBuilder::new(StringBuilder::new());
    for r in rows {
        for id in r.resource_ids.iter() {
            ids.values().append_option(*id);
        }
        ids.append(true);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(vec![run.bill_id; n])),
        day.clone(),
        day,
        text(&|r| Some(r.usage_account_id)),
        int(&|r| r.account_alias_id),
        text(&|r| Some(r.product_code)),
        text(&|r| r.product_family),
        text(&|r| r.availability_zone),
        text(&|r| r.region),
        text(&|r| r.instance_type),
        text(&|r| r.unit),
        int(&|r| r.organizational_unit_id),
        Arc::new(ids.finish()),
        int(&|r| Some(r.resource_count)),
    ];
    columns.extend(measures::columns(rows, |r| &r.costs, |r| r.currency_code));
    columns.extend([
        text(&|r| r.tags.as_deref()),
        text(&|r| r.cost_category.as_deref()),
        Arc::new(StringArray::from(vec![Some(run.source_uuid.as_str()); n])),
    ]);
    RecordBatch::try_new(AWS_DAILY_SUMMARY.schema(), columns)
        .expect("columns match the canonical schema")
}

/// One day's batches of the daily CUR dataset (a batch may hold other days' rows too).
pub struct DayInput {
    pub day: Day,
    pub batches: Vec<DayBatch>,
}

/// What one day gave.
pub struct DayOutput {
    pub day: Day,
    /// The day's summary rows as a batch of the output dataset (built by the worker: the columnar
    /// copy is made in parallel and the borrowed rows are gone before the day waits for its turn).
    pub batch: RecordBatch,
}

/// One day as a day worker computes it.
pub fn compute(
    input: &DayInput,
    window: &Window<'_>,
    memo: &mut TagMemo,
) -> Result<DayOutput, TransformError> {
    // Tag texts of days before the last this worker computed are not kept.
    memo.next_generation();
    let rows = summary_rows(input.day, &input.batches, window, memo)?;
    Ok(DayOutput {
        day: input.day,
        batch: to_batch(&rows, window.run),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_code_rule() {
        let mp = Some("AWS Marketplace");
        assert_eq!(
            product_code(mp, Some("abc"), Some("Firewall")),
            Some("Firewall")
        );
        assert_eq!(product_code(mp, Some("abc"), Some("")), Some("abc"));
        assert_eq!(product_code(mp, Some("abc"), None), Some("abc"));
        assert_eq!(product_code(mp, Some(""), Some("")), None);
        assert_eq!(
            product_code(Some("AWS"), Some("AmazonEC2"), Some("Firewall")),
            Some("AmazonEC2")
        );
        assert_eq!(product_code(Some("AWS"), Some(""), Some("Firewall")), None);
        // Exact match only.
        assert_eq!(
            product_code(Some("aws marketplace"), Some("abc"), Some("Firewall")),
            Some("abc")
        );
        assert_eq!(
            product_code(None, Some("abc"), Some("Firewall")),
            Some("abc")
        );
    }
}
