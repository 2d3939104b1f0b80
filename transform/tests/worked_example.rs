//! The worked example of `spec/ocp-daily-summary.md` §11, reproduced row by row, plus the variations the
//! spec lists after it. Every expected number below is the spec's hand computation.

mod support;
use support::{GIB, OCT1_MS, hourly_batch, s};

use koku_transform::core::days::day_of;
use koku_transform::ocp::capacity::CapacityBuilder;
use koku_transform::ocp::cluster_info::{ClusterNode, ExistingNode};
use koku_transform::ocp::inputs::{CostCategoryPattern, LabelDaily, PodDaily, StorageDaily};
use koku_transform::ocp::output::{INFRASTRUCTURE_USAGE_COST, SummaryRow};
use koku_transform::ocp::{OcpInputs, compute_ocp};

#[allow(clippy::too_many_arguments)]
fn pod(
    ns: &'static str,
    pod: &'static str,
    node: &'static str,
    rid: &'static str,
    labels: &'static str,
    cpu: [Option<f64>; 4],
    mem_gib_h: [Option<f64>; 4],
    cores: f64,
    bytes: f64,
) -> PodDaily<'static> {
    let m = |x: Option<f64>| x.map(|v| v * GIB * 3600.0);
    PodDaily {
        row: 0,
        day: day_of(OCT1_MS),
        namespace: Some(ns),
        node: Some(node),
        pod: Some(pod),
        pod_labels: Some(labels),
        resource_id: Some(rid),
        pod_usage_cpu_core_seconds: cpu[0],
        pod_request_cpu_core_seconds: cpu[1],
        pod_effective_usage_cpu_core_seconds: cpu[2],
        pod_limit_cpu_core_seconds: cpu[3],
        pod_usage_memory_byte_seconds: m(mem_gib_h[0]),
        pod_request_memory_byte_seconds: m(mem_gib_h[1]),
        pod_effective_usage_memory_byte_seconds: m(mem_gib_h[2]),
        pod_limit_memory_byte_seconds: m(mem_gib_h[3]),
        node_capacity_cpu_cores: Some(cores),
        node_capacity_memory_bytes: Some(bytes),
        node_role: None,
    }
}

fn label(key: &str, labels: &str) -> LabelDaily {
    LabelDaily {
        day: day_of(OCT1_MS),
        key: s(key),
        labels: s(labels),
    }
}

fn node_row(node: &str, rid: &str, cores: f64, role: &str) -> ExistingNode {
    ExistingNode {
        node: ClusterNode {
            node: s(node),
            resource_id: s(rid),
            node_capacity_cpu_cores: Some(cores),
            node_role: s(role),
            architecture: s("amd64"),
        },
        this_cluster: true,
        declared: false,
    }
}

/// Spec §11.1.
fn example() -> OcpInputs<'static> {
    let h = 3_600_000i64;
    let mut hourly = Vec::new();
    for i in 0..24 {
        for _pod in 0..2 {
            hourly.push((OCT1_MS + i * h, "node-a", 14400.0, 61_847_529_062_400.0));
        }
    }
    for i in 0..12 {
        hourly.push((OCT1_MS + i * h, "node-b", 7200.0, 30_923_764_531_200.0));
    }
    for i in 0..3 {
        hourly.push((OCT1_MS + i * h, "", 0.0, 0.0));
    }
    let mut cap = CapacityBuilder::default();
    cap.add_batch(&hourly_batch(&hourly));
    let pods = vec![
        pod(
            "web",
            "web-1",
            "node-a",
            "i-aaa",
            r#"{"app": "web", "team": "x"}"#,
            [Some(7200.0), Some(14400.0), Some(14400.0), Some(28800.0)],
            [Some(2.0), Some(4.0), Some(4.0), Some(8.0)],
            4.0,
            17_179_869_184.0,
        ),
        pod(
            "web",
            "web-2",
            "node-a",
            "i-aaa",
            r#"{"app": "web", "env": "prod"}"#,
            [Some(3600.0), Some(3600.0), None, Some(0.0)],
            [Some(1.0), Some(0.5), None, Some(0.0)],
            4.0,
            17_179_869_184.0,
        ),
        pod(
            "openshift-monitoring",
            "prom-0",
            "node-b",
            "i-bbb",
            r#"{"app": "prom"}"#,
            [Some(21600.0), Some(7200.0), Some(21600.0), Some(0.0)],
            [Some(2.0), Some(1.0), Some(2.0), Some(0.0)],
            2.0,
            8_589_934_592.0,
        ),
        pod(
            "web",
            "pending-1",
            "",
            "",
            r#"{"app": "web"}"#,
            [Some(100.0), Some(100.0), Some(100.0), Some(0.0)],
            [Some(0.0), Some(0.0), Some(0.0), Some(0.0)],
            0.0,
            0.0,
        ),
    ];
    let storage = vec![
        StorageDaily {
            row: 0,
            day: day_of(OCT1_MS),
            namespace: Some("web"),
            pod: Some("web-1"),
            persistentvolumeclaim: Some("data-web"),
            persistentvolume: Some("pv-001"),
            storageclass: Some("gp3"),
            csi_volume_handle: Some("vol-123"),
            persistentvolume_labels: Some(r#"{"app": "db-pv", "env": "pv-env"}"#),
            persistentvolumeclaim_labels: Some(r#"{"env": "pvc-env"}"#),
            persistentvolumeclaim_capacity_bytes: Some(10_737_418_240.0),
            persistentvolumeclaim_capacity_byte_seconds: Some(927_712_935_936_000.0),
            volume_request_storage_byte_seconds: Some(927_712_935_936_000.0),
            persistentvolumeclaim_usage_byte_seconds: Some(463_856_467_968_000.0),
        },
        StorageDaily {
            row: 0,
            day: day_of(OCT1_MS),
            namespace: Some("web"),
            pod: Some("old-pod"),
            persistentvolumeclaim: Some("orphan"),
            persistentvolume: Some("pv-002"),
            storageclass: Some("gp3"),
            csi_volume_handle: None,
            persistentvolume_labels: Some("{}"),
            persistentvolumeclaim_labels: Some("{}"),
            persistentvolumeclaim_capacity_bytes: Some(1_073_741_824.0),
            persistentvolumeclaim_capacity_byte_seconds: Some(92_771_293_593_600.0),
            volume_request_storage_byte_seconds: Some(92_771_293_593_600.0),
            persistentvolumeclaim_usage_byte_seconds: Some(46_385_646_796_800.0),
        },
    ];
    OcpInputs {
        pods,
        storage,
        node_labels: vec![
            label(
                "node-a",
                r#"{"env": "node-env", "node_role_kubernetes_io": "worker"}"#,
            ),
            label("node-b", r#"{"node_role_kubernetes_io": "master"}"#),
        ],
        namespace_labels: vec![label("web", r#"{"env": "ns-env", "team": "ns-team"}"#)],
        // (`team` is disabled and `tier` belongs to AWS: neither reaches the enabled OCP set.)
        enabled_keys: vec!["app".into(), "env".into()],
        cost_categories: ["openshift-%", "kube-%", "Platform unallocated", "openshift"]
            .iter()
            .map(|p| CostCategoryPattern {
                pattern: s(p),
                cost_category_id: Some(1),
            })
            .collect(),
        // reporting_ocp_nodes as koku holds it (the spec lists the roles; capacity as numeric(18,2)).
        nodes: vec![
            node_row("node-a", "i-aaa", 4.0, "worker"),
            node_row("node-b", "i-bbb", 2.0, "master"),
        ],
        capacities: cap.finish(),
    }
}

fn find<'a>(
    rows: &'a [SummaryRow],
    kind: &str,
    ns: Option<&str>,
    f: impl Fn(&SummaryRow) -> bool,
) -> &'a SummaryRow {
    let hits: Vec<_> = rows
        .iter()
        .filter(|r| r.row_kind == kind && r.namespace.as_deref() == ns && f(r))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected one {kind} row for {ns:?}, got {hits:#?}"
    );
    hits[0]
}

#[test]
fn pod_rows_match_spec_11() {
    let rows = compute_ocp(example()).unwrap();
    let pods: Vec<_> = rows.iter().filter(|r| r.row_kind == "pod").collect();
    assert_eq!(pods.len(), 3, "D4 (empty node) is dropped: {pods:#?}");

    let p1 = find(&rows, "pod", Some("web"), |r| {
        r.pod_labels.as_deref() == Some(r#"{"app":"web","env":"ns-env"}"#)
    });
    let p2 = find(&rows, "pod", Some("web"), |r| {
        r.pod_labels.as_deref() == Some(r#"{"app":"web","env":"prod"}"#)
    });
    let p3 = find(&rows, "pod", Some("openshift-monitoring"), |_| true);
    for (p, node, rid, cat) in [
        (p1, "node-a", "i-aaa", None),
        (p2, "node-a", "i-aaa", None),
        (p3, "node-b", "i-bbb", Some(1)),
    ] {
        assert_eq!(p.data_source, "Pod");
        assert_eq!(p.node.as_deref(), Some(node));
        assert_eq!(p.resource_id.as_deref(), Some(rid));
        assert_eq!(p.cost_category_id, cat);
        assert_eq!(p.usage_start, day_of(OCT1_MS));
        assert_eq!(p.infrastructure_usage_cost, Some(INFRASTRUCTURE_USAGE_COST));
        assert_eq!(p.all_labels, p.pod_labels.clone().unwrap());
        assert_eq!(p.volume_labels, None);
        assert_eq!(p.persistentvolumeclaim_capacity_gigabyte, None);
        assert_eq!(p.cluster_capacity_cpu_core_hours, Some(120.0));
        assert_eq!(p.cluster_capacity_memory_gigabyte_hours, Some(480.0));
    }
    assert_eq!(p3.pod_labels.as_deref(), Some(r#"{"app":"prom"}"#));

    let cpu = |r: &SummaryRow| {
        [
            r.pod_usage_cpu_core_hours,
            r.pod_request_cpu_core_hours,
            r.pod_effective_usage_cpu_core_hours,
            r.pod_limit_cpu_core_hours,
        ]
    };
    let mem = |r: &SummaryRow| {
        [
            r.pod_usage_memory_gigabyte_hours,
            r.pod_request_memory_gigabyte_hours,
            r.pod_effective_usage_memory_gigabyte_hours,
            r.pod_limit_memory_gigabyte_hours,
        ]
    };
    assert_eq!(cpu(p1), [Some(2.0), Some(4.0), Some(4.0), Some(8.0)]);
    assert_eq!(mem(p1), [Some(2.0), Some(4.0), Some(4.0), Some(8.0)]);
    // D2's effective values are NULL: greatest(usage, request) of the daily values.
    assert_eq!(cpu(p2), [Some(1.0), Some(1.0), Some(1.0), Some(0.0)]);
    assert_eq!(mem(p2), [Some(1.0), Some(0.5), Some(1.0), Some(0.0)]);
    assert_eq!(cpu(p3), [Some(6.0), Some(2.0), Some(6.0), Some(0.0)]);
    assert_eq!(mem(p3), [Some(2.0), Some(1.0), Some(2.0), Some(0.0)]);

    let caps = |r: &SummaryRow| {
        [
            r.node_capacity_cpu_cores,
            r.node_capacity_cpu_core_hours,
            r.node_capacity_memory_gigabytes,
            r.node_capacity_memory_gigabyte_hours,
        ]
    };
    assert_eq!(caps(p1), [Some(4.0), Some(96.0), Some(16.0), Some(384.0)]);
    assert_eq!(caps(p2), [Some(4.0), Some(96.0), Some(16.0), Some(384.0)]);
    assert_eq!(caps(p3), [Some(2.0), Some(24.0), Some(8.0), Some(96.0)]);
}

#[test]
fn storage_rows_match_spec_11() {
    let rows = compute_ocp(example()).unwrap();
    assert_eq!(rows.iter().filter(|r| r.row_kind == "storage").count(), 2);
    let s1 = find(&rows, "storage", Some("web"), |r| {
        r.persistentvolumeclaim.as_deref() == Some("data-web")
    });
    assert_eq!(s1.data_source, "Storage");
    assert_eq!(
        (s1.node.as_deref(), s1.resource_id.as_deref()),
        (Some("node-a"), Some("i-aaa"))
    );
    assert_eq!(
        (s1.persistentvolume.as_deref(), s1.storageclass.as_deref()),
        (Some("pv-001"), Some("gp3"))
    );
    assert_eq!(
        s1.volume_labels.as_deref(),
        Some(r#"{"app":"db-pv","env":"pvc-env"}"#)
    );
    assert_eq!(s1.all_labels, r#"{"app":"db-pv","env":"pvc-env"}"#);
    assert_eq!(s1.pod_labels, None);
    assert_eq!(s1.persistentvolumeclaim_capacity_gigabyte, Some(10.0));
    assert_eq!(
        s1.persistentvolumeclaim_capacity_gigabyte_months,
        Some(0.3225806451612903)
    );
    assert_eq!(
        s1.volume_request_storage_gigabyte_months,
        Some(0.3225806451612903)
    );
    assert_eq!(
        s1.persistentvolumeclaim_usage_gigabyte_months,
        Some(0.16129032258064516)
    );
    assert_eq!(s1.csi_volume_handle.as_deref(), Some("vol-123"));
    assert_eq!(s1.cost_category_id, None);
    assert_eq!(s1.pod_usage_cpu_core_hours, None);
    assert_eq!(s1.node_capacity_cpu_core_hours, None);
    assert_eq!(
        s1.infrastructure_usage_cost,
        Some(INFRASTRUCTURE_USAGE_COST)
    );

    let s2 = find(&rows, "storage", Some("web"), |r| {
        r.persistentvolumeclaim.as_deref() == Some("orphan")
    });
    assert_eq!(
        (s2.node.as_deref(), s2.resource_id.as_deref()),
        (None, None),
        "no pod row that day"
    );
    assert_eq!(s2.volume_labels.as_deref(), Some(r#"{"env":"ns-env"}"#));
    assert_eq!(s2.persistentvolumeclaim_capacity_gigabyte, Some(1.0));
    assert_eq!(
        s2.persistentvolumeclaim_capacity_gigabyte_months,
        Some(0.03225806451612903)
    );
    assert_eq!(
        s2.volume_request_storage_gigabyte_months, None,
        "no node count: NULL, not undivided"
    );
    assert_eq!(s2.persistentvolumeclaim_usage_gigabyte_months, None);
    assert_eq!(s2.csi_volume_handle, None);
}

#[test]
fn unallocated_rows_match_spec_11() {
    let rows = compute_ocp(example()).unwrap();
    assert_eq!(
        rows.iter().filter(|r| r.row_kind == "unallocated").count(),
        2
    );
    let u1 = find(&rows, "unallocated", Some("Worker unallocated"), |_| true);
    let u2 = find(&rows, "unallocated", Some("Platform unallocated"), |_| true);
    for (u, node, rid, cat) in [
        (u1, "node-a", "i-aaa", None),
        (u2, "node-b", "i-bbb", Some(1)),
    ] {
        assert_eq!(u.data_source, "Pod");
        assert_eq!(u.node.as_deref(), Some(node));
        assert_eq!(u.resource_id.as_deref(), Some(rid));
        assert_eq!(u.cost_category_id, cat);
        assert_eq!(
            (u.pod_labels.as_deref(), u.volume_labels.as_deref()),
            (None, None)
        );
        assert_eq!(u.all_labels, "{}");
        assert_eq!(u.infrastructure_usage_cost, None);
        assert_eq!(
            (
                u.pod_limit_cpu_core_hours,
                u.pod_limit_memory_gigabyte_hours
            ),
            (None, None)
        );
        assert_eq!(
            (
                u.cluster_capacity_cpu_core_hours,
                u.cluster_capacity_memory_gigabyte_hours
            ),
            (Some(120.0), Some(480.0))
        );
    }
    let vals = |u: &SummaryRow| {
        [
            u.pod_usage_cpu_core_hours,
            u.pod_request_cpu_core_hours,
            u.pod_effective_usage_cpu_core_hours,
            u.pod_usage_memory_gigabyte_hours,
            u.pod_request_memory_gigabyte_hours,
            u.pod_effective_usage_memory_gigabyte_hours,
        ]
    };
    assert_eq!(
        vals(u1),
        [
            Some(93.0),
            Some(91.0),
            Some(91.0),
            Some(381.0),
            Some(379.5),
            Some(379.0)
        ]
    );
    assert_eq!(
        vals(u2),
        [
            Some(18.0),
            Some(22.0),
            Some(18.0),
            Some(94.0),
            Some(95.0),
            Some(94.0)
        ]
    );
    assert_eq!(
        (
            u1.node_capacity_cpu_cores,
            u1.node_capacity_memory_gigabytes
        ),
        (Some(4.0), Some(16.0))
    );
    assert_eq!(
        (
            u2.node_capacity_cpu_core_hours,
            u2.node_capacity_memory_gigabyte_hours
        ),
        (Some(24.0), Some(96.0))
    );
}

#[test]
fn rows_are_ordered_pod_storage_unallocated() {
    let kinds: Vec<_> = compute_ocp(example())
        .unwrap()
        .iter()
        .map(|r| r.row_kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "pod",
            "pod",
            "pod",
            "storage",
            "storage",
            "unallocated",
            "unallocated"
        ]
    );
}

// ---- Variations listed after spec §11.3 ----

#[test]
fn second_node_label_map_duplicates_rows() {
    let mut inputs = example();
    inputs
        .node_labels
        .push(label("node-a", r#"{"env": "other-node-env"}"#));
    let rows = compute_ocp(inputs).unwrap();
    // P2's own `env` wins over both node maps, so both copies land in one group: doubled sums.
    let p2 = find(&rows, "pod", Some("web"), |r| {
        r.pod_labels.as_deref() == Some(r#"{"app":"web","env":"prod"}"#)
    });
    assert_eq!(p2.pod_usage_cpu_core_hours, Some(2.0));
    // P1 takes `env` from the namespace for both copies: one group, doubled too.
    let p1 = find(&rows, "pod", Some("web"), |r| {
        r.pod_labels.as_deref() == Some(r#"{"app":"web","env":"ns-env"}"#)
    });
    assert_eq!(p1.pod_usage_cpu_core_hours, Some(4.0));
}

#[test]
fn user_category_with_underscore_wildcard_matches_web() {
    let mut inputs = example();
    inputs.cost_categories.push(CostCategoryPattern {
        pattern: s("w_b"),
        cost_category_id: Some(2),
    });
    let rows = compute_ocp(inputs).unwrap();
    for r in rows
        .iter()
        .filter(|r| r.namespace.as_deref() == Some("web"))
    {
        assert_eq!(r.cost_category_id, Some(2), "{r:?}");
    }
}

#[test]
fn overlapping_categories_multiply_sums_and_unallocated_rows() {
    let mut inputs = example();
    inputs.cost_categories.push(CostCategoryPattern {
        pattern: s("openshift-m%"),
        cost_category_id: Some(3),
    });
    inputs.cost_categories.push(CostCategoryPattern {
        pattern: s("Platform%"),
        cost_category_id: Some(4),
    });
    let rows = compute_ocp(inputs).unwrap();
    let p3 = find(&rows, "pod", Some("openshift-monitoring"), |_| true);
    assert_eq!(p3.cost_category_id, Some(3), "max of the matching ids");
    assert_eq!(
        p3.pod_usage_cpu_core_hours,
        Some(12.0),
        "two matches double the sums"
    );
    let mut cats: Vec<_> = rows
        .iter()
        .filter(|r| {
            r.row_kind == "unallocated" && r.namespace.as_deref() == Some("Platform unallocated")
        })
        .map(|r| r.cost_category_id)
        .collect();
    cats.sort();
    assert_eq!(
        cats,
        [Some(1), Some(4)],
        "one unallocated row per matching pattern"
    );
}

#[test]
fn no_enabled_keys_empties_every_map_even_the_vm_key() {
    let mut inputs = example();
    inputs.enabled_keys.clear();
    inputs.pods[0].pod_labels = Some(r#"{"app": "web", "vm_kubevirt_io_name": "vm1"}"#);
    let rows = compute_ocp(inputs).unwrap();
    for r in rows.iter().filter(|r| r.row_kind != "unallocated") {
        assert_eq!(r.all_labels, "{}", "{r:?}");
    }
    // P1 and P2 now share the empty map: one group on node-a.
    let web = find(&rows, "pod", Some("web"), |_| true);
    assert_eq!(web.pod_usage_cpu_core_hours, Some(3.0));
}

#[test]
fn vm_key_is_always_enabled_when_any_key_is() {
    let mut inputs = example();
    inputs.pods[2].pod_labels =
        Some(r#"{"app": "prom", "vm_kubevirt_io_name": "vm1", "team": "t"}"#);
    let rows = compute_ocp(inputs).unwrap();
    let p3 = find(&rows, "pod", Some("openshift-monitoring"), |_| true);
    assert_eq!(
        p3.pod_labels.as_deref(),
        Some(r#"{"app":"prom","vm_kubevirt_io_name":"vm1"}"#)
    );
}

#[test]
fn node_without_role_gives_null_unallocated_namespace() {
    let mut inputs = example();
    inputs
        .nodes
        .retain(|n| n.node.node.as_deref() != Some("node-b"));
    // Without node labels, koku's nodes query does not return node-b either (inner join on labels).
    inputs
        .node_labels
        .retain(|l| l.key.as_deref() != Some("node-b"));
    let rows = compute_ocp(inputs).unwrap();
    let u2 = find(&rows, "unallocated", None, |_| true);
    assert_eq!(u2.node.as_deref(), Some("node-b"));
    assert_eq!(u2.cost_category_id, None);
    assert_eq!(u2.pod_usage_cpu_core_hours, Some(18.0));
}

#[test]
fn pvc_mounted_from_a_second_node_halves_request_and_usage() {
    let mut inputs = example();
    let mut extra = inputs.pods[0].clone();
    extra.node = Some("node-c");
    extra.resource_id = Some("i-ccc");
    inputs.pods.push(extra);
    let rows = compute_ocp(inputs).unwrap();
    let s1: Vec<_> = rows
        .iter()
        .filter(|r| {
            r.row_kind == "storage" && r.persistentvolumeclaim.as_deref() == Some("data-web")
        })
        .collect();
    assert_eq!(s1.len(), 2, "one row per node the pod ran on");
    for r in s1 {
        assert_eq!(
            r.persistentvolumeclaim_capacity_gigabyte_months,
            Some(0.3225806451612903),
            "capacity not divided"
        );
        assert_eq!(
            r.volume_request_storage_gigabyte_months,
            Some(0.3225806451612903 / 2.0)
        );
        assert_eq!(
            r.persistentvolumeclaim_usage_gigabyte_months,
            Some(0.16129032258064516 / 2.0)
        );
    }
}

#[test]
fn node_without_hourly_rows_has_null_capacity() {
    let mut inputs = example();
    let mut extra = inputs.pods[0].clone();
    extra.node = Some("node-z");
    inputs.pods.push(extra);
    let rows = compute_ocp(inputs).unwrap();
    let pz = find(&rows, "pod", Some("web"), |r| {
        r.node.as_deref() == Some("node-z")
    });
    assert_eq!(pz.node_capacity_cpu_core_hours, None);
    assert_eq!(pz.node_capacity_memory_gigabyte_hours, None);
    assert_eq!(pz.cluster_capacity_cpu_core_hours, Some(120.0));
    let uz = find(&rows, "unallocated", None, |r| {
        r.node.as_deref() == Some("node-z")
    });
    assert_eq!(
        uz.pod_usage_cpu_core_hours, None,
        "capacity NULL ⇒ unallocated NULL"
    );
}

#[test]
fn null_pod_labels_make_the_merged_map_null() {
    let mut inputs = example();
    inputs.pods[2].pod_labels = None;
    let rows = compute_ocp(inputs).unwrap();
    let p3 = find(&rows, "pod", Some("openshift-monitoring"), |_| true);
    assert_eq!(p3.pod_labels, None);
    assert_eq!(p3.all_labels, "{}");
}

#[test]
fn invalid_label_json_names_dataset_row_and_column() {
    let mut inputs = example();
    inputs.pods[1].pod_labels = Some("app:web");
    let err = compute_ocp(inputs).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "openshift_pod_usage_line_items_daily, row 1, column pod_labels: invalid JSON"
        ),
        "{err}"
    );
}

#[test]
fn roles_derived_by_the_nodes_query_reach_unallocated_rows() {
    // A new cluster: reporting_ocp_nodes is empty, so the roles come from koku's nodes query. Without
    // an operator-sent role or an openshift-kube-apiserver pod, node labels only ever mark `infra`
    // (node-b's `node_role_kubernetes_io: master` label is not looked at): both nodes are workers.
    let mut inputs = example();
    inputs.nodes.clear();
    let rows = compute_ocp(inputs).unwrap();
    let u: Vec<_> = rows
        .iter()
        .filter(|r| r.row_kind == "unallocated")
        .map(|r| r.namespace.as_deref())
        .collect();
    assert_eq!(u, [Some("Worker unallocated"), Some("Worker unallocated")]);

    // An apiserver pod makes a node master; an infra node label makes it infra.
    let mut inputs = example();
    inputs.nodes.clear();
    inputs.pods[2].namespace = Some("openshift-kube-apiserver");
    inputs.node_labels[0].labels = s(r#"{"env": "node-env", "node_role_kubernetes_io": "infra"}"#);
    let rows = compute_ocp(inputs).unwrap();
    let u: Vec<_> = rows
        .iter()
        .filter(|r| r.row_kind == "unallocated")
        .map(|r| {
            (
                r.node.as_deref(),
                r.namespace.as_deref(),
                r.cost_category_id,
            )
        })
        .collect();
    assert_eq!(
        u,
        [
            (Some("node-a"), Some("Platform unallocated"), Some(1)),
            (Some("node-b"), Some("Platform unallocated"), Some(1))
        ]
    );
}
