//! Node and cluster capacity per day from the hourly pod rows (spec §4.2).
//!
//! Several pods on one node report the same node capacity each hour, so koku first takes the max per
//! (interval, node), then sums a node's intervals over the day, then sums nodes into the cluster. Every
//! node group counts for the cluster, including `''` and NULL nodes.

use crate::core::FastMap;
use std::collections::BTreeMap;

use arrow::array::{Array, RecordBatch};
use koku_common::schema::POD_USAGE_HOURLY;

use super::inputs::Columns;
use crate::core::days::{Day, day_of};
use crate::core::sum::{max_opt, sum_opt};

/// Capacity seconds (cpu core-seconds, memory byte-seconds). `None` = SQL NULL.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Capacity {
    pub cpu_core_seconds: Option<f64>,
    pub memory_byte_seconds: Option<f64>,
}

/// Folds hourly batches into per-interval maxima; memory is one entry per (interval, node), not per row.
///
/// Nodes are interned: the hourly rows repeat a few hundred node names millions of times, so the
/// per-interval map is keyed by a small id and a row costs two hash lookups and no allocation
/// (before: two `String` allocations per hourly row; perf, 1M-row workload: see BENCHMARKS.md).
#[derive(Debug, Default)]
pub struct CapacityBuilder {
    node_ids: FastMap<String, u32>,
    node_names: Vec<String>,
    per_interval: FastMap<(i64, Option<u32>), Capacity>,
}

impl CapacityBuilder {
    pub fn add_batch(&mut self, batch: &RecordBatch) {
        let c = Columns::new(&POD_USAGE_HOURLY, batch);
        let (ts, node) = (c.timestamp("interval_start"), c.text("node"));
        let (cpu, mem) = (
            c.float("node_capacity_cpu_core_seconds"),
            c.float("node_capacity_memory_byte_seconds"),
        );
        for i in 0..batch.num_rows() {
            if ts.is_null(i) {
                // `interval_start >= start` is not true for NULL: Trino drops the row.
                continue;
            }
            let key_node = if node.is_valid(i) {
                let n = node.value(i);
                Some(match self.node_ids.get(n) {
                    Some(id) => *id,
                    None => {
                        let id = self.node_names.len() as u32;
                        self.node_names.push(n.to_string());
                        self.node_ids.insert(n.to_string(), id);
                        id
                    }
                })
            } else {
                None
            };
            let entry = self
                .per_interval
                .entry((ts.value(i), key_node))
                .or_default();
            entry.cpu_core_seconds = max_opt(
                entry.cpu_core_seconds,
                cpu.is_valid(i).then(|| cpu.value(i)),
            );
            entry.memory_byte_seconds = max_opt(
                entry.memory_byte_seconds,
                mem.is_valid(i).then(|| mem.value(i)),
            );
        }
    }

    /// Sum the intervals into node-days and node-days into cluster-days. Sums run in sorted key order
    /// so the result does not depend on file or hash order.
    pub fn finish(self) -> Capacities {
        let names = self.node_names;
        let name = |id: &Option<u32>| id.map(|i| names[i as usize].as_str());
        let mut intervals: Vec<_> = self.per_interval.into_iter().collect();
        intervals.sort_by(|a, b| (name(&a.0.1), a.0.0).cmp(&(name(&b.0.1), b.0.0)));
        let mut node_day: BTreeMap<(Day, Option<String>), Capacity> = BTreeMap::new();
        for ((ts, node), cap) in intervals {
            let node = name(&node).map(str::to_string);
            let e = node_day.entry((day_of(ts), node)).or_default();
            e.cpu_core_seconds = sum_opt(e.cpu_core_seconds, cap.cpu_core_seconds);
            e.memory_byte_seconds = sum_opt(e.memory_byte_seconds, cap.memory_byte_seconds);
        }
        let mut cluster_day: BTreeMap<Day, Capacity> = BTreeMap::new();
        for ((day, _), cap) in &node_day {
            let e = cluster_day.entry(*day).or_default();
            e.cpu_core_seconds = sum_opt(e.cpu_core_seconds, cap.cpu_core_seconds);
            e.memory_byte_seconds = sum_opt(e.memory_byte_seconds, cap.memory_byte_seconds);
        }
        Capacities {
            node_day,
            cluster_day,
        }
    }
}

/// `cte_ocp_node_capacity` and `cte_ocp_cluster_capacity` of koku's SQL.
#[derive(Debug, Default)]
pub struct Capacities {
    node_day: BTreeMap<(Day, Option<String>), Capacity>,
    cluster_day: BTreeMap<Day, Capacity>,
}

impl Capacities {
    /// The node's capacity that day; `None` when the node has no hourly rows (LEFT JOIN miss).
    /// A NULL node never matches (SQL equality).
    pub fn node(&self, day: Day, node: Option<&str>) -> Option<Capacity> {
        let node = node?;
        self.node_day.get(&(day, Some(node.to_string()))).copied()
    }

    pub fn cluster(&self, day: Day) -> Option<Capacity> {
        self.cluster_day.get(&day).copied()
    }
}
