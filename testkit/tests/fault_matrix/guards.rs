//! The two ways koku's data was lost with exit status 0 (issue 11): an empty or partial input, and a
//! report period of another source.

use crate::support::*;

/// `--from` a folder (or prefix) that holds nothing for the source: refused before anything is
/// written, naming the daily pod prefix it listed; the work dir of the previous run is untouched.
/// With `--allow-empty` the extract succeeds with empty datasets.
#[test]
fn extract_of_an_empty_input_is_refused() {
    let case = Case::new("empty_input");
    let db = case.snapshot();
    let work = dir_snapshot(&case.work);
    let empty = case.path("empty");
    std::fs::create_dir(&empty).unwrap();

    let ran = run(&mut case.extract(&empty, &case.work));
    let prefix = format!(
        "{}/data/parquet/daily/{SCHEMA}/OCP/pod_usage/source={SOURCE}/year=2025/month=10/",
        empty.display()
    );
    ran.fails_with(&[
        "no input: ",
        &prefix,
        "holds no daily pod usage (Parquet) files for this source and month",
        "Nothing was written",
        "--allow-empty",
    ]);
    assert_same_dir(&work, &case.work);
    assert_same_db(&db, &case.snapshot());

    // A wrong source (a typo) is the same: another `source=` prefix, refused (into a new folder;
    // this run's work dir is refused sooner, as another source's, before anything is read).
    let typo = case.path("typo");
    let mut c = case.extract_with(
        &ocp_small(),
        &typo,
        "00000000-0000-0000-0000-00000000dead",
        &case.url,
    );
    // The database knows no such provider: the flags stand in for it, so that the refusal tested is
    // the empty listing, not the missing cluster id.
    c.args(["--cluster-id", "x", "--report-period-id", "1"]);
    run(&mut c).fails_with(&[
        "no input: ",
        "source=00000000-0000-0000-0000-00000000dead/year=2025/month=10/",
    ]);
    assert!(!typo.exists());
    let mut c = case.extract_with(
        &ocp_small(),
        &case.work,
        "00000000-0000-0000-0000-00000000dead",
        &case.url,
    );
    c.args(["--cluster-id", "x", "--report-period-id", "1"]);
    run(&mut c).fails_with(&["run.json: belongs to another run: it belongs to "]);
    assert_same_dir(&work, &case.work);

    let allowed = case.path("allowed");
    let ran = run(case.extract(&empty, &allowed).arg("--allow-empty"));
    ran.succeeds();
    assert!(
        ran.stdout
            .contains("openshift_pod_usage_line_items_daily: 0 rows from 0 files"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stderr
            .contains("no daily pod usage files: an empty run (--allow-empty)"),
        "{}",
        ran.stderr
    );
    assert_same_db(&db, &case.snapshot());
}

/// An empty run that got past the extract (`--allow-empty`) would replace the window's rows with
/// nothing: `koku-load` refuses it, and `--dry-run` reports the same; nothing changes. With
/// `--allow-emptied-days` the days are emptied — only the rows of koku's delete scope.
#[test]
fn load_that_would_empty_days_is_refused() {
    let case = Case::new("emptied_days");
    let empty = case.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let w = case.path("w-empty");
    run(case.extract(&empty, &w).arg("--allow-empty")).succeeds();
    run(&mut case.transform(&w)).succeeds();
    let db = case.snapshot();
    let work = dir_snapshot(&w);

    // ocp-small's run wrote 6 rows on each of 2025-10-30 and 2025-10-31 (3 pod, 1 storage, 2
    // unallocated a day); the OCP-on-cloud row of 10-30 is outside koku's delete scope, and the
    // empty run's window is the whole month (nothing to clamp the start to).
    let facts = [
        "refusing to load reporting_ocpusagelineitem_daily_summary: 2 day(s) of the window have rows now but none in the summary file",
        "(2025-10-30: 6 rows, 2025-10-31: 6 rows)",
        "the file holds 0 rows",
        "nothing was changed",
        "--allow-emptied-days",
    ];
    run(case.load(&w).arg("--dry-run")).fails_with(&facts);
    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &w);
    run(&mut case.load(&w)).fails_with(&facts);
    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &w);

    let ran = run(case.load(&w).arg("--allow-emptied-days"));
    ran.succeeds();
    assert_ne!(db, case.snapshot(), "the snapshot sees a load");
    assert!(ran.stdout.contains("deleted 12"), "{}", ran.stdout);
    assert!(
        ran.stderr.contains(
            "2 day(s) of the window lose all their rows (2025-10-30: 6 rows, 2025-10-31: 6 rows); allowed by --allow-emptied-days"
        ),
        "{}",
        ran.stderr
    );
    // What is left: the other source's two rows and the OCP-on-cloud row.
    let left: Vec<String> = case
        .admin()
        .query(
            &format!("SELECT uuid::text FROM {SCHEMA}.{SUMMARY} ORDER BY 1"),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        left,
        [
            "00000000-0000-4000-8000-0000000000b1",
            "00000000-0000-4000-8000-0000000000b2",
            "00000000-0000-4000-8000-0000000000c1"
        ]
    );
}

/// A partial input — every file of 2025-10-31 missing — would empty that day: refused, naming it.
#[test]
fn load_of_a_partial_input_is_refused() {
    let case = Case::new("partial_input");
    let tree = tree_copy(&case, "tree");
    for daily in [true, false] {
        for report in [
            "pod_usage",
            "storage_usage",
            "node_labels",
            "namespace_labels",
        ] {
            std::fs::remove_file(tree.join(key(daily, report, "2025-10-31"))).unwrap();
        }
    }
    let w = case.path("w-partial");
    run(&mut case.extract(&tree, &w)).succeeds();
    run(&mut case.transform(&w)).succeeds();
    let db = case.snapshot();
    let work = dir_snapshot(&w);
    // The window is still 10-30..10-31 (the start is clamped to the first day with pod data, the end
    // is the month's); 10-30 gets its 6 rows again, 10-31 would get none.
    run(&mut case.load(&w)).fails_with(&[
        "1 day(s) of the window have rows now but none in the summary file (2025-10-31: 6 rows)",
        "the file holds 6 rows",
        "nothing was changed",
    ]);
    assert_same_db(&db, &case.snapshot());
    assert_same_dir(&work, &w);
}

/// koku's delete is keyed on the report period alone, so a run carrying another source's period
/// would delete that source's rows. `koku-load` checks that the period is the run's source's,
/// cluster's and month's, and changes nothing otherwise.
#[test]
fn report_period_of_another_source_is_refused() {
    let case = Case::new("foreign_period");
    case.admin()
        .batch_execute(&format!(
            "INSERT INTO {SCHEMA}.reporting_ocpusagereportperiod (id, cluster_id, report_period_start, report_period_end, provider_id)
             VALUES (3, 'ocp-small-cluster', '2025-09-01 00:00:00+00', '2025-10-01 00:00:00+00', '{SOURCE}'),
                    (4, 'old-cluster-id', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{SOURCE}')"
        ))
        .unwrap();
    let db = case.snapshot();
    let cases = [
        (
            "2",
            format!("report period 2 belongs to source {OTHER_SOURCE}, not to this run's source {SOURCE}"),
        ),
        (
            "3",
            "report period 3 starts 2025-09-01, not on the first day of this run's month (2025-10-01)"
                .to_string(),
        ),
        (
            "4",
            "report period 4 belongs to cluster \"old-cluster-id\", not to this run's cluster \"ocp-small-cluster\""
                .to_string(),
        ),
        (
            "99",
            format!("report period 99 is not in {SCHEMA}.reporting_ocpusagereportperiod"),
        ),
    ];
    for (period, reason) in cases {
        let w = case.path(&format!("w-period-{period}"));
        run(case
            .extract(&ocp_small(), &w)
            .args(["--report-period-id", period]))
        .succeeds();
        run(&mut case.transform(&w)).succeeds();
        let work = dir_snapshot(&w);
        for dry_run in [true, false] {
            let mut c = case.load(&w);
            if dry_run {
                c.arg("--dry-run");
            }
            run(&mut c).fails_with(&["refusing to load: ", &reason, "nothing was changed"]);
            assert_same_db(&db, &case.snapshot());
            assert_same_dir(&work, &w);
        }
    }
}
