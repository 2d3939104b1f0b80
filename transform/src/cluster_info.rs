//! The cluster information koku upserts before summarising (spec §1 step 5, §2.6, §7.1.2):
//! `reporting_ocp_nodes` (with the node role the unallocated rows depend on), `reporting_ocp_pvcs` and
//! `reporting_ocp_projects`, computed here from the same inputs as koku's Trino queries
//! (`get_nodes_query_sql`, `get_pvcs_query_sql`, `get_projects_query_sql`). `koku-load` applies them to
//! PostgreSQL with koku's upsert rules; the transform also applies the node upsert to its copy of the
//! node table, so the unallocated rows see the roles koku would see.

use std::collections::{BTreeMap, BTreeSet};

use crate::inputs::{LabelDaily, PodDaily, StorageDaily};
use crate::sum::{max_opt, max_ord};

/// A row of koku's nodes query / of `reporting_ocp_nodes`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterNode {
    pub node: Option<String>,
    pub resource_id: Option<String>,
    pub node_capacity_cpu_cores: Option<f64>,
    pub node_role: Option<String>,
    pub architecture: Option<String>,
}

/// An existing `reporting_ocp_nodes` row, with whether it belongs to this run's cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingNode {
    pub node: ClusterNode,
    pub this_cluster: bool,
    /// Declared with `--node-roles` (no capacity known): matches this cluster's node at any capacity,
    /// so the declared role is kept unless it is empty.
    pub declared: bool,
}

/// The substring koku looks for in the raw node-label text (it relies on Python `json.dumps` spacing).
const INFRA_LABEL: &str = r#""node_role_kubernetes_io": "infra""#;
const APISERVER_NAMESPACE: &str = "openshift-kube-apiserver";

#[derive(Default)]
struct NodeAcc {
    capacity: Option<f64>,
    role: Option<String>,
    apiserver: bool,
    infra: bool,
    max_labels: Option<String>,
}

/// `get_nodes_query_sql`: daily pod rows joined to the window's node-label rows **on node only** (the
/// WHERE on the label side makes it an inner join: nodes without label rows are not returned), grouped
/// by (node, resource_id).
pub fn nodes_query(pods: &[PodDaily], node_labels: &[LabelDaily]) -> Vec<ClusterNode> {
    // What the label side contributes depends on the node only, so it is folded once per node here
    // instead of once per (pod row × label row of the node): before, every daily pod row scanned all
    // of its node's label texts of the window (a substring search and a string compare each), which
    // grows with days² — 16% of the transform's time on one day of 400 nodes, far more on a month.
    #[derive(Default)]
    struct NodeLabelFacts<'a> {
        infra: bool,
        max_labels: Option<&'a str>,
    }
    let mut labels_by_node: crate::FastMap<&str, NodeLabelFacts<'_>> = Default::default();
    for l in node_labels {
        if let Some(n) = l.key.as_deref() {
            let f = labels_by_node.entry(n).or_default();
            if let Some(text) = l.labels.as_deref() {
                f.infra |= text.contains(INFRA_LABEL);
                if f.max_labels.is_none_or(|m| text > m) {
                    f.max_labels = Some(text);
                }
            }
        }
    }
    // Keyed by borrowed text: no allocation per pod row (BTreeMap order = the old Option<String> order).
    let mut groups: BTreeMap<(Option<&str>, Option<&str>), NodeAcc> = BTreeMap::new();
    for p in pods {
        let Some(labels) = p.node.as_deref().and_then(|n| labels_by_node.get(n)) else {
            continue;
        };
        let g = groups
            .entry((p.node.as_deref(), p.resource_id.as_deref()))
            .or_default();
        g.capacity = max_opt(g.capacity, p.node_capacity_cpu_cores);
        max_ord(&mut g.role, p.node_role.as_ref());
        g.apiserver |= p.namespace.as_deref() == Some(APISERVER_NAMESPACE);
        g.infra |= labels.infra;
        if let Some(text) = labels.max_labels
            && g.max_labels.as_deref().is_none_or(|m| text > m)
        {
            g.max_labels = Some(text.to_string());
        }
    }
    groups
        .into_iter()
        .map(|((node, resource_id), g)| ClusterNode {
            node: node.map(str::to_string),
            resource_id: resource_id.map(str::to_string),
            node_capacity_cpu_cores: g.capacity,
            // coalesce(max(node_role), CASE ...): an empty role sent by the operator is kept as ''.
            node_role: g.role.or_else(|| {
                Some(
                    if g.apiserver {
                        "master"
                    } else if g.infra {
                        "infra"
                    } else {
                        "worker"
                    }
                    .to_string(),
                )
            }),
            architecture: g.max_labels.as_deref().and_then(architecture),
        })
        .collect()
}

/// `lower(json_extract_scalar(labels, '$.kubernetes_io_arch'))`.
fn architecture(labels: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(labels).ok()?;
    match v.get("kubernetes_io_arch")? {
        serde_json::Value::String(s) => Some(s.to_lowercase()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// numeric(18,2) as PostgreSQL stores the capacity, for koku's equality match on it.
fn numeric_18_2(x: Option<f64>) -> Option<i64> {
    x.map(|v| (v * 100.0).round() as i64)
}

/// `populate_node_table` applied to a copy of the node table: a query row matching an existing row of
/// this cluster on (node, resource_id, capacity) fills that row's role and architecture when either is
/// empty; otherwise it is inserted. Returns the table as koku leaves it.
pub fn apply_node_upsert(existing: &[ExistingNode], found: &[ClusterNode]) -> Vec<ExistingNode> {
    let mut table = existing.to_vec();
    for f in found {
        let hit = table.iter_mut().find(|e| {
            e.this_cluster
                && e.node.node == f.node
                && e.node.resource_id == f.resource_id
                && (e.declared
                    || numeric_18_2(e.node.node_capacity_cpu_cores)
                        == numeric_18_2(f.node_capacity_cpu_cores))
        });
        match hit {
            None => table.push(ExistingNode {
                node: f.clone(),
                this_cluster: true,
                declared: false,
            }),
            Some(e) => {
                let empty = |s: &Option<String>| s.as_deref().is_none_or(str::is_empty);
                if empty(&e.node.node_role) || empty(&e.node.architecture) {
                    e.node.node_role = f.node_role.clone();
                    e.node.architecture = f.architecture.clone();
                }
            }
        }
    }
    table
}

/// `get_pvcs_query_sql`: distinct (persistentvolume, persistentvolumeclaim, csi_volume_handle).
pub fn pvcs_query(
    storage: &[StorageDaily],
) -> Vec<(Option<String>, Option<String>, Option<String>)> {
    let set: BTreeSet<_> = storage
        .iter()
        .map(|s| {
            (
                s.persistentvolume.clone(),
                s.persistentvolumeclaim.clone(),
                s.csi_volume_handle.clone(),
            )
        })
        .collect();
    set.into_iter().collect()
}

/// `get_projects_query_sql`: distinct namespaces of the daily pod rows.
pub fn projects_query(pods: &[PodDaily]) -> Vec<Option<String>> {
    let set: BTreeSet<_> = pods.iter().map(|p| p.namespace.clone()).collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ns: &str, node: &str, rid: &str, cores: f64, role: Option<&str>) -> PodDaily {
        PodDaily {
            namespace: Some(ns.into()),
            node: Some(node.into()),
            resource_id: Some(rid.into()),
            node_capacity_cpu_cores: Some(cores),
            node_role: role.map(str::to_string),
            ..PodDaily::default()
        }
    }

    fn labels(node: &str, text: &str) -> LabelDaily {
        LabelDaily {
            day: 0,
            key: Some(node.into()),
            labels: Some(text.into()),
        }
    }

    #[test]
    fn roles_as_koku_derives_them() {
        let pods = vec![
            pod("openshift-kube-apiserver", "m1", "i-m1", 4.0, None),
            pod("web", "m1", "i-m1", 4.0, None),
            pod("web", "i1", "i-i1", 8.0, None),
            pod("web", "w1", "i-w1", 8.0, None),
            pod("web", "r1", "i-r1", 8.0, Some("worker")),
            pod("web", "e1", "i-e1", 8.0, Some("")),
            pod("web", "nolabels", "i-n", 8.0, None),
        ];
        let nl = vec![
            labels("m1", r#"{"kubernetes_io_arch": "AMD64"}"#),
            labels(
                "i1",
                r#"{"node_role_kubernetes_io": "infra", "kubernetes_io_arch": "arm64"}"#,
            ),
            labels("w1", r#"{"node_role_kubernetes_io": "worker"}"#),
            labels("r1", r#"{"node_role_kubernetes_io": "infra"}"#),
            labels("e1", "{}"),
        ];
        let got: Vec<_> = nodes_query(&pods, &nl)
            .into_iter()
            .map(|n| (n.node.unwrap(), n.node_role.unwrap(), n.architecture))
            .collect();
        assert_eq!(
            got,
            vec![
                ("e1".into(), "".into(), None),
                ("i1".into(), "infra".into(), Some("arm64".into())),
                ("m1".into(), "master".into(), Some("amd64".into())),
                ("r1".into(), "worker".into(), None),
                ("w1".into(), "worker".into(), None),
            ],
            "a node without label rows is not returned; an operator role wins; '' is kept"
        );
    }

    #[test]
    fn node_upsert_fills_empty_roles_and_inserts_new_nodes() {
        let n = |node: &str, cores: f64, role: Option<&str>, arch: Option<&str>| ClusterNode {
            node: Some(node.into()),
            resource_id: Some(format!("i-{node}")),
            node_capacity_cpu_cores: Some(cores),
            node_role: role.map(str::to_string),
            architecture: arch.map(str::to_string),
        };
        let existing = vec![
            ExistingNode {
                node: n("a", 4.0, Some("infra"), Some("amd64")),
                this_cluster: true,
                declared: false,
            },
            ExistingNode {
                node: n("b", 4.0, None, Some("amd64")),
                this_cluster: true,
                declared: false,
            },
            ExistingNode {
                node: n("c", 4.0, Some("master"), Some("amd64")),
                this_cluster: false,
                declared: false,
            },
        ];
        let found = vec![
            n("a", 4.0, Some("worker"), Some("amd64")),
            n("b", 4.0, Some("worker"), None),
            n("c", 4.0, Some("worker"), None),
            n("a", 8.0, Some("worker"), None),
        ];
        let t = apply_node_upsert(&existing, &found);
        let roles: Vec<_> = t
            .iter()
            .map(|e| {
                (
                    e.node.node.clone().unwrap(),
                    e.node.node_capacity_cpu_cores.unwrap(),
                    e.node.node_role.clone(),
                )
            })
            .collect();
        assert_eq!(
            roles,
            vec![
                ("a".into(), 4.0, Some("infra".into())),
                ("b".into(), 4.0, Some("worker".into())),
                ("c".into(), 4.0, Some("master".into())),
                ("c".into(), 4.0, Some("worker".into())),
                ("a".into(), 8.0, Some("worker".into())),
            ],
            "kept, filled, other cluster untouched (new row for this cluster), new capacity = new row"
        );
    }

    #[test]
    fn pvcs_and_projects_are_distinct() {
        let s = |pv: &str, pvc: &str| StorageDaily {
            persistentvolume: Some(pv.into()),
            persistentvolumeclaim: Some(pvc.into()),
            ..StorageDaily::default()
        };
        assert_eq!(
            pvcs_query(&[s("pv1", "c1"), s("pv1", "c1"), s("pv2", "c2")]).len(),
            2
        );
        let pods = vec![
            pod("a", "n", "r", 1.0, None),
            pod("a", "m", "r", 1.0, None),
            pod("b", "n", "r", 1.0, None),
        ];
        assert_eq!(
            projects_query(&pods),
            vec![Some("a".into()), Some("b".into())]
        );
    }
}
