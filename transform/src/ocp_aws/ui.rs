//! S12 step 4 (§4.12): the eight UI summary tables koku's Trino SQL fills for the pair and window
//! from T4 (not from the `_p` rows: the grouping starts again from the attributed rows).

use std::sync::Arc;

use koku_common::schema::Dataset;
use koku_common::schema::ocp_aws::{
    OCP_AWS_COMPUTE_SUMMARY, OCP_AWS_COST_SUMMARY, OCP_AWS_COST_SUMMARY_BY_ACCOUNT,
    OCP_AWS_COST_SUMMARY_BY_REGION, OCP_AWS_COST_SUMMARY_BY_SERVICE, OCP_AWS_DATABASE_SUMMARY,
    OCP_AWS_NETWORK_SUMMARY, OCP_AWS_STORAGE_SUMMARY,
};

use super::inputs::Text;
use super::matching::{Costs, Line};
use super::output::{Cell, OutputRow};
use super::rows::T4;
use crate::core::FastMap;
use crate::core::days::Day;
use crate::core::sum::{max_ord, sum_opt};

/// The columns a UI table may group by, besides the day (unused ones stay NULL in the key).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    usage_account_id: Text,
    account_alias_id: Option<i32>,
    region: Text,
    availability_zone: Text,
    product_code: Text,
    product_family: Text,
    instance_type: Text,
    resource_id: Text,
}

/// What one UI table groups by and which rows it reads (koku's statement per table).
struct Shape {
    dataset: &'static Dataset,
    key: fn(&Line, &T4) -> Key,
    keep: fn(&Line) -> bool,
}

fn account(l: &Line, t: &T4) -> Key {
    Key {
        usage_account_id: l.usage_account_id.clone(),
        account_alias_id: t.account_alias_id,
        ..Key::default()
    }
}

const DATABASE_PRODUCTS: [&str; 6] = [
    "AmazonRDS",
    "AmazonDynamoDB",
    "AmazonElastiCache",
    "AmazonNeptune",
    "AmazonRedshift",
    "AmazonDocumentDB",
];
const NETWORK_PRODUCTS: [&str; 4] = [
    "AmazonVPC",
    "AmazonCloudFront",
    "AmazonRoute53",
    "AmazonAPIGateway",
];

const SHAPES: [Shape; 8] = [
    Shape {
        dataset: &OCP_AWS_COST_SUMMARY,
        key: |_, _| Key::default(),
        keep: |_| true,
    },
    Shape {
        dataset: &OCP_AWS_COST_SUMMARY_BY_ACCOUNT,
        key: account,
        keep: |_| true,
    },
    Shape {
        dataset: &OCP_AWS_COST_SUMMARY_BY_REGION,
        key: |l, t| Key {
            region: l.region.clone(),
            availability_zone: l.availability_zone.clone(),
            ..account(l, t)
        },
        keep: |_| true,
    },
    Shape {
        dataset: &OCP_AWS_COST_SUMMARY_BY_SERVICE,
        key: |l, t| Key {
            product_code: l.product_code.clone(),
            product_family: l.product_family.clone(),
            ..account(l, t)
        },
        keep: |_| true,
    },
    Shape {
        dataset: &OCP_AWS_COMPUTE_SUMMARY,
        key: |l, t| Key {
            instance_type: l.instance_type.clone(),
            resource_id: l.resource_id.clone(),
            ..account(l, t)
        },
        keep: |l| l.instance_type.is_some(),
    },
    Shape {
        dataset: &OCP_AWS_STORAGE_SUMMARY,
        key: |l, t| Key {
            product_family: l.product_family.clone(),
            ..account(l, t)
        },
        // koku: product_family LIKE '%Storage%' AND unit = 'GB-Mo'.
        keep: |l| {
            l.product_family
                .as_deref()
                .is_some_and(|f| f.contains("Storage"))
                && l.unit.as_deref() == Some("GB-Mo")
        },
    },
    Shape {
        dataset: &OCP_AWS_NETWORK_SUMMARY,
        key: |l, t| Key {
            product_code: l.product_code.clone(),
            ..account(l, t)
        },
        keep: |l| {
            l.product_code
                .as_deref()
                .is_some_and(|p| NETWORK_PRODUCTS.contains(&p))
        },
    },
    Shape {
        dataset: &OCP_AWS_DATABASE_SUMMARY,
        key: |l, t| Key {
            product_code: l.product_code.clone(),
            ..account(l, t)
        },
        keep: |l| {
            l.product_code
                .as_deref()
                .is_some_and(|p| DATABASE_PRODUCTS.contains(&p))
        },
    },
];

/// One row of a UI table.
#[derive(Debug, Clone)]
pub struct UiRow {
    day: Day,
    key: Key,
    cluster_id: Text,
    cluster_alias: Text,
    /// `max(account_alias_id)`: equal to the key's where the table groups by it.
    account_alias_id: Option<i32>,
    usage_amount: Option<f64>,
    unit: Text,
    costs: Costs,
    markups: Costs,
    currency_code: Text,
    cost_category_id: Option<i32>,
    source_uuid: Arc<str>,
}

/// The eight UI tables of one pair and window: T4 rows added as they are made.
pub struct UiTables {
    groups: Vec<FastMap<(Day, Key), UiRow>>,
    source_uuid: Arc<str>,
}

impl UiTables {
    pub fn new(source_uuid: &Arc<str>) -> UiTables {
        UiTables {
            groups: SHAPES.iter().map(|_| FastMap::default()).collect(),
            source_uuid: source_uuid.clone(),
        }
    }

    pub fn add(&mut self, lines: &[Line], t4: &[T4]) {
        for (shape, groups) in SHAPES.iter().zip(self.groups.iter_mut()) {
            for t in t4 {
                let l = &lines[t.line];
                if !(shape.keep)(l) {
                    continue;
                }
                let key = (shape.key)(l, t);
                let row = groups.entry((t.day, key.clone())).or_insert_with(|| UiRow {
                    day: t.day,
                    key,
                    cluster_id: None,
                    cluster_alias: None,
                    account_alias_id: None,
                    usage_amount: None,
                    unit: None,
                    costs: [None; 4],
                    markups: [None; 4],
                    currency_code: None,
                    cost_category_id: None,
                    source_uuid: self.source_uuid.clone(),
                });
                max_ord(&mut row.cluster_id, t.cluster_id.as_ref());
                max_ord(&mut row.cluster_alias, t.cluster_alias.as_ref());
                max_ord(&mut row.account_alias_id, t.account_alias_id.as_ref());
                row.usage_amount = sum_opt(row.usage_amount, t.usage_amount);
                max_ord(&mut row.unit, l.unit.as_ref());
                for i in 0..4 {
                    row.costs[i] = sum_opt(row.costs[i], t.costs[i]);
                    row.markups[i] = sum_opt(row.markups[i], t.markups[i]);
                }
                max_ord(&mut row.currency_code, l.currency_code.as_ref());
                max_ord(&mut row.cost_category_id, t.cost_category_id.as_ref());
            }
        }
    }

    /// The rows of every UI table, in
    /// [`koku_common::schema::ocp_aws::OCP_AWS_UI_SUMMARIES`] order.
    pub fn finish(self) -> Vec<(&'static Dataset, Vec<UiRow>)> {
        SHAPES
            .iter()
            .zip(self.groups)
            .map(|(shape, groups)| {
                // Sorted by the group key: the same rows always come out in the same order.
                let mut rows: Vec<((Day, Key), UiRow)> = groups.into_iter().collect();
                rows.sort_by(|a, b| a.0.cmp(&b.0));
                (shape.dataset, rows.into_iter().map(|(_, r)| r).collect())
            })
            .collect()
    }
}

impl OutputRow for UiRow {
    fn cell(&self, column: &str) -> Cell<'_> {
        fn t(x: &Text) -> Cell<'_> {
            Cell::Text(x.as_deref())
        }
        let k = &self.key;
        match column {
            "usage_start" | "usage_end" => Cell::Date(self.day),
            "cluster_id" => t(&self.cluster_id),
            "cluster_alias" => t(&self.cluster_alias),
            "usage_account_id" => t(&k.usage_account_id),
            "account_alias_id" => Cell::Int(self.account_alias_id),
            "region" => t(&k.region),
            "availability_zone" => t(&k.availability_zone),
            "product_code" => t(&k.product_code),
            "product_family" => t(&k.product_family),
            "instance_type" => t(&k.instance_type),
            "resource_id" => t(&k.resource_id),
            "usage_amount" => Cell::Float(self.usage_amount),
            "unit" => t(&self.unit),
            "unblended_cost" => Cell::Float(self.costs[0]),
            "markup_cost" => Cell::Float(self.markups[0]),
            "blended_cost" => Cell::Float(self.costs[1]),
            "markup_cost_blended" => Cell::Float(self.markups[1]),
            "savingsplan_effective_cost" => Cell::Float(self.costs[2]),
            "markup_cost_savingsplan" => Cell::Float(self.markups[2]),
            "calculated_amortized_cost" => Cell::Float(self.costs[3]),
            "markup_cost_amortized" => Cell::Float(self.markups[3]),
            "currency_code" => t(&self.currency_code),
            "cost_category_id" => Cell::Int(self.cost_category_id),
            "source_uuid" => Cell::Text(Some(&self.source_uuid)),
            other => panic!("the UI rows have no column {other}"),
        }
    }
}
