//! `koku-extract ocp-aws`: one AWS source, one window of one month, with the OpenShift sources that may
//! run on it → the work dir's input datasets ([`OCP_AWS_INPUTS`], spec ocp-on-aws §2).
//!
//! Order of operations:
//!
//! 1. validate the run parameters (schema name, window inside the month, `--out`);
//! 2. open every `--ocp-workdir` (an `ocp` run of the same tenant and month, transformed; see
//!    [`ocp_summary`]) — first, so that a wrong one fails before anything is read;
//! 3. resolve the PostgreSQL inputs: the AWS source's bill, markup and account aliases exactly as
//!    `koku-extract aws` reads them, then the OCP sources of the tenant, the candidates
//!    ([`pg_inputs`]), the enabled keys and the matched tags. Every OCP source of the tenant must
//!    have its OCP daily summary here (§2.5): from its `--ocp-workdir`, else from koku's PostgreSQL
//!    table ([`ocp_pg_summary`], with the CSI handles from its raw daily storage usage);
//! 4. list the AWS daily CUR's month partition (no file at all is refused unless `--allow-empty`),
//!    the hourly CUR's, and the candidates' daily pod and storage usage partitions;
//! 5. collect the CSI volume handles of the OCP rows of the window: the hourly CUR rows whose
//!    resource id contains none of them can never be a disk of §4.4's set F, so they are left out
//!    (recorded in `run.json`; with no handle at all the hourly CUR is not read);
//! 6. create the work dir (flow `ocp-aws`, the AWS source, its bill, the named clusters) and stream
//!    every dataset into it, then rename everything into place and record the stage.

pub mod ocp_pg_summary;
pub mod ocp_summary;
pub mod pg_inputs;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use aho_corasick::AhoCorasick;
use arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow::compute::filter_record_batch;
use chrono::{NaiveDate, Utc};
use koku_common::config::DbConfig;
use koku_common::schema::aws::{AWS_ACCOUNT_ALIASES, AWS_LINE_ITEMS_DAILY, AWS_MARKUP};
use koku_common::schema::ocp_aws::{
    AWS_LINE_ITEMS_HOURLY, OCP_AWS_INPUTS, OCP_POD_USAGE_KEYS, OCP_STORAGE_USAGE_KEYS,
};
use koku_common::schema::{ColumnType, Columns, Dataset, OCP_DAILY_SUMMARY, Origin};
use koku_common::workdir::{DatasetWriter, InputRecord, RunIdentity, WorkDir};
use serde_json::json;
use tokio::runtime::Runtime;
use uuid::Uuid;

use crate::aws::pg_inputs::{self as aws_pg, AwsPgOverrides};
use crate::aws::stream_daily_cur;
use crate::error::{ExtractError, Result};
use crate::layout::{Partition, account};
use crate::parquet_read::ParquetFile;
use crate::source::{ObjectMeta, ObjectSource};
use crate::stream::{
    DatasetSummary, ExtractOptions, ExtractReport, datasets_json, fetch_in_order, files_read,
    progress_bar, record_extract, stream_mapped,
};
use crate::window::Window;
use ocp_summary::OcpSummaryInput;
use pg_inputs::{OcpAwsPgOverrides, WorkdirSource};

/// `flow` of the run identity.
pub const FLOW: &str = "ocp-aws";

/// What the daily pod usage files hold of [`OCP_POD_USAGE_KEYS`]: every column but `source`, which
/// only the key holds (the `source=` partition).
const POD_KEYS_IN_FILES: Dataset = Dataset {
    name: OCP_POD_USAGE_KEYS.name,
    origin: OCP_POD_USAGE_KEYS.origin,
    columns: &[
        ("interval_start", ColumnType::Timestamp),
        ("node", ColumnType::Text),
        ("namespace", ColumnType::Text),
        ("resource_id", ColumnType::Text),
    ],
    optional: &[],
};

/// As [`POD_KEYS_IN_FILES`], for [`OCP_STORAGE_USAGE_KEYS`] (older operators wrote no CSI handle).
const STORAGE_KEYS_IN_FILES: Dataset = Dataset {
    name: OCP_STORAGE_USAGE_KEYS.name,
    origin: OCP_STORAGE_USAGE_KEYS.origin,
    columns: &[
        ("interval_start", ColumnType::Timestamp),
        ("persistentvolume", ColumnType::Text),
        ("csi_volume_handle", ColumnType::Text),
    ],
    optional: &["csi_volume_handle"],
};

/// What to extract.
#[derive(Debug, Clone)]
pub struct OcpAwsRequest {
    /// Tenant schema (`org1234567`, legacy `acct10001`).
    pub schema: String,
    /// The AWS source (provider) UUID.
    pub aws_source: Uuid,
    pub year: i32,
    pub month: u32,
    /// Default: the first day of the month.
    pub start_date: Option<NaiveDate>,
    /// Default: the last day of the month.
    pub end_date: Option<NaiveDate>,
    /// The AWS source's inputs given as flags (`--bill-id`, `--markup`, `--account-aliases`).
    pub aws_pg: AwsPgOverrides,
    /// The flow's own inputs given as flags.
    pub pg: OcpAwsPgOverrides,
    /// `--ocp-workdir`: work dirs of `koku-transform ocp`, one per OCP source.
    pub ocp_workdirs: Vec<PathBuf>,
    /// koku's database; `None` = every PostgreSQL input from flags and work dirs.
    pub database: Option<DbConfig>,
    /// The work dir.
    pub out: PathBuf,
}

/// One listed Parquet dataset.
struct Listing {
    prefix: String,
    objects: Vec<ObjectMeta>,
}

fn partition(schema: &str, uuid: &str, window: &Window) -> Partition {
    Partition {
        account: account(schema).to_string(),
        source_uuid: uuid.to_string(),
        year: window.year_str(),
        month: window.month_str(),
    }
}

/// The objects of `dataset` in `partition`, logged.
fn list_in(
    rt: &Runtime,
    source: &Arc<dyn ObjectSource>,
    dataset: &Dataset,
    partition: &Partition,
) -> Result<Listing> {
    let prefix = partition.prefix(dataset).expect("a Parquet dataset");
    let objects = rt.block_on(source.list(&prefix))?;
    tracing::info!(
        dataset = dataset.name,
        files = objects.len(),
        prefix = %source.location(&prefix),
        "listed"
    );
    Ok(Listing { prefix, objects })
}

/// Persistent volume → CSI volume handle of a source's raw daily storage usage of the window (the
/// largest non-empty handle of a volume, should a volume show several).
fn pv_handles(
    rt: &Runtime,
    source: &Arc<dyn ObjectSource>,
    objects: &[ObjectMeta],
    window: &Window,
    opts: &ExtractOptions,
) -> Result<HashMap<String, String>> {
    let mut out: HashMap<String, String> = HashMap::new();
    for (meta, bytes) in fetch_in_order(rt, source, objects, opts.concurrency) {
        let file = source.location(&meta.key);
        let pq = ParquetFile::open(&file, bytes?)?;
        for batch in pq.batches(&STORAGE_KEYS_IN_FILES, window.bounds_ms(), opts.batch_size)? {
            let batch = batch?;
            let c = Columns::new(&STORAGE_KEYS_IN_FILES, &batch);
            let (pv, h) = (c.text("persistentvolume"), c.text("csi_volume_handle"));
            for i in 0..batch.num_rows() {
                if pv.is_null(i) || h.is_null(i) || h.value(i).is_empty() {
                    continue;
                }
                let e = out.entry(pv.value(i).to_string()).or_default();
                if h.value(i) > e.as_str() {
                    *e = h.value(i).to_string();
                }
            }
        }
    }
    Ok(out)
}

/// Run the OCP-on-AWS extract. See the module documentation for the order of operations.
pub fn extract_ocp_aws(
    rt: &Runtime,
    source: Arc<dyn ObjectSource>,
    req: &OcpAwsRequest,
    opts: &ExtractOptions,
) -> Result<ExtractReport> {
    let started_at = Utc::now();
    let aws_uuid = req.aws_source.hyphenated().to_string();
    let crate::preflight::Preflight {
        window,
        month_start,
    } = crate::preflight::preflight(
        &req.schema,
        opts.concurrency,
        req.year,
        req.month,
        req.start_date,
        req.end_date,
        &req.out,
        &aws_uuid,
        FLOW,
    )?;

    // 2. The OCP work dirs.
    let mut ocp: Vec<OcpSummaryInput> = Vec::new();
    for path in &req.ocp_workdirs {
        let input = OcpSummaryInput::open(path, &req.schema, &window)?;
        if let Some(other) = ocp
            .iter()
            .find(|o| o.identity.source_uuid == input.identity.source_uuid)
        {
            return Err(ExtractError::Usage(format!(
                "--ocp-workdir {} and {} are both of OCP source {}: give one work dir per source",
                other.path.display(),
                path.display(),
                input.identity.source_uuid
            )));
        }
        ocp.push(input);
    }
    ocp.sort_by(|a, b| a.identity.source_uuid.cmp(&b.identity.source_uuid));

    // 3. PostgreSQL inputs.
    let aws_flags = AwsPgOverrides {
        // The flow writes its own enabled-keys dataset (AWS and OCP keys) and no organizational
        // units: only the bill, the markup and the account aliases are read the AWS flow's way.
        enabled_keys: Some(Vec::new()),
        without_org_units: true,
        ..req.aws_pg.clone()
    };
    let aws = aws_pg::resolve(
        req.database.as_ref(),
        &req.schema,
        &req.aws_source,
        month_start,
        &aws_flags,
    )?;
    let workdir_sources: Vec<WorkdirSource> = ocp
        .iter()
        .map(|o| WorkdirSource {
            source: o.identity.source_uuid.clone(),
            cluster_id: o.identity.cluster_id.clone(),
            cluster_alias: o.identity.cluster_alias.clone(),
            report_period_id: o.identity.report_period_id,
        })
        .collect();
    let pg = pg_inputs::resolve(
        req.database.as_ref(),
        &req.schema,
        &req.aws_source,
        month_start,
        &req.pg,
        &workdir_sources,
    )?;
    for o in &ocp {
        if !pg.tenant_ocp_sources.contains(&o.identity.source_uuid) {
            return Err(ExtractError::Usage(format!(
                "--ocp-workdir {} is of source {}, which is not an OCP source of {} in the database",
                o.path.display(),
                o.identity.source_uuid,
                req.schema
            )));
        }
    }
    let missing: Vec<String> = pg
        .tenant_ocp_sources
        .iter()
        .filter(|s| !ocp.iter().any(|o| &o.identity.source_uuid == *s))
        .cloned()
        .collect();
    let mut from_db: Vec<(String, RecordBatch)> = Vec::new();
    for m in &missing {
        let Some(db) = req.database.as_ref() else {
            return Err(ExtractError::MissingFlag {
                flag: "--ocp-workdir",
                why: format!(
                    "give --ocp-workdir for source {m} (a work dir of `koku-extract ocp` + `koku-transform ocp` of {}-{})",
                    window.year_str(),
                    window.month_str()
                ),
            });
        };
        let storage = list_in(
            rt,
            &source,
            &STORAGE_KEYS_IN_FILES,
            &partition(&req.schema, m, &window),
        )?;
        let handles = pv_handles(rt, &source, &storage.objects, &window, opts)?;
        let batch = ocp_pg_summary::read(db, &req.schema, m, &window, &handles)?;
        tracing::info!(
            source = %m,
            rows = batch.num_rows(),
            storage_files = storage.objects.len(),
            "OCP daily summary read from koku's PostgreSQL (no --ocp-workdir for this source)"
        );
        from_db.push((m.clone(), batch));
    }
    let ocp_cluster_ids = if req.pg.ocp_sources.is_empty() {
        None
    } else {
        let mut ids = Vec::new();
        for c in &pg.clusters {
            match &c.cluster_id {
                Some(id) if !id.is_empty() => ids.push(id.clone()),
                _ => {
                    return Err(ExtractError::KokuWouldSkip(format!(
                        "--ocp-source {} has no cluster_id in its api_providerauthentication credentials",
                        c.source
                    )));
                }
            }
        }
        ids.sort();
        ids.dedup();
        Some(ids)
    };
    for c in &pg.clusters {
        tracing::info!(
            source = %c.source,
            cluster_id = c.cluster_id.as_deref().unwrap_or(""),
            paired_by = c.paired_by,
            report_period_id = ?c.report_period_id,
            distribution = %c.distribution,
            "candidate OCP source"
        );
    }

    // 4. Listings.
    let list = |dataset: &Dataset, uuid: &str| -> Result<Listing> {
        list_in(rt, &source, dataset, &partition(&req.schema, uuid, &window))
    };
    let daily = list(&AWS_LINE_ITEMS_DAILY, &aws_uuid)?;
    // No daily CUR file at all: as the AWS flow, refused (a wrong --from, prefix or source would
    // otherwise let the load replace koku's rows with nothing).
    if daily.objects.is_empty() {
        if !opts.allow_empty {
            return Err(ExtractError::NoInput {
                location: source.location(&daily.prefix),
                what: "daily CUR (Parquet)".into(),
            });
        }
        tracing::warn!(
            prefix = %source.location(&daily.prefix),
            "no daily CUR files: an empty run (--allow-empty)"
        );
    }

    // 5. CSI handles of the window's OCP rows.
    let mut handles = BTreeSet::new();
    for o in &mut ocp {
        o.csi_handles(&window, &mut handles)?;
    }
    for (_, batch) in &from_db {
        let cols = Columns::new(&OCP_DAILY_SUMMARY, batch);
        disk_names(
            cols.text("csi_volume_handle"),
            cols.text("persistentvolume"),
            &mut handles,
        );
    }
    let hourly = list(&AWS_LINE_ITEMS_HOURLY, &aws_uuid)?;
    let hourly_files_listed = hourly.objects.len();
    let hourly = if handles.is_empty() {
        tracing::info!(
            files = hourly.objects.len(),
            "no CSI volume handle in the OCP rows: the hourly CUR is not read (no disk capacity to infer)"
        );
        Listing {
            prefix: hourly.prefix,
            objects: Vec::new(),
        }
    } else {
        hourly
    };
    let mut keys: Vec<(
        &'static Dataset,
        &'static Dataset,
        Vec<ObjectMeta>,
        Vec<String>,
    )> = Vec::new();
    let mut key_source: HashMap<String, String> = HashMap::new();
    for (out, in_files) in [
        (&OCP_POD_USAGE_KEYS, &POD_KEYS_IN_FILES),
        (&OCP_STORAGE_USAGE_KEYS, &STORAGE_KEYS_IN_FILES),
    ] {
        let mut objects = Vec::new();
        let mut prefixes = Vec::new();
        for c in &pg.clusters {
            let l = list(in_files, &c.source)?;
            if l.objects.is_empty() {
                tracing::warn!(
                    source = %c.source,
                    prefix = %source.location(&l.prefix),
                    "{}: no files for this candidate OCP source (0 rows)",
                    out.name
                );
            }
            for m in &l.objects {
                key_source.insert(m.key.clone(), c.source.clone());
            }
            objects.extend(l.objects);
            prefixes.push(source.location(&l.prefix));
        }
        keys.push((out, in_files, objects, prefixes));
    }

    let matcher = AhoCorasick::new(&handles).map_err(|e| {
        ExtractError::Usage(format!(
            "cannot search the hourly CUR for {} CSI volume handles: {e}",
            handles.len()
        ))
    })?;

    // 6. Work dir and datasets.
    let identity = RunIdentity {
        flow: FLOW.into(),
        schema: req.schema.clone(),
        source_uuid: aws_uuid.clone(),
        cluster_id: None,
        cluster_alias: None,
        year: window.year_str(),
        month: window.month_str(),
        start_date: window.start,
        end_date: window.end,
        requested_start_date: window.start,
        report_period_id: None,
        bill_id: Some(aws.bill_id),
        ocp_cluster_ids,
    };
    let mut workdir = WorkDir::create(&req.out, identity.clone())?;
    let total_files =
        daily.objects.len() + hourly.objects.len() + keys.iter().map(|k| k.2.len()).sum::<usize>();
    let bar = progress_bar(opts.progress, total_files as u64, "extracting");
    let mut pending: Vec<(&'static Dataset, DatasetWriter)> = Vec::new();
    let mut inputs: Vec<InputRecord> = Vec::new();
    let mut summaries: Vec<DatasetSummary> = Vec::new();
    let mut without_date = 0u64;
    let mut hourly_rows_in_window = 0u64;
    for dataset in OCP_AWS_INPUTS.iter().copied() {
        let mut writer = workdir.writer(dataset)?;
        if dataset.name == AWS_LINE_ITEMS_DAILY.name {
            let read = stream_daily_cur(
                rt,
                &source,
                &daily.objects,
                &daily.prefix,
                opts,
                &mut writer,
                &bar,
                &mut |_| {},
            )?;
            without_date = read.without_date;
            summaries.push(read.summary);
            inputs.extend(read.inputs);
        } else if dataset.name == AWS_LINE_ITEMS_HOURLY.name {
            let read = stream_mapped(
                rt,
                &source,
                dataset,
                dataset,
                &hourly.objects,
                window.bounds_ms(),
                opts,
                &mut writer,
                &bar,
                &mut |file, batch| {
                    hourly_rows_in_window += batch.num_rows() as u64;
                    with_a_handle(&batch, &matcher).map_err(|e| ExtractError::arrow(file, e))
                },
            )?;
            summaries.push(parquet_summary(
                dataset,
                &writer,
                hourly.objects.len(),
                source.location(&hourly.prefix),
                read.findings.lines(),
            ));
            inputs.extend(read.inputs);
        } else if let Some((out, in_files, objects, prefixes)) =
            keys.iter().find(|k| k.0.name == dataset.name)
        {
            let read = stream_mapped(
                rt,
                &source,
                in_files,
                out,
                objects,
                window.bounds_ms(),
                opts,
                &mut writer,
                &bar,
                &mut |key, batch| {
                    let uuid = key_source.get(key).ok_or_else(|| {
                        ExtractError::Usage(format!("{key}: not listed under a candidate's prefix"))
                    })?;
                    with_source(out, uuid, &batch).map_err(|e| ExtractError::arrow(key, e))
                },
            )?;
            summaries.push(parquet_summary(
                dataset,
                &writer,
                objects.len(),
                prefixes.join(", "),
                read.findings.lines(),
            ));
            inputs.extend(read.inputs);
        } else if dataset.name == OCP_DAILY_SUMMARY.name {
            let mut from = Vec::new();
            let mut sources: Vec<&str> = ocp
                .iter()
                .map(|o| o.identity.source_uuid.as_str())
                .chain(from_db.iter().map(|(s, _)| s.as_str()))
                .collect();
            sources.sort();
            let sources: Vec<String> = sources.into_iter().map(str::to_string).collect();
            for s in &sources {
                if let Some((_, batch)) = from_db.iter().find(|(d, _)| d == s) {
                    if batch.num_rows() > 0 {
                        writer.write(batch)?;
                    }
                    from.push(format!("{s}: koku's PostgreSQL"));
                    continue;
                }
                let o = ocp
                    .iter_mut()
                    .find(|o| &o.identity.source_uuid == s)
                    .expect("a source of a work dir");
                let rows = o.copy(&window, &mut writer)?;
                tracing::info!(workdir = %o.path.display(), source = %o.identity.source_uuid, rows, "OCP daily summary rows copied");
                from.push(format!("{s}: {}", o.path.display()));
                inputs.push(InputRecord {
                    key: o
                        .path
                        .join(OCP_DAILY_SUMMARY.file_name())
                        .display()
                        .to_string(),
                    size: std::fs::metadata(o.path.join(OCP_DAILY_SUMMARY.file_name()))
                        .map(|m| m.len())
                        .unwrap_or(0),
                    etag: None,
                    sha256: Some(o.sha256.clone()),
                    rows: Some(rows),
                });
            }
            summaries.push(DatasetSummary {
                name: dataset.name,
                rows: writer.rows(),
                files: None,
                from: from.join(", "),
                warnings: Vec::new(),
            });
        } else if dataset.name == AWS_ACCOUNT_ALIASES.name || dataset.name == AWS_MARKUP.name {
            writer.write(&aws.batch(dataset)?)?;
            summaries.push(DatasetSummary {
                name: dataset.name,
                rows: writer.rows(),
                files: None,
                from: aws
                    .provenance_of(dataset)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                warnings: Vec::new(),
            });
        } else if matches!(dataset.origin, Origin::Postgres) {
            writer.write(&pg.batch(dataset)?)?;
            summaries.push(DatasetSummary {
                name: dataset.name,
                rows: writer.rows(),
                files: None,
                from: pg
                    .provenance_of(dataset)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                warnings: Vec::new(),
            });
        } else {
            return Err(ExtractError::Usage(format!(
                "{} is not an input the OCP-on-AWS extract knows how to read",
                dataset.name
            )));
        }
        pending.push((dataset, writer));
    }
    bar.finish_and_clear();

    let hourly_kept = summaries
        .iter()
        .find(|s| s.name == AWS_LINE_ITEMS_HOURLY.name)
        .map_or(0, |s| s.rows);
    let mut details: BTreeMap<String, serde_json::Value> = [
        ("source".to_string(), json!(source.root())),
        ("start_date".into(), json!(window.start.to_string())),
        ("end_date".into(), json!(window.end.to_string())),
        ("bill_id".into(), json!(aws.bill_id)),
        ("markup".into(), json!(aws.markup)),
        ("files_read".into(), json!(files_read(&summaries))),
        ("datasets".into(), datasets_json(&summaries)),
        ("rows_without_usage_date".into(), json!(without_date)),
        (
            "candidate_ocp_sources".into(),
            json!(
                pg.clusters
                    .iter()
                    .map(|c| json!({"source": c.source, "cluster_id": c.cluster_id, "paired_by": c.paired_by,
                                    "report_period_id": c.report_period_id, "distribution": c.distribution}))
                    .collect::<Vec<_>>()
            ),
        ),
        (
            "ocp_workdirs".into(),
            json!(
                ocp.iter()
                    .map(|o| json!({"source": o.identity.source_uuid, "workdir": o.path.display().to_string(),
                                    "days": format!("{}..{}", o.identity.start_date, o.identity.end_date)}))
                    .collect::<Vec<_>>()
            ),
        ),
        (
            "hourly_cur_filter".into(),
            json!({
                "rule": "rows of the window whose lineitem_resourceid contains a non-empty csi_volume_handle of the OCP \
                         daily summary rows (or the PV name of a row without one, for koku-transform's \
                         --attribute-pv-name-disks); the others can never be a disk of spec §4.4's set F",
                "csi_volume_handles": handles.len(),
                "files_listed": hourly_files_listed,
                "files_read": hourly.objects.len(),
                "rows_in_window": hourly_rows_in_window,
                "rows_kept": hourly_kept,
            }),
        ),
        ("matched_tags".into(), json!(pg.matched_tags_note)),
    ]
    .into_iter()
    .collect();
    let provenance: serde_json::Map<String, serde_json::Value> = aws
        .provenance
        .iter()
        .filter(|(k, _)| matches!(*k, "bill_id" | "markup" | "account_aliases"))
        .chain(pg.provenance.iter())
        .map(|(k, p)| (k.to_string(), json!(p.to_string())))
        .collect();
    details.insert(
        "postgres_inputs".into(),
        serde_json::Value::Object(provenance),
    );
    let outputs = record_extract(&mut workdir, pending, started_at, inputs, details)?;
    Ok(ExtractReport {
        identity,
        datasets: summaries,
        outputs,
    })
}

fn parquet_summary(
    dataset: &'static Dataset,
    writer: &DatasetWriter,
    files: usize,
    from: String,
    warnings: Vec<String>,
) -> DatasetSummary {
    for w in &warnings {
        tracing::warn!("{}: {w}", dataset.name);
    }
    DatasetSummary {
        name: dataset.name,
        rows: writer.rows(),
        files: Some(files),
        from,
        warnings,
    }
}

/// The `source` column (the key's partition) in front of the file's columns.
fn with_source(
    out: &'static Dataset,
    uuid: &str,
    batch: &RecordBatch,
) -> std::result::Result<RecordBatch, arrow::error::ArrowError> {
    let mut columns: Vec<ArrayRef> = vec![Arc::new(StringArray::from_iter_values(
        std::iter::repeat_n(uuid, batch.num_rows()),
    ))];
    columns.extend(batch.columns().iter().cloned());
    RecordBatch::try_new(out.schema(), columns)
}

/// The hourly rows whose `lineitem_resourceid` contains one of the handles `matcher` looks for.
fn with_a_handle(
    batch: &RecordBatch,
    matcher: &AhoCorasick,
) -> std::result::Result<RecordBatch, arrow::error::ArrowError> {
    let ids = Columns::new(&AWS_LINE_ITEMS_HOURLY, batch).text("lineitem_resourceid");
    let keep: BooleanArray = (0..ids.len())
        .map(|i| Some(ids.is_valid(i) && matcher.is_match(ids.value(i))))
        .collect();
    filter_record_batch(batch, &keep)
}

/// The names a disk's AWS resource id may contain (the hourly CUR filter): each row's non-empty CSI
/// volume handle, or, for a row without one, its PV name — koku never sizes such a volume (spec
/// §7.2), but `koku-transform ocp-aws --attribute-pv-name-disks` does, from these hourly lines.
fn disk_names(
    csi: &arrow::array::StringArray,
    pv: &arrow::array::StringArray,
    into: &mut BTreeSet<String>,
) {
    for i in 0..csi.len() {
        if csi.is_valid(i) && !csi.value(i).is_empty() {
            into.insert(csi.value(i).to_string());
        } else if pv.is_valid(i) && !pv.value(i).is_empty() {
            into.insert(pv.value(i).to_string());
        }
    }
}
