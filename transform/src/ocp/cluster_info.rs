//! The cluster information koku upserts before summarising (spec §1 step 5, §2.6, §7.1.2):
//! `reporting_ocp_nodes` (with the node role the unallocated rows depend on), `reporting_ocp_pvcs` and
//! `reporting_ocp_projects`, computed here from the same inputs as koku's Trino queries
//! (`get_nodes_query_sql`, `get_pvcs_query_sql`, `get_projects_query_sql`). `koku-load` applies them to
//! PostgreSQL with koku's upsert rules; the transform also applies the node upsert to its copy of the
//! node table, so the unallocated rows see the roles koku would see.

use std::collections::BTreeSet;

use crate::core::FastMap;

use super::inputs::{LabelDaily, PodDaily, StorageDaily};
use crate::core::sum::max_opt;

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
}

impl NodeAcc {
    fn add(&mut self, capacity: Option<f64>, role: Option<&str>, namespace: Option<&str>) {
        self.capacity = max_opt(self.capacity, capacity);
        if let Some(r) = role
            && self.role.as_deref().is_none_or(|m| r > m)
        {
            self.role = Some(r.to_string());
        }
        self.apiserver |= namespace == Some(APISERVER_NAMESPACE);
    }
}

/// What a node's label rows of the window contribute to koku's nodes query.
#[derive(Default)]
struct NodeLabelFacts {
    infra: bool,
    max_labels: Option<String>,
}

/// The groups of one node: by resource_id, the NULL one apart (so lookups by `&str` need no key).
#[derive(Default)]
struct NodeGroups {
    null_resource: Option<NodeAcc>,
    by_resource: FastMap<String, NodeAcc>,
}

/// `get_nodes_query_sql`, folded row by row: daily pod rows joined to the window's node-label rows **on
/// node only** (the WHERE on the label side makes it an inner join: nodes without label rows are not
/// returned), grouped by (node, resource_id).
///
/// What the label side contributes depends on the node only, so it is folded once per node
/// ([`NodesQuery::add_label`]) and joined to the pod groups in [`NodesQuery::finish`]; pod rows and
/// label rows can therefore arrive in any order, batch by batch (the streaming transform folds the
/// pod rows in a first pass over the daily file, without decoding them into rows). Before, every daily
/// pod row scanned all of its node's label texts of the window, which grows with days².
#[derive(Default)]
pub struct NodesQuery {
    labels: FastMap<String, NodeLabelFacts>,
    pods: FastMap<String, NodeGroups>,
}

impl NodesQuery {
    /// A node-label row of the window.
    pub fn add_label(&mut self, node: Option<&str>, text: Option<&str>) {
        let Some(node) = node else { return };
        let f = match self.labels.get_mut(node) {
            Some(f) => f,
            None => self.labels.entry(node.to_string()).or_default(),
        };
        if let Some(text) = text {
            f.infra |= text.contains(INFRA_LABEL);
            if f.max_labels.as_deref().is_none_or(|m| text > m) {
                f.max_labels = Some(text.to_string());
            }
        }
    }

    /// A daily pod row (its node, resource_id, node capacity, node role and namespace).
    pub fn add_pod(
        &mut self,
        node: Option<&str>,
        resource_id: Option<&str>,
        capacity: Option<f64>,
        role: Option<&str>,
        namespace: Option<&str>,
    ) {
        // A NULL node never equals a label row's node.
        let Some(node) = node else { return };
        let groups = match self.pods.get_mut(node) {
            Some(g) => g,
            None => self.pods.entry(node.to_string()).or_default(),
        };
        let acc = match resource_id {
            None => groups.null_resource.get_or_insert_with(NodeAcc::default),
            Some(rid) => match groups.by_resource.get_mut(rid) {
                Some(a) => a,
                None => groups.by_resource.entry(rid.to_string()).or_default(),
            },
        };
        acc.add(capacity, role, namespace);
    }

    /// Fold a batch of the canonical daily pod dataset.
    pub fn add_pod_batch(&mut self, batch: &arrow::array::RecordBatch) {
        use koku_common::schema::{Columns, POD_USAGE_DAILY, opt_f64, opt_text as s};
        let c = Columns::new(&POD_USAGE_DAILY, batch);
        let (node, rid, role, ns) = (
            c.text("node"),
            c.text("resource_id"),
            c.text("node_role"),
            c.text("namespace"),
        );
        let cap = c.float("node_capacity_cpu_cores");
        for i in 0..batch.num_rows() {
            self.add_pod(s(node, i), s(rid, i), opt_f64(cap, i), s(role, i), s(ns, i));
        }
    }

    /// The query's rows, ordered by (node, resource_id) with NULL resource_id first.
    pub fn finish(self) -> Vec<ClusterNode> {
        let mut nodes: Vec<_> = self.pods.into_iter().collect();
        nodes.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Vec::new();
        for (node, groups) in nodes {
            let Some(facts) = self.labels.get(&node) else {
                continue;
            };
            let mut by_resource: Vec<_> = groups.by_resource.into_iter().collect();
            by_resource.sort_by(|a, b| a.0.cmp(&b.0));
            let rows = groups
                .null_resource
                .map(|g| (None, g))
                .into_iter()
                .chain(by_resource.into_iter().map(|(r, g)| (Some(r), g)));
            for (resource_id, g) in rows {
                out.push(ClusterNode {
                    node: Some(node.clone()),
                    resource_id,
                    node_capacity_cpu_cores: g.capacity,
                    // coalesce(max(node_role), CASE ...): an empty role sent by the operator is kept.
                    node_role: g.role.or_else(|| {
                        Some(
                            if g.apiserver {
                                "master"
                            } else if facts.infra {
                                "infra"
                            } else {
                                "worker"
                            }
                            .to_string(),
                        )
                    }),
                    architecture: facts.max_labels.as_deref().and_then(architecture),
                });
            }
        }
        out
    }
}

/// [`NodesQuery`] over decoded rows.
pub fn nodes_query(pods: &[PodDaily<'_>], node_labels: &[LabelDaily]) -> Vec<ClusterNode> {
    let mut q = NodesQuery::default();
    for l in node_labels {
        q.add_label(l.key.as_deref(), l.labels.as_deref());
    }
    for p in pods {
        q.add_pod(
            p.node,
            p.resource_id,
            p.node_capacity_cpu_cores,
            p.node_role,
            p.namespace,
        );
    }
    q.finish()
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

/// A (persistentvolume, persistentvolumeclaim, csi_volume_handle) row of koku's PVCs query.
pub type Pvc = (Option<String>, Option<String>, Option<String>);

/// `get_pvcs_query_sql` (distinct (persistentvolume, persistentvolumeclaim, csi_volume_handle)) and
/// `get_projects_query_sql` (distinct namespaces of the daily pod rows), folded day by day.
#[derive(Debug, Default)]
pub struct PvcsAndProjects {
    pvcs: BTreeSet<Pvc>,
    /// Hashed, sorted at the end (perf: a BTreeSet lookup per daily pod row was 5% of the transform).
    projects: std::collections::HashSet<String, foldhash::fast::FixedState>,
    null_project: bool,
}

impl PvcsAndProjects {
    pub fn add_storage(&mut self, storage: &[StorageDaily<'_>]) {
        for s in storage {
            let owned = |t: Option<&str>| t.map(str::to_string);
            let key = (
                owned(s.persistentvolume),
                owned(s.persistentvolumeclaim),
                owned(s.csi_volume_handle),
            );
            self.pvcs.insert(key);
        }
    }

    pub fn add_pods(&mut self, pods: &[PodDaily<'_>]) {
        for p in pods {
            // Checked first: most rows repeat a namespace already seen, and need no allocation.
            match p.namespace {
                None => self.null_project = true,
                Some(ns) => {
                    if !self.projects.contains(ns) {
                        self.projects.insert(ns.to_string());
                    }
                }
            }
        }
    }

    /// Fold in what another part of the window gave (the queries are sets: order does not matter).
    pub fn merge(&mut self, other: PvcsAndProjects) {
        self.pvcs.extend(other.pvcs);
        self.projects.extend(other.projects);
        self.null_project |= other.null_project;
    }

    /// The PVCs query's rows and the projects query's rows, sorted.
    pub fn finish(self) -> (Vec<Pvc>, Vec<Option<String>>) {
        let mut projects: Vec<Option<String>> = self.projects.into_iter().map(Some).collect();
        if self.null_project {
            projects.push(None);
        }
        projects.sort();
        (self.pvcs.into_iter().collect(), projects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(
        ns: &'static str,
        node: &'static str,
        rid: &'static str,
        cores: f64,
        role: Option<&'static str>,
    ) -> PodDaily<'static> {
        PodDaily {
            namespace: Some(ns),
            node: Some(node),
            resource_id: Some(rid),
            node_capacity_cpu_cores: Some(cores),
            node_role: role,
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
        let s = |pv: &'static str, pvc: &'static str| StorageDaily {
            persistentvolume: Some(pv),
            persistentvolumeclaim: Some(pvc),
            ..StorageDaily::default()
        };
        let pods = [
            pod("a", "n", "r", 1.0, None),
            pod("a", "m", "r", 1.0, None),
            pod("b", "n", "r", 1.0, None),
        ];
        // Added over two "days", as the streaming transform does.
        let mut q = PvcsAndProjects::default();
        q.add_storage(&[s("pv1", "c1"), s("pv1", "c1")]);
        q.add_storage(&[s("pv2", "c2")]);
        q.add_pods(&pods[..2]);
        q.add_pods(&pods[2..]);
        let (pvcs, projects) = q.finish();
        assert_eq!(pvcs.len(), 2);
        assert_eq!(projects, vec![Some("a".into()), Some("b".into())]);
    }
}
