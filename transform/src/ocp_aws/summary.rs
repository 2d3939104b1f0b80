//! S11 (§4.11): the T4 rows of a pair and window grouped into the rows koku inserts into
//! `reporting_ocpawscostlineitem_project_daily_summary_p`: tags restricted to the enabled keys (the
//! same text as `pod_labels`), network GB split into in/out, every measure a double sum.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::inputs::Text;
use super::matching::{Costs, Line};
use super::output::{Cell, OutputRow};
use super::rows::T4;
use crate::core::days::Day;
use crate::core::labels::{self, EnabledKeys};
use crate::core::sum::{max_ord, sum_opt};

/// The group-by of koku's insert, in its order (NULLs group together).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    day: Day,
    cluster_id: Text,
    data_source: Text,
    namespace: Text,
    node: Text,
    persistentvolumeclaim: Text,
    persistentvolume: Text,
    storageclass: Text,
    resource_id: Text,
    product_code: Text,
    product_family: Text,
    instance_type: Text,
    usage_account_id: Text,
    availability_zone: Text,
    region: Text,
    unit: Text,
    direction: Option<&'static str>,
    currency_code: Text,
    enabled_tags: Option<String>,
    aws_cost_category: Option<String>,
    cost_category_id: Option<i32>,
}

/// One row of the `_p` table.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    key: Key,
    report_period_id: i32,
    bill_id: i32,
    source_uuid: Arc<str>,
    cluster_alias: Text,
    account_alias_id: Option<i32>,
    usage_amount: Option<f64>,
    data_in: Option<f64>,
    data_out: Option<f64>,
    costs: Costs,
    markups: Costs,
}

fn add(acc: &mut Costs, x: &Costs) {
    for (a, b) in acc.iter_mut().zip(x) {
        *a = sum_opt(*a, *b);
    }
}

/// S11 for one pair and window. `keys`: `vm_kubevirt_io_name` and the enabled AWS and OCP keys.
pub fn summary_rows(
    lines: &[Line],
    t4: &[T4],
    keys: &EnabledKeys,
    report_period_id: i32,
    bill_id: i32,
    source_uuid: &Arc<str>,
) -> Result<Vec<SummaryRow>, String> {
    let mut groups: BTreeMap<Key, SummaryRow> = BTreeMap::new();
    let mut cc_memo: BTreeMap<Arc<str>, String> = BTreeMap::new();
    for t in t4 {
        let l = &lines[t.line];
        let enabled_tags = t
            .tags
            .as_ref()
            .map(|m| labels::to_json(&labels::filter(m, keys)));
        let aws_cost_category = match &t.aws_cost_category {
            None => None,
            Some(text) => Some(match cc_memo.get(text) {
                Some(c) => c.clone(),
                None => {
                    let c = labels::canonical_json(text)?;
                    cc_memo.insert(text.clone(), c.clone());
                    c
                }
            }),
        };
        let key = Key {
            day: t.day,
            cluster_id: t.cluster_id.clone(),
            data_source: t.data_source.clone(),
            namespace: t.namespace.clone(),
            node: t.node.clone(),
            persistentvolumeclaim: t.persistentvolumeclaim.clone(),
            persistentvolume: t.persistentvolume.clone(),
            storageclass: t.storageclass.clone(),
            resource_id: l.resource_id.clone(),
            product_code: l.product_code.clone(),
            product_family: l.product_family.clone(),
            instance_type: l.instance_type.clone(),
            usage_account_id: l.usage_account_id.clone(),
            availability_zone: l.availability_zone.clone(),
            region: l.region.clone(),
            unit: l.unit.clone(),
            direction: t.direction,
            currency_code: l.currency_code.clone(),
            enabled_tags,
            aws_cost_category,
            cost_category_id: t.cost_category_id,
        };
        // koku: CASE WHEN upper(direction) = 'IN' THEN usage_amount ELSE 0 END.
        let (data_in, data_out) = match t.direction {
            Some("IN") => (t.usage_amount, Some(0.0)),
            Some("OUT") => (Some(0.0), t.usage_amount),
            _ => (Some(0.0), Some(0.0)),
        };
        let row = groups.entry(key.clone()).or_insert_with(|| SummaryRow {
            key,
            report_period_id,
            bill_id,
            source_uuid: source_uuid.clone(),
            cluster_alias: None,
            account_alias_id: None,
            usage_amount: None,
            data_in: None,
            data_out: None,
            costs: [None; 4],
            markups: [None; 4],
        });
        max_ord(&mut row.cluster_alias, t.cluster_alias.as_ref());
        max_ord(&mut row.account_alias_id, t.account_alias_id.as_ref());
        row.usage_amount = sum_opt(row.usage_amount, t.usage_amount);
        row.data_in = sum_opt(row.data_in, data_in);
        row.data_out = sum_opt(row.data_out, data_out);
        add(&mut row.costs, &t.costs);
        add(&mut row.markups, &t.markups);
    }
    Ok(groups.into_values().collect())
}

impl OutputRow for SummaryRow {
    fn cell(&self, column: &str) -> Cell<'_> {
        fn t(x: &Text) -> Cell<'_> {
            Cell::Text(x.as_deref())
        }
        let k = &self.key;
        match column {
            "report_period_id" => Cell::Int(Some(self.report_period_id)),
            "cluster_id" => t(&k.cluster_id),
            "cluster_alias" => t(&self.cluster_alias),
            "data_source" => t(&k.data_source),
            "namespace" => t(&k.namespace),
            "node" => t(&k.node),
            "persistentvolumeclaim" => t(&k.persistentvolumeclaim),
            "persistentvolume" => t(&k.persistentvolume),
            "storageclass" => t(&k.storageclass),
            "resource_id" => t(&k.resource_id),
            "usage_start" | "usage_end" => Cell::Date(k.day),
            "product_code" => t(&k.product_code),
            "product_family" => t(&k.product_family),
            "instance_type" => t(&k.instance_type),
            "cost_entry_bill_id" => Cell::Int(Some(self.bill_id)),
            "usage_account_id" => t(&k.usage_account_id),
            "account_alias_id" => Cell::Int(self.account_alias_id),
            "availability_zone" => t(&k.availability_zone),
            "region" => t(&k.region),
            "unit" => t(&k.unit),
            "usage_amount" => Cell::Float(self.usage_amount),
            "infrastructure_data_in_gigabytes" => Cell::Float(self.data_in),
            "infrastructure_data_out_gigabytes" => Cell::Float(self.data_out),
            "data_transfer_direction" => Cell::Text(k.direction),
            "currency_code" => t(&k.currency_code),
            "unblended_cost" => Cell::Float(self.costs[0]),
            "markup_cost" => Cell::Float(self.markups[0]),
            "blended_cost" => Cell::Float(self.costs[1]),
            "markup_cost_blended" => Cell::Float(self.markups[1]),
            "savingsplan_effective_cost" => Cell::Float(self.costs[2]),
            "markup_cost_savingsplan" => Cell::Float(self.markups[2]),
            "calculated_amortized_cost" => Cell::Float(self.costs[3]),
            "markup_cost_amortized" => Cell::Float(self.markups[3]),
            "pod_labels" | "tags" => Cell::Text(k.enabled_tags.as_deref()),
            "aws_cost_category" => Cell::Text(k.aws_cost_category.as_deref()),
            "cost_category_id" => Cell::Int(k.cost_category_id),
            "source_uuid" => Cell::Text(Some(&self.source_uuid)),
            other => panic!("the _p rows have no column {other}"),
        }
    }
}
