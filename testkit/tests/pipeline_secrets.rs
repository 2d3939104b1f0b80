//! No password on any command line: `scripts/pipeline.sh` against a PostgreSQL that requires one
//! (scram-sha-256), with the URL in `DATABASE_URL` and the password in a `PGPASSFILE`. Every stage is
//! started through a wrapper (`KOKU_BIN`) that records the arguments it was given — exactly what `ps`
//! would show for the stage — and then `exec`s the real binary.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use koku_testkit::{PgOptions, Postgres, koku_schema, workspace_bin, workspace_root};

const SCHEMA: &str = "org1234567";
const SOURCE: &str = "00000000-0000-0000-0000-000000000001";
/// With the characters that need escaping in a URL (`@`, `/`) and in a password file (`:`).
const PASSWORD: &str = "pipe:s3cret@w/rd";
/// Pieces of the password that must appear in no recorded argument (the percent-encoded form too).
const PIECES: &[&str] = &["s3cret", "pipe:", "w/rd", "s3cret%40w%2Frd"];

struct Setup {
    pg: Postgres,
    dir: tempfile::TempDir,
    wrappers: PathBuf,
    argv_log: PathBuf,
    pgpass: PathBuf,
}

fn setup() -> Setup {
    let pg = Postgres::start_with(&PgOptions {
        password: Some(PASSWORD.into()),
        tls: None,
    });
    // koku's tables and what koku holds for testdata/ocp-small (the demo's seed), through the Unix
    // socket (trusted), so extract reads its PostgreSQL inputs from the database.
    let mut admin = pg.connect("postgres");
    koku_schema::install(&mut admin, SCHEMA);
    let seed = std::fs::read_to_string(workspace_root().join("scripts/demo-seed.sql")).unwrap();
    admin
        .batch_execute(&format!(
            "SET search_path TO {SCHEMA}, public;\n{seed}\n;RESET search_path;"
        ))
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("home")).unwrap();
    let argv_log = dir.path().join("argv.log");
    let wrappers = dir.path().join("bin");
    std::fs::create_dir(&wrappers).unwrap();
    let real = workspace_bin("koku-load").parent().unwrap().to_path_buf();
    for name in ["koku-extract", "koku-transform", "koku-load"] {
        let wrapper = wrappers.join(name);
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$0 $*\" >> '{}'\nexec '{}' \"$@\"\n",
                argv_log.display(),
                real.join(name).display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // libpq's format: ':' and '\' escaped.
    let pgpass = dir.path().join("pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "127.0.0.1:{}:postgres:postgres:{}\n",
            pg.port,
            PASSWORD.replace('\\', "\\\\").replace(':', "\\:")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    Setup {
        pg,
        dir,
        wrappers,
        argv_log,
        pgpass,
    }
}

impl Setup {
    /// scripts/pipeline.sh with `pipeline_args` before `--`, in an environment holding no password
    /// (HOME is an empty folder: no ~/.pgpass).
    fn pipeline(&self, work: &str, pipeline_args: &[&str], env: &[(&str, &Path)]) -> Output {
        let root = workspace_root();
        let mut c = Command::new(root.join("scripts/pipeline.sh"));
        c.arg(self.dir.path().join(work))
            .args(pipeline_args)
            .arg("--")
            .arg("--from")
            .arg(root.join("testdata/ocp-small"))
            .args([
                "--schema", SCHEMA, "--source", SOURCE, "--year", "2025", "--month", "10",
            ])
            .env("KOKU_BIN", &self.wrappers)
            .env("HOME", self.dir.path().join("home"))
            .env_remove("DATABASE_URL")
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE")
            .env_remove("DATABASE_PASSWORD");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn recorded_argv(&self) -> Vec<String> {
        std::fs::read_to_string(&self.argv_log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn summary_rows(&self) -> i64 {
        self.pg
            .connect("postgres")
            .query_one(
                &format!("SELECT count(*) FROM {SCHEMA}.reporting_ocpusagelineitem_daily_summary"),
                &[],
            )
            .unwrap()
            .get(0)
    }
}

fn assert_no_password(lines: &[String]) {
    for line in lines {
        for piece in PIECES {
            assert!(!line.contains(piece), "{piece:?} in the arguments {line:?}");
        }
    }
}

#[test]
fn pipeline_script_keeps_the_password_off_every_command_line() {
    let s = setup();
    let url = s.pg.url("postgres");
    assert!(!url.contains("s3cret"), "{url}");

    // Control: the server does require the password (no password anywhere: extract cannot connect).
    let out = s.pipeline("work-none", &[], &[("DATABASE_URL", Path::new(&url))]);
    assert!(!out.status.success(), "connected without a password");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("koku-extract: error: PostgreSQL: connecting to host=127.0.0.1")
            && stderr.contains("password missing"),
        "{stderr}"
    );
    std::fs::remove_file(&s.argv_log).unwrap();

    // DATABASE_URL without a password + PGPASSFILE: all three stages run, extract reading its
    // PostgreSQL inputs from the database and load writing the rows.
    let out = s.pipeline(
        "work",
        &[],
        &[
            ("DATABASE_URL", Path::new(&url)),
            ("PGPASSFILE", s.pgpass.as_path()),
        ],
    );
    assert!(
        out.status.success(),
        "pipeline.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.summary_rows() > 0);
    let argv = s.recorded_argv();
    assert_eq!(argv.len(), 3, "{argv:?}");
    for (line, stage) in argv
        .iter()
        .zip(["koku-extract", "koku-transform", "koku-load"])
    {
        assert!(line.contains(stage), "{line}");
        assert!(!line.contains("--database-url"), "{line}");
        assert!(!line.contains("postgresql://"), "{line}");
    }
    assert_no_password(&argv);
    std::fs::remove_file(&s.argv_log).unwrap();

    // --database-url with the password in it (percent-encoded) still reaches no stage's arguments;
    // pipeline.sh warns that its own arguments show it.
    let with_password = url.replace(
        "postgres@",
        "postgres:pipe%3As3cret%40w%2Frd@", // PASSWORD, percent-encoded
    );
    let out = s.pipeline(
        "work-dry",
        &["--database-url", &with_password, "--dry-run"],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pipeline.sh failed:\n{stderr}");
    assert!(
        stderr.contains("--database-url holds a password"),
        "{stderr}"
    );
    let argv = s.recorded_argv();
    assert_eq!(argv.len(), 3, "{argv:?}");
    assert_no_password(&argv);
    // Nor does any stage print it.
    for piece in PIECES {
        assert!(!stderr.contains(piece), "{piece:?} in stderr:\n{stderr}");
    }
}
