//! The small PostgreSQL inputs of an AWS run (spec aws-daily-summary §1.2 steps 2–3, §2.2), from koku's
//! database or from flags.
//!
//! As for OCP: a flag overrides the database; without a database every value must come from its flag
//! and the error names every missing one; the database is only contacted when some value is not given
//! by a flag; all reads share one read-only, repeatable-read snapshot.
//!
//! koku's reads, reproduced here:
//! * bill — `bills_for_provider_uuid(A, start_date)` (aws_report_db_accessor.py): the
//!   `reporting_awscostentrybill` rows with `provider_id = A` and `billing_period_start` = first of
//!   the month 00:00 UTC; `bills.first()` on that unordered queryset is the lowest id. None → koku logs
//!   "no bill was found, skipping summarization" and does nothing, so we refuse the run with that
//!   explanation (unless `--bill-id` is given);
//! * markup — `CostModelDBAccessor.markup`: the `cost_model` joined through `cost_model_map` with
//!   `provider_uuid = A`, first by the model's ordering (`name`); m = `float(markup.get("value", 0)) /
//!   100` as a Python float, 0 without a cost model. It may be negative;
//! * enabled tag keys — `reporting_enabledtagkeys` with `enabled` and `provider_type = 'AWS'`;
//! * account aliases — the whole `reporting_awsaccountalias` table (the summary joins every usage
//!   account on it);
//! * organizational units — the `reporting_awsorganizationalunit` rows with `provider_id = A` (the
//!   summary's join, DS:149-156). The `--org-units` file may hold other sources' rows (a copy of the
//!   whole table): they are left out the same way.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
use chrono::NaiveDate;
use koku_common::config::DbConfig;
use koku_common::schema::aws::{AWS_ACCOUNT_ALIASES, AWS_MARKUP, AWS_ORGANIZATIONAL_UNITS};
use koku_common::schema::{Dataset, ENABLED_TAG_KEYS};
use uuid::Uuid;

use crate::error::{ExtractError, Result};
use crate::layout::quoted_schema;
use crate::pg::{self, Provenance, normalise_keys, read_csv};

/// Values given on the command line; each one overrides the database.
#[derive(Debug, Clone, Default)]
pub struct AwsPgOverrides {
    /// `reporting_awscostentrybill.id` of the month.
    pub bill_id: Option<i32>,
    /// The cost model's markup value in percent (`markup["value"]`); m = value / 100.
    pub markup_percent: Option<f64>,
    /// `Some(vec![])` = explicitly zero enabled keys.
    pub enabled_keys: Option<Vec<String>>,
    /// CSV with header `id,account_id,account_alias`.
    pub account_aliases: Option<PathBuf>,
    /// CSV with header `id,org_unit_id,org_unit_name,org_unit_path,account_alias_id,provider_id,
    /// created_timestamp,deleted_timestamp`.
    pub org_units: Option<PathBuf>,
    /// The caller does not write the organizational units (the OCP-on-AWS flow): neither the flag
    /// nor the database is asked for them, and they resolve to none.
    pub without_org_units: bool,
}

/// A row of `reporting_awsaccountalias`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccountAlias {
    pub id: i32,
    pub account_id: Option<String>,
    pub account_alias: Option<String>,
}

/// A row of `reporting_awsorganizationalunit` (the columns the summary reads).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrgUnit {
    pub id: i32,
    pub account_alias_id: Option<i32>,
    /// Lower-case hyphenated.
    pub provider_id: Option<String>,
    pub created_timestamp: Option<NaiveDate>,
    pub deleted_timestamp: Option<NaiveDate>,
}

/// Where the markup came from and what it was, for `run.json`.
#[derive(Debug, Clone, PartialEq)]
pub enum MarkupSource {
    /// `--markup`.
    Flag,
    /// The cost model's `markup` JSON as stored.
    CostModel { name: String, markup: String },
    /// The source has no cost model: m = 0.
    NoCostModel,
}

/// The resolved PostgreSQL inputs, sorted for deterministic output.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsPgInputs {
    pub bill_id: i32,
    /// m, the factor koku's SQL multiplies costs by.
    pub markup: f64,
    pub markup_source: MarkupSource,
    /// Sorted, de-duplicated.
    pub enabled_keys: Vec<String>,
    /// Sorted by id.
    pub account_aliases: Vec<AccountAlias>,
    /// The source's rows, sorted by id.
    pub org_units: Vec<OrgUnit>,
    /// `(input, where it came from)`, in a fixed order.
    pub provenance: Vec<(&'static str, Provenance)>,
}

/// Resolve every input: flags first, then the database (if any), else an error naming the flags.
pub fn resolve(
    db: Option<&DbConfig>,
    schema: &str,
    source: &Uuid,
    month_start: NaiveDate,
    flags: &AwsPgOverrides,
) -> Result<AwsPgInputs> {
    let needs_db = flags.bill_id.is_none()
        || flags.markup_percent.is_none()
        || flags.enabled_keys.is_none()
        || flags.account_aliases.is_none()
        || (flags.org_units.is_none() && !flags.without_org_units);
    let mut inputs = match db {
        Some(db) if needs_db => from_database(db, schema, source, month_start, flags)?,
        _ => from_flags(flags, source)?,
    };
    inputs.enabled_keys = normalise_keys(std::mem::take(&mut inputs.enabled_keys));
    inputs.account_aliases.sort();
    inputs.org_units.sort();
    Ok(inputs)
}

/// m from `--markup` (percent), as koku computes it from the stored value: `float(value) / 100`.
fn markup_from_percent(percent: f64) -> Result<f64> {
    if !percent.is_finite() {
        return Err(ExtractError::Usage(format!(
            "--markup {percent} is not a finite number of percent"
        )));
    }
    Ok(percent / 100.0)
}

fn from_flags(flags: &AwsPgOverrides, source: &Uuid) -> Result<AwsPgInputs> {
    pg::require_flags(&[
        (
            "--bill-id",
            flags.bill_id.is_some(),
            "id of the month's reporting_awscostentrybill row of the source",
        ),
        (
            "--markup",
            flags.markup_percent.is_some(),
            "the cost model's markup in percent; 0 without a cost model",
        ),
        (
            "--enabled-keys",
            flags.enabled_keys.is_some(),
            "comma-separated enabled AWS tag keys; an empty string means none",
        ),
        (
            "--account-aliases",
            flags.account_aliases.is_some(),
            "CSV file with header id,account_id,account_alias",
        ),
        (
            "--org-units",
            flags.org_units.is_some() || flags.without_org_units,
            "CSV file with header id,org_unit_id,org_unit_name,org_unit_path,account_alias_id,provider_id,created_timestamp,deleted_timestamp",
        ),
    ])?;
    Ok(AwsPgInputs {
        bill_id: flags.bill_id.expect("checked"),
        markup: markup_from_percent(flags.markup_percent.expect("checked"))?,
        markup_source: MarkupSource::Flag,
        enabled_keys: flags.enabled_keys.clone().expect("checked"),
        account_aliases: read_account_aliases(flags.account_aliases.as_deref().expect("checked"))?,
        org_units: match flags.org_units.as_deref() {
            Some(path) => read_org_units(path, source)?,
            None => Vec::new(),
        },
        provenance: vec![
            ("bill_id", Provenance::Flag("--bill-id")),
            ("markup", Provenance::Flag("--markup")),
            ("enabled_keys", Provenance::Flag("--enabled-keys")),
            ("account_aliases", Provenance::Flag("--account-aliases")),
            ("organizational_units", Provenance::Flag("--org-units")),
        ],
    })
}

fn from_database(
    db: &DbConfig,
    schema: &str,
    source: &Uuid,
    month_start: NaiveDate,
    flags: &AwsPgOverrides,
) -> Result<AwsPgInputs> {
    let q = quoted_schema(schema);
    let mut client = pg::connect(db)?;
    let mut tx = pg::snapshot(&mut client)?;
    let mut provenance = Vec::new();

    // Step 3: the month's bill (checked first: without one koku does nothing at all).
    let bill_id = match flags.bill_id {
        Some(id) => {
            provenance.push(("bill_id", Provenance::Flag("--bill-id")));
            id
        }
        None => {
            let start = format!("{month_start} 00:00:00+00");
            let rows = tx
                .query(
                    &format!(
                        "SELECT id::integer FROM {q}.reporting_awscostentrybill \
                         WHERE provider_id = $1 AND billing_period_start = $2::text::timestamptz \
                         ORDER BY id LIMIT 1"
                    ),
                    &[source, &start],
                )
                .map_err(|e| {
                    ExtractError::db(format!("reading {schema}.reporting_awscostentrybill"), e)
                })?;
            provenance.push(("bill_id", Provenance::Database));
            match rows.first() {
                Some(r) => r.get(0),
                None => {
                    return Err(ExtractError::KokuWouldSkip(format!(
                        "no {schema}.reporting_awscostentrybill row for provider {source} with billing_period_start \
                         {month_start} 00:00 UTC; koku would skip this run (\"no bill was found, skipping summarization\": \
                         no delete, no insert). Bills are created when koku converts the month's CUR; pass --bill-id to override"
                    )));
                }
            }
        }
    };

    // Step 2: the markup of the source's cost model.
    let (markup, markup_source) = match flags.markup_percent {
        Some(p) => {
            provenance.push(("markup", Provenance::Flag("--markup")));
            (markup_from_percent(p)?, MarkupSource::Flag)
        }
        None => {
            let rows = tx
                .query(
                    &format!(
                        "SELECT cm.name::text, cm.markup::text FROM {q}.cost_model cm \
                         JOIN {q}.cost_model_map m ON m.cost_model_id = cm.uuid \
                         WHERE m.provider_uuid = $1 ORDER BY cm.name, cm.uuid LIMIT 1"
                    ),
                    &[source],
                )
                .map_err(|e| {
                    ExtractError::db(format!("reading {schema}.cost_model / cost_model_map"), e)
                })?;
            provenance.push(("markup", Provenance::Database));
            match rows.first() {
                None => (0.0, MarkupSource::NoCostModel),
                Some(r) => {
                    let name: String = r.get(0);
                    let markup: Option<String> = r.get(1);
                    let markup = markup.unwrap_or_else(|| "null".into());
                    let m = markup_from_json(&markup).map_err(|why| {
                        ExtractError::Usage(format!(
                            "{schema}.cost_model {name:?} (the cost model of source {source}) has markup {markup}: {why}; \
                             koku's summary would fail on it (float(markup[\"value\"]) / 100). Pass --markup to override"
                        ))
                    })?;
                    (m, MarkupSource::CostModel { name, markup })
                }
            }
        }
    };

    let enabled_keys = match &flags.enabled_keys {
        Some(k) => {
            provenance.push(("enabled_keys", Provenance::Flag("--enabled-keys")));
            k.clone()
        }
        None => {
            provenance.push(("enabled_keys", Provenance::Database));
            pg::enabled_keys(&mut tx, schema, "AWS")?
        }
    };

    let account_aliases = match &flags.account_aliases {
        Some(path) => {
            provenance.push(("account_aliases", Provenance::Flag("--account-aliases")));
            read_account_aliases(path)?
        }
        None => {
            let rows = tx
                .query(
                    &format!(
                        "SELECT id::integer, account_id::text, account_alias::text \
                         FROM {q}.reporting_awsaccountalias"
                    ),
                    &[],
                )
                .map_err(|e| {
                    ExtractError::db(format!("reading {schema}.reporting_awsaccountalias"), e)
                })?;
            provenance.push(("account_aliases", Provenance::Database));
            rows.iter()
                .map(|r| AccountAlias {
                    id: r.get(0),
                    account_id: r.get(1),
                    account_alias: r.get(2),
                })
                .collect()
        }
    };

    let org_units = match &flags.org_units {
        None if flags.without_org_units => Vec::new(),
        Some(path) => {
            provenance.push(("organizational_units", Provenance::Flag("--org-units")));
            read_org_units(path, source)?
        }
        None => {
            let rows = tx
                .query(
                    &format!(
                        "SELECT id::integer, account_alias_id::integer, provider_id::text, \
                                created_timestamp, deleted_timestamp \
                         FROM {q}.reporting_awsorganizationalunit WHERE provider_id = $1"
                    ),
                    &[source],
                )
                .map_err(|e| {
                    ExtractError::db(
                        format!("reading {schema}.reporting_awsorganizationalunit"),
                        e,
                    )
                })?;
            provenance.push(("organizational_units", Provenance::Database));
            rows.iter()
                .map(|r| OrgUnit {
                    id: r.get(0),
                    account_alias_id: r.get(1),
                    provider_id: r.get(2),
                    created_timestamp: r.get(3),
                    deleted_timestamp: r.get(4),
                })
                .collect()
        }
    };
    tx.commit()
        .map_err(|e| ExtractError::db("ending the read-only transaction", e))?;

    Ok(AwsPgInputs {
        bill_id,
        markup,
        markup_source,
        enabled_keys,
        account_aliases,
        org_units,
        provenance,
    })
}

/// koku's `float(markup.get("value", 0)) / 100` on the stored `markup` JSON (`{"value": 10, "unit":
/// "percent"}`; DjangoJSONEncoder may have stored the value as a decimal string). What Python would
/// fail on (not an object, a `value` that `float()` refuses) is an error here too.
pub fn markup_from_json(text: &str) -> std::result::Result<f64, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let serde_json::Value::Object(map) = v else {
        return Err("not a JSON object".into());
    };
    let value = match map.get("value") {
        None => 0.0,
        Some(serde_json::Value::Number(n)) => n
            .as_f64()
            .ok_or_else(|| format!("value {n} is not a number Python reads as a float"))?,
        Some(serde_json::Value::String(s)) => python_float(s)
            .ok_or_else(|| format!("value {s:?} is not a number (Python's float() refuses it)"))?,
        // bool is an int in Python: float(True) == 1.0
        Some(serde_json::Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(other) => return Err(format!("value {other} is not a number")),
    };
    if !value.is_finite() {
        return Err(format!(
            "value {value} is not finite (the markup columns would not fit numeric)"
        ));
    }
    Ok(value / 100.0)
}

/// Python's `float(str)` for the forms a stored markup can take: surrounding whitespace, a sign,
/// digits with `_` separators, a fraction, an exponent; `inf`/`nan` are parsed (and refused by the
/// caller as not finite).
fn python_float(s: &str) -> Option<f64> {
    let t = s.trim();
    // `_` only between two digits, as in Python's numeric literals.
    let b = t.as_bytes();
    let separators_ok = b.iter().enumerate().all(|(i, c)| {
        *c != b'_'
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    });
    if t.is_empty() || !separators_ok {
        return None;
    }
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    let lower = cleaned.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return lower.parse::<f64>().ok().or(Some(f64::NAN));
    }
    if !cleaned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    cleaned.parse::<f64>().ok()
}

impl AwsPgInputs {
    /// The rows of one of the PostgreSQL datasets in its canonical schema.
    pub fn batch(&self, dataset: &'static Dataset) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = if dataset.name == ENABLED_TAG_KEYS.name {
            vec![Arc::new(StringArray::from_iter_values(&self.enabled_keys))]
        } else if dataset.name == AWS_ACCOUNT_ALIASES.name {
            let a = &self.account_aliases;
            vec![
                Arc::new(a.iter().map(|r| Some(r.id)).collect::<Int32Array>()),
                Arc::new(
                    a.iter()
                        .map(|r| r.account_id.as_deref())
                        .collect::<StringArray>(),
                ),
                Arc::new(
                    a.iter()
                        .map(|r| r.account_alias.as_deref())
                        .collect::<StringArray>(),
                ),
            ]
        } else if dataset.name == AWS_ORGANIZATIONAL_UNITS.name {
            let o = &self.org_units;
            let day = |d: &Option<NaiveDate>| d.map(date32);
            vec![
                Arc::new(o.iter().map(|r| Some(r.id)).collect::<Int32Array>()),
                Arc::new(o.iter().map(|r| r.account_alias_id).collect::<Int32Array>()),
                Arc::new(
                    o.iter()
                        .map(|r| r.provider_id.as_deref())
                        .collect::<StringArray>(),
                ),
                Arc::new(
                    o.iter()
                        .map(|r| day(&r.created_timestamp))
                        .collect::<Date32Array>(),
                ),
                Arc::new(
                    o.iter()
                        .map(|r| day(&r.deleted_timestamp))
                        .collect::<Date32Array>(),
                ),
            ]
        } else if dataset.name == AWS_MARKUP.name {
            vec![Arc::new(Float64Array::from(vec![self.markup]))]
        } else {
            return Err(ExtractError::Usage(format!(
                "{} is not a PostgreSQL input dataset of the AWS flow",
                dataset.name
            )));
        };
        RecordBatch::try_new(dataset.schema(), columns)
            .map_err(|e| ExtractError::arrow(dataset.name, e))
    }

    /// Where the rows of a PostgreSQL dataset came from.
    pub fn provenance_of(&self, dataset: &'static Dataset) -> Option<Provenance> {
        let input = if dataset.name == ENABLED_TAG_KEYS.name {
            "enabled_keys"
        } else if dataset.name == AWS_ACCOUNT_ALIASES.name {
            "account_aliases"
        } else if dataset.name == AWS_ORGANIZATIONAL_UNITS.name {
            "organizational_units"
        } else if dataset.name == AWS_MARKUP.name {
            "markup"
        } else {
            return None;
        };
        self.provenance
            .iter()
            .find(|(n, _)| *n == input)
            .map(|(_, p)| *p)
    }
}

/// Days since 1970-01-01 (Arrow's Date32).
fn date32(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn parse_field<T: std::str::FromStr>(
    path: &Path,
    line: usize,
    column: &str,
    value: Option<String>,
    what: &str,
) -> Result<Option<T>> {
    value
        .map(|s| {
            s.trim().parse::<T>().map_err(|_| ExtractError::InputFile {
                path: path.to_path_buf(),
                line,
                message: format!("{column} {s:?} is not {what}"),
            })
        })
        .transpose()
}

/// Read `--account-aliases`: header `id,account_id,account_alias` (`\copy reporting_awsaccountalias
/// TO 'f.csv' CSV HEADER`).
pub fn read_account_aliases(path: &Path) -> Result<Vec<AccountAlias>> {
    read_csv(path, &["id", "account_id", "account_alias"])?
        .into_iter()
        .map(|(line, mut f)| {
            let account_alias = f.pop().flatten();
            let account_id = f.pop().flatten();
            let id = parse_field::<i32>(path, line, "id", f.pop().flatten(), "an integer")?
                .ok_or_else(|| ExtractError::InputFile {
                    path: path.to_path_buf(),
                    line,
                    message: "id is empty (NULL); every alias row has one".into(),
                })?;
            Ok(AccountAlias {
                id,
                account_id,
                account_alias,
            })
        })
        .collect()
}

/// The columns of `--org-units`.
pub const ORG_UNIT_HEADER: &[&str] = &[
    "id",
    "org_unit_id",
    "org_unit_name",
    "org_unit_path",
    "account_alias_id",
    "provider_id",
    "created_timestamp",
    "deleted_timestamp",
];

/// Read `--org-units` ([`ORG_UNIT_HEADER`]) and keep the rows of `source`, as koku's join does.
pub fn read_org_units(path: &Path, source: &Uuid) -> Result<Vec<OrgUnit>> {
    let mut out = Vec::new();
    let mut other_sources = 0usize;
    for (line, f) in read_csv(path, ORG_UNIT_HEADER)? {
        let mut f = f.into_iter();
        let mut next = || f.next().flatten();
        let id = parse_field::<i32>(path, line, "id", next(), "an integer")?;
        let (_ou_id, _name, _path) = (next(), next(), next());
        let account_alias_id =
            parse_field::<i32>(path, line, "account_alias_id", next(), "an integer")?;
        let provider = parse_field::<Uuid>(path, line, "provider_id", next(), "a UUID")?;
        let created = parse_field::<NaiveDate>(
            path,
            line,
            "created_timestamp",
            next(),
            "a date (YYYY-MM-DD)",
        )?;
        let deleted = parse_field::<NaiveDate>(
            path,
            line,
            "deleted_timestamp",
            next(),
            "a date (YYYY-MM-DD)",
        )?;
        let id = id.ok_or_else(|| ExtractError::InputFile {
            path: path.to_path_buf(),
            line,
            message: "id is empty (NULL); every organizational unit row has one".into(),
        })?;
        if provider.as_ref() != Some(source) {
            other_sources += 1;
            continue;
        }
        out.push(OrgUnit {
            id,
            account_alias_id,
            provider_id: provider.map(|p| p.hyphenated().to_string()),
            created_timestamp: created,
            deleted_timestamp: deleted,
        });
    }
    if other_sources > 0 {
        tracing::info!(
            "{}: {other_sources} row(s) of other sources (or without provider_id) left out, as koku's join does",
            path.display()
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_like_python() {
        // float(value) / 100 with the f64 division: 10 → 0.1, 7 → 0.07, -5 → -0.05
        assert_eq!(
            markup_from_json(r#"{"value": 10, "unit": "percent"}"#),
            Ok(0.1)
        );
        assert_eq!(markup_from_json(r#"{"value": 7}"#), Ok(7.0 / 100.0));
        assert_eq!(markup_from_json(r#"{"value": -5}"#), Ok(-0.05));
        assert_eq!(
            markup_from_json(r#"{"value": "12.5000000000", "unit": "percent"}"#),
            Ok(0.125)
        );
        assert_eq!(markup_from_json(r#"{"value": " 1_0 "}"#), Ok(0.1));
        assert_eq!(markup_from_json("{}"), Ok(0.0));
        assert_eq!(markup_from_json(r#"{"unit": "percent"}"#), Ok(0.0));
        assert_eq!(markup_from_json(r#"{"value": true}"#), Ok(0.01));
        for (bad, why) in [
            ("null", "not a JSON object"),
            ("[1]", "not a JSON object"),
            (r#"{"value": null}"#, "not a number"),
            (r#"{"value": "ten"}"#, "float() refuses"),
            (r#"{"value": "nan"}"#, "not finite"),
            (r#"{"value": "1__0"}"#, "float() refuses"),
            (r#"{"value": "1_.0"}"#, "float() refuses"),
            ("{", "not JSON"),
        ] {
            let e = markup_from_json(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert!(markup_from_percent(f64::INFINITY).is_err());
        assert_eq!(markup_from_percent(-5.0).unwrap(), -0.05);
    }

    #[test]
    fn flag_files_are_read_like_copy_csv() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("aliases.csv");
        std::fs::write(&a, "id,account_id,account_alias\n2,222,\n1,111,\"\"\n").unwrap();
        let aliases = read_account_aliases(&a).unwrap();
        assert_eq!(aliases[0].account_alias, None);
        assert_eq!(aliases[1].account_alias.as_deref(), Some(""));
        std::fs::write(&a, "id,account_id,account_alias\nx,111,a\n").unwrap();
        let e = read_account_aliases(&a).unwrap_err().to_string();
        assert!(e.contains("aliases.csv:2") && e.contains("id \"x\""), "{e}");

        let src = Uuid::parse_str("00000000-0000-0000-0000-000000000002").unwrap();
        let o = dir.path().join("ous.csv");
        std::fs::write(
            &o,
            "id,org_unit_id,org_unit_name,org_unit_path,account_alias_id,provider_id,created_timestamp,deleted_timestamp\n\
             10,ou-1,Dev,r/ou-1,1,00000000-0000-0000-0000-000000000002,2025-10-02,\n\
             30,ou-3,Other,r/ou-3,1,00000000-0000-0000-0000-000000000099,2025-01-01,\n\
             31,ou-4,None,r/ou-4,1,,2025-01-01,\n\
             21,ou-2,Legacy,r/ou-2,,00000000-0000-0000-0000-000000000002,2025-09-15,2025-10-03\n",
        )
        .unwrap();
        let ous = read_org_units(&o, &src).unwrap();
        assert_eq!(ous.iter().map(|u| u.id).collect::<Vec<_>>(), vec![10, 21]);
        assert_eq!(ous[1].account_alias_id, None);
        assert_eq!(ous[1].deleted_timestamp, "2025-10-03".parse().ok());
        std::fs::write(
            &o,
            "id,org_unit_id,org_unit_name,org_unit_path,account_alias_id,provider_id,created_timestamp,deleted_timestamp\n\
             10,ou-1,Dev,r/ou-1,1,00000000-0000-0000-0000-000000000002,02/10/2025,\n",
        )
        .unwrap();
        let e = read_org_units(&o, &src).unwrap_err().to_string();
        assert!(
            e.contains("ous.csv:2") && e.contains("created_timestamp \"02/10/2025\""),
            "{e}"
        );
    }

    #[test]
    fn offline_lists_every_missing_flag() {
        let e = resolve(
            None,
            "org1",
            &Uuid::nil(),
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
            &AwsPgOverrides {
                markup_percent: Some(0.0),
                enabled_keys: Some(vec![]),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("missing --bill-id:"), "{e}");
        assert!(
            e.contains("--account-aliases (CSV file with header id,account_id,account_alias)")
                && e.contains("--org-units (CSV file"),
            "{e}"
        );
        assert!(
            !e.contains("--markup") && !e.contains("--enabled-keys"),
            "{e}"
        );
    }
}
