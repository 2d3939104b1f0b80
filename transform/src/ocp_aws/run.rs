//! `koku-transform ocp-aws`: the pairs of the run decided, then koku's 5-day windows one after the
//! other (only one window of rows in memory), and in each window every pair through S1–S11 and the
//! UI groupings; the rows written in window, pair and key order, so the same work dir always gives
//! the same files.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, Months};
use koku_common::schema::aws::AWS_LINE_ITEMS_DAILY;
use koku_common::schema::ocp_aws::{OCP_AWS_PROJECT_DAILY_SUMMARY, OCP_AWS_UI_SUMMARIES};
use koku_common::schema::{Dataset, OCP_DAILY_SUMMARY};
use koku_common::workdir::{BackgroundChecks, RUN_FILE, WorkDir};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use super::compute::{self, Distribution};
use super::contains::ContainsIndex;
use super::disks;
use super::inputs::{Interner, OcpRow, RunInputs, read_window};
use super::matching::{self, Line, ResourcePatterns, TagFilter};
use super::output::batch;
use super::pairs::run_pairs;
use super::split;
use super::summary;
use super::tag_match;
use super::tags::{self, MatchedTagsPath, TagKeys};
use super::ui;
use super::windows::{STEP_DAYS, windows};
use crate::core::labels::{ALWAYS_ENABLED_KEY, EnabledKeys};
use crate::core::options::TransformOptions;
use crate::core::output::OutputWriter;
use crate::core::stage::{Computed, run_stage};
use crate::error::TransformError;

/// What `koku-transform ocp-aws` can be asked besides the shared options.
#[derive(Debug, Clone, Default)]
pub struct OcpAwsOptions {
    /// koku's per-schema switch "tag processing disabled": no Trino fallback for the generic
    /// matched tags (§4.1 step 3).
    pub tag_processing_disabled: bool,
    /// Fix of koku's defect §7.2: an EBS volume whose resource id ends with a PV name but whose PV
    /// has no CSI volume handle is resource-matched and then lost by koku (no size, no claim, no
    /// row). With this, such a PV's name stands for its handle, so the volume is sized and split
    /// over its claims like a CSI volume. Off by default (koku's rows).
    pub attribute_pv_name_disks: bool,
    /// Fix of koku's defect §7.6: koku joins a matched instance to the Storage rows on its node
    /// too, which gives "phantom" Pod rows with NULL costs that still take a share of the usage
    /// amount. With this, only Pod rows (and the node's unallocated row) share the instance. Off by
    /// default (koku's rows).
    pub drop_phantom_compute_rows: bool,
}

/// What `koku-transform ocp-aws` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcpAwsReport {
    /// The OCP sources attributed to.
    pub pairs: Vec<String>,
    /// Candidates left out, with the reason.
    pub skipped: Vec<(String, String)>,
    pub windows: usize,
    pub summary_rows: u64,
    /// Rows per UI table.
    pub ui_rows: BTreeMap<String, u64>,
}

/// Run the OCP-on-AWS transform on the work dir at `path` with the default options.
pub fn transform_ocp_aws(path: &Path) -> Result<OcpAwsReport, TransformError> {
    transform_ocp_aws_with(
        path,
        &TransformOptions::default(),
        &OcpAwsOptions::default(),
    )
}

/// koku's `cast(markup as decimal(24,9))` used as a double: the markup rounded half-up to 9 places.
pub fn markup_9(markup: f64) -> f64 {
    rust_decimal::Decimal::from_f64(markup)
        .map(|d| d.round_dp_with_strategy(9, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
        .and_then(|d| d.to_f64())
        .unwrap_or(markup)
}

/// Run the OCP-on-AWS transform on the work dir at `path` (module doc).
pub fn transform_ocp_aws_with(
    path: &Path,
    opts: &TransformOptions,
    oa: &OcpAwsOptions,
) -> Result<OcpAwsReport, TransformError> {
    let (report, _) = run_stage(path, "ocp-aws", |wd, checks| {
        let (writers, report, paths) = attribute(wd, opts, oa, checks)?;
        let details: BTreeMap<String, serde_json::Value> = [
            ("pairs", serde_json::json!(report.pairs)),
            (
                "skipped_ocp_sources",
                serde_json::json!(
                    report
                        .skipped
                        .iter()
                        .map(|(s, r)| serde_json::json!({"source": s, "reason": r}))
                        .collect::<Vec<_>>()
                ),
            ),
            ("windows", serde_json::json!(report.windows)),
            ("matched_tags", serde_json::json!(paths)),
            (
                "fixes",
                serde_json::json!({
                    "attribute_pv_name_disks": oa.attribute_pv_name_disks,
                    "drop_phantom_compute_rows": oa.drop_phantom_compute_rows,
                }),
            ),
            (
                "k_scope",
                serde_json::json!("pair-local (spec ocp-on-aws §12.1)"),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(Computed {
            writers,
            batches: vec![],
            details,
            report,
        })
    })?;
    Ok(report)
}

type Writers = Vec<(&'static Dataset, koku_common::workdir::DatasetWriter)>;

/// The windows and pairs (module doc).
fn attribute(
    wd: &WorkDir,
    opts: &TransformOptions,
    oa: &OcpAwsOptions,
    checks: &BackgroundChecks,
) -> Result<(Writers, OcpAwsReport, Vec<serde_json::Value>), TransformError> {
    let id = wd.identity().clone();
    let bad_run = |reason: &str| -> TransformError {
        koku_common::Error::BadRunFile {
            path: wd.path().join(RUN_FILE),
            reason: reason.into(),
        }
        .into()
    };
    let Some(bill_id) = id.bill_id else {
        return Err(bad_run(
            "the OCP-on-AWS run has no bill_id: koku attributes an AWS source's month only when it \
             has a reporting_awscostentrybill row, whose id every row carries",
        ));
    };
    let inputs = RunInputs::read(wd, checks)?;
    let run_pairs = run_pairs(wd, checks, &inputs)?;
    for (s, reason) in &run_pairs.skipped {
        tracing::warn!(ocp_source = %s, "OCP source left out: {reason}");
    }
    let m9 = markup_9(inputs.markup);
    let month_start = id.start_date.with_day(1).expect("day 1");
    let days_in_month = (month_start + Months::new(1) - month_start).num_days();
    let hours_in_month = (days_in_month * 24) as f64;
    let final_keys = EnabledKeys::from_enabled(
        inputs
            .enabled
            .iter()
            .filter(|(_, p)| p == "AWS" || p == "OCP")
            .map(|(k, _)| k.clone()),
    )
    .with_key(ALWAYS_ENABLED_KEY);
    let tag_keys = TagKeys::new(&inputs);
    let source_uuid: Arc<str> = Arc::from(id.source_uuid.as_str());

    let mut summary_out = OutputWriter::new(wd, &OCP_AWS_PROJECT_DAILY_SUMMARY)?;
    let mut ui_out: Vec<OutputWriter> = OCP_AWS_UI_SUMMARIES
        .iter()
        .map(|d| OutputWriter::new(wd, d))
        .collect::<Result<_, _>>()?;
    let mut summary_rows = 0u64;
    let mut ui_counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut paths = vec![];
    let ws = windows(id.start_date, id.end_date, STEP_DAYS);
    let bar = opts.progress_bar((ws.len() * run_pairs.pairs.len()) as u64);
    let data_error = |dataset: &Dataset, message: String| TransformError::Data {
        dataset: dataset.name.to_string(),
        message,
    };
    for w in &ws {
        let mut strings = Interner::default();
        let mut rows = read_window(wd, checks, *w, &mut strings)?;
        if oa.attribute_pv_name_disks {
            for o in rows.ocp.values_mut().flat_map(|d| d.values_mut()).flatten() {
                if o.csi_volume_handle.as_deref().is_none_or(str::is_empty) {
                    o.csi_volume_handle = o.persistentvolume.clone().filter(|p| !p.is_empty());
                }
            }
        }
        let rows = rows;
        let mut tag_filter = TagFilter::new(inputs.enabled_of("AWS"));
        let lines: Vec<Line> = rows
            .aws
            .iter()
            .map(|l| matching::line(l, &mut tag_filter))
            .collect::<Result<_, _>>()
            .map_err(|e| data_error(&AWS_LINE_ITEMS_DAILY, format!("resourcetags: {e}")))?;
        let all_rows = || rows.ocp.values().flat_map(|d| d.values()).flatten();
        let csi_of_all =
            ContainsIndex::new(all_rows(), |o| o.csi_volume_handle.as_deref(), |_| true);
        tracing::debug!(start = %w.start, end = %w.end, lines = lines.len(), "window read");
        for cluster in &run_pairs.pairs {
            let source = cluster.source.as_str();
            let pods = || rows.pods.iter().filter(|p| &*p.source == source);
            let storage = rows.storage.iter().filter(|s| &*s.source == source);
            let cluster_rows = || -> Box<dyn Iterator<Item = &OcpRow>> {
                match rows.ocp.get(source) {
                    Some(d) => Box::new(d.values().flatten()),
                    None => Box::new(std::iter::empty()),
                }
            };
            // S1, S2.
            let (g, path) = tags::generic_matched_tags(
                &tag_keys,
                &inputs,
                oa.tag_processing_disabled,
                lines.iter().filter_map(|l| l.resourcetags.as_deref()),
                cluster_rows(),
            )
            .map_err(|e| data_error(&OCP_DAILY_SUMMARY, format!("labels or tags: {e}")))?;
            if path == MatchedTagsPath::Trino
                && g.iter()
                    .any(|(k, v)| (k.to_string() + v).contains(['"', '\\']))
            {
                tracing::warn!(
                    ocp_source = source,
                    "a matched tag has a `\"` or `\\`: koku's Trino fallback fails the window on it; \
                     it is escaped and matched here (spec ocp-on-aws §12.7)"
                );
            }
            paths.push(serde_json::json!({
                "window": format!("{}..{}", w.start, w.end),
                "ocp_source": source,
                "path": path,
                "generic_tags": g.len(),
            }));
            let m = tags::tag_strings(
                &g,
                cluster.cluster_id.as_deref(),
                cluster.cluster_alias.as_deref(),
                pods(),
            );
            // S3.
            let patterns = ResourcePatterns::new(pods(), storage);
            let t1 = matching::t1(&lines, &patterns, &m);
            // S4–S8.
            let csi_of_cluster =
                ContainsIndex::new(cluster_rows(), |o| o.csi_volume_handle.as_deref(), |_| true);
            let capacities =
                disks::capacities(&lines, &t1, &csi_of_cluster, &rows.hourly, hours_in_month)
                    .map_err(|e| {
                        data_error(&koku_common::schema::ocp_aws::AWS_LINE_ITEMS_HOURLY, e)
                    })?;
            let totals = disks::claimed_totals(&lines, &t1, &csi_of_all);
            let claims = ContainsIndex::new(
                cluster_rows(),
                |o| o.csi_volume_handle.as_deref(),
                disks::claim_row,
            );
            // S5–S11 line item by line item: each line item's T3 rows are split (n counts its own
            // rows) and its T4 rows summed into the `_p` and UI groups at once, so neither T3 nor
            // T4 is held for the window.
            let nodes = ContainsIndex::new(
                cluster_rows(),
                |o| o.resource_id.as_deref(),
                |o| !(oa.drop_phantom_compute_rows && o.data_source.as_deref() == Some("Storage")),
            );
            let pod_nodes = ContainsIndex::new(
                cluster_rows(),
                |o| o.resource_id.as_deref(),
                |o| o.data_source.as_deref() == Some("Pod"),
            );
            let distribution = Distribution::of(&cluster.distribution);
            let mut tagger = tag_match::TagMatcher::default();
            let mut enabled_tags = split::EnabledTags::new(&final_keys);
            let report_period_id = cluster
                .report_period_id
                .expect("pairs have a report period");
            let new_summary = || summary::Summary::new(report_period_id, bill_id, &source_uuid);
            let mut summary = new_summary();
            // S11's key holds the day and the line item's own columns (resource id, product,
            // account, ...), so line items of another (day, those columns) never share a `_p`
            // row: in that order, the groups are finished and written as each such run of line
            // items ends, and memory holds one run's groups (plus one output batch), not the
            // day's or the window's.
            let mut t1 = t1;
            t1.sort_by_cached_key(|t| summary::line_order(&lines[t.line]));
            let mut current = None;
            let mut pending: Vec<summary::SummaryRow> = vec![];
            let mut flush = |summary: summary::Summary,
                             pending: &mut Vec<summary::SummaryRow>,
                             last: bool|
             -> Result<(), TransformError> {
                pending.extend(summary.finish());
                let batch_rows = crate::core::output::OUTPUT_BATCH_ROWS;
                while pending.len() >= batch_rows || (last && !pending.is_empty()) {
                    let n = pending.len().min(batch_rows);
                    summary_rows += n as u64;
                    summary_out.push(batch(&OCP_AWS_PROJECT_DAILY_SUMMARY, &pending[..n]))?;
                    pending.drain(..n);
                }
                Ok(())
            };
            let mut ui_tables = ui::UiTables::new(&source_uuid);
            let mut next_row = lines.len() as u64;
            let mut cluster_counts = HashMap::new();
            let mut t4_rows = 0usize;
            for t in &t1 {
                let order = summary::line_order(&lines[t.line]);
                if current.as_ref() != Some(&order) {
                    if current.is_some() {
                        flush(
                            std::mem::replace(&mut summary, new_summary()),
                            &mut pending,
                            false,
                        )?;
                    }
                    current = Some(order);
                }
                let one = std::slice::from_ref(t);
                let mut t3 = vec![];
                disks::storage_rows(
                    &lines,
                    one,
                    &claims,
                    &capacities,
                    &totals,
                    &mut next_row,
                    &mut t3,
                );
                compute::compute_rows(&lines, one, &nodes, &capacities, distribution, &mut t3);
                tagger.tag_rows(&lines, one, &rows, source, &mut t3, &mut cluster_counts);
                let mut t4 = split::final_split(
                    &lines,
                    t3,
                    &cluster_counts,
                    &inputs.aliases,
                    m9,
                    &mut enabled_tags,
                )
                .map_err(|e| data_error(&OCP_DAILY_SUMMARY, format!("labels: {e}")))?;
                split::network_rows(
                    &lines,
                    one,
                    &pod_nodes,
                    &inputs.aliases,
                    m9,
                    &mut enabled_tags,
                    &mut t4,
                );
                t4_rows += t4.len();
                summary
                    .add(&lines, &t4)
                    .map_err(|e| data_error(&AWS_LINE_ITEMS_DAILY, format!("costcategory: {e}")))?;
                ui_tables.add(&lines, &t4);
            }
            flush(summary, &mut pending, true)?;
            for ((dataset, ui_rows), out) in ui_tables.finish().into_iter().zip(ui_out.iter_mut()) {
                *ui_counts.entry(dataset.name.to_string()).or_default() += ui_rows.len() as u64;
                out.push(batch(dataset, &ui_rows))?;
            }
            tracing::debug!(
                ocp_source = source,
                t1 = t1.len(),
                t4 = t4_rows,
                "pair attributed"
            );
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let mut writers: Writers = vec![(&OCP_AWS_PROJECT_DAILY_SUMMARY, summary_out.flush()?)];
    for (d, w) in OCP_AWS_UI_SUMMARIES.iter().zip(ui_out) {
        writers.push((d, w.flush()?));
    }
    let report = OcpAwsReport {
        pairs: run_pairs.pairs.iter().map(|c| c.source.clone()).collect(),
        skipped: run_pairs.skipped,
        windows: ws.len(),
        summary_rows,
        ui_rows: ui_counts,
    };
    Ok((writers, report, paths))
}
