//! Storage rows (`data_source = 'Storage'`, spec §4.5): daily PVC usage placed on the node(s) of the pods
//! that mounted the claim that day, with the shared-volume node count dividing request and usage.

use std::collections::BTreeSet;

use koku_common::schema::{STORAGE_USAGE_DAILY, row_kind};

use super::inputs::{PodDaily, StorageDaily};
use super::output::{INFRASTRUCTURE_USAGE_COST, SummaryRow};
use super::pod::iter_or_empty;
use super::{Context, G};
use crate::core::FastMap;
use crate::core::days::Day;
use crate::core::labels::{Labels, merge, to_json};
use crate::core::sum::{max_opt, max_ord, sum_opt};
use crate::error::TransformError;

/// A `cte_volume_nodes` row: (day, pvc, pv, pod, namespace, node, resource_id), borrowing the input.
type VolumeNode<'a> = (
    Day,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

/// Where a pod ran: (node, resource_id).
type Placement<'a> = (Option<&'a str>, Option<&'a str>);

/// Group key: namespace, node, resource_id, pvc, pv, storageclass, csi_volume_handle, day, volume_labels;
/// the text borrows the input rows, the merged labels are this row's JSON.
type StorageKey<'a> = (
    Day,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<String>,
);

#[derive(Debug, Default)]
struct StorageGroup {
    cost_category_id: Option<i32>,
    capacity_bytes: Option<f64>,
    capacity_byte_seconds: Option<f64>,
    request_byte_seconds: Option<f64>,
    usage_byte_seconds: Option<f64>,
    node_count: Option<i64>,
}

/// Days in the month of `day` (`extract(day from last_day_of_month(d))`).
pub fn days_in_month(day: Day) -> u32 {
    use chrono::{Datelike, NaiveDate};
    let d = NaiveDate::from_num_days_from_ce_opt(day + 719_163).expect("valid day");
    let (y, m) = (d.year(), d.month());
    let first_next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    (first_next.expect("valid") - NaiveDate::from_ymd_opt(y, m, 1).expect("valid")).num_days()
        as u32
}

/// Compute the Storage rows, sorted by their group key.
pub fn storage_rows<'a>(
    storage: &[StorageDaily<'a>],
    pods: &[PodDaily<'a>],
    ctx: &mut Context<'_>,
) -> Result<Vec<SummaryRow>, TransformError> {
    // Pod placements per (day, namespace, pod): the inner join of storage and pod rows. NULL keys never
    // join. Every pod row counts here, also those with an empty node (they give node '').
    let mut placements: FastMap<(Day, &str, &str), BTreeSet<Placement<'a>>> = FastMap::default();
    for p in pods {
        if let (Some(ns), Some(pod)) = (p.namespace, p.pod) {
            placements
                .entry((p.day, ns, pod))
                .or_default()
                .insert((p.node, p.resource_id));
        }
    }
    // cte_volume_nodes: distinct tuples. A NULL claim still forms tuples (the claim is not a join key
    // there) and so counts for its pv's node count, but it can never be joined back.
    let mut volume_nodes: BTreeSet<VolumeNode<'a>> = BTreeSet::new();
    for s in storage {
        let (Some(ns), Some(pod)) = (s.namespace, s.pod) else {
            continue;
        };
        for (node, rid) in placements.get(&(s.day, ns, pod)).into_iter().flatten() {
            volume_nodes.insert((
                s.day,
                s.persistentvolumeclaim,
                s.persistentvolume,
                pod,
                ns,
                *node,
                *rid,
            ));
        }
    }
    // cte_shared_volume_node_count: count(DISTINCT node) per (day, pv); NULL nodes are not counted, and a
    // NULL pv is never looked up (the join is on equality).
    let mut nodes_per_pv: FastMap<(Day, &str), BTreeSet<&str>> = FastMap::default();
    for &(day, _, pv, _, _, node, _) in &volume_nodes {
        if let Some(pv) = pv {
            let set = nodes_per_pv.entry((day, pv)).or_default();
            if let Some(node) = node {
                set.insert(node);
            }
        }
    }
    // The LEFT JOIN back: on (day, pvc, pod, namespace), not on pv; one copy per volume-node tuple.
    let mut vn_by_claim: FastMap<(Day, &str, &str, &str), Vec<Placement<'a>>> = FastMap::default();
    for &(day, pvc, _, pod, ns, node, rid) in &volume_nodes {
        if let Some(pvc) = pvc {
            vn_by_claim
                .entry((day, pvc, pod, ns))
                .or_default()
                .push((node, rid));
        }
    }

    let mut groups: FastMap<StorageKey<'a>, StorageGroup> = FastMap::default();
    let empty = Labels::new();
    for s in storage {
        let pv_labels = ctx.labels.get(s.persistentvolume_labels).map_err(|m| {
            TransformError::input(&STORAGE_USAGE_DAILY, s.row, "persistentvolume_labels", m)
        })?;
        let pvc_labels = ctx
            .labels
            .get(s.persistentvolumeclaim_labels)
            .map_err(|m| {
                TransformError::input(
                    &STORAGE_USAGE_DAILY,
                    s.row,
                    "persistentvolumeclaim_labels",
                    m,
                )
            })?;
        let matched: Vec<Placement<'_>> = match (s.persistentvolumeclaim, s.pod, s.namespace) {
            (Some(pvc), Some(pod), Some(ns)) => vn_by_claim
                .get(&(s.day, pvc, pod, ns))
                .cloned()
                .unwrap_or_default(),
            _ => vec![],
        };
        let copies: Vec<Placement<'_>> = if matched.is_empty() {
            vec![(None, None)]
        } else {
            matched
        };
        let node_count = s
            .persistentvolume
            .and_then(|pv| nodes_per_pv.get(&(s.day, pv)))
            .map(|set| set.len() as i64);
        let categories = ctx.categories.matches(s.namespace).to_vec();
        let ns_sets = ctx.namespace_labels.get(s.day, s.namespace);
        for (node, rid) in copies {
            let node_sets = ctx.node_labels.get(s.day, node);
            for a in iter_or_empty(node_sets, &empty) {
                for b in iter_or_empty(ns_sets, &empty) {
                    let merged = match (&pv_labels, &pvc_labels) {
                        (Some(pv), Some(pvc)) => Some(to_json(&merge(&[a, b, pv, pvc]))),
                        _ => None,
                    };
                    let key = (
                        s.day,
                        s.namespace,
                        node,
                        rid,
                        s.persistentvolumeclaim,
                        s.persistentvolume,
                        s.storageclass,
                        s.csi_volume_handle,
                        merged,
                    );
                    let g = groups.entry(key).or_default();
                    for c in &categories {
                        max_ord(&mut g.cost_category_id, c.as_ref());
                        g.capacity_bytes =
                            max_opt(g.capacity_bytes, s.persistentvolumeclaim_capacity_bytes);
                        g.capacity_byte_seconds = sum_opt(
                            g.capacity_byte_seconds,
                            s.persistentvolumeclaim_capacity_byte_seconds,
                        );
                        g.request_byte_seconds = sum_opt(
                            g.request_byte_seconds,
                            s.volume_request_storage_byte_seconds,
                        );
                        g.usage_byte_seconds = sum_opt(
                            g.usage_byte_seconds,
                            s.persistentvolumeclaim_usage_byte_seconds,
                        );
                        max_ord(&mut g.node_count, node_count.as_ref());
                    }
                }
            }
        }
    }

    let mut keyed: Vec<_> = groups.into_iter().collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed
        .into_iter()
        .map(
            |((day, namespace, node, resource_id, pvc, pv, storageclass, csi, labels), g)| {
                // `86400 * N` is an integer product, exact in f64.
                let month_seconds = (86_400 * days_in_month(day)) as f64;
                // Trino: `sum(x) / max(node_count)` (double / bigint), then `/ (86400*N) * power(2, -30)`.
                let per_node = |x: Option<f64>| -> Option<f64> { Some(x? / g.node_count? as f64) };
                let months = |x: Option<f64>| x.map(|v| v / month_seconds * G);
                let owned = |t: Option<&str>| t.map(str::to_string);
                SummaryRow {
                    row_kind: row_kind::STORAGE,
                    data_source: "Storage",
                    usage_start: day,
                    namespace: owned(namespace),
                    node: owned(node),
                    resource_id: owned(resource_id),
                    persistentvolumeclaim: owned(pvc),
                    persistentvolume: owned(pv),
                    storageclass: owned(storageclass),
                    all_labels: labels.clone().unwrap_or_else(|| "{}".into()),
                    volume_labels: labels,
                    persistentvolumeclaim_capacity_gigabyte: g.capacity_bytes.map(|b| b * G),
                    persistentvolumeclaim_capacity_gigabyte_months: months(g.capacity_byte_seconds),
                    volume_request_storage_gigabyte_months: months(per_node(
                        g.request_byte_seconds,
                    )),
                    persistentvolumeclaim_usage_gigabyte_months: months(per_node(
                        g.usage_byte_seconds,
                    )),
                    infrastructure_usage_cost: Some(INFRASTRUCTURE_USAGE_COST),
                    csi_volume_handle: owned(csi),
                    cost_category_id: g.cost_category_id,
                    ..SummaryRow::default()
                }
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::days_in_month;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        (NaiveDate::from_ymd_opt(y, m, d).unwrap() - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
            .num_days() as i32
    }

    #[test]
    fn month_lengths_including_leap_years() {
        assert_eq!(days_in_month(day(2025, 10, 1)), 31);
        assert_eq!(days_in_month(day(2025, 9, 30)), 30);
        assert_eq!(days_in_month(day(2025, 2, 14)), 28);
        assert_eq!(days_in_month(day(2028, 2, 29)), 29);
        assert_eq!(days_in_month(day(2000, 2, 1)), 29);
        assert_eq!(days_in_month(day(2100, 2, 1)), 28);
        assert_eq!(days_in_month(day(2025, 12, 31)), 31);
    }
}
