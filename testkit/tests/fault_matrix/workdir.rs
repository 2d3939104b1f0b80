//! Work-dir faults: a `--out` that is not a work dir, a tampered work dir (edited run.json, a modified
//! file, a file of another run, a transform older than its extract), a stage killed while it writes,
//! and a full disk.

use std::path::Path;
use std::process::Command;

use koku_testkit::faultproxy::{Fault, FaultProxy};
use koku_testkit::{S3_ACCESS_KEY, S3_SECRET_KEY, workspace_bin};

use crate::support::*;

const SUMMARY_FILE: &str = "reporting_ocpusagelineitem_daily_summary.arrow";

/// A copy of the case's loaded work dir to tamper with, and its snapshot.
fn copy_of_work(case: &Case, name: &str) -> std::path::PathBuf {
    let w = case.path(name);
    copy_tree(&case.work, &w);
    w
}

fn ipc_check(case: &Case, work: &Path) -> Ran {
    let mut c = bin("koku-ipc", &case.home());
    c.arg("check").arg(work);
    run(&mut c)
}

fn flip_byte(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(file, bytes).unwrap();
}

/// `--out` naming a folder that holds something else: refused naming the folder and what is in it;
/// the folder is untouched.
#[test]
fn out_folder_that_is_not_a_work_dir_is_refused() {
    let case = Case::new("out_folder");
    let db = case.snapshot();
    let folder = case.path("my-documents");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("notes.txt"), "mine").unwrap();
    let before = dir_snapshot(&folder);
    run(&mut case.extract(&ocp_small(), &folder)).fails_with(&[&format!(
        "{}: refusing to use this folder as a work directory: it is not empty and has no run.json (found {}); use an empty or new folder",
        folder.display(),
        folder.join("notes.txt").display()
    )]);
    assert_same_dir(&before, &folder);

    // Another source's work dir is refused too (that source has no files here: `--allow-empty` gets
    // the run as far as the work dir).
    let mut c = case.extract_with(&ocp_small(), &case.work, OTHER_SOURCE, &case.url);
    c.arg("--allow-empty");
    let before = dir_snapshot(&case.work);
    run(&mut c).fails_with(&[&format!(
        "{}: belongs to another run: it belongs to {SCHEMA} source {SOURCE} (flow ocp); use an empty folder for this run",
        case.work.join("run.json").display()
    )]);
    assert_same_dir(&before, &case.work);
    assert_same_db(&db, &case.snapshot());
}

/// run.json edited by hand (its identity no longer gives its run id): every stage refuses it.
#[test]
fn edited_run_json_is_refused() {
    let case = Case::new("edited_run_json");
    let w = copy_of_work(&case, "w");
    let text = std::fs::read_to_string(w.join("run.json"))
        .unwrap()
        .replace("\"report_period_id\": 1", "\"report_period_id\": 2");
    std::fs::write(w.join("run.json"), text).unwrap();
    let db = case.snapshot();
    let work = dir_snapshot(&w);
    let fact = format!(
        "{}: unreadable run.json: run_id does not match the run identity (edited by hand?)",
        w.join("run.json").display()
    );
    run(&mut case.transform(&w)).fails_with(&[&fact]);
    run(&mut case.load(&w)).fails_with(&[&fact]);
    ipc_check(&case, &w).fails_with(&[&fact]);
    assert_same_dir(&work, &w);
    assert_same_db(&db, &case.snapshot());
}

/// A file changed after its stage wrote it: the next stage refuses it by its checksum, and
/// `koku-ipc check` shows which.
#[test]
fn modified_file_is_refused_by_its_checksum() {
    let case = Case::new("modified_file");
    let db = case.snapshot();
    for (file, stage) in [
        ("openshift_pod_usage_line_items_daily.arrow", "transform"),
        (SUMMARY_FILE, "load"),
    ] {
        let w = copy_of_work(&case, &format!("w-{stage}"));
        flip_byte(&w.join(file));
        let work = dir_snapshot(&w);
        let mut c = if stage == "transform" {
            case.transform(&w)
        } else {
            case.load(&w)
        };
        let fact = format!("{}: corrupt or modified: checksum ", w.join(file).display());
        run(&mut c).fails_with(&[&fact, "does not match run.json's "]);
        let check = ipc_check(&case, &w);
        check.fails_with(&["1 of 12 checks failed: ", &fact]);
        assert!(
            check
                .stdout
                .lines()
                .any(|l| l.starts_with(&format!("    BAD {file}"))
                    && l.contains("corrupt or modified")),
            "{}",
            check.stdout
        );
        assert_eq!(
            check.stdout.matches("    ok  ").count(),
            11,
            "{}",
            check.stdout
        );
        assert_same_dir(&work, &w);
    }
    assert_same_db(&db, &case.snapshot());
}

/// A summary file of another run (another window of the same source), put in place with run.json's
/// checksum updated to match: its metadata names its run, and the load refuses it.
#[test]
fn file_of_another_run_is_refused() {
    let case = Case::new("foreign_file");
    let other = case.path("other");
    run(case
        .extract(&ocp_small(), &other)
        .args(["--start-date", "2025-10-31"]))
    .succeeds();
    run(&mut case.transform(&other)).succeeds();
    let other_run = run_json(&other)["run_id"].as_str().unwrap().to_string();

    let w = copy_of_work(&case, "w");
    let this_run = run_json(&w)["run_id"].as_str().unwrap().to_string();
    std::fs::copy(other.join(SUMMARY_FILE), w.join(SUMMARY_FILE)).unwrap();
    let mut json = run_json(&w);
    json["stages"]["transform"]["outputs"]["reporting_ocpusagelineitem_daily_summary"]["sha256"] =
        serde_json::json!(sha256(&std::fs::read(w.join(SUMMARY_FILE)).unwrap()));
    std::fs::write(
        w.join("run.json"),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .unwrap();
    let db = case.snapshot();
    let work = dir_snapshot(&w);
    let fact = format!(
        "{}: belongs to another run: written by run \"{other_run}\", but run.json describes run \"{this_run}\"",
        w.join(SUMMARY_FILE).display()
    );
    run(&mut case.load(&w)).fails_with(&[&fact]);
    run(case.load(&w).arg("--dry-run")).fails_with(&[&fact]);
    ipc_check(&case, &w).fails_with(&[&fact]);
    assert_same_dir(&work, &w);
    assert_same_db(&db, &case.snapshot());
}

/// The extract re-ran (its outputs changed) after the transform: run.json then records no transform,
/// and the load says to run it; a run.json stitched back together with the older transform (and its
/// files) is refused as stale.
#[test]
fn transform_older_than_its_extract_is_refused() {
    let case = Case::new("stale_transform");
    let w = copy_of_work(&case, "w");
    let old_json = run_json(&w);
    let old_files: Vec<(String, Vec<u8>)> = old_json["stages"]["transform"]["outputs"]
        .as_object()
        .unwrap()
        .values()
        .map(|o| {
            let f = o["file"].as_str().unwrap().to_string();
            let bytes = std::fs::read(w.join(&f)).unwrap();
            (f, bytes)
        })
        .collect();
    // Only `app` enabled now (the database enables app, env and backup): another enabled-keys file.
    run(case
        .extract(&ocp_small(), &w)
        .args(["--enabled-keys", "app"]))
    .succeeds();
    assert_eq!(stages(&w), ["extract"]);
    let db = case.snapshot();
    let work = dir_snapshot(&w);
    run(&mut case.load(&w)).fails_with(&[&format!(
        "{}: stage \"transform\" has not run in this work dir; run koku-transform first",
        w.join("run.json").display()
    )]);
    assert_same_dir(&work, &w);

    for (f, bytes) in &old_files {
        std::fs::write(w.join(f), bytes).unwrap();
    }
    let mut json = run_json(&w);
    json["stages"]["transform"] = old_json["stages"]["transform"].clone();
    std::fs::write(
        w.join("run.json"),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .unwrap();
    let work = dir_snapshot(&w);
    let fact = format!(
        "{}: stale: dataset reporting_enabledtagkeys was rewritten by extract after transform ran; re-run koku-transform",
        w.join("reporting_enabledtagkeys.arrow").display()
    );
    run(&mut case.load(&w)).fails_with(&[&fact]);
    let check = ipc_check(&case, &w);
    check.fails_with(&["1 of 13 checks failed: ", &fact]);
    assert!(
        check.stdout.contains(&format!("  STALE {fact}")),
        "{}",
        check.stdout
    );
    assert_same_dir(&work, &w);
    assert_same_db(&db, &case.snapshot());
}

/// `koku-extract` killed (SIGKILL) while it writes — held there by an S3 object that never comes:
/// it leaves its temporary files and a run.json that records no stage, so nothing downstream takes
/// the half-written run; the rerun removes the temporary files and writes what a clean run writes.
#[test]
fn extract_killed_mid_write_is_cleaned_up_by_the_rerun() {
    let case = Case::new("extract_killed");
    let db = case.snapshot();
    let s3 = shared_s3();
    let bucket = unique("fault-matrix-killed-");
    s3.upload_dir(&bucket, &ocp_small());
    let proxy = FaultProxy::start(s3.port);
    // The last Parquet dataset: every other dataset is written (not yet renamed) when it stalls.
    proxy.add_fault(
        "GET",
        "namespace_labels.2025-10-31.1.0_daily_0.parquet",
        Fault::Stall,
        None,
    );
    let out = case.path("out");
    let extract = |out: &Path| {
        let mut c = case.extract(Path::new(&format!("s3://{bucket}")), out);
        c.env("S3_ENDPOINT", proxy.endpoint())
            .env("S3_ACCESS_KEY", S3_ACCESS_KEY)
            .env("S3_SECRET", S3_SECRET_KEY);
        c
    };
    let mut child = spawn(&mut extract(&out));
    wait_until("the extract waits for the stalled object", || {
        proxy.seen().iter().any(|s| s.fault == Some(Fault::Stall))
    });
    child.kill().unwrap();
    child.wait().unwrap();

    let left = tmp_files(&out);
    let pid = child.id();
    assert!(
        left.iter()
            .any(|f| f == &format!(".openshift_pod_usage_line_items.arrow.tmp{pid}")),
        "{left:?}"
    );
    assert!(
        left.iter()
            .any(|f| f == &format!(".openshift_namespace_labels_line_items_daily.arrow.tmp{pid}")),
        "{left:?}"
    );
    assert!(arrow_files(&out).is_empty(), "nothing under a real name");
    assert!(stages(&out).is_empty(), "run.json claims no extract");
    run(&mut case.transform(&out))
        .fails_with(&["not a work directory (no run.json); run koku-extract first"]);

    proxy.clear_faults();
    run(&mut extract(&out)).succeeds();
    assert!(tmp_files(&out).is_empty(), "{:?}", tmp_files(&out));
    let clean: std::collections::BTreeMap<String, String> = arrow_files(&case.work)
        .into_iter()
        .filter(|(k, _)| arrow_files(&out).contains_key(k))
        .collect();
    assert_eq!(arrow_files(&out), clean);
    assert_eq!(clean.len(), 8, "the extract's eight datasets");
    assert_same_db(&db, &case.snapshot());
}

/// `koku-transform` killed (SIGKILL) while it writes its summary (a generated cluster large enough
/// that the write lasts): its temporary file stays, the previous outputs and run.json are intact and
/// still check out; the next run removes the temporary file and writes the same bytes.
#[test]
fn transform_killed_mid_write_is_cleaned_up_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let data = dir.path().join("gen");
    let mut generate = Command::new(workspace_bin("koku-gen"));
    generate
        .args([
            "ocp",
            "--nodes",
            "20",
            "--pods-per-node",
            "50",
            "--days",
            "3",
        ])
        .arg("--out")
        .arg(&data);
    run(&mut generate).succeeds();
    std::fs::write(
        dir.path().join("cc.csv"),
        "namespace,cost_category_id\nopenshift-%,1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("nodes.csv"), "node,resource_id,node_role\n").unwrap();
    let w = dir.path().join("w");
    let mut extract = bin("koku-extract", &home);
    extract
        .args(["ocp", "--from"])
        .arg(&data)
        .args([
            "--schema", SCHEMA, "--source", SOURCE, "--year", "2025", "--month", "10",
        ])
        .args([
            "--cluster-id",
            "koku-gen-cluster",
            "--report-period-id",
            "1",
        ])
        .args(["--enabled-keys", "app,environment"])
        .arg("--cost-categories")
        .arg(dir.path().join("cc.csv"))
        .arg("--node-roles")
        .arg(dir.path().join("nodes.csv"))
        .arg("--out")
        .arg(&w);
    run(&mut extract).succeeds();
    let transform = || {
        let mut c = bin("koku-transform", &home);
        c.args(["ocp"]).arg(&w).args(["--threads", "1"]);
        c
    };
    run(&mut transform()).succeeds();
    let before = dir_snapshot(&w).unwrap();
    let record = run_json(&w)["stages"]["transform"]["outputs"].clone();

    // Kill it the moment its summary's temporary file appears; a run that finished first (the
    // machine was quicker than the polling) is tried again.
    let mut killed = None;
    for _ in 0..5 {
        let mut child = spawn(&mut transform());
        let tmp = format!(".{SUMMARY_FILE}.tmp{}", child.id());
        let mut caught = false;
        while child.try_wait().unwrap().is_none() {
            if w.join(&tmp).exists() {
                child.kill().unwrap();
                caught = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        child.wait().unwrap();
        if caught {
            killed = Some(tmp);
            break;
        }
    }
    let tmp = killed.expect("the transform was never caught writing");
    let mut after = dir_snapshot(&w).unwrap();
    assert!(after.remove(&tmp).is_some(), "{tmp} left behind");
    assert_eq!(
        after, before,
        "the previous outputs and run.json are intact"
    );
    let check = {
        let mut c = bin("koku-ipc", &home);
        c.arg("check").arg(&w);
        run(&mut c)
    };
    check.succeeds();
    assert!(
        check.stdout.contains(&format!(
            "  note: {tmp} was left by a stage that was killed; the next stage removes it"
        )),
        "{}",
        check.stdout
    );

    let ran = run(&mut transform());
    ran.succeeds();
    assert!(
        ran.stderr
            .contains(&format!("removed {}", w.join(&tmp).display())),
        "{}",
        ran.stderr
    );
    assert!(tmp_files(&w).is_empty());
    assert_eq!(
        arrow_files(&w),
        before
            .into_iter()
            .filter(|(k, _)| k.ends_with(".arrow"))
            .collect()
    );
    assert_eq!(run_json(&w)["stages"]["transform"]["outputs"], record);
}

/// A full disk (a small tmpfs, filled, in a private mount namespace): the transform fails saying so
/// and leaves the work dir as it was; a load whose transaction committed but whose run.json could not
/// be written says exactly that.
#[test]
fn full_disk_says_no_space_left_on_device() {
    let case = Case::new("disk_full");
    let db = case.snapshot();
    let work = dir_snapshot(&case.work);
    let mount = case.path("mnt");
    std::fs::create_dir(&mount).unwrap();
    // Mounts a tmpfs at $1, copies the work dir $2 into it, fills the disk, runs the stage (argument
    // `{W}` = the copy), and copies the work dir out to $3 to be looked at.
    const SCRIPT: &str = r#"set -u
M="$1"; SRC="$2"; OUT="$3"; shift 3
mount -t tmpfs -o size=8m tmpfs "$M" || exit 97
cp -a "$SRC" "$M/w" || exit 98
dd if=/dev/zero of="$M/filler" bs=64k 2>/dev/null
args=(); for a in "$@"; do [ "$a" = "{W}" ] && a="$M/w"; args+=("$a"); done
"${args[@]}"; rc=$?
cp -a "$M/w" "$OUT" || exit 99
exit $rc"#;
    let on_full_disk = |stage: Command, out: &Path| {
        // Root mounts in a private mount namespace; anyone else in a user namespace of their own.
        let root = run(Command::new("id").arg("-u")).stdout.trim() == "0";
        let mut c = Command::new("unshare");
        if !root {
            c.args(["--user", "--map-root-user"]);
        }
        c.args(["--mount", "bash", "-c", SCRIPT, "bash"])
            .arg(&mount)
            .arg(&case.work)
            .arg(out)
            .arg(stage.get_program())
            .args(stage.get_args());
        for (k, v) in stage.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        let ran = run(&mut c);
        assert!(
            !matches!(ran.code, Some(97..=99)),
            "the full-disk harness failed (unshare/mount: needs root or unprivileged user namespaces): {}",
            ran.stderr
        );
        ran
    };

    let mut transform = case.bin("koku-transform");
    transform.args(["ocp", "{W}"]);
    let out = case.path("after-transform");
    let line = on_full_disk(transform, &out)
        .fails_transiently_with(&["No space left on device"])
        .to_string();
    assert!(line.contains(&format!(".{SUMMARY_FILE}.tmp")), "{line}");
    assert_same_dir(&work, &out);
    assert_same_db(&db, &case.snapshot());

    let values = case.summary_values(SCHEMA);
    let mut load = case.bin("koku-load");
    load.args(["{W}", "--database-url", &case.url]);
    let out = case.path("after-load");
    let line = on_full_disk(load, &out)
        .fails_transiently_with(&[
            "committed 12 rows, but recording stage load in run.json failed: ",
            "/w/run.json: No space left on device",
        ])
        .to_string();
    assert_eq!(
        line.matches("No space left").count(),
        1,
        "said once: {line}"
    );
    assert_eq!(
        case.summary_values(SCHEMA),
        values,
        "the rows were replaced by the same values"
    );
    assert_same_dir(&work, &out);
}
