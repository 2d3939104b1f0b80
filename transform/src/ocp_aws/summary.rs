//! S11 (§4.11): the T4 rows of a pair and window grouped into the rows koku inserts into
//! `reporting_ocpawscostlineitem_project_daily_summary_p`: tags restricted to the enabled keys (the
//! same text as `pod_labels`), network GB split into in/out, every measure a double sum.

use std::rc::Rc;
use std::sync::Arc;

use super::inputs::{Text, same_text};
use super::matching::{Costs, Line};
use super::output::{Cell, OutputRow};
use super::rows::T4;
use crate::core::FastMap;
use crate::core::days::Day;
use crate::core::labels;
use crate::core::sum::{max_ord, sum_opt};

/// The group-by of koku's insert, in its order (NULLs group together).
// `PartialEq` below is the derived content equality with a pointer shortcut, so the derived `Hash`
// agrees with it.
#[allow(clippy::derived_hash_with_manual_eq)]
#[derive(Debug, Clone, Hash)]
struct Key {
    day: Day,
    /// The line item's part of the key ([`LineKey`]), by its index in [`Summary::line_keys`].
    line: u32,
    cluster_id: Text,
    data_source: Text,
    namespace: Text,
    node: Text,
    persistentvolumeclaim: Text,
    persistentvolume: Text,
    storageclass: Text,
    direction: Option<&'static str>,
    enabled_tags: Option<Arc<str>>,
    aws_cost_category: Option<String>,
    cost_category_id: Option<i32>,
}

/// The columns of the group-by that come from the line item (T1), the same for every T4 row of it:
/// resolved once per line item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineKey {
    resource_id: Text,
    product_code: Text,
    product_family: Text,
    instance_type: Text,
    usage_account_id: Text,
    availability_zone: Text,
    region: Text,
    unit: Text,
    currency_code: Text,
}

/// The order in which line items are summed so that a `_p` group is complete when its run of line
/// items ends: (day, [`LineKey`]), both part of S11's key.
pub fn line_order(l: &Line) -> (Day, LineKey) {
    (l.day, LineKey::of(l))
}

impl LineKey {
    fn of(l: &Line) -> LineKey {
        LineKey {
            resource_id: l.resource_id.clone(),
            product_code: l.product_code.clone(),
            product_family: l.product_family.clone(),
            instance_type: l.instance_type.clone(),
            usage_account_id: l.usage_account_id.clone(),
            availability_zone: l.availability_zone.clone(),
            region: l.region.clone(),
            unit: l.unit.clone(),
            currency_code: l.currency_code.clone(),
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.day == o.day
            && self.line == o.line
            && self.direction == o.direction
            && self.cost_category_id == o.cost_category_id
            && same_text(&self.namespace, &o.namespace)
            && same_text(&self.node, &o.node)
            && same_text(&self.enabled_tags, &o.enabled_tags)
            && same_text(&self.persistentvolumeclaim, &o.persistentvolumeclaim)
            && same_text(&self.persistentvolume, &o.persistentvolume)
            && same_text(&self.data_source, &o.data_source)
            && same_text(&self.cluster_id, &o.cluster_id)
            && same_text(&self.storageclass, &o.storageclass)
            && self.aws_cost_category == o.aws_cost_category
    }
}

impl Eq for Key {}

/// The sums of one `_p` row.
#[derive(Debug, Clone)]
struct Sums {
    cluster_alias: Text,
    account_alias_id: Option<i32>,
    usage_amount: Option<f64>,
    data_in: Option<f64>,
    data_out: Option<f64>,
    costs: Costs,
    markups: Costs,
}

/// One row of the `_p` table.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    key: Key,
    line: Rc<LineKey>,
    report_period_id: i32,
    bill_id: i32,
    source_uuid: Arc<str>,
    sums: Sums,
}

fn add(acc: &mut Costs, x: &Costs) {
    for (a, b) in acc.iter_mut().zip(x) {
        *a = sum_opt(*a, *b);
    }
}

/// S11 for one pair and window: T4 rows added as they are made, the groups given back in the order
/// they first appeared (T4's order, itself deterministic).
pub struct Summary {
    /// Group → its index in `rows`. The key is shared with `rows` (an `Rc`), so growing the map
    /// moves pointers, not keys.
    index: FastMap<Rc<Key>, usize>,
    rows: Vec<(Rc<Key>, Sums)>,
    /// The distinct [`LineKey`]s, and each line item's index among them.
    line_keys: Vec<Rc<LineKey>>,
    line_key_ids: FastMap<Rc<LineKey>, u32>,
    line_of: FastMap<usize, u32>,
    cc_memo: FastMap<Arc<str>, String>,
    report_period_id: i32,
    bill_id: i32,
    source_uuid: Arc<str>,
}

impl Summary {
    pub fn new(report_period_id: i32, bill_id: i32, source_uuid: &Arc<str>) -> Summary {
        Summary {
            index: FastMap::default(),
            rows: vec![],
            line_keys: vec![],
            line_key_ids: FastMap::default(),
            line_of: FastMap::default(),
            cc_memo: FastMap::default(),
            report_period_id,
            bill_id,
            source_uuid: source_uuid.clone(),
        }
    }

    /// Add T4 rows; an error when an `aws_cost_category` is not JSON (koku's `json_parse` fails).
    pub fn add(&mut self, lines: &[Line], t4: &[T4]) -> Result<(), String> {
        for t in t4 {
            let l = &lines[t.line];
            let aws_cost_category = match &t.aws_cost_category {
                None => None,
                Some(text) => Some(match self.cc_memo.get(text) {
                    Some(c) => c.clone(),
                    None => {
                        let c = labels::canonical_json(text)?;
                        self.cc_memo.insert(text.clone(), c.clone());
                        c
                    }
                }),
            };
            let line = match self.line_of.get(&t.line) {
                Some(&id) => id,
                None => {
                    let lk = LineKey::of(l);
                    let id = match self.line_key_ids.get(&lk) {
                        Some(&id) => id,
                        None => {
                            let lk = Rc::new(lk);
                            let id = self.line_keys.len() as u32;
                            self.line_keys.push(lk.clone());
                            self.line_key_ids.insert(lk, id);
                            id
                        }
                    };
                    self.line_of.insert(t.line, id);
                    id
                }
            };
            let key = Key {
                day: t.day,
                line,
                cluster_id: t.cluster_id.clone(),
                data_source: t.data_source.clone(),
                namespace: t.namespace.clone(),
                node: t.node.clone(),
                persistentvolumeclaim: t.persistentvolumeclaim.clone(),
                persistentvolume: t.persistentvolume.clone(),
                storageclass: t.storageclass.clone(),
                direction: t.direction,
                enabled_tags: t.enabled_tags.clone(),
                aws_cost_category,
                cost_category_id: t.cost_category_id,
            };
            // koku: CASE WHEN upper(direction) = 'IN' THEN usage_amount ELSE 0 END.
            let (data_in, data_out) = match t.direction {
                Some("IN") => (t.usage_amount, Some(0.0)),
                Some("OUT") => (Some(0.0), t.usage_amount),
                _ => (Some(0.0), Some(0.0)),
            };
            let i = match self.index.get(&key) {
                Some(&i) => i,
                None => {
                    let key = Rc::new(key);
                    self.index.insert(key.clone(), self.rows.len());
                    self.rows.push((
                        key,
                        Sums {
                            cluster_alias: None,
                            account_alias_id: None,
                            usage_amount: None,
                            data_in: None,
                            data_out: None,
                            costs: [None; 4],
                            markups: [None; 4],
                        },
                    ));
                    self.rows.len() - 1
                }
            };
            let row = &mut self.rows[i].1;
            max_ord(&mut row.cluster_alias, t.cluster_alias.as_ref());
            max_ord(&mut row.account_alias_id, t.account_alias_id.as_ref());
            row.usage_amount = sum_opt(row.usage_amount, t.usage_amount);
            row.data_in = sum_opt(row.data_in, data_in);
            row.data_out = sum_opt(row.data_out, data_out);
            add(&mut row.costs, &t.costs);
            add(&mut row.markups, &t.markups);
        }
        Ok(())
    }

    /// The rows, in the order their groups first appeared.
    pub fn finish(self) -> Vec<SummaryRow> {
        drop(self.index);
        let (report_period_id, bill_id, source_uuid) =
            (self.report_period_id, self.bill_id, self.source_uuid);
        self.rows
            .into_iter()
            .map(|(key, sums)| SummaryRow {
                line: self.line_keys[key.line as usize].clone(),
                key: Rc::try_unwrap(key).unwrap_or_else(|k| (*k).clone()),
                report_period_id,
                bill_id,
                source_uuid: source_uuid.clone(),
                sums,
            })
            .collect()
    }
}

impl OutputRow for SummaryRow {
    fn cell(&self, column: &str) -> Cell<'_> {
        fn t(x: &Text) -> Cell<'_> {
            Cell::Text(x.as_deref())
        }
        let k = &self.key;
        let lk = &*self.line;
        match column {
            "report_period_id" => Cell::Int(Some(self.report_period_id)),
            "cluster_id" => t(&k.cluster_id),
            "cluster_alias" => t(&self.sums.cluster_alias),
            "data_source" => t(&k.data_source),
            "namespace" => t(&k.namespace),
            "node" => t(&k.node),
            "persistentvolumeclaim" => t(&k.persistentvolumeclaim),
            "persistentvolume" => t(&k.persistentvolume),
            "storageclass" => t(&k.storageclass),
            "resource_id" => t(&lk.resource_id),
            "usage_start" | "usage_end" => Cell::Date(k.day),
            "product_code" => t(&lk.product_code),
            "product_family" => t(&lk.product_family),
            "instance_type" => t(&lk.instance_type),
            "cost_entry_bill_id" => Cell::Int(Some(self.bill_id)),
            "usage_account_id" => t(&lk.usage_account_id),
            "account_alias_id" => Cell::Int(self.sums.account_alias_id),
            "availability_zone" => t(&lk.availability_zone),
            "region" => t(&lk.region),
            "unit" => t(&lk.unit),
            "usage_amount" => Cell::Float(self.sums.usage_amount),
            "infrastructure_data_in_gigabytes" => Cell::Float(self.sums.data_in),
            "infrastructure_data_out_gigabytes" => Cell::Float(self.sums.data_out),
            "data_transfer_direction" => Cell::Text(k.direction),
            "currency_code" => t(&lk.currency_code),
            "unblended_cost" => Cell::Float(self.sums.costs[0]),
            "markup_cost" => Cell::Float(self.sums.markups[0]),
            "blended_cost" => Cell::Float(self.sums.costs[1]),
            "markup_cost_blended" => Cell::Float(self.sums.markups[1]),
            "savingsplan_effective_cost" => Cell::Float(self.sums.costs[2]),
            "markup_cost_savingsplan" => Cell::Float(self.sums.markups[2]),
            "calculated_amortized_cost" => Cell::Float(self.sums.costs[3]),
            "markup_cost_amortized" => Cell::Float(self.sums.markups[3]),
            "pod_labels" | "tags" => Cell::Text(k.enabled_tags.as_deref()),
            "aws_cost_category" => Cell::Text(k.aws_cost_category.as_deref()),
            "cost_category_id" => Cell::Int(k.cost_category_id),
            "source_uuid" => Cell::Text(Some(&self.source_uuid)),
            other => panic!("the _p rows have no column {other}"),
        }
    }
}
