//! The OCP daily summary of a source without `--ocp-workdir`, read from koku's PostgreSQL table
//! `reporting_ocpusagelineitem_daily_summary` (spec ocp-on-aws §2.5) and shaped like the OCP flow's
//! [`OCP_DAILY_SUMMARY`].
//!
//! Only the rows koku's Trino OCP summary wrote are kept. Its `INSERT INTO postgres…` (koku
//! `trino_sql/openshift/reporting_ocpusagelineitem_daily_summary.sql`) never sets
//! `infrastructure_raw_cost`, `cost_model_rate_type` nor `monthly_cost_type`; the rows OCP-on-cloud
//! back-populates carry an `infrastructure_raw_cost`, and the cost model's (usage, monthly,
//! distributed) rows a `cost_model_rate_type` or `monthly_cost_type`, so those are left out.
//!
//! Two columns are not in the table: `row_kind` is derived as the OCP transform sets it (`storage`
//! for `data_source = 'Storage'`, `unallocated` for the `Platform unallocated` / `Worker unallocated`
//! namespaces and a NULL namespace, else `pod`), and `csi_volume_handle` of the Storage rows comes
//! from the source's raw daily storage usage of the window (persistent volume → the largest
//! non-empty handle seen for it; koku's handles are one per volume).
//!
//! Label columns are re-serialised compactly with sorted keys, as the OCP transform writes them
//! (PostgreSQL's `jsonb::text` orders keys by length first and puts blanks after separators).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
use chrono::NaiveDate;
use koku_common::config::DbConfig;
use koku_common::schema::{ColumnType, OCP_DAILY_SUMMARY, row_kind};

use crate::error::{ExtractError, Result};
use crate::layout::quoted_schema;
use crate::pg;
use crate::window::Window;

/// The label columns (compact sorted JSON text in the dataset). `infrastructure_usage_cost` is
/// kept as PostgreSQL prints it: the OCP transform writes Trino's text of koku's constant, which
/// `jsonb::text` reproduces (same key order, numbers as stored).
const JSON_COLUMNS: &[&str] = &["pod_labels", "volume_labels", "all_labels"];

/// The window's Trino-written rows of `source` (sorted for a deterministic file), with
/// `csi_volume_handle` from `handles` (persistent volume → handle).
pub fn read(
    db: &DbConfig,
    schema: &str,
    source: &str,
    window: &Window,
    handles: &HashMap<String, String>,
) -> Result<RecordBatch> {
    let q = quoted_schema(schema);
    let computed = ["row_kind", "csi_volume_handle"];
    let selected: Vec<(&str, ColumnType)> = OCP_DAILY_SUMMARY
        .columns
        .iter()
        .copied()
        .filter(|(c, _)| !computed.contains(c))
        .collect();
    let exprs: Vec<String> = selected
        .iter()
        .map(|(c, t)| match t {
            ColumnType::Text => format!("{c}::text"),
            ColumnType::Float => format!("{c}::float8"),
            ColumnType::Int32 => format!("{c}::integer"),
            _ => c.to_string(),
        })
        .collect();
    let sql = format!(
        "SELECT {} FROM {q}.reporting_ocpusagelineitem_daily_summary \
         WHERE source_uuid = $1::text::uuid AND usage_start BETWEEN $2 AND $3 \
           AND infrastructure_raw_cost IS NULL AND cost_model_rate_type IS NULL \
           AND monthly_cost_type IS NULL \
         ORDER BY usage_start, data_source, namespace, node, persistentvolumeclaim, persistentvolume, \
                  resource_id, pod_labels::text, volume_labels::text",
        exprs.join(", ")
    );
    let what =
        format!("reading {schema}.reporting_ocpusagelineitem_daily_summary of source {source}");
    let mut client = pg::connect(db)?;
    let mut tx = pg::snapshot(&mut client)?;
    let rows = tx
        .query(sql.as_str(), &[&source, &window.start, &window.end])
        .map_err(|e| ExtractError::db(what.clone(), e))?;
    tx.commit()
        .map_err(|e| ExtractError::db("ending the read-only transaction", e))?;

    let index = |name: &str| {
        selected
            .iter()
            .position(|(c, _)| *c == name)
            .expect("a selected column")
    };
    let text_at = |r: &postgres::Row, i: usize| -> Option<String> { r.get(i) };
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (name, ty) in OCP_DAILY_SUMMARY.columns.iter().copied() {
        let array: ArrayRef = match name {
            "row_kind" => {
                let (ds, ns) = (index("data_source"), index("namespace"));
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| {
                    let data_source = text_at(r, ds);
                    let namespace = text_at(r, ns);
                    if data_source.as_deref() == Some("Storage") {
                        row_kind::STORAGE
                    } else if matches!(
                        namespace.as_deref(),
                        None | Some("Platform unallocated") | Some("Worker unallocated")
                    ) {
                        row_kind::UNALLOCATED
                    } else {
                        row_kind::POD
                    }
                })))
            }
            "csi_volume_handle" => {
                let (ds, pv) = (index("data_source"), index("persistentvolume"));
                Arc::new(StringArray::from(
                    rows.iter()
                        .map(|r| {
                            (text_at(r, ds).as_deref() == Some("Storage"))
                                .then(|| text_at(r, pv))
                                .flatten()
                                .and_then(|pv| handles.get(&pv).cloned())
                        })
                        .collect::<Vec<_>>(),
                ))
            }
            _ => {
                let i = index(name);
                match ty {
                    ColumnType::Text if JSON_COLUMNS.contains(&name) => {
                        let mut values = Vec::with_capacity(rows.len());
                        for (n, r) in rows.iter().enumerate() {
                            values.push(match text_at(r, i) {
                                None => None,
                                Some(t) => Some(compact_sorted(&t).map_err(|e| {
                                    ExtractError::Usage(format!(
                                        "{what}: row {n} (0-based, in the read order), column {name}: {e}"
                                    ))
                                })?),
                            });
                        }
                        Arc::new(StringArray::from(values))
                    }
                    ColumnType::Text => Arc::new(StringArray::from(
                        rows.iter().map(|r| text_at(r, i)).collect::<Vec<_>>(),
                    )),
                    ColumnType::Float => Arc::new(Float64Array::from(
                        rows.iter()
                            .map(|r| r.get::<_, Option<f64>>(i))
                            .collect::<Vec<_>>(),
                    )),
                    ColumnType::Int32 => Arc::new(Int32Array::from(
                        rows.iter()
                            .map(|r| r.get::<_, Option<i32>>(i))
                            .collect::<Vec<_>>(),
                    )),
                    ColumnType::Date => Arc::new(Date32Array::from(
                        rows.iter()
                            .map(|r| r.get::<_, Option<NaiveDate>>(i).map(date32))
                            .collect::<Vec<_>>(),
                    )),
                    other => {
                        return Err(ExtractError::Usage(format!(
                            "{name}: column type {other:?} is not read from PostgreSQL"
                        )));
                    }
                }
            }
        };
        columns.push(array);
    }
    RecordBatch::try_new(OCP_DAILY_SUMMARY.schema(), columns)
        .map_err(|e| ExtractError::arrow(OCP_DAILY_SUMMARY.name, e))
}

/// JSON text with sorted object keys and no blanks.
fn compact_sorted(text: &str) -> std::result::Result<String, serde_json::Error> {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    let v: serde_json::Value = serde_json::from_str(text)?;
    serde_json::to_string(&sort(v))
}

fn date32(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_compact_and_sorted() {
        assert_eq!(
            compact_sorted(r#"{"b": 1, "aa": {"z": [1, {"y": 2, "x": 3}]}, "a": "v"}"#).unwrap(),
            r#"{"a":"v","aa":{"z":[1,{"x":3,"y":2}]},"b":1}"#
        );
        assert!(compact_sorted("{").is_err());
    }
}
