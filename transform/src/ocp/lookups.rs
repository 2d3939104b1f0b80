//! The small joined tables of koku's SQL: daily node/namespace label sets (spec §4.1) and cost-category
//! matches (spec §4.3). Both keep koku's join multiplicities: a LEFT JOIN that finds k rows multiplies
//! the input row k times.

use crate::core::FastMap;
use std::collections::BTreeMap;
use std::sync::Arc;

use koku_common::schema::Dataset;

use super::inputs::{CostCategoryPattern, LabelDaily};
use crate::core::days::Day;
use crate::core::labels::{FilteredLabelCache, Labels, to_json};
use crate::core::like::like;
use crate::error::TransformError;

/// Distinct filtered maps keyed by their JSON text (NULL text = NULL map).
type DistinctMaps = BTreeMap<Option<String>, Option<Arc<Labels>>>;

/// `cte_ocp_node_label_line_item_daily` / `cte_ocp_namespace_label_line_item_daily`: per (day, key)
/// the set of distinct filtered maps (raw maps that filter to the same map collapse to one).
#[derive(Debug, Default)]
pub struct DailyLabelSets {
    /// Per day, per key. Nested (not keyed by `(Day, String)`) so that [`DailyLabelSets::get`] can look
    /// a `&str` up without allocating a `String` per input row (perf: this lookup runs for every
    /// daily pod and storage row).
    sets: FastMap<Day, FastMap<String, Vec<Arc<Labels>>>>,
}

/// Builds [`DailyLabelSets`] from label rows that may arrive batch by batch.
#[derive(Debug, Default)]
pub struct DailyLabelSetsBuilder {
    /// BTreeMap keyed by JSON text: distinct maps, in a deterministic order.
    sets: FastMap<(Day, Option<String>), DistinctMaps>,
}

impl DailyLabelSetsBuilder {
    /// Add label rows; an error names the row by its index in `rows`.
    pub fn add(
        &mut self,
        dataset: &'static Dataset,
        labels_column: &str,
        rows: &[LabelDaily],
        cache: &mut FilteredLabelCache,
    ) -> Result<(), TransformError> {
        for (i, r) in rows.iter().enumerate() {
            let filtered = cache
                .get(r.labels.as_deref())
                .map_err(|m| TransformError::input(dataset, i, labels_column, m))?;
            let json = filtered.as_deref().map(to_json);
            self.sets
                .entry((r.day, r.key.clone()))
                .or_default()
                .insert(json, filtered);
        }
        Ok(())
    }

    pub fn finish(self) -> DailyLabelSets {
        let mut nested: FastMap<Day, FastMap<String, Vec<Arc<Labels>>>> = FastMap::default();
        // A NULL node/namespace never satisfies the join's equality.
        for ((day, key), maps) in self.sets {
            let Some(key) = key else { continue };
            // A NULL label text is coalesced to `{}` by the SQL (`coalesce(nli.node_labels, {})`).
            let maps = maps.into_values().map(|m| m.unwrap_or_default()).collect();
            nested.entry(day).or_default().insert(key, maps);
        }
        DailyLabelSets { sets: nested }
    }
}

impl DailyLabelSets {
    pub fn build(
        dataset: &'static Dataset,
        labels_column: &str,
        rows: &[LabelDaily],
        cache: &mut FilteredLabelCache,
    ) -> Result<Self, TransformError> {
        let mut b = DailyLabelSetsBuilder::default();
        b.add(dataset, labels_column, rows, cache)?;
        Ok(b.finish())
    }

    /// The maps joined to a row with this day and key; empty slice = no match (the SQL coalesces the
    /// NULL to `{}`, one copy).
    pub fn get(&self, day: Day, key: Option<&str>) -> &[Arc<Labels>] {
        key.and_then(|k| self.sets.get(&day)?.get(k))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// `LEFT JOIN reporting_ocp_cost_category_namespace ON namespace LIKE pattern`, memoised per namespace.
#[derive(Debug, Clone)]
pub struct CostCategories {
    patterns: Vec<CostCategoryPattern>,
    memo: FastMap<Option<String>, Vec<Option<i32>>>,
}

impl CostCategories {
    pub fn new(patterns: Vec<CostCategoryPattern>) -> Self {
        CostCategories {
            patterns,
            memo: FastMap::default(),
        }
    }

    /// One entry per matching pattern (its id), or a single `None` when nothing matches (or the
    /// namespace is NULL): the copies the LEFT JOIN makes of an input row.
    pub fn matches(&mut self, namespace: Option<&str>) -> &[Option<i32>] {
        let key = namespace.map(str::to_string);
        if !self.memo.contains_key(&key) {
            let mut ids: Vec<Option<i32>> = match namespace {
                None => vec![],
                Some(ns) => self
                    .patterns
                    .iter()
                    .filter(|p| p.pattern.as_deref().is_some_and(|pat| like(ns, pat)))
                    .map(|p| p.cost_category_id)
                    .collect(),
            };
            if ids.is_empty() {
                ids.push(None);
            }
            self.memo.insert(key.clone(), ids);
        }
        &self.memo[&key]
    }
}
