//! The intermediate rows of one pair and window: T3 (attribution rows before the final split, §4.5–
//! §4.8) and T4 (final attributed rows, §4.9–§4.10). koku keeps them as Hive tables; here they live
//! in memory for one window.

use std::sync::Arc;

use super::inputs::Text;
use super::matching::Costs;
use crate::core::days::Day;
use crate::core::labels::Labels;

/// Which step wrote a T3 row; decides its split in S9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T3Kind {
    /// S5: a claim's share of a CSI-matched disk.
    Storage,
    /// S6: the unclaimed remainder of a disk.
    Unattributed,
    /// S7: a (namespace, labels) group on a matched node; costs unsplit.
    Compute,
    /// S8: a (namespace, data source) group matched by tag; costs unsplit.
    Tag,
}

/// One T3 row.
#[derive(Debug, Clone)]
pub struct T3 {
    /// koku's `row_uuid`: the line item's for S7/S8 groups (shared by its groups, counted as n), a
    /// fresh one per S5/S6 row.
    pub row: u64,
    pub kind: T3Kind,
    /// The line item ([`super::matching::Line`] index).
    pub line: usize,
    pub cluster_id: Text,
    pub cluster_alias: Text,
    pub data_source: Text,
    pub namespace: Text,
    pub node: Text,
    pub persistentvolumeclaim: Text,
    pub persistentvolume: Text,
    pub storageclass: Text,
    pub usage_amount: Option<f64>,
    pub costs: Costs,
    /// S7: Σ effective usage of the distribution's dimension (P) and the node capacity (Nc).
    pub pod_usage: Option<f64>,
    pub node_capacity: Option<f64>,
    pub pod_labels: Text,
    pub volume_labels: Text,
    /// `tags`: the line item's (NULL on S6 rows).
    pub tags: Option<Arc<Labels>>,
    pub aws_cost_category: Text,
    pub cost_category_id: Option<i32>,
}

/// One T4 row: what S11 groups into PostgreSQL rows and the UI tables group again.
#[derive(Debug, Clone)]
pub struct T4 {
    pub day: Day,
    pub line: usize,
    pub cluster_id: Text,
    pub cluster_alias: Text,
    pub data_source: Text,
    pub namespace: Text,
    pub node: Text,
    pub persistentvolumeclaim: Text,
    pub persistentvolume: Text,
    pub storageclass: Text,
    pub account_alias_id: Option<i32>,
    pub usage_amount: Option<f64>,
    pub direction: Option<&'static str>,
    pub costs: Costs,
    pub markups: Costs,
    /// S11's `enabled_tags` of the row, compact JSON: the merged labels and tags (S9) or the line
    /// item's tags (S10), restricted to the enabled keys; `None` is NULL. One `Arc` per distinct value
    /// (see [`super::split`]).
    pub enabled_tags: Option<Arc<str>>,
    pub aws_cost_category: Text,
    pub cost_category_id: Option<i32>,
}
