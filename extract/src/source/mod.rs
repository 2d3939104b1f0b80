//! Where koku's Parquet objects come from: an S3 bucket (koku's own storage) or a local folder holding
//! the same `data/parquet/...` tree (fixtures, copies, air-gapped runs).
//!
//! Both sources answer the same two questions, so everything above them (layout, decoding, the work
//! dir) is shared and a local run and an S3 run of the same tree produce byte-identical outputs:
//!
//! * [`ObjectSource::list`]: every data file under a prefix, recursively, sorted by key — the set of
//!   files Trino's Hive connector would read for the table partition (`hive.recursive-directories`);
//! * [`ObjectSource::get`]: one whole object as [`Bytes`] (koku's files are one row group of at most
//!   200 000 rows, so a whole-object GET is simpler and no slower than ranged reads).
//!
//! Keys are always relative to the source's root (`data/parquet/...`), whatever bucket prefix or folder
//! the root is; [`ObjectSource::location`] turns a key into the full name used in messages and `run.json`.

pub mod local;
pub mod s3;

use std::path::PathBuf;

use bytes::Bytes;
use futures::future::BoxFuture;

use crate::error::{ExtractError, Result};

pub use local::LocalSource;
pub use s3::S3Source;

/// One listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Key relative to the source root, `/`-separated (`data/parquet/...`).
    pub key: String,
    pub size: u64,
    /// S3 ETag without quotes; `None` for local files.
    pub etag: Option<String>,
}

/// A store of koku's objects.
pub trait ObjectSource: Send + Sync {
    /// The root, for messages and `run.json` (`s3://bucket/prefix`, or a folder). Never holds secrets.
    fn root(&self) -> String;

    /// The full name of `key` (`s3://bucket/prefix/key` or `<folder>/key`).
    fn location(&self, key: &str) -> String;

    /// Every data file under `prefix` (which ends in `/`), recursively, sorted by key. A prefix that
    /// does not exist is an empty list, not an error: koku then simply has no rows of that kind.
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<ObjectMeta>>>;

    /// The whole object. `'static` so that fetches can run ahead on the runtime's worker threads while
    /// the caller decodes the previous object.
    fn get(&self, meta: &ObjectMeta) -> BoxFuture<'static, Result<Bytes>>;
}

/// Whether a key found under `prefix` is a data file Trino would read: a `*.parquet` file none of whose
/// path segments below the prefix is hidden. Trino's Hive connector skips files and directories whose
/// names start with `.` or `_` (Hadoop's hidden-file convention: `_SUCCESS`, `.tmp` uploads, ...).
pub fn is_data_file(prefix: &str, key: &str) -> bool {
    let Some(rest) = key.strip_prefix(prefix) else {
        return false;
    };
    rest.ends_with(".parquet")
        && rest
            .split('/')
            .all(|seg| !seg.is_empty() && !seg.starts_with('.') && !seg.starts_with('_'))
}

/// What `--from` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A local folder holding `data/parquet/...`.
    Local(PathBuf),
    /// A bucket and an optional key prefix (without leading or trailing `/`; empty = bucket root).
    S3 { bucket: String, prefix: String },
}

impl SourceSpec {
    /// Parse `s3://BUCKET[/PREFIX]` or a local folder. `s3://` without a bucket takes
    /// `default_bucket` (koku's `S3_BUCKET_NAME` / `REQUESTED_BUCKET`).
    pub fn parse(from: &str, default_bucket: Option<String>) -> Result<SourceSpec> {
        if let Some(rest) = from.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let bucket = if bucket.is_empty() {
                default_bucket.ok_or_else(|| {
                    ExtractError::Usage(format!(
                        "--from {from:?} names no bucket and neither {} nor {} is set",
                        koku_common::config::env::S3_BUCKET_NAME,
                        koku_common::config::env::REQUESTED_BUCKET
                    ))
                })?
            } else {
                bucket.to_string()
            };
            Ok(SourceSpec::S3 {
                bucket,
                prefix: prefix.trim_matches('/').to_string(),
            })
        } else if from.contains("://") {
            Err(ExtractError::Usage(format!(
                "--from {from:?}: only s3:// URLs and local folders are supported"
            )))
        } else {
            Ok(SourceSpec::Local(PathBuf::from(from)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_files_are_parquet_and_not_hidden() {
        let p = "data/parquet/x/month=10/";
        assert!(is_data_file(p, "data/parquet/x/month=10/a.parquet"));
        assert!(is_data_file(p, "data/parquet/x/month=10/sub/a.parquet"));
        assert!(!is_data_file(p, "data/parquet/x/month=10/a.csv"));
        assert!(!is_data_file(p, "data/parquet/x/month=10/_SUCCESS"));
        assert!(!is_data_file(p, "data/parquet/x/month=10/.a.parquet"));
        assert!(!is_data_file(p, "data/parquet/x/month=10/_tmp/a.parquet"));
        assert!(!is_data_file(p, "data/parquet/x/month=1/a.parquet"));
    }

    #[test]
    fn from_is_parsed() {
        assert_eq!(
            SourceSpec::parse("s3://koku-report", None).unwrap(),
            SourceSpec::S3 {
                bucket: "koku-report".into(),
                prefix: "".into()
            }
        );
        assert_eq!(
            SourceSpec::parse("s3://b/some/prefix/", None).unwrap(),
            SourceSpec::S3 {
                bucket: "b".into(),
                prefix: "some/prefix".into()
            }
        );
        assert_eq!(
            SourceSpec::parse("s3://", Some("env-bucket".into())).unwrap(),
            SourceSpec::S3 {
                bucket: "env-bucket".into(),
                prefix: "".into()
            }
        );
        let e = SourceSpec::parse("s3://", None).unwrap_err().to_string();
        assert!(e.contains("S3_BUCKET_NAME"), "{e}");
        assert!(SourceSpec::parse("gs://x", None).is_err());
        assert_eq!(
            SourceSpec::parse("/tmp/tree", None).unwrap(),
            SourceSpec::Local("/tmp/tree".into())
        );
    }
}
