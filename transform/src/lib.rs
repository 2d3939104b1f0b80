//! `koku-transform`: koku's OCP daily summary (the Trino SQL
//! `reporting_ocpusagelineitem_daily_summary.sql`) computed from an extracted work directory.
//!
//! Pure computation: IPC in, IPC out; no network, database, clock or randomness, so the same work dir
//! always gives byte-identical output. Each kind of row has its own module:
//!
//! * [`pod`] — Pod rows (spec §4.4), using [`capacity`] (§4.2), [`lookups`] (§4.1, §4.3), [`labels`];
//! * [`storage`] — Storage rows (§4.5);
//! * [`unallocated`] — unallocated-capacity rows (§4.7), computed from the Pod rows;
//! * [`output`] — the output row and its Arrow batch; [`run`] — reading and writing the work dir.

pub mod capacity;
pub mod cluster_info;
pub mod error;
pub mod inputs;
pub mod labels;
pub mod like;
pub mod lookups;
pub mod output;
pub mod pod;
pub mod run;
pub mod storage;
pub mod sum;
pub mod unallocated;

pub use error::TransformError;
pub use run::{TransformReport, transform_ocp};

use capacity::Capacities;
use labels::FilteredLabelCache;
use lookups::{CostCategories, DailyLabelSets};

/// The hash map of the hot paths: foldhash instead of SipHash (perf: SipHash was ~10% of the transform's
/// time on the 1M-row workload, hashing label texts and group keys). Fixed seed; every output is sorted,
/// so iteration order never reaches a result.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// Bytes → GiB: Trino's `power(2, -30)`, an exact scaling.
pub const G: f64 = 1.0 / 1_073_741_824.0;

/// The joined tables every row kind looks things up in.
pub struct Context<'a> {
    pub labels: &'a mut FilteredLabelCache,
    pub node_labels: &'a DailyLabelSets,
    pub namespace_labels: &'a DailyLabelSets,
    pub categories: &'a mut CostCategories,
    pub capacities: &'a Capacities,
}

/// Every input of the OCP summary, decoded.
pub struct OcpInputs {
    pub pods: Vec<inputs::PodDaily>,
    pub storage: Vec<inputs::StorageDaily>,
    pub node_labels: Vec<inputs::LabelDaily>,
    pub namespace_labels: Vec<inputs::LabelDaily>,
    pub enabled_keys: Vec<String>,
    pub cost_categories: Vec<inputs::CostCategoryPattern>,
    /// `reporting_ocp_nodes` as extracted, before koku's node upsert of this run.
    pub nodes: Vec<cluster_info::ExistingNode>,
    pub capacities: Capacities,
}

/// Compute all summary rows: Pod, then Storage, then unallocated, each sorted by its group key; the
/// result is ordered by day, then kind, then key.
pub fn compute_ocp(inputs: OcpInputs) -> Result<Vec<output::SummaryRow>, TransformError> {
    let found = cluster_info::nodes_query(&inputs.pods, &inputs.node_labels);
    compute_ocp_with_nodes(inputs, &found)
}

/// [`compute_ocp`] with koku's nodes query already run (`found`), for callers that also write it out.
pub fn compute_ocp_with_nodes(
    inputs: OcpInputs,
    found: &[cluster_info::ClusterNode],
) -> Result<Vec<output::SummaryRow>, TransformError> {
    use koku_common::schema::{NAMESPACE_LABELS_DAILY, NODE_LABELS_DAILY};
    let mut cache = FilteredLabelCache::new(labels::EnabledKeys::from_enabled(inputs.enabled_keys));
    let node_labels = DailyLabelSets::build(
        &NODE_LABELS_DAILY,
        "node_labels",
        &inputs.node_labels,
        &mut cache,
    )?;
    let namespace_labels = DailyLabelSets::build(
        &NAMESPACE_LABELS_DAILY,
        "namespace_labels",
        &inputs.namespace_labels,
        &mut cache,
    )?;
    let mut categories = CostCategories::new(inputs.cost_categories);
    let mut ctx = Context {
        labels: &mut cache,
        node_labels: &node_labels,
        namespace_labels: &namespace_labels,
        categories: &mut categories,
        capacities: &inputs.capacities,
    };
    let pods = pod::pod_rows(&inputs.pods, &mut ctx)?;
    let storage = storage::storage_rows(&inputs.storage, &inputs.pods, &mut ctx)?;
    // koku upserts this run's nodes (with derived roles) before summarising; the unallocated rows read
    // the table as that leaves it.
    let roles = unallocated::role_lookup(&cluster_info::apply_node_upsert(&inputs.nodes, found));
    let unallocated = unallocated::unallocated_rows(&pods, &roles, &mut ctx);
    let mut rows: Vec<output::SummaryRow> =
        Vec::with_capacity(pods.len() + storage.len() + unallocated.len());
    rows.extend(pods);
    rows.extend(storage);
    rows.extend(unallocated);
    // Stable sort: within a day and kind, the per-kind key order is kept.
    rows.sort_by_key(|r| (r.usage_start, kind_rank(r.row_kind)));
    Ok(rows)
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        koku_common::schema::row_kind::POD => 0,
        koku_common::schema::row_kind::STORAGE => 1,
        _ => 2,
    }
}
