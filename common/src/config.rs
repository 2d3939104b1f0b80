//! Configuration shared by the stages: the environment names koku's own deployment sets, and the
//! PostgreSQL / S3 connection settings built from flags first, environment second.
//!
//! Secrets (passwords, secret keys) are held here but never formatted: `Display`/`Debug` of these types
//! print a redacted form, so they cannot leak into logs, `run.json` or error messages.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::{Error, Result};

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

/// How to reach koku's PostgreSQL database.
#[derive(Clone)]
pub struct DbConfig {
    config: postgres::Config,
}

impl DbConfig {
    /// From an explicit URL (flag or `DATABASE_URL`), else from koku's variables when any of them is set.
    /// `None` means "no database": the stages then take every PostgreSQL input from flags.
    pub fn resolve(url: Option<&str>) -> Result<Option<DbConfig>> {
        if let Some(url) = url.map(str::to_string).or_else(|| var(env::DATABASE_URL)) {
            let config = postgres::Config::from_str(&url).map_err(|e| {
                Error::Config(format!(
                    "invalid database URL: {}",
                    redact_error(&e.to_string())
                ))
            })?;
            return Ok(Some(DbConfig::with_defaults(config)));
        }
        let service = var(env::DATABASE_SERVICE_NAME);
        if service.is_none()
            && var(env::DATABASE_NAME).is_none()
            && var(env::DATABASE_USER).is_none()
        {
            return Ok(None);
        }
        let prefix = service.unwrap_or_default().to_uppercase().replace('-', "_");
        let host = var(&format!("{prefix}_SERVICE_HOST")).unwrap_or_else(|| "localhost".into());
        let port = var(&format!("{prefix}_SERVICE_PORT")).unwrap_or_else(|| "15432".into());
        let port: u16 = port.parse().map_err(|_| {
            Error::Config(format!(
                "{prefix}_SERVICE_PORT is not a port number: {port:?}"
            ))
        })?;
        let mut config = postgres::Config::new();
        config
            .host(&host)
            .port(port)
            .dbname(&var(env::DATABASE_NAME).unwrap_or_else(|| "postgres".into()))
            .user(&var(env::DATABASE_USER).unwrap_or_else(|| "postgres".into()))
            .password(var(env::DATABASE_PASSWORD).unwrap_or_else(|| "postgres".into()));
        Ok(Some(DbConfig::with_defaults(config)))
    }

    fn with_defaults(mut config: postgres::Config) -> DbConfig {
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("koku-summary-rs");
        DbConfig { config }
    }

    /// Connect (no TLS: koku's in-cluster connections are plain; put a TLS proxy in front otherwise).
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        self.config.connect(postgres::NoTls)
    }
}

impl fmt::Display for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(s) => s.clone(),
                postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .collect();
        write!(
            f,
            "host={} port={} user={} dbname={}",
            hosts.join(","),
            self.config.get_ports().first().copied().unwrap_or(5432),
            self.config.get_user().unwrap_or("?"),
            self.config.get_dbname().unwrap_or("?")
        )?;
        if self.config.get_password().is_some() {
            write!(f, " password=***")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbConfig({self})")
    }
}

/// Remove anything that looks like a password from an error text of the URL parser.
fn redact_error(text: &str) -> String {
    if text.contains("password") {
        "unparsable connection string".into()
    } else {
        text.to_string()
    }
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
    fn database_display_hides_password() {
        let db = DbConfig::resolve(Some("postgresql://koku:hunter2@db.example:5433/koku"))
            .unwrap()
            .unwrap();
        let shown = format!("{db} {db:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("host=db.example port=5433 user=koku dbname=koku password=***"),
            "{shown}"
        );
    }

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
