//! The simulated cluster: nodes of every role, namespaces, pod "slots" and persistent volumes.
//!
//! A *slot* is one place a pod runs on a node (a replica of a deployment, a daemonset pod, a job
//! runner). At every hour each slot runs exactly one pod instance, so a cluster of `N` nodes and `P`
//! pods per node has exactly `N × P × 24` hourly pod rows per day — the shape of nise's benchmark
//! manifests (40 × 104 = 99,840 rows, 400 × 104 = 998,400 rows). Pods still come and go: a slot's pod
//! is replaced by a new instance (new name) every `life` hours, from rarely (long-running services)
//! to every few hours (jobs), and the new instance starts part-way into its first hour. Some slots
//! change a label while their pod runs (label churn, so one pod has several daily rows). Some
//! persistent volumes are mounted by pods on two nodes (shared RWX volumes), some have no claim.
//!
//! Everything here is derived from the seed with [`crate::rng::hash`], so the model is the same for a
//! given configuration on every machine and for every thread count.

use crate::Config;
use crate::rng::{hash, hex, k8s_suffix, range, unit};

// Hash domain tags (never reuse one for two purposes).
const T_NODE: u64 = 1;
const T_SLOT: u64 = 2;
const T_DEP: u64 = 3;
const T_LABEL: u64 = 4;
const T_PVC: u64 = 5;
const T_NS: u64 = 6;
pub(crate) const T_USAGE: u64 = 7;
pub(crate) const T_START: u64 = 8;
pub(crate) const T_NODE_CHURN: u64 = 9;
pub(crate) const T_PVC_USE: u64 = 10;
const T_POD: u64 = 11;

/// Label keys in the order koku would see them (the first `--label-keys` are used); more are `key_NN`.
const KEY_NAMES: &[&str] = &[
    "app",
    "environment",
    "team",
    "tier",
    "version",
    "component",
    "cost_center",
    "release",
    "owner",
    "project",
];
/// Value stems per key position (a value is `<stem><j>`, `j < --label-values`).
const VALUE_STEMS: &[&str] = &[
    "svc", "env", "team", "tier", "v", "comp", "cc", "rel", "owner", "proj",
];
pub(crate) const APP_WORDS: &[&str] = &[
    "api",
    "web",
    "worker",
    "db",
    "cache",
    "frontend",
    "backend",
    "ingest",
    "scheduler",
    "metrics",
    "search",
    "auth",
    "billing",
    "gateway",
    "notifier",
    "reporter",
];
const PROJECT_WORDS: &[&str] = &[
    "payments",
    "catalog",
    "checkout",
    "analytics",
    "identity",
    "inventory",
    "shipping",
    "support",
    "marketing",
    "platform",
    "data",
    "ml",
];
const SYSTEM_NAMESPACES: &[&str] = &[
    "openshift-etcd",
    "openshift-kube-apiserver",
    "openshift-monitoring",
    "openshift-ingress",
    "openshift-dns",
    "openshift-image-registry",
    "openshift-logging",
    "kube-system",
];
/// Namespaces with a daemonset pod on every node (the rest of a master/infra node's slots go to the
/// other system namespaces).
const DAEMON_NAMESPACES: usize = 2; // openshift-dns, openshift-logging: indices below
const DAEMON_NS_INDEX: [usize; DAEMON_NAMESPACES] = [4, 6];
/// The cluster runs in `us-east-1` (the AWS generator bills its nodes and volumes there).
pub const REGION: &str = "us-east-1";
const ZONES: &[&str] = &["us-east-1a", "us-east-1b", "us-east-1c"];
/// Node instance types: name, cores, memory GiB.
pub const INSTANCE_TYPES: &[(&str, f64, f64)] = &[
    ("m5.xlarge", 4.0, 16.0),
    ("m5.2xlarge", 8.0, 32.0),
    ("m5.4xlarge", 16.0, 64.0),
    ("r5.4xlarge", 16.0, 128.0),
    ("m5.8xlarge", 32.0, 128.0),
];
pub const GIB: f64 = 1_073_741_824.0;

/// A cluster node.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub resource_id: String,
    /// `master`, `infra` or `worker` (koku's node roles).
    pub role: &'static str,
    /// EC2 instance type and availability zone (the node's `node_kubernetes_io_instance_type` and
    /// `topology_kubernetes_io_zone` labels).
    pub instance_type: &'static str,
    pub zone: &'static str,
    pub cores: f64,
    pub memory_bytes: f64,
    /// Node labels JSON without churn, and with the churn label (only for churning nodes).
    pub labels: String,
    pub labels_churned: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Namespace {
    pub name: String,
    pub labels: String,
}

/// One pod slot (see the module documentation).
#[derive(Debug, Clone)]
pub struct Slot {
    pub node: u32,
    pub ns: u32,
    /// Deployment name; pod names are `<deployment>-<rs hash>-<pod hash>`.
    pub deployment: String,
    /// Hours an instance lives; the instance at hour `t` is `(t + phase) / life`.
    pub life: u32,
    pub phase: u32,
    /// Hours a label version lives (0 = no label churn) and its phase.
    pub label_life: u32,
    pub label_phase: u32,
    /// Fixed labels (key index, value) in key order; `churn_key` gets a per-version value.
    pub labels: Vec<(usize, String)>,
    pub churn_key: Option<usize>,
    pub cpu_request: f64,
    pub cpu_limit: f64,
    pub cpu_mean: f64,
    pub mem_request: f64,
    pub mem_limit: f64,
    pub mem_mean: f64,
}

/// One mount of a volume (claimless volumes have one mount with no slot).
#[derive(Debug, Clone)]
pub struct Mount {
    pub slot: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Volume {
    pub namespace: String,
    pub pvc: String,
    pub pv: String,
    pub storageclass: &'static str,
    pub csi_driver: &'static str,
    /// `vol-…` (the EBS volume id) for `ebs.csi.aws.com` volumes, a Ceph id for shared CephFS volumes,
    /// `''` for claimless local volumes.
    pub csi_volume_handle: String,
    /// Availability zone of the volume (`''` for local volumes).
    pub zone: &'static str,
    pub pv_labels: String,
    pub pvc_labels: String,
    pub capacity_bytes: f64,
    pub used_fraction: f64,
    pub claimless: bool,
    pub mounts: Vec<Mount>,
}

#[derive(Debug, Clone)]
pub struct Cluster {
    pub seed: u64,
    pub keys: Vec<String>,
    pub nodes: Vec<Node>,
    pub namespaces: Vec<Namespace>,
    pub slots: Vec<Slot>,
    pub volumes: Vec<Volume>,
}

/// Python `json.dumps` of a flat string dict: `{"k": "v", ...}`, insertion order, non-ASCII as `\uXXXX`.
pub fn py_json<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = String::from("{");
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        py_json_str(&mut s, k);
        s.push_str(": ");
        py_json_str(&mut s, v);
    }
    s.push('}');
    s
}

fn py_json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn key_name(i: usize) -> String {
    KEY_NAMES
        .get(i)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("key_{i:02}"))
}

fn value_name(key: usize, j: u64) -> String {
    format!("{}{j}", VALUE_STEMS.get(key).copied().unwrap_or("val"))
}

impl Cluster {
    pub fn build(cfg: &Config) -> Cluster {
        let seed = cfg.seed;
        let n = cfg.nodes as usize;
        let keys: Vec<String> = (0..cfg.label_keys as usize).map(key_name).collect();
        let values = cfg.label_values.max(1) as u64;

        // Nodes: a few masters, some infra nodes, the rest workers.
        let masters = if n >= 6 { 3 } else { 1.min(n) };
        let infra = if n >= 10 {
            (n / 50).max(2)
        } else if n >= 3 {
            1
        } else {
            0
        };
        let mut nodes = Vec::with_capacity(n);
        let (mut mi, mut ii, mut wi) = (0, 0, 0);
        for i in 0..n {
            let (role, name) = if i < masters {
                mi += 1;
                ("master", format!("master-{}", mi - 1))
            } else if i < masters + infra {
                ii += 1;
                ("infra", format!("infra-{}", ii - 1))
            } else {
                wi += 1;
                ("worker", format!("worker-{:04}", wi - 1))
            };
            let h = hash(seed, &[T_NODE, i as u64]);
            let (itype, cores, mem_gib) =
                INSTANCE_TYPES[(h % INSTANCE_TYPES.len() as u64) as usize];
            let zone = ZONES[i % ZONES.len()];
            let base = [
                ("beta_kubernetes_io_arch", "amd64".to_string()),
                ("kubernetes_io_hostname", name.clone()),
                (
                    match role {
                        "master" => "node_role_kubernetes_io_master",
                        "infra" => "node_role_kubernetes_io_infra",
                        _ => "node_role_kubernetes_io_worker",
                    },
                    String::new(),
                ),
                ("node_kubernetes_io_instance_type", itype.to_string()),
                ("topology_kubernetes_io_zone", zone.to_string()),
            ];
            let labels = py_json(base.iter().map(|(k, v)| (*k, v.as_str())));
            // One node in ten is cordoned for maintenance a few hours on some days (node-label churn).
            let labels_churned = (h >> 20).is_multiple_of(10).then(|| {
                py_json(
                    base.iter()
                        .map(|(k, v)| (*k, v.as_str()))
                        .chain([("maintenance", "true")]),
                )
            });
            nodes.push(Node {
                name,
                resource_id: format!("i-{}", hex(h, 17)),
                role,
                instance_type: itype,
                zone,
                cores,
                memory_bytes: mem_gib * GIB,
                labels,
                labels_churned,
            });
        }

        // Namespaces: the system ones, then application namespaces (about one per 64 pods).
        let pods_total = n as u64 * cfg.pods_per_node as u64;
        let n_app = (pods_total / 64).clamp(2, 5000) as usize;
        let mut namespaces: Vec<Namespace> = Vec::with_capacity(SYSTEM_NAMESPACES.len() + n_app);
        let ns_labels = |name: &str, i: u64| -> String {
            let mut pairs: Vec<(String, String)> =
                vec![("kubernetes_io_metadata_name".into(), name.to_string())];
            for k in [1usize, 2] {
                if k < keys.len() {
                    let j = hash(seed, &[T_NS, i, k as u64]) % values;
                    pairs.push((keys[k].clone(), value_name(k, j)));
                }
            }
            py_json(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        };
        for (i, s) in SYSTEM_NAMESPACES.iter().enumerate() {
            namespaces.push(Namespace {
                name: s.to_string(),
                labels: ns_labels(s, i as u64),
            });
        }
        for a in 0..n_app {
            let w = PROJECT_WORDS[a % PROJECT_WORDS.len()];
            let name = format!("{w}-{}", a / PROJECT_WORDS.len());
            let labels = ns_labels(&name, (SYSTEM_NAMESPACES.len() + a) as u64);
            namespaces.push(Namespace { name, labels });
        }
        let sys = SYSTEM_NAMESPACES.len();

        // Slots.
        let mut slots = Vec::with_capacity(pods_total as usize);
        for (ni, node) in nodes.iter().enumerate() {
            for p in 0..cfg.pods_per_node as u64 {
                let s = slots.len() as u64;
                let h = hash(seed, &[T_SLOT, s]);
                // Namespace: daemonsets first, then system namespaces on control-plane nodes, mostly
                // application namespaces on workers.
                let ns = if (p as usize) < DAEMON_NAMESPACES {
                    DAEMON_NS_INDEX[p as usize]
                } else if node.role != "worker" || h.is_multiple_of(10) {
                    ((h >> 8) % sys as u64) as usize
                } else {
                    sys + ((h >> 8) % n_app as u64) as usize
                };
                // A deployment is (namespace, index); replicas share name and labels.
                let dep = (h >> 24) % 6;
                let dh = hash(seed, &[T_DEP, ns as u64, dep]);
                let app = APP_WORDS[(dh % APP_WORDS.len() as u64) as usize];
                let deployment = if (p as usize) < DAEMON_NAMESPACES {
                    format!(
                        "{}-node",
                        namespaces[ns].name.trim_start_matches("openshift-")
                    )
                } else {
                    format!("{app}-{dep}")
                };
                // Lifetimes: most pods live long, some roll every few days, some are short jobs.
                let u = unit(hash(seed, &[T_SLOT, s, 1]));
                let life = if u < 0.70 {
                    24 * 400
                } else if u < 0.92 {
                    range(h >> 32, 24, 24 * 7) as u32
                } else {
                    range(h >> 32, 1, 12) as u32
                };
                let phase = (hash(seed, &[T_SLOT, s, 2]) % life as u64) as u32;
                let churn = unit(hash(seed, &[T_SLOT, s, 3])) < 0.10 && !keys.is_empty();
                let churn_key = churn.then(|| 4.min(keys.len() - 1));
                let label_life = if churn {
                    range(hash(seed, &[T_SLOT, s, 4]), 4, 36) as u32
                } else {
                    0
                };
                let label_phase = if churn {
                    (hash(seed, &[T_SLOT, s, 5]) % label_life as u64) as u32
                } else {
                    0
                };
                let mut labels = Vec::new();
                for k in 0..keys.len() {
                    let lh = hash(seed, &[T_LABEL, ns as u64, dep, k as u64]);
                    if k == 0 || churn_key == Some(k) || lh % 10 < 6 {
                        labels.push((k, value_name(k, (lh >> 8) % values)));
                    }
                }
                // Requests in cores / GiB; limits 1–4× the request, capped by the node.
                let cpu_request: f64 = [0.1, 0.25, 0.5, 1.0, 2.0][((h >> 40) % 5) as usize];
                let cpu_limit =
                    (cpu_request * [1.0, 2.0, 4.0][((h >> 44) % 3) as usize]).min(node.cores);
                let cpu_mean = cpu_request * (0.2 + 1.4 * unit(hash(seed, &[T_SLOT, s, 6])));
                let mem_request = [0.25, 0.5, 1.0, 2.0, 4.0][((h >> 48) % 5) as usize] * GIB;
                let mem_limit = (mem_request * [1.0, 1.5, 2.0][((h >> 52) % 3) as usize])
                    .min(node.memory_bytes);
                let mem_mean = mem_request * (0.3 + 1.0 * unit(hash(seed, &[T_SLOT, s, 7])));
                slots.push(Slot {
                    node: ni as u32,
                    ns: ns as u32,
                    deployment,
                    life,
                    phase,
                    label_life,
                    label_phase,
                    labels,
                    churn_key,
                    cpu_request,
                    cpu_limit,
                    cpu_mean,
                    mem_request,
                    mem_limit,
                    mem_mean,
                });
            }
        }

        // Volumes: claimed volumes mounted by a worker slot (one in five shared with a slot of the same
        // namespace on another node), one in ten without a claim.
        let worker_slots: Vec<u32> = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| nodes[s.node as usize].role == "worker" && s.ns as usize >= sys)
            .map(|(i, _)| i as u32)
            .collect();
        let mut by_ns: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
        for &s in &worker_slots {
            by_ns.entry(slots[s as usize].ns).or_default().push(s);
        }
        let n_vol = n as u64 * cfg.pvcs_per_node as u64;
        let mut volumes = Vec::with_capacity(n_vol as usize);
        for c in 0..n_vol {
            let h = hash(seed, &[T_PVC, c]);
            let cap_gib = [5.0, 10.0, 20.0, 50.0, 100.0, 250.0, 500.0][((h >> 4) % 7) as usize];
            let used_fraction = 0.05 + 0.9 * unit(hash(seed, &[T_PVC, c, 1]));
            let uuidish = |x: u64| {
                let t = hex(x, 32);
                format!(
                    "{}-{}-{}-{}-{}",
                    &t[..8],
                    &t[8..12],
                    &t[12..16],
                    &t[16..20],
                    &t[20..]
                )
            };
            let pv = format!("pvc-{}", uuidish(hash(seed, &[T_PVC, c, 2])));
            if h % 10 == 9 || worker_slots.is_empty() {
                volumes.push(Volume {
                    namespace: String::new(),
                    pvc: String::new(),
                    pv: format!("pv-local-{c:05}"),
                    storageclass: "local-storage",
                    csi_driver: "",
                    csi_volume_handle: String::new(),
                    zone: "",
                    pv_labels: "{}".into(),
                    pvc_labels: "{}".into(),
                    capacity_bytes: cap_gib * GIB,
                    used_fraction: 0.0,
                    claimless: true,
                    mounts: vec![Mount { slot: None }],
                });
                continue;
            }
            let primary = worker_slots[((h >> 8) % worker_slots.len() as u64) as usize];
            let ps = &slots[primary as usize];
            let mut mounts = vec![Mount {
                slot: Some(primary),
            }];
            let shared = (h >> 16).is_multiple_of(5);
            if shared
                && let Some(other) = by_ns[&ps.ns]
                    .iter()
                    .copied()
                    .find(|&o| slots[o as usize].node != ps.node)
            {
                mounts.push(Mount { slot: Some(other) });
            }
            let shared = mounts.len() > 1;
            let zone = ZONES[ps.node as usize % ZONES.len()];
            let app_label = ps
                .labels
                .iter()
                .find(|(k, _)| *k == 0)
                .map(|(_, v)| v.clone());
            let pvc_labels = match &app_label {
                Some(v) if !keys.is_empty() => py_json([(keys[0].as_str(), v.as_str())]),
                _ => "{}".into(),
            };
            volumes.push(Volume {
                namespace: namespaces[ps.ns as usize].name.clone(),
                pvc: format!("{}-data-{c}", ps.deployment),
                pv,
                storageclass: if shared {
                    "ocs-storagecluster-cephfs"
                } else {
                    "gp3-csi"
                },
                csi_driver: if shared {
                    "openshift-storage.cephfs.csi.ceph.com"
                } else {
                    "ebs.csi.aws.com"
                },
                csi_volume_handle: if shared {
                    format!(
                        "0001-0011-openshift-storage-0000000000000001-{}",
                        uuidish(hash(seed, &[T_PVC, c, 3]))
                    )
                } else {
                    format!("vol-{}", hex(hash(seed, &[T_PVC, c, 3]), 17))
                },
                zone,
                pv_labels: py_json([("topology_kubernetes_io_zone", zone)]),
                pvc_labels,
                capacity_bytes: cap_gib * GIB,
                used_fraction,
                claimless: false,
                mounts,
            });
        }

        Cluster {
            seed,
            keys,
            nodes,
            namespaces,
            slots,
            volumes,
        }
    }

    /// The pod instance (generation) slot `s` runs at absolute hour `t`.
    pub fn generation(&self, s: usize, t: u32) -> u32 {
        let slot = &self.slots[s];
        (t + slot.phase) / slot.life
    }

    /// Whether the instance running at hour `t` started during that hour (not at a period boundary
    /// before the data starts).
    pub fn starts_at(&self, s: usize, t: u32) -> bool {
        let slot = &self.slots[s];
        t > 0 && (t + slot.phase).is_multiple_of(slot.life)
    }

    pub fn label_version(&self, s: usize, t: u32) -> u32 {
        let slot = &self.slots[s];
        (t + slot.label_phase)
            .checked_div(slot.label_life)
            .unwrap_or(0)
    }

    pub fn pod_name(&self, s: usize, generation: u32) -> String {
        let slot = &self.slots[s];
        let rs = hash(self.seed, &[T_POD, s as u64, (generation / 3) as u64]);
        let pod = hash(self.seed, &[T_POD, s as u64, generation as u64, 1]);
        format!(
            "{}-{}-{}",
            slot.deployment,
            k8s_suffix(rs, 10),
            k8s_suffix(pod, 5)
        )
    }

    /// The pod labels JSON of slot `s`'s instance `generation` at label version `version`.
    pub fn pod_labels(&self, s: usize, generation: u32, version: u32) -> String {
        let slot = &self.slots[s];
        let churned = format!("r{generation}.{version}");
        py_json(slot.labels.iter().map(|(k, v)| {
            let v = if slot.churn_key == Some(*k) {
                churned.as_str()
            } else {
                v.as_str()
            };
            (self.keys[*k].as_str(), v)
        }))
    }
}
