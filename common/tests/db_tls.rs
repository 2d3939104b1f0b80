//! `DbConfig` against real throwaway PostgreSQL clusters (testkit): TLS by libpq's `sslmode`
//! semantics with certificates generated for the test, koku's `DATABASE_SERVICE_CERT`, and the
//! password sources (`PGPASSWORD`, `DATABASE_PASSWORD`, the password file).
//!
//! The environment is passed to `DbConfig::resolve_with_env` as a map, never set on the process
//! (tests run in parallel threads). `HOME` always points at an empty folder, so the machine's own
//! `~/.pgpass` or `~/.postgresql/root.crt` can play no part.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use koku_common::config::DbConfig;
use koku_common::db::{PasswordSource, SslMode, error_text};
use koku_testkit::pki::TestCa;
use koku_testkit::{PgOptions, Postgres, ServerTls};

/// Files of one test: the right CA, an unrelated CA, and an empty HOME.
struct Files {
    dir: tempfile::TempDir,
    ca: PathBuf,
    wrong_ca: PathBuf,
    ca_pem: String,
}

impl Files {
    fn new(ca: &TestCa) -> Files {
        let dir = tempfile::tempdir().unwrap();
        let ca_path = dir.path().join("ca.crt");
        std::fs::write(&ca_path, &ca.cert_pem).unwrap();
        let wrong_ca = dir.path().join("wrong-ca.crt");
        std::fs::write(&wrong_ca, TestCa::new("some other CA").cert_pem).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Files {
            ca: ca_path,
            wrong_ca,
            ca_pem: ca.cert_pem.clone(),
            dir,
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn write_private(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }
}

/// A TLS cluster whose certificate names `localhost` and `127.0.0.1`, signed by a fresh test CA.
fn tls_server(only: bool, password: Option<&str>) -> (Postgres, Files) {
    let ca = TestCa::new("koku test CA");
    let server = ca.server_cert(&["localhost", "127.0.0.1"]);
    let pg = Postgres::start_with(&PgOptions {
        password: password.map(str::to_string),
        tls: Some(ServerTls {
            cert_pem: server.cert_pem,
            key_pem: server.key_pem,
            only,
            client_ca_pem: None,
        }),
    });
    (pg, Files::new(&ca))
}

fn resolve(url: Option<&str>, files: &Files, vars: &[(&str, &str)]) -> DbConfig {
    try_resolve(url, files, vars).unwrap_or_else(|e| panic!("resolve: {e}"))
}

fn try_resolve(
    url: Option<&str>,
    files: &Files,
    vars: &[(&str, &str)],
) -> koku_common::Result<DbConfig> {
    let mut env: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.entry("HOME".into())
        .or_insert_with(|| files.home().display().to_string());
    DbConfig::resolve_with_env(url, &|name| env.get(name).cloned())
        .map(|db| db.expect("a database is configured"))
}

fn connect_err(db: &DbConfig) -> String {
    match db.connect() {
        Ok(_) => panic!("{db}: connected, but must not"),
        Err(e) => error_text(&e),
    }
}

/// Whether this session is encrypted, as the server sees it.
fn uses_tls(db: &DbConfig) -> bool {
    let mut client = db
        .connect()
        .unwrap_or_else(|e| panic!("{db}: {}", error_text(&e)));
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

fn url(host: &str, pg: &Postgres, query: &str) -> String {
    format!("postgresql://postgres@{host}:{}/postgres?{query}", pg.port)
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn verification_modes_against_a_tls_only_server() {
    let (pg, f) = tls_server(true, None);
    let ca = path(&f.ca);
    let wrong = path(&f.wrong_ca);

    // verify-full: the right CA and a name in the certificate (IP address and DNS name SANs).
    for host in ["127.0.0.1", "localhost"] {
        let db = resolve(
            Some(&url(
                host,
                &pg,
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            )),
            &f,
            &[],
        );
        assert!(uses_tls(&db), "{db}");
        assert_eq!(db.ssl_mode(), SslMode::VerifyFull);
    }

    // The wrong CA fails verify-full and verify-ca, and `require` with a root certificate (libpq: then
    // like verify-ca).
    for mode in ["verify-full", "verify-ca", "require"] {
        let db = resolve(
            Some(&url(
                "127.0.0.1",
                &pg,
                &format!("sslmode={mode}&sslrootcert={wrong}"),
            )),
            &f,
            &[],
        );
        let err = connect_err(&db);
        assert!(
            err.contains("TLS handshake") && err.contains("UnknownIssuer"),
            "{mode}: {err}"
        );
    }

    // The right CA, but a host name the certificate does not hold (the TCP connection still goes to
    // 127.0.0.1 through hostaddr; the name checked is `host`): verify-full fails, verify-ca connects.
    let mismatch = |mode: &str| {
        format!(
            "host=db.test hostaddr=127.0.0.1 port={} user=postgres dbname=postgres sslmode={mode} \
             sslrootcert='{ca}'",
            pg.port
        )
    };
    let err = connect_err(&resolve(Some(&mismatch("verify-full")), &f, &[]));
    assert!(
        err.contains("TLS handshake") && err.contains("not valid for name"),
        "{err}"
    );
    assert!(err.contains("db.test"), "names the host checked: {err}");
    let db = resolve(Some(&mismatch("verify-ca")), &f, &[]);
    assert!(uses_tls(&db));
    assert!(db.to_string().contains("(host name not checked)"), "{db}");

    // require with a root certificate is verify-ca (libpq's rule): the chain, not the name.
    let db = resolve(Some(&mismatch("require")), &f, &[]);
    assert!(db.to_string().contains("(host name not checked)"), "{db}");
    assert!(uses_tls(&db));
    // require without one: encrypted, nothing verified (so the name does not matter).
    let db = resolve(
        Some(&format!(
            "host=db.test hostaddr=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require",
            pg.port
        )),
        &f,
        &[],
    );
    assert!(!db.to_string().contains("sslrootcert"), "{db}");
    assert!(uses_tls(&db));

    // No sslmode: libpq's default `prefer` takes the TLS the server offers.
    let db = resolve(Some(&pg.url("postgres")), &f, &[]);
    assert_eq!(db.ssl_mode(), SslMode::Prefer);
    assert!(uses_tls(&db));

    // disable against a server that only accepts TLS: refused by the server's pg_hba.conf.
    let db = resolve(Some(&url("127.0.0.1", &pg, "sslmode=disable")), &f, &[]);
    let err = connect_err(&db);
    assert!(
        err.contains("pg_hba.conf") && err.contains("no encryption"),
        "{err}"
    );
}

#[test]
fn environment_variables_like_libpq_and_koku() {
    let (pg, f) = tls_server(false, None);
    let ca = path(&f.ca);
    let wrong = path(&f.wrong_ca);
    let port = pg.port.to_string();

    // PGSSLMODE / PGSSLROOTCERT apply to a URL without sslmode ...
    let plain_url = pg.url("postgres");
    let env_full = [
        ("PGSSLMODE", "verify-full"),
        ("PGSSLROOTCERT", wrong.as_str()),
    ];
    let db = resolve(Some(&plain_url), &f, &env_full);
    assert_eq!(db.ssl_mode(), SslMode::VerifyFull);
    assert!(connect_err(&db).contains("UnknownIssuer"));
    let env_right = [("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", ca.as_str())];
    assert!(uses_tls(&resolve(Some(&plain_url), &f, &env_right)));
    // ... and the URL's own settings win over them.
    let db = resolve(
        Some(&url("127.0.0.1", &pg, "sslmode=disable")),
        &f,
        &env_full,
    );
    assert!(!uses_tls(&db), "{db}");
    let db = resolve(
        Some(&url("127.0.0.1", &pg, &format!("sslrootcert={ca}"))),
        &f,
        &env_full,
    );
    assert!(uses_tls(&db));

    // koku's variables: DATABASE_SERVICE_CERT switches to verify-full with the root certificate in
    // DATABASE_SERVICE_CERTFILE (koku/koku/database.py:124-128).
    let koku = |extra: &[(&'static str, String)]| {
        let mut vars: Vec<(&str, String)> = vec![
            ("DATABASE_SERVICE_NAME", "koku-db".into()),
            ("KOKU_DB_SERVICE_HOST", "127.0.0.1".into()),
            ("KOKU_DB_SERVICE_PORT", port.clone()),
            ("DATABASE_NAME", "postgres".into()),
            ("DATABASE_USER", "postgres".into()),
        ];
        vars.extend(extra.iter().cloned());
        vars
    };
    let run = |vars: Vec<(&str, String)>| {
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        resolve(None, &f, &refs)
    };
    // With the file koku's deployment provides.
    let db = run(koku(&[
        ("DATABASE_SERVICE_CERT", f.ca_pem.clone()),
        ("DATABASE_SERVICE_CERTFILE", ca.clone()),
    ]));
    assert_eq!(db.ssl_mode(), SslMode::VerifyFull);
    assert!(uses_tls(&db));
    assert!(
        db.to_string().contains(&format!("sslrootcert={ca}")),
        "{db}"
    );
    // The file wins over the variable's text, as in koku (it only reads the file).
    let db = run(koku(&[
        ("DATABASE_SERVICE_CERT", f.ca_pem.clone()),
        ("DATABASE_SERVICE_CERTFILE", wrong.clone()),
    ]));
    assert!(connect_err(&db).contains("UnknownIssuer"));
    // No such file: the certificate in DATABASE_SERVICE_CERT itself.
    let missing = path(&f.dir.path().join("no-such.pem"));
    let db = run(koku(&[
        ("DATABASE_SERVICE_CERT", f.ca_pem.clone()),
        ("DATABASE_SERVICE_CERTFILE", missing.clone()),
    ]));
    assert!(uses_tls(&db));
    assert!(
        db.to_string()
            .contains("sslrootcert=$DATABASE_SERVICE_CERT"),
        "{db}"
    );
    // The wrong CA in the variable fails.
    let other_ca = std::fs::read_to_string(&f.wrong_ca).unwrap();
    let db = run(koku(&[
        ("DATABASE_SERVICE_CERT", other_ca),
        ("DATABASE_SERVICE_CERTFILE", missing),
    ]));
    assert!(connect_err(&db).contains("UnknownIssuer"));
    // Without DATABASE_SERVICE_CERT koku leaves sslmode to libpq (default prefer).
    let db = run(koku(&[]));
    assert_eq!(db.ssl_mode(), SslMode::Prefer);
    assert!(uses_tls(&db));
}

#[test]
fn prefer_takes_plain_text_from_a_server_without_tls_and_require_does_not() {
    let pg = Postgres::start();
    let ca = TestCa::new("unused CA");
    let f = Files::new(&ca);
    let db = resolve(Some(&pg.url("postgres")), &f, &[]);
    assert!(!uses_tls(&db));
    let db = resolve(Some(&url("127.0.0.1", &pg, "sslmode=require")), &f, &[]);
    let err = connect_err(&db);
    assert!(err.contains("server does not support TLS"), "{err}");
}

#[test]
fn client_certificates_authenticate() {
    let ca = TestCa::new("koku test CA");
    let server = ca.server_cert(&["127.0.0.1"]);
    let client = ca.client_cert("postgres");
    let pg = Postgres::start_with(&PgOptions {
        password: None,
        tls: Some(ServerTls {
            cert_pem: server.cert_pem,
            key_pem: server.key_pem,
            only: true,
            client_ca_pem: Some(ca.cert_pem.clone()),
        }),
    });
    let f = Files::new(&ca);
    let cert = f.write_private("client.crt", &client.cert_pem);
    let key = f.write_private("client.key", &client.key_pem);
    let base = url(
        "127.0.0.1",
        &pg,
        &format!("sslmode=verify-full&sslrootcert={}", path(&f.ca)),
    );
    let with_cert = format!("{base}&sslcert={}&sslkey={}", path(&cert), path(&key));
    assert!(uses_tls(&resolve(Some(&with_cert), &f, &[])));
    // PGSSLCERT / PGSSLKEY work too.
    let db = resolve(
        Some(&base),
        &f,
        &[
            ("PGSSLCERT", path(&cert).as_str()),
            ("PGSSLKEY", path(&key).as_str()),
        ],
    );
    assert!(uses_tls(&db));
    // Without a certificate the server refuses.
    let err = connect_err(&resolve(Some(&base), &f, &[]));
    assert!(err.contains("certificate"), "{err}");
    // A key others may read is refused before connecting, as libpq does.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = try_resolve(Some(&with_cert), &f, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("group or world access") && err.contains("client.key"),
        "{err}"
    );
}

const PASSWORD: &str = "s3cr:et@p/ss";

#[test]
fn passwords_come_from_the_environment_or_a_password_file() {
    // TLS and a password: SCRAM with channel binding over rustls.
    let (pg, f) = tls_server(false, Some(PASSWORD));
    let no_password = url(
        "127.0.0.1",
        &pg,
        &format!("sslmode=verify-full&sslrootcert={}", path(&f.ca)),
    );

    // No password at all: the server's refusal, and nothing printed resembles a password.
    let db = resolve(Some(&no_password), &f, &[]);
    assert_eq!(db.password_source(), None);
    assert!(!db.to_string().contains("password"), "{db}");
    let err = connect_err(&db);
    assert!(err.contains("password"), "{err}");

    // PGPASSWORD, then koku's DATABASE_PASSWORD.
    let db = resolve(Some(&no_password), &f, &[("PGPASSWORD", PASSWORD)]);
    assert_eq!(db.password_source(), Some(PasswordSource::PgPassword));
    assert!(uses_tls(&db));
    let db = resolve(Some(&no_password), &f, &[("DATABASE_PASSWORD", PASSWORD)]);
    assert_eq!(db.password_source(), Some(PasswordSource::DatabasePassword));
    assert!(uses_tls(&db));
    let db = resolve(
        Some(&no_password),
        &f,
        &[("PGPASSWORD", PASSWORD), ("DATABASE_PASSWORD", "wrong")],
    );
    assert_eq!(db.password_source(), Some(PasswordSource::PgPassword));
    assert!(uses_tls(&db));

    // A password file, libpq's format (':' and '\' escaped), 0600.
    let escaped = PASSWORD.replace('\\', "\\\\").replace(':', "\\:");
    let pgpass = f.write_private(
        "pgpass",
        &format!(
            "# a comment\n127.0.0.1:{port}:other:postgres:wrong\n127.0.0.1:{port}:*:postgres:{escaped}\n",
            port = pg.port
        ),
    );
    let db = resolve(
        Some(&no_password),
        &f,
        &[("PGPASSFILE", path(&pgpass).as_str())],
    );
    assert_eq!(db.password_source(), Some(PasswordSource::PasswordFile));
    assert!(uses_tls(&db));
    // The `passfile` keyword names it as well; and ~/.pgpass is the default.
    let db = resolve(
        Some(&format!("{no_password}&passfile={}", path(&pgpass))),
        &f,
        &[],
    );
    assert!(uses_tls(&db));
    std::fs::copy(&pgpass, f.home().join(".pgpass")).unwrap();
    let db = resolve(Some(&no_password), &f, &[]);
    assert_eq!(db.password_source(), Some(PasswordSource::PasswordFile));
    assert!(uses_tls(&db));
    std::fs::remove_file(f.home().join(".pgpass")).unwrap();
    // A password file the group may read is ignored (libpq warns and ignores it).
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o640)).unwrap();
    let db = resolve(
        Some(&no_password),
        &f,
        &[("PGPASSFILE", path(&pgpass).as_str())],
    );
    assert_eq!(db.password_source(), None);

    // koku's variables: DATABASE_PASSWORD; without it PGPASSWORD / the file, then koku's "postgres".
    let port = pg.port.to_string();
    let koku = [
        ("DATABASE_SERVICE_NAME", "db"),
        ("DB_SERVICE_HOST", "127.0.0.1"),
        ("DB_SERVICE_PORT", port.as_str()),
        ("DATABASE_USER", "postgres"),
        ("DATABASE_NAME", "postgres"),
        ("PGSSLMODE", "require"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v = koku.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let db = resolve(None, &f, &with(&[("DATABASE_PASSWORD", PASSWORD)]));
    assert_eq!(db.password_source(), Some(PasswordSource::DatabasePassword));
    assert!(uses_tls(&db));
    let db = resolve(None, &f, &with(&[("PGPASSWORD", PASSWORD)]));
    assert_eq!(db.password_source(), Some(PasswordSource::PgPassword));
    assert!(uses_tls(&db));
    let db = resolve(None, &f, &with(&[]));
    assert_eq!(db.password_source(), Some(PasswordSource::KokuDefault));
    let err = connect_err(&db);
    assert!(err.contains("password authentication failed"), "{err}");

    // The URL's own (percent-encoded) password still works and wins; its Display hides it.
    let encoded = url(
        "127.0.0.1",
        &pg,
        &format!("sslmode=verify-full&sslrootcert={}", path(&f.ca)),
    )
    .replace(
        "postgres@",
        "postgres:s3cr%3Aet%40p%2Fss@", // PASSWORD, percent-encoded
    );
    let db = resolve(Some(&encoded), &f, &[("PGPASSWORD", "wrong")]);
    assert_eq!(db.password_source(), Some(PasswordSource::ConnectionString));
    assert!(uses_tls(&db));
    let shown = format!("{db} {db:?}");
    assert!(shown.contains("password=***"), "{shown}");
    for fragment in ["s3cr", "et@", "p/ss", "%40", "%2F"] {
        assert!(!shown.contains(fragment), "{shown}");
    }
}
