//! Helpers shared by the transform's test files (each test file is its own crate, so not every helper
//! is used by every file).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use arrow::array::{Float64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use koku_common::schema::POD_USAGE_HOURLY;

pub const GIB: f64 = 1_073_741_824.0;
/// 2025-10-01 00:00 UTC in milliseconds.
pub const OCT1_MS: i64 = 1_759_276_800_000;

pub fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

/// Hourly pod rows `(interval_start ms, node, cpu core-seconds, memory byte-seconds)` as a batch.
pub fn hourly_batch(rows: &[(i64, &str, f64, f64)]) -> RecordBatch {
    RecordBatch::try_new(
        POD_USAGE_HOURLY.schema(),
        vec![
            Arc::new(TimestampMillisecondArray::from(
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `koku-extract`, next to this test binary (`target/<profile>/`), like `koku_testkit::workspace_bin`.
/// `cargo test -p koku-transform` does not build other packages' binaries, so it is built (or found
/// up to date) once per test process, into the same target dir and profile.
pub fn extract_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("KOKU_EXTRACT_BIN") {
            return PathBuf::from(p);
        }
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap();
        let profile = profile_dir.file_name().unwrap().to_str().unwrap();
        let mut build = Command::new(env!("CARGO"));
        build
            .args([
                "build",
                "--quiet",
                "-p",
                "koku-extract",
                "--bin",
                "koku-extract",
            ])
            .args([
                "--profile",
                if profile == "debug" { "dev" } else { profile },
            ])
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(workspace_root());
        let status = build.status().expect("run cargo build -p koku-extract");
        assert!(status.success(), "cargo build -p koku-extract failed");
        let bin = profile_dir.join("koku-extract");
        assert!(bin.exists(), "{} not built", bin.display());
        bin
    })
}
