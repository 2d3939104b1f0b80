//! EBS volumes attached through a CSI driver: their size inferred from the hourly CUR (S4, §4.4),
//! each claim's share of the volume's cost (S5, §4.5), and the unclaimed remainder split over the
//! clusters using the volume (S6, §4.6).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::contains::ContainsIndex;
use super::inputs::{HourlyMaxima, OcpRow, Text};
use super::matching::{Line, T1};
use super::rows::{T3, T3Kind};
use crate::core::days::Day;
use crate::core::sum::{max_opt, max_ord};

/// T2: inferred size in GB per (resource id, day).
pub type Capacities = HashMap<(Arc<str>, Day), i32>;

/// S4 (§4.4): for every (resource id, day) of the pair's T1 whose resource id contains a CSI volume
/// handle of the cluster's OCP rows that day, `round(max cost / (max rate / H))` over the hourly
/// lines of exactly that resource and day, kept when > 0. `csi_of_cluster` indexes the cluster's rows
/// with a non-empty handle. An infinite size (a rate of 0 with a cost) fails koku's insert; here it
/// is an error naming the resource.
pub fn capacities(
    lines: &[Line],
    t1: &[T1],
    csi_of_cluster: &ContainsIndex<'_>,
    hourly: &HourlyMaxima,
    hours_in_month: f64,
) -> Result<Capacities, String> {
    let mut out = Capacities::new();
    let mut tried: std::collections::HashSet<(Arc<str>, Day)> = Default::default();
    for t in t1 {
        let l = &lines[t.line];
        let Some(r) = &l.resource_id else { continue };
        let key = (r.clone(), l.day);
        if !tried.insert(key.clone()) || csi_of_cluster.find(l.day, r).is_empty() {
            continue;
        }
        let Some(&(Some(cost), Some(rate))) = hourly.get(&key) else {
            continue;
        };
        let size = (cost / (rate / hours_in_month)).round();
        if size.is_infinite() {
            return Err(format!(
                "disk {r} on {}: its hourly lines have a cost ({cost}) but a rate of 0, so its \
                 size is infinite (koku's insert of the disk capacities fails on it)",
                crate::core::days::date_of(l.day)
            ));
        }
        // NaN (0/0) and sizes ≤ 0 are dropped by koku's `capacity > 0`.
        if size > 0.0 {
            if size > i32::MAX as f64 {
                return Err(format!(
                    "disk {r} on {}: inferred size {size} GB does not fit koku's integer column",
                    crate::core::days::date_of(l.day)
                ));
            }
            out.insert(key, size as i32);
        }
    }
    Ok(out)
}

/// The OCP rows S5 and S6 join a disk's line items with (§4.5): a persistent volume, a namespace
/// other than `Storage unattributed` (NULL fails koku's `!=` too), a non-empty CSI handle.
pub fn claim_row(o: &OcpRow) -> bool {
    o.persistentvolume.is_some()
        && o.namespace
            .as_deref()
            .is_some_and(|n| n != "Storage unattributed")
}

/// Per AWS resource id: PVcap (Σ over distinct (PV, cluster) of the largest claim in the window) and
/// K (distinct clusters), over the rows of **every** OCP source whose CSI handle the resource id
/// contains on a day the pair's T1 has the resource (§4.6).
pub fn claimed_totals(
    lines: &[Line],
    t1: &[T1],
    csi_of_all: &ContainsIndex<'_>,
) -> HashMap<Arc<str>, (Option<f64>, usize)> {
    // (resource, pv, cluster) → max claim.
    let mut per_claim: BTreeMap<(Arc<str>, Text, Text), Option<f64>> = BTreeMap::new();
    let mut seen: std::collections::HashSet<(Arc<str>, Day)> = Default::default();
    for t in t1.iter().filter(|t| t.resource_id_matched) {
        let l = &lines[t.line];
        let Some(r) = &l.resource_id else { continue };
        if !seen.insert((r.clone(), l.day)) {
            continue;
        }
        for o in csi_of_all.find(l.day, r) {
            let e = per_claim
                .entry((r.clone(), o.persistentvolume.clone(), o.cluster_id.clone()))
                .or_insert(None);
            *e = max_opt(*e, o.pvc_capacity_gigabyte);
        }
    }
    type Claimed = (Option<f64>, std::collections::BTreeSet<Arc<str>>);
    let mut out: HashMap<Arc<str>, Claimed> = HashMap::new();
    for ((r, _, cluster), cap) in per_claim {
        let e = out.entry(r).or_default();
        e.0 = crate::core::sum::sum_opt(e.0, cap);
        if let Some(c) = cluster {
            e.1.insert(c);
        }
    }
    out.into_iter()
        .map(|(r, (sum, clusters))| (r, (sum, clusters.len())))
        .collect()
}

/// Group aggregates of the OCP rows joined to one disk line item.
#[derive(Default)]
struct ClaimGroup {
    cluster_id: Text,
    cluster_alias: Text,
    node: Text,
    persistentvolumeclaim: Text,
    persistentvolume: Text,
    storageclass: Text,
    capacity: Option<f64>,
    cost_category_id: Option<i32>,
}

impl ClaimGroup {
    fn add(&mut self, o: &OcpRow) {
        max_ord(&mut self.cluster_id, o.cluster_id.as_ref());
        max_ord(&mut self.cluster_alias, o.cluster_alias.as_ref());
        max_ord(&mut self.node, o.node.as_ref());
        max_ord(
            &mut self.persistentvolumeclaim,
            o.persistentvolumeclaim.as_ref(),
        );
        max_ord(&mut self.persistentvolume, o.persistentvolume.as_ref());
        max_ord(&mut self.storageclass, o.storageclass.as_ref());
        self.capacity = max_opt(self.capacity, o.pvc_capacity_gigabyte);
        max_ord(&mut self.cost_category_id, o.cost_category_id.as_ref());
    }
}

fn scale(costs: &[Option<f64>; 4], f: impl Fn(f64) -> f64) -> [Option<f64>; 4] {
    costs.map(|c| c.map(&f))
}

/// S5 and S6 for one pair: the storage rows of every disk line item. `next_row` hands out the fresh
/// `row_uuid`s (each row is its own line item in S9).
#[allow(clippy::too_many_arguments)]
pub fn storage_rows(
    lines: &[Line],
    t1: &[T1],
    claims_of_cluster: &ContainsIndex<'_>,
    capacities: &Capacities,
    totals: &HashMap<Arc<str>, (Option<f64>, usize)>,
    next_row: &mut u64,
    out: &mut Vec<T3>,
) {
    for t in t1 {
        let l = &lines[t.line];
        if !t.resource_id_matched || l.direction.is_some() {
            continue;
        }
        let Some(r) = &l.resource_id else { continue };
        let Some(&capacity) = capacities.get(&(r.clone(), l.day)) else {
            continue;
        };
        let c = capacity as f64;
        let rows = claims_of_cluster.find(l.day, r);
        if rows.is_empty() {
            continue;
        }
        // S5: one row per (namespace, pod labels, volume labels).
        let mut groups: BTreeMap<(Text, Text, Text), ClaimGroup> = BTreeMap::new();
        for o in &rows {
            groups
                .entry((
                    o.namespace.clone(),
                    o.pod_labels.clone(),
                    o.volume_labels.clone(),
                ))
                .or_default()
                .add(o);
        }
        for ((namespace, pod_labels, volume_labels), g) in groups {
            let unclaimed = g.persistentvolumeclaim.as_deref() == Some("");
            let q = g.capacity;
            *next_row += 1;
            out.push(T3 {
                row: *next_row,
                kind: T3Kind::Storage,
                line: t.line,
                cluster_id: g.cluster_id,
                cluster_alias: g.cluster_alias,
                data_source: Some(Arc::from("Storage")),
                namespace: if unclaimed {
                    Some(Arc::from("Storage unattributed"))
                } else {
                    namespace
                },
                node: g.node,
                persistentvolumeclaim: g.persistentvolumeclaim,
                persistentvolume: g.persistentvolume,
                storageclass: g.storageclass,
                usage_amount: if unclaimed { None } else { l.usage_amount },
                // koku: q / C × X.
                costs: match q {
                    Some(q) => scale(&l.costs, |x| q / c * x),
                    None => [None; 4],
                },
                pod_usage: None,
                node_capacity: None,
                pod_labels: if unclaimed { None } else { pod_labels },
                volume_labels: if unclaimed { None } else { volume_labels },
                tags: l.tags.clone(),
                aws_cost_category: if unclaimed {
                    None
                } else {
                    l.aws_cost_category.clone()
                },
                cost_category_id: if unclaimed { None } else { g.cost_category_id },
            });
        }
        // S6: one row per line item with the remainder, when the claims do not fill the disk.
        let Some(&(Some(pv_cap), k)) = totals.get(r) else {
            continue;
        };
        if c == pv_cap {
            continue;
        }
        let mut g = ClaimGroup::default();
        for o in &rows {
            g.add(o);
        }
        let k = k as f64;
        *next_row += 1;
        out.push(T3 {
            row: *next_row,
            kind: T3Kind::Unattributed,
            line: t.line,
            cluster_id: g.cluster_id,
            cluster_alias: g.cluster_alias,
            data_source: Some(Arc::from("Storage")),
            namespace: Some(Arc::from("Storage unattributed")),
            node: None,
            persistentvolumeclaim: g.persistentvolumeclaim,
            persistentvolume: g.persistentvolume,
            storageclass: g.storageclass,
            usage_amount: None,
            // koku: (C − PVcap) / C × X / K.
            costs: scale(&l.costs, |x| (c - pv_cap) / c * x / k),
            pod_usage: None,
            node_capacity: None,
            pod_labels: None,
            volume_labels: None,
            tags: None,
            aws_cost_category: None,
            cost_category_id: None,
        });
    }
}
