//! The PostgreSQL inputs of the OCP-on-AWS flow (spec ocp-on-aws §1.1, §1.2, §1.4, §2.6) besides the
//! AWS source's own (bill, markup, account aliases: [`crate::aws::pg_inputs`]):
//!
//! * the OCP sources of the tenant and which of them are candidates of the run
//!   ([`OCP_AWS_CLUSTERS`]): koku's `api_provider` rows of type `OCP` of the tenant's customer, paired
//!   with the AWS source through `api_providerinfrastructuremap` (`map`), not paired yet (`data`), or
//!   named on the command line (`named`); those paired with another cloud source are not candidates;
//! * the enabled AWS and OCP tag keys ([`OCP_AWS_ENABLED_TAG_KEYS`]);
//! * the generic matched tags of koku's PostgreSQL path ([`OCP_AWS_MATCHED_TAGS`], §4.1), read with
//!   koku's own statement.
//!
//! Without a database every one of them comes from flags and the OCP work dirs.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, RecordBatch, StringArray};
use chrono::NaiveDate;
use koku_common::config::DbConfig;
use koku_common::schema::Dataset;
use koku_common::schema::ocp_aws::{
    OCP_AWS_CLUSTERS, OCP_AWS_ENABLED_TAG_KEYS, OCP_AWS_MATCHED_TAGS, paired_by,
};
use uuid::Uuid;

use crate::error::{ExtractError, Result};
use crate::layout::quoted_schema;
use crate::pg::{self, Provenance};

/// The default distribution of a cost model without `distribution_info.distribution_type` (koku's
/// `DEFAULT_DISTRIBUTION_TYPE`, spec §1.4).
pub const DEFAULT_DISTRIBUTION: &str = "cpu";

/// What the command line says instead of (or on top of) the database.
#[derive(Debug, Clone, Default)]
pub struct OcpAwsPgOverrides {
    /// `--ocp-source`: only these OCP sources are candidates (`named`).
    pub ocp_sources: Vec<Uuid>,
    /// `--distribution OCP_UUID=cpu|memory`.
    pub distributions: Vec<(Uuid, String)>,
    /// `--enabled-key aws:KEY` / `ocp:KEY`, as (provider type `AWS`/`OCP`, key); `None` = not given.
    pub enabled_keys: Option<Vec<(String, String)>>,
    /// `--matched-tag KEY=VALUE`; `None` = not given.
    pub matched_tags: Option<Vec<(String, String)>>,
}

/// One OCP source the run may attribute to (a row of [`OCP_AWS_CLUSTERS`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cluster {
    /// Lower-case hyphenated.
    pub source: String,
    pub cluster_id: Option<String>,
    pub cluster_alias: Option<String>,
    pub report_period_id: Option<i32>,
    pub distribution: String,
    pub paired_by: &'static str,
}

/// What the OCP work dirs say about their sources (the no-database path).
#[derive(Debug, Clone)]
pub struct WorkdirSource {
    pub source: String,
    pub cluster_id: Option<String>,
    pub cluster_alias: Option<String>,
    pub report_period_id: Option<i32>,
}

/// The resolved inputs.
#[derive(Debug, Clone)]
pub struct OcpAwsPgInputs {
    /// Candidates, sorted by source.
    pub clusters: Vec<Cluster>,
    /// Every OCP source of the tenant (the database's, else the work dirs'), sorted: the OCP daily
    /// summary must hold all of them (§2.5).
    pub tenant_ocp_sources: Vec<String>,
    /// (key, provider_type), sorted.
    pub enabled_keys: Vec<(String, String)>,
    /// (key, value), sorted, distinct.
    pub matched_tags: Vec<(String, String)>,
    /// Why the matched tags are what they are, for `run.json`.
    pub matched_tags_note: String,
    pub provenance: Vec<(&'static str, Provenance)>,
}

/// koku's `reporting_ocpaws_matched_tags.sql` (koku/masu/database/sql/aws/openshift/), with the
/// schema put in the way its `sqlsafe` filter does. Its `bill_id` parameter is unused by the
/// statement.
const MATCHED_TAGS_SQL: &str = include_str!("reporting_ocpaws_matched_tags.sql");

/// Resolve the inputs: from the database when there is one, else from flags and `workdirs`.
pub fn resolve(
    db: Option<&DbConfig>,
    schema: &str,
    aws_source: &Uuid,
    month_start: NaiveDate,
    flags: &OcpAwsPgOverrides,
    workdirs: &[WorkdirSource],
) -> Result<OcpAwsPgInputs> {
    let mut inputs = match db {
        Some(db) => from_database(db, schema, aws_source, month_start, flags)?,
        None => from_flags(flags, workdirs)?,
    };
    inputs.clusters.sort();
    inputs.tenant_ocp_sources.sort();
    inputs.tenant_ocp_sources.dedup();
    inputs.enabled_keys.sort();
    inputs.enabled_keys.dedup();
    inputs.matched_tags.sort();
    inputs.matched_tags.dedup();
    Ok(inputs)
}

/// The distribution of `source`: `--distribution` first, else `from_db` (the cost model's
/// `distribution_info.distribution_type` when the key is there), else `cpu`.
fn distribution(flags: &OcpAwsPgOverrides, source: &str, from_db: Option<String>) -> String {
    flags
        .distributions
        .iter()
        .find(|(u, _)| u.hyphenated().to_string() == source)
        .map(|(_, d)| d.clone())
        .or(from_db)
        .unwrap_or_else(|| DEFAULT_DISTRIBUTION.to_string())
}

fn from_flags(flags: &OcpAwsPgOverrides, workdirs: &[WorkdirSource]) -> Result<OcpAwsPgInputs> {
    let named: Vec<String> = flags
        .ocp_sources
        .iter()
        .map(|u| u.hyphenated().to_string())
        .collect();
    for n in &named {
        if !workdirs.iter().any(|w| &w.source == n) {
            return Err(ExtractError::Usage(format!(
                "--ocp-source {n}: without a database the OCP sources are those of --ocp-workdir; give --ocp-workdir \
                 for source {n} (a work dir of `koku-transform ocp` for it)"
            )));
        }
    }
    let clusters = workdirs
        .iter()
        .filter(|w| named.is_empty() || named.contains(&w.source))
        .map(|w| Cluster {
            source: w.source.clone(),
            cluster_id: w.cluster_id.clone(),
            cluster_alias: w.cluster_alias.clone(),
            report_period_id: w.report_period_id,
            distribution: distribution(flags, &w.source, None),
            paired_by: paired_by::NAMED,
        })
        .collect();
    let matched_tags_note = if flags.matched_tags.is_some() {
        "--matched-tag".to_string()
    } else {
        "none given: the transform computes koku's Trino fallback".to_string()
    };
    Ok(OcpAwsPgInputs {
        clusters,
        tenant_ocp_sources: workdirs.iter().map(|w| w.source.clone()).collect(),
        enabled_keys: flags
            .enabled_keys
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(t, k)| (k, t))
            .collect(),
        matched_tags: flags.matched_tags.clone().unwrap_or_default(),
        matched_tags_note,
        provenance: vec![
            ("ocp_sources", Provenance::Flag("--ocp-workdir")),
            (
                "enabled_keys",
                if flags.enabled_keys.is_some() {
                    Provenance::Flag("--enabled-key")
                } else {
                    Provenance::Default
                },
            ),
            (
                "matched_tags",
                if flags.matched_tags.is_some() {
                    Provenance::Flag("--matched-tag")
                } else {
                    Provenance::Default
                },
            ),
        ],
    })
}

fn from_database(
    db: &DbConfig,
    schema: &str,
    aws_source: &Uuid,
    month_start: NaiveDate,
    flags: &OcpAwsPgOverrides,
) -> Result<OcpAwsPgInputs> {
    let q = quoted_schema(schema);
    let mut client = pg::connect(db)?;
    let mut tx = pg::snapshot(&mut client)?;
    let mut provenance = vec![("ocp_sources", Provenance::Database)];

    // The tenant's OCP sources and what pairs them: koku's `api_provider` of the customer whose
    // schema_name is the tenant, its infrastructure map row (the cloud source it runs on, if known).
    let rows = tx
        .query(
            "SELECT p.uuid::text, a.credentials->>'cluster_id', p.name::text, \
                    p.infrastructure_id IS NOT NULL, m.infrastructure_provider_id::text \
             FROM public.api_provider p \
             JOIN public.api_customer c ON c.id = p.customer_id \
             LEFT JOIN public.api_providerauthentication a ON a.id = p.authentication_id \
             LEFT JOIN public.api_providerinfrastructuremap m ON m.id = p.infrastructure_id \
             WHERE p.type = 'OCP' AND c.schema_name = $1 \
             ORDER BY p.uuid",
            &[&schema],
        )
        .map_err(|e| {
            ExtractError::db(
                format!(
                    "reading the OCP sources of {schema} from public.api_provider / api_customer"
                ),
                e,
            )
        })?;
    let aws = aws_source.hyphenated().to_string();
    let named: Vec<String> = flags
        .ocp_sources
        .iter()
        .map(|u| u.hyphenated().to_string())
        .collect();
    for n in &named {
        if !rows.iter().any(|r| &r.get::<_, String>(0) == n) {
            return Err(ExtractError::Usage(format!(
                "--ocp-source {n} is not an OCP source of {schema} (public.api_provider of type OCP whose customer's \
                 schema_name is {schema})"
            )));
        }
    }
    let mut tenant_ocp_sources = Vec::new();
    let mut clusters = Vec::new();
    for r in &rows {
        let source: String = r.get(0);
        tenant_ocp_sources.push(source.clone());
        let has_infra: bool = r.get(3);
        let infra: Option<String> = r.get(4);
        let paired_elsewhere = has_infra && infra.as_deref() != Some(aws.as_str());
        let why = if !named.is_empty() {
            if !named.contains(&source) {
                continue;
            }
            if paired_elsewhere {
                return Err(ExtractError::Usage(format!(
                    "--ocp-source {source} is paired with another cloud source ({}, in \
                     public.api_providerinfrastructuremap) than --aws-source {aws}: koku would not attribute \
                     this AWS source's costs to it",
                    infra.as_deref().unwrap_or("unknown")
                )));
            }
            paired_by::NAMED
        } else if paired_elsewhere {
            tracing::info!(
                source,
                paired_with = infra.as_deref().unwrap_or("unknown"),
                "OCP source runs on another cloud source: not a candidate"
            );
            continue;
        } else if has_infra {
            paired_by::MAP
        } else {
            paired_by::DATA
        };
        let uuid: Uuid = source.parse().map_err(|e| {
            ExtractError::Usage(format!(
                "public.api_provider uuid {source:?} is not a UUID: {e}"
            ))
        })?;
        let start = format!("{month_start} 00:00:00+00");
        let rp = tx
            .query(
                &format!(
                    "SELECT id::integer FROM {q}.reporting_ocpusagereportperiod \
                     WHERE provider_id = $1 AND report_period_start = $2::text::timestamptz \
                     ORDER BY id LIMIT 1"
                ),
                &[&uuid, &start],
            )
            .map_err(|e| {
                ExtractError::db(
                    format!("reading {schema}.reporting_ocpusagereportperiod of source {source}"),
                    e,
                )
            })?;
        // koku's SummarySqlMetadata.build_cost_model_params: the source's cost model (first by the
        // same order the AWS markup read uses), `distribution_info.get("distribution_type", "cpu")`.
        // A key present with a non-text value is passed on as its JSON text (`null` for null):
        // koku's SQL takes every value but 'cpu' as memory, and so does the transform.
        let cm = tx
            .query(
                &format!(
                    "SELECT CASE WHEN cm.distribution_info ? 'distribution_type' \
                            THEN coalesce(cm.distribution_info->>'distribution_type', 'null') END \
                     FROM {q}.cost_model cm \
                     JOIN {q}.cost_model_map m ON m.cost_model_id = cm.uuid \
                     WHERE m.provider_uuid = $1 ORDER BY cm.name, cm.uuid LIMIT 1"
                ),
                &[&uuid],
            )
            .map_err(|e| {
                ExtractError::db(
                    format!("reading {schema}.cost_model / cost_model_map of source {source}"),
                    e,
                )
            })?;
        let report_period_id: Option<i32> = rp.first().map(|r| r.get(0));
        if report_period_id.is_none() {
            tracing::warn!(
                source,
                month = %month_start,
                "no reporting_ocpusagereportperiod of the month: the transform skips this pair, as koku does"
            );
        }
        clusters.push(Cluster {
            cluster_id: r.get(1),
            cluster_alias: r.get(2),
            report_period_id,
            distribution: distribution(
                flags,
                &source,
                cm.first().and_then(|r| r.get::<_, Option<String>>(0)),
            ),
            paired_by: why,
            source,
        });
    }

    let enabled_keys = match &flags.enabled_keys {
        Some(k) => {
            provenance.push(("enabled_keys", Provenance::Flag("--enabled-key")));
            k.iter().map(|(t, k)| (k.clone(), t.clone())).collect()
        }
        None => {
            provenance.push(("enabled_keys", Provenance::Database));
            tx.query(
                &format!(
                    "SELECT key::text, provider_type::text FROM {q}.reporting_enabledtagkeys \
                     WHERE enabled AND provider_type IN ('AWS', 'OCP')"
                ),
                &[],
            )
            .map_err(|e| ExtractError::db(format!("reading {schema}.reporting_enabledtagkeys"), e))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect::<Vec<(String, String)>>()
        }
    };

    let (matched_tags, matched_tags_note) = match &flags.matched_tags {
        Some(m) => {
            provenance.push(("matched_tags", Provenance::Flag("--matched-tag")));
            (m.clone(), "--matched-tag".to_string())
        }
        None => {
            provenance.push(("matched_tags", Provenance::Database));
            // koku's _get_matched_tags_strings: the PostgreSQL statement runs only when some key is
            // enabled for both AWS and OCP (check_for_matching_enabled_keys: the same key, compared
            // exactly, under both provider types) and some OCP key is enabled at all.
            let aws_keys: BTreeSet<&str> = enabled_keys
                .iter()
                .filter(|(_, t)| t == "AWS")
                .map(|(k, _)| k.as_str())
                .collect();
            let both = enabled_keys
                .iter()
                .any(|(k, t)| t == "OCP" && aws_keys.contains(k.as_str()));
            if both {
                let sql = MATCHED_TAGS_SQL.replace("{{schema | sqlsafe}}", &q);
                let rows = tx.query(sql.as_str(), &[]).map_err(|e| {
                    ExtractError::db(
                        format!("running koku's reporting_ocpaws_matched_tags.sql on {schema}"),
                        e,
                    )
                })?;
                let mut tags = Vec::new();
                for r in &rows {
                    let tag: serde_json::Value = r.get(0);
                    let Some(obj) = tag.as_object() else {
                        return Err(ExtractError::Usage(format!(
                            "reporting_ocpaws_matched_tags.sql on {schema} returned {tag}, not an object"
                        )));
                    };
                    for (k, v) in obj {
                        let value = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        tags.push((k.clone(), value));
                    }
                }
                let note = format!(
                    "koku's PostgreSQL statement: {} pair(s){}",
                    tags.len(),
                    if tags.is_empty() {
                        "; none, so the transform computes koku's Trino fallback"
                    } else {
                        ""
                    }
                );
                (tags, note)
            } else {
                (
                    Vec::new(),
                    "no key enabled for both AWS and OCP: koku's statement not run (empty)"
                        .to_string(),
                )
            }
        }
    };
    tx.commit()
        .map_err(|e| ExtractError::db("ending the read-only transaction", e))?;
    Ok(OcpAwsPgInputs {
        clusters,
        tenant_ocp_sources,
        enabled_keys,
        matched_tags,
        matched_tags_note,
        provenance,
    })
}

impl OcpAwsPgInputs {
    /// The rows of one of the flow's own PostgreSQL datasets.
    pub fn batch(&self, dataset: &'static Dataset) -> Result<RecordBatch> {
        let text = |v: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        let columns: Vec<ArrayRef> = if dataset.name == OCP_AWS_CLUSTERS.name {
            let c = &self.clusters;
            vec![
                text(c.iter().map(|r| Some(r.source.as_str())).collect()),
                text(c.iter().map(|r| r.cluster_id.as_deref()).collect()),
                text(c.iter().map(|r| r.cluster_alias.as_deref()).collect()),
                Arc::new(c.iter().map(|r| r.report_period_id).collect::<Int32Array>()),
                text(c.iter().map(|r| Some(r.distribution.as_str())).collect()),
                text(c.iter().map(|r| Some(r.paired_by)).collect()),
            ]
        } else if dataset.name == OCP_AWS_ENABLED_TAG_KEYS.name {
            let k = &self.enabled_keys;
            vec![
                text(k.iter().map(|(k, _)| Some(k.as_str())).collect()),
                text(k.iter().map(|(_, t)| Some(t.as_str())).collect()),
            ]
        } else if dataset.name == OCP_AWS_MATCHED_TAGS.name {
            let m = &self.matched_tags;
            vec![
                text(m.iter().map(|(k, _)| Some(k.as_str())).collect()),
                text(m.iter().map(|(_, v)| Some(v.as_str())).collect()),
            ]
        } else {
            return Err(ExtractError::Usage(format!(
                "{} is not a PostgreSQL input dataset of the OCP-on-AWS flow",
                dataset.name
            )));
        };
        RecordBatch::try_new(dataset.schema(), columns)
            .map_err(|e| ExtractError::arrow(dataset.name, e))
    }

    pub fn provenance_of(&self, dataset: &'static Dataset) -> Option<Provenance> {
        let input = if dataset.name == OCP_AWS_CLUSTERS.name {
            "ocp_sources"
        } else if dataset.name == OCP_AWS_ENABLED_TAG_KEYS.name {
            "enabled_keys"
        } else if dataset.name == OCP_AWS_MATCHED_TAGS.name {
            "matched_tags"
        } else {
            return None;
        };
        self.provenance
            .iter()
            .find(|(k, _)| *k == input)
            .map(|(_, p)| *p)
    }
}

/// Parse `--enabled-key aws:KEY` / `ocp:KEY` into (`AWS`/`OCP`, KEY).
pub fn parse_enabled_key(text: &str) -> std::result::Result<(String, String), String> {
    let (t, k) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not aws:KEY or ocp:KEY"))?;
    let t = match t.to_ascii_lowercase().as_str() {
        "aws" => "AWS",
        "ocp" => "OCP",
        other => return Err(format!("{other:?} is not aws or ocp (in {text:?})")),
    };
    if k.is_empty() {
        return Err(format!("{text:?} has an empty key"));
    }
    Ok((t.to_string(), k.to_string()))
}

/// Parse `--matched-tag KEY=VALUE` (the first `=` separates; the value may be empty).
pub fn parse_matched_tag(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// Parse `--distribution OCP_UUID=cpu|memory`.
pub fn parse_distribution(text: &str) -> std::result::Result<(Uuid, String), String> {
    let (u, d) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not OCP_UUID=cpu|memory"))?;
    let u: Uuid = u
        .parse()
        .map_err(|e| format!("{u:?} is not a UUID ({e})"))?;
    match d {
        "cpu" | "memory" => Ok((u, d.to_string())),
        other => Err(format!("{other:?} is not cpu or memory")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        assert_eq!(
            parse_enabled_key("aws:app").unwrap(),
            ("AWS".into(), "app".into())
        );
        assert_eq!(
            parse_enabled_key("OCP:a:b").unwrap(),
            ("OCP".into(), "a:b".into())
        );
        assert!(parse_enabled_key("gcp:x").is_err());
        assert!(parse_enabled_key("app").is_err());
        assert!(parse_enabled_key("aws:").is_err());
        assert_eq!(
            parse_matched_tag("app=a=b").unwrap(),
            ("app".into(), "a=b".into())
        );
        assert!(parse_matched_tag("=x").is_err());
        assert!(parse_distribution("00000000-0000-0000-0000-000000000001=memory").is_ok());
        assert!(parse_distribution("00000000-0000-0000-0000-000000000001=gpu").is_err());
        assert!(parse_distribution("x=cpu").is_err());
    }

    #[test]
    fn koku_statement_is_embedded() {
        assert!(MATCHED_TAGS_SQL.contains("{{schema | sqlsafe}}.reporting_awstags_summary"));
        assert!(MATCHED_TAGS_SQL.contains("jsonb_build_object(key, value)"));
    }
}
