//! Unallocated-capacity rows (spec §4.7): per node and day, node capacity minus what the Pod rows used,
//! labelled `Platform unallocated` or `Worker unallocated` by the node's role.

use std::collections::{BTreeMap, HashMap};

use koku_common::schema::row_kind;

use super::Context;
use super::cluster_info::ExistingNode;
use super::output::SummaryRow;
use crate::core::days::Day;
use crate::core::sum::{max_opt, max_ord, minus, sum_opt};

/// Namespaces the SQL excludes from the input Pod rows.
const EXCLUDED_NAMESPACES: [&str; 4] = [
    "Platform unallocated",
    "Worker unallocated",
    "Network unattributed",
    "Storage unattributed",
];

/// Node role per (node, resource_id).
pub type Roles = HashMap<(String, String), String>;

/// `cte_node_role`: max(node_role) per (node, resource_id) over the whole tenant's nodes table.
pub fn role_lookup(nodes: &[ExistingNode]) -> Roles {
    let mut roles: HashMap<(String, String), Option<String>> = HashMap::new();
    for n in nodes.iter().map(|e| &e.node) {
        if let (Some(node), Some(rid)) = (&n.node, &n.resource_id) {
            max_ord(
                roles.entry((node.clone(), rid.clone())).or_default(),
                n.node_role.as_ref(),
            );
        }
    }
    roles
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
}

#[derive(Debug, Default)]
struct NodeGroup {
    role: Option<String>,
    resource_id: Option<String>,
    /// Σ of the Pod rows' usage, request, effective: cpu core-hours then memory GiB-hours.
    used: [Option<f64>; 6],
    node_capacity_cpu_cores: Option<f64>,
    node_capacity_cpu_core_hours: Option<f64>,
    node_capacity_memory_gigabytes: Option<f64>,
    node_capacity_memory_gigabyte_hours: Option<f64>,
    cluster_capacity_cpu_core_hours: Option<f64>,
    cluster_capacity_memory_gigabyte_hours: Option<f64>,
}

/// Compute the unallocated rows from the (f64) Pod rows, sorted by (day, node, namespace, category).
pub fn unallocated_rows(
    pod_rows: &[SummaryRow],
    roles: &Roles,
    ctx: &mut Context<'_>,
) -> Vec<SummaryRow> {
    let mut groups: BTreeMap<(Day, String), NodeGroup> = BTreeMap::new();
    for r in pod_rows {
        // `namespace != ...` is not true for a NULL namespace: such rows are left out.
        let Some(ns) = r.namespace.as_deref() else {
            continue;
        };
        if EXCLUDED_NAMESPACES.contains(&ns) {
            continue;
        }
        let Some(node) = r.node.as_deref() else {
            continue;
        };
        let g = groups.entry((r.usage_start, node.to_string())).or_default();
        let role = r
            .resource_id
            .as_ref()
            .and_then(|rid| roles.get(&(node.to_string(), rid.clone())));
        max_ord(&mut g.role, role);
        max_ord(&mut g.resource_id, r.resource_id.as_ref());
        let used = [
            r.pod_usage_cpu_core_hours,
            r.pod_request_cpu_core_hours,
            r.pod_effective_usage_cpu_core_hours,
            r.pod_usage_memory_gigabyte_hours,
            r.pod_request_memory_gigabyte_hours,
            r.pod_effective_usage_memory_gigabyte_hours,
        ];
        for (acc, x) in g.used.iter_mut().zip(used) {
            *acc = sum_opt(*acc, x);
        }
        g.node_capacity_cpu_cores = max_opt(g.node_capacity_cpu_cores, r.node_capacity_cpu_cores);
        g.node_capacity_cpu_core_hours = max_opt(
            g.node_capacity_cpu_core_hours,
            r.node_capacity_cpu_core_hours,
        );
        g.node_capacity_memory_gigabytes = max_opt(
            g.node_capacity_memory_gigabytes,
            r.node_capacity_memory_gigabytes,
        );
        g.node_capacity_memory_gigabyte_hours = max_opt(
            g.node_capacity_memory_gigabyte_hours,
            r.node_capacity_memory_gigabyte_hours,
        );
        g.cluster_capacity_cpu_core_hours = max_opt(
            g.cluster_capacity_cpu_core_hours,
            r.cluster_capacity_cpu_core_hours,
        );
        g.cluster_capacity_memory_gigabyte_hours = max_opt(
            g.cluster_capacity_memory_gigabyte_hours,
            r.cluster_capacity_memory_gigabyte_hours,
        );
    }
    let mut out = Vec::new();
    for ((day, node), g) in groups {
        let namespace = match g.role.as_deref() {
            Some("master") | Some("infra") => Some("Platform unallocated"),
            Some("worker") => Some("Worker unallocated"),
            _ => None,
        };
        let cpu = g.node_capacity_cpu_core_hours;
        let mem = g.node_capacity_memory_gigabyte_hours;
        let base = SummaryRow {
            row_kind: row_kind::UNALLOCATED,
            data_source: "Pod",
            usage_start: day,
            namespace: namespace.map(str::to_string),
            node: Some(node),
            resource_id: g.resource_id,
            pod_usage_cpu_core_hours: minus(cpu, g.used[0]),
            pod_request_cpu_core_hours: minus(cpu, g.used[1]),
            pod_effective_usage_cpu_core_hours: minus(cpu, g.used[2]),
            pod_usage_memory_gigabyte_hours: minus(mem, g.used[3]),
            pod_request_memory_gigabyte_hours: minus(mem, g.used[4]),
            pod_effective_usage_memory_gigabyte_hours: minus(mem, g.used[5]),
            node_capacity_cpu_cores: g.node_capacity_cpu_cores,
            node_capacity_cpu_core_hours: cpu,
            node_capacity_memory_gigabytes: g.node_capacity_memory_gigabytes,
            node_capacity_memory_gigabyte_hours: mem,
            cluster_capacity_cpu_core_hours: g.cluster_capacity_cpu_core_hours,
            cluster_capacity_memory_gigabyte_hours: g.cluster_capacity_memory_gigabyte_hours,
            // koku's transfer: map_concat(coalesce(pod_labels,'{}'), coalesce(volume_labels,'{}')) = {}.
            all_labels: "{}".into(),
            ..SummaryRow::default()
        };
        // LEFT JOIN on `namespace LIKE pattern` without aggregation: one row per matching pattern.
        for c in ctx.categories.matches(namespace) {
            out.push(SummaryRow {
                cost_category_id: *c,
                ..base.clone()
            });
        }
    }
    out
}
