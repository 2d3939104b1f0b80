//! The `koku-load` binary: exit status, stdout summary, one-line stderr errors, no secrets printed.

mod common;

use assert_cmd::Command;
use common::*;
use koku_common::workdir::{WorkDir, stage};
use predicates::prelude::*;

fn koku_load() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_koku-load"));
    // The developer's environment must not leak into the tests.
    for v in [
        "DATABASE_URL",
        "DATABASE_SERVICE_NAME",
        "DATABASE_NAME",
        "DATABASE_USER",
        "DATABASE_PASSWORD",
        "KOKU_SCHEMA",
        "RUST_LOG",
    ] {
        c.env_remove(v);
    }
    c
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The last stderr line (the error); logs come before it.
fn error_line(out: &std::process::Output) -> String {
    stderr_of(out)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn help_describes_the_command() {
    koku_load()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("WORKDIR"))
        .stdout(predicate::str::contains("--database-url"))
        .stdout(predicate::str::contains("--schema"))
        .stdout(predicate::str::contains("--dry-run"))
        .stdout(predicate::str::contains("KOKU_SCHEMA"));
    koku_load().assert().failure().code(2);
}

#[test]
fn refused_connection_is_one_clear_line_without_the_password() {
    let db_dir = tempfile::tempdir().unwrap();
    // No database needed to build the work dir; report period 1 is never checked.
    workdir(db_dir.path(), identity(1), &standard_rows());
    let port = koku_testkit::free_port();
    let out = koku_load()
        .arg(db_dir.path())
        .arg("--database-url")
        .arg(format!("postgresql://koku:s3cr3t-pw@127.0.0.1:{port}/koku"))
        .output()
        .unwrap();
    // Unreachable may pass: "retry later" (koku_common::exit).
    assert_eq!(out.status.code(), Some(75));
    let line = error_line(&out);
    assert!(line.starts_with("koku-load: error: "), "{line}");
    assert!(line.contains("cannot connect to PostgreSQL"), "{line}");
    assert!(
        line.contains(&format!(
            "host=127.0.0.1 port={port} user=koku dbname=koku password=***"
        )),
        "{line}"
    );
    assert!(!stderr_of(&out).contains("s3cr3t-pw"));
    assert!(out.stdout.is_empty());
    assert!(
        WorkDir::open(db_dir.path())
            .unwrap()
            .stage(stage::LOAD)
            .is_none()
    );

    // Same through koku's variables.
    let out = koku_load()
        .arg(db_dir.path())
        .env("DATABASE_SERVICE_NAME", "koku-db")
        .env("KOKU_DB_SERVICE_HOST", "127.0.0.1")
        .env("KOKU_DB_SERVICE_PORT", port.to_string())
        .env("DATABASE_NAME", "koku")
        .env("DATABASE_USER", "koku")
        .env("DATABASE_PASSWORD", "an0ther-pw")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(75));
    assert!(
        error_line(&out).contains("cannot connect"),
        "{}",
        stderr_of(&out)
    );
    assert!(!stderr_of(&out).contains("an0ther-pw"));

    // And no database at all: configuration, retrying will not help.
    let out = koku_load().arg(db_dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        error_line(&out).contains("no database configured"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn load_prints_a_summary_and_dry_run_changes_nothing() {
    let mut db = TenantDb::new("cli_load");
    db.seed(db.report_period_id, day(1), "old-summary", None);
    let before = db.snapshot(SCHEMA);
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &standard_rows());

    let out = koku_load()
        .arg(dir.path())
        .arg("--dry-run")
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.trim(),
        "dry run: would delete 1 and insert 7 rows into org1234567.reporting_ocpusagelineitem_daily_summary \
         (2025-10-01..2025-10-02, report period 1): pod 3, storage 2, unallocated 2; \
         data_source: Pod 5, Storage 2; usage_start 2025-10-01..2025-10-02; \
         would create partition reporting_ocpusagelineitem_daily_summary_2025_10 \
         (moving 1 rows from the default partition); nothing was changed"
    );
    assert_eq!(db.snapshot(SCHEMA), before);
    assert!(
        WorkDir::open(dir.path())
            .unwrap()
            .stage(stage::LOAD)
            .is_none()
    );

    let out = koku_load()
        .arg(dir.path())
        .arg("--database-url")
        .arg(&db.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "loaded 7 rows into org1234567.reporting_ocpusagelineitem_daily_summary \
         (2025-10-01..2025-10-02, report period 1): pod 3, storage 2, unallocated 2; deleted 1; \
         created partition reporting_ocpusagelineitem_daily_summary_2025_10 \
         (1 rows moved from the default partition)"
    );
    assert_eq!(db.snapshot(SCHEMA).len(), 7);
    assert!(
        WorkDir::open(dir.path())
            .unwrap()
            .stage(stage::LOAD)
            .is_some()
    );
}

#[test]
fn nan_measure_exits_non_zero_naming_row_and_column() {
    let mut db = TenantDb::new("cli_nan");
    db.seed(db.report_period_id, day(1), "old-summary", None);
    let before = db.snapshot(SCHEMA);
    let mut rows = standard_rows();
    rows[2] = rows[2]
        .clone()
        .with("node_capacity_cpu_core_hours", f64::NAN);
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(db.report_period_id), &rows);

    let out = koku_load()
        .arg(dir.path())
        .arg("--database-url")
        .arg(&db.url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&out);
    assert!(
        line.contains("row 2 (0-based), column node_capacity_cpu_core_hours: NaN"),
        "{line}"
    );
    assert!(
        line.contains("reporting_ocpusagelineitem_daily_summary.arrow"),
        "{line}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(db.snapshot(SCHEMA), before);
}

#[test]
fn koku_schema_env_overrides_the_run_schema() {
    let mut db = TenantDb::new("cli_schema");
    koku_testkit::koku_schema::install(&mut db.client, "org7654321");
    let rp = add_report_period(&mut db.client, "org7654321", SOURCE);
    let dir = tempfile::tempdir().unwrap();
    workdir(dir.path(), identity(rp), &standard_rows());
    let out = koku_load()
        .arg(dir.path())
        .env("DATABASE_URL", &db.url)
        .env("KOKU_SCHEMA", "org7654321")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("into org7654321.")
    );
    assert_eq!(db.snapshot("org7654321").len(), 7);
    assert!(db.snapshot(SCHEMA).is_empty());
}

#[test]
fn aws_work_dir_dry_run_load_and_a_foreign_bill() {
    use common::aws::*;
    let mut db = AwsDb::new("cli_aws");
    let dir = tempfile::tempdir().unwrap();
    let daily = vec![
        Row::daily(db.bill, AWS_SOURCE, day(1), "AmazonEC2"),
        Row::daily(db.bill, AWS_SOURCE, day(2), "AmazonS3"),
    ];
    let ec2 = vec![Row::ec2(db.bill, AWS_SOURCE, "i-1", day(1), day(2))];
    aws_workdir(
        dir.path(),
        aws_identity(db.bill),
        &daily,
        Some(&ec2),
        Default::default(),
    );
    let b = db.bill;

    let out = koku_load()
        .arg(dir.path())
        .arg("--dry-run")
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!(
            "dry run: would delete 0 and insert 2 rows into {SCHEMA}.{DS_TABLE} (2025-10-01..2025-10-02, bill {b}): \
             AmazonEC2 1, AmazonS3 1; usage_start 2025-10-01..2025-10-02; would create partition {DS_TABLE}_2025_10 \
             | would delete 0 and insert 1 rows into {SCHEMA}.{EC2_TABLE} (2025-10-01..2025-10-02, bill {b}): \
             m5.large 1; usage_start 2025-10-01..2025-10-01; would create partition {EC2_TABLE}_2025_10; \
             nothing was changed"
        )
    );
    assert!(db.snapshot(DS_TABLE).is_empty());
    assert_eq!(db.stamps(db.bill), (false, false));

    let out = koku_load()
        .arg(dir.path())
        .arg("--database-url")
        .arg(&db.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with(&format!("loaded 2 rows into {SCHEMA}.{DS_TABLE}")),
    );
    // No validation data in a hand-made work dir: koku's validation is skipped with a warning.
    assert!(
        stderr_of(&out).contains("data validation skipped"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(db.snapshot(DS_TABLE).len(), 2);
    assert_eq!(db.stamps(db.bill), (true, true));

    // The other source's bill: one line, exit 1, nothing changed.
    let before = db.snapshot(DS_TABLE);
    let dir = tempfile::tempdir().unwrap();
    let daily = vec![Row::daily(db.other_bill, AWS_SOURCE, day(1), "AmazonEC2")];
    aws_workdir(
        dir.path(),
        aws_identity(db.other_bill),
        &daily,
        None,
        Default::default(),
    );
    let out = koku_load()
        .arg(dir.path())
        .arg("--database-url")
        .arg(&db.url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&out);
    assert!(
        line.starts_with("koku-load: error: loading ")
            && line.contains(&format!(
                "refusing to load: bill {} belongs to source {AWS_OTHER_SOURCE}",
                db.other_bill
            ))
            && line.contains("--bill-id"),
        "{line}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(db.snapshot(DS_TABLE), before);
}
