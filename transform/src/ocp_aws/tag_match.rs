//! S8 (§4.8): a line item matched by tag goes to every OCP row of the cluster that day that its
//! tags name — by `openshift_project`, `openshift_node`, `openshift_cluster` (id or alias) or a
//! generic matched tag found in the row's labels — grouped by (namespace, data source), its cost
//! unsplit; and the cluster count k(u) of §4.9, the number of OCP sources with such a row that day.
//!
//! k(u) is computed from this pair's copy of the line item (spec §12.1): koku reads the T1 copies
//! every pair's run left behind, possibly stale; with the generic set G the same for every cluster
//! (koku's PostgreSQL path) and no OCP label key named `openshift_*`, every copy matches the same
//! rows and the result is koku's.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::AhoCorasick;

use super::inputs::{OcpRow, Text, WindowRows, same_text};
use super::matching::{Line, T1};
use super::rows::{T3, T3Kind};
use crate::core::FastMap;
use crate::core::days::Day;
use crate::core::labels::Labels;
use crate::core::sum::max_ord;

/// The namespaces koku's tag joins leave out (NULL fails its `!=` tests as well).
pub const RESERVED_NAMESPACES: [&str; 4] = [
    "Worker unallocated",
    "Platform unallocated",
    "Storage unattributed",
    "Network unattributed",
];

fn taggable(o: &OcpRow) -> bool {
    o.namespace
        .as_deref()
        .is_some_and(|n| !RESERVED_NAMESPACES.contains(&n))
}

/// What a line item is matched on: its tags and the fragments of its `matched_tag`.
struct Matcher<'a> {
    tags: Option<&'a Labels>,
    /// `split(matched_tag, ',')` with every space removed, searched at once (an empty fragment
    /// matches any text, as `strpos(text, '')` does).
    fragments: AhoCorasick,
}

impl<'a> Matcher<'a> {
    fn new(tags: Option<&'a Labels>, matched_tag: &str) -> Self {
        let fragments: Vec<String> = matched_tag.split(',').map(|x| x.replace(' ', "")).collect();
        Matcher {
            tags,
            fragments: AhoCorasick::new(&fragments).expect("fragments build an automaton"),
        }
    }

    /// `json_query(tags, 'strict $.k' OMIT QUOTES)`.
    fn jq(&self, key: &str) -> Option<&str> {
        self.tags?.get(key)?.as_deref()
    }

    /// Whether the `openshift_cluster` tag names the cluster of every one of `rows` (one source's
    /// rows: they all carry its cluster id and alias), so that every row matches.
    fn names_cluster_of(&self, rows: &[OcpRow]) -> bool {
        let Some(c) = self.jq("openshift_cluster") else {
            return false;
        };
        let Some(first) = rows.first() else {
            return false;
        };
        let (id, alias) = (&first.cluster_id, &first.cluster_alias);
        (id.as_deref() == Some(c) || alias.as_deref() == Some(c))
            && rows
                .iter()
                .all(|o| same_text(&o.cluster_id, id) && same_text(&o.cluster_alias, alias))
    }

    /// match(a, o) of §4.8.
    fn matches(&self, o: &OcpRow) -> bool {
        let eq = |a: Option<&str>, b: &Text| a.is_some() && a == b.as_deref();
        let cluster = self.jq("openshift_cluster");
        eq(self.jq("openshift_project"), &o.namespace)
            || eq(self.jq("openshift_node"), &o.node)
            || eq(cluster, &o.cluster_alias)
            || eq(cluster, &o.cluster_id)
            || [&o.pod_labels, &o.volume_labels].iter().any(|labels| {
                labels
                    .as_deref()
                    .is_some_and(|t| self.fragments.is_match(t))
            })
    }
}

/// The S8 groups of matched rows: (namespace, data source) → the group's maxima.
fn group_rows<'a>(matched: impl Iterator<Item = &'a OcpRow>) -> Vec<((Text, Text), Group)> {
    let mut groups: FastMap<(Text, Text), Group> = FastMap::default();
    for o in matched {
        let g = groups
            .entry((o.namespace.clone(), o.data_source.clone()))
            .or_default();
        max_ord(&mut g.cluster_id, o.cluster_id.as_ref());
        max_ord(&mut g.cluster_alias, o.cluster_alias.as_ref());
        max_ord(&mut g.node, o.node.as_ref());
        max_ord(
            &mut g.persistentvolumeclaim,
            non_empty(&o.persistentvolumeclaim),
        );
        max_ord(&mut g.persistentvolume, non_empty(&o.persistentvolume));
        max_ord(&mut g.storageclass, non_empty(&o.storageclass));
        max_ord(&mut g.pod_labels, o.pod_labels.as_ref());
        max_ord(&mut g.volume_labels, o.volume_labels.as_ref());
        max_ord(&mut g.cost_category_id, o.cost_category_id.as_ref());
    }
    // Sorted by (namespace, data source): the same rows always give the same order.
    let mut groups: Vec<((Text, Text), Group)> = groups.into_iter().collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups
}

#[derive(Default, Clone)]
struct Group {
    cluster_id: Text,
    cluster_alias: Text,
    node: Text,
    persistentvolumeclaim: Text,
    persistentvolume: Text,
    storageclass: Text,
    pod_labels: Text,
    volume_labels: Text,
    cost_category_id: Option<i32>,
}

fn non_empty(t: &Text) -> Option<&Arc<str>> {
    t.as_ref().filter(|s| !s.is_empty())
}

/// A line item's tags and matched tag, as a key for the memo (equal keys match the same rows).
type Signature = (Day, usize, String);

fn signature(l: &Line, matched_tag: &str) -> Signature {
    let tags = l.tags.as_ref().map_or(0, |t| Arc::as_ptr(t) as usize);
    (l.day, tags, matched_tag.to_string())
}

/// Per signature: the line item's groups in the cluster and its cluster count.
type Matched = (Vec<((Text, Text), Group)>, usize);

/// S8 for one pair and window, and k(u) for its line items; remembers, per distinct (day, tags,
/// matched tag), which rows match, so line items tagged alike are matched once.
#[derive(Default)]
pub struct TagMatcher {
    memo: HashMap<Signature, Arc<Matched>>,
}

impl TagMatcher {
    /// The S8 rows of the line items `t1` (`source` is the pair's OCP source).
    pub fn tag_rows(
        &mut self,
        lines: &[Line],
        t1: &[T1],
        rows: &WindowRows,
        source: &str,
        out: &mut Vec<T3>,
        cluster_counts: &mut HashMap<usize, usize>,
    ) {
        tag_rows(lines, t1, rows, source, out, cluster_counts, &mut self.memo)
    }
}

fn tag_rows(
    lines: &[Line],
    t1: &[T1],
    rows: &WindowRows,
    source: &str,
    out: &mut Vec<T3>,
    cluster_counts: &mut HashMap<usize, usize>,
    memo: &mut HashMap<Signature, Arc<Matched>>,
) {
    let sources: Vec<&Arc<str>> = rows.ocp.keys().collect();
    for t in t1 {
        let Some(matched_tag) = t.matched_tag.as_deref().filter(|m| !m.is_empty()) else {
            continue;
        };
        if t.resource_id_matched {
            continue;
        }
        let l = &lines[t.line];
        let matched = memo
            .entry(signature(l, matched_tag))
            .or_insert_with(|| {
                let m = Matcher::new(l.tags.as_deref(), matched_tag);
                let day_rows = rows.ocp_rows(source, l.day);
                // A cluster tag naming the cluster matches every row of it (the disjunction of
                // §4.8): no need to test them one by one.
                let groups = if m.names_cluster_of(day_rows) {
                    group_rows(day_rows.iter().filter(|o| taggable(o)))
                } else {
                    group_rows(day_rows.iter().filter(|o| taggable(o) && m.matches(o)))
                };
                let k = sources
                    .iter()
                    .filter(|s| {
                        let rows = rows.ocp_rows(s, l.day);
                        if m.names_cluster_of(rows) {
                            rows.iter().any(taggable)
                        } else {
                            rows.iter().any(|o| taggable(o) && m.matches(o))
                        }
                    })
                    .count();
                Arc::new((groups, k))
            })
            .clone();
        let (groups, k) = &*matched;
        if groups.is_empty() {
            continue;
        }
        cluster_counts.insert(t.line, (*k).max(1));
        for ((namespace, data_source), g) in groups.iter().cloned() {
            out.push(T3 {
                row: t.line as u64,
                kind: T3Kind::Tag,
                line: t.line,
                cluster_id: g.cluster_id,
                cluster_alias: g.cluster_alias,
                data_source,
                namespace,
                node: g.node,
                persistentvolumeclaim: g.persistentvolumeclaim,
                persistentvolume: g.persistentvolume,
                storageclass: g.storageclass,
                usage_amount: l.usage_amount,
                costs: l.costs,
                pod_usage: None,
                node_capacity: None,
                pod_labels: g.pod_labels,
                volume_labels: g.volume_labels,
                tags: l.tags.clone(),
                aws_cost_category: l.aws_cost_category.clone(),
                cost_category_id: g.cost_category_id,
            });
        }
    }
}
