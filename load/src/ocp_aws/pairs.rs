//! The pairs of a run (OCP report period, cluster): koku's OCP-side steps (§5.3 delete, S12
//! back-populate, the report-period stamp) run once per pair it processes, whether or not the pair
//! produced rows. They are the pairs of the `_p` file, and the OCP sources that are in the run whatever
//! the data says (§1.1: already paired with the AWS source, or named with `--ocp-source`) as the
//! extract's [`OCP_AWS_CLUSTERS`] lists them with a report period of the month: without the latter, a
//! cluster whose AWS costs are gone would keep koku's earlier OCP infrastructure rows.

use std::collections::BTreeMap;

use arrow::array::{Array, Int32Array, StringArray};
use koku_common::schema::ocp_aws::{OCP_AWS_CLUSTERS, OCP_AWS_PROJECT_DAILY_SUMMARY, paired_by};
use koku_common::workdir::{WorkDir, stage};

use crate::error::{LoadError, Result};

/// One OCP cluster the run attributed AWS costs to, by its report period of the run's month.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Pair {
    pub report_period_id: i32,
    pub cluster_id: String,
}

/// The run's pairs, ascending: those of the `_p` file and the listed ones ([`listed`]) of `clusters`
/// (every cluster when `None`). Every `_p` row must name its report period and cluster (the
/// back-populate joins on both), and a report period one cluster only.
pub fn read(wd: &WorkDir, clusters: Option<&[String]>) -> Result<Vec<Pair>> {
    let mut by_period = of_rows(wd)?;
    for p in listed(wd)? {
        if clusters.is_some_and(|c| !c.contains(&p.cluster_id)) {
            continue;
        }
        match by_period.get(&p.report_period_id) {
            None => {
                by_period.insert(p.report_period_id, p.cluster_id);
            }
            Some(known) if *known == p.cluster_id => {}
            Some(known) => {
                return Err(LoadError::ForeignScope {
                    what: format!("report period {}", p.report_period_id),
                    reason: format!(
                        "is of cluster {:?} in the extract's {}, but of cluster {known:?} in the {} rows",
                        p.cluster_id, OCP_AWS_CLUSTERS.name, OCP_AWS_PROJECT_DAILY_SUMMARY.name
                    ),
                });
            }
        }
    }
    Ok(by_period
        .into_iter()
        .map(|(report_period_id, cluster_id)| Pair {
            report_period_id,
            cluster_id,
        })
        .collect())
}

/// The OCP sources in the run whatever the data (`paired_by` map or named) that have a report period
/// of the month, from the extract's [`OCP_AWS_CLUSTERS`]; none when the work dir lacks the file.
fn listed(wd: &WorkDir) -> Result<Vec<Pair>> {
    let has = wd
        .stage(stage::EXTRACT)
        .is_some_and(|s| s.outputs.contains_key(OCP_AWS_CLUSTERS.name));
    if !has {
        return Ok(Vec::new());
    }
    let reader = wd.reader(stage::EXTRACT, &OCP_AWS_CLUSTERS)?;
    let path = reader.path().to_path_buf();
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|source| LoadError::ReadBatch {
            path: path.clone(),
            source,
        })?;
        let text = |name: &str| {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                .unwrap_or_else(|| panic!("{name} is Utf8 (the reader checked the schema)"))
        };
        let (ids, why) = (text("cluster_id"), text("paired_by"));
        let rps = batch
            .column_by_name("report_period_id")
            .and_then(|c| c.as_any().downcast_ref::<Int32Array>())
            .expect("report_period_id is Int32 (the reader checked the schema)");
        for i in 0..batch.num_rows() {
            let in_run =
                !why.is_null(i) && [paired_by::MAP, paired_by::NAMED].contains(&why.value(i));
            // No report period of the month: koku skips the pair (§1.2).
            if in_run && !rps.is_null(i) && !ids.is_null(i) {
                out.push(Pair {
                    report_period_id: rps.value(i),
                    cluster_id: ids.value(i).to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// The distinct pairs of the `_p` file, by report period.
fn of_rows(wd: &WorkDir) -> Result<BTreeMap<i32, String>> {
    let reader = wd.reader(stage::TRANSFORM, &OCP_AWS_PROJECT_DAILY_SUMMARY)?;
    let path = reader.path().to_path_buf();
    let mut clusters: BTreeMap<i32, String> = BTreeMap::new();
    let mut row = 0u64;
    for batch in reader {
        let batch = batch.map_err(|source| LoadError::ReadBatch {
            path: path.clone(),
            source,
        })?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap_or_else(|| panic!("the reader checked the schema ({name})"))
        };
        let rps = column("report_period_id")
            .as_any()
            .downcast_ref::<Int32Array>()
            .expect("report_period_id is Int32 (the reader checked the schema)");
        let ids = column("cluster_id")
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("cluster_id is Utf8 (the reader checked the schema)");
        for i in 0..batch.num_rows() {
            let bad = |column: &'static str, reason: String| LoadError::BadValue {
                path: path.clone(),
                row: row + i as u64,
                column,
                reason,
            };
            if rps.is_null(i) {
                return Err(bad(
                    "report_period_id",
                    "NULL: koku's back-populate is keyed on the OCP report period".into(),
                ));
            }
            if ids.is_null(i) {
                return Err(bad(
                    "cluster_id",
                    "NULL: koku's back-populate joins the report period on the cluster".into(),
                ));
            }
            let (rp, id) = (rps.value(i), ids.value(i));
            match clusters.get(&rp) {
                None => {
                    clusters.insert(rp, id.to_string());
                }
                Some(known) if known == id => {}
                Some(known) => {
                    return Err(bad(
                        "cluster_id",
                        format!(
                            "{id:?}, but earlier rows of report period {rp} are of cluster {known:?}"
                        ),
                    ));
                }
            }
        }
        row += batch.num_rows() as u64;
    }
    Ok(clusters)
}
