//! koku's cluster-information step as koku-load applies it (koku's per-row upsert rules, sent as a few
//! set-based statements), against a real PostgreSQL with koku's tables.

mod common;

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use common::*;
use koku_common::schema::{CLUSTER_NODES, CLUSTER_PROJECTS, CLUSTER_PVCS, Dataset};
use koku_common::workdir::{WorkDir, stage};
use koku_load::load;

fn text(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

/// Add the cluster-information datasets to the transform's record of a test work dir.
fn with_cluster_info(wd: &mut WorkDir, batches: Vec<(&'static Dataset, Vec<ArrayRef>)>) {
    let mut rec = wd.stage(stage::TRANSFORM).unwrap().clone();
    for (dataset, columns) in batches {
        let mut w = wd.writer(dataset).unwrap();
        w.write(&RecordBatch::try_new(dataset.schema(), columns).unwrap())
            .unwrap();
        rec.outputs
            .insert(dataset.name.to_string(), w.finish().unwrap());
    }
    wd.record_stage(stage::TRANSFORM, rec).unwrap();
}

fn rows(db: &mut TenantDb, sql: &str) -> Vec<String> {
    db.client
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn nodes_pvcs_and_projects_follow_kokus_per_row_rules() {
    let mut db = TenantDb::new("cluster_info");
    let dir = tempfile::tempdir().unwrap();
    let mut wd = workdir(dir.path(), identity(db.report_period_id), &standard_rows());
    with_cluster_info(
        &mut wd,
        vec![
            (
                &CLUSTER_NODES,
                vec![
                    text(&[Some("n1"), Some("n2"), None]),
                    text(&[Some("r1"), None, Some("r3")]),
                    Arc::new(Float64Array::from(vec![Some(4.0), Some(8.004), Some(1.0)])),
                    text(&[Some("worker"), Some("infra"), Some("master")]),
                    text(&[Some("amd64"), None, None]),
                ],
            ),
            (
                &CLUSTER_PVCS,
                vec![
                    text(&[Some("pv1"), Some("pv1"), Some("pv2"), None]),
                    text(&[Some("c1"), Some("c1"), Some("c2"), Some("c4")]),
                    text(&[None, Some("h1"), Some("h2"), Some("h4")]),
                ],
            ),
            (&CLUSTER_PROJECTS, vec![text(&[None, Some("a"), Some("b")])]),
        ],
    );
    let nodes_sql = format!(
        "SELECT node || '/' || coalesce(resource_id, 'NULL') || '/' || node_capacity_cpu_cores::text \
         || '/' || coalesce(node_role, 'NULL') || '/' || coalesce(architecture, 'NULL') \
         FROM {SCHEMA}.reporting_ocp_nodes ORDER BY 1"
    );
    let pvcs_sql = format!(
        "SELECT persistent_volume || '/' || persistent_volume_claim || '/' || coalesce(csi_volume_handle, 'NULL') \
         FROM {SCHEMA}.reporting_ocp_pvcs ORDER BY 1"
    );
    let projects_sql = format!("SELECT project FROM {SCHEMA}.reporting_ocp_projects ORDER BY 1");

    let first = load(dir.path(), &db.options(false))
        .unwrap()
        .cluster_info()
        .unwrap()
        .clone();
    assert_eq!(
        rows(&mut db, &nodes_sql),
        ["n1/r1/4.00/worker/amd64", "n2/NULL/8.00/infra/NULL"],
        "a NULL node is skipped; the capacity is stored rounded to numeric(18,2)"
    );
    assert_eq!(
        rows(&mut db, &pvcs_sql),
        ["pv1/c1/h1", "pv2/c2/h2"],
        "the second (pv1, c1) row fills the handle the first inserted empty; a NULL pv is skipped"
    );
    assert_eq!(rows(&mut db, &projects_sql), ["a", "b"]);
    assert_eq!(
        (
            first.nodes_inserted,
            first.nodes_updated,
            first.pvcs_inserted,
            first.pvcs_updated,
            first.projects_inserted
        ),
        (2, 0, 2, 1, 2)
    );

    // Someone empties n1's role and pv2's handle; n2 has no architecture. A rerun fills what is
    // empty (role and architecture together), matches n2 on its rounded capacity, inserts nothing.
    db.client
        .batch_execute(&format!(
            "UPDATE {SCHEMA}.reporting_ocp_nodes SET node_role = '', architecture = 'arm64' WHERE node = 'n1';
             UPDATE {SCHEMA}.reporting_ocp_pvcs SET csi_volume_handle = NULL WHERE persistent_volume = 'pv2';"
        ))
        .unwrap();
    let second = load(dir.path(), &db.options(false))
        .unwrap()
        .cluster_info()
        .unwrap()
        .clone();
    assert_eq!(
        rows(&mut db, &nodes_sql),
        ["n1/r1/4.00/worker/amd64", "n2/NULL/8.00/infra/NULL"]
    );
    assert_eq!(rows(&mut db, &pvcs_sql), ["pv1/c1/h1", "pv2/c2/h2"]);
    assert_eq!(rows(&mut db, &projects_sql), ["a", "b"]);
    assert_eq!(
        (
            second.nodes_inserted,
            second.nodes_updated,
            second.pvcs_inserted,
            second.pvcs_updated,
            second.projects_inserted
        ),
        (0, 2, 0, 1, 0)
    );
}
