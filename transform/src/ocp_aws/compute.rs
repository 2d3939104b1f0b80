//! S7 (§4.7): a resource-matched line item that is neither a disk (it has no T2 size) nor network
//! goes to every OCP row of the day whose node instance id it contains — Pod rows, the node's
//! unallocated row and also Storage rows (which carry their node's instance id) — grouped by
//! (namespace, pod labels), its cost still unsplit: S9 splits it by effective usage over node
//! capacity.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::contains::ContainsIndex;
use super::disks::Capacities;
use super::inputs::{OcpRow, Text};
use super::matching::{Line, T1};
use super::rows::{T3, T3Kind};
use crate::core::sum::{max_opt, max_ord, sum_opt};

/// Which effective usage and capacity the split uses (§1.4: the OCP source's cost-model
/// distribution; `cpu`, anything else memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    Cpu,
    Memory,
}

impl Distribution {
    pub fn of(name: &str) -> Distribution {
        if name == "cpu" {
            Distribution::Cpu
        } else {
            Distribution::Memory
        }
    }

    fn usage(self, o: &OcpRow) -> Option<f64> {
        match self {
            Distribution::Cpu => o.pod_effective_usage_cpu_core_hours,
            Distribution::Memory => o.pod_effective_usage_memory_gigabyte_hours,
        }
    }

    fn capacity(self, o: &OcpRow) -> Option<f64> {
        match self {
            Distribution::Cpu => o.node_capacity_cpu_core_hours,
            Distribution::Memory => o.node_capacity_memory_gigabyte_hours,
        }
    }
}

#[derive(Default)]
struct Group {
    cluster_id: Text,
    cluster_alias: Text,
    node: Text,
    usage: Option<f64>,
    capacity: Option<f64>,
    cost_category_id: Option<i32>,
}

/// S7 for one pair. `nodes_of_cluster` indexes the cluster's OCP rows on `resource_id`.
pub fn compute_rows(
    lines: &[Line],
    t1: &[T1],
    nodes_of_cluster: &ContainsIndex<'_>,
    capacities: &Capacities,
    distribution: Distribution,
    out: &mut Vec<T3>,
) {
    for t in t1 {
        let l = &lines[t.line];
        if !t.resource_id_matched || l.direction.is_some() {
            continue;
        }
        let Some(r) = &l.resource_id else { continue };
        if capacities.contains_key(&(r.clone(), l.day)) {
            continue;
        }
        let mut groups: BTreeMap<(Text, Text), Group> = BTreeMap::new();
        for o in nodes_of_cluster.find(l.day, r) {
            let g = groups
                .entry((o.namespace.clone(), o.pod_labels.clone()))
                .or_default();
            max_ord(&mut g.cluster_id, o.cluster_id.as_ref());
            max_ord(&mut g.cluster_alias, o.cluster_alias.as_ref());
            max_ord(&mut g.node, o.node.as_ref());
            g.usage = sum_opt(g.usage, distribution.usage(o));
            g.capacity = max_opt(g.capacity, distribution.capacity(o));
            max_ord(&mut g.cost_category_id, o.cost_category_id.as_ref());
        }
        for ((namespace, pod_labels), g) in groups {
            out.push(T3 {
                row: t.line as u64,
                kind: T3Kind::Compute,
                line: t.line,
                cluster_id: g.cluster_id,
                cluster_alias: g.cluster_alias,
                data_source: Some(Arc::from("Pod")),
                namespace,
                node: g.node,
                persistentvolumeclaim: None,
                persistentvolume: None,
                storageclass: None,
                usage_amount: l.usage_amount,
                costs: l.costs,
                pod_usage: g.usage,
                node_capacity: g.capacity,
                pod_labels,
                volume_labels: None,
                tags: l.tags.clone(),
                aws_cost_category: l.aws_cost_category.clone(),
                cost_category_id: g.cost_category_id,
            });
        }
    }
}
