//! The pairs of a run (OCP report period, cluster) as the `_p` file holds them: koku's OCP-side steps
//! (§5.3 delete, S12 back-populate, the report-period stamp) run once per pair.

use std::collections::BTreeMap;

use arrow::array::{Array, Int32Array, StringArray};
use koku_common::schema::ocp_aws::OCP_AWS_PROJECT_DAILY_SUMMARY;
use koku_common::workdir::{WorkDir, stage};

use crate::error::{LoadError, Result};

/// One OCP cluster the run attributed AWS costs to, by its report period of the run's month.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Pair {
    pub report_period_id: i32,
    pub cluster_id: String,
}

/// The distinct pairs of the `_p` file, ascending. Every row must name its report period and cluster
/// (the back-populate joins on both), and a report period one cluster only.
pub fn read(wd: &WorkDir) -> Result<Vec<Pair>> {
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
    Ok(clusters
        .into_iter()
        .map(|(report_period_id, cluster_id)| Pair {
            report_period_id,
            cluster_id,
        })
        .collect())
}
