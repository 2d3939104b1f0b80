//! The EC2 compute summary (`reporting_awscostentrylineitem_summary_by_ec2_compute_p`, koku's
//! `reporting_awscostentrylineitem_summary_by_ec2_compute_p.sql`, spec §5): one row per EC2 instance
//! of the month and set of its latest values, folded over the **whole month partition** in one pass
//! (the memory is bounded by the number of instances and resource ids, not by the rows).
//!
//! * **E** (EC2:169-176): rows with `lineitem_productcode = 'AmazonEC2'`, `product_productfamily LIKE
//!   '%Compute Instance%'` (a case-sensitive substring test) and `lineitem_resourceid != ''`, whatever
//!   their date; one aggregate per resource id: min/max day, max account, max of OS/region/unit after
//!   `''` → NULL, Σ usage with `SavingsPlanNegation` as 0, Σ unblended/blended cost with
//!   `SavingsPlanCoveredUsage` as 0 (the double subtraction of spec §10.2, reproduced), amortized cost
//!   as in the daily summary, maxes of rates and currency (the measures shared with the daily summary
//!   are in [`super::measures`]).
//! * **last(r)** (EC2:58-65): the latest `date(lineitem_usagestartdate)` of **all** the partition's
//!   rows with resource id r, any product.
//! * **L** (EC2:42-73): E's rows whose timestamp equals `last(r)` (a timestamp compared with a date:
//!   midnight of that day, which every row of koku's daily roll-up is), grouped by (resource id,
//!   instance type, raw tags, raw cost category, memory, vCPU). Only E rows of an instance's latest E
//!   day can be in L, so the fold keeps just those; L exists when that day is `last(r)`.
//! * **Output** = E ⋈ L (inner): an instance whose last day has no EC2 compute row has no row (spec
//!   §10.3); several L groups give several rows with the same monthly totals (§10.4). `vcpu` =
//!   `cast(nullif(product_vcpu, '') AS INTEGER)`: a text Java's `Integer.parseInt` refuses (`2.5`,
//!   ` 2`) fails koku's insert, so it is an error here.
//!
//! ## Rows outside koku's delete scope (spec §10.5; decision)
//!
//! koku inserts every instance of the month partition, but deletes only `usage_start ∈ [first of the
//! month, end_date]` before (UPD:120-126). So a row koku writes with a `usage_start`
//!
//! * **after `end_date`** (an instance first seen after the summarised range, e.g. a narrower re-run)
//!   survives every later delete of a run with that end date: each such run inserts another copy;
//! * **before the month** (a CUR line of this month's partition dated in the previous month,
//!   `testdata/aws/04-month-boundary`) lands in the previous month's partition, is never deleted by
//!   this month's runs (a copy per run), and shows this month's totals in the previous month.
//!
//! By default ([`Ec2Scope::Koku`]) these rows are written as koku writes them: the table then holds
//! what koku's would, and a re-run duplicates them as koku's does (the load warns, counting them).
//! Two named fixes: [`Ec2Scope::Window`] leaves such rows out (logged, counted in `run.json`), so every
//! row written lies in koku's delete scope and a re-run replaces it — this month's view is still
//! koku's (koku's before-the-month row is filed in the previous month), and an instance that starts
//! after `end_date` is written by the run whose window covers its first day;
//! [`Ec2Scope::ClampToMonth`] keeps an instance whose month partition holds a line dated before the
//! month, with `usage_start` = the first of the month (not koku's value), and leaves out rows after
//! `end_date` as `Window` does.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Int32Array, RecordBatch, StringArray};
use koku_common::schema::aws::{AWS_EC2_COMPUTE_SUMMARY, AWS_LINE_ITEMS_DAILY};

use super::inputs::{CurColumns, RunParams, text, varchar};
use super::lookups::AccountAliases;
use super::measures::{self, CostTerms, Costs, Measures};
use super::tags::{TagMemo, instance_name};
use crate::core::FastMap;
use crate::core::days::{Day, date_of, day_of};
use crate::error::TransformError;

const MS_PER_DAY: i64 = 86_400_000;

/// What to do with an EC2 row koku would write outside its own delete scope (module doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ec2Scope {
    /// Leave out rows whose `usage_start` is outside `[first of the month, end_date]`.
    Window,
    /// Rows starting before the month start on the first of the month; rows after `end_date` are
    /// left out as with `Window`.
    ClampToMonth,
    /// koku's rows as they are, whatever their `usage_start` (koku's behaviour, the default).
    #[default]
    Koku,
}

/// The grouping values of a latest-values row: instance type, raw tags, raw cost category, memory,
/// vCPU (EC2:66-72; the resource id is the instance's).
type LatestKey = [Option<String>; 5];
const L_INSTANCE_TYPE: usize = 0;
const L_TAGS: usize = 1;
const L_COST_CATEGORY: usize = 2;
const L_MEMORY: usize = 3;
const L_VCPU: usize = 4;

#[derive(Debug)]
struct Latest {
    key: LatestKey,
    /// The dataset row number of its first row (for errors).
    first_row: usize,
}

/// The monthly aggregate of one instance (a group of E).
#[derive(Debug, Default)]
struct Instance {
    first_row: usize,
    usage_start: Option<Day>,
    usage_end: Option<Day>,
    usage_account_id: Option<String>,
    operating_system: Option<String>,
    region: Option<String>,
    unit: Option<String>,
    currency_code: Option<String>,
    measures: Measures,
    /// The latest day of the instance's E rows, and its rows at midnight of that day: L, if that day
    /// turns out to be `last(r)`.
    latest_day: Option<Day>,
    latest: Vec<Latest>,
}

/// `max` over text, allocating only when the maximum changes.
fn max_text(acc: &mut Option<String>, x: Option<&str>) {
    if let Some(x) = x
        && acc.as_deref().is_none_or(|a| x > a)
    {
        *acc = Some(x.to_string());
    }
}

/// `nullif(x, '')`.
fn non_empty(x: Option<&str>) -> Option<&str> {
    x.filter(|s| !s.is_empty())
}

impl Instance {
    fn add(&mut self, c: &CurColumns<'_>, i: usize, row: usize) {
        let ts = c.usage_start_ms(i);
        let day = ts.map(day_of);
        if let Some(d) = day {
            self.usage_start = Some(self.usage_start.map_or(d, |s| s.min(d)));
            self.usage_end = Some(self.usage_end.map_or(d, |e| e.max(d)));
        }
        max_text(&mut self.usage_account_id, text(c.usage_account_id, i));
        max_text(
            &mut self.operating_system,
            non_empty(text(c.operating_system, i)),
        );
        max_text(&mut self.region, non_empty(text(c.region, i)));
        max_text(&mut self.unit, non_empty(text(c.unit, i)));
        max_text(&mut self.currency_code, text(c.currency_code, i));
        self.measures.add(c, i, CostTerms::CoveredUsageZeroed);

        // The latest-values candidates.
        let (Some(ts), Some(d)) = (ts, day) else {
            return;
        };
        if self.latest_day.is_none_or(|l| d > l) {
            self.latest_day = Some(d);
            self.latest.clear();
        }
        if d != self.latest_day.expect("set above") || ts != i64::from(d) * MS_PER_DAY {
            return;
        }
        let key = [
            text(c.instance_type, i),
            text(c.resource_tags, i),
            text(c.cost_category, i),
            text(c.memory, i),
            text(c.vcpu, i),
        ];
        let known = self
            .latest
            .iter()
            .any(|l| l.key.iter().zip(&key).all(|(a, b)| a.as_deref() == *b));
        if !known {
            self.latest.push(Latest {
                key: key.map(|k| k.map(str::to_string)),
                first_row: row,
            });
        }
    }
}

/// What the fold knows of a resource id.
#[derive(Debug)]
struct Resource {
    /// `last(r)`, when one of its rows has a date.
    last_day: Option<Day>,
    /// Its instance in [`Ec2Fold::instances`], when it is in E.
    instance: Option<u32>,
}

/// The EC2 summary folded over the month partition, batch by batch.
#[derive(Debug, Default)]
pub struct Ec2Fold {
    /// Every non-empty resource id of the partition (one map, so an E row's id is hashed once).
    resources: FastMap<Box<str>, Resource>,
    instances: Vec<(Box<str>, Instance)>,
    rows: usize,
}

/// `product_productfamily LIKE '%Compute Instance%'` (no wildcard inside: a substring test), with
/// the usual exact value tested first (`contains` sets up a substring searcher on every call).
fn is_compute_instance(family: &str) -> bool {
    const FAMILY: &str = "Compute Instance";
    family == FAMILY || (family.len() > FAMILY.len() && family.contains(FAMILY))
}

impl Ec2Fold {
    /// Fold the next batch of `aws_line_items_daily` (every batch of the file, in order).
    pub fn add_batch(&mut self, batch: &RecordBatch) {
        let c = CurColumns::new(&AWS_LINE_ITEMS_DAILY, batch);
        for i in 0..batch.num_rows() {
            let Some(resource) = non_empty(text(c.resource_id, i)) else {
                continue;
            };
            let day = c.day(i);
            let known = match self.resources.get_mut(resource) {
                Some(r) => r,
                None => self.resources.entry(resource.into()).or_insert(Resource {
                    last_day: None,
                    instance: None,
                }),
            };
            if let Some(d) = day {
                known.last_day = Some(known.last_day.map_or(d, |l| l.max(d)));
            }
            let in_e = text(c.product_code, i) == Some("AmazonEC2")
                && text(c.product_family, i).is_some_and(is_compute_instance);
            if !in_e {
                continue;
            }
            let n = match known.instance {
                Some(n) => n as usize,
                None => {
                    let n = self.instances.len();
                    known.instance = Some(n as u32);
                    self.instances.push((
                        resource.into(),
                        Instance {
                            first_row: self.rows + i,
                            ..Instance::default()
                        },
                    ));
                    n
                }
            };
            self.instances[n].1.add(&c, i, self.rows + i);
        }
        self.rows += batch.num_rows();
    }

    /// The output rows (E ⋈ L, alias joined), by resource id and latest values, with `scope` applied.
    pub fn finish(
        self,
        run: &RunParams,
        aliases: &AccountAliases,
        memo: &mut TagMemo,
        scope: Ec2Scope,
    ) -> Result<(Vec<Ec2Row>, Ec2Report), TransformError> {
        let Ec2Fold {
            resources,
            mut instances,
            ..
        } = self;
        instances.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut report = Ec2Report {
            instances: instances.len(),
            ..Ec2Report::default()
        };
        let mut rows = Vec::new();
        for (resource_id, mut inst) in instances {
            // The inner join: L exists only if the latest E day is last(r).
            let last = resources.get(&resource_id).and_then(|r| r.last_day);
            if inst.latest_day.is_none() || inst.latest_day != last || inst.latest.is_empty() {
                report.without_latest_values += 1;
                continue;
            }
            let fail = |row: usize, column: &str, what: String| {
                TransformError::input(
                    &AWS_LINE_ITEMS_DAILY,
                    row,
                    column,
                    format!(
                        "{what}: koku's insert into \
                         reporting_awscostentrylineitem_summary_by_ec2_compute_p fails. EC2 instance \
                         {resource_id:?}"
                    ),
                )
            };
            let Some(account) = inst.usage_account_id.as_deref() else {
                return Err(fail(
                    inst.first_row,
                    "lineitem_usageaccountid",
                    "usage_account_id would be NULL (NOT NULL)".into(),
                ));
            };
            let Some(currency) = inst.currency_code.as_deref() else {
                return Err(fail(
                    inst.first_row,
                    "lineitem_currencycode",
                    "currency_code would be NULL (NOT NULL)".into(),
                ));
            };
            let latest_day = date_of(inst.latest_day.expect("checked above"));
            let usage_start = inst.usage_start.expect("an L row has a date");
            let usage_end = inst.usage_end.expect("an L row has a date");
            let alias_ids = aliases.ids(Some(account));
            let usage_account_id = varchar(account, 50).to_string();
            let currency_code = varchar(currency, 10).to_string();
            inst.latest.sort_unstable_by(|a, b| a.key.cmp(&b.key));
            for latest in &inst.latest {
                let key = &latest.key;
                let row_error = |column: &'static str| {
                    move |e: String| {
                        TransformError::input(&AWS_LINE_ITEMS_DAILY, latest.first_row, column, e)
                    }
                };
                let vcpu = match non_empty(key[L_VCPU].as_deref()) {
                    None => None,
                    Some(v) => Some(v.parse::<i32>().map_err(|_| {
                        fail(
                            latest.first_row,
                            "product_vcpu",
                            format!(
                                "{v:?} is not an integer (koku casts product_vcpu to INTEGER); \
                                 the instance's latest values, of {latest_day}"
                            ),
                        )
                    })?),
                };
                let tags = memo
                    .tags(key[L_TAGS].as_deref())
                    .map_err(row_error("resourcetags"))?;
                let cost_category = memo
                    .cost_category(key[L_COST_CATEGORY].as_deref())
                    .map_err(row_error("costcategory"))?;
                let instance_name =
                    instance_name(key[L_TAGS].as_deref()).map_err(row_error("resourcetags"))?;
                let base = Ec2Row {
                    usage_start,
                    usage_end,
                    account_alias_id: None,
                    usage_account_id: usage_account_id.clone(),
                    resource_id: resource_id.to_string(),
                    instance_name,
                    instance_type: non_empty(key[L_INSTANCE_TYPE].as_deref()).map(str::to_string),
                    operating_system: inst.operating_system.clone(),
                    region: inst.region.clone(),
                    vcpu,
                    memory: non_empty(key[L_MEMORY].as_deref()).map(str::to_string),
                    unit: inst.unit.clone(),
                    currency_code: currency_code.clone(),
                    costs: Costs::new(inst.measures, run.markup),
                    tags,
                    cost_category,
                };
                if alias_ids.is_empty() {
                    rows.push(base);
                } else {
                    for &alias in alias_ids {
                        rows.push(Ec2Row {
                            account_alias_id: Some(alias),
                            ..base.clone()
                        });
                    }
                }
            }
        }
        let rows = apply_scope(rows, run, scope, &mut report);
        report.rows = rows.len();
        Ok((rows, report))
    }
}

/// [`Ec2Scope`] applied to koku's rows.
fn apply_scope(
    rows: Vec<Ec2Row>,
    run: &RunParams,
    scope: Ec2Scope,
    report: &mut Ec2Report,
) -> Vec<Ec2Row> {
    if scope == Ec2Scope::Koku {
        return rows;
    }
    rows.into_iter()
        .filter_map(|mut r| {
            if r.usage_start < run.month_start && scope == Ec2Scope::ClampToMonth {
                tracing::warn!(
                    resource_id = %r.resource_id,
                    usage_start = %date_of(r.usage_start),
                    "EC2 row starts before the month (a line of this month's partition is dated \
                     earlier): written with usage_start = the first of the month (--ec2-scope \
                     clamp-to-month)"
                );
                r.usage_start = run.month_start;
                report.clamped_to_month += 1;
            }
            if r.usage_start < run.month_start || r.usage_start > run.last_day {
                tracing::warn!(
                    resource_id = %r.resource_id,
                    usage_start = %date_of(r.usage_start),
                    "EC2 row outside koku's delete scope [first of the month, end date] left out \
                     (koku would write it again on every run: spec §10.5)"
                );
                report.left_out += 1;
                return None;
            }
            Some(r)
        })
        .collect()
}

/// What the EC2 summary found, for the run's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ec2Report {
    /// Instances of E.
    pub instances: usize,
    /// Instances without a latest-values row (no output row, spec §10.3).
    pub without_latest_values: usize,
    /// Rows left out by the scope (module doc).
    pub left_out: usize,
    /// Rows moved to the first of the month ([`Ec2Scope::ClampToMonth`]).
    pub clamped_to_month: usize,
    /// Rows written.
    pub rows: usize,
}

/// One output row.
#[derive(Debug, Clone, PartialEq)]
pub struct Ec2Row {
    pub usage_start: Day,
    pub usage_end: Day,
    pub account_alias_id: Option<i32>,
    pub usage_account_id: String,
    pub resource_id: String,
    pub instance_name: Option<String>,
    pub instance_type: Option<String>,
    pub operating_system: Option<String>,
    pub region: Option<String>,
    pub vcpu: Option<i32>,
    pub memory: Option<String>,
    pub unit: Option<String>,
    pub currency_code: String,
    pub costs: Costs,
    pub tags: Option<Arc<str>>,
    pub cost_category: Option<Arc<str>>,
}

/// The rows as a batch of [`AWS_EC2_COMPUTE_SUMMARY`].
pub fn to_batch(rows: &[Ec2Row], run: &RunParams) -> RecordBatch {
    let n = rows.len();
    let text = |f: &dyn Fn(&Ec2Row) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let int = |f: &dyn Fn(&Ec2Row) -> Option<i32>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Int32Array>())
    };
    let date = |f: &dyn Fn(&Ec2Row) -> Day| -> ArrayRef {
        Arc::new(rows.iter().map(|r| Some(f(r))).collect::<Date32Array>())
    };
    let mut columns: Vec<ArrayRef> = vec![
        date(&|r| r.usage_start),
        date(&|r| r.usage_end),
        Arc::new(Int32Array::from(vec![run.bill_id; n])),
        int(&|r| r.account_alias_id),
        text(&|r| Some(&r.usage_account_id)),
        text(&|r| Some(&r.resource_id)),
        text(&|r| r.instance_name.as_deref()),
        text(&|r| r.instance_type.as_deref()),
        text(&|r| r.operating_system.as_deref()),
        text(&|r| r.region.as_deref()),
        int(&|r| r.vcpu),
        text(&|r| r.memory.as_deref()),
        text(&|r| r.unit.as_deref()),
    ];
    columns.extend(measures::columns(rows, |r| &r.costs, |r| &r.currency_code));
    columns.extend([
        text(&|r| r.tags.as_deref()),
        text(&|r| r.cost_category.as_deref()),
        Arc::new(StringArray::from(vec![Some(run.source_uuid.as_str()); n])),
    ]);
    RecordBatch::try_new(AWS_EC2_COMPUTE_SUMMARY.schema(), columns)
        .expect("columns match the canonical schema")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_instance_family_is_a_case_sensitive_substring() {
        assert!(is_compute_instance("Compute Instance"));
        assert!(is_compute_instance("Compute Instance (bare metal)"));
        assert!(is_compute_instance("Dedicated Compute Instance"));
        assert!(!is_compute_instance("compute instance"));
        assert!(!is_compute_instance("Compute"));
        assert!(!is_compute_instance(""));
    }
}
