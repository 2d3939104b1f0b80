//! S3 faults, between the extract and a real S3 server (moto) through [`FaultProxy`]: a 5xx once
//! (retried, the run succeeds with the very files of a clean run), a 5xx every time (given up after
//! the SDK's 3 attempts), a server that never answers (`--s3-timeout`), a body cut short, a missing
//! bucket and a scheme-less endpoint that is not TLS. Each error is one line naming the endpoint,
//! the bucket and key (or prefix) and the kind of failure; a refused extract leaves no output.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use koku_testkit::faultproxy::{Fault, FaultProxy};
use koku_testkit::{S3_ACCESS_KEY, S3_SECRET_KEY, S3Server};

use crate::support::*;

/// A bucket holding ocp-small, the moto server, and a proxy in front of it.
struct Bucket {
    /// Kept so that the shared server outlives the proxy.
    _s3: Arc<S3Server>,
    name: String,
    proxy: FaultProxy,
}

impl Bucket {
    fn new() -> Bucket {
        let s3 = shared_s3();
        let name = unique("fault-matrix-");
        assert!(s3.upload_dir(&name, &ocp_small()) > 0);
        let proxy = FaultProxy::start(s3.port);
        Bucket {
            _s3: s3,
            name,
            proxy,
        }
    }

    fn from(&self) -> PathBuf {
        PathBuf::from(format!("s3://{}", self.name))
    }

    /// The extract of ocp-small from this bucket through the proxy.
    fn extract(&self, case: &Case, out: &Path) -> std::process::Command {
        let mut c = case.extract(&self.from(), out);
        c.env("S3_ENDPOINT", self.proxy.endpoint())
            .env("S3_ACCESS_KEY", S3_ACCESS_KEY)
            .env("S3_SECRET", S3_SECRET_KEY);
        c
    }

    fn location(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.name)
    }
}

/// The extract outputs of the case's clean run (from the local folder): an S3 run must write the
/// same bytes.
fn clean_extract_outputs(case: &Case) -> std::collections::BTreeMap<String, String> {
    let names: Vec<String> = run_json(&case.work)["stages"]["extract"]["outputs"]
        .as_object()
        .unwrap()
        .values()
        .map(|o| o["file"].as_str().unwrap().to_string())
        .collect();
    arrow_files(&case.work)
        .into_iter()
        .filter(|(k, _)| names.contains(k))
        .collect()
}

/// Where a refused extract leaves its new `--out`: nothing (refused before the work dir was
/// created: a listing, or a daily pod object of the start-date pass), or an empty folder (its outputs
/// were temporary files until complete; `run.json` is written only then).
fn assert_no_outputs(out: &Path, folder_created: bool) {
    if folder_created {
        let names: Vec<String> = dir_snapshot(out).unwrap().into_keys().collect();
        assert!(names.is_empty(), "nothing may remain: {names:?}");
    } else {
        assert!(!out.exists(), "{} was created", out.display());
    }
}

/// One 503 on an object and one on a listing page: the SDK retries, the run succeeds and writes what
/// the clean run wrote.
#[test]
fn s3_transient_503_is_retried() {
    let case = Case::new("s3_503");
    let bucket = Bucket::new();
    let hourly = key(false, "pod_usage", "2025-10-31");
    bucket.proxy.add_fault(
        "GET",
        "pod_usage.2025-10-31.1.0_0.parquet",
        Fault::Status(503),
        Some(1),
    );
    bucket
        .proxy
        .add_fault("GET", "list-type=2", Fault::Status(503), Some(1));
    let out = case.path("out");
    run(&mut bucket.extract(&case, &out)).succeeds();
    assert_eq!(arrow_files(&out), clean_extract_outputs(&case));
    let got: Vec<_> = bucket
        .proxy
        .seen()
        .into_iter()
        .filter(|s| s.target.contains("pod_usage.2025-10-31.1.0_0.parquet"))
        .map(|s| s.fault)
        .collect();
    assert_eq!(got, [Some(Fault::Status(503)), None], "one 503, one retry");
    let listings: Vec<_> = bucket
        .proxy
        .seen()
        .into_iter()
        .filter(|s| s.target.contains("list-type=2"))
        .collect();
    assert_eq!(listings[0].fault, Some(Fault::Status(503)));
    assert!(listings[1..].iter().all(|s| s.fault.is_none()));
    assert!(
        run_json(&out)["stages"]["extract"]["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == bucket.location(&hourly).as_str())
    );
}

/// A 500 on every attempt: given up after the SDK's three, naming endpoint, bucket, key and the
/// server's error; the same for a listing.
#[test]
fn s3_persistent_500_fails_after_the_retries() {
    let case = Case::new("s3_500");
    let db = case.snapshot();
    let bucket = Bucket::new();
    let hourly = key(false, "pod_usage", "2025-10-31");
    bucket.proxy.add_fault(
        "GET",
        "pod_usage.2025-10-31.1.0_0.parquet",
        Fault::Status(500),
        None,
    );
    let out = case.path("out");
    run(&mut bucket.extract(&case, &out)).fails_transiently_with(&[&format!(
        "koku-extract: error: {}: download failed at {}: InternalError (HTTP 500): \
         We encountered an internal error. Please try again.",
        bucket.location(&hourly),
        bucket.proxy.endpoint()
    )]);
    assert_eq!(
        bucket
            .proxy
            .count("GET", "pod_usage.2025-10-31.1.0_0.parquet"),
        3
    );
    assert_no_outputs(&out, true);

    bucket.proxy.clear_faults();
    bucket
        .proxy
        .add_fault("GET", "list-type=2", Fault::Status(500), None);
    let out = case.path("out2");
    run(&mut bucket.extract(&case, &out)).fails_transiently_with(&[
        &format!(
            "koku-extract: error: s3://{}/data/parquet/{SCHEMA}/OCP/pod_usage/",
            bucket.name
        ),
        &format!(
            ": listing failed at {}: InternalError (HTTP 500)",
            bucket.proxy.endpoint()
        ),
    ]);
    assert_no_outputs(&out, false);
    assert_same_db(&db, &case.snapshot());
}

/// A server that accepts the request and never answers: `--s3-timeout` ends each attempt, and the
/// run fails naming the object and the timeout.
#[test]
fn s3_stalled_response_times_out() {
    let case = Case::new("s3_stall");
    let db = case.snapshot();
    let bucket = Bucket::new();
    let daily = key(true, "pod_usage", "2025-10-30");
    bucket.proxy.add_fault(
        "GET",
        "pod_usage.2025-10-30.1.0_daily_0.parquet",
        Fault::Stall,
        None,
    );
    let out = case.path("out");
    run(bucket.extract(&case, &out).args(["--s3-timeout", "1"])).fails_transiently_with(&[
        &format!(
            "koku-extract: error: {}: download failed at {}: ",
            bucket.location(&daily),
            bucket.proxy.endpoint()
        ),
        "timed out (S3_CONNECTION_TIMEOUT / --s3-timeout): HTTP read timeout occurred after 1s",
    ]);
    assert_eq!(
        bucket
            .proxy
            .count("GET", "pod_usage.2025-10-30.1.0_daily_0.parquet"),
        3,
        "three attempts"
    );
    // A daily pod object is read by the start-date pass, before the work dir exists.
    assert_no_outputs(&out, false);
    assert_same_db(&db, &case.snapshot());
}

/// A body broken off mid-transfer, and a complete answer holding fewer bytes than the listing said:
/// both refused naming the object.
#[test]
fn s3_truncated_body_is_refused_naming_the_object() {
    let case = Case::new("s3_cut");
    let db = case.snapshot();
    let bucket = Bucket::new();
    let hourly = key(false, "pod_usage", "2025-10-31");
    let size = std::fs::metadata(ocp_small().join(&hourly)).unwrap().len();
    bucket.proxy.add_fault(
        "GET",
        "pod_usage.2025-10-31.1.0_0.parquet",
        Fault::CutBody { keep: 100 },
        None,
    );
    let out = case.path("out");
    run(&mut bucket.extract(&case, &out)).fails_transiently_with(&[&format!(
        "koku-extract: error: {}: download failed at {}: the body broke off: ",
        bucket.location(&hourly),
        bucket.proxy.endpoint()
    )]);
    assert_no_outputs(&out, true);

    bucket.proxy.clear_faults();
    bucket.proxy.add_fault(
        "GET",
        "pod_usage.2025-10-31.1.0_0.parquet",
        Fault::ShortBody { keep: 100 },
        None,
    );
    let out = case.path("out2");
    // An object that changed between the listing and the read is seen whole by a later run: 75.
    run(&mut bucket.extract(&case, &out)).fails_transiently_with(&[&format!(
        "koku-extract: error: {}: listed as {size} bytes but 100 bytes were read (changed while reading?)",
        bucket.location(&hourly)
    )]);
    assert_no_outputs(&out, true);
    assert_same_db(&db, &case.snapshot());
}

/// A bucket that does not exist, and an endpoint without a scheme (koku adds https://) in front of a
/// plain-HTTP server: one line each, with the endpoint, the prefix and the kind, and for the second
/// the hint.
#[test]
fn s3_errors_name_endpoint_bucket_and_kind() {
    let case = Case::new("s3_errors");
    let db = case.snapshot();
    let s3 = shared_s3();
    let prefix = format!(
        "s3://no-such-bucket/data/parquet/{SCHEMA}/OCP/pod_usage/source={SOURCE}/year=2025/month=10/"
    );
    let out = case.path("out");
    let mut c = case.extract(Path::new("s3://no-such-bucket"), &out);
    c.env("S3_ENDPOINT", s3.endpoint())
        .env("S3_ACCESS_KEY", S3_ACCESS_KEY)
        .env("S3_SECRET", S3_SECRET_KEY);
    let ran = run(&mut c);
    let line = ran.fails_with(&[]);
    assert_eq!(
        line,
        format!(
            "koku-extract: error: {prefix}: listing failed at {}: NoSuchBucket (HTTP 404): \
             The specified bucket does not exist",
            s3.endpoint()
        )
    );
    assert!(!ran.stderr.contains(S3_SECRET_KEY));

    let bare = s3.endpoint().trim_start_matches("http://").to_string();
    c.env("S3_ENDPOINT", &bare).args(["--s3-timeout", "5"]);
    let line = run(&mut c).fails_with(&[
        &format!("{prefix}: listing failed at https://{bare}: connection failed: "),
        &format!(
            "S3_ENDPOINT had no scheme, so https:// was added (as koku does); if the server speaks \
             plain HTTP, set S3_ENDPOINT=http://{bare}"
        ),
    ]).to_string();
    assert!(
        line.ends_with(&format!("S3_ENDPOINT=http://{bare}")),
        "{line}"
    );
    assert!(!out.exists());
    assert_same_db(&db, &case.snapshot());
}
