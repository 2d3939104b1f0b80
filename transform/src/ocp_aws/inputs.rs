//! The OCP-on-AWS inputs decoded: the small PostgreSQL inputs once per run, the row inputs once per
//! window (§1.3: everything the attribution reads lies inside the window, so one window of rows is in
//! memory at a time, never the month).
//!
//! Text is interned ([`Interner`]): the same node, namespace, label text or resource id repeats over
//! many rows, and the attribution compares and groups by them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::{Array, Date32Array, RecordBatch};
use koku_common::schema::aws::{AWS_ACCOUNT_ALIASES, AWS_LINE_ITEMS_DAILY, AWS_MARKUP};
use koku_common::schema::ocp_aws::{
    AWS_LINE_ITEMS_HOURLY, OCP_AWS_CLUSTERS, OCP_AWS_ENABLED_TAG_KEYS, OCP_AWS_MATCHED_TAGS,
    OCP_POD_USAGE_KEYS, OCP_STORAGE_USAGE_KEYS,
};
use koku_common::schema::{Columns, Dataset, OCP_DAILY_SUMMARY, opt_f64, opt_str, opt_text};
use koku_common::workdir::{BackgroundChecks, WorkDir};

use super::windows::Window;
use crate::core::days::{Day, day_of};
use crate::core::input::{arrow_error, open_input, read_all};
use crate::error::TransformError;

/// An interned, nullable text.
pub type Text = Option<Arc<str>>;

/// Equal texts. Texts of a window are interned, so equal ones are usually the same `Arc`, which
/// settles it without comparing the bytes.
pub fn same_text(a: &Text, b: &Text) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
        (None, None) => true,
        _ => false,
    }
}

/// One `Arc<str>` per distinct text.
#[derive(Default)]
pub struct Interner(HashMap<Box<str>, Arc<str>>);

impl Interner {
    pub fn get(&mut self, s: Option<&str>) -> Text {
        let s = s?;
        if let Some(a) = self.0.get(s) {
            return Some(a.clone());
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(Box::from(s), a.clone());
        Some(a)
    }
}

/// The day of a `Date` (days since the epoch, as Arrow's `Date32`).
pub fn day_of_date(d: chrono::NaiveDate) -> Day {
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as Day
}

/// An OCP source the run may attribute to ([`OCP_AWS_CLUSTERS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub source: String,
    pub cluster_id: Option<String>,
    pub cluster_alias: Option<String>,
    pub report_period_id: Option<i32>,
    /// `cpu` selects the CPU columns, anything else the memory columns (§1.4).
    pub distribution: String,
    pub paired_by: String,
}

/// The PostgreSQL inputs of the run (§2.6).
pub struct RunInputs {
    pub clusters: Vec<Cluster>,
    /// `(key, provider_type)` of the enabled AWS and OCP tag keys.
    pub enabled: Vec<(String, String)>,
    /// G of koku's PostgreSQL path (§4.1), `(AWS key, AWS value)`.
    pub matched_tags: Vec<(String, String)>,
    /// `reporting_awsaccountalias`: account id → alias id.
    pub aliases: HashMap<String, i32>,
    /// The AWS source's markup as koku's Python computes it (`value / 100`).
    pub markup: f64,
}

fn texts(
    dataset: &'static Dataset,
    batches: &[RecordBatch],
    cols: &[&str],
) -> Vec<Vec<Option<String>>> {
    let mut out = vec![];
    for b in batches {
        let c = Columns::new(dataset, b);
        let arrays: Vec<_> = cols.iter().map(|n| c.text(n)).collect();
        for i in 0..b.num_rows() {
            out.push(arrays.iter().map(|a| opt_str(a, i)).collect());
        }
    }
    out
}

impl RunInputs {
    pub fn read(wd: &WorkDir, checks: &BackgroundChecks) -> Result<RunInputs, TransformError> {
        let batches = read_all(wd, &OCP_AWS_CLUSTERS, checks)?;
        let mut clusters = vec![];
        for b in &batches {
            let c = Columns::new(&OCP_AWS_CLUSTERS, b);
            let (source, id, alias, dist, by) = (
                c.text("source"),
                c.text("cluster_id"),
                c.text("cluster_alias"),
                c.text("distribution"),
                c.text("paired_by"),
            );
            let rp = c.int32("report_period_id");
            for i in 0..b.num_rows() {
                let Some(s) = opt_str(source, i) else {
                    return Err(TransformError::input(
                        &OCP_AWS_CLUSTERS,
                        i,
                        "source",
                        "an OCP source without uuid",
                    ));
                };
                clusters.push(Cluster {
                    source: s,
                    cluster_id: opt_str(id, i),
                    cluster_alias: opt_str(alias, i),
                    report_period_id: (!rp.is_null(i)).then(|| rp.value(i)),
                    distribution: opt_str(dist, i).unwrap_or_else(|| "cpu".into()),
                    paired_by: opt_str(by, i).unwrap_or_default(),
                });
            }
        }
        clusters.sort_by(|a, b| a.source.cmp(&b.source));

        let enabled = texts(
            &OCP_AWS_ENABLED_TAG_KEYS,
            &read_all(wd, &OCP_AWS_ENABLED_TAG_KEYS, checks)?,
            &["key", "provider_type"],
        )
        .into_iter()
        .filter_map(|r| Some((r[0].clone()?, r[1].clone()?)))
        .collect();
        let matched_tags = texts(
            &OCP_AWS_MATCHED_TAGS,
            &read_all(wd, &OCP_AWS_MATCHED_TAGS, checks)?,
            &["key", "value"],
        )
        .into_iter()
        .filter_map(|r| Some((r[0].clone()?, r[1].clone()?)))
        .collect();

        let mut aliases = HashMap::new();
        for b in read_all(wd, &AWS_ACCOUNT_ALIASES, checks)? {
            let c = Columns::new(&AWS_ACCOUNT_ALIASES, &b);
            let (id, account) = (c.int32("id"), c.text("account_id"));
            for i in 0..b.num_rows() {
                if let (false, Some(a)) = (id.is_null(i), opt_str(account, i)) {
                    // `reporting_awsaccountalias.account_id` is unique in koku.
                    aliases.insert(a, id.value(i));
                }
            }
        }
        let markup = crate::aws::inputs::markup(&read_all(wd, &AWS_MARKUP, checks)?)?;
        Ok(RunInputs {
            clusters,
            enabled,
            matched_tags,
            aliases,
            markup,
        })
    }

    /// Enabled keys of `provider_type`.
    pub fn enabled_of<'a>(&'a self, provider_type: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.enabled
            .iter()
            .filter(move |(_, p)| p == provider_type)
            .map(|(k, _)| k.as_str())
    }
}

/// One row of the OCP daily summary (§2.5), the columns the attribution reads.
#[derive(Debug, Clone)]
pub struct OcpRow {
    pub source: Arc<str>,
    pub day: Day,
    pub cluster_id: Text,
    pub cluster_alias: Text,
    pub data_source: Text,
    pub namespace: Text,
    pub node: Text,
    pub resource_id: Text,
    pub pod_labels: Text,
    pub volume_labels: Text,
    pub persistentvolumeclaim: Text,
    pub persistentvolume: Text,
    pub storageclass: Text,
    pub csi_volume_handle: Text,
    pub pvc_capacity_gigabyte: Option<f64>,
    pub pod_effective_usage_cpu_core_hours: Option<f64>,
    pub pod_effective_usage_memory_gigabyte_hours: Option<f64>,
    pub node_capacity_cpu_core_hours: Option<f64>,
    pub node_capacity_memory_gigabyte_hours: Option<f64>,
    pub cost_category_id: Option<i32>,
}

/// One daily CUR line item of the AWS source (§2.2), the columns T1 reads.
#[derive(Debug, Clone)]
pub struct AwsLine {
    pub day: Day,
    pub lineitem_resourceid: Text,
    pub bill_billingentity: Text,
    pub lineitem_productcode: Text,
    pub product_productname: Text,
    pub lineitem_usageaccountid: Text,
    pub lineitem_availabilityzone: Text,
    pub product_productfamily: Text,
    pub product_instancetype: Text,
    pub product_region: Text,
    pub pricing_unit: Text,
    pub resourcetags: Text,
    pub costcategory: Text,
    pub lineitem_usageamount: Option<f64>,
    pub lineitem_usagetype: Text,
    pub lineitem_operation: Text,
    pub lineitem_currencycode: Text,
    pub lineitem_lineitemtype: Text,
    pub lineitem_unblendedcost: Option<f64>,
    pub lineitem_blendedcost: Option<f64>,
    pub savingsplan_savingsplaneffectivecost: Option<f64>,
}

/// A raw OCP pod-usage row's matching keys ([`OCP_POD_USAGE_KEYS`]).
#[derive(Debug, Clone)]
pub struct PodKey {
    pub source: Arc<str>,
    pub node: Text,
    pub namespace: Text,
    pub resource_id: Text,
}

/// A raw OCP storage-usage row's matching keys ([`OCP_STORAGE_USAGE_KEYS`]).
#[derive(Debug, Clone)]
pub struct StorageKey {
    pub source: Arc<str>,
    pub persistentvolume: Text,
    pub csi_volume_handle: Text,
}

/// `(max unblended cost, max unblended rate)` of the hourly lines of one (resource id, day) (§4.4).
pub type HourlyMaxima = HashMap<(Arc<str>, Day), (Option<f64>, Option<f64>)>;

/// Every row input of one window.
pub struct WindowRows {
    pub aws: Vec<AwsLine>,
    /// OCP daily summary rows of every OCP source, by source then day.
    pub ocp: BTreeMap<Arc<str>, BTreeMap<Day, Vec<OcpRow>>>,
    pub pods: Vec<PodKey>,
    pub storage: Vec<StorageKey>,
    pub hourly: HourlyMaxima,
}

impl WindowRows {
    /// The OCP summary rows of `source` on `day`.
    pub fn ocp_rows(&self, source: &str, day: Day) -> &[OcpRow] {
        self.ocp
            .get(source)
            .and_then(|d| d.get(&day))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// Read the rows of `window` from the work dir (one pass over each row dataset).
pub fn read_window(
    wd: &WorkDir,
    checks: &BackgroundChecks,
    window: Window,
    strings: &mut Interner,
) -> Result<WindowRows, TransformError> {
    let (first, last) = (day_of_date(window.start), day_of_date(window.end));
    let within = |d: Day| d >= first && d <= last;
    let ts_day = |a: &arrow::array::TimestampMillisecondArray, i: usize| {
        (!a.is_null(i)).then(|| day_of(a.value(i)))
    };

    let mut aws = vec![];
    let mut reader = open_input(wd, &AWS_LINE_ITEMS_DAILY, checks)?;
    let path = reader.path().to_path_buf();
    for batch in reader.by_ref() {
        let b = batch.map_err(arrow_error(&path))?;
        let c = Columns::new(&AWS_LINE_ITEMS_DAILY, &b);
        let start = c.timestamp("lineitem_usagestartdate");
        let t = |n: &str| c.text(n);
        let (rid, be, pc, pn, acc, az, fam, it, reg, unit, tags, cc, ut, op, cur, lit) = (
            t("lineitem_resourceid"),
            t("bill_billingentity"),
            t("lineitem_productcode"),
            t("product_productname"),
            t("lineitem_usageaccountid"),
            t("lineitem_availabilityzone"),
            t("product_productfamily"),
            t("product_instancetype"),
            t("product_region"),
            t("pricing_unit"),
            t("resourcetags"),
            t("costcategory"),
            t("lineitem_usagetype"),
            t("lineitem_operation"),
            t("lineitem_currencycode"),
            t("lineitem_lineitemtype"),
        );
        let (usage, unbl, bl, sp) = (
            c.float("lineitem_usageamount"),
            c.float("lineitem_unblendedcost"),
            c.float("lineitem_blendedcost"),
            c.float("savingsplan_savingsplaneffectivecost"),
        );
        for i in 0..b.num_rows() {
            let Some(day) = ts_day(start, i).filter(|d| within(*d)) else {
                continue;
            };
            aws.push(AwsLine {
                day,
                lineitem_resourceid: strings.get(opt_text(rid, i)),
                bill_billingentity: strings.get(opt_text(be, i)),
                lineitem_productcode: strings.get(opt_text(pc, i)),
                product_productname: strings.get(opt_text(pn, i)),
                lineitem_usageaccountid: strings.get(opt_text(acc, i)),
                lineitem_availabilityzone: strings.get(opt_text(az, i)),
                product_productfamily: strings.get(opt_text(fam, i)),
                product_instancetype: strings.get(opt_text(it, i)),
                product_region: strings.get(opt_text(reg, i)),
                pricing_unit: strings.get(opt_text(unit, i)),
                resourcetags: strings.get(opt_text(tags, i)),
                costcategory: strings.get(opt_text(cc, i)),
                lineitem_usageamount: opt_f64(usage, i),
                lineitem_usagetype: strings.get(opt_text(ut, i)),
                lineitem_operation: strings.get(opt_text(op, i)),
                lineitem_currencycode: strings.get(opt_text(cur, i)),
                lineitem_lineitemtype: strings.get(opt_text(lit, i)),
                lineitem_unblendedcost: opt_f64(unbl, i),
                lineitem_blendedcost: opt_f64(bl, i),
                savingsplan_savingsplaneffectivecost: opt_f64(sp, i),
            });
        }
    }

    let mut ocp: BTreeMap<Arc<str>, BTreeMap<Day, Vec<OcpRow>>> = BTreeMap::new();
    let mut reader = open_input(wd, &OCP_DAILY_SUMMARY, checks)?;
    let path = reader.path().to_path_buf();
    for batch in reader.by_ref() {
        let b = batch.map_err(arrow_error(&path))?;
        let c = Columns::new(&OCP_DAILY_SUMMARY, &b);
        let idx = OCP_DAILY_SUMMARY
            .column_index("usage_start")
            .expect("usage_start");
        let dates = b
            .column(idx)
            .as_any()
            .downcast_ref::<Date32Array>()
            .expect("usage_start is Date32");
        let t = |n: &str| c.text(n);
        let f = |n: &str| c.float(n);
        let (src, cid, cal, ds, ns, node, rid, pl, vl, pvc, pv, sc, csi) = (
            t("source_uuid"),
            t("cluster_id"),
            t("cluster_alias"),
            t("data_source"),
            t("namespace"),
            t("node"),
            t("resource_id"),
            t("pod_labels"),
            t("volume_labels"),
            t("persistentvolumeclaim"),
            t("persistentvolume"),
            t("storageclass"),
            t("csi_volume_handle"),
        );
        let (cap, cpu, mem, ncpu, nmem) = (
            f("persistentvolumeclaim_capacity_gigabyte"),
            f("pod_effective_usage_cpu_core_hours"),
            f("pod_effective_usage_memory_gigabyte_hours"),
            f("node_capacity_cpu_core_hours"),
            f("node_capacity_memory_gigabyte_hours"),
        );
        let ccid = c.int32("cost_category_id");
        for i in 0..b.num_rows() {
            if dates.is_null(i) || !within(dates.value(i)) {
                continue;
            }
            let Some(source) = strings.get(opt_text(src, i)) else {
                return Err(TransformError::input(
                    &OCP_DAILY_SUMMARY,
                    i,
                    "source_uuid",
                    "an OCP summary row without its source",
                ));
            };
            let day = dates.value(i);
            let row = OcpRow {
                source: source.clone(),
                day,
                cluster_id: strings.get(opt_text(cid, i)),
                cluster_alias: strings.get(opt_text(cal, i)),
                data_source: strings.get(opt_text(ds, i)),
                namespace: strings.get(opt_text(ns, i)),
                node: strings.get(opt_text(node, i)),
                resource_id: strings.get(opt_text(rid, i)),
                pod_labels: strings.get(opt_text(pl, i)),
                volume_labels: strings.get(opt_text(vl, i)),
                persistentvolumeclaim: strings.get(opt_text(pvc, i)),
                persistentvolume: strings.get(opt_text(pv, i)),
                storageclass: strings.get(opt_text(sc, i)),
                csi_volume_handle: strings.get(opt_text(csi, i)),
                pvc_capacity_gigabyte: opt_f64(cap, i),
                pod_effective_usage_cpu_core_hours: opt_f64(cpu, i),
                pod_effective_usage_memory_gigabyte_hours: opt_f64(mem, i),
                node_capacity_cpu_core_hours: opt_f64(ncpu, i),
                node_capacity_memory_gigabyte_hours: opt_f64(nmem, i),
                cost_category_id: (!ccid.is_null(i)).then(|| ccid.value(i)),
            };
            ocp.entry(source)
                .or_default()
                .entry(day)
                .or_default()
                .push(row);
        }
    }

    let mut pods = vec![];
    let mut reader = open_input(wd, &OCP_POD_USAGE_KEYS, checks)?;
    let path = reader.path().to_path_buf();
    for batch in reader.by_ref() {
        let b = batch.map_err(arrow_error(&path))?;
        let c = Columns::new(&OCP_POD_USAGE_KEYS, &b);
        let (src, start, node, ns, rid) = (
            c.text("source"),
            c.timestamp("interval_start"),
            c.text("node"),
            c.text("namespace"),
            c.text("resource_id"),
        );
        for i in 0..b.num_rows() {
            if !ts_day(start, i).is_some_and(within) {
                continue;
            }
            let Some(source) = strings.get(opt_text(src, i)) else {
                continue;
            };
            pods.push(PodKey {
                source,
                node: strings.get(opt_text(node, i)),
                namespace: strings.get(opt_text(ns, i)),
                resource_id: strings.get(opt_text(rid, i)),
            });
        }
    }

    let mut storage = vec![];
    let mut reader = open_input(wd, &OCP_STORAGE_USAGE_KEYS, checks)?;
    let path = reader.path().to_path_buf();
    for batch in reader.by_ref() {
        let b = batch.map_err(arrow_error(&path))?;
        let c = Columns::new(&OCP_STORAGE_USAGE_KEYS, &b);
        let (src, start, pv, csi) = (
            c.text("source"),
            c.timestamp("interval_start"),
            c.text("persistentvolume"),
            c.text("csi_volume_handle"),
        );
        for i in 0..b.num_rows() {
            if !ts_day(start, i).is_some_and(within) {
                continue;
            }
            let Some(source) = strings.get(opt_text(src, i)) else {
                continue;
            };
            storage.push(StorageKey {
                source,
                persistentvolume: strings.get(opt_text(pv, i)),
                csi_volume_handle: strings.get(opt_text(csi, i)),
            });
        }
    }

    let mut hourly: HourlyMaxima = HashMap::new();
    let mut reader = open_input(wd, &AWS_LINE_ITEMS_HOURLY, checks)?;
    let path = reader.path().to_path_buf();
    for batch in reader.by_ref() {
        let b = batch.map_err(arrow_error(&path))?;
        let c = Columns::new(&AWS_LINE_ITEMS_HOURLY, &b);
        let (rid, start, cost, rate) = (
            c.text("lineitem_resourceid"),
            c.timestamp("lineitem_usagestartdate"),
            c.float("lineitem_unblendedcost"),
            c.float("lineitem_unblendedrate"),
        );
        for i in 0..b.num_rows() {
            let Some(day) = ts_day(start, i).filter(|d| within(*d)) else {
                continue;
            };
            let Some(r) = strings.get(opt_text(rid, i)) else {
                continue;
            };
            let e = hourly.entry((r, day)).or_insert((None, None));
            e.0 = crate::core::sum::max_opt(e.0, opt_f64(cost, i));
            e.1 = crate::core::sum::max_opt(e.1, opt_f64(rate, i));
        }
    }

    Ok(WindowRows {
        aws,
        ocp,
        pods,
        storage,
        hourly,
    })
}
