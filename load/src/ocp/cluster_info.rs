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
    let provider = Uuid::parse_str(&id.source_uuid).map_err(|e| {
        LoadError::step(
            "cluster information",
            format!("source_uuid {:?} is not a UUID: {e}", id.source_uuid),
        )
    })?;
    let cluster = cluster_row(
        tx,
        schema,
        provider,
        id.cluster_id.as_deref().unwrap_or_default(),
        id.cluster_alias.as_deref(),
        &mut out,
    )?;

    // Perf: each table is read once and written with at most one INSERT and one UPDATE of arrays
    // (`unnest`), instead of a SELECT and maybe an INSERT/UPDATE per row (about 2,000 round trips for
    // one day of 400 nodes: a sixth of the load's time; BENCHMARKS.md). The decisions are koku's
    // per-row ones, taken in the same order.
    nodes(tx, schema, cluster, wd, &mut out)?;
    pvcs(tx, schema, cluster, wd, &mut out)?;
    projects(tx, schema, cluster, wd, &mut out)?;

    let periods_t = QualifiedName::new(schema, "reporting_ocpusagereportperiod");
    tx.execute(
        &format!(
            "UPDATE {periods_t} SET summary_data_creation_datetime = coalesce(summary_data_creation_datetime, now()), \
             summary_data_updated_datetime = now() WHERE id = $1"
        ),
        &[&id.report_period_id.unwrap_or_default()],
    )
    .map_err(LoadError::db("update reporting_ocpusagereportperiod"))?;
    Ok(out)
}

/// A row of the transform's `cluster_nodes` dataset.
struct FoundNode {
    node: String,
    resource_id: Option<String>,
    capacity: Option<f64>,
    role: Option<String>,
    architecture: Option<String>,
}

/// `populate_node_table`: koku looks each found node up among this cluster's rows on (node,
/// resource_id, capacity rounded to numeric(18,2)); no match → insert; a match with an empty role or
/// architecture → both replaced. The found rows are unique on (node, resource_id) (koku's nodes query
/// groups by them), so no found row can match a row another one inserts or updates: looking all of them
/// up at once, before writing, decides exactly as koku's loop does.
fn nodes(
    tx: &mut Transaction<'_>,
    schema: &str,
    cluster: Uuid,
    wd: &WorkDir,
    out: &mut ClusterInfoOutcome,
) -> Result<()> {
    let mut found = Vec::new();
    let mut keys = std::collections::HashSet::new();
    for b in read(wd, &CLUSTER_NODES)? {
        let c = Columns::new(&CLUSTER_NODES, &b);
        let (node, rid, role, arch) = (
            c.text("node"),
            c.text("resource_id"),
            c.text("node_role"),
            c.text("architecture"),
        );
        let cap = c.float("node_capacity_cpu_cores");
        for i in 0..b.num_rows() {
            let Some(n) = text(node, i) else { continue };
            let f = FoundNode {
                node: n,
                resource_id: text(rid, i),
                capacity: opt_f64(cap, i),
                role: text(role, i),
                architecture: text(arch, i),
            };
            if !keys.insert((f.node.clone(), f.resource_id.clone())) {
                return Err(LoadError::step(
                    "cluster information",
                    format!(
                        "{} has node {:?} with resource_id {:?} twice (koku's nodes query gives one row \
                         per node and resource_id); re-run koku-transform",
                        CLUSTER_NODES.file_name(),
                        f.node,
                        f.resource_id
                    ),
                ));
            }
            found.push(f);
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let t = QualifiedName::new(schema, "reporting_ocp_nodes");
    let names: Vec<&str> = found.iter().map(|f| f.node.as_str()).collect();
    let rids: Vec<Option<&str>> = found.iter().map(|f| f.resource_id.as_deref()).collect();
    let caps: Vec<Option<f64>> = found.iter().map(|f| f.capacity).collect();
    // Django rounds a float to the field's 2 decimals before comparing (DecimalField).
    let matches = tx
        .query(
            &format!(
                "SELECT e.uuid, e.node_role, e.architecture \
                   FROM unnest($1::text[], $2::text[], $3::float8[]) WITH ORDINALITY AS f(node, rid, cap, ord) \
                   LEFT JOIN LATERAL (SELECT uuid, node_role, architecture FROM {t} n \
                                       WHERE n.node = f.node AND n.resource_id IS NOT DISTINCT FROM f.rid \
                                         AND n.node_capacity_cpu_cores IS NOT DISTINCT FROM round(f.cap::numeric, 2) \
                                         AND n.cluster_id = $4 \
                                       ORDER BY uuid LIMIT 1) e ON true \
                  ORDER BY f.ord"
            ),
            &[&names, &rids, &caps, &cluster],
        )
        .map_err(LoadError::db("read reporting_ocp_nodes"))?;
    let (mut new, mut changed) = (Vec::new(), Vec::new());
    for (f, m) in found.iter().zip(&matches) {
        match m.get::<_, Option<Uuid>>(0) {
            None => new.push(f),
            Some(uuid) => {
                let empty = |s: Option<String>| s.is_none_or(|s| s.is_empty());
                if empty(m.get(1)) || empty(m.get(2)) {
                    changed.push((uuid, f));
                }
            }
        }
    }
    if !new.is_empty() {
        let uuids: Vec<Uuid> = new.iter().map(|_| Uuid::new_v4()).collect();
        let names: Vec<&str> = new.iter().map(|f| f.node.as_str()).collect();
        let rids: Vec<Option<&str>> = new.iter().map(|f| f.resource_id.as_deref()).collect();
        let caps: Vec<Option<f64>> = new.iter().map(|f| f.capacity).collect();
        let roles: Vec<Option<&str>> = new.iter().map(|f| f.role.as_deref()).collect();
        let archs: Vec<Option<&str>> = new.iter().map(|f| f.architecture.as_deref()).collect();
        out.nodes_inserted = tx
            .execute(
                &format!(
                    "INSERT INTO {t} (uuid, node, resource_id, node_capacity_cpu_cores, node_role, \
                     architecture, cluster_id) \
                     SELECT u, n, r, round(c::numeric, 2), ro, a, $7 \
                       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[]) \
                            AS t(u, n, r, c, ro, a)"
                ),
                &[&uuids, &names, &rids, &caps, &roles, &archs, &cluster],
            )
            .map_err(LoadError::db("insert into reporting_ocp_nodes"))?;
    }
    if !changed.is_empty() {
        let uuids: Vec<Uuid> = changed.iter().map(|(u, _)| *u).collect();
        let roles: Vec<Option<&str>> = changed.iter().map(|(_, f)| f.role.as_deref()).collect();
        let archs: Vec<Option<&str>> = changed
            .iter()
            .map(|(_, f)| f.architecture.as_deref())
            .collect();
        out.nodes_updated = tx
            .execute(
                &format!(
                    "UPDATE {t} SET node_role = t.ro, architecture = t.a \
                       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(u, ro, a) \
                      WHERE {t}.uuid = t.u"
                ),
                &[&uuids, &roles, &archs],
            )
            .map_err(LoadError::db("update reporting_ocp_nodes"))?;
    }
    Ok(())
}

/// `populate_pvc_table`: per found (pv, pvc, csi) in order, koku looks the claim up on (pv, pvc,
/// cluster); a match with an empty `csi_volume_handle` gets the found one, no match is inserted (and
/// skipped on a unique conflict). The found rows can repeat (pv, pvc) with another handle, so the loop
/// is replayed here on this cluster's rows, read once, and only its net writes are sent.
fn pvcs(
    tx: &mut Transaction<'_>,
    schema: &str,
    cluster: Uuid,
    wd: &WorkDir,
    out: &mut ClusterInfoOutcome,
) -> Result<()> {
    /// Where a claim of the replayed table lives: in the database (uuid) or among this step's inserts.
    enum Slot {
        Existing(Uuid),
        New(usize),
    }
    let t = QualifiedName::new(schema, "reporting_ocp_pvcs");
    let mut table: std::collections::HashMap<(String, String), (Slot, Option<String>)> =
        Default::default();
    // ORDER BY uuid and the first row kept: the row koku's `.first()` would pick (the unique
    // constraint on (pv, pvc, cluster) makes it the only one).
    for row in tx
        .query(
            &format!(
                "SELECT uuid, persistent_volume, persistent_volume_claim, csi_volume_handle \
                   FROM {t} WHERE cluster_id = $1 ORDER BY uuid"
            ),
            &[&cluster],
        )
        .map_err(LoadError::db("read reporting_ocp_pvcs"))?
    {
        table
            .entry((row.get(1), row.get(2)))
            .or_insert((Slot::Existing(row.get(0)), row.get(3)));
    }
    let mut inserts: Vec<(String, String, Option<String>)> = Vec::new();
    let mut updates: std::collections::HashMap<Uuid, Option<String>> = Default::default();
    for b in read(wd, &CLUSTER_PVCS)? {
        let c = Columns::new(&CLUSTER_PVCS, &b);
        let (pv, pvc, csi) = (
            c.text("persistentvolume"),
            c.text("persistentvolumeclaim"),
            c.text("csi_volume_handle"),
        );
        for i in 0..b.num_rows() {
            // koku's create fails on NULL names (NOT NULL columns) and it skips the row.
            let (Some(pv), Some(pvc)) = (text(pv, i), text(pvc, i)) else {
                continue;
            };
            let csi = text(csi, i);
            match table.get_mut(&(pv.clone(), pvc.clone())) {
                Some((slot, handle)) => {
                    if handle.as_deref().is_none_or(str::is_empty) {
                        handle.clone_from(&csi);
                        match slot {
                            Slot::Existing(uuid) => {
                                updates.insert(*uuid, csi);
                            }
                            Slot::New(k) => inserts[*k].2 = csi,
                        }
                        out.pvcs_updated += 1;
                    }
                }
                None => {
                    table.insert(
                        (pv.clone(), pvc.clone()),
                        (Slot::New(inserts.len()), csi.clone()),
                    );
                    inserts.push((pv, pvc, csi));
                }
            }
        }
    }
    if !inserts.is_empty() {
        let uuids: Vec<Uuid> = inserts.iter().map(|_| Uuid::new_v4()).collect();
        let pvs: Vec<&str> = inserts.iter().map(|r| r.0.as_str()).collect();
        let claims: Vec<&str> = inserts.iter().map(|r| r.1.as_str()).collect();
        let handles: Vec<Option<&str>> = inserts.iter().map(|r| r.2.as_deref()).collect();
        out.pvcs_inserted = tx
            .execute(
                &format!(
                    "INSERT INTO {t} (uuid, persistent_volume, persistent_volume_claim, \
                     csi_volume_handle, cluster_id) \
                     SELECT u, pv, pvc, h, $5 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) \
                            WITH ORDINALITY AS t(u, pv, pvc, h, ord) ORDER BY ord \
                     ON CONFLICT DO NOTHING"
                ),
                &[&uuids, &pvs, &claims, &handles, &cluster],
            )
            .map_err(LoadError::db("insert into reporting_ocp_pvcs"))?;
    }
    if !updates.is_empty() {
        let (uuids, handles): (Vec<Uuid>, Vec<Option<String>>) = updates.into_iter().unzip();
        tx.execute(
            &format!(
                "UPDATE {t} SET csi_volume_handle = t.h \
                   FROM unnest($1::uuid[], $2::text[]) AS t(u, h) WHERE {t}.uuid = t.u"
            ),
            &[&uuids, &handles],
        )
        .map_err(LoadError::db("update reporting_ocp_pvcs"))?;
    }
    Ok(())
}

/// `populate_project_table`: get-or-create per namespace of this cluster.
fn projects(
    tx: &mut Transaction<'_>,
    schema: &str,
    cluster: Uuid,
    wd: &WorkDir,
    out: &mut ClusterInfoOutcome,
) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let mut names = Vec::new();
    for b in read(wd, &CLUSTER_PROJECTS)? {
        let ns = Columns::new(&CLUSTER_PROJECTS, &b).text("namespace");
        for i in 0..b.num_rows() {
            if let Some(p) = text(ns, i)
                && seen.insert(p.clone())
            {
                names.push(p);
            }
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    let t = QualifiedName::new(schema, "reporting_ocp_projects");
    let uuids: Vec<Uuid> = names.iter().map(|_| Uuid::new_v4()).collect();
    out.projects_inserted = tx
        .execute(
            &format!(
                "INSERT INTO {t} (uuid, project, cluster_id) \
                 SELECT u, p, $3 FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS t(u, p, ord) \
                  WHERE NOT EXISTS (SELECT 1 FROM {t} x WHERE x.project = t.p AND x.cluster_id = $3) \
                  ORDER BY ord"
            ),
            &[&uuids, &names, &cluster],
        )
        .map_err(LoadError::db("insert into reporting_ocp_projects"))?;
    Ok(())
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
