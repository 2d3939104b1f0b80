//! A local folder with koku's key layout (`<root>/data/parquet/...`).
//!
//! Listing walks the folder tree below the prefix (following symlinks, like reading through a mounted
//! bucket would); reading loads the whole file on the runtime's blocking pool so that several files
//! can be read ahead while the previous one is decoded, exactly like S3 fetches.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::{ObjectMeta, ObjectSource, is_data_file};
use crate::error::{ExtractError, Result};

/// Objects under a local folder.
#[derive(Debug, Clone)]
pub struct LocalSource {
    root: PathBuf,
}

impl LocalSource {
    /// The folder must exist (a typo in `--from` should not look like "no data"); prefixes below it
    /// may be missing.
    pub fn new(root: impl Into<PathBuf>) -> Result<LocalSource> {
        let root = root.into();
        match fs::metadata(&root) {
            // Absolute (not canonical: symlinks are kept) so that run.json names the files unambiguously.
            Ok(m) if m.is_dir() => Ok(LocalSource {
                root: std::path::absolute(&root).unwrap_or(root),
            }),
            Ok(_) => Err(ExtractError::Usage(format!(
                "--from {}: not a folder",
                root.display()
            ))),
            Err(e) => Err(ExtractError::Usage(format!(
                "--from {}: {e}",
                root.display()
            ))),
        }
    }

    fn path_of(&self, key: &str) -> PathBuf {
        key.split('/').fold(self.root.clone(), |p, seg| p.join(seg))
    }

    fn walk(&self, dir: &Path, key: &str, out: &mut Vec<ObjectMeta>) -> Result<()> {
        let entries = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(ExtractError::source_err(
                    dir.display().to_string(),
                    e.to_string(),
                ));
            }
        };
        for entry in entries {
            let entry = entry
                .map_err(|e| ExtractError::source_err(dir.display().to_string(), e.to_string()))?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                tracing::warn!(path = %path.display(), "skipping a file whose name is not UTF-8");
                continue;
            };
            let child_key = format!("{key}{name}");
            // fs::metadata follows symlinks.
            let meta = fs::metadata(&path)
                .map_err(|e| ExtractError::source_err(path.display().to_string(), e.to_string()))?;
            if meta.is_dir() {
                if !name.starts_with('.') && !name.starts_with('_') {
                    self.walk(&path, &format!("{child_key}/"), out)?;
                }
            } else {
                out.push(ObjectMeta {
                    key: child_key,
                    size: meta.len(),
                    etag: None,
                });
            }
        }
        Ok(())
    }
}

impl ObjectSource for LocalSource {
    fn root(&self) -> String {
        self.root.display().to_string()
    }

    fn location(&self, key: &str) -> String {
        self.path_of(key).display().to_string()
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<ObjectMeta>>> {
        async move {
            let mut out = Vec::new();
            self.walk(
                &self.path_of(prefix.trim_end_matches('/')),
                prefix,
                &mut out,
            )?;
            out.retain(|m| is_data_file(prefix, &m.key));
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        }
        .boxed()
    }

    fn get(&self, meta: &ObjectMeta) -> BoxFuture<'static, Result<Bytes>> {
        let path = self.path_of(&meta.key);
        async move {
            let shown = path.display().to_string();
            match tokio::task::spawn_blocking(move || fs::read(&path)).await {
                Ok(Ok(data)) => Ok(Bytes::from(data)),
                Ok(Err(e)) if koku_common::exit::io_is_transient(&e) => {
                    Err(ExtractError::transient_source_err(shown, e.to_string()))
                }
                Ok(Err(e)) => Err(ExtractError::source_err(shown, e.to_string())),
                Err(e) => Err(ExtractError::source_err(
                    shown,
                    format!("read task failed: {e}"),
                )),
            }
        }
        .boxed()
    }
}
