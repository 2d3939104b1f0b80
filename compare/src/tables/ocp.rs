//! `reporting_ocpusagelineitem_daily_summary` (spec ocp-daily-summary §4.4, §4.5, §4.7): three kinds of
//! rows, each with its own natural key.
//!
//! | kind | how it is recognised | key |
//! | --- | --- | --- |
//! | pod | `data_source = 'Pod'`, not unallocated | `usage_start, namespace, node, pod_labels` |
//! | storage | `data_source = 'Storage'` | `usage_start, namespace, node, resource_id, persistentvolumeclaim, persistentvolume, storageclass, volume_labels` |
//! | unallocated | `data_source = 'Pod'`, `pod_labels` NULL, namespace `Platform unallocated`, `Worker unallocated` or NULL | `usage_start, node, namespace, cost_category_id` |
//! | other | any other `data_source` (not written by the summary) | every text, date and label column |
//!
//! The kind is derived from PostgreSQL's columns on both sides (our `row_kind` is not used for it), so
//! both sides are classified by the same rule. Columns and how each compares come from the load's
//! description of the table ([`OCP_DAILY_SUMMARY_TABLE`]): koku-only columns (`uuid`, the cost-model
//! and OCP-on-cloud columns) are never read, our `row_kind` and `csi_volume_handle` are compared only
//! when both sides have them (two work dirs).

use koku_common::schema::OCP_DAILY_SUMMARY_TABLE;
use koku_common::schema::table::RunValue;

use crate::definition::{ColumnSource, OtherStepRows, RowKind, ScopeColumns, TableDef};
use crate::value::{Kind, Value};

pub const POD: RowKind = RowKind {
    index: 0,
    name: "pod",
    key: &["usage_start", "namespace", "node", "pod_labels"],
};

pub const STORAGE: RowKind = RowKind {
    index: 1,
    name: "storage",
    key: &[
        "usage_start",
        "namespace",
        "node",
        "resource_id",
        "persistentvolumeclaim",
        "persistentvolume",
        "storageclass",
        "volume_labels",
    ],
};

pub const UNALLOCATED: RowKind = RowKind {
    index: 2,
    name: "unallocated",
    key: &["usage_start", "node", "namespace", "cost_category_id"],
};

/// A `data_source` the summary does not write.
pub const OTHER: RowKind = RowKind {
    index: 3,
    name: "other",
    key: &[
        "usage_start",
        "data_source",
        "namespace",
        "node",
        "resource_id",
        "persistentvolumeclaim",
        "persistentvolume",
        "storageclass",
        "pod_labels",
        "volume_labels",
        "cost_category_id",
    ],
};

/// Namespaces of the unallocated-capacity rows (spec §4.7).
pub const UNALLOCATED_NAMESPACES: &[&str] = &["Platform unallocated", "Worker unallocated"];

pub const DAILY_SUMMARY: TableDef = TableDef {
    name: OCP_DAILY_SUMMARY_TABLE.name,
    title: "OCP daily summary",
    flows: &["ocp"],
    columns: ColumnSource::Loaded(&OCP_DAILY_SUMMARY_TABLE),
    row_kinds: &[POD, STORAGE, UNALLOCATED, OTHER],
    classify_by: &["data_source", "namespace", "pod_labels"],
    classify,
    // The cost model (`cost_model_rate_type`, `monthly_cost_type`) and OCP on cloud (non-zero
    // `infrastructure_raw_cost`; the same test as koku's delete before the summary insert).
    other_step_rows: Some(OtherStepRows {
        markers: &[
            ("cost_model_rate_type", Kind::Text),
            ("monthly_cost_type", Kind::Text),
            ("infrastructure_raw_cost", Kind::Float),
        ],
        what: "cost-model or OCP-on-cloud",
    }),
    scope: ScopeColumns {
        source: "source_uuid",
        period: Some(("report_period_id", RunValue::ReportPeriodId)),
        day: "usage_start",
    },
    // numeric(33,15)
    default_abs_tol: 1e-15,
};

/// The kind of a row from `data_source`, `namespace` and `pod_labels`.
fn classify(values: &[&Value]) -> RowKind {
    let &[data_source, namespace, pod_labels] = values else {
        unreachable!("classify_by has three columns");
    };
    match data_source.as_text() {
        Some("Storage") => STORAGE,
        Some("Pod") => {
            let unallocated_ns = match namespace {
                Value::Null => true,
                Value::Text(ns) => UNALLOCATED_NAMESPACES.contains(&ns.as_str()),
                _ => false,
            };
            if pod_labels.is_null() && unallocated_ns {
                UNALLOCATED
            } else {
                POD
            }
        }
        _ => OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }
    fn j(s: &str) -> Value {
        Value::json(s).unwrap()
    }

    #[test]
    fn kinds_follow_the_pg_columns() {
        let k = |c| DAILY_SUMMARY.column_kind(c);
        assert_eq!(k("pod_labels"), Some(Kind::Json));
        assert_eq!(k("infrastructure_usage_cost"), Some(Kind::Json));
        assert_eq!(k("source_uuid"), Some(Kind::Uuid));
        assert_eq!(k("usage_start"), Some(Kind::Date));
        assert_eq!(k("cost_category_id"), Some(Kind::Int));
        assert_eq!(k("pod_usage_cpu_core_hours"), Some(Kind::Float));
        assert_eq!(k("row_kind"), Some(Kind::Text));
        assert_eq!(k("infrastructure_raw_cost"), Some(Kind::Float));
        assert_eq!(k("uuid"), None);
        assert_eq!(k("cost_model_cpu_cost"), None);
        // every column of our dataset is compared (when both sides have it), markers never
        let compared = DAILY_SUMMARY.compared_columns();
        assert_eq!(compared.len(), 38);
        assert_eq!(compared[0].0, "row_kind");
        assert!(
            !compared
                .iter()
                .any(|(c, _)| *c == "infrastructure_raw_cost")
        );
    }

    #[test]
    fn classification() {
        let c = |ds: &Value, ns: &Value, pl: &Value| classify(&[ds, ns, pl]);
        assert_eq!(c(&t("Storage"), &t("web"), &Value::Null), STORAGE);
        assert_eq!(c(&t("Pod"), &t("web"), &j("{}")), POD);
        assert_eq!(
            c(&t("Pod"), &t("Worker unallocated"), &Value::Null),
            UNALLOCATED
        );
        assert_eq!(c(&t("Pod"), &Value::Null, &Value::Null), UNALLOCATED);
        // a pod row of a namespace called like that still has labels
        assert_eq!(c(&t("Pod"), &t("Platform unallocated"), &j("{}")), POD);
        assert_eq!(c(&Value::Null, &t("x"), &Value::Null), OTHER);
    }
}
