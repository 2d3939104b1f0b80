//! Configuration shared by the stages: the environment names koku's own deployment sets, and the
//! S3 connection settings built from flags first, environment second (PostgreSQL: [`crate::db`]).
//!
//! Secrets (passwords, secret keys) are held here but never formatted: `Display`/`Debug` of these types
//! print a redacted form, so they cannot leak into logs, `run.json` or error messages.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

/// The database settings live in [`crate::db`]; re-exported here where the stages look for them.
pub use crate::db::DbConfig;

/// Environment variable names, as koku's settings (`koku/koku/settings.py`, `configurator.py`) read them.
pub mod env {
    /// A libpq URL or key/value string; wins over the koku-style variables below.
    pub const DATABASE_URL: &str = "DATABASE_URL";
    /// koku: the host is `<SERVICE>_SERVICE_HOST`, the port `<SERVICE>_SERVICE_PORT`, where `<SERVICE>`
    /// is this value upper-cased with `-` replaced by `_`.
    pub const DATABASE_SERVICE_NAME: &str = "DATABASE_SERVICE_NAME";
    pub const DATABASE_NAME: &str = "DATABASE_NAME";
    pub const DATABASE_USER: &str = "DATABASE_USER";
    pub const DATABASE_PASSWORD: &str = "DATABASE_PASSWORD";
    /// koku: when set (a CA certificate), connect with `sslmode=verify-full` and
    /// `sslrootcert=$DATABASE_SERVICE_CERTFILE` (koku/koku/database.py:124-128).
    pub const DATABASE_SERVICE_CERT: &str = "DATABASE_SERVICE_CERT";
    pub const DATABASE_SERVICE_CERTFILE: &str = "DATABASE_SERVICE_CERTFILE";
    /// koku's default for `DATABASE_SERVICE_CERTFILE` (koku/koku/configurator.py:353).
    pub const DEFAULT_DATABASE_SERVICE_CERTFILE: &str = "/etc/ssl/certs/server.pem";
    pub const S3_ENDPOINT: &str = "S3_ENDPOINT";
    pub const S3_ACCESS_KEY: &str = "S3_ACCESS_KEY";
    pub const S3_SECRET: &str = "S3_SECRET";
    pub const S3_REGION: &str = "S3_REGION";
    pub const S3_BUCKET_NAME: &str = "S3_BUCKET_NAME";
    pub const REQUESTED_BUCKET: &str = "REQUESTED_BUCKET";
    pub const S3_CONNECTION_TIMEOUT: &str = "S3_CONNECTION_TIMEOUT";
    /// Tenant schema override for `koku-load` (otherwise taken from `run.json`).
    pub const KOKU_SCHEMA: &str = "KOKU_SCHEMA";
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A secret string that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// S3 settings; the client itself is built by `koku-extract`.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// Custom endpoint (`http://127.0.0.1:9000`); `None` = AWS's own endpoints for the region.
    pub endpoint: Option<String>,
    pub region: String,
    /// Static keys; `None` = the default AWS credential chain (env, profile, web identity, IMDS).
    pub access_key: Option<String>,
    pub secret_key: Option<Secret>,
    pub timeout: Duration,
    pub max_attempts: u32,
    /// Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible servers.
    pub path_style: bool,
    /// The endpoint was given without a scheme and `https://` was added (so a TLS failure can say so).
    pub scheme_added: bool,
}

impl S3Config {
    /// Flags override the environment; koku adds `https://` to an endpoint without a scheme.
    pub fn resolve(
        endpoint: Option<String>,
        region: Option<String>,
        access_key: Option<String>,
        secret_key: Option<String>,
        timeout_secs: Option<u64>,
    ) -> Result<S3Config> {
        let given = endpoint.or_else(|| var(env::S3_ENDPOINT));
        let scheme_added = given
            .as_deref()
            .is_some_and(|e| !e.starts_with("http://") && !e.starts_with("https://"));
        let endpoint = given.map(|e| {
            if scheme_added {
                format!("https://{e}")
            } else {
                e
            }
        });
        let timeout = match timeout_secs {
            Some(t) => t,
            None => match var(env::S3_CONNECTION_TIMEOUT) {
                Some(t) => t.parse().map_err(|_| {
                    Error::Config(format!(
                        "{} is not a number of seconds: {t:?}",
                        env::S3_CONNECTION_TIMEOUT
                    ))
                })?,
                None => 60,
            },
        };
        let access_key = access_key.or_else(|| var(env::S3_ACCESS_KEY));
        let secret_key = secret_key.or_else(|| var(env::S3_SECRET)).map(Secret::new);
        if access_key.is_some() != secret_key.is_some() {
            return Err(Error::Config(format!(
                "set both {} and {} (or neither, to use the default AWS credential chain)",
                env::S3_ACCESS_KEY,
                env::S3_SECRET
            )));
        }
        Ok(S3Config {
            scheme_added,
            path_style: endpoint.is_some(),
            endpoint,
            region: region
                .or_else(|| var(env::S3_REGION))
                .unwrap_or_else(|| "us-east-1".into()),
            access_key,
            secret_key,
            timeout: Duration::from_secs(timeout),
            max_attempts: 3,
        })
    }

    /// Bucket from the environment when `--from s3://` names none.
    pub fn default_bucket() -> Option<String> {
        var(env::S3_BUCKET_NAME).or_else(|| var(env::REQUESTED_BUCKET))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("topsecret");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(s.expose(), "topsecret");
    }

    #[test]
    fn s3_endpoint_gets_scheme_like_koku() {
        let c = S3Config::resolve(Some("minio:9000".into()), None, None, None, Some(5)).unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("https://minio:9000"));
        assert!(c.path_style && c.scheme_added);
        let c =
            S3Config::resolve(Some("http://minio:9000".into()), None, None, None, Some(5)).unwrap();
        assert!(!c.scheme_added);
        let err = S3Config::resolve(None, None, Some("AK".into()), None, Some(5)).unwrap_err();
        assert!(err.to_string().contains("S3_SECRET"), "{err}");
    }
}
