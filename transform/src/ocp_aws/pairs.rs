//! Which OCP sources a run attributes to (§1.1, §1.2): the candidates the extract listed, kept when
//! koku's infrastructure map pairs them with the run's AWS source — already paired
//! (`paired_by = map`), named by the operator (`named`), or paired by the data over the run's window
//! (`data`: [`crate::aws::pairing::pairs`]) — and skipped, with the reason, when koku would skip
//! them (no cluster id, no report period for the month).

use std::collections::BTreeSet;

use koku_common::schema::aws::AWS_LINE_ITEMS_DAILY;
use koku_common::schema::ocp_aws::{OCP_POD_USAGE_KEYS, paired_by};
use koku_common::schema::{Columns, opt_text};
use koku_common::workdir::{BackgroundChecks, WorkDir};

use super::inputs::{Cluster, RunInputs, day_of_date};
use crate::aws::pairing::{self, InfrastructureMap, Provider, TenantProvider};
use crate::core::days::day_of;
use crate::core::input::{arrow_error, open_input};
use crate::error::TransformError;

/// The pairs of the run and the candidates left out (source, reason).
pub struct RunPairs {
    pub pairs: Vec<Cluster>,
    pub skipped: Vec<(String, String)>,
}

/// Decide the pairs of the run (module doc).
pub fn run_pairs(
    wd: &WorkDir,
    checks: &BackgroundChecks,
    inputs: &RunInputs,
) -> Result<RunPairs, TransformError> {
    let id = wd.identity();
    let (first, last) = (day_of_date(id.start_date), day_of_date(id.end_date));
    let needs_data = inputs
        .clusters
        .iter()
        .any(|c| c.paired_by == paired_by::DATA);
    let mut paired: BTreeSet<String> = BTreeSet::new();
    if needs_data {
        // koku's map reads A's resource ids and the OCP pod-usage resource ids of the run's window.
        let mut aws_ids: BTreeSet<String> = BTreeSet::new();
        let mut reader = open_input(wd, &AWS_LINE_ITEMS_DAILY, checks)?;
        let path = reader.path().to_path_buf();
        for b in reader.by_ref() {
            let b = b.map_err(arrow_error(&path))?;
            let c = Columns::new(&AWS_LINE_ITEMS_DAILY, &b);
            let (rid, start) = (
                c.text("lineitem_resourceid"),
                c.timestamp("lineitem_usagestartdate"),
            );
            for i in 0..b.num_rows() {
                use arrow::array::Array;
                if start.is_null(i) || !(first..=last).contains(&day_of(start.value(i))) {
                    continue;
                }
                if let Some(r) = opt_text(rid, i) {
                    aws_ids.insert(r.to_string());
                }
            }
        }
        let mut ocp_rows: BTreeSet<(String, String)> = BTreeSet::new();
        let mut reader = open_input(wd, &OCP_POD_USAGE_KEYS, checks)?;
        let path = reader.path().to_path_buf();
        for b in reader.by_ref() {
            let b = b.map_err(arrow_error(&path))?;
            let c = Columns::new(&OCP_POD_USAGE_KEYS, &b);
            let (src, start, rid) = (
                c.text("source"),
                c.timestamp("interval_start"),
                c.text("resource_id"),
            );
            for i in 0..b.num_rows() {
                use arrow::array::Array;
                if start.is_null(i) || !(first..=last).contains(&day_of(start.value(i))) {
                    continue;
                }
                if let (Some(s), Some(r)) = (opt_text(src, i), opt_text(rid, i)) {
                    ocp_rows.insert((s.to_string(), r.to_string()));
                }
            }
        }
        let rows: Vec<(&str, &str)> = ocp_rows
            .iter()
            .map(|(s, r)| (s.as_str(), r.as_str()))
            .collect();
        let providers: Vec<Provider> = inputs
            .clusters
            .iter()
            .filter(|c| c.paired_by == paired_by::DATA)
            .map(|c| Provider {
                uuid: c.source.clone(),
                provider_type: "OCP".into(),
                infrastructure_id: None,
            })
            .collect();
        let found = pairing::pairs(
            &id.source_uuid,
            aws_ids.iter().map(String::as_str),
            &rows,
            &providers,
            &[] as &[InfrastructureMap],
            &[TenantProvider {
                uuid: id.source_uuid.clone(),
                provider_type: "AWS".into(),
            }],
        );
        paired.extend(found.into_keys());
    }
    let mut pairs = vec![];
    let mut skipped = vec![];
    for c in &inputs.clusters {
        let in_run = match c.paired_by.as_str() {
            paired_by::MAP | paired_by::NAMED => true,
            paired_by::DATA => paired.contains(&c.source),
            _ => false,
        };
        if !in_run {
            skipped.push((
                c.source.clone(),
                "not paired with the AWS source: none of its node instance ids is in the AWS \
                 source's resource ids in the window"
                    .to_string(),
            ));
        } else if c.cluster_id.is_none() {
            skipped.push((c.source.clone(), "no cluster id (koku skips it)".into()));
        } else if c.report_period_id.is_none() {
            skipped.push((
                c.source.clone(),
                "no report period for the month (koku skips the pair, spec ocp-on-aws §1.2)".into(),
            ));
        } else {
            pairs.push(c.clone());
        }
    }
    Ok(RunPairs { pairs, skipped })
}
