//! Real services for tests, never mocks: a throwaway PostgreSQL cluster made with the installed server
//! binaries (`initdb` into a temp dir, a free port on 127.0.0.1, stopped on drop) and a local
//! S3-compatible server (moto, installed by `scripts/setup.sh`) on 127.0.0.1.
//!
//! Locating the binaries:
//! * PostgreSQL: `KOKU_PG_BIN` or the newest `/usr/lib/postgresql/*/bin` (Debian's layout);
//! * S3: `KOKU_MOTO_SERVER` or `.cache/venv/bin/moto_server` at the workspace root.
//!
//! When run as root, the cluster is created and run as the `postgres` user (initdb refuses root).
//!
//! [`Postgres::start_with`] makes clusters that ask for a password or speak TLS (certificates from
//! [`pki`]); the test's own administrative connections ([`Postgres::connect`]) go through the
//! cluster's Unix socket, which always trusts.

pub mod faultproxy;
pub mod koku_schema;
pub mod pki;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (this crate lives in `<root>/testkit`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A free TCP port on 127.0.0.1 (bind to port 0, read it back, release it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not open 127.0.0.1:{port} within {timeout:?}");
}

fn is_root() -> bool {
    // SAFETY-free check: `id -u` avoids a libc dependency.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn pg_bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("KOKU_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server binaries (initdb) found; run scripts/setup.sh or set KOKU_PG_BIN"
        )
    })
}

/// How a throwaway cluster authenticates TCP clients on 127.0.0.1 (the Unix socket always trusts).
#[derive(Clone, Default)]
pub struct PgOptions {
    /// Require this password (scram-sha-256) from user `postgres`.
    pub password: Option<String>,
    /// Serve TLS.
    pub tls: Option<ServerTls>,
}

/// TLS settings of a throwaway cluster.
#[derive(Clone)]
pub struct ServerTls {
    pub cert_pem: String,
    pub key_pem: String,
    /// Refuse connections without TLS (`hostssl` + `hostnossl ... reject` in pg_hba.conf).
    pub only: bool,
    /// Authenticate by client certificate signed by this CA (`cert`), instead of password/trust.
    pub client_ca_pem: Option<String>,
}

/// A throwaway PostgreSQL cluster listening on 127.0.0.1:`port`, user `postgres` (trust auth unless
/// [`PgOptions`] say otherwise).
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_postgres_user: bool,
    stopped: bool,
    /// The server options it was started with (for [`Postgres::restart`]).
    server_options: String,
}

impl Postgres {
    /// initdb + start. Tuned for tests (fsync off): never for real data.
    pub fn start() -> Postgres {
        Postgres::start_with(&PgOptions::default())
    }

    /// initdb + start with a password and/or TLS.
    pub fn start_with(options: &PgOptions) -> Postgres {
        let bin = pg_bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("koku-pg-")
            .tempdir()
            .unwrap();
        let as_postgres_user = is_root();
        let data = dir.path().join("data");
        let mut pg = Postgres {
            dir,
            bin,
            port: 0,
            as_postgres_user,
            stopped: true,
            server_options: String::new(),
        };
        let mut extra = String::new();
        if let Some(tls) = &options.tls {
            pg.write_private("server.crt", &tls.cert_pem);
            pg.write_private("server.key", &tls.key_pem);
            extra.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={0}/server.crt -c ssl_key_file={0}/server.key",
                pg.dir.path().display()
            ));
            if let Some(ca) = &tls.client_ca_pem {
                pg.write_private("client-ca.crt", ca);
                extra.push_str(&format!(
                    " -c ssl_ca_file={}/client-ca.crt",
                    pg.dir.path().display()
                ));
            }
        }
        if as_postgres_user {
            let st = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(pg.dir.path())
                .status()
                .unwrap();
            assert!(st.success(), "chown of the test cluster dir failed");
        }
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
        );
        if options.password.is_some() || options.tls.is_some() {
            pg.write_hba(&data, options);
        }
        for _ in 0..5 {
            let port = free_port();
            let opts = format!(
                "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_wal_size=2GB{extra}",
                pg.dir.path().display()
            );
            let log = pg.dir.path().join("log");
            let ok = pg.try_run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-l",
                    log.to_str().unwrap(),
                    "-w",
                    "-t",
                    "30",
                    "-o",
                    &opts,
                    "start",
                ],
            );
            if ok {
                pg.port = port;
                pg.stopped = false;
                pg.server_options = opts;
                wait_for_port(port, "PostgreSQL", Duration::from_secs(10));
                if let Some(password) = &options.password {
                    pg.connect("postgres")
                        .batch_execute(&format!(
                            "ALTER ROLE postgres PASSWORD '{}'",
                            password.replace('\'', "''")
                        ))
                        .unwrap();
                }
                return pg;
            }
        }
        let log = std::fs::read_to_string(pg.dir.path().join("log")).unwrap_or_default();
        panic!("PostgreSQL did not start:\n{log}");
    }

    /// A file only its owner may read (PostgreSQL refuses a key others can read).
    fn write_private(&self, name: &str, text: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    fn write_hba(&self, data: &Path, options: &PgOptions) {
        let method = match (&options.tls, &options.password) {
            (
                Some(ServerTls {
                    client_ca_pem: Some(_),
                    ..
                }),
                _,
            ) => "cert",
            (_, Some(_)) => "scram-sha-256",
            _ => "trust",
        };
        let only_tls = options.tls.as_ref().is_some_and(|t| t.only);
        let mut hba = String::from("local all all trust\n");
        if only_tls {
            hba.push_str(&format!("hostssl all all 127.0.0.1/32 {method}\n"));
            hba.push_str("hostnossl all all 127.0.0.1/32 reject\n");
        } else {
            hba.push_str(&format!("host all all 127.0.0.1/32 {method}\n"));
        }
        // The data dir belongs to `postgres` when run as root: so must this file.
        let path = data.join("pg_hba.conf");
        std::fs::write(&path, hba).unwrap();
        if self.as_postgres_user {
            let st = Command::new("chown")
                .arg("postgres:postgres")
                .arg(&path)
                .status()
                .unwrap();
            assert!(st.success(), "chown of pg_hba.conf failed");
        }
    }

    /// The directory of the cluster's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn try_run(&self, tool: &str, args: &[&str]) -> bool {
        self.command(tool)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.command(tool).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A libpq URL for `dbname` over TCP, without a password.
    pub fn url(&self, dbname: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{dbname}", self.port)
    }

    /// An administrative connection as `postgres` through the Unix socket (trusted whatever
    /// [`PgOptions`] the cluster has).
    pub fn connect(&self, dbname: &str) -> postgres::Client {
        postgres::Config::new()
            .host_path(self.dir.path())
            .port(self.port)
            .user("postgres")
            .dbname(dbname)
            .connect(postgres::NoTls)
            .unwrap()
    }

    /// Create a fresh database (tests share a cluster but not a database).
    pub fn create_database(&self, name: &str) -> String {
        self.connect("postgres")
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        self.url(name)
    }

    /// Stop the server at once (`-m immediate`), e.g. to test a database that dies mid-load.
    pub fn kill(&mut self) {
        if !self.stopped {
            let data = self.dir.path().join("data");
            self.try_run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            );
            self.stopped = true;
        }
    }

    /// Start a stopped (e.g. [`Postgres::kill`]ed) cluster again, on the same port and data directory:
    /// PostgreSQL's crash recovery runs as it would after a real crash.
    pub fn restart(&mut self) {
        if !self.stopped {
            return;
        }
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "-o",
                &self.server_options.clone(),
                "start",
            ],
        );
        self.stopped = false;
        wait_for_port(self.port, "PostgreSQL", Duration::from_secs(10));
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if !self.stopped {
            let data = self.dir.path().join("data");
            self.try_run(
                "pg_ctl",
                &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
            );
        }
    }
}

/// Credentials the test S3 server is started with.
pub const S3_ACCESS_KEY: &str = "AKIDKOKUTEST";
pub const S3_SECRET_KEY: &str = "koku-test-secret";

/// A local S3-compatible server (moto) on 127.0.0.1, killed on drop.
pub struct S3Server {
    child: Child,
    pub port: u16,
}

impl S3Server {
    pub fn start() -> S3Server {
        let exe = std::env::var("KOKU_MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|_| workspace_root().join(".cache/venv/bin/moto_server"));
        assert!(
            exe.exists(),
            "S3 test server not installed at {}; run scripts/setup.sh (or set KOKU_MOTO_SERVER)",
            exe.display()
        );
        let port = free_port();
        let child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        wait_for_port(port, "moto_server", Duration::from_secs(30));
        S3Server { child, port }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// A client for this server (path-style, static test credentials).
    pub fn client(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                S3_ACCESS_KEY,
                S3_SECRET_KEY,
                None,
                None,
                "koku-testkit",
            ))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Create `bucket` and upload every file under `dir` with its relative path as the key (the way a
    /// koku bucket holds `data/parquet/...`). Returns the number of objects uploaded.
    pub fn upload_dir(&self, bucket: &str, dir: &Path) -> usize {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = self.client();
        rt.block_on(async {
            client
                .create_bucket()
                .bucket(bucket)
                .send()
                .await
                .expect("create bucket");
            let mut files = Vec::new();
            collect_files(dir, &mut files);
            for f in &files {
                let key = f
                    .strip_prefix(dir)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .replace('\\', "/");
                let body = std::fs::read(f).unwrap();
                client
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .body(body.into())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
            }
            files.len()
        })
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Path of a workspace binary (`koku-extract`, ...) next to the running test executable. Cargo builds
/// every package's binaries before `cargo test --workspace` runs any test.
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test-exe>
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(name);
    assert!(
        bin.exists(),
        "{} not built; run the tests with `cargo test --workspace` (or `cargo build --workspace` first)",
        bin.display()
    );
    bin
}
