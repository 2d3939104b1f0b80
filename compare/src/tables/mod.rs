//! The tables `koku-compare` knows, one [`TableDef`] each.

pub mod aws;
pub mod ocp;
pub mod ocp_aws;

use std::fmt::Write as _;

use crate::definition::TableDef;
use crate::value::Kind;

/// Every known table.
pub const ALL: &[&TableDef] = &[
    &ocp::DAILY_SUMMARY,
    &aws::DAILY_SUMMARY,
    &ocp_aws::PROJECT_DAILY_SUMMARY,
    &ocp_aws::COST_SUMMARY,
    &ocp_aws::COST_SUMMARY_BY_ACCOUNT,
    &ocp_aws::COST_SUMMARY_BY_REGION,
    &ocp_aws::COST_SUMMARY_BY_SERVICE,
    &ocp_aws::COMPUTE_SUMMARY,
    &ocp_aws::STORAGE_SUMMARY,
    &ocp_aws::NETWORK_SUMMARY,
    &ocp_aws::DATABASE_SUMMARY,
];

/// The table called `table`, or whose partition it is.
pub fn by_name(table: &str) -> Option<&'static TableDef> {
    ALL.iter().copied().find(|d| d.is_named(table))
}

/// The tables the transform of a work-dir flow writes.
pub fn for_flow(flow: &str) -> Vec<&'static TableDef> {
    ALL.iter()
        .copied()
        .filter(|d| d.flows.contains(&flow))
        .collect()
}

/// The known tables and their keys, for `--help`.
pub fn help() -> String {
    let mut s = String::from("Known tables (--table NAME, else the table OURS holds):\n");
    for d in ALL {
        let _ = writeln!(
            s,
            "  {} — {} (work dirs of flow {})",
            d.name,
            d.title,
            d.flows.join(", ")
        );
        for k in d.row_kinds {
            let key: Vec<String> = k
                .key
                .iter()
                .map(|c| match d.column_kind(c) {
                    Some(Kind::TextSet) => format!("{c} (as a set)"),
                    _ => c.to_string(),
                })
                .collect();
            let _ = writeln!(s, "      {} key: {}", k.name, key.join(", "));
        }
        let period = d.scope.period.map_or("no period column", |(p, _)| p);
        let _ = write!(
            s,
            "      scope: {}, {}, {}; --abs-tol default {:e}",
            d.scope.source, period, d.scope.day, d.default_abs_tol
        );
        if let Some(o) = &d.other_step_rows {
            let markers: Vec<&str> = o.markers.iter().map(|(c, _)| *c).collect();
            let _ = write!(
                s,
                "; {} rows ({} set) left out unless --all-rows",
                o.what,
                markers.join(", ")
            );
        }
        s.push('\n');
    }
    s.push_str(
        "\nExamples:\n  \
         koku-compare WORKDIR --database-url postgresql://koku@db:5432/koku\n  \
         koku-compare WORKDIR --csv koku.csv --format json > diff.json\n  \
         koku-compare WORKDIR --database-url URL --table reporting_ocpusagelineitem_daily_summary_2025_10\n",
    );
    s
}
