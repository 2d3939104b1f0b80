//! Extract from a real S3-compatible server (moto on 127.0.0.1): the same tree uploaded to a bucket
//! under a key prefix gives byte-identical IPC files to the local-folder run, across several listing
//! pages; an unreachable endpoint and a missing bucket fail clearly.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use common::*;
use koku_common::schema::OCP_INPUTS;
use koku_common::workdir::{WorkDir, stage};
use predicates::prelude::*;

const BUCKET: &str = "koku-report";
const PREFIX: &str = "tenant/root";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_koku-extract"));
    for v in [
        "DATABASE_URL",
        "DATABASE_SERVICE_NAME",
        "DATABASE_NAME",
        "DATABASE_USER",
        "S3_ENDPOINT",
        "S3_BUCKET_NAME",
        "REQUESTED_BUCKET",
        "S3_REGION",
        "S3_CONNECTION_TIMEOUT",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
    ] {
        c.env_remove(v);
    }
    // moto accepts any keys; static keys also keep the SDK away from IMDS.
    c.env("S3_ACCESS_KEY", koku_testkit::S3_ACCESS_KEY)
        .env("S3_SECRET", koku_testkit::S3_SECRET_KEY);
    c
}

fn args(c: &mut Command, from: &str, out: &Path, flags_dir: &Path) {
    let (cc, nodes) = write_flag_files(flags_dir);
    c.args(["ocp", "--from", from])
        .args([
            "--schema", SCHEMA, "--source", SOURCE, "--year", "2025", "--month", "10",
        ])
        .args([
            "--cluster-id",
            "test-cluster-001",
            "--cluster-alias",
            "Test Cluster",
        ])
        .args(["--report-period-id", "7", "--enabled-keys", "app"])
        .arg("--cost-categories")
        .arg(cc)
        .arg("--node-roles")
        .arg(nodes)
        .arg("--out")
        .arg(out);
}

fn client(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new(
            koku_testkit::S3_ACCESS_KEY,
            koku_testkit::S3_SECRET_KEY,
            None,
            None,
            "test",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            let key = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((key, std::fs::read(&p).unwrap()));
        }
    }
}

/// Create the bucket and upload every file of `tree` under `PREFIX/`.
fn upload(endpoint: &str, tree: &Path) -> usize {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut files = Vec::new();
    walk(tree, tree, &mut files);
    rt.block_on(async {
        let c = client(endpoint);
        c.create_bucket().bucket(BUCKET).send().await.unwrap();
        for (key, bytes) in &files {
            c.put_object()
                .bucket(BUCKET)
                .key(format!("{PREFIX}/{key}"))
                .body(ByteStream::from(bytes.clone()))
                .send()
                .await
                .unwrap();
        }
    });
    files.len()
}

#[test]
fn s3_extract_with_pagination_matches_local_byte_for_byte() {
    let server = koku_testkit::S3Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write_tree(&tree);
    let uploaded = upload(&server.endpoint(), &tree);
    assert!(uploaded > 15, "{uploaded}");

    let local = tmp.path().join("local");
    let mut c = bin();
    args(&mut c, tree.to_str().unwrap(), &local, tmp.path());
    c.assert().success();

    let remote = tmp.path().join("remote");
    let mut c = bin();
    args(
        &mut c,
        &format!("s3://{BUCKET}/{PREFIX}/"),
        &remote,
        tmp.path(),
    );
    // One key per ListObjectsV2 page: the hourly prefix alone needs seven pages.
    c.args([
        "--s3-endpoint",
        &server.endpoint(),
        "--s3-page-size",
        "1",
        "--s3-timeout",
        "10",
    ])
    .args(["--concurrency", "3"]);
    let assert = c.assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("openshift_pod_usage_line_items: 5 rows from 3 files"),
        "{stdout}"
    );

    let a = arrow_files(&local);
    assert_eq!(a.len(), OCP_INPUTS.len());
    assert_eq!(arrow_files(&remote), a, "S3 and local outputs differ");

    let wd = WorkDir::open(&remote).unwrap();
    let st = wd.stage(stage::EXTRACT).unwrap();
    assert_eq!(st.inputs.len(), 10);
    for i in &st.inputs {
        assert!(
            i.key
                .starts_with(&format!("s3://{BUCKET}/{PREFIX}/data/parquet/")),
            "{}",
            i.key
        );
        let etag = i.etag.as_deref().expect("S3 inputs carry the ETag");
        assert!(!etag.is_empty() && !etag.contains('"'), "{etag}");
        let rel = i
            .key
            .strip_prefix(&format!("s3://{BUCKET}/{PREFIX}/"))
            .unwrap();
        assert_eq!(i.size, std::fs::metadata(tree.join(rel)).unwrap().len());
    }
    assert_eq!(st.details["source"], format!("s3://{BUCKET}/{PREFIX}"));
    // Secrets never reach run.json.
    let run_json = std::fs::read_to_string(remote.join("run.json")).unwrap();
    assert!(!run_json.contains(koku_testkit::S3_SECRET_KEY));

    // A bucket that does not exist is an error naming it, not an empty dataset.
    let missing = tmp.path().join("missing");
    let mut c = bin();
    args(&mut c, "s3://no-such-bucket", &missing, tmp.path());
    c.args(["--s3-endpoint", &server.endpoint()])
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(
            "s3://no-such-bucket/data/parquet/",
        ))
        .stderr(predicate::str::contains("NoSuchBucket"));
    assert!(!missing.exists());

    // The bucket from koku's environment when the URL names none. The tree lives under PREFIX, so the
    // bucket root holds nothing for the run: refused (a wrong root must not become an empty run that
    // the load would use to replace koku's rows), unless the operator says so.
    let env_bucket = tmp.path().join("env-bucket");
    let mut c = bin();
    args(&mut c, "s3://", &env_bucket, tmp.path());
    c.env("S3_BUCKET_NAME", BUCKET)
        .env("S3_ENDPOINT", server.endpoint())
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "no input: s3://{BUCKET}/data/parquet/daily/{SCHEMA}/OCP/pod_usage/source={SOURCE}/year=2025/month=10/ \
             holds no daily pod usage (Parquet) files"
        )))
        .stderr(predicate::str::contains("--allow-empty"));
    assert!(!env_bucket.exists(), "nothing written");
    let mut c = bin();
    args(&mut c, "s3://", &env_bucket, tmp.path());
    c.arg("--allow-empty")
        .env("S3_BUCKET_NAME", BUCKET)
        .env("S3_ENDPOINT", server.endpoint())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "openshift_pod_usage_line_items: 0 rows from 0 files",
        ));
}

#[test]
fn unreachable_endpoint_fails_quickly_and_clearly() {
    let port = koku_testkit::free_port(); // nothing listens there
    let endpoint = format!("http://127.0.0.1:{port}");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("wd");
    let started = Instant::now();
    let mut c = bin();
    args(&mut c, &format!("s3://{BUCKET}"), &out, tmp.path());
    c.args(["--s3-endpoint", &endpoint, "--s3-timeout", "2"])
        .timeout(Duration::from_secs(120))
        .assert()
        .failure()
        // Unreachable may pass: "retry later" (koku_common::exit).
        .code(75)
        .stderr(predicate::str::contains(format!(
            "s3://{BUCKET}/data/parquet/"
        )))
        .stderr(predicate::str::contains("listing failed"))
        .stderr(predicate::str::contains(koku_testkit::S3_SECRET_KEY).not());
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert!(!out.exists());
}

/// S3 errors are one line naming the endpoint, the bucket and key prefix and the error kind, not the
/// SDK's debug dump; an endpoint without a scheme that fails TLS says that https:// was added.
#[test]
fn s3_errors_are_one_line_with_endpoint_key_and_kind() {
    let server = koku_testkit::S3Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let prefix = format!(
        "s3://no-such-bucket/data/parquet/{SCHEMA}/OCP/pod_usage/source={SOURCE}/year=2025/month=10/"
    );

    let out = tmp.path().join("wd");
    let mut c = bin();
    args(&mut c, "s3://no-such-bucket", &out, tmp.path());
    let got = c
        .args(["--s3-endpoint", &server.endpoint()])
        .assert()
        .failure()
        .code(1);
    let stderr = String::from_utf8(got.get_output().stderr.clone()).unwrap();
    let line = stderr
        .lines()
        .find(|l| l.starts_with("koku-extract: error:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(
        line,
        format!(
            "koku-extract: error: {prefix}: listing failed at {}: NoSuchBucket (HTTP 404): \
             The specified bucket does not exist",
            server.endpoint()
        )
    );

    // moto speaks plain HTTP: the https:// koku adds to a scheme-less endpoint fails the handshake.
    let bare = server.endpoint().trim_start_matches("http://").to_string();
    let mut c = bin();
    args(&mut c, "s3://no-such-bucket", &out, tmp.path());
    let got = c
        .env("S3_ENDPOINT", &bare)
        .args(["--s3-timeout", "5"])
        .assert()
        .failure()
        .code(1);
    let stderr = String::from_utf8(got.get_output().stderr.clone()).unwrap();
    let line = stderr
        .lines()
        .find(|l| l.starts_with("koku-extract: error:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.starts_with(&format!(
            "koku-extract: error: {prefix}: listing failed at https://{bare}: connection failed: "
        )),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            "S3_ENDPOINT had no scheme, so https:// was added (as koku does); if the server speaks \
             plain HTTP, set S3_ENDPOINT=http://{bare}"
        )),
        "{line}"
    );
    assert!(!out.exists());
}
