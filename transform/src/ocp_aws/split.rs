//! S9 (§4.9): T3 → T4, the final split of each line item's cost over its rows; and S10 (§4.10): the
//! network rows, written to T4 directly with the full cost.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::contains::ContainsIndex;
use super::inputs::Text;
use super::matching::{Costs, Line, T1};
use super::rows::{T3, T3Kind, T4};
use crate::core::FastMap;
use crate::core::labels::{self, EnabledKeys, Labels};
use crate::core::sum::max_ord;

/// The tags of T4 as S11 needs them: `merge(parse(labels), tags)` (the AWS tag winning on equal
/// keys; NULL when either is NULL, §4.9), restricted to the enabled keys and formatted (§4.11). Each
/// distinct (label text, tag map) is done once: texts are interned and tag maps shared for the
/// window (they outlive this memo), so their pointers identify the values.
pub struct EnabledTags<'k> {
    keys: &'k EnabledKeys,
    merged: FastMap<(usize, usize), Option<Arc<str>>>,
    alone: FastMap<usize, Arc<str>>,
    /// Each label text parsed once.
    parsed: FastMap<usize, Labels>,
}

impl<'k> EnabledTags<'k> {
    pub fn new(keys: &'k EnabledKeys) -> Self {
        EnabledTags {
            keys,
            merged: FastMap::default(),
            alone: FastMap::default(),
            parsed: FastMap::default(),
        }
    }

    fn json(&self, m: &Labels) -> Arc<str> {
        Arc::from(labels::to_json(&labels::filter(m, self.keys)))
    }

    /// S9: labels merged with the line item's tags.
    fn merged(
        &mut self,
        labels_text: &Text,
        tags: &Option<Arc<Labels>>,
    ) -> Result<Option<Arc<str>>, String> {
        let (Some(text), Some(tags)) = (labels_text, tags) else {
            return Ok(None);
        };
        let key = (
            Arc::as_ptr(text) as *const u8 as usize,
            Arc::as_ptr(tags) as usize,
        );
        if let Some(m) = self.merged.get(&key) {
            return Ok(m.clone());
        }
        let text_key = Arc::as_ptr(text) as *const u8 as usize;
        if let std::collections::hash_map::Entry::Vacant(e) = self.parsed.entry(text_key) {
            e.insert(labels::parse(text)?);
        }
        let l = &self.parsed[&text_key];
        let m = Some(Arc::from(labels::to_json(&labels::filter(
            &labels::merge(&[l, tags]),
            self.keys,
        ))));
        self.merged.insert(key, m.clone());
        Ok(m)
    }

    /// S10: the line item's tags alone.
    fn tags(&mut self, tags: &Option<Arc<Labels>>) -> Option<Arc<str>> {
        let tags = tags.as_ref()?;
        let key = Arc::as_ptr(tags) as usize;
        if let Some(j) = self.alone.get(&key) {
            return Some(j.clone());
        }
        let j = self.json(tags);
        self.alone.insert(key, j.clone());
        Some(j)
    }
}

fn times(costs: &Costs, m9: f64) -> Costs {
    costs.map(|c| c.map(|x| x * m9))
}

/// S9 for one pair: every T3 row split. `cluster_counts` holds k(u) of the tag-matched line items.
pub fn final_split(
    lines: &[Line],
    t3: Vec<T3>,
    cluster_counts: &HashMap<usize, usize>,
    aliases: &HashMap<String, i32>,
    m9: f64,
    enabled_tags: &mut EnabledTags<'_>,
) -> Result<Vec<T4>, String> {
    let mut n: HashMap<u64, usize> = HashMap::new();
    for t in &t3 {
        *n.entry(t.row).or_default() += 1;
    }
    let mut out = Vec::with_capacity(t3.len());
    for t in t3 {
        let l = &lines[t.line];
        let n = n[&t.row] as f64;
        let (costs, usage_amount) = match t.kind {
            T3Kind::Compute => {
                // koku: (P / nullif(Nc, 0)) × X.
                let share = match (t.pod_usage, t.node_capacity) {
                    (Some(p), Some(nc)) if nc != 0.0 => Some(p / nc),
                    _ => None,
                };
                (
                    t.costs.map(|c| Some(share? * c?)),
                    t.usage_amount.map(|u| u / n),
                )
            }
            T3Kind::Tag => {
                let k = cluster_counts.get(&t.line).copied().unwrap_or(1) as f64;
                (
                    t.costs.map(|c| c.map(|x| x / (n * k))),
                    t.usage_amount.map(|u| u / (n * k)),
                )
            }
            T3Kind::Storage | T3Kind::Unattributed => (
                t.costs.map(|c| c.map(|x| x / n)),
                t.usage_amount.map(|u| u / n),
            ),
        };
        let tags = if t.pod_labels.is_some() {
            enabled_tags.merged(&t.pod_labels, &t.tags)?
        } else {
            enabled_tags.merged(&t.volume_labels, &t.tags)?
        };
        out.push(T4 {
            day: l.day,
            line: t.line,
            cluster_id: t.cluster_id,
            cluster_alias: t.cluster_alias,
            data_source: t.data_source,
            namespace: t.namespace,
            node: t.node,
            persistentvolumeclaim: t.persistentvolumeclaim,
            persistentvolume: t.persistentvolume,
            storageclass: t.storageclass,
            account_alias_id: alias_of(aliases, &l.usage_account_id),
            usage_amount,
            direction: None,
            markups: times(&costs, m9),
            costs,
            enabled_tags: tags,
            aws_cost_category: t.aws_cost_category,
            cost_category_id: t.cost_category_id,
        });
    }
    Ok(out)
}

fn alias_of(aliases: &HashMap<String, i32>, account: &Text) -> Option<i32> {
    aliases.get(account.as_deref()?).copied()
}

#[derive(Default)]
struct NodeGroup {
    cluster_id: Text,
    cluster_alias: Text,
    data_source: Text,
    persistentvolumeclaim: Text,
    persistentvolume: Text,
    storageclass: Text,
}

/// S10 for one pair: a resource-matched network line item (EC2 data transfer with a direction)
/// becomes one `Network unattributed` row per node of the cluster whose instance id it contains,
/// each with the full cost. `pods_of_cluster` indexes the cluster's `Pod` rows on `resource_id`.
pub fn network_rows(
    lines: &[Line],
    t1: &[T1],
    pods_of_cluster: &ContainsIndex<'_>,
    aliases: &HashMap<String, i32>,
    m9: f64,
    enabled_tags: &mut EnabledTags<'_>,
    out: &mut Vec<T4>,
) {
    for t in t1 {
        let l = &lines[t.line];
        let (true, Some(direction), Some(r)) = (t.resource_id_matched, l.direction, &l.resource_id)
        else {
            continue;
        };
        let mut groups: BTreeMap<Text, NodeGroup> = BTreeMap::new();
        for o in pods_of_cluster.find(l.day, r) {
            let g = groups.entry(o.node.clone()).or_default();
            max_ord(&mut g.cluster_id, o.cluster_id.as_ref());
            max_ord(&mut g.cluster_alias, o.cluster_alias.as_ref());
            max_ord(&mut g.data_source, o.data_source.as_ref());
            max_ord(
                &mut g.persistentvolumeclaim,
                o.persistentvolumeclaim.as_ref(),
            );
            max_ord(&mut g.persistentvolume, o.persistentvolume.as_ref());
            max_ord(&mut g.storageclass, o.storageclass.as_ref());
        }
        for (node, g) in groups {
            out.push(T4 {
                day: l.day,
                line: t.line,
                cluster_id: g.cluster_id,
                cluster_alias: g.cluster_alias,
                data_source: g.data_source,
                namespace: Some(Arc::from("Network unattributed")),
                node,
                persistentvolumeclaim: g.persistentvolumeclaim,
                persistentvolume: g.persistentvolume,
                storageclass: g.storageclass,
                account_alias_id: alias_of(aliases, &l.usage_account_id),
                usage_amount: l.usage_amount,
                direction: Some(direction),
                costs: l.costs,
                markups: times(&l.costs, m9),
                enabled_tags: enabled_tags.tags(&l.tags),
                aws_cost_category: None,
                cost_category_id: None,
            });
        }
    }
}
