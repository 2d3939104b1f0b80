//! `koku-extract aws`: the committed AWS fixtures (testdata/aws) from a local folder and from a real
//! S3-compatible server (moto), the PostgreSQL inputs from a real PostgreSQL with koku's tables
//! (scripts/koku-ddl.sql) read like koku, flags overriding them, and the files and runs it refuses.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::*;
use koku_common::schema::ENABLED_TAG_KEYS;
use koku_common::schema::aws::{
    AWS_ACCOUNT_ALIASES, AWS_INPUTS, AWS_LINE_ITEMS_DAILY, AWS_MARKUP, AWS_ORGANIZATIONAL_UNITS,
};
use koku_common::workdir::{WorkDir, stage};
use predicates::prelude::*;

const AWS_SOURCE: &str = "00000000-0000-0000-0000-000000000002";
const BUCKET: &str = "koku-report";

/// The binary with an environment that cannot reach any database or S3 by accident.
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_koku-extract"));
    for v in [
        "DATABASE_URL",
        "DATABASE_SERVICE_NAME",
        "DATABASE_NAME",
        "DATABASE_USER",
        "DATABASE_PASSWORD",
        "S3_ENDPOINT",
        "S3_ACCESS_KEY",
        "S3_SECRET",
        "S3_BUCKET_NAME",
        "REQUESTED_BUCKET",
        "RUST_LOG",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
    ] {
        c.env_remove(v);
    }
    c
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/aws")
        .join(name)
}

/// `aws --from FROM --schema … --source … --year 2025 --month MM [--start-date] [--end-date] --out OUT`.
fn base(c: &mut Command, from: &str, month: &str, window: Option<(&str, &str)>, out: &Path) {
    c.args(["aws", "--from", from])
        .args(["--schema", SCHEMA, "--source", AWS_SOURCE])
        .args(["--year", "2025", "--month", month]);
    if let Some((s, e)) = window {
        c.args(["--start-date", s, "--end-date", e]);
    }
    c.arg("--out").arg(out);
}

/// Every PostgreSQL input as a flag, from a fixture's inputs.json and CSV files.
fn fixture_flags(c: &mut Command, name: &str, bill: &str, markup: &str, keys: &str) {
    let dir = fixture(name);
    c.args([
        "--bill-id",
        bill,
        "--markup",
        markup,
        "--enabled-keys",
        keys,
    ])
    .arg("--account-aliases")
    .arg(dir.join("reporting_awsaccountalias.csv"))
    .arg("--org-units")
    .arg(dir.join("reporting_awsorganizationalunit.csv"));
}

fn stdout_of(c: &mut Command) -> String {
    String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap()
}

#[test]
fn fixture_from_a_folder_and_from_s3_gives_byte_identical_work_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    let tree = fixture("01-ec2-compute");
    let mut c = bin();
    base(
        &mut c,
        tree.to_str().unwrap(),
        "10",
        Some(("2025-10-01", "2025-10-02")),
        &local,
    );
    fixture_flags(&mut c, "01-ec2-compute", "101", "10", "app");
    // The fixture's README: 19 daily rows in two files; one alias, no OU row, one enabled key.
    assert_eq!(
        stdout_of(&mut c),
        "aws_line_items_daily: 19 rows from 2 files\n\
         reporting_enabledtagkeys: 1 rows (--enabled-keys)\n\
         reporting_awsaccountalias: 1 rows (--account-aliases)\n\
         reporting_awsorganizationalunit: 0 rows (--org-units)\n\
         cost_model_markup: 1 rows (--markup)\n"
    );

    let server = koku_testkit::S3Server::start();
    let uploaded = server.upload_dir(BUCKET, &tree);
    assert!(uploaded >= 4, "{uploaded}");
    let remote = tmp.path().join("remote");
    let mut c = bin();
    base(
        &mut c,
        &format!("s3://{BUCKET}"),
        "10",
        Some(("2025-10-01", "2025-10-02")),
        &remote,
    );
    fixture_flags(&mut c, "01-ec2-compute", "101", "10", "app");
    c.args(["--s3-endpoint", &server.endpoint(), "--s3-page-size", "1"])
        .env("S3_ACCESS_KEY", koku_testkit::S3_ACCESS_KEY)
        .env("S3_SECRET", koku_testkit::S3_SECRET_KEY);
    c.assert().success();

    let files = arrow_files(&local);
    assert_eq!(files.len(), AWS_INPUTS.len());
    assert_eq!(arrow_files(&remote), files, "S3 and local outputs differ");

    // The run identity, and only the daily CUR was read (the fixture has hourly files too).
    let wd = WorkDir::open(&remote).unwrap();
    let id = wd.identity();
    assert_eq!(
        (id.flow.as_str(), id.bill_id, id.cluster_id.as_deref()),
        ("aws", Some(101), None)
    );
    assert_eq!(id.report_period_id, None);
    let st = wd.stage(stage::EXTRACT).unwrap();
    assert_eq!(st.inputs.len(), 2);
    for i in &st.inputs {
        assert!(
            i.key.starts_with(&format!(
                "s3://{BUCKET}/data/parquet/daily/{SCHEMA}/AWS/raw/source={AWS_SOURCE}/year=2025/month=10/"
            )),
            "{}",
            i.key
        );
    }
    // m = 10 / 100
    assert_eq!(rows(&remote, &AWS_MARKUP), strs(&[&["0.1"]]));
    assert_eq!(
        st.details["markup"],
        serde_json::json!({"m": 0.1, "from": "--markup"})
    );
    assert_eq!(st.details["rows_without_usage_date"], 0);
}

#[test]
fn the_whole_month_partition_is_kept_whatever_the_window() {
    // 04-month-boundary, October run with a one-day window: the October partition also holds a row
    // dated 2025-09-30 (read by koku's EC2 summary) and the rows of 10-02.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    let tree = fixture("04-month-boundary");
    let mut c = bin();
    base(
        &mut c,
        tree.to_str().unwrap(),
        "10",
        Some(("2025-10-01", "2025-10-01")),
        &out,
    );
    fixture_flags(&mut c, "04-month-boundary", "402", "10", "Name,app");
    c.assert().success();
    let wd = WorkDir::open(&out).unwrap();
    assert_eq!(
        (
            wd.identity().start_date.to_string(),
            wd.identity().end_date.to_string()
        ),
        ("2025-10-01".into(), "2025-10-01".into())
    );
    let days: Vec<String> = rows(&out, &AWS_LINE_ITEMS_DAILY)
        .into_iter()
        .map(|r| r[0][..10].to_string())
        .collect();
    assert!(days.contains(&"2025-09-30".to_string()), "{days:?}");
    assert!(days.contains(&"2025-10-02".to_string()), "{days:?}");
    // Every row of the partition's files was kept (their footers' counts).
    let st = wd.stage(stage::EXTRACT).unwrap();
    let read: u64 = st.inputs.iter().map(|i| i.rows.unwrap()).sum();
    let in_files: u64 = st
        .inputs
        .iter()
        .map(|i| {
            let f = std::fs::File::open(&i.key).unwrap();
            parquet::file::reader::FileReader::metadata(
                &parquet::file::reader::SerializedFileReader::new(f).unwrap(),
            )
            .file_metadata()
            .num_rows() as u64
        })
        .sum();
    assert_eq!((days.len() as u64, read), (in_files, in_files));
    // Σ lineitem_unblendedcost per day, for the load's validation: every day of the partition.
    let daily = st.details["daily_unblended_cost"].as_object().unwrap();
    assert_eq!(
        daily.keys().collect::<Vec<_>>(),
        ["2025-09-30", "2025-10-01", "2025-10-02"]
    );
}

#[test]
fn an_older_cur_without_optional_columns_reads_as_null() {
    // 05-older-cur: day 1's file lacks savingsplan_savingsplaneffectivecost, product_vcpu and
    // costcategory; day 2's has pricing_publicondemandrate all NULL. Markup −5 % → m = −0.05.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    let tree = fixture("05-older-cur");
    let mut c = bin();
    base(&mut c, tree.to_str().unwrap(), "10", None, &out);
    fixture_flags(&mut c, "05-older-cur", "501", "-5", "app");
    c.assert().success();
    let col = |name: &str| AWS_LINE_ITEMS_DAILY.column_index(name).unwrap();
    let all = rows(&out, &AWS_LINE_ITEMS_DAILY);
    assert!(!all.is_empty());
    for r in &all {
        if r[col("lineitem_usagestartdate")].starts_with("2025-10-01") {
            for c in [
                "savingsplan_savingsplaneffectivecost",
                "product_vcpu",
                "costcategory",
            ] {
                assert_eq!(r[col(c)], "NULL", "{c}: {r:?}");
            }
            assert_ne!(r[col("pricing_publicondemandrate")], "NULL");
        } else {
            assert_eq!(r[col("pricing_publicondemandrate")], "NULL", "{r:?}");
            assert_ne!(r[col("costcategory")], "NULL", "{r:?}");
        }
    }
    assert_eq!(rows(&out, &AWS_MARKUP), strs(&[&["-0.05"]]));
}

/// A daily CUR batch with the required columns: (day, account, unblended cost) per row.
fn daily_cur(rows: &[(Option<&str>, &str, Option<f64>)]) -> arrow::array::RecordBatch {
    let n = rows.len();
    let ts_col: arrow::array::ArrayRef =
        std::sync::Arc::new(arrow::array::TimestampMillisecondArray::from(
            rows.iter().map(|r| r.0.map(ms)).collect::<Vec<_>>(),
        ));
    batch(vec![
        ("lineitem_usagestartdate", ts_col),
        ("lineitem_productcode", utf8(&vec![Some("AmazonEC2"); n])),
        (
            "lineitem_usageaccountid",
            utf8(&rows.iter().map(|r| Some(r.1)).collect::<Vec<_>>()),
        ),
        ("lineitem_lineitemtype", utf8(&vec![Some("Usage"); n])),
        ("lineitem_resourceid", utf8(&vec![Some("i-1"); n])),
        ("lineitem_currencycode", utf8(&vec![Some("USD"); n])),
        ("lineitem_usageamount", f64s(&vec![Some(1.0); n])),
        (
            "lineitem_unblendedcost",
            f64s(&rows.iter().map(|r| r.2).collect::<Vec<_>>()),
        ),
        ("resourcetags", utf8(&vec![Some("{}"); n])),
    ])
}

/// `b` with column `name` replaced by `with`, or dropped.
fn replace_column(
    b: &arrow::array::RecordBatch,
    name: &str,
    with: Option<arrow::array::ArrayRef>,
) -> arrow::array::RecordBatch {
    let schema = b.schema();
    let cols: Vec<(String, arrow::array::ArrayRef)> = schema
        .fields()
        .iter()
        .zip(b.columns())
        .filter_map(|(f, a)| match (f.name() == name, &with) {
            (false, _) => Some((f.name().clone(), a.clone())),
            (true, Some(w)) => Some((f.name().clone(), w.clone())),
            (true, None) => None,
        })
        .collect();
    batch(cols.iter().map(|(n, a)| (n.as_str(), a.clone())).collect())
}

fn daily_prefix() -> String {
    format!("data/parquet/daily/{SCHEMA}/AWS/raw/source={AWS_SOURCE}/year=2025/month=10")
}

fn offline(c: &mut Command, tree: &Path, out: &Path, flags: &Path) {
    let aliases = flags.join("aliases.csv");
    let ous = flags.join("ous.csv");
    std::fs::write(&aliases, "id,account_id,account_alias\n").unwrap();
    std::fs::write(
        &ous,
        "id,org_unit_id,org_unit_name,org_unit_path,account_alias_id,provider_id,created_timestamp,deleted_timestamp\n",
    )
    .unwrap();
    base(c, tree.to_str().unwrap(), "10", None, out);
    c.args(["--bill-id", "1", "--markup", "0", "--enabled-keys", ""])
        .arg("--account-aliases")
        .arg(&aliases)
        .arg("--org-units")
        .arg(&ous);
}

#[test]
fn bad_files_are_refused_naming_file_row_and_column_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let flags = tmp.path();
    let file = "2025-10-01_manifestid-1_basefile-October-2025-cur_batch-0_daily_0.parquet";

    // A row without a usage date is left out and counted; the others are kept.
    let tree = tmp.path().join("nulldate");
    put_parquet(
        &tree,
        &format!("{}/{file}", daily_prefix()),
        &daily_cur(&[
            (Some("2025-10-01 00:00:00"), "111", Some(1.5)),
            (None, "222", Some(2.0)),
            (Some("2025-10-02 00:00:00"), "111", Some(0.25)),
        ]),
    );
    let out = tmp.path().join("w-null");
    let mut c = bin();
    offline(&mut c, &tree, &out, flags);
    let assert = c.assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("1 row(s) without lineitem_usagestartdate left out"),
        "{stderr}"
    );
    assert_eq!(rows(&out, &AWS_LINE_ITEMS_DAILY).len(), 2);
    let st = WorkDir::open(&out)
        .unwrap()
        .stage(stage::EXTRACT)
        .unwrap()
        .clone();
    assert_eq!(st.details["rows_without_usage_date"], 1);
    assert_eq!(
        st.details["daily_unblended_cost"],
        serde_json::json!({"2025-10-01": 1.5, "2025-10-02": 0.25})
    );

    // A NaN cost: refused with the object, row and column.
    let tree = tmp.path().join("nan");
    let key = format!("{}/{file}", daily_prefix());
    put_parquet(
        &tree,
        &key,
        &daily_cur(&[
            (Some("2025-10-01 00:00:00"), "111", Some(1.5)),
            (Some("2025-10-01 00:00:00"), "111", Some(f64::NAN)),
        ]),
    );
    let out = tmp.path().join("w-nan");
    let mut c = bin();
    offline(&mut c, &tree, &out, flags);
    c.assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}: row 1 (0-based), column lineitem_unblendedcost: NaN is not a number koku can sum",
            tree.join(&key).display()
        )));
    assert!(
        files_in(&out).iter().all(|f| !f.ends_with(".arrow")),
        "{:?}",
        files_in(&out)
    );

    // A retyped column (the cost as text) and a missing required column.
    let tree = tmp.path().join("retyped");
    let b = daily_cur(&[(Some("2025-10-01 00:00:00"), "111", Some(1.5))]);
    let b = replace_column(&b, "lineitem_unblendedcost", Some(utf8(&[Some("1.5")])));
    put_parquet(&tree, &key, &b);
    let out = tmp.path().join("w-retyped");
    let mut c = bin();
    offline(&mut c, &tree, &out, flags);
    c.assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}: column \"lineitem_unblendedcost\" has type Utf8, expected a number",
            tree.join(&key).display()
        )));

    let tree = tmp.path().join("missing");
    let b = daily_cur(&[(Some("2025-10-01 00:00:00"), "111", Some(1.5))]);
    let b = replace_column(&b, "lineitem_usageaccountid", None);
    put_parquet(&tree, &key, &b);
    let out = tmp.path().join("w-missing");
    let mut c = bin();
    offline(&mut c, &tree, &out, flags);
    c.assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}: required column \"lineitem_usageaccountid\" of aws_line_items_daily is missing",
            tree.join(&key).display()
        )));
}

#[test]
fn cli_help_missing_flags_and_no_input() {
    bin()
        .args(["aws", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("The hourly CUR is not read"))
        .stdout(predicate::str::contains("--bill-id"))
        .stdout(predicate::str::contains("--markup <PERCENT>"))
        .stdout(predicate::str::contains("--org-units"))
        .stdout(predicate::str::contains("Examples:"));

    // Without a database, every missing input is named, and nothing is written.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    let mut c = bin();
    base(
        &mut c,
        fixture("01-ec2-compute").to_str().unwrap(),
        "10",
        None,
        &out,
    );
    c.args(["--markup", "10"]);
    let assert = c.assert().failure().code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("error: missing --bill-id:"), "{stderr}");
    for flag in ["--enabled-keys", "--account-aliases", "--org-units"] {
        assert!(stderr.contains(&format!("{flag} (")), "{flag}: {stderr}");
    }
    assert!(!stderr.contains("--markup ("), "{stderr}");
    assert!(!out.exists());

    // No daily CUR file for the month: refused unless --allow-empty.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let mut c = bin();
    offline(&mut c, &empty, &out, tmp.path());
    c.assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "no input: {}/{}/ holds no daily CUR (Parquet) files",
            empty.display(),
            daily_prefix()
        )));
    assert!(!out.exists());
    let mut c = bin();
    offline(&mut c, &empty, &out, tmp.path());
    c.arg("--allow-empty");
    assert!(stdout_of(&mut c).starts_with("aws_line_items_daily: 0 rows from 0 files\n"));

    // A window outside the month.
    let mut c = bin();
    offline(&mut c, &empty, &tmp.path().join("w2"), tmp.path());
    c.args(["--start-date", "2025-09-30"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "--start-date 2025-09-30 is outside 2025-10",
        ));
}

/// koku's rows for the PostgreSQL tests: bills (the October ones of the source: ids 7 and 5, another
/// source's 3, the source's September 1, one at 05:00 UTC on the first, 2), cost models, tag keys,
/// aliases and organizational units.
fn seed(client: &mut postgres::Client) {
    koku_testkit::koku_schema::install(client, SCHEMA);
    let other = "00000000-0000-0000-0000-000000000099";
    let third = "00000000-0000-0000-0000-000000000003";
    client
        .batch_execute(&format!(
            r#"
            SET search_path TO "{SCHEMA}";
            INSERT INTO reporting_awscostentrybill
                (id, bill_type, payer_account_id, billing_period_start, billing_period_end, provider_id) VALUES
                (1, 'A', '1', '2025-09-01 00:00:00+00', '2025-10-01 00:00:00+00', '{AWS_SOURCE}'),
                (2, 'B', '1', '2025-10-01 05:00:00+00', '2025-11-01 00:00:00+00', '{AWS_SOURCE}'),
                (3, 'A', '1', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{other}'),
                (7, 'A', '1', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{AWS_SOURCE}'),
                (5, 'C', '2', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{AWS_SOURCE}');
            -- The source's cost model: a negative markup. Another source's model is not read.
            INSERT INTO cost_model (uuid, name, description, source_type, markup) VALUES
                ('00000000-0000-0000-0000-0000000000c1', 'AWS markdown', '', 'AWS', '{{"value": -5, "unit": "percent"}}'),
                ('00000000-0000-0000-0000-0000000000c2', 'Other', '', 'AWS', '{{"value": 40, "unit": "percent"}}');
            INSERT INTO cost_model_map (provider_uuid, cost_model_id) VALUES
                ('{AWS_SOURCE}', '00000000-0000-0000-0000-0000000000c1'),
                ('{other}', '00000000-0000-0000-0000-0000000000c2');
            -- Only enabled AWS keys.
            INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type) VALUES
                ('app', true, 'AWS'), ('Name', false, 'AWS'), ('env', true, 'AWS'),
                ('ocp_only', true, 'OCP'), ('app', true, 'OCP');
            INSERT INTO reporting_awsaccountalias (id, account_id, account_alias) VALUES
                (2, '222222222222', NULL), (1, '111111111111', 'dev');
            -- OUs: this source's two rows, another source's and one without a source are left out.
            INSERT INTO reporting_awsorganizationalunit
                (id, org_unit_name, org_unit_id, org_unit_path, level, account_alias_id,
                 created_timestamp, deleted_timestamp, provider_id) VALUES
                (10, 'Dev', 'ou-1', 'r/ou-1', 1, 1, '2025-10-02', NULL, '{AWS_SOURCE}'),
                (21, 'Old', 'ou-2', 'r/ou-2', 1, 2, '2025-09-15', '2025-10-03', '{AWS_SOURCE}'),
                (30, 'Other', 'ou-3', 'r/ou-3', 1, 1, '2025-01-01', NULL, '{other}'),
                (31, 'None', 'ou-4', 'r/ou-4', 1, 1, '2025-01-01', NULL, NULL);
            -- A third source with a bill and no cost model.
            INSERT INTO reporting_awscostentrybill
                (id, bill_type, payer_account_id, billing_period_start, billing_period_end, provider_id) VALUES
                (9, 'A', '1', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '{third}');
            RESET search_path;
            "#
        ))
        .unwrap();
}

#[test]
fn postgres_inputs_are_read_like_koku_and_flags_override_them() {
    let pg = koku_testkit::Postgres::start();
    let url = pg.create_database("extract_aws_inputs");
    let mut client = pg.connect("extract_aws_inputs");
    seed(&mut client);
    let tmp = tempfile::tempdir().unwrap();
    let tree = fixture("01-ec2-compute");

    let out = tmp.path().join("db");
    let mut c = bin();
    base(&mut c, tree.to_str().unwrap(), "10", None, &out);
    c.args(["--database-url", &url]);
    let stdout = stdout_of(&mut c);
    assert!(
        stdout.contains("reporting_awsaccountalias: 2 rows (database)"),
        "{stdout}"
    );
    let wd = WorkDir::open(&out).unwrap();
    // The lowest id of the source's bills starting on the first of October 00:00 UTC: 5 (not 2,
    // which starts at 05:00; not 3, another source's; not 1, September's).
    assert_eq!(wd.identity().bill_id, Some(5));
    // m = float(-5) / 100
    assert_eq!(rows(&out, &AWS_MARKUP), strs(&[&["-0.05"]]));
    assert_eq!(rows(&out, &ENABLED_TAG_KEYS), strs(&[&["app"], &["env"]]));
    assert_eq!(
        rows(&out, &AWS_ACCOUNT_ALIASES),
        strs(&[
            &["1", "111111111111", "dev"],
            &["2", "222222222222", "NULL"]
        ])
    );
    assert_eq!(
        rows(&out, &AWS_ORGANIZATIONAL_UNITS),
        strs(&[
            &["10", "1", AWS_SOURCE, "2025-10-02", "NULL"],
            &["21", "2", AWS_SOURCE, "2025-09-15", "2025-10-03"],
        ])
    );
    let st = wd.stage(stage::EXTRACT).unwrap();
    assert_eq!(st.details["postgres_inputs"]["bill_id"], "database");
    assert_eq!(st.details["bill_id"], 5);
    assert_eq!(st.details["markup"]["from"], "cost model");
    assert_eq!(st.details["markup"]["cost_model"], "AWS markdown");
    assert_eq!(st.details["markup"]["m"], -0.05);

    // The OU file stands in for the table: the same rows (other sources left out).
    let ous = tmp.path().join("ous.csv");
    std::fs::write(
        &ous,
        format!(
            "id,org_unit_id,org_unit_name,org_unit_path,account_alias_id,provider_id,created_timestamp,deleted_timestamp\n\
             21,ou-2,Old,r/ou-2,2,{AWS_SOURCE},2025-09-15,2025-10-03\n\
             30,ou-3,Other,r/ou-3,1,00000000-0000-0000-0000-000000000099,2025-01-01,\n\
             10,ou-1,Dev,r/ou-1,1,{AWS_SOURCE},2025-10-02,\n"
        ),
    )
    .unwrap();
    let from_file = tmp.path().join("ou-file");
    let mut c = bin();
    base(&mut c, tree.to_str().unwrap(), "10", None, &from_file);
    c.env("DATABASE_URL", &url).arg("--org-units").arg(&ous);
    c.assert().success();
    assert_eq!(
        rows(&from_file, &AWS_ORGANIZATIONAL_UNITS),
        rows(&out, &AWS_ORGANIZATIONAL_UNITS)
    );

    // Flags override the database.
    let over = tmp.path().join("override");
    let mut c = bin();
    base(&mut c, tree.to_str().unwrap(), "10", None, &over);
    c.env("DATABASE_URL", &url).args([
        "--bill-id",
        "7",
        "--markup",
        "12.5",
        "--enabled-keys",
        "team,app",
    ]);
    let stdout = stdout_of(&mut c);
    assert!(
        stdout.contains("cost_model_markup: 1 rows (--markup)"),
        "{stdout}"
    );
    assert!(stdout.contains("reporting_awsaccountalias: 2 rows (database)"));
    let wd = WorkDir::open(&over).unwrap();
    assert_eq!(wd.identity().bill_id, Some(7));
    assert_eq!(rows(&over, &AWS_MARKUP), strs(&[&["0.125"]]));
    assert_eq!(rows(&over, &ENABLED_TAG_KEYS), strs(&[&["app"], &["team"]]));

    // A source without a cost model: m = 0.
    let third = tmp.path().join("third");
    let mut c = bin();
    c.args(["aws", "--from"])
        .arg(&tree)
        .args([
            "--schema",
            SCHEMA,
            "--source",
            "00000000-0000-0000-0000-000000000003",
        ])
        .args([
            "--year",
            "2025",
            "--month",
            "10",
            "--database-url",
            &url,
            "--allow-empty",
        ])
        .arg("--out")
        .arg(&third);
    c.assert().success();
    assert_eq!(rows(&third, &AWS_MARKUP), strs(&[&["0.0"]]));
    let wd = WorkDir::open(&third).unwrap();
    assert_eq!(wd.identity().bill_id, Some(9));
    assert_eq!(
        wd.stage(stage::EXTRACT).unwrap().details["markup"]["from"],
        "no cost model"
    );

    // No bill for the month: koku does nothing; refused with that explanation, unless --bill-id.
    let none = tmp.path().join("none");
    let mut c = bin();
    base(&mut c, tree.to_str().unwrap(), "11", None, &none);
    c.args(["--database-url", &url, "--allow-empty"]);
    c.assert().failure().code(1).stderr(predicate::str::contains(format!(
        "no {SCHEMA}.reporting_awscostentrybill row for provider {AWS_SOURCE} with billing_period_start \
         2025-11-01 00:00 UTC; koku would skip this run (\"no bill was found, skipping summarization\""
    )).and(predicate::str::contains("pass --bill-id to override")));
    assert!(!none.exists());
    let mut c = bin();
    base(&mut c, tree.to_str().unwrap(), "11", None, &none);
    c.args(["--database-url", &url, "--allow-empty", "--bill-id", "42"]);
    c.assert().success();
    assert_eq!(WorkDir::open(&none).unwrap().identity().bill_id, Some(42));

    // A cost model whose markup koku's float() would fail on.
    client
        .batch_execute(&format!(
            "UPDATE {SCHEMA}.cost_model SET markup = '{{\"value\": \"ten\"}}' WHERE name = 'AWS markdown'"
        ))
        .unwrap();
    let bad = tmp.path().join("bad-markup");
    let mut c = bin();
    base(&mut c, tree.to_str().unwrap(), "10", None, &bad);
    c.args(["--database-url", &url]);
    c.assert().failure().code(1).stderr(predicate::str::contains(
        "cost_model \"AWS markdown\" (the cost model of source 00000000-0000-0000-0000-000000000002) has markup",
    ).and(predicate::str::contains("Pass --markup to override")));
}
