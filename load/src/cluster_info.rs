//! koku's cluster-information step (`populate_openshift_cluster_information_tables`, spec §1 step 5,
//! §7.1.2) and the report-period timestamps (§1 step 8), applied in the load's transaction with koku's
//! own rules:
//!
//! * `reporting_ocp_clusters`: one row per provider; extra rows with another alias are deleted, the
//!   alias is updated when it changed, a missing row is created;
//! * `reporting_ocp_nodes`: a node found by the nodes query that matches a row of this cluster on
//!   (node, resource_id, capacity rounded to numeric(18,2)) fills that row's role and architecture when
//!   either is empty; otherwise a row is inserted;
//! * `reporting_ocp_pvcs`: matched on (pv, pvc, cluster); an empty `csi_volume_handle` is filled,
//!   a missing row inserted (koku skips rows it cannot insert: NULL names, unique conflicts);
//! * `reporting_ocp_projects`: get-or-create per namespace;
//! * `reporting_ocpusagereportperiod`: `summary_data_creation_datetime` set if NULL,
//!   `summary_data_updated_datetime` set.
//!
//! The rows come from the transform's `cluster_nodes`, `cluster_pvcs` and `cluster_projects` datasets.
//! koku creates uuids client-side (Django `default=uuid4`; its tables have no database default), so we
//! send them too.

use arrow::array::RecordBatch;
use koku_common::schema::{
    CLUSTER_NODES, CLUSTER_PROJECTS, CLUSTER_PVCS, Columns, Dataset, opt_f64, opt_str as text,
};
use koku_common::workdir::{RunIdentity, WorkDir, stage};
use postgres::Transaction;
use uuid::Uuid;

use crate::error::{LoadError, Result};
use crate::ident::QualifiedName;

/// What the step changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ClusterInfoOutcome {
    /// The work dir has no cluster-information datasets (made by hand, not by `koku-transform`).
    pub skipped: bool,
    pub cluster_created: bool,
    pub clusters_deleted: u64,
    pub cluster_alias_updated: bool,
    pub nodes_inserted: u64,
    pub nodes_updated: u64,
    pub pvcs_inserted: u64,
    pub pvcs_updated: u64,
    pub projects_inserted: u64,
}

fn read(wd: &WorkDir, dataset: &'static Dataset) -> Result<Vec<RecordBatch>> {
    Ok(wd.reader(stage::TRANSFORM, dataset)?.read_all()?)
}

/// Apply the cluster-information upserts and the report-period timestamps.
pub fn apply(
    tx: &mut Transaction<'_>,
    schema: &str,
    id: &RunIdentity,
    wd: &WorkDir,
) -> Result<ClusterInfoOutcome> {
    let mut out = ClusterInfoOutcome::default();
    let transform = wd.require_stage(stage::TRANSFORM, "")?;
    if [&CLUSTER_NODES, &CLUSTER_PVCS, &CLUSTER_PROJECTS]
        .iter()
        .any(|d| !transform.outputs.contains_key(d.name))
    {
        tracing::warn!(
            "the transform recorded no cluster-information datasets: reporting_ocp_clusters/nodes/pvcs/projects \
             and the report-period timestamps are left as they are"
        );
        out.skipped = true;
        return Ok(out);
    }
    let provider = Uuid::parse_str(&id.source_uuid).map_err(|e| LoadError::Db {
        step: "cluster information".into(),
        reason: format!("source_uuid {:?} is not a UUID: {e}", id.source_uuid),
    })?;
    let cluster = cluster_row(
        tx,
        schema,
        provider,
        &id.cluster_id,
        id.cluster_alias.as_deref(),
        &mut out,
    )?;

    let nodes_t = QualifiedName::new(schema, "reporting_ocp_nodes");
    // Perf: every per-row statement below is prepared once and reused. A `&str` query makes the client
    // prepare it again on each call (an extra round trip per row); with hundreds of nodes, PVCs and
    // projects that was most of this step's time (1M-row workload: see BENCHMARKS.md).
    let node_select = tx
        .prepare(&format!(
            "SELECT uuid, node_role, architecture FROM {nodes_t} \
              WHERE node = $1 AND resource_id IS NOT DISTINCT FROM $2 \
                AND node_capacity_cpu_cores IS NOT DISTINCT FROM round($3::float8::numeric, 2) \
                AND cluster_id = $4 ORDER BY uuid LIMIT 1"
        ))
        .map_err(LoadError::db("read reporting_ocp_nodes"))?;
    let node_insert = tx
        .prepare(&format!(
            "INSERT INTO {nodes_t} (uuid, node, resource_id, node_capacity_cpu_cores, node_role, \
             architecture, cluster_id) VALUES ($1, $2, $3, round($4::float8::numeric, 2), $5, $6, $7)"
        ))
        .map_err(LoadError::db("insert into reporting_ocp_nodes"))?;
    for b in read(wd, &CLUSTER_NODES)? {
        let (node, rid, role, arch) = (
            Columns::new(&CLUSTER_NODES, &b).text("node"),
            Columns::new(&CLUSTER_NODES, &b).text("resource_id"),
            Columns::new(&CLUSTER_NODES, &b).text("node_role"),
            Columns::new(&CLUSTER_NODES, &b).text("architecture"),
        );
        let cap = Columns::new(&CLUSTER_NODES, &b).float("node_capacity_cpu_cores");
        for i in 0..b.num_rows() {
            let Some(n) = text(node, i) else { continue };
            let (r, c) = (text(rid, i), opt_f64(cap, i));
            let (role, arch) = (text(role, i), text(arch, i));
            // Django rounds a float to the field's 2 decimals before comparing (DecimalField).
            let existing = tx
                .query_opt(&node_select, &[&n, &r, &c, &cluster])
                .map_err(LoadError::db("read reporting_ocp_nodes"))?;
            match existing {
                None => {
                    tx.execute(
                        &node_insert,
                        &[&Uuid::new_v4(), &n, &r, &c, &role, &arch, &cluster],
                    )
                    .map_err(LoadError::db("insert into reporting_ocp_nodes"))?;
                    out.nodes_inserted += 1;
                }
                Some(row) => {
                    let empty = |s: Option<String>| s.is_none_or(|s| s.is_empty());
                    if empty(row.get(1)) || empty(row.get(2)) {
                        let uuid: Uuid = row.get(0);
                        tx.execute(
                            &format!("UPDATE {nodes_t} SET node_role = $1, architecture = $2 WHERE uuid = $3"),
                            &[&role, &arch, &uuid],
                        )
                        .map_err(LoadError::db("update reporting_ocp_nodes"))?;
                        out.nodes_updated += 1;
                    }
                }
            }
        }
    }

    let pvcs_t = QualifiedName::new(schema, "reporting_ocp_pvcs");
    let pvc_select = tx
        .prepare(&format!(
            "SELECT uuid, csi_volume_handle FROM {pvcs_t} \
              WHERE persistent_volume = $1 AND persistent_volume_claim = $2 AND cluster_id = $3 \
              ORDER BY uuid LIMIT 1"
        ))
        .map_err(LoadError::db("read reporting_ocp_pvcs"))?;
    let pvc_update = tx
        .prepare(&format!(
            "UPDATE {pvcs_t} SET csi_volume_handle = $1 WHERE uuid = $2"
        ))
        .map_err(LoadError::db("update reporting_ocp_pvcs"))?;
    let pvc_insert = tx
        .prepare(&format!(
            "INSERT INTO {pvcs_t} (uuid, persistent_volume, persistent_volume_claim, csi_volume_handle, \
             cluster_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
        ))
        .map_err(LoadError::db("insert into reporting_ocp_pvcs"))?;
    for b in read(wd, &CLUSTER_PVCS)? {
        let (pv, pvc, csi) = (
            Columns::new(&CLUSTER_PVCS, &b).text("persistentvolume"),
            Columns::new(&CLUSTER_PVCS, &b).text("persistentvolumeclaim"),
            Columns::new(&CLUSTER_PVCS, &b).text("csi_volume_handle"),
        );
        for i in 0..b.num_rows() {
            // koku's create fails on NULL names (NOT NULL columns) and it skips the row.
            let (Some(pv), Some(pvc)) = (text(pv, i), text(pvc, i)) else {
                continue;
            };
            let csi = text(csi, i);
            let existing = tx
                .query_opt(&pvc_select, &[&pv, &pvc, &cluster])
                .map_err(LoadError::db("read reporting_ocp_pvcs"))?;
            match existing {
                Some(row) => {
                    let handle: Option<String> = row.get(1);
                    if handle.is_none_or(|h| h.is_empty()) {
                        let uuid: Uuid = row.get(0);
                        tx.execute(&pvc_update, &[&csi, &uuid])
                            .map_err(LoadError::db("update reporting_ocp_pvcs"))?;
                        out.pvcs_updated += 1;
                    }
                }
                None => {
                    out.pvcs_inserted += tx
                        .execute(&pvc_insert, &[&Uuid::new_v4(), &pv, &pvc, &csi, &cluster])
                        .map_err(LoadError::db("insert into reporting_ocp_pvcs"))?;
                }
            }
        }
    }

    let projects_t = QualifiedName::new(schema, "reporting_ocp_projects");
    let project_insert = tx
        .prepare(&format!(
            "INSERT INTO {projects_t} (uuid, project, cluster_id) \
             SELECT $1, $2, $3 WHERE NOT EXISTS \
               (SELECT 1 FROM {projects_t} WHERE project = $2 AND cluster_id = $3)"
        ))
        .map_err(LoadError::db("insert into reporting_ocp_projects"))?;
    for b in read(wd, &CLUSTER_PROJECTS)? {
        let ns = Columns::new(&CLUSTER_PROJECTS, &b).text("namespace");
        for i in 0..b.num_rows() {
            let Some(project) = text(ns, i) else { continue };
            out.projects_inserted += tx
                .execute(&project_insert, &[&Uuid::new_v4(), &project, &cluster])
                .map_err(LoadError::db("insert into reporting_ocp_projects"))?;
        }
    }

    let periods_t = QualifiedName::new(schema, "reporting_ocpusagereportperiod");
    tx.execute(
        &format!(
            "UPDATE {periods_t} SET summary_data_creation_datetime = coalesce(summary_data_creation_datetime, now()), \
             summary_data_updated_datetime = now() WHERE id = $1"
        ),
        &[&id.report_period_id],
    )
    .map_err(LoadError::db("update reporting_ocpusagereportperiod"))?;
    Ok(out)
}

/// `populate_cluster_table`: the provider's cluster row, created or its alias updated.
fn cluster_row(
    tx: &mut Transaction<'_>,
    schema: &str,
    provider: Uuid,
    cluster_id: &str,
    alias: Option<&str>,
    out: &mut ClusterInfoOutcome,
) -> Result<Uuid> {
    let t = QualifiedName::new(schema, "reporting_ocp_clusters");
    let select =
        format!("SELECT uuid, cluster_alias FROM {t} WHERE provider_id = $1 ORDER BY uuid");
    let mut rows = tx
        .query(&select, &[&provider])
        .map_err(LoadError::db("read reporting_ocp_clusters"))?;
    if rows.len() > 1 {
        out.clusters_deleted = tx
            .execute(
                &format!(
                    "DELETE FROM {t} WHERE provider_id = $1 AND cluster_alias IS DISTINCT FROM $2"
                ),
                &[&provider, &alias],
            )
            .map_err(LoadError::db(
                "delete duplicate reporting_ocp_clusters rows",
            ))?;
        rows = tx
            .query(&select, &[&provider])
            .map_err(LoadError::db("read reporting_ocp_clusters"))?;
    }
    match rows.first() {
        None => {
            let uuid = Uuid::new_v4();
            tx.execute(
                &format!("INSERT INTO {t} (uuid, cluster_id, cluster_alias, provider_id) VALUES ($1, $2, $3, $4)"),
                &[&uuid, &cluster_id, &alias, &provider],
            )
            .map_err(LoadError::db("insert into reporting_ocp_clusters"))?;
            out.cluster_created = true;
            Ok(uuid)
        }
        Some(row) => {
            let uuid: Uuid = row.get(0);
            let current: Option<String> = row.get(1);
            if current.as_deref() != alias {
                tx.execute(
                    &format!("UPDATE {t} SET cluster_alias = $1 WHERE uuid = $2"),
                    &[&alias, &uuid],
                )
                .map_err(LoadError::db("update reporting_ocp_clusters"))?;
                out.cluster_alias_updated = true;
            }
            Ok(uuid)
        }
    }
}
