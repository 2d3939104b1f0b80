//! The small PostgreSQL inputs of an OCP run (spec ocp-daily-summary §1 steps 1 and 4, §2.5), from
//! koku's database or from flags.
//!
//! With a database, every value is read the way koku's Python reads it; a flag given as well
//! overrides the database (so an operator can re-run with a corrected value, and tests can pin one).
//! Without a database, every value must come from its flag, and the error lists exactly the flags
//! that are missing. The database is only contacted when some value is not given by a flag.
//!
//! koku's reads, reproduced here:
//! * cluster id — `get_cluster_id_from_provider`: `credentials["cluster_id"]` of the provider's
//!   authentication row; none → koku aborts the summary (`OCPReportParquetSummaryUpdaterClusterNotFound`);
//! * cluster alias — `get_cluster_alias_from_cluster_id`: `Provider.objects.filter(
//!   authentication__credentials={"cluster_id": id}).first()`, i.e. jsonb *equality* and the model's
//!   default ordering by `name` (across all tenants, exactly as koku does); none → NULL;
//! * report period — `report_periods_for_provider_uuid(uuid, start).first()`: `provider_id = uuid AND
//!   report_period_start = <first of month> 00:00 UTC`, lowest id; none → koku logs a warning and
//!   summarises nothing, so we refuse the run with that explanation;
//! * enabled tag keys, cost-category namespace patterns, node roles: whole tables (node roles of all
//!   clusters of the tenant: the unallocated step's role lookup is not cluster-scoped).
//!
//! All reads share one read-only, repeatable-read transaction, so they see one snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray};
use chrono::NaiveDate;
use koku_common::config::DbConfig;
use koku_common::schema::{COST_CATEGORY_NAMESPACE, Dataset, ENABLED_TAG_KEYS, OCP_NODES};
use uuid::Uuid;

use crate::error::{ExtractError, Result};
use crate::layout::quoted_schema;
use crate::pg::{self, Provenance, normalise_keys, read_csv};

/// Values given on the command line; each one overrides the database.
#[derive(Debug, Clone, Default)]
pub struct PgOverrides {
    pub cluster_id: Option<String>,
    pub cluster_alias: Option<String>,
    pub report_period_id: Option<i32>,
    /// `Some(vec![])` = explicitly zero enabled keys.
    pub enabled_keys: Option<Vec<String>>,
    /// CSV with header `namespace,cost_category_id`.
    pub cost_categories: Option<PathBuf>,
    /// CSV with header `node,resource_id,node_role`.
    pub node_roles: Option<PathBuf>,
}

/// A row of `reporting_ocp_cost_category_namespace`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CostCategoryPattern {
    /// A SQL `LIKE` pattern.
    pub namespace: Option<String>,
    pub cost_category_id: Option<i32>,
}

/// A row of `reporting_ocp_nodes` (the columns the summary and koku's node upsert use).
#[derive(Debug, Clone, PartialEq, PartialOrd, Default)]
pub struct NodeRole {
    pub node: Option<String>,
    pub resource_id: Option<String>,
    pub node_role: Option<String>,
    /// numeric(18,2) in koku, read as float8.
    pub node_capacity_cpu_cores: Option<f64>,
    pub architecture: Option<String>,
    /// `provider_id` of the row's `reporting_ocp_clusters` row; NULL for rows given by `--node-roles`.
    pub cluster_provider_id: Option<String>,
}

/// The resolved PostgreSQL inputs, sorted for deterministic output.
#[derive(Debug, Clone, PartialEq)]
pub struct PgInputs {
    pub cluster_id: String,
    pub cluster_alias: Option<String>,
    pub report_period_id: i32,
    /// Sorted, de-duplicated.
    pub enabled_keys: Vec<String>,
    /// Sorted.
    pub cost_categories: Vec<CostCategoryPattern>,
    /// Sorted.
    pub nodes: Vec<NodeRole>,
    /// `(input, where it came from)`, in a fixed order.
    pub provenance: Vec<(&'static str, Provenance)>,
}

/// Resolve every input: flags first, then the database (if any), else an error naming the flags.
pub fn resolve(
    db: Option<&DbConfig>,
    schema: &str,
    source: &Uuid,
    month_start: NaiveDate,
    flags: &PgOverrides,
) -> Result<PgInputs> {
    let needs_db = flags.cluster_id.is_none()
        || flags.cluster_alias.is_none()
        || flags.report_period_id.is_none()
        || flags.enabled_keys.is_none()
        || flags.cost_categories.is_none()
        || flags.node_roles.is_none();
    match db {
        Some(db) if needs_db => from_database(db, schema, source, month_start, flags),
        _ => from_flags(flags),
    }
}

fn from_flags(flags: &PgOverrides) -> Result<PgInputs> {
    pg::require_flags(&[
        (
            "--cluster-id",
            flags.cluster_id.is_some(),
            "the source's OpenShift cluster id",
        ),
        (
            "--report-period-id",
            flags.report_period_id.is_some(),
            "id of the month's reporting_ocpusagereportperiod row",
        ),
        (
            "--enabled-keys",
            flags.enabled_keys.is_some(),
            "comma-separated enabled OCP tag keys; an empty string means none",
        ),
        (
            "--cost-categories",
            flags.cost_categories.is_some(),
            "CSV file with header namespace,cost_category_id",
        ),
        (
            "--node-roles",
            flags.node_roles.is_some(),
            "CSV file with header node,resource_id,node_role",
        ),
    ])?;
    let mut out = PgInputs {
        cluster_id: flags.cluster_id.clone().unwrap_or_default(),
        cluster_alias: flags.cluster_alias.clone(),
        report_period_id: flags.report_period_id.unwrap_or_default(),
        enabled_keys: normalise_keys(flags.enabled_keys.clone().unwrap_or_default()),
        cost_categories: read_cost_categories(flags.cost_categories.as_deref().expect("checked"))?,
        nodes: read_node_roles(flags.node_roles.as_deref().expect("checked"))?,
        provenance: vec![
            ("cluster_id", Provenance::Flag("--cluster-id")),
            (
                "cluster_alias",
                if flags.cluster_alias.is_some() {
                    Provenance::Flag("--cluster-alias")
                } else {
                    Provenance::Default
                },
            ),
            ("report_period_id", Provenance::Flag("--report-period-id")),
            ("enabled_keys", Provenance::Flag("--enabled-keys")),
            ("cost_categories", Provenance::Flag("--cost-categories")),
            ("node_roles", Provenance::Flag("--node-roles")),
        ],
    };
    out.cost_categories.sort();
    out.nodes
        .sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Ok(out)
}

fn from_database(
    db: &DbConfig,
    schema: &str,
    source: &Uuid,
    month_start: NaiveDate,
    flags: &PgOverrides,
) -> Result<PgInputs> {
    let q = quoted_schema(schema);
    let mut client = pg::connect(db)?;
    let mut tx = pg::snapshot(&mut client)?;
    let mut provenance = Vec::new();

    // Step 1: cluster id and alias.
    let cluster_id = match &flags.cluster_id {
        Some(c) => {
            provenance.push(("cluster_id", Provenance::Flag("--cluster-id")));
            c.clone()
        }
        None => {
            let rows = tx
                .query(
                    "SELECT a.credentials->>'cluster_id' \
                     FROM public.api_provider p \
                     LEFT JOIN public.api_providerauthentication a ON a.id = p.authentication_id \
                     WHERE p.uuid = $1",
                    &[source],
                )
                .map_err(|e| {
                    ExtractError::db("reading the cluster id from public.api_provider", e)
                })?;
            let Some(row) = rows.first() else {
                return Err(ExtractError::KokuWouldSkip(format!(
                    "source {source} is not in public.api_provider; koku cannot summarise it (pass --cluster-id to override)"
                )));
            };
            let id: Option<String> = row.get(0);
            provenance.push(("cluster_id", Provenance::Database));
            id.filter(|s| !s.is_empty()).ok_or_else(|| {
                ExtractError::KokuWouldSkip(format!(
                    "source {source} has no cluster_id in its api_providerauthentication credentials; koku aborts this summary (OCPReportParquetSummaryUpdaterClusterNotFound); pass --cluster-id to override"
                ))
            })?
        }
    };
    let cluster_alias = match &flags.cluster_alias {
        Some(a) => {
            provenance.push(("cluster_alias", Provenance::Flag("--cluster-alias")));
            Some(a.clone())
        }
        None => {
            let rows = tx
                .query(
                    "SELECT p.name::text \
                     FROM public.api_provider p \
                     JOIN public.api_providerauthentication a ON a.id = p.authentication_id \
                     WHERE a.credentials = jsonb_build_object('cluster_id', $1::text) \
                     ORDER BY p.name \
                     LIMIT 1",
                    &[&cluster_id],
                )
                .map_err(|e| {
                    ExtractError::db("reading the cluster alias from public.api_provider", e)
                })?;
            provenance.push(("cluster_alias", Provenance::Database));
            rows.first().and_then(|r| r.get::<_, Option<String>>(0))
        }
    };

    // Step 4: the month's report period.
    let report_period_id = match flags.report_period_id {
        Some(id) => {
            provenance.push(("report_period_id", Provenance::Flag("--report-period-id")));
            id
        }
        None => {
            let start = format!("{month_start} 00:00:00+00");
            let rows = tx
                .query(
                    &format!(
                        "SELECT id::integer FROM {q}.reporting_ocpusagereportperiod \
                         WHERE provider_id = $1 AND report_period_start = $2::text::timestamptz \
                         ORDER BY id LIMIT 1"
                    ),
                    &[source, &start],
                )
                .map_err(|e| {
                    ExtractError::db(
                        format!("reading {schema}.reporting_ocpusagereportperiod"),
                        e,
                    )
                })?;
            provenance.push(("report_period_id", Provenance::Database));
            match rows.first() {
                Some(r) => r.get(0),
                None => {
                    return Err(ExtractError::KokuWouldSkip(format!(
                        "no {schema}.reporting_ocpusagereportperiod row for provider {source} starting {month_start}; \
                         koku would skip this run (\"no report period found for start_date\"); pass --report-period-id to override"
                    )));
                }
            }
        }
    };

    let enabled_keys = match &flags.enabled_keys {
        Some(k) => {
            provenance.push(("enabled_keys", Provenance::Flag("--enabled-keys")));
            k.clone()
        }
        None => {
            provenance.push(("enabled_keys", Provenance::Database));
            pg::enabled_keys(&mut tx, schema, "OCP")?
        }
    };

    let mut cost_categories = match &flags.cost_categories {
        Some(path) => {
            provenance.push(("cost_categories", Provenance::Flag("--cost-categories")));
            read_cost_categories(path)?
        }
        None => {
            let rows = tx
                .query(
                    &format!(
                        "SELECT namespace::text, cost_category_id::integer \
                         FROM {q}.reporting_ocp_cost_category_namespace"
                    ),
                    &[],
                )
                .map_err(|e| {
                    ExtractError::db(
                        format!("reading {schema}.reporting_ocp_cost_category_namespace"),
                        e,
                    )
                })?;
            provenance.push(("cost_categories", Provenance::Database));
            rows.iter()
                .map(|r| CostCategoryPattern {
                    namespace: r.get(0),
                    cost_category_id: r.get(1),
                })
                .collect()
        }
    };

    let mut nodes = match &flags.node_roles {
        Some(path) => {
            provenance.push(("node_roles", Provenance::Flag("--node-roles")));
            read_node_roles(path)?
        }
        None => {
            let rows = tx
                .query(
                    &format!(
                        "SELECT n.node::text, n.resource_id::text, n.node_role::text, \
                                n.node_capacity_cpu_cores::float8, n.architecture::text, c.provider_id::text \
                           FROM {q}.reporting_ocp_nodes n LEFT JOIN {q}.reporting_ocp_clusters c ON c.uuid = n.cluster_id"
                    ),
                    &[],
                )
                .map_err(|e| ExtractError::db(format!("reading {schema}.reporting_ocp_nodes"), e))?;
            provenance.push(("node_roles", Provenance::Database));
            rows.iter()
                .map(|r| NodeRole {
                    node: r.get(0),
                    resource_id: r.get(1),
                    node_role: r.get(2),
                    node_capacity_cpu_cores: r.get(3),
                    architecture: r.get(4),
                    cluster_provider_id: r.get(5),
                })
                .collect()
        }
    };
    tx.commit()
        .map_err(|e| ExtractError::db("ending the read-only transaction", e))?;

    cost_categories.sort();
    nodes.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Ok(PgInputs {
        cluster_id,
        cluster_alias,
        report_period_id,
        enabled_keys: normalise_keys(enabled_keys),
        cost_categories,
        nodes,
        provenance,
    })
}

impl PgInputs {
    /// The rows of one of the PostgreSQL datasets in its canonical schema.
    pub fn batch(&self, dataset: &'static Dataset) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = if dataset.name == ENABLED_TAG_KEYS.name {
            vec![Arc::new(StringArray::from_iter_values(&self.enabled_keys))]
        } else if dataset.name == COST_CATEGORY_NAMESPACE.name {
            vec![
                Arc::new(
                    self.cost_categories
                        .iter()
                        .map(|c| c.namespace.as_deref())
                        .collect::<StringArray>(),
                ),
                Arc::new(
                    self.cost_categories
                        .iter()
                        .map(|c| c.cost_category_id)
                        .collect::<Int32Array>(),
                ),
            ]
        } else if dataset.name == OCP_NODES.name {
            vec![
                Arc::new(
                    self.nodes
                        .iter()
                        .map(|n| n.node.as_deref())
                        .collect::<StringArray>(),
                ),
                Arc::new(
                    self.nodes
                        .iter()
                        .map(|n| n.resource_id.as_deref())
                        .collect::<StringArray>(),
                ),
                Arc::new(
                    self.nodes
                        .iter()
                        .map(|n| n.node_role.as_deref())
                        .collect::<StringArray>(),
                ),
                Arc::new(
                    self.nodes
                        .iter()
                        .map(|n| n.node_capacity_cpu_cores)
                        .collect::<Float64Array>(),
                ),
                Arc::new(
                    self.nodes
                        .iter()
                        .map(|n| n.architecture.as_deref())
                        .collect::<StringArray>(),
                ),
                Arc::new(
                    self.nodes
                        .iter()
                        .map(|n| n.cluster_provider_id.as_deref())
                        .collect::<StringArray>(),
                ),
            ]
        } else {
            return Err(ExtractError::Usage(format!(
                "{} is not a PostgreSQL input dataset",
                dataset.name
            )));
        };
        RecordBatch::try_new(dataset.schema(), columns)
            .map_err(|e| ExtractError::arrow(dataset.name, e))
    }

    /// Rows of a PostgreSQL dataset.
    pub fn rows(&self, dataset: &'static Dataset) -> usize {
        if dataset.name == ENABLED_TAG_KEYS.name {
            self.enabled_keys.len()
        } else if dataset.name == COST_CATEGORY_NAMESPACE.name {
            self.cost_categories.len()
        } else if dataset.name == OCP_NODES.name {
            self.nodes.len()
        } else {
            0
        }
    }

    /// Where the rows of a PostgreSQL dataset came from.
    pub fn provenance_of(&self, dataset: &'static Dataset) -> Option<Provenance> {
        let input = if dataset.name == ENABLED_TAG_KEYS.name {
            "enabled_keys"
        } else if dataset.name == COST_CATEGORY_NAMESPACE.name {
            "cost_categories"
        } else if dataset.name == OCP_NODES.name {
            "node_roles"
        } else {
            return None;
        };
        self.provenance
            .iter()
            .find(|(n, _)| *n == input)
            .map(|(_, p)| *p)
    }
}

/// Read `--cost-categories`: header `namespace,cost_category_id`.
pub fn read_cost_categories(path: &Path) -> Result<Vec<CostCategoryPattern>> {
    read_csv(path, &["namespace", "cost_category_id"])?
        .into_iter()
        .map(|(line, mut f)| {
            let id = f.pop().flatten();
            let namespace = f.pop().flatten();
            let cost_category_id = id
                .map(|s| {
                    s.trim()
                        .parse::<i32>()
                        .map_err(|_| ExtractError::InputFile {
                            path: path.to_path_buf(),
                            line,
                            message: format!("cost_category_id {s:?} is not an integer"),
                        })
                })
                .transpose()?;
            Ok(CostCategoryPattern {
                namespace,
                cost_category_id,
            })
        })
        .collect()
}

/// Read `--node-roles`: header `node,resource_id,node_role`.
pub fn read_node_roles(path: &Path) -> Result<Vec<NodeRole>> {
    Ok(read_csv(path, &["node", "resource_id", "node_role"])?
        .into_iter()
        .map(|(_, mut f)| {
            let node_role = f.pop().flatten();
            let resource_id = f.pop().flatten();
            let node = f.pop().flatten();
            NodeRole {
                node,
                resource_id,
                node_role,
                ..NodeRole::default()
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_files_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cc.csv");
        std::fs::write(
            &p,
            "namespace,cost_category_id\nopenshift-%,1\nkube-%,1\n\nmine,\n",
        )
        .unwrap();
        let cc = read_cost_categories(&p).unwrap();
        assert_eq!(cc.len(), 3);
        assert_eq!(cc[2].cost_category_id, None);
        std::fs::write(&p, "namespace,id\n").unwrap();
        let e = read_cost_categories(&p).unwrap_err().to_string();
        assert!(
            e.contains("cc.csv:1") && e.contains("expected namespace,cost_category_id"),
            "{e}"
        );
        std::fs::write(&p, "namespace,cost_category_id\nx,one\n").unwrap();
        let e = read_cost_categories(&p).unwrap_err().to_string();
        assert!(
            e.contains("cc.csv:2") && e.contains("not an integer"),
            "{e}"
        );
        let n = dir.path().join("n.csv");
        std::fs::write(&n, "node,resource_id,node_role\nn1,i-1,worker\nn2,,\"\"\n").unwrap();
        let nodes = read_node_roles(&n).unwrap();
        assert_eq!(
            nodes[1],
            NodeRole {
                node: Some("n2".into()),
                resource_id: None,
                node_role: Some("".into()),
                ..NodeRole::default()
            }
        );
        std::fs::write(&n, "node,resource_id,node_role\nn1,i-1\n").unwrap();
        let e = read_node_roles(&n).unwrap_err().to_string();
        assert!(
            e.contains("n.csv:2") && e.contains("2 fields, expected 3"),
            "{e}"
        );
    }

    #[test]
    fn offline_lists_every_missing_flag() {
        let e = resolve(
            None,
            "org1",
            &Uuid::nil(),
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
            &PgOverrides {
                cluster_id: Some("c".into()),
                enabled_keys: Some(vec![]),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("missing --report-period-id:"), "{e}");
        assert!(
            e.contains("--cost-categories (CSV file") && e.contains("--node-roles"),
            "{e}"
        );
        assert!(
            !e.contains("--cluster-id") && !e.contains("--enabled-keys"),
            "{e}"
        );
    }
}
