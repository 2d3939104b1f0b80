//! Pod rows (`data_source = 'Pod'`, spec §4.4): daily pod usage grouped by day, namespace, node and the
//! merged, filtered label map (node < namespace < pod).

use std::rc::Rc;

use koku_common::schema::{POD_USAGE_DAILY, row_kind};

use super::inputs::PodDaily;
use super::output::{INFRASTRUCTURE_USAGE_COST, SummaryRow};
use super::{Context, G};
use crate::core::FastMap;
use crate::core::days::Day;
use crate::core::labels::{Labels, merge, to_json};
use crate::core::sum::{greatest, max_opt, max_ord, sum_opt};
use crate::error::TransformError;

/// (day, namespace, node, merged labels), borrowing the input rows' text.
type BorrowedKey<'r> = (Day, Option<&'r str>, &'r str, Option<Rc<str>>);

#[derive(Debug, Default)]
struct PodGroup<'r> {
    resource_id: Option<&'r str>,
    cost_category_id: Option<i32>,
    /// usage, request, effective, limit: cpu core-seconds, then memory byte-seconds.
    cpu: [Option<f64>; 4],
    mem: [Option<f64>; 4],
    node_capacity_cpu_cores: Option<f64>,
    node_capacity_memory_bytes: Option<f64>,
}

impl<'r> PodGroup<'r> {
    fn add(&mut self, r: &PodDaily<'r>, category: Option<i32>) {
        max_ord(&mut self.resource_id, r.resource_id.as_ref());
        max_ord(&mut self.cost_category_id, category.as_ref());
        // coalesce(effective, greatest(usage, request)) per daily row: files from before koku wrote the
        // effective columns have them NULL.
        let eff_cpu = r.pod_effective_usage_cpu_core_seconds.or(greatest(
            r.pod_usage_cpu_core_seconds,
            r.pod_request_cpu_core_seconds,
        ));
        let eff_mem = r.pod_effective_usage_memory_byte_seconds.or(greatest(
            r.pod_usage_memory_byte_seconds,
            r.pod_request_memory_byte_seconds,
        ));
        let cpu = [
            r.pod_usage_cpu_core_seconds,
            r.pod_request_cpu_core_seconds,
            eff_cpu,
            r.pod_limit_cpu_core_seconds,
        ];
        let mem = [
            r.pod_usage_memory_byte_seconds,
            r.pod_request_memory_byte_seconds,
            eff_mem,
            r.pod_limit_memory_byte_seconds,
        ];
        for i in 0..4 {
            self.cpu[i] = sum_opt(self.cpu[i], cpu[i]);
            self.mem[i] = sum_opt(self.mem[i], mem[i]);
        }
        self.node_capacity_cpu_cores =
            max_opt(self.node_capacity_cpu_cores, r.node_capacity_cpu_cores);
        self.node_capacity_memory_bytes = max_opt(
            self.node_capacity_memory_bytes,
            r.node_capacity_memory_bytes,
        );
    }
}

fn hours(seconds: Option<f64>) -> Option<f64> {
    // Trino: `sum(x) / 3600.0` (the decimal literal is coerced to double).
    seconds.map(|s| s / 3600.0)
}

fn gigabyte_hours(byte_seconds: Option<f64>) -> Option<f64> {
    // Trino: `sum(x) / 3600.0 * power(2, -30)`: divide first, then the exact scaling.
    byte_seconds.map(|s| s / 3600.0 * G)
}

/// Compute the Pod rows, sorted by (day, namespace, node, labels).
pub fn pod_rows<'r>(
    rows: &[PodDaily<'r>],
    ctx: &mut Context<'_>,
) -> Result<Vec<SummaryRow>, TransformError> {
    // Perf (see BENCHMARKS.md): the group key borrows the row's text instead of cloning it, and the
    // merged label JSON is memoised per (node map, namespace map, pod map) triple — the maps are shared
    // `Arc`s from the label cache, so their addresses identify them — instead of merging two or three
    // BTreeMaps and serialising JSON for every daily pod row. Thousands of rows share a few distinct
    // triples, so this turns a merge + `serde_json` per row into one hash lookup.
    //
    // The groups live in a Vec, the map holds only their index: growing a map of whole groups moved
    // every ~240-byte group at each rehash (9% of a one-day transform's samples in `perf`).
    let mut index: FastMap<BorrowedKey<'r>, u32> = FastMap::default();
    let mut groups: Vec<(BorrowedKey<'r>, PodGroup<'r>)> = Vec::new();
    let mut merged_memo: FastMap<(usize, usize, usize), Rc<str>> = FastMap::default();
    let empty = Labels::new();
    let (node_labels, namespace_labels) = (ctx.node_labels, ctx.namespace_labels);
    for r in rows {
        // `li.node != ''`: drops empty and NULL nodes (they still count in capacity and storage).
        let Some(node) = r.node.filter(|n| !n.is_empty()) else {
            continue;
        };
        let pod_labels = ctx
            .labels
            .get(r.pod_labels)
            .map_err(|m| TransformError::input(&POD_USAGE_DAILY, r.row, "pod_labels", m))?;
        let node_sets = node_labels.get(r.day, Some(node));
        let ns_sets = namespace_labels.get(r.day, r.namespace);
        let categories = ctx.categories.matches(r.namespace);
        for a in iter_or_empty(node_sets, &empty) {
            for b in iter_or_empty(ns_sets, &empty) {
                // map_concat returns NULL when any argument is NULL: only the pod map can be (the label
                // sides are coalesced to `{}`).
                let merged = pod_labels.as_deref().map(|p| {
                    let id = (
                        a as *const Labels as usize,
                        b as *const Labels as usize,
                        p as *const Labels as usize,
                    );
                    merged_memo
                        .entry(id)
                        .or_insert_with(|| Rc::from(to_json(&merge(&[a, b, p]))))
                        .clone()
                });
                let key = (r.day, r.namespace, node, merged);
                let i = match index.get(&key) {
                    Some(&i) => i as usize,
                    None => {
                        index.insert(key.clone(), groups.len() as u32);
                        groups.push((key, PodGroup::default()));
                        groups.len() - 1
                    }
                };
                let g = &mut groups[i].1;
                for c in categories {
                    g.add(r, *c);
                }
            }
        }
    }
    // The memo holds `Arc` addresses: keep every map alive until here (they are, through the cache).
    drop(merged_memo);
    drop(index);
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(groups
        .into_iter()
        .map(|((day, namespace, node, labels), g)| {
            let (namespace, node) = (namespace.map(str::to_string), node.to_string());
            let labels: Option<String> = labels.map(|l| l.to_string());
            let node_cap = ctx.capacities.node(day, Some(&node));
            let cluster_cap = ctx.capacities.cluster(day);
            SummaryRow {
                row_kind: row_kind::POD,
                data_source: "Pod",
                usage_start: day,
                namespace,
                node: Some(node),
                resource_id: g.resource_id.map(str::to_string),
                all_labels: labels.clone().unwrap_or_else(|| "{}".into()),
                pod_labels: labels,
                pod_usage_cpu_core_hours: hours(g.cpu[0]),
                pod_request_cpu_core_hours: hours(g.cpu[1]),
                pod_effective_usage_cpu_core_hours: hours(g.cpu[2]),
                pod_limit_cpu_core_hours: hours(g.cpu[3]),
                pod_usage_memory_gigabyte_hours: gigabyte_hours(g.mem[0]),
                pod_request_memory_gigabyte_hours: gigabyte_hours(g.mem[1]),
                pod_effective_usage_memory_gigabyte_hours: gigabyte_hours(g.mem[2]),
                pod_limit_memory_gigabyte_hours: gigabyte_hours(g.mem[3]),
                node_capacity_cpu_cores: g.node_capacity_cpu_cores,
                node_capacity_cpu_core_hours: hours(node_cap.and_then(|c| c.cpu_core_seconds)),
                node_capacity_memory_gigabytes: g.node_capacity_memory_bytes.map(|b| b * G),
                node_capacity_memory_gigabyte_hours: gigabyte_hours(
                    node_cap.and_then(|c| c.memory_byte_seconds),
                ),
                cluster_capacity_cpu_core_hours: hours(
                    cluster_cap.and_then(|c| c.cpu_core_seconds),
                ),
                cluster_capacity_memory_gigabyte_hours: gigabyte_hours(
                    cluster_cap.and_then(|c| c.memory_byte_seconds),
                ),
                infrastructure_usage_cost: Some(INFRASTRUCTURE_USAGE_COST),
                cost_category_id: g.cost_category_id,
                ..SummaryRow::default()
            }
        })
        .collect())
}

/// The label maps a LEFT JOIN contributes: the matches, or one empty map when there are none.
pub(crate) fn iter_or_empty<'a>(
    sets: &'a [std::sync::Arc<Labels>],
    empty: &'a Labels,
) -> impl Iterator<Item = &'a Labels> {
    let none = sets.is_empty();
    sets.iter().map(|m| m.as_ref()).chain(none.then_some(empty))
}
