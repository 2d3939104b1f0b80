//! PostgreSQL faults: the server's errors as the extract meets them, TLS and passwords, a lock held
//! by another session, two loads of one source at once, and the server or the load killed while the
//! COPY runs.

use std::sync::Arc;

use koku_testkit::pki::TestCa;
use koku_testkit::{PgOptions, Postgres, ServerTls};

use crate::support::*;

/// The extract's database errors keep the server's message and SQLSTATE (and the connection's target,
/// never a password); nothing is written.
#[test]
fn extract_database_errors_keep_the_servers_message_and_sqlstate() {
    let case = Case::new("pg_errors");
    case.admin()
        .batch_execute(&format!("DROP TABLE {SCHEMA}.reporting_enabledtagkeys"))
        .unwrap();
    let db = case.snapshot();
    let out = case.path("out");
    run(&mut case.extract(&ocp_small(), &out)).fails_with(&[
        "koku-extract: error: PostgreSQL: ",
        "relation \"org1234567.reporting_enabledtagkeys\" does not exist (SQLSTATE 42P01)",
    ]);
    assert!(!out.exists());

    // Nothing listens there.
    let port = koku_testkit::free_port();
    let closed = format!("postgresql://postgres@127.0.0.1:{port}/{}", case.dbname);
    run(&mut case.extract_with(&ocp_small(), &out, SOURCE, &closed)).fails_transiently_with(&[
        &format!("PostgreSQL: connecting to host=127.0.0.1 port={port} user=postgres"),
        "Connection refused",
    ]);
    assert!(!out.exists());
    assert_same_db(&db, &case.snapshot());
}

/// A cluster that speaks only TLS and asks for a password: the pipeline works with `verify-full`
/// and the right CA; a wrong CA, no TLS, no password or a wrong one are each refused with the reason,
/// never the password; nothing changes.
#[test]
fn tls_and_password_failures_are_refused_with_the_reason() {
    const PASSWORD: &str = "fault-matrix-s3cret";
    let ca = TestCa::new("fault matrix CA");
    let cert = ca.server_cert(&["127.0.0.1"]);
    let pg = Arc::new(Postgres::start_with(&PgOptions {
        password: Some(PASSWORD.into()),
        tls: Some(ServerTls {
            cert_pem: cert.cert_pem,
            key_pem: cert.key_pem,
            only: true,
            client_ca_pem: None,
        }),
    }));
    let certs = tempfile::tempdir().unwrap();
    let right = certs.path().join("ca.crt");
    std::fs::write(&right, &ca.cert_pem).unwrap();
    let wrong = certs.path().join("wrong-ca.crt");
    std::fs::write(&wrong, TestCa::new("another CA").cert_pem).unwrap();

    // The whole pipeline over verified TLS, the password from the environment.
    let case = Case::on_with(
        pg.clone(),
        "tls",
        &format!("sslmode=verify-full&sslrootcert={}", right.display()),
        &[("PGPASSWORD", PASSWORD)],
    );
    let db = case.snapshot();
    let work = dir_snapshot(&case.work);
    let base = format!(
        "postgresql://postgres@127.0.0.1:{}/{}",
        pg.port, case.dbname
    );
    let load = |query: String, password: Option<&str>| {
        let mut c = bin("koku-load", &case.home());
        c.arg(&case.work)
            .args(["--database-url", &format!("{base}?{query}")]);
        if let Some(p) = password {
            c.env("PGPASSWORD", p);
        }
        let ran = run(&mut c);
        assert!(!ran.stderr.contains(PASSWORD), "{}", ran.stderr);
        ran
    };

    load(
        format!("sslmode=verify-full&sslrootcert={}", wrong.display()),
        Some(PASSWORD),
    )
    .fails_with(&[
        "koku-load: error: loading ",
        "cannot connect to PostgreSQL (host=127.0.0.1",
        &format!("sslmode=verify-full sslrootcert={}", wrong.display()),
        "password=***",
        "UnknownIssuer",
    ]);
    load("sslmode=disable".into(), Some(PASSWORD)).fails_with(&[
        "cannot connect to PostgreSQL (",
        "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"postgres\"",
        "no encryption (SQLSTATE 28000)",
    ]);
    let verified = format!("sslmode=verify-full&sslrootcert={}", right.display());
    load(verified.clone(), None)
        .fails_with(&["cannot connect to PostgreSQL (", "password missing"]);
    load(verified, Some("not-the-password")).fails_with(&[
        "cannot connect to PostgreSQL (",
        "password authentication failed for user \"postgres\" (SQLSTATE 28P01)",
    ]);

    // The extract the same way: it names the database and the TLS reason, and writes nothing.
    let out = case.path("out");
    let mut c = bin("koku-extract", &case.home());
    c.args(["ocp", "--from"])
        .arg(ocp_small())
        .args([
            "--schema", SCHEMA, "--source", SOURCE, "--year", "2025", "--month", "10",
        ])
        .args([
            "--database-url",
            &format!("{base}?sslmode=verify-full&sslrootcert={}", wrong.display()),
        ])
        .arg("--out")
        .arg(&out)
        .env("PGPASSWORD", PASSWORD);
    let ran = run(&mut c);
    ran.fails_with(&[
        "koku-extract: error: PostgreSQL: connecting to host=127.0.0.1",
        "UnknownIssuer",
    ]);
    assert!(!ran.stderr.contains(PASSWORD));
    assert!(!out.exists());

    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &case.work);
}

/// A session holding a lock the load needs: the load warns while it waits, naming the holder, gives
/// up after `--lock-timeout`, names the holder again, and changes nothing.
#[test]
fn lock_held_elsewhere_times_out_naming_the_holder() {
    let case = Case::new("lock_timeout");
    let db = case.snapshot();
    let work = dir_snapshot(&case.work);
    let mut holder = case.admin();
    let holder_pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    holder
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {SCHEMA}.{SUMMARY} IN ACCESS EXCLUSIVE MODE"
        ))
        .unwrap();

    let ran = run(case.load(&case.work).args(["--lock-timeout", "3"]));
    let who = format!("held by pid {holder_pid} (user postgres");
    ran.fails_transiently_with(&[
        "koku-load: error: loading ",
        "delete previous rows of reporting_ocpusagelineitem_daily_summary: gave up after waiting 3 s for a lock",
        &who,
        "LOCK TABLE org1234567.reporting_ocpusagelineitem_daily_summary IN ACCESS EXCLUSIVE MODE",
        "the transaction was rolled back, nothing was changed (raise --lock-timeout, or end that session)",
    ]);
    assert!(
        ran.stderr.lines().any(|l| l.contains("WARN")
            && l.contains(&format!("waiting for a lock {who}"))
            && l.contains("giving up after 3 s (--lock-timeout)")),
        "{}",
        ran.stderr
    );
    holder.batch_execute("ROLLBACK").unwrap();
    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &case.work);
}

/// The load's backends of the case's database: (pid, waiting for a lock, query).
fn load_backends(case: &Case) -> Vec<(i32, bool, String)> {
    case.admin()
        .query(
            "SELECT pid, coalesce(wait_event_type = 'Lock', false), coalesce(query, '')
               FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'koku-summary-rs'
                AND state = 'active' AND query NOT LIKE '%pg_blocking_pids%'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// Two loads of one source at once: the second waits for the first (the per-source advisory lock),
/// both succeed, and the table holds one copy of the rows.
#[test]
fn concurrent_loads_of_one_source_run_in_turn() {
    let case = Case::new("concurrent");
    let values = case.summary_values(SCHEMA);
    let second = case.path("second");
    copy_tree(&case.work, &second);

    // Hold the table so that the first load is caught inside its transaction, holding the source's
    // lock, while the second starts.
    let mut holder = case.admin();
    holder
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {SCHEMA}.{SUMMARY} IN ACCESS EXCLUSIVE MODE"
        ))
        .unwrap();
    let first = spawn(&mut case.load(&case.work));
    wait_until("the first load waits for the table", || {
        load_backends(&case).iter().filter(|b| b.1).count() == 1
    });
    let other = spawn(&mut case.load(&second));
    wait_until("the second load waits for the source's load lock", || {
        load_backends(&case)
            .iter()
            .any(|b| b.1 && b.2.contains("pg_advisory_xact_lock"))
    });
    holder.batch_execute("COMMIT").unwrap();

    let (a, b) = (finish(first), finish(other));
    for r in [&a, &b] {
        r.succeeds();
        assert!(
            r.stdout.contains(
                "loaded 12 rows into org1234567.reporting_ocpusagelineitem_daily_summary \
                 (2025-10-30..2025-10-31, report period 1): pod 6, storage 2, unallocated 4; deleted 12"
            ),
            "{}",
            r.stdout
        );
    }
    assert!(
        b.stderr.contains(&format!(
            "another load of {SCHEMA} source {SOURCE} is running; waiting for it"
        )),
        "{}",
        b.stderr
    );
    assert_eq!(case.summary_values(SCHEMA), values, "one copy of the rows");
    assert!(stages(&case.work).contains(&"load".to_string()));
    assert!(stages(&second).contains(&"load".to_string()));
}

/// A trigger that holds every insert into the summary table until the test's session lets go of
/// advisory lock 4242: the load is then inside its COPY, with the delete done, for as long as the
/// test needs (a fault injected into the real server, not a mock).
fn hold_inserts(case: &Case) {
    case.admin()
        .batch_execute(&format!(
            "CREATE FUNCTION public.fault_hold_insert() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$;
             CREATE TRIGGER fault_hold_insert BEFORE INSERT ON {SCHEMA}.{SUMMARY}
               FOR EACH ROW EXECUTE FUNCTION public.fault_hold_insert();"
        ))
        .unwrap();
}

fn wait_for_copy(case: &Case) {
    wait_until("the load's COPY is held by the trigger", || {
        load_backends(case)
            .iter()
            .any(|b| b.1 && b.2.starts_with("COPY "))
    });
}

/// PostgreSQL dies (immediate shutdown) while the load's COPY runs: the load fails saying the
/// connection was lost and the transaction rolled back; after crash recovery the database is as it
/// was. The same while the COMMIT runs (the load then says the outcome is unknown). The same command
/// then succeeds.
#[test]
fn postgres_killed_mid_copy_leaves_the_database_as_it_was() {
    // Commits must survive the kill: the test clusters run with synchronous_commit off (a server
    // option, which a role's setting overrides), and an immediate shutdown may then lose the last
    // commits, so that the "before" would not be what crash recovery finds.
    let pg = Postgres::start();
    pg.connect("postgres")
        .batch_execute("ALTER ROLE postgres SET synchronous_commit = on")
        .unwrap();
    let mut case = Case::on(Arc::new(pg), "pg_killed");
    hold_inserts(&case);
    let db = case.snapshot();
    let values = case.summary_values(SCHEMA);
    let work = dir_snapshot(&case.work);
    let mut holder = case.admin();
    holder
        .batch_execute("SELECT pg_advisory_lock(4242)")
        .unwrap();
    let load = spawn(&mut case.load(&case.work));
    wait_for_copy(&case);
    Arc::get_mut(&mut case.pg)
        .expect("the test's own cluster")
        .kill();
    drop(holder);

    finish(load).fails_transiently_with(&[
        "koku-load: error: loading ",
        "copy rows into reporting_ocpusagelineitem_daily_summary: ",
        "(connection lost: PostgreSQL rolled the transaction back; nothing changed)",
    ]);
    Arc::get_mut(&mut case.pg).unwrap().restart();
    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &case.work);

    // Now during the COMMIT: a deferred constraint trigger holds it (it runs at commit time) until
    // the server dies. The load cannot know whether the commit happened, and says so; here it did not.
    case.admin()
        .batch_execute(&format!(
            "DROP TRIGGER fault_hold_insert ON {SCHEMA}.{SUMMARY};
             CREATE FUNCTION public.fault_hold_commit() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN PERFORM pg_advisory_xact_lock(4243); RETURN NULL; END $$;
             CREATE CONSTRAINT TRIGGER fault_hold_commit AFTER INSERT ON {SCHEMA}.{SUMMARY}
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.fault_hold_commit();"
        ))
        .unwrap();
    let db = case.snapshot();
    let mut holder = case.admin();
    holder
        .batch_execute("SELECT pg_advisory_lock(4243)")
        .unwrap();
    let load = spawn(&mut case.load(&case.work));
    wait_until("the load's COMMIT is held by the trigger", || {
        load_backends(&case).iter().any(|b| b.1 && b.2 == "COMMIT")
    });
    Arc::get_mut(&mut case.pg).unwrap().kill();
    drop(holder);
    finish(load).fails_transiently_with(&[
        "koku-load: error: loading ",
        "commit: ",
        "(connection lost during COMMIT: its outcome is unknown; check the table)",
    ]);
    Arc::get_mut(&mut case.pg).unwrap().restart();
    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &case.work);

    case.admin()
        .batch_execute(&format!(
            "DROP TRIGGER fault_hold_commit ON {SCHEMA}.{SUMMARY}"
        ))
        .unwrap();
    run(&mut case.load(&case.work)).succeeds();
    assert_eq!(case.summary_values(SCHEMA), values);
}

/// `koku-load` itself killed (SIGKILL) inside its COPY: PostgreSQL rolls the open transaction back
/// when it finds the client gone; nothing changed, and run.json records no new load.
#[test]
fn load_killed_mid_copy_leaves_the_database_as_it_was() {
    let case = Case::new("load_killed");
    hold_inserts(&case);
    let db = case.snapshot();
    let work = dir_snapshot(&case.work);
    let mut holder = case.admin();
    holder
        .batch_execute("SELECT pg_advisory_lock(4242)")
        .unwrap();
    let mut load = spawn(&mut case.load(&case.work));
    wait_for_copy(&case);
    load.kill().unwrap();
    load.wait().unwrap();
    // Let the held insert go on: the server then finds the client gone and aborts.
    holder
        .batch_execute("SELECT pg_advisory_unlock(4242)")
        .unwrap();
    wait_until("the killed load's backend is gone", || {
        load_backends(&case).is_empty()
    });
    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &case.work);
}
