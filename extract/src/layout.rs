//! koku's object-key layout: which prefix holds which dataset (input-data §2, spec §2.2).
//!
//! Mirrors `masu.util.common.get_path_prefix` with `Config.WAREHOUSE_PATH = "data"` and
//! `Config.PARQUET_DATA_TYPE = "parquet"`:
//!
//! ```text
//! data/parquet[/daily]/<account>/OCP/<report_type>/source=<uuid>/year=<YYYY>/month=<MM>/
//! ```
//!
//! The partition values live only in the key, never in the files, so they are never read back from
//! the data. Keeping this in one place is what lets the local-folder and the S3 source agree.

use koku_common::schema::Dataset;

use crate::error::{ExtractError, Result};

/// `Config.WAREHOUSE_PATH` / `Config.PARQUET_DATA_TYPE`.
const WAREHOUSE: &str = "data/parquet";

/// Check that a tenant schema name is a plain lower-case SQL identifier, so it can be quoted into
/// queries and key prefixes without any escaping question (koku's schema names are `org<digits>` or
/// legacy `acct<digits>`).
pub fn validate_schema_name(schema: &str) -> Result<()> {
    let mut chars = schema.chars();
    let ok = matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && schema.len() <= 63;
    if ok {
        Ok(())
    } else {
        Err(ExtractError::Usage(format!(
            "--schema {schema:?} is not a valid tenant schema name (expected ^[a-z_][a-z0-9_]*$, at most 63 characters)"
        )))
    }
}

/// The schema as a quoted SQL identifier (already validated, so no embedded quotes).
pub fn quoted_schema(schema: &str) -> String {
    format!("\"{schema}\"")
}

/// The `<account>` key segment: the schema name, except that legacy `acct<N>` schemas drop the
/// `acct` prefix (koku's `ParquetReportProcessor.account`: `schema_name[4:]` when it starts with `acct`).
pub fn account(schema: &str) -> &str {
    schema.strip_prefix("acct").unwrap_or(schema)
}

/// Identifies one source's month of Parquet partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// The `<account>` segment (see [`account`]).
    pub account: String,
    /// Provider UUID, lowercase with dashes, as koku writes it into `source=`.
    pub source_uuid: String,
    /// `%Y`.
    pub year: String,
    /// `%m`, zero-padded.
    pub month: String,
}

impl Partition {
    /// The key prefix (ending in `/`) that holds `dataset`, or `None` for datasets that do not come
    /// from Parquet. The trailing slash matters: without it `source=<uuid>` would also match a longer
    /// id sharing the prefix.
    pub fn prefix(&self, dataset: &Dataset) -> Option<String> {
        let p = dataset.parquet()?;
        Some(format!(
            "{WAREHOUSE}{}/{}/{}{}/source={}/year={}/month={}/",
            if p.daily { "/daily" } else { "" },
            self.account,
            p.provider,
            p.report_type.map(|t| format!("/{t}")).unwrap_or_default(),
            self.source_uuid,
            self.year,
            self.month
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use koku_common::schema::{
        ENABLED_TAG_KEYS, POD_USAGE_DAILY, POD_USAGE_HOURLY, STORAGE_USAGE_DAILY,
    };

    #[test]
    fn account_drops_legacy_acct_prefix_only() {
        assert_eq!(account("org1234567"), "org1234567");
        assert_eq!(account("acct10001"), "10001");
        assert_eq!(account("myacct1"), "myacct1");
    }

    #[test]
    fn schema_names_are_checked() {
        for ok in ["org1234567", "acct10001", "_x", "a"] {
            validate_schema_name(ok).unwrap();
        }
        for bad in [
            "",
            "Org1",
            "1org",
            "org-1",
            "org\"; drop",
            "org 1",
            &"a".repeat(64),
        ] {
            let e = validate_schema_name(bad).unwrap_err().to_string();
            assert!(e.contains("--schema"), "{e}");
        }
        assert_eq!(quoted_schema("org1"), "\"org1\"");
    }

    #[test]
    fn prefixes_follow_get_path_prefix() {
        let p = Partition {
            account: account("acct10001").into(),
            source_uuid: "00000000-0000-0000-0000-000000000001".into(),
            year: "2025".into(),
            month: "09".into(),
        };
        assert_eq!(
            p.prefix(&POD_USAGE_HOURLY).unwrap(),
            "data/parquet/10001/OCP/pod_usage/source=00000000-0000-0000-0000-000000000001/year=2025/month=09/"
        );
        assert_eq!(
            p.prefix(&POD_USAGE_DAILY).unwrap(),
            "data/parquet/daily/10001/OCP/pod_usage/source=00000000-0000-0000-0000-000000000001/year=2025/month=09/"
        );
        assert_eq!(
            p.prefix(&STORAGE_USAGE_DAILY).unwrap(),
            "data/parquet/daily/10001/OCP/storage_usage/source=00000000-0000-0000-0000-000000000001/year=2025/month=09/"
        );
        assert_eq!(p.prefix(&ENABLED_TAG_KEYS), None);
    }
}
