//! The work-directory contract (DESIGN.md, "The work directory contract").
//!
//! A work dir is one folder per run holding `run.json` and one Arrow IPC *file* per dataset. Every file
//! is written under a temporary name and renamed when complete, its SHA-256 is recorded in `run.json`,
//! and its schema metadata repeats the run identity and the schema version. Every stage checks what it
//! reads against `run.json` and refuses a stale, foreign or corrupt work dir with a message naming the
//! file at fault.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::schema::{Dataset, SCHEMA_VERSION};

/// Name of the run description file inside a work dir.
pub const RUN_FILE: &str = "run.json";
/// `format` value of `run.json`.
pub const RUN_FORMAT: &str = "koku-summary-workdir/1";

/// Schema-metadata keys every IPC file carries.
pub mod meta {
    pub const SCHEMA_VERSION: &str = "koku.schema_version";
    pub const DATASET: &str = "koku.dataset";
    pub const RUN_ID: &str = "koku.run_id";
    pub const TENANT_SCHEMA: &str = "koku.schema";
    pub const SOURCE_UUID: &str = "koku.source_uuid";
    pub const YEAR: &str = "koku.year";
    pub const MONTH: &str = "koku.month";
    pub const START_DATE: &str = "koku.start_date";
    pub const END_DATE: &str = "koku.end_date";
}

/// Stage names as recorded in `run.json`.
pub mod stage {
    pub const EXTRACT: &str = "extract";
    pub const TRANSFORM: &str = "transform";
    pub const LOAD: &str = "load";
}

/// What a run is: one source, one window of days inside one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// `ocp`, `aws` (later `ocp-aws`, ...).
    pub flow: String,
    /// Tenant schema, e.g. `org1234567`.
    pub schema: String,
    /// Provider (source) UUID, lowercase with dashes.
    pub source_uuid: String,
    /// OCP: the source's cluster id. Absent for flows without a cluster (not serialised then, so an
    /// OCP run's `run.json` and run id are what they were before other flows existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    pub cluster_alias: Option<String>,
    /// `%Y` of the month.
    pub year: String,
    /// `%m` of the month, zero-padded.
    pub month: String,
    /// First day summarised: the requested start, clamped to the first day with pod data (spec §1 step 2).
    pub start_date: NaiveDate,
    /// Last day summarised (inclusive).
    pub end_date: NaiveDate,
    /// The start date as requested, before clamping.
    pub requested_start_date: NaiveDate,
    /// OCP: the month's `reporting_ocpusagereportperiod` id (koku's delete is keyed on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_period_id: Option<i32>,
    /// AWS: the month's `reporting_awscostentrybill` id (koku's delete is keyed on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_id: Option<i32>,
    /// OCP-on-AWS: the cluster ids of the OCP sources named with `--ocp-source` when they are a subset
    /// of the AWS source's pairs; the load's delete is then narrowed to them. Absent: every cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocp_cluster_ids: Option<Vec<String>>,
}

impl RunIdentity {
    /// A stable id derived from the identity, so that re-running a stage with the same inputs writes
    /// byte-identical files (a random id would not).
    pub fn run_id(&self) -> String {
        let text = serde_json::to_string(self).expect("identity serialises");
        let digest = Sha256::digest(text.as_bytes());
        hex::encode(&digest[..8])
    }

    /// One line for people: `ocp run of org1234567, source …, cluster c1 ("My Cluster"), days
    /// 2025-10-01..2025-10-31 of 2025-10, report period 7`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} run of {}, source {}",
            self.flow, self.schema, self.source_uuid
        );
        if let Some(c) = &self.cluster_id {
            s.push_str(&format!(", cluster {c}"));
        }
        if let Some(a) = &self.cluster_alias {
            s.push_str(&format!(" ({a:?})"));
        }
        s.push_str(&format!(
            ", days {}..{} of {}-{}",
            self.start_date, self.end_date, self.year, self.month
        ));
        if self.requested_start_date != self.start_date {
            s.push_str(&format!(" (requested from {})", self.requested_start_date));
        }
        if let Some(rp) = self.report_period_id {
            s.push_str(&format!(", report period {rp}"));
        }
        if let Some(b) = self.bill_id {
            s.push_str(&format!(", bill {b}"));
        }
        s
    }

    /// The key/value metadata every IPC file of this run carries.
    pub fn metadata(&self, dataset: &Dataset) -> std::collections::HashMap<String, String> {
        [
            (meta::SCHEMA_VERSION, SCHEMA_VERSION.to_string()),
            (meta::DATASET, dataset.name.to_string()),
            (meta::RUN_ID, self.run_id()),
            (meta::TENANT_SCHEMA, self.schema.clone()),
            (meta::SOURCE_UUID, self.source_uuid.clone()),
            (meta::YEAR, self.year.clone()),
            (meta::MONTH, self.month.clone()),
            (meta::START_DATE, self.start_date.to_string()),
            (meta::END_DATE, self.end_date.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// One object read by a stage (an S3 key or local file, or a work-dir file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    pub key: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// One file a stage wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub file: String,
    pub rows: u64,
    pub sha256: String,
}

/// What one stage did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    pub tool: String,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    #[serde(default)]
    pub inputs: Vec<InputRecord>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputRecord>,
    /// Stage-specific facts (rows deleted, rows inserted, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, serde_json::Value>,
}

/// The content of `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    pub format: String,
    pub schema_version: String,
    pub run_id: String,
    pub run: RunIdentity,
    #[serde(default)]
    pub stages: BTreeMap<String, StageRecord>,
}

/// An opened work directory.
#[derive(Debug)]
pub struct WorkDir {
    path: PathBuf,
    run: RunFile,
    /// Made by [`WorkDir::create`] and no stage recorded yet: `run.json` on disk is still the earlier
    /// run's (if any), and these are the earlier run's data files, removed when the first stage of
    /// this run is recorded unless it replaced them.
    earlier_files: Option<Vec<PathBuf>>,
}

impl WorkDir {
    /// Refuse `path` as the work dir of a run of `flow` for `schema`/`source_uuid` when it holds another
    /// run's `run.json`, or files that are not a work dir's; a missing folder is fine. Nothing is
    /// changed: a stage calls this first, before any expensive work, so that a wrong `--out` fails fast.
    pub fn check_reusable(path: &Path, schema: &str, source_uuid: &str, flow: &str) -> Result<()> {
        let run_path = path.join(RUN_FILE);
        if run_path.exists() {
            let existing = read_run_file(&run_path)?;
            if existing.run.schema != schema
                || existing.run.source_uuid != source_uuid
                || existing.run.flow != flow
            {
                return Err(Error::ForeignWorkDir {
                    path: run_path,
                    reason: format!(
                        "it belongs to {} source {} (flow {}); use an empty folder for this run",
                        existing.run.schema, existing.run.source_uuid, existing.run.flow
                    ),
                });
            }
        } else if path.exists()
            && let Some(stray) = fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .find(|p| !is_tmp_file(p))
        {
            return Err(Error::NotEmpty {
                path: path.to_path_buf(),
                found: stray,
            });
        }
        Ok(())
    }

    /// Start (or restart) a run in `path`: creates the folder if needed. Refuses a folder that holds
    /// another run's `run.json`, or files that are not a work dir's ([`WorkDir::check_reusable`]).
    ///
    /// An earlier run of the same source stays as it was until this run's first stage is recorded
    /// ([`WorkDir::record_stage`]): its `run.json` and files are replaced only then, so a run that fails
    /// leaves the earlier one intact (its outputs are written under temporary names until they are
    /// complete). Temporary files a killed stage left behind are removed now, unless their process is
    /// still running.
    pub fn create(path: &Path, identity: RunIdentity) -> Result<WorkDir> {
        Self::check_reusable(
            path,
            &identity.schema,
            &identity.source_uuid,
            &identity.flow,
        )?;
        fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
        let run = RunFile {
            format: RUN_FORMAT.into(),
            schema_version: SCHEMA_VERSION.into(),
            run_id: identity.run_id(),
            run: identity,
            stages: BTreeMap::new(),
        };
        let earlier_files = fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "arrow"))
            .collect();
        let wd = WorkDir {
            path: path.to_path_buf(),
            run,
            earlier_files: Some(earlier_files),
        };
        wd.remove_stale_tmp_files()?;
        Ok(wd)
    }

    /// Open an existing work dir, checking `run.json`'s format and schema version.
    pub fn open(path: &Path) -> Result<WorkDir> {
        let run_path = path.join(RUN_FILE);
        if !run_path.exists() {
            return Err(Error::NotAWorkDir {
                path: path.to_path_buf(),
            });
        }
        let run = read_run_file(&run_path)?;
        Ok(WorkDir {
            path: path.to_path_buf(),
            run,
            earlier_files: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn run(&self) -> &RunFile {
        &self.run
    }

    pub fn identity(&self) -> &RunIdentity {
        &self.run.run
    }

    pub fn stage(&self, name: &str) -> Option<&StageRecord> {
        self.run.stages.get(name)
    }

    /// The record of a stage that must already have run.
    pub fn require_stage(&self, name: &str, hint: &str) -> Result<&StageRecord> {
        self.stage(name).ok_or_else(|| Error::MissingStage {
            path: self.path.join(RUN_FILE),
            stage: name.to_string(),
            hint: hint.to_string(),
        })
    }

    /// Remove temporary files a stage killed mid-write left behind (`.<name>.tmp<pid>`), unless the
    /// process that writes them is still running (another stage on this work dir). Returns what was
    /// removed.
    pub fn remove_stale_tmp_files(&self) -> Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        for entry in fs::read_dir(&self.path)
            .map_err(|e| Error::io(&self.path, e))?
            .flatten()
        {
            let p = entry.path();
            let Some(pid) = tmp_file_pid(&p) else {
                continue;
            };
            if pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists() {
                continue;
            }
            fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
            removed.push(p);
        }
        Ok(removed)
    }

    /// Record a finished stage and drop the records of the stages after it (their files are stale now).
    /// The first stage of a new run ([`WorkDir::create`]) also removes the earlier run's files that it
    /// did not replace.
    pub fn record_stage(&mut self, name: &str, record: StageRecord) -> Result<()> {
        if let Some(earlier) = self.earlier_files.take() {
            let keep: Vec<&str> = record.outputs.values().map(|o| o.file.as_str()).collect();
            for p in earlier {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                if !keep.contains(&name) && p.exists() {
                    fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
                }
            }
        }
        let later: &[&str] = match name {
            stage::EXTRACT => &[stage::TRANSFORM, stage::LOAD],
            stage::TRANSFORM => &[stage::LOAD],
            _ => &[],
        };
        for l in later {
            self.run.stages.remove(*l);
        }
        self.run.stages.insert(name.to_string(), record);
        self.save()
    }

    fn save(&self) -> Result<()> {
        let run_path = self.path.join(RUN_FILE);
        let text = serde_json::to_string_pretty(&self.run).expect("run file serialises");
        write_atomically(&run_path, |w| {
            w.write_all(text.as_bytes())?;
            w.write_all(b"\n")
        })
    }

    /// Start writing `dataset`. Nothing appears under the real name until [`DatasetWriter::finish`].
    pub fn writer(&self, dataset: &'static Dataset) -> Result<DatasetWriter> {
        DatasetWriter::create(&self.path, dataset, &self.run.run)
    }

    /// Open `dataset` as written by `stage_name`, after checking that the file is the one `run.json`
    /// records (checksum), belongs to this run (metadata) and has the canonical schema.
    pub fn reader(&self, stage_name: &str, dataset: &'static Dataset) -> Result<DatasetReader> {
        let (file, sha256) = self.recorded_output(stage_name, dataset)?;
        check_sha256(&file, &sha256)?;
        DatasetReader::open(&file, dataset, Some(&self.run.run_id))
    }

    /// [`WorkDir::reader`] without the checksum, for a caller that checks every checksum of the stage
    /// on another thread ([`WorkDir::check_outputs_in_background`]) and waits for that before it
    /// keeps anything it computed.
    pub fn reader_checked_later(
        &self,
        stage_name: &str,
        dataset: &'static Dataset,
        _checks: &BackgroundChecks,
    ) -> Result<DatasetReader> {
        let (file, _) = self.recorded_output(stage_name, dataset)?;
        DatasetReader::open(&file, dataset, Some(&self.run.run_id))
    }

    /// Start checking the checksum of every output `stage_name` recorded, on another thread (perf:
    /// hashing the inputs is a few percent of the transform, and the machine has a second core).
    pub fn check_outputs_in_background(&self, stage_name: &str) -> Result<BackgroundChecks> {
        let files: Vec<(PathBuf, String)> = self
            .require_stage(stage_name, "")?
            .outputs
            .values()
            .map(|o| (self.path.join(&o.file), o.sha256.clone()))
            .collect();
        let handle = std::thread::Builder::new()
            .name("checksums".into())
            .spawn(move || {
                files
                    .iter()
                    .try_for_each(|(file, sha256)| check_sha256(file, sha256))
            })
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(BackgroundChecks(handle))
    }

    fn recorded_output(
        &self,
        stage_name: &str,
        dataset: &'static Dataset,
    ) -> Result<(PathBuf, String)> {
        let record = self
            .require_stage(stage_name, "")?
            .outputs
            .get(dataset.name)
            .ok_or_else(|| Error::MissingDataset {
                path: self.path.join(RUN_FILE),
                dataset: dataset.name.to_string(),
                stage: stage_name.to_string(),
            })?;
        Ok((self.path.join(&record.file), record.sha256.clone()))
    }

    /// The checksums of the given stage's outputs, as inputs of the next stage.
    pub fn outputs_as_inputs(&self, stage_name: &str) -> Vec<InputRecord> {
        self.stage(stage_name)
            .map(|s| {
                s.outputs
                    .values()
                    .map(|o| InputRecord {
                        key: o.file.clone(),
                        size: fs::metadata(self.path.join(&o.file))
                            .map(|m| m.len())
                            .unwrap_or(0),
                        etag: None,
                        sha256: Some(o.sha256.clone()),
                        rows: Some(o.rows),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Check that `later` consumed exactly what `earlier` currently records (else `earlier` re-ran
    /// after `later`, and `later`'s outputs are stale).
    pub fn check_consumed(&self, earlier: &str, later: &str, rerun_hint: &str) -> Result<()> {
        let later_rec = self.require_stage(later, rerun_hint)?;
        let earlier_rec = self.require_stage(earlier, "")?;
        for (name, out) in &earlier_rec.outputs {
            let used = later_rec.inputs.iter().find(|i| i.key == out.file);
            if used.and_then(|u| u.sha256.as_deref()) != Some(out.sha256.as_str()) {
                return Err(Error::StaleWorkDir {
                    path: self.path.join(&out.file),
                    reason: format!(
                        "dataset {name} was rewritten by {earlier} after {later} ran; {rerun_hint}"
                    ),
                });
            }
        }
        Ok(())
    }
}

fn read_run_file(run_path: &Path) -> Result<RunFile> {
    let text = fs::read_to_string(run_path).map_err(|e| Error::io(run_path, e))?;
    let run: RunFile = serde_json::from_str(&text).map_err(|e| Error::BadRunFile {
        path: run_path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if run.format != RUN_FORMAT {
        return Err(Error::BadRunFile {
            path: run_path.to_path_buf(),
            reason: format!("format is {:?}, expected {RUN_FORMAT:?}", run.format),
        });
    }
    if run.schema_version != SCHEMA_VERSION {
        return Err(Error::StaleWorkDir {
            path: run_path.to_path_buf(),
            reason: format!(
                "written with schema version {}, this tool uses {SCHEMA_VERSION}; re-run koku-extract",
                run.schema_version
            ),
        });
    }
    if run.run_id != run.run.run_id() {
        return Err(Error::BadRunFile {
            path: run_path.to_path_buf(),
            reason: "run_id does not match the run identity (edited by hand?)".into(),
        });
    }
    Ok(run)
}

fn is_tmp_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && n.contains(".tmp"))
}

/// The pid in a temporary file's name (`.<name>.tmp<pid>`).
fn tmp_file_pid(p: &Path) -> Option<u32> {
    let name = p.file_name()?.to_str()?;
    if !name.starts_with('.') {
        return None;
    }
    name.rsplit_once(".tmp")?.1.parse().ok()
}

fn tmp_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Write `path` through a temporary file in the same folder, fsync it, then rename it into place.
pub fn write_atomically(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<()> {
    let tmp = tmp_path(path);
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp)?);
        body(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// SHA-256 of a file as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = BufReader::new(File::open(path).map_err(|e| Error::io(path, e))?);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// A `Write` that hashes what passes through it.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Streams record batches of one dataset into its IPC file.
pub struct DatasetWriter {
    dataset: &'static Dataset,
    final_path: PathBuf,
    tmp_path: PathBuf,
    schema: SchemaRef,
    writer: Option<FileWriter<HashingWriter<BufWriter<File>>>>,
    rows: u64,
}

impl DatasetWriter {
    fn create(dir: &Path, dataset: &'static Dataset, identity: &RunIdentity) -> Result<Self> {
        let final_path = dir.join(dataset.file_name());
        let tmp = tmp_path(&final_path);
        let schema = SchemaRef::new(
            Schema::new(dataset.schema().fields().clone())
                .with_metadata(identity.metadata(dataset)),
        );
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let hw = HashingWriter {
            inner: BufWriter::with_capacity(1 << 20, file),
            hasher: Sha256::new(),
        };
        let writer = FileWriter::try_new(hw, &schema).map_err(|e| write_error(&tmp, e))?;
        Ok(DatasetWriter {
            dataset,
            final_path,
            tmp_path: tmp,
            schema,
            writer: Some(writer),
            rows: 0,
        })
    }

    /// The schema batches must have (canonical fields; metadata is added here).
    pub fn schema(&self) -> SchemaRef {
        self.dataset.schema()
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let batch = RecordBatch::try_new(self.schema.clone(), batch.columns().to_vec())
            .map_err(|e| write_error(&self.final_path, e))?;
        self.rows += batch.num_rows() as u64;
        self.writer
            .as_mut()
            .expect("writer open until finish")
            .write(&batch)
            .map_err(|e| write_error(&self.tmp_path, e))
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Complete the file: footer, fsync, rename into place. Returns what `run.json` records.
    pub fn finish(mut self) -> Result<OutputRecord> {
        let writer = self.writer.take().expect("writer open until finish");
        let done = self.complete(writer);
        if done.is_err() {
            // The writer is taken, so `Drop` will not clean up (a full disk fails here, at the
            // flush of the last buffer): leave nothing behind.
            let _ = fs::remove_file(&self.tmp_path);
        }
        done
    }

    fn complete(
        &self,
        mut writer: FileWriter<HashingWriter<BufWriter<File>>>,
    ) -> Result<OutputRecord> {
        writer
            .finish()
            .map_err(|e| write_error(&self.tmp_path, e))?;
        let hw = writer
            .into_inner()
            .map_err(|e| write_error(&self.tmp_path, e))?;
        let sha256 = hex::encode(hw.hasher.finalize());
        let file = hw
            .inner
            .into_inner()
            .map_err(|e| Error::io(&self.tmp_path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.tmp_path, e))?;
        fs::rename(&self.tmp_path, &self.final_path).map_err(|e| Error::io(&self.final_path, e))?;
        Ok(OutputRecord {
            file: self.dataset.file_name(),
            rows: self.rows,
            sha256,
        })
    }
}

impl Drop for DatasetWriter {
    fn drop(&mut self) {
        // Not finished (error or panic): leave nothing behind.
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.tmp_path);
        }
    }
}

/// An error while writing an IPC file: a failed write (a full disk) is an I/O error of the file, not
/// an Arrow format problem.
fn write_error(path: &Path, e: arrow::error::ArrowError) -> Error {
    match e {
        arrow::error::ArrowError::IoError(_, source) => Error::io(path, source),
        other => Error::WriteArrow {
            path: path.to_path_buf(),
            source: other,
        },
    }
}

fn check_sha256(file: &Path, expected: &str) -> Result<()> {
    let actual = sha256_file(file)?;
    if actual != expected {
        return Err(Error::ChecksumMismatch {
            path: file.to_path_buf(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}

/// Checksums being checked on another thread ([`WorkDir::check_outputs_in_background`]).
#[must_use = "wait() for the checks before keeping what was computed from the files"]
pub struct BackgroundChecks(std::thread::JoinHandle<Result<()>>);

impl BackgroundChecks {
    /// Wait for the checks: the first mismatch or read error, if any.
    pub fn wait(self) -> Result<()> {
        match self.0.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// Reads the batches of one dataset's IPC file, checked against the canonical schema.
pub struct DatasetReader {
    path: PathBuf,
    reader: FileReader<BufReader<File>>,
}

impl DatasetReader {
    /// Open an IPC file and check dataset name, schema version, run id (when given) and columns.
    pub fn open(path: &Path, dataset: &'static Dataset, run_id: Option<&str>) -> Result<Self> {
        let f = File::open(path).map_err(|e| Error::io(path, e))?;
        let reader =
            FileReader::try_new(BufReader::new(f), None).map_err(|e| Error::arrow(path, e))?;
        let schema = reader.schema();
        let md = schema.metadata();
        let get = |k: &str| md.get(k).map(String::as_str);
        if get(meta::DATASET) != Some(dataset.name) {
            return Err(Error::ForeignWorkDir {
                path: path.to_path_buf(),
                reason: format!(
                    "holds dataset {:?}, expected {:?}",
                    get(meta::DATASET).unwrap_or("(none)"),
                    dataset.name
                ),
            });
        }
        if get(meta::SCHEMA_VERSION) != Some(SCHEMA_VERSION) {
            return Err(Error::StaleWorkDir {
                path: path.to_path_buf(),
                reason: format!(
                    "schema version {:?}, this tool uses {SCHEMA_VERSION:?}",
                    get(meta::SCHEMA_VERSION).unwrap_or("(none)")
                ),
            });
        }
        if let Some(expected) = run_id
            && get(meta::RUN_ID) != Some(expected)
        {
            return Err(Error::ForeignWorkDir {
                path: path.to_path_buf(),
                reason: format!(
                    "written by run {:?}, but run.json describes run {expected:?}",
                    get(meta::RUN_ID).unwrap_or("(none)")
                ),
            });
        }
        let canonical = dataset.schema();
        if schema.fields() != canonical.fields() {
            let detail = canonical
                .fields()
                .iter()
                .zip(
                    schema
                        .fields()
                        .iter()
                        .map(Some)
                        .chain(std::iter::repeat(None)),
                )
                .find(|(c, a)| a.map(|a| a.as_ref()) != Some(c.as_ref()))
                .map(|(c, a)| match a {
                    Some(a) => format!(
                        "column {:?} ({}) where {:?} ({}) was expected",
                        a.name(),
                        a.data_type(),
                        c.name(),
                        c.data_type()
                    ),
                    None => format!("column {:?} is missing", c.name()),
                })
                .unwrap_or_else(|| "extra columns".into());
            return Err(Error::SchemaMismatch {
                path: path.to_path_buf(),
                detail,
            });
        }
        Ok(DatasetReader {
            path: path.to_path_buf(),
            reader,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Go back to the first batch, for a second pass over the file (its checksum was checked on open).
    pub fn rewind(&mut self) -> Result<()> {
        if self.reader.num_batches() == 0 {
            // Nothing to go back to (arrow refuses index 0 of a file without batches).
            return Ok(());
        }
        self.reader
            .set_index(0)
            .map_err(|e| Error::arrow(&self.path, e))
    }

    /// Read every batch (for the small datasets).
    pub fn read_all(self) -> Result<Vec<RecordBatch>> {
        let path = self.path.clone();
        self.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::arrow(&path, e))
    }
}

impl Iterator for DatasetReader {
    type Item = std::result::Result<RecordBatch, arrow::error::ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.reader.next()
    }
}
