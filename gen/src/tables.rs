//! The four OCP report types, hour by hour, in ≤ `batch_rows` batches, each with koku's daily roll-up
//! (input-data §3.1 step 6, §5): daily = group by key + day **within the batch**, sums and maxes.
//!
//! Rows are produced hour-major (every entity for hour 0, then hour 1, ...), as nise writes them, so a
//! day larger than one batch splits into batches of a few hours each and every key appears in several
//! daily files — consumers must re-aggregate, exactly as with koku's own files.
//!
//! The daily group key is tracked as small integers that stand for the text key (e.g. pod rows: slot,
//! instance, label version ↔ namespace, node, pod, labels), so grouping costs a hash of three u32s per
//! row instead of hashing four strings. Daily rows are then sorted by the text key, like pandas'
//! `groupby(sort=True)`.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, Float64Builder, LargeStringBuilder, RecordBatch, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use crate::model::{Cluster, T_NODE_CHURN, T_PVC_USE, T_START, T_USAGE};
use crate::rng::{hash, mix, unit};

pub const HOUR_MS: i64 = 3_600_000;

/// The fixed timestamps of one day.
#[derive(Debug, Clone, Copy)]
pub struct DayTimes {
    /// Hours since the first generated day 00:00 of this day's 00:00.
    pub first_hour: u32,
    pub day_ms: i64,
    pub report_period_start_ms: i64,
    pub report_period_end_ms: i64,
    /// Index of the day since the start date (for day-level churn).
    pub day_index: u32,
}

fn ts_field(name: &str) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Millisecond, None), true)
}
fn str_field(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}
fn f64_field(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

fn ts_builder(n: usize) -> TimestampMillisecondBuilder {
    TimestampMillisecondBuilder::with_capacity(n)
}

fn ts_const(v: i64, n: usize) -> ArrayRef {
    let mut b = ts_builder(n);
    b.append_slice(&vec![v; n]);
    Arc::new(b.finish())
}

/// The four hourly timestamp columns, built per row.
struct HourCols {
    interval_start: TimestampMillisecondBuilder,
}

impl HourCols {
    fn new(n: usize) -> Self {
        HourCols {
            interval_start: ts_builder(n),
        }
    }
    /// `report_period_start, report_period_end, interval_start, interval_end`.
    fn finish(&mut self, times: &DayTimes) -> Vec<ArrayRef> {
        let starts = self.interval_start.finish();
        let n = starts.len();
        let mut ends = ts_builder(n);
        for v in starts.values().iter() {
            ends.append_value(v + HOUR_MS - 1000);
        }
        vec![
            ts_const(times.report_period_start_ms, n),
            ts_const(times.report_period_end_ms, n),
            Arc::new(starts),
            Arc::new(ends.finish()),
        ]
    }
}

fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>) -> RecordBatch {
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("generator schema")
}

fn f64_col(values: impl Iterator<Item = f64>) -> ArrayRef {
    let mut b = Float64Builder::new();
    for v in values {
        b.append_value(v);
    }
    Arc::new(b.finish())
}

fn str_col<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for v in values {
        b.append_value(v);
    }
    Arc::new(b.finish())
}

/// A report type being generated for one day.
pub trait Table {
    /// Rows buffered in the current batch.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Number of entities (rows per hour).
    fn entities(&self) -> usize;
    /// Append entity `e`'s row(s) for hour `h` of the day.
    fn push(&mut self, e: usize, h: u32);
    /// The hourly batch and its daily roll-up; resets the buffers.
    fn flush(&mut self) -> (RecordBatch, RecordBatch);
}

// ---------------------------------------------------------------------------------------------------
// pod_usage

#[derive(Clone)]
struct SlotState {
    generation: u32,
    version: u32,
    pod: String,
    labels: String,
}

struct PodAgg {
    slot: u32,
    pod: String,
    labels: String,
    /// usage, request, effective, limit (cpu), then the same for memory, then node capacity
    /// core-seconds and byte-seconds.
    sums: [f64; 10],
    /// node_capacity_cpu_cores, node_capacity_memory_bytes.
    maxes: [f64; 2],
}

pub struct PodTable<'a> {
    c: &'a Cluster,
    times: DayTimes,
    state: Vec<Option<SlotState>>,
    hour: HourCols,
    pod: StringBuilder,
    namespace: StringBuilder,
    node: StringBuilder,
    resource_id: StringBuilder,
    /// usage cpu, request cpu, limit cpu, usage mem, request mem, limit mem, capacity cores, capacity
    /// core-seconds, capacity memory bytes, capacity byte-seconds, effective cpu, effective memory.
    f: [Vec<f64>; 12],
    labels: StringBuilder,
    role: StringBuilder,
    groups: HashMap<(u32, u32, u32), usize>,
    aggs: Vec<PodAgg>,
}

impl<'a> PodTable<'a> {
    pub fn new(c: &'a Cluster, times: DayTimes, cap: usize) -> Self {
        PodTable {
            c,
            times,
            state: vec![None; c.slots.len()],
            hour: HourCols::new(cap),
            pod: StringBuilder::with_capacity(cap, cap * 32),
            namespace: StringBuilder::with_capacity(cap, cap * 16),
            node: StringBuilder::with_capacity(cap, cap * 12),
            resource_id: StringBuilder::with_capacity(cap, cap * 19),
            f: std::array::from_fn(|_| Vec::with_capacity(cap)),
            labels: StringBuilder::with_capacity(cap, cap * 96),
            role: StringBuilder::with_capacity(cap, cap * 6),
            groups: HashMap::new(),
            aggs: Vec::new(),
        }
    }

    pub fn hourly_fields() -> Vec<Field> {
        let mut f = vec![
            ts_field("report_period_start"),
            ts_field("report_period_end"),
            ts_field("interval_start"),
            ts_field("interval_end"),
            str_field("pod"),
            str_field("namespace"),
            str_field("node"),
            str_field("resource_id"),
        ];
        for n in [
            "pod_usage_cpu_core_seconds",
            "pod_request_cpu_core_seconds",
            "pod_limit_cpu_core_seconds",
            "pod_usage_memory_byte_seconds",
            "pod_request_memory_byte_seconds",
            "pod_limit_memory_byte_seconds",
            "node_capacity_cpu_cores",
            "node_capacity_cpu_core_seconds",
            "node_capacity_memory_bytes",
            "node_capacity_memory_byte_seconds",
        ] {
            f.push(f64_field(n));
        }
        f.push(str_field("pod_labels"));
        f.push(str_field("node_role"));
        f.push(f64_field("pod_effective_usage_cpu_core_seconds"));
        f.push(f64_field("pod_effective_usage_memory_byte_seconds"));
        f
    }

    pub fn daily_fields() -> Vec<Field> {
        let mut f = vec![
            str_field("namespace"),
            str_field("node"),
            str_field("pod"),
            str_field("pod_labels"),
            ts_field("interval_start"),
            ts_field("report_period_start"),
            ts_field("report_period_end"),
            str_field("resource_id"),
        ];
        for n in [
            "pod_usage_cpu_core_seconds",
            "pod_request_cpu_core_seconds",
            "pod_effective_usage_cpu_core_seconds",
            "pod_limit_cpu_core_seconds",
            "pod_usage_memory_byte_seconds",
            "pod_request_memory_byte_seconds",
            "pod_effective_usage_memory_byte_seconds",
            "pod_limit_memory_byte_seconds",
            "node_capacity_cpu_cores",
            "node_capacity_cpu_core_seconds",
            "node_capacity_memory_bytes",
            "node_capacity_memory_byte_seconds",
        ] {
            f.push(f64_field(n));
        }
        // koku adds node_role to daily files as pandas `object` → large_utf8 (input-data §3.3).
        f.push(Field::new("node_role", DataType::LargeUtf8, true));
        f
    }
}

impl Table for PodTable<'_> {
    fn len(&self) -> usize {
        self.f[0].len()
    }

    fn entities(&self) -> usize {
        self.c.slots.len()
    }

    fn push(&mut self, s: usize, h: u32) {
        let c = self.c;
        let t = self.times.first_hour + h;
        let generation = c.generation(s, t);
        let version = c.label_version(s, t);
        let st = &mut self.state[s];
        if st
            .as_ref()
            .is_none_or(|x| x.generation != generation || x.version != version)
        {
            let pod = match st {
                Some(x) if x.generation == generation => std::mem::take(&mut x.pod),
                _ => c.pod_name(s, generation),
            };
            *st = Some(SlotState {
                generation,
                version,
                pod,
                labels: c.pod_labels(s, generation, version),
            });
        }
        let st = st.as_ref().expect("just set");
        let slot = &c.slots[s];
        let node = &c.nodes[slot.node as usize];
        let ns = &c.namespaces[slot.ns as usize];
        let pod_seconds = if c.starts_at(s, t) {
            3600.0 - (hash(c.seed, &[T_START, s as u64, generation as u64]) % 3540) as f64
        } else {
            3600.0
        };
        let r = hash(c.seed, &[T_USAGE, s as u64, t as u64]);
        let cpu_use = (slot.cpu_mean * (0.5 + unit(r))).min(slot.cpu_limit);
        let mem_use = (slot.mem_mean * (0.7 + 0.6 * unit(mix(r)))).min(slot.mem_limit);
        let v = [
            pod_seconds * cpu_use,
            pod_seconds * slot.cpu_request,
            pod_seconds * slot.cpu_limit,
            pod_seconds * mem_use,
            pod_seconds * slot.mem_request,
            pod_seconds * slot.mem_limit,
            node.cores,
            node.cores * 3600.0,
            node.memory_bytes,
            node.memory_bytes * 3600.0,
        ];
        let eff_cpu = v[0].max(v[1]);
        let eff_mem = v[3].max(v[4]);

        self.hour
            .interval_start
            .append_value(self.times.day_ms + h as i64 * HOUR_MS);
        self.pod.append_value(&st.pod);
        self.namespace.append_value(&ns.name);
        self.node.append_value(&node.name);
        self.resource_id.append_value(&node.resource_id);
        for (i, x) in v.iter().enumerate() {
            self.f[i].push(*x);
        }
        self.f[10].push(eff_cpu);
        self.f[11].push(eff_mem);
        self.labels.append_value(&st.labels);
        self.role.append_value(node.role);

        let idx = *self
            .groups
            .entry((s as u32, generation, version))
            .or_insert_with(|| {
                self.aggs.push(PodAgg {
                    slot: s as u32,
                    pod: st.pod.clone(),
                    labels: st.labels.clone(),
                    sums: [0.0; 10],
                    maxes: [f64::NEG_INFINITY; 2],
                });
                self.aggs.len() - 1
            });
        let a = &mut self.aggs[idx];
        let sums = [
            v[0], v[1], eff_cpu, v[2], v[3], v[4], eff_mem, v[5], v[7], v[9],
        ];
        for (acc, x) in a.sums.iter_mut().zip(sums) {
            *acc += x;
        }
        a.maxes[0] = a.maxes[0].max(v[6]);
        a.maxes[1] = a.maxes[1].max(v[8]);
    }

    fn flush(&mut self) -> (RecordBatch, RecordBatch) {
        let c = self.c;
        let mut cols = self.hour.finish(&self.times);
        cols.push(Arc::new(self.pod.finish()));
        cols.push(Arc::new(self.namespace.finish()));
        cols.push(Arc::new(self.node.finish()));
        cols.push(Arc::new(self.resource_id.finish()));
        let mut f: Vec<Vec<f64>> = self.f.iter_mut().map(std::mem::take).collect();
        let eff_mem = f.pop().expect("12");
        let eff_cpu = f.pop().expect("12");
        for v in f {
            cols.push(f64_col(v.into_iter()));
        }
        cols.push(Arc::new(self.labels.finish()));
        cols.push(Arc::new(self.role.finish()));
        cols.push(f64_col(eff_cpu.into_iter()));
        cols.push(f64_col(eff_mem.into_iter()));
        let hourly = batch(Self::hourly_fields(), cols);

        // Daily roll-up of this batch, sorted by (namespace, node, pod, pod_labels).
        self.groups.clear();
        let mut aggs = std::mem::take(&mut self.aggs);
        let ns_of = |a: &PodAgg| &c.namespaces[c.slots[a.slot as usize].ns as usize].name;
        let node_of = |a: &PodAgg| &c.nodes[c.slots[a.slot as usize].node as usize];
        aggs.sort_by(|a, b| {
            (ns_of(a), &node_of(a).name, &a.pod, &a.labels).cmp(&(
                ns_of(b),
                &node_of(b).name,
                &b.pod,
                &b.labels,
            ))
        });
        let n = aggs.len();
        let mut cols: Vec<ArrayRef> = vec![
            str_col(aggs.iter().map(|a| ns_of(a).as_str())),
            str_col(aggs.iter().map(|a| node_of(a).name.as_str())),
            str_col(aggs.iter().map(|a| a.pod.as_str())),
            str_col(aggs.iter().map(|a| a.labels.as_str())),
            ts_const(self.times.day_ms, n),
            ts_const(self.times.report_period_start_ms, n),
            ts_const(self.times.report_period_end_ms, n),
            str_col(aggs.iter().map(|a| node_of(a).resource_id.as_str())),
        ];
        for i in 0..8 {
            cols.push(f64_col(aggs.iter().map(|a| a.sums[i])));
        }
        cols.push(f64_col(aggs.iter().map(|a| a.maxes[0])));
        cols.push(f64_col(aggs.iter().map(|a| a.sums[8])));
        cols.push(f64_col(aggs.iter().map(|a| a.maxes[1])));
        cols.push(f64_col(aggs.iter().map(|a| a.sums[9])));
        let mut role = LargeStringBuilder::new();
        for a in &aggs {
            role.append_value(node_of(a).role);
        }
        cols.push(Arc::new(role.finish()));
        (hourly, batch(Self::daily_fields(), cols))
    }
}

// ---------------------------------------------------------------------------------------------------
// storage_usage

struct StorageAgg {
    volume: u32,
    slot: Option<u32>,
    pod: String,
    /// capacity byte-seconds, request byte-seconds, usage byte-seconds.
    sums: [f64; 3],
    max_capacity: f64,
}

/// One row per volume mount per hour.
pub struct StorageTable<'a> {
    c: &'a Cluster,
    times: DayTimes,
    /// (volume, mount) of each entity.
    mounts: Vec<(u32, u32)>,
    pods: HashMap<(u32, u32), String>,
    hour: HourCols,
    text: [StringBuilder; 10],
    f: [Vec<f64>; 4],
    groups: HashMap<(u32, u32, u32), usize>,
    aggs: Vec<StorageAgg>,
}

impl<'a> StorageTable<'a> {
    pub fn new(c: &'a Cluster, times: DayTimes, cap: usize) -> Self {
        let mounts = c
            .volumes
            .iter()
            .enumerate()
            .flat_map(|(v, vol)| (0..vol.mounts.len()).map(move |m| (v as u32, m as u32)))
            .collect();
        StorageTable {
            c,
            times,
            mounts,
            pods: HashMap::new(),
            hour: HourCols::new(cap),
            text: std::array::from_fn(|_| StringBuilder::with_capacity(cap, cap * 24)),
            f: std::array::from_fn(|_| Vec::with_capacity(cap)),
            groups: HashMap::new(),
            aggs: Vec::new(),
        }
    }

    /// Text columns in `text` order.
    const TEXT: [&'static str; 10] = [
        "namespace",
        "pod",
        "persistentvolumeclaim",
        "persistentvolume",
        "storageclass",
        "persistentvolume_labels",
        "persistentvolumeclaim_labels",
        "node",
        "csi_driver",
        "csi_volume_handle",
    ];
    const MEASURES: [&'static str; 4] = [
        "persistentvolumeclaim_capacity_bytes",
        "persistentvolumeclaim_capacity_byte_seconds",
        "volume_request_storage_byte_seconds",
        "persistentvolumeclaim_usage_byte_seconds",
    ];

    pub fn hourly_fields() -> Vec<Field> {
        let mut f = vec![
            ts_field("report_period_start"),
            ts_field("report_period_end"),
            ts_field("interval_start"),
            ts_field("interval_end"),
        ];
        f.extend(Self::TEXT[..5].iter().map(|n| str_field(n)));
        f.extend(Self::MEASURES.iter().map(|n| f64_field(n)));
        f.extend(Self::TEXT[5..].iter().map(|n| str_field(n)));
        f
    }

    pub fn daily_fields() -> Vec<Field> {
        let mut f: Vec<Field> = [
            "namespace",
            "node",
            "pod",
            "persistentvolumeclaim",
            "persistentvolume",
            "storageclass",
            "csi_driver",
            "csi_volume_handle",
            "persistentvolume_labels",
            "persistentvolumeclaim_labels",
        ]
        .iter()
        .map(|n| str_field(n))
        .collect();
        f.push(ts_field("interval_start"));
        f.push(ts_field("report_period_start"));
        f.push(ts_field("report_period_end"));
        f.extend(Self::MEASURES.iter().map(|n| f64_field(n)));
        f
    }

    fn node_of(&self, slot: Option<u32>) -> &'a str {
        node_of(self.c, slot)
    }
}

fn node_of(c: &Cluster, slot: Option<u32>) -> &str {
    slot.map(|s| c.nodes[c.slots[s as usize].node as usize].name.as_str())
        .unwrap_or("")
}

type StorageKey<'x> = (
    &'x str,
    &'x str,
    &'x str,
    &'x str,
    &'x str,
    &'x str,
    &'x str,
    &'x str,
    &'x str,
    &'x str,
);

/// The daily key in koku's order: namespace, node, pod, pvc, pv, storageclass, csi_driver,
/// csi_volume_handle, pv labels, pvc labels.
fn storage_key<'x>(c: &'x Cluster, a: &'x StorageAgg) -> StorageKey<'x> {
    let vol = &c.volumes[a.volume as usize];
    (
        vol.namespace.as_str(),
        node_of(c, a.slot),
        a.pod.as_str(),
        vol.pvc.as_str(),
        vol.pv.as_str(),
        vol.storageclass,
        vol.csi_driver,
        vol.csi_volume_handle.as_str(),
        vol.pv_labels.as_str(),
        vol.pvc_labels.as_str(),
    )
}

impl Table for StorageTable<'_> {
    fn len(&self) -> usize {
        self.f[0].len()
    }

    fn entities(&self) -> usize {
        self.mounts.len()
    }

    fn push(&mut self, e: usize, h: u32) {
        let c = self.c;
        let t = self.times.first_hour + h;
        let (v, m) = self.mounts[e];
        let vol = &c.volumes[v as usize];
        let slot = vol.mounts[m as usize].slot;
        let generation = slot.map_or(0, |s| c.generation(s as usize, t));
        let pod: &str = match slot {
            Some(s) => self
                .pods
                .entry((s, generation))
                .or_insert_with(|| c.pod_name(s as usize, generation)),
            None => "",
        };
        let pod = pod.to_string();
        let node = self.node_of(slot);
        let cap_s = vol.capacity_bytes * 3600.0;
        let (req_s, use_s) = if vol.claimless {
            (0.0, 0.0)
        } else {
            let u = unit(hash(c.seed, &[T_PVC_USE, v as u64, t as u64]));
            (cap_s, cap_s * vol.used_fraction * (0.98 + 0.04 * u))
        };
        self.hour
            .interval_start
            .append_value(self.times.day_ms + h as i64 * HOUR_MS);
        let texts: [&str; 10] = [
            &vol.namespace,
            &pod,
            &vol.pvc,
            &vol.pv,
            vol.storageclass,
            &vol.pv_labels,
            &vol.pvc_labels,
            node,
            vol.csi_driver,
            &vol.csi_volume_handle,
        ];
        for (b, x) in self.text.iter_mut().zip(texts) {
            b.append_value(x);
        }
        let vals = [vol.capacity_bytes, cap_s, req_s, use_s];
        for (b, x) in self.f.iter_mut().zip(vals) {
            b.push(x);
        }
        let idx = *self.groups.entry((v, m, generation)).or_insert_with(|| {
            self.aggs.push(StorageAgg {
                volume: v,
                slot,
                pod: pod.clone(),
                sums: [0.0; 3],
                max_capacity: f64::NEG_INFINITY,
            });
            self.aggs.len() - 1
        });
        let a = &mut self.aggs[idx];
        a.sums[0] += cap_s;
        a.sums[1] += req_s;
        a.sums[2] += use_s;
        a.max_capacity = a.max_capacity.max(vol.capacity_bytes);
    }

    fn flush(&mut self) -> (RecordBatch, RecordBatch) {
        let c = self.c;
        let mut cols = self.hour.finish(&self.times);
        let mut text: Vec<ArrayRef> = self
            .text
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let tail = text.split_off(5);
        cols.extend(text);
        for v in self.f.iter_mut() {
            cols.push(f64_col(std::mem::take(v).into_iter()));
        }
        cols.extend(tail);
        let hourly = batch(Self::hourly_fields(), cols);

        self.groups.clear();
        self.pods.clear();
        let mut aggs = std::mem::take(&mut self.aggs);
        aggs.sort_by(|a, b| storage_key(c, a).cmp(&storage_key(c, b)));
        let n = aggs.len();
        let vol = |a: &StorageAgg| &c.volumes[a.volume as usize];
        let cols: Vec<ArrayRef> = vec![
            str_col(aggs.iter().map(|a| vol(a).namespace.as_str())),
            str_col(aggs.iter().map(|a| self.node_of(a.slot))),
            str_col(aggs.iter().map(|a| a.pod.as_str())),
            str_col(aggs.iter().map(|a| vol(a).pvc.as_str())),
            str_col(aggs.iter().map(|a| vol(a).pv.as_str())),
            str_col(aggs.iter().map(|a| vol(a).storageclass)),
            str_col(aggs.iter().map(|a| vol(a).csi_driver)),
            str_col(aggs.iter().map(|a| vol(a).csi_volume_handle.as_str())),
            str_col(aggs.iter().map(|a| vol(a).pv_labels.as_str())),
            str_col(aggs.iter().map(|a| vol(a).pvc_labels.as_str())),
            ts_const(self.times.day_ms, n),
            ts_const(self.times.report_period_start_ms, n),
            ts_const(self.times.report_period_end_ms, n),
            f64_col(aggs.iter().map(|a| a.max_capacity)),
            f64_col(aggs.iter().map(|a| a.sums[0])),
            f64_col(aggs.iter().map(|a| a.sums[1])),
            f64_col(aggs.iter().map(|a| a.sums[2])),
        ];
        (hourly, batch(Self::daily_fields(), cols))
    }
}

// ---------------------------------------------------------------------------------------------------
// node_labels and namespace_labels

/// One row per node (or namespace) per hour: `<key column>, <labels column>`.
pub struct LabelTable<'a> {
    c: &'a Cluster,
    times: DayTimes,
    nodes: bool,
    hour: HourCols,
    key: StringBuilder,
    labels: StringBuilder,
    groups: HashMap<(u32, bool), usize>,
    aggs: Vec<(u32, bool)>,
}

impl<'a> LabelTable<'a> {
    /// `nodes`: node labels, else namespace labels.
    pub fn new(c: &'a Cluster, times: DayTimes, nodes: bool, cap: usize) -> Self {
        LabelTable {
            c,
            times,
            nodes,
            hour: HourCols::new(cap),
            key: StringBuilder::new(),
            labels: StringBuilder::new(),
            groups: HashMap::new(),
            aggs: Vec::new(),
        }
    }

    fn names(nodes: bool) -> (&'static str, &'static str) {
        if nodes {
            ("node", "node_labels")
        } else {
            ("namespace", "namespace_labels")
        }
    }

    pub fn hourly_fields(nodes: bool) -> Vec<Field> {
        let (k, l) = Self::names(nodes);
        vec![
            ts_field("report_period_start"),
            ts_field("report_period_end"),
            ts_field("interval_start"),
            ts_field("interval_end"),
            str_field(k),
            str_field(l),
        ]
    }

    pub fn daily_fields(nodes: bool) -> Vec<Field> {
        let (k, l) = Self::names(nodes);
        vec![
            str_field(k),
            str_field(l),
            ts_field("interval_start"),
            ts_field("report_period_start"),
            ts_field("report_period_end"),
        ]
    }

    fn text(&self, e: u32, churned: bool) -> (&'a str, &'a str) {
        if self.nodes {
            let n = &self.c.nodes[e as usize];
            let l = match (&n.labels_churned, churned) {
                (Some(c), true) => c,
                _ => &n.labels,
            };
            (n.name.as_str(), l.as_str())
        } else {
            let ns = &self.c.namespaces[e as usize];
            (ns.name.as_str(), ns.labels.as_str())
        }
    }
}

impl Table for LabelTable<'_> {
    fn len(&self) -> usize {
        self.key.len()
    }

    fn entities(&self) -> usize {
        if self.nodes {
            self.c.nodes.len()
        } else {
            self.c.namespaces.len()
        }
    }

    fn push(&mut self, e: usize, h: u32) {
        // A churning node carries `maintenance: true` from 13:00 to 16:59 on one day in three.
        let churned = self.nodes
            && self.c.nodes[e].labels_churned.is_some()
            && (13..17).contains(&h)
            && hash(
                self.c.seed,
                &[T_NODE_CHURN, e as u64, self.times.day_index as u64],
            )
            .is_multiple_of(3);
        let (k, l) = self.text(e as u32, churned);
        self.hour
            .interval_start
            .append_value(self.times.day_ms + h as i64 * HOUR_MS);
        self.key.append_value(k);
        self.labels.append_value(l);
        let key = (e as u32, churned);
        if !self.groups.contains_key(&key) {
            self.groups.insert(key, self.aggs.len());
            self.aggs.push(key);
        }
    }

    fn flush(&mut self) -> (RecordBatch, RecordBatch) {
        let mut cols = self.hour.finish(&self.times);
        cols.push(Arc::new(self.key.finish()));
        cols.push(Arc::new(self.labels.finish()));
        let hourly = batch(Self::hourly_fields(self.nodes), cols);
        self.groups.clear();
        let mut aggs = std::mem::take(&mut self.aggs);
        aggs.sort_by(|a, b| self.text(a.0, a.1).cmp(&self.text(b.0, b.1)));
        let n = aggs.len();
        let cols = vec![
            str_col(aggs.iter().map(|a| self.text(a.0, a.1).0)),
            str_col(aggs.iter().map(|a| self.text(a.0, a.1).1)),
            ts_const(self.times.day_ms, n),
            ts_const(self.times.report_period_start_ms, n),
            ts_const(self.times.report_period_end_ms, n),
        ];
        (hourly, batch(Self::daily_fields(self.nodes), cols))
    }
}
