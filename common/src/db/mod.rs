//! How to reach koku's PostgreSQL: a libpq connection string (flag or `DATABASE_URL`) or koku's own
//! `DATABASE_*` variables, with libpq's TLS settings and password sources.
//!
//! * Connection string: both libpq syntaxes (`postgresql://…` and `key=value`), parsed by libpq's
//!   rules in [`conninfo`]; `sslmode`, `sslrootcert`, `sslcert`, `sslkey` and `passfile` are handled
//!   here, the rest by `postgres::Config`. A URL whose unencoded password would spill into the host or
//!   database name is refused without being quoted.
//! * TLS: [`tls`] (libpq's `sslmode` semantics on rustls). The keyword wins over `PGSSLMODE` /
//!   `PGSSLROOTCERT` / `PGSSLCERT` / `PGSSLKEY`; the default mode is libpq's `prefer`.
//! * Password, when the connection string has none: `PGPASSWORD`, then koku's `DATABASE_PASSWORD`,
//!   then the password file ([`passfile`]: `passfile` keyword, else `PGPASSFILE`, else `~/.pgpass`).
//!   So no password needs to be on a command line, where `ps` shows it to every user.
//! * koku's variables: as koku's `EnvConfigurator` reads them (host/port from
//!   `<DATABASE_SERVICE_NAME>_SERVICE_HOST/_PORT`, defaults `localhost`, `15432`, `postgres`), and
//!   `DATABASE_SERVICE_CERT` switches to `verify-full` like koku does.
//!
//! `Display`/`Debug` never show a password.

mod conninfo;
mod passfile;
mod tls;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::config::env;
use crate::error::{Error, Result};

pub use tls::SslMode;
use tls::{RootSource, Tls, TlsRequest};

/// libpq's environment variables read here (the connection string's keywords win over them).
pub mod pg_env {
    pub const PGPASSWORD: &str = "PGPASSWORD";
    pub const PGPASSFILE: &str = "PGPASSFILE";
    pub const PGSSLMODE: &str = "PGSSLMODE";
    pub const PGSSLROOTCERT: &str = "PGSSLROOTCERT";
    pub const PGSSLCERT: &str = "PGSSLCERT";
    pub const PGSSLKEY: &str = "PGSSLKEY";
}

/// Where the password came from (logged at debug level, never the password itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    ConnectionString,
    PgPassword,
    DatabasePassword,
    PasswordFile,
    /// koku's `Configurator.get_database_password` default, `postgres`.
    KokuDefault,
}

/// How to reach koku's PostgreSQL database.
#[derive(Clone)]
pub struct DbConfig {
    config: postgres::Config,
    tls: Tls,
    password_source: Option<PasswordSource>,
}

/// Explicit settings gathered from a connection string or koku's variables, before the environment's
/// defaults are applied.
#[derive(Default)]
struct Explicit {
    /// From koku's variables rather than a connection string (changes the password order).
    koku: bool,
    password: Option<(String, PasswordSource)>,
    sslmode: Option<String>,
    sslrootcert: Option<RootSource>,
    sslcert: Option<String>,
    sslkey: Option<String>,
    passfile: Option<String>,
}

impl DbConfig {
    /// From an explicit URL (flag or `DATABASE_URL`), else from koku's variables when any of them is set.
    /// `None` means "no database": the stages then take every PostgreSQL input from flags.
    pub fn resolve(url: Option<&str>) -> Result<Option<DbConfig>> {
        DbConfig::resolve_with_env(url, &|name| std::env::var(name).ok())
    }

    /// [`DbConfig::resolve`] with the environment read through `env` (tests, embedding). `url` is
    /// taken to come from the command line: a password in it is warned about.
    pub fn resolve_with_env(
        url: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<DbConfig>> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let (config, explicit) = match url {
            Some(text) => {
                let parsed = from_connection_string(text)?;
                if parsed.1.password.is_some() {
                    tracing::warn!(
                        "the database password is on the command line (--database-url), where any \
                         user can read it with ps; give it by PGPASSWORD, DATABASE_PASSWORD or a \
                         password file (PGPASSFILE) instead"
                    );
                }
                parsed
            }
            None => match env(env::DATABASE_URL) {
                Some(text) => from_connection_string(&text)?,
                None => match from_koku_variables(&env)? {
                    Some(parsed) => parsed,
                    None => return Ok(None),
                },
            },
        };
        Ok(Some(DbConfig::finish(config, explicit, &env)?))
    }

    fn finish(
        mut config: postgres::Config,
        explicit: Explicit,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<DbConfig> {
        let home = env("HOME").map(PathBuf::from);
        let mode = match explicit.sslmode.or_else(|| env(pg_env::PGSSLMODE)) {
            Some(m) => SslMode::parse(&m).ok_or_else(|| {
                Error::Config(format!(
                    "database: sslmode {m:?} is not one of {}",
                    SslMode::NAMES
                ))
            })?,
            None => SslMode::Prefer,
        };
        let tls = Tls::build(TlsRequest {
            mode,
            root: explicit
                .sslrootcert
                .or_else(|| env(pg_env::PGSSLROOTCERT).map(|p| RootSource::File(p.into()))),
            default_root: home.as_ref().map(|h| h.join(".postgresql/root.crt")),
            client_cert: explicit
                .sslcert
                .or_else(|| env(pg_env::PGSSLCERT))
                .map(PathBuf::from),
            client_key: explicit
                .sslkey
                .or_else(|| env(pg_env::PGSSLKEY))
                .map(PathBuf::from),
        })
        .map_err(|m| Error::Config(format!("database TLS: {m}")))?;
        // libpq never uses TLS over a Unix socket (the server would refuse it); tokio-postgres would
        // fail a `require` there instead.
        let only_unix_sockets = !config.get_hosts().is_empty()
            && config.get_hostaddrs().is_empty()
            && config
                .get_hosts()
                .iter()
                .all(|h| !matches!(h, postgres::config::Host::Tcp(_)));
        config.ssl_mode(if only_unix_sockets {
            postgres::config::SslMode::Disable
        } else {
            mode.for_tokio_postgres()
        });

        let passfile = explicit
            .passfile
            .map(PathBuf::from)
            .or_else(|| env(pg_env::PGPASSFILE).map(PathBuf::from))
            .or_else(|| home.map(|h| h.join(".pgpass")));
        let password = explicit
            .password
            .or_else(|| password_from_env(env, explicit.koku))
            .or_else(|| {
                let p = password_from_file(&config, passfile.as_deref()?)?;
                Some((p, PasswordSource::PasswordFile))
            })
            // koku always sends a password, "postgres" by default (configurator.py:329-331).
            .or_else(|| {
                explicit
                    .koku
                    .then(|| ("postgres".to_string(), PasswordSource::KokuDefault))
            });
        let password_source = password.map(|(p, source)| {
            config.password(p);
            source
        });
        let mut db = DbConfig {
            config,
            tls,
            password_source,
        };
        if db.config.get_connect_timeout().is_none() {
            db.config.connect_timeout(Duration::from_secs(10));
        }
        if db.config.get_application_name().is_none() {
            db.config.application_name("koku-summary-rs");
        }
        if let Some(source) = db.password_source {
            tracing::debug!(?source, "database password");
        }
        Ok(db)
    }

    /// The TLS mode asked for (libpq's name).
    pub fn ssl_mode(&self) -> SslMode {
        self.tls.mode
    }

    /// Where the password came from, if there is one.
    pub fn password_source(&self) -> Option<PasswordSource> {
        self.password_source
    }

    /// Connect, with TLS as `sslmode` asks (see [`tls`]).
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        match &self.tls.connector {
            Some(connector) => self.config.connect(connector.clone()),
            None => self.config.connect(postgres::NoTls),
        }
    }
}

/// A PostgreSQL client error with its causes on one line. tokio-postgres's `Display` gives only the
/// kind ("error performing TLS handshake", "db error", "invalid configuration"); the reason
/// ("invalid peer certificate: UnknownIssuer", the server's message, "password missing") is in the
/// source chain.
pub fn error_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text.push_str(": ");
            text.push_str(&c_text);
        }
        cause = c.source();
    }
    text.replace('\n', " ")
}

/// The password from the environment: libpq's `PGPASSWORD` first for a connection string, koku's
/// `DATABASE_PASSWORD` first for koku's variables.
fn password_from_env(
    env: &dyn Fn(&str) -> Option<String>,
    koku: bool,
) -> Option<(String, PasswordSource)> {
    let pg = (pg_env::PGPASSWORD, PasswordSource::PgPassword);
    let koku_var = (env::DATABASE_PASSWORD, PasswordSource::DatabasePassword);
    let order = if koku { [koku_var, pg] } else { [pg, koku_var] };
    order
        .into_iter()
        .find_map(|(name, source)| env(name).map(|p| (p, source)))
}

/// libpq matches the password file against the first host (name, else address), its port, the
/// database (default: the user) and the user. With several hosts, only the first one's entry is
/// used here (`postgres::Config` holds one password).
fn password_from_file(config: &postgres::Config, path: &std::path::Path) -> Option<String> {
    let user = config.get_user()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => config.get_hostaddrs().first()?.to_string(),
    };
    passfile::lookup(
        path,
        &passfile::Target {
            host: &host,
            port: config.get_ports().first().copied().unwrap_or(5432),
            dbname: config.get_dbname().unwrap_or(user),
            user,
        },
    )
}

/// A libpq URL or `key=value` string: `postgres::Config` for the keywords it knows, the rest aside.
fn from_connection_string(text: &str) -> Result<(postgres::Config, Explicit)> {
    let pairs =
        conninfo::parse(text).map_err(|m| Error::Config(format!("invalid database URL: {m}")))?;
    let mut explicit = Explicit::default();
    // Later settings win (libpq); tokio-postgres would append a repeated `host` instead.
    let mut passed_on: Vec<(String, String)> = Vec::new();
    for (key, value) in pairs {
        match key.as_str() {
            "password" => explicit.password = Some((value, PasswordSource::ConnectionString)),
            "sslmode" => explicit.sslmode = Some(value),
            "sslrootcert" => explicit.sslrootcert = Some(RootSource::File(value.into())),
            "sslcert" => explicit.sslcert = Some(value),
            "sslkey" => explicit.sslkey = Some(value),
            "passfile" => explicit.passfile = Some(value),
            _ => {
                passed_on.retain(|(k, _)| *k != key);
                passed_on.push((key, value));
            }
        }
    }
    let text: Vec<String> = passed_on
        .iter()
        .map(|(k, v)| format!("{k}={}", conninfo::quote(v)))
        .collect();
    // Every value is quoted and every keyword known, so the only possible error is an invalid value,
    // which tokio-postgres reports by the option's name alone.
    let config = postgres::Config::from_str(&text.join(" "))
        .map_err(|e| Error::Config(format!("invalid database URL: {}", error_text(&e))))?;
    Ok((config, explicit))
}

/// koku's `EnvConfigurator` (koku/koku/configurator.py:318-353) and `database.config()`
/// (koku/koku/database.py:98-130). `None` when none of koku's database variables is set.
fn from_koku_variables(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(postgres::Config, Explicit)>> {
    let service = env(env::DATABASE_SERVICE_NAME);
    if service.is_none() && env(env::DATABASE_NAME).is_none() && env(env::DATABASE_USER).is_none() {
        return Ok(None);
    }
    let prefix = service.unwrap_or_default().to_uppercase().replace('-', "_");
    let host = env(&format!("{prefix}_SERVICE_HOST")).unwrap_or_else(|| "localhost".into());
    let port = env(&format!("{prefix}_SERVICE_PORT")).unwrap_or_else(|| "15432".into());
    let port: u16 = port.parse().map_err(|_| {
        Error::Config(format!(
            "{prefix}_SERVICE_PORT is not a port number: {port:?}"
        ))
    })?;
    let mut config = postgres::Config::new();
    config
        .host(&host)
        .port(port)
        .dbname(&env(env::DATABASE_NAME).unwrap_or_else(|| "postgres".into()))
        .user(&env(env::DATABASE_USER).unwrap_or_else(|| "postgres".into()));
    // koku always sends DATABASE_PASSWORD (default "postgres"); `finish` tries PGPASSWORD and the
    // password file before that default, so a deployment can keep the password out of the
    // environment too.
    let mut explicit = Explicit {
        koku: true,
        ..Explicit::default()
    };
    // koku: a CA in DATABASE_SERVICE_CERT means sslmode=verify-full with sslrootcert =
    // DATABASE_SERVICE_CERTFILE (default /etc/ssl/certs/server.pem) — database.py:124-128,
    // configurator.py:346-353. koku reads the file, which its deployment provides; when that file
    // does not exist here, the certificate text of DATABASE_SERVICE_CERT itself is used (in memory,
    // nothing is written).
    if env(env::DATABASE_SERVICE_CERT).is_some() {
        let file = PathBuf::from(
            env(env::DATABASE_SERVICE_CERTFILE)
                .unwrap_or_else(|| env::DEFAULT_DATABASE_SERVICE_CERTFILE.into()),
        );
        explicit.sslmode = Some("verify-full".into());
        explicit.sslrootcert = Some(if file.exists() {
            RootSource::File(file)
        } else {
            RootSource::EnvPem {
                var: env::DATABASE_SERVICE_CERT,
                pem: env(env::DATABASE_SERVICE_CERT).unwrap_or_default(),
            }
        });
    }
    Ok(Some((config, explicit)))
}

impl fmt::Display for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(s) => s.clone(),
                postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .collect();
        if hosts.is_empty() {
            hosts = self
                .config
                .get_hostaddrs()
                .iter()
                .map(|a| a.to_string())
                .collect();
        }
        write!(
            f,
            "host={} port={} user={} dbname={}",
            hosts.join(","),
            self.config.get_ports().first().copied().unwrap_or(5432),
            self.config.get_user().unwrap_or("?"),
            self.config
                .get_dbname()
                .or(self.config.get_user())
                .unwrap_or("?")
        )?;
        if self.config.get_password().is_some() {
            write!(f, " password=***")?;
        }
        write!(f, " sslmode={}", self.tls.mode.as_str())?;
        if let Some(roots) = &self.tls.roots {
            write!(f, " sslrootcert={roots}")?;
            if !self.tls.verify_host {
                write!(f, " (host name not checked)")?;
            }
        }
        if let Some(cert) = &self.tls.client_cert {
            write!(f, " sslcert={}", cert.display())?;
        }
        Ok(())
    }
}

impl fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbConfig({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(url: Option<&str>, vars: &[(&str, &str)]) -> Result<DbConfig> {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DbConfig::resolve_with_env(url, &|name| env.get(name).cloned()).map(Option::unwrap)
    }

    #[test]
    fn display_hides_the_password_and_shows_tls() {
        let db = resolve(
            Some("postgresql://koku:hunter2@db.example:5433/koku?sslmode=require"),
            &[],
        )
        .unwrap();
        let shown = format!("{db} {db:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains(
                "host=db.example port=5433 user=koku dbname=koku password=*** sslmode=require"
            ),
            "{shown}"
        );
        assert_eq!(db.password_source(), Some(PasswordSource::ConnectionString));
    }

    #[test]
    fn a_password_with_at_or_slash_never_shows_in_any_message() {
        // The password is `p@ss/w@rd`, unencoded. However the URL is given (flag, DATABASE_URL), every
        // text that comes out must be free of every piece of it.
        let url = "postgresql://koku:p@ss/w@rd@db.example:5432/koku";
        let check = |text: &str| {
            for fragment in ["p@ss", "ss/w", "w@rd", "rd@db", "@rd"] {
                assert!(!text.contains(fragment), "{fragment:?} in {text}");
            }
            // Not even the host: what libpq would take for it (`ss`) is a piece of the password.
            assert!(!text.contains("host=ss"), "{text}");
        };
        for result in [
            resolve(Some(url), &[]),
            resolve(None, &[("DATABASE_URL", url)]),
            resolve(Some("postgresql://koku:p/ss@db.example/koku"), &[]),
        ] {
            let err = result.unwrap_err();
            let text = format!("{err} {err:?}");
            check(&text);
            assert!(text.contains("percent-encode"), "{text}");
        }
        // Percent-encoded, the same password is fine and is never shown either.
        let db = resolve(
            Some("postgresql://koku:p%40ss%2Fw%40rd@db.example:5432/koku"),
            &[],
        )
        .unwrap();
        let text = format!("{db} {db:?}");
        check(&text);
        assert!(text.contains("host=db.example"), "{text}");
        // A key=value string with the password unquoted around a space: refused, not quoted.
        let err = resolve(Some("host=db.example password=p@ss w@rd user=koku"), &[]).unwrap_err();
        check(&format!("{err} {err:?}"));
    }

    #[test]
    fn bad_settings_are_named() {
        let err = resolve(Some("postgresql://h/db?sslmode=verify_full"), &[]).unwrap_err();
        assert!(
            err.to_string().contains("\"verify_full\" is not one of"),
            "{err}"
        );
        let err = resolve(Some("postgresql://h/db"), &[("PGSSLMODE", "sometimes")]).unwrap_err();
        assert!(err.to_string().contains("\"sometimes\""), "{err}");
        let err = resolve(Some("postgresql://h:x/db"), &[]).unwrap_err();
        assert!(err.to_string().contains("`port`"), "{err}");
        let err = resolve(
            None,
            &[
                ("DATABASE_NAME", "koku"),
                ("DATABASE_SERVICE_CERT", "not a certificate"),
                ("DATABASE_SERVICE_CERTFILE", "/nonexistent/server.pem"),
            ],
        )
        .unwrap_err();
        assert!(err.to_string().contains("$DATABASE_SERVICE_CERT"), "{err}");
    }

    #[test]
    fn repeated_settings_take_the_last_like_libpq() {
        // tokio-postgres would append a second `host`; libpq takes the later one.
        let db = resolve(Some("postgresql://first:5433/db?host=second&user=u"), &[]).unwrap();
        assert!(
            db.to_string()
                .starts_with("host=second port=5433 user=u dbname=db"),
            "{db}"
        );
    }

    #[test]
    fn koku_variables_keep_koku_defaults() {
        let db = resolve(None, &[("DATABASE_SERVICE_NAME", "koku-db")]).unwrap();
        assert_eq!(
            db.to_string(),
            "host=localhost port=15432 user=postgres dbname=postgres password=*** sslmode=prefer"
        );
        assert_eq!(db.password_source(), Some(PasswordSource::KokuDefault));
        assert!(
            DbConfig::resolve_with_env(None, &|_| None)
                .unwrap()
                .is_none()
        );
    }
}
