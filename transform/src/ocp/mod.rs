//! The OCP flow: koku's OpenShift daily summary (the Trino SQL
//! `reporting_ocpusagelineitem_daily_summary.sql`, spec `ocp-daily-summary.md`) and the cluster
//! information koku upserts alongside it. Each kind of row has its own module:
//!
//! * [`pod`] — Pod rows (spec §4.4), using [`capacity`] (§4.2), [`lookups`] (§4.1, §4.3);
//! * [`storage`] — Storage rows (§4.5);
//! * [`unallocated`] — unallocated-capacity rows (§4.7), computed from the Pod rows;
//! * [`cluster_info`] — koku's node, PVC and project queries (§2.6, §7.1.2);
//! * [`inputs`] — the extracted datasets decoded into rows; [`output`] — the output row and its Arrow
//!   batch;
//! * [`run`] — `koku-transform ocp`: the work dir in and out, streamed day by day over
//!   [`crate::core`]'s day stream and day workers, each day computed by [`day`].
//!
//! [`compute_ocp`] is the same computation on in-memory inputs, the whole window at once (the
//! reference the tests compare the streaming run with).

pub mod capacity;
pub mod cluster_info;
pub mod day;
pub mod inputs;
pub mod lookups;
pub mod output;
pub mod pod;
pub mod run;
pub mod storage;
pub mod unallocated;

use crate::core::days::Day;
use crate::core::labels::{ALWAYS_ENABLED_KEY, EnabledKeys, FilteredLabelCache};
use crate::error::TransformError;

use capacity::Capacities;
use lookups::{CostCategories, DailyLabelSets};

/// Bytes → GiB: Trino's `power(2, -30)`, an exact scaling.
pub const G: f64 = 1.0 / 1_073_741_824.0;

/// The enabled-key set `K` of koku's OCP SQL (spec §2.5): `array['vm_kubevirt_io_name'] ||
/// array_agg(key)` over the enabled OCP keys.
pub fn enabled_keys(enabled: Vec<String>) -> EnabledKeys {
    EnabledKeys::from_enabled(enabled).with_key(ALWAYS_ENABLED_KEY)
}

/// The joined tables every row kind looks things up in.
pub struct Context<'a> {
    pub labels: &'a mut FilteredLabelCache,
    pub node_labels: &'a DailyLabelSets,
    pub namespace_labels: &'a DailyLabelSets,
    pub categories: &'a mut CostCategories,
    pub capacities: &'a Capacities,
}

/// Every input of the OCP summary, decoded. [`compute_ocp`] numbers the pod and storage rows by their
/// index here (their `row` is overwritten), so errors name that index.
pub struct OcpInputs<'a> {
    pub pods: Vec<inputs::PodDaily<'a>>,
    pub storage: Vec<inputs::StorageDaily<'a>>,
    pub node_labels: Vec<inputs::LabelDaily>,
    pub namespace_labels: Vec<inputs::LabelDaily>,
    pub enabled_keys: Vec<String>,
    pub cost_categories: Vec<inputs::CostCategoryPattern>,
    /// `reporting_ocp_nodes` as extracted, before koku's node upsert of this run.
    pub nodes: Vec<cluster_info::ExistingNode>,
    pub capacities: Capacities,
}

/// Compute all summary rows: per day, the Pod rows, then Storage, then unallocated, each sorted by its
/// group key. The in-memory form of what [`run::transform_ocp`] does day by day from the work dir; both
/// compute every day with [`compute_day`].
pub fn compute_ocp(inputs: OcpInputs<'_>) -> Result<Vec<output::SummaryRow>, TransformError> {
    use koku_common::schema::{NAMESPACE_LABELS_DAILY, NODE_LABELS_DAILY};
    let found = cluster_info::nodes_query(&inputs.pods, &inputs.node_labels);
    let mut cache = FilteredLabelCache::new(enabled_keys(inputs.enabled_keys));
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
    // koku upserts this run's nodes (with derived roles) before summarising; the unallocated rows read
    // the table as that leaves it.
    let roles = unallocated::role_lookup(&cluster_info::apply_node_upsert(&inputs.nodes, &found));
    let mut days: std::collections::BTreeMap<Day, (Vec<_>, Vec<_>)> = Default::default();
    // Errors name a row by its index in the inputs.
    for (i, mut p) in inputs.pods.into_iter().enumerate() {
        p.row = i;
        days.entry(p.day).or_default().0.push(p);
    }
    for (i, mut s) in inputs.storage.into_iter().enumerate() {
        s.row = i;
        days.entry(s.day).or_default().1.push(s);
    }
    let mut rows = Vec::new();
    for (pods, storage) in days.values() {
        rows.extend(compute_day(pods, storage, &roles, &mut ctx)?);
    }
    Ok(rows)
}

/// The summary rows of one day from that day's daily pod and storage rows (all of `pods` and
/// `storage` are of that one day): the Pod rows, then Storage, then unallocated, each sorted by its
/// group key. Every rule of koku's SQL is keyed by day except the
/// window-wide cluster-information queries, whose node roles come in as `roles`; so a day needs only
/// its own rows, and the transform's memory is bounded by one day.
pub fn compute_day(
    pods: &[inputs::PodDaily<'_>],
    storage: &[inputs::StorageDaily<'_>],
    roles: &unallocated::Roles,
    ctx: &mut Context<'_>,
) -> Result<Vec<output::SummaryRow>, TransformError> {
    let pod_rows = pod::pod_rows(pods, ctx)?;
    let storage_rows = storage::storage_rows(storage, pods, ctx)?;
    let unallocated_rows = unallocated::unallocated_rows(&pod_rows, roles, ctx);
    let mut rows = pod_rows;
    rows.reserve(storage_rows.len() + unallocated_rows.len());
    rows.extend(storage_rows);
    rows.extend(unallocated_rows);
    Ok(rows)
}
