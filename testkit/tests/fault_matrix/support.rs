//! What every case of the fault matrix stands on: one PostgreSQL cluster and one S3 server shared by
//! the tests of the binary (each test has its own database and bucket), a database holding koku's
//! tables with `testdata/ocp-small` already loaded by the real pipeline, the binaries run as an
//! operator runs them (a clean environment, one line of error on stderr), and snapshots that say
//! whether the database and a work dir are exactly as before.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use arrow::array::{ArrayRef, RecordBatch, RecordBatchReader};
use arrow::datatypes::{Field, Schema};
use koku_testkit::{Postgres, S3Server, koku_schema, workspace_bin, workspace_root};
use sha2::{Digest, Sha256};

pub const SCHEMA: &str = "org1234567";
/// The source of `testdata/ocp-small` (the demo seed's provider, cluster `ocp-small-cluster`,
/// report period 1 for October 2025).
pub const SOURCE: &str = "00000000-0000-0000-0000-000000000001";
/// Another source of the same tenant, with rows of its own on the same days (report period 2).
pub const OTHER_SOURCE: &str = "00000000-0000-0000-0000-0000000000b2";
pub const SUMMARY: &str = "reporting_ocpusagelineitem_daily_summary";

/// The relative key of one of ocp-small's October objects: `daily` or hourly, report type, day.
pub fn key(daily: bool, report: &str, day: &str) -> String {
    format!(
        "data/parquet/{}{SCHEMA}/OCP/{report}/source={SOURCE}/year=2025/month=10/{report}.{day}.1.0_{}0.parquet",
        if daily { "daily/" } else { "" },
        if daily { "daily_" } else { "" },
    )
}

pub fn ocp_small() -> PathBuf {
    workspace_root().join("testdata/ocp-small")
}

// --- shared servers ------------------------------------------------------------------------------

/// One value shared by the tests of this binary that run at the same time, dropped (so the server
/// stops) when the last of them ends.
fn shared<T>(slot: &'static Mutex<Weak<T>>, start: impl FnOnce() -> T) -> Arc<T> {
    let mut weak = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = weak.upgrade() {
        return v;
    }
    let v = Arc::new(start());
    *weak = Arc::downgrade(&v);
    v
}

pub fn shared_pg() -> Arc<Postgres> {
    static SLOT: Mutex<Weak<Postgres>> = Mutex::new(Weak::new());
    shared(&SLOT, Postgres::start)
}

pub fn shared_s3() -> Arc<S3Server> {
    static SLOT: Mutex<Weak<S3Server>> = Mutex::new(Weak::new());
    shared(&SLOT, S3Server::start)
}

/// A name no other test of this process uses (databases, buckets).
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}{}", N.fetch_add(1, Ordering::SeqCst))
}

// --- running the binaries ------------------------------------------------------------------------

/// A stage binary with a clean environment: none of the machine's database, S3 or tenant settings,
/// an empty HOME (no ~/.pgpass, no ~/.postgresql), info logging.
pub fn bin(name: &str, home: &Path) -> Command {
    let mut c = Command::new(workspace_bin(name));
    for (k, _) in std::env::vars() {
        if k.starts_with("DATABASE_")
            || k.starts_with("PG")
            || k.starts_with("S3_")
            || k.starts_with("AWS_")
            || k == "REQUESTED_BUCKET"
            || k == "KOKU_SCHEMA"
        {
            c.env_remove(k);
        }
    }
    c.env("RUST_LOG", "info").env("HOME", home);
    c
}

/// What a binary did.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// The one error line (`koku-…: error: …`); fails unless there is exactly one.
    pub fn error(&self) -> &str {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.contains(": error: "))
            .collect();
        assert_eq!(lines.len(), 1, "one error line expected:\n{}", self.stderr);
        lines[0]
    }

    /// Assert exit status 1 (failed; the same command would fail again) and a one-line error holding
    /// every one of `facts`; the line.
    pub fn fails_with(&self, facts: &[&str]) -> &str {
        self.fails_with_status(1, facts)
    }

    /// Assert exit status 75 (failed for a reason that may pass: retry later) and a one-line error
    /// holding every one of `facts`; the line.
    pub fn fails_transiently_with(&self, facts: &[&str]) -> &str {
        self.fails_with_status(75, facts)
    }

    fn fails_with_status(&self, status: i32, facts: &[&str]) -> &str {
        assert_eq!(
            self.code,
            Some(status),
            "exit status {status} expected\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        let line = self.error();
        if std::env::var_os("FAULT_MATRIX_SHOW").is_some() {
            // For writing the README's table: the messages as a user sees them.
            eprintln!("FAULT [{status}] {line}");
        }
        for f in facts {
            assert!(line.contains(f), "{f:?} missing from the error:\n{line}");
        }
        line
    }

    pub fn succeeds(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "exit status 0 expected\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Start a binary with its output captured; [`finish`] waits for it.
pub fn spawn(c: &mut Command) -> Child {
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {c:?}: {e}"))
}

pub fn finish(child: Child) -> Ran {
    let out = child.wait_with_output().unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Wait until `ready` holds (polling); a guard against a hang, not a timed assertion: `what` names
/// the state that never came.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn run(c: &mut Command) -> Ran {
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("cannot run {c:?}: {e}"));
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

// --- a tenant database with ocp-small loaded -----------------------------------------------------

/// One test's world: its own database on a cluster (koku's tables, what koku holds for ocp-small and
/// for another source, ocp-small loaded by the real pipeline) and a folder for work dirs and trees.
pub struct Case {
    pub pg: Arc<Postgres>,
    pub dbname: String,
    /// How the stages reach the database (`--database-url`), without a password.
    pub url: String,
    /// Environment every stage gets (a password, TLS settings).
    pub stage_env: Vec<(String, String)>,
    pub dir: tempfile::TempDir,
    /// The work dir of the committed ocp-small run (extract, transform and load recorded).
    pub work: PathBuf,
}

impl Case {
    /// On the shared cluster.
    pub fn new(name: &str) -> Case {
        Case::on(shared_pg(), name)
    }

    /// On `pg` (a test that kills or reconfigures its server has its own).
    pub fn on(pg: Arc<Postgres>, name: &str) -> Case {
        Case::on_with(pg, name, "", &[])
    }

    /// On `pg`, the stages connecting with `query` appended to the URL (`sslmode=...`) and `env`.
    pub fn on_with(pg: Arc<Postgres>, name: &str, query: &str, env: &[(&str, &str)]) -> Case {
        let dbname = unique(&format!("fm_{name}_"));
        let mut url = pg.create_database(&dbname);
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        let case = Case {
            work: dir.path().join("work"),
            pg,
            dbname,
            url,
            stage_env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            dir,
        };
        seed(&mut case.admin());
        case.pipeline(&ocp_small(), &case.work);
        case
    }

    /// A stage binary with the clean environment of [`bin`] and the case's `stage_env`.
    pub fn bin(&self, name: &str) -> Command {
        let mut c = bin(name, &self.home());
        for (k, v) in &self.stage_env {
            c.env(k, v);
        }
        c
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// An administrative session (Unix socket, trusted).
    pub fn admin(&self) -> postgres::Client {
        self.pg.connect(&self.dbname)
    }

    pub fn snapshot(&self) -> DbSnapshot {
        db_snapshot(&mut self.admin(), &[SCHEMA, "public"])
    }

    /// `koku-extract ocp` for ocp-small's source and October 2025 from `from`, PostgreSQL inputs
    /// from the database.
    pub fn extract(&self, from: &Path, out: &Path) -> Command {
        self.extract_with(from, out, SOURCE, &self.url)
    }

    /// [`Case::extract`] for another source or database URL.
    pub fn extract_with(&self, from: &Path, out: &Path, source: &str, url: &str) -> Command {
        let mut c = self.bin("koku-extract");
        c.args(["ocp", "--from"])
            .arg(from)
            .args(["--schema", SCHEMA, "--source", source])
            .args(["--year", "2025", "--month", "10"])
            .args(["--database-url", url, "--out"])
            .arg(out);
        c
    }

    pub fn transform(&self, work: &Path) -> Command {
        let mut c = self.bin("koku-transform");
        c.arg("ocp").arg(work);
        c
    }

    pub fn load(&self, work: &Path) -> Command {
        let mut c = self.bin("koku-load");
        c.arg(work).args(["--database-url", &self.url]);
        c
    }

    /// Extract from `from` into `work`, transform, load: each must succeed.
    pub fn pipeline(&self, from: &Path, work: &Path) {
        run(&mut self.extract(from, work)).succeeds();
        run(&mut self.transform(work)).succeeds();
        run(&mut self.load(work)).succeeds();
    }

    /// The summary rows of `schema` without their uuids, sorted (what a reload must reproduce).
    pub fn summary_values(&self, schema: &str) -> Vec<String> {
        let mut rows: Vec<String> = self
            .admin()
            .query(
                &format!(
                    "SELECT (to_jsonb(t) - 'uuid')::text FROM {}.{SUMMARY} t",
                    koku_schema::quote_ident(schema)
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        rows.sort();
        rows
    }
}

/// koku's tables; what koku holds for ocp-small (the demo seed: provider, report period 1, enabled
/// keys, cluster and nodes); another source with report period 2 and summary rows of its own on
/// ocp-small's days; and a row of ocp-small's source that koku's delete scope never touches (an
/// OCP-on-cloud row: non-zero infrastructure_raw_cost). The last two must survive every load.
fn seed(client: &mut postgres::Client) {
    koku_schema::install(client, SCHEMA);
    let demo = std::fs::read_to_string(workspace_root().join("scripts/demo-seed.sql")).unwrap();
    client
        .batch_execute(&format!(
            "SET search_path TO {SCHEMA}, public;\n{demo}\n;
             INSERT INTO public.api_providerauthentication (id, credentials) VALUES (102, '{{\"cluster_id\": \"other-cluster\"}}');
             INSERT INTO public.api_provider (uuid, name, type, authentication_id, setup_complete)
                  VALUES ('{OTHER_SOURCE}', 'Another cluster', 'OCP', 102, true);
             INSERT INTO reporting_ocpusagereportperiod (id, cluster_id, cluster_alias, report_period_start, report_period_end, provider_id)
                  VALUES (2, 'other-cluster', 'Another cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{OTHER_SOURCE}');
             INSERT INTO {SUMMARY} (uuid, report_period_id, cluster_id, usage_start, usage_end, namespace, node, data_source,
                                    pod_usage_cpu_core_hours, source_uuid)
                  VALUES ('00000000-0000-4000-8000-0000000000b1', 2, 'other-cluster', '2025-10-30', '2025-10-30', 'b-app', 'b-node', 'Pod', 1.5, '{OTHER_SOURCE}'),
                         ('00000000-0000-4000-8000-0000000000b2', 2, 'other-cluster', '2025-10-31', '2025-10-31', 'b-app', 'b-node', 'Pod', 2.5, '{OTHER_SOURCE}'),
                         ('00000000-0000-4000-8000-0000000000c1', 1, 'ocp-small-cluster', '2025-10-30', '2025-10-30', 'shop', 'worker-0', 'Pod', 0, '{SOURCE}');
             UPDATE {SUMMARY} SET infrastructure_raw_cost = 12.5 WHERE uuid = '00000000-0000-4000-8000-0000000000c1';
             RESET search_path;"
        ))
        .unwrap();
}

// --- snapshots ------------------------------------------------------------------------------------

/// Every relation of some schemas and every row of every table in them (partitions through their
/// parent, each row with the partition holding it), as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbSnapshot {
    pub relations: Vec<String>,
    pub rows: BTreeMap<String, Vec<String>>,
}

pub fn db_snapshot(client: &mut postgres::Client, schemas: &[&str]) -> DbSnapshot {
    let schemas: Vec<String> = schemas.iter().map(|s| s.to_string()).collect();
    let relations: Vec<(String, String, String, bool)> = client
        .query(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text, c.relispartition
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p')
              ORDER BY 1, 2",
            &[&schemas],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let mut rows = BTreeMap::new();
    for (schema, table, _, is_partition) in &relations {
        if *is_partition {
            continue;
        }
        let name = format!(
            "{}.{}",
            koku_schema::quote_ident(schema),
            koku_schema::quote_ident(table)
        );
        let mut r: Vec<String> = client
            .query(
                &format!(
                    "SELECT t.tableoid::regclass::text || ' ' || to_jsonb(t)::text FROM {name} t"
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        r.sort();
        rows.insert(name, r);
    }
    DbSnapshot {
        relations: relations
            .iter()
            .map(|(s, t, k, _)| format!("{s}.{t} ({k})"))
            .collect(),
        rows,
    }
}

/// Assert that nothing changed, naming the first table that did.
pub fn assert_same_db(before: &DbSnapshot, after: &DbSnapshot) {
    assert_eq!(
        before.relations, after.relations,
        "the database's relations changed"
    );
    for (table, rows) in &before.rows {
        let now = &after.rows[table];
        if rows != now {
            let gone: Vec<&String> = rows.iter().filter(|r| !now.contains(r)).collect();
            let new: Vec<&String> = now.iter().filter(|r| !rows.contains(r)).collect();
            panic!(
                "{table} changed ({} rows before, {} after)\nbefore only: {gone:#?}\nafter only: {new:#?}",
                rows.len(),
                now.len()
            );
        }
    }
}

/// Every entry of a folder (hidden ones too), with the sha256 of each file; `None` if there is no
/// folder.
pub fn dir_snapshot(path: &Path) -> Option<BTreeMap<String, String>> {
    let entries = std::fs::read_dir(path).ok()?;
    let mut map = BTreeMap::new();
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let what = if p.is_dir() {
            "folder".to_string()
        } else {
            sha256(&std::fs::read(&p).unwrap())
        };
        map.insert(name, what);
    }
    Some(map)
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Assert that the folder holds exactly what it held (same names, same bytes).
pub fn assert_same_dir(before: &Option<BTreeMap<String, String>>, path: &Path) {
    let now = dir_snapshot(path);
    assert_eq!(
        before,
        &now,
        "{} changed (entry name → sha256)",
        path.display()
    );
}

/// The `.arrow` files of a work dir and their sha256 (what a rerun must reproduce byte for byte).
pub fn arrow_files(path: &Path) -> BTreeMap<String, String> {
    dir_snapshot(path)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k.ends_with(".arrow"))
        .collect()
}

/// Names in a folder that are temporary files of a stage (`.<file>.tmp<pid>`).
pub fn tmp_files(path: &Path) -> Vec<String> {
    dir_snapshot(path)
        .unwrap_or_default()
        .into_keys()
        .filter(|k| k.starts_with('.') && k.contains(".tmp"))
        .collect()
}

pub fn run_json(work: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(work.join("run.json")).unwrap()).unwrap()
}

/// The stages `run.json` records, in its order; none when there is no `run.json` (a new work dir
/// whose first stage has not completed).
pub fn stages(work: &Path) -> Vec<String> {
    if !work.join("run.json").exists() {
        return Vec::new();
    }
    run_json(work)["stages"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

// --- Parquet trees --------------------------------------------------------------------------------

/// Copy a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let target = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

/// A copy of ocp-small's tree under the case's folder, to damage.
pub fn tree_copy(case: &Case, name: &str) -> PathBuf {
    let tree = case.path(name);
    copy_tree(&ocp_small(), &tree);
    tree
}

/// Every row of a Parquet file as one batch.
pub fn read_parquet(path: &Path) -> RecordBatch {
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    arrow::compute::concat_batches(&schema, &batches).unwrap()
}

/// Write `batch` as a Snappy Parquet file, as koku writes them.
pub fn write_parquet(path: &Path, batch: &RecordBatch) {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// `batch` with column `name` replaced by `array` (its type may differ), dropped (`None`), or added
/// at the end when there is no such column.
pub fn with_column(batch: &RecordBatch, name: &str, array: Option<ArrayRef>) -> RecordBatch {
    let schema = batch.schema();
    let mut fields: Vec<Field> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    let mut found = false;
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        if f.name() == name {
            found = true;
            if let Some(a) = &array {
                fields.push(Field::new(name, a.data_type().clone(), true));
                columns.push(a.clone());
            }
        } else {
            fields.push(f.as_ref().clone());
            columns.push(c.clone());
        }
    }
    if !found && let Some(a) = array {
        fields.push(Field::new(name, a.data_type().clone(), true));
        columns.push(a);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// Rewrite one Parquet file of `tree` through `edit`.
pub fn edit_parquet(tree: &Path, key: &str, edit: impl FnOnce(RecordBatch) -> RecordBatch) {
    let path = tree.join(key);
    let batch = read_parquet(&path);
    write_parquet(&path, &edit(batch));
}
