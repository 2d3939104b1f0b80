//! The AWS fixtures of `testdata/aws/NN-*` (nise CURs converted by koku's code; `testdata/aws/README.md`)
//! run through `koku-transform aws`'s library entry point, one koku run per month of each
//! `inputs.json`. `koku-extract aws` is not used: each test builds the extract stage itself from the
//! fixture's daily Parquet (columns by name, a column missing from a file NULL, timestamps as UTC
//! milliseconds) and PostgreSQL inputs (`inputs.json`, the CSV files). Both outputs are snapshotted
//! (`snapshots/aws_scenarios__*.snap`, one JSON object per row, every non-NULL column) and the rows
//! each `EXPECTED.md` computes by hand are asserted column by column, the measures converted as the
//! load converts them (`koku_load::numeric::to_numeric`) and shown at the column's scale. Every run is
//! also made with one and with three threads, and the files must be byte-identical; and through the
//! real binaries, `koku-extract aws` (offline: the fixture's PostgreSQL inputs as flags) then
//! `koku-transform aws`, whose rows must equal the library path's (so the extract's normalisation of
//! the fixture equals the test's).
//!
//! Which test fails when a rule of `spec/aws-daily-summary.md` is broken (W = `aws_worked_example.rs`,
//! S = this file, R = `aws_rules.rs`, U = unit tests in `src/aws/*.rs` and `src/core/*.rs`):
//!
//! | §      | Rule | Guarded by |
//! | ------ | ---- | ---------- |
//! | 4.1    | window `start ≤ ts < end + 1 day` on the partition's rows | S `s04` (the 09-30 row of `month=10`), R `window_filter_and_null_timestamps` |
//! | 4.1    | every line item type kept; no resource/cost filter | S `s01`, `s02` (Tax, Credit, Refund, RIFee, SP fee) |
//! | 4.2    | 12 raw keys; type and resource id not keys | W (D1a), S `s01` (D2-sp, D2-dt), `s02` (E2-3 + refund) |
//! | 4.2    | raw tags / names are keys: equal visible rows | W (D2b/D2c), S `s01` (D2-tag1/2), `s03` (T4a/b, T5/T6) |
//! | 4.2    | NULL a group of its own, `''` ≠ NULL | R `empty_and_null_are_different_groups` |
//! | 4.3    | `product_code`: Marketplace name first, `''` → code, `''` → NULL | W (D2d), S `s02` (MA, MB2), U `product_code_rule` |
//! | 4.3/10.7 | NULL product code → error naming day/group/column, nothing written | S `s06`, R `null_account_or_currency_is_refused` |
//! | 4.3    | `''` → NULL for family, zone, region, instance type, unit | W (D1c), S `s01` (D1-fee, D2-dt), `s02` (T1, C2) |
//! | 4.3    | `usage_amount`: negation usage 0; other types' usage kept | W (D1a), S `s01` (D1-neg, D2-sp) |
//! | 4.3    | Σ unblended/blended over all rows (SP covered not zeroed) | W (D1a), S `s01` (D1-sp, D2-sp) |
//! | 4.3    | amortized: SP effective cost for the 4 SP types, else unblended | W (D1a), S `s01` (D1-fee, D1-neg, D1-rifee), `s05` (O1 NULL) |
//! | 4.3    | rates / NF / currency = max; NU = Σ incl. negations | W (D1a), S `s01` (D2-sp), `s05` (public rate NULL) |
//! | 4.3    | `resource_ids` distinct incl. `''`, sorted; count of non-NULL | W (D1a, D1c), S `s01` (D2-dt: 4 rows 1 id), R `resource_ids_keep_null_and_count_excludes_it` |
//! | 4.3    | tags: exact-case enabled keys, `{}` when none; compact sorted JSON | S `s03` (App/app, é, CJK, emoji, `"`, `\`), U `tags.rs`, R `no_enabled_key_gives_empty_tags` |
//! | 4.3    | cost_category parsed, unfiltered; NULL text → NULL | S `s03` (`Env Type`), `s05` (O1–O3 NULL) |
//! | 4.3    | alias join on the raw usage account; none → NULL | W, S `s02` (333… NULL), `s03` (no alias rows) |
//! | 4.3/10.6 | OU join with the date rule, provider filter, a row per OU | S `s02` (OU 10 from 10-02, 20+21, 21 deleted 10-03, OU 30 other source), U `lookups.rs` |
//! | 4.3    | markups = unrounded f64 sum × m; negative m; m = 0 | W, S `s01` (D1-rifee 7.440000000000001), `s05` (−5 %, −0.0 → 0), `s03` (no cost model) |
//! | 8.2    | NULL measures: all-NULL sum/max → NULL, markup NULL | S `s05` |
//! | 8.4    | `varchar(50/10)` truncation of account, zone, currency (characters) | R `explicit_varchar_casts_truncate_characters`, U `varchar_truncates_characters_not_bytes` |
//! | 5.3    | E: AmazonEC2, `%Compute Instance%`, resource id ≠ `''`, whole partition | S `s01` (negation without id, RIFee, transfer out), `s02` (RDS, Marketplace ARNs out), `s04` (09-30 row in) |
//! | 5.3    | E aggregates (min/max day, account, OS/region/unit maxes, sums) | W, S `s01`, `s02` |
//! | 5.3/10.2 | EC2: covered usage cost zeroed, negation subtracted | W (i-bbb), S `s01` (i-sp0001), `s05` (i-old01 0.0) |
//! | 5.3    | last(r) over all rows of any product; L = E rows at midnight of last(r) | S `s01` (i-dt0001 dropped, §10.3), R `latest_values_need_a_midnight_row_on_the_last_day` |
//! | 5.3/10.4 | several L groups → several rows with full totals | S `s01` (i-tag0001), `s03` (i-tag04) |
//! | 5.3    | `instance_name` = `Name` (exact key) regardless of enabled keys | W (i-ccc), S `s01`, `s03` (NULL), U `instance_name_is_the_exact_name_key` |
//! | 5.3    | vcpu integer; `''`/missing → NULL; non-integer → error | S `s05` (NULL), R `non_integer_vcpu_is_refused` |
//! | 5.3    | memory/instance type `''` → NULL; tags/cost_category from L | S `s01`, `s05` |
//! | 10.5   | EC2 rows outside koku's delete scope: `--ec2-scope` | S `s04` (window/clamp/koku), R `ec2_rows_after_the_end_date_are_left_out` |
//! | 10.13  | rows outside the partition month ignored by the daily summary | S `s04` |
//! | —      | output byte-identical for any thread count | S (every run), R `thread_count_does_not_change_the_files` |
//! | 6.3    | pairing (MAP) | U `aws/pairing.rs` (every rule, §9.5) |

mod aws_support;
mod support;
use aws_support::{AwsRun, Fixture, RUN_COLUMNS, Row, all, assert_cols, check_run_constants, one};

use std::path::Path;

use koku_common::schema::aws::{
    AWS_DAILY_SUMMARY, AWS_DAILY_SUMMARY_TABLE as DS, AWS_EC2_COMPUTE_SUMMARY,
    AWS_EC2_COMPUTE_SUMMARY_TABLE as EC2,
};
use koku_transform::aws::ec2::Ec2Scope;
use koku_transform::aws::run::{AwsOptions, transform_aws_with};
use koku_transform::core::options::TransformOptions;

/// One run's outputs.
struct Output {
    daily: Vec<Row>,
    ec2: Vec<Row>,
    details: serde_json::Value,
}

fn transform(dir: &Path, threads: usize, scope: Ec2Scope) -> Result<(), String> {
    transform_aws_with(
        dir,
        &TransformOptions {
            progress: false,
            threads,
        },
        &AwsOptions {
            ec2_scope: scope,
            ..AwsOptions::default()
        },
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// Transform one run of a fixture (with one and with three threads: the files must be identical).
fn run_once(fixture: &Fixture, run: &AwsRun, scope: Ec2Scope) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let batches = fixture.daily_batches(run);
    let (one_thread, three) = (tmp.path().join("t1"), tmp.path().join("t3"));
    for (dir, threads) in [(&one_thread, 1), (&three, 3)] {
        aws_support::write_workdir(dir, run, &batches);
        transform(dir, threads, scope).unwrap();
    }
    for ds in [&AWS_DAILY_SUMMARY, &AWS_EC2_COMPUTE_SUMMARY] {
        let a = std::fs::read(one_thread.join(ds.file_name())).unwrap();
        let b = std::fs::read(three.join(ds.file_name())).unwrap();
        assert!(a == b, "{}: 1 thread and 3 threads differ", ds.name);
    }
    let (daily, ec2) = aws_support::outputs(&one_thread);
    check_run_constants(run, &daily, &ec2);
    assert_eq!(
        through_binaries(fixture, run, scope, &tmp.path().join("bin")),
        (daily.clone(), ec2.clone()),
        "the binaries' rows differ from the library path's"
    );
    let run_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one_thread.join("run.json")).unwrap())
            .unwrap();
    Output {
        daily,
        ec2,
        details: run_json["stages"]["transform"]["details"].clone(),
    }
}

/// The run through `koku-extract aws` (offline: `inputs.json` and the CSV files as flags) and
/// `koku-transform aws`; the rows written.
fn through_binaries(
    fixture: &Fixture,
    run: &AwsRun,
    scope: Ec2Scope,
    out: &Path,
) -> (Vec<Row>, Vec<Row>) {
    let keys = run.enabled_keys.join(",");
    let markup = fixture.json["markup"].as_f64().unwrap_or(0.0).to_string();
    let file = |key: &str| fixture.dir.join(fixture.json[key].as_str().unwrap());
    let extract = std::process::Command::new(support::extract_bin())
        .arg("aws")
        .arg("--from")
        .arg(&fixture.dir)
        .args(["--schema", "org1234567", "--source", aws_support::SOURCE])
        .args(["--year", &run.start.format("%Y").to_string()])
        .args(["--month", &run.start.format("%m").to_string()])
        .args(["--start-date", &run.start.to_string()])
        .args(["--end-date", &run.end.to_string()])
        .args(["--bill-id", &run.bill_id.to_string(), "--markup", &markup])
        .args(["--enabled-keys", &keys])
        .arg("--account-aliases")
        .arg(file("account_aliases"))
        .arg("--org-units")
        .arg(file("organizational_units"))
        .arg("--out")
        .arg(out)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        extract.status.success(),
        "{}",
        String::from_utf8_lossy(&extract.stderr)
    );
    let scope = match scope {
        Ec2Scope::Koku => "koku",
        Ec2Scope::Window => "window",
        Ec2Scope::ClampToMonth => "clamp-to-month",
    };
    let transform = std::process::Command::new(env!("CARGO_BIN_EXE_koku-transform"))
        .arg("aws")
        .arg(out)
        .args(["--ec2-scope", scope])
        .output()
        .unwrap();
    assert!(
        transform.status.success(),
        "{}",
        String::from_utf8_lossy(&transform.stderr)
    );
    aws_support::outputs(out)
}

/// Every run of the fixture with the default options, snapshotted.
fn scenario(name: &str) -> Vec<Output> {
    let fixture = Fixture::load(name);
    let mut text = String::new();
    let mut out = Vec::new();
    for run in fixture.runs() {
        let o = run_once(&fixture, &run, Ec2Scope::default());
        text.push_str(&format!(
            "# run {}..{} (bill {}): every row has cost_entry_bill_id={}, source_uuid={}\n",
            run.start,
            run.end,
            run.bill_id,
            run.bill_id,
            aws_support::SOURCE
        ));
        text.push_str("## reporting_awscostentrylineitem_daily_summary\n");
        for r in &o.daily {
            text.push_str(&r.json_line(&RUN_COLUMNS));
            text.push('\n');
        }
        text.push_str("## reporting_awscostentrylineitem_summary_by_ec2_compute_p\n");
        for r in &o.ec2 {
            text.push_str(&r.json_line(&RUN_COLUMNS));
            text.push('\n');
        }
        out.push(o);
    }
    insta::assert_snapshot!(name, text);
    out
}

/// The measure columns in a fixed order: usage, NF, NU, unblended rate, unblended cost, blended
/// rate, blended cost, SP effective cost, amortized, public cost, public rate; the values as one
/// space-separated text (a table row), or an array.
fn measures(v: impl Values<11>) -> Vec<(&'static str, &'static str)> {
    let v = v.values();
    [
        "usage_amount",
        "normalization_factor",
        "normalized_usage_amount",
        "unblended_rate",
        "unblended_cost",
        "blended_rate",
        "blended_cost",
        "savingsplan_effective_cost",
        "calculated_amortized_cost",
        "public_on_demand_cost",
        "public_on_demand_rate",
    ]
    .into_iter()
    .zip(v)
    .collect()
}

/// markup_cost (9), markup_cost_blended (15), markup_cost_savingsplan (15), markup_cost_amortized (9).
fn markups(v: impl Values<4>) -> Vec<(&'static str, &'static str)> {
    let v = v.values();
    [
        "markup_cost",
        "markup_cost_blended",
        "markup_cost_savingsplan",
        "markup_cost_amortized",
    ]
    .into_iter()
    .zip(v)
    .collect()
}

/// `N` expected values: an array, or one space-separated text.
trait Values<const N: usize> {
    fn values(self) -> [&'static str; N];
}

impl<const N: usize> Values<N> for [&'static str; N] {
    fn values(self) -> [&'static str; N] {
        self
    }
}

impl<const N: usize> Values<N> for &'static str {
    fn values(self) -> [&'static str; N] {
        let v: Vec<&'static str> = self.split_whitespace().collect();
        v.try_into()
            .unwrap_or_else(|v: Vec<_>| panic!("{N} values expected, got {}: {self}", v.len()))
    }
}

fn cols<'a>(parts: &[&[(&'a str, &'a str)]]) -> Vec<(&'a str, &'a str)> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

fn count_on(rows: &[Row], day: &str) -> usize {
    rows.iter()
        .filter(|r| r.s("usage_start") == Some(day))
        .count()
}

// ---------------------------------------------------------------------------------------------
// 01-ec2-compute
// ---------------------------------------------------------------------------------------------

#[test]
fn s01_ec2_compute() {
    let out = scenario("01-ec2-compute");
    let (daily, ec2) = (&out[0].daily, &out[0].ec2);
    assert_eq!(
        (count_on(daily, "2025-10-01"), count_on(daily, "2025-10-02")),
        (8, 7)
    );
    for r in daily {
        assert_cols(
            "common",
            r,
            &DS,
            &[
                ("usage_account_id", "111111111111"),
                ("account_alias_id", "1"),
                ("organizational_unit_id", "NULL"),
                ("currency_code", "USD"),
            ],
        );
    }
    let m5 = [
        ("product_code", "AmazonEC2"),
        ("product_family", "Compute Instance"),
        ("availability_zone", "us-east-1a"),
        ("region", "us-east-1"),
        ("instance_type", "m5.large"),
        ("unit", "Hrs"),
    ];
    // D1-fee, D2-fee (SavingsPlanRecurringFee): Am = its SP effective cost 0.0; U × m = 0.144.
    for day in ["2025-10-01", "2025-10-02"] {
        let r = one(
            daily,
            &DS,
            &[
                ("usage_start", day),
                ("product_code", "ComputeSavingsPlans"),
            ],
        );
        assert_cols(
            "D-fee",
            r,
            &DS,
            &cols(&[
                &[
                    ("product_family", "ComputeSavingsPlans"),
                    ("availability_zone", "NULL"),
                    ("region", "global"),
                    ("instance_type", "NULL"),
                    ("unit", "Hrs"),
                    ("resource_ids", r#"{""}"#),
                    ("resource_count", "1"),
                    ("tags", "{}"),
                    ("cost_category", "{}"),
                ],
                &measures(
                    "24.000000000 0.0 0.0 0.000000000 1.440000000 0.000000000 1.440000000 0.000000000 0.000000000 1.440000000 0.060000000",
                ),
                &markups("0.144000000 0.144000000000000 0.000000000000000 0.000000000"),
            ]),
        );
    }
    // D1-neg: negation usage 0, NF/NU counted, Am = its SP value 0.0.
    let r = one(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-01"),
            ("instance_type", "m5.large"),
            ("resource_ids", r#"{""}"#),
        ],
    );
    assert_cols(
        "D1-neg",
        r,
        &DS,
        &cols(&[
            &m5,
            &[
                ("resource_count", "1"),
                ("tags", "{}"),
                ("cost_category", "{}"),
            ],
            &measures(
                "0.000000000 4.0 96.0 -0.096000000 -2.304000000 -0.096000000 -2.304000000 0.000000000 0.000000000 2.304000000 0.096000000",
            ),
            &markups("-0.230400000 -0.230400000000000 0.000000000000000 0.000000000"),
        ]),
    );
    // D1-rifee: 74.4 × 0.1 = 7.440000000000001 keeps its last digit at scale 15.
    let r = one(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-01"),
            ("instance_type", "c5.xlarge"),
            ("resource_ids", r#"{""}"#),
        ],
    );
    assert_cols(
        "D1-rifee",
        r,
        &DS,
        &cols(&[
            &[
                ("product_family", "Compute Instance"),
                ("availability_zone", "NULL"),
                ("region", "us-east-1"),
                ("unit", "Hrs"),
                ("tags", "{}"),
                ("cost_category", "{}"),
            ],
            &measures(
                "744.000000000 8.0 5952.0 0.100000000 74.400000000 0.100000000 74.400000000 0.000000000 74.400000000 0.000000000 0.000000000",
            ),
            &markups("7.440000000 7.440000000000001 0.000000000000000 7.440000000"),
        ]),
    );
    let r = one(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-01"),
            ("resource_ids", "{i-dt0001}"),
        ],
    );
    assert_cols(
        "D1-dt",
        r,
        &DS,
        &cols(&[
            &[
                ("product_family", "Compute Instance"),
                ("availability_zone", "us-east-1a"),
                ("instance_type", "t3.medium"),
                ("unit", "Hrs"),
                ("tags", r#"{"app": "etl"}"#),
                ("cost_category", r#"{"team": "data"}"#),
            ],
            &measures(
                "24.000000000 2.0 48.0 0.041600000 0.998400000 0.041600000 0.998400000 0.000000000 0.998400000 0.998400000 0.041600000",
            ),
            &markups("0.099840000 0.099840000000000 0.000000000000000 0.099840000"),
        ]),
    );
    let on_demand = cols(&[
        &m5,
        &measures(
            "24.000000000 4.0 96.0 0.096000000 2.304000000 0.096000000 2.304000000 0.000000000 2.304000000 2.304000000 0.096000000",
        ),
        &markups("0.230400000 0.230400000000000 0.000000000000000 0.230400000"),
    ]);
    for day in ["2025-10-01", "2025-10-02"] {
        let r = one(
            daily,
            &DS,
            &[("usage_start", day), ("resource_ids", "{i-od0001}")],
        );
        assert_cols("D-od", r, &DS, &on_demand);
        assert_cols(
            "D-od",
            r,
            &DS,
            &[
                ("tags", r#"{"app": "web"}"#),
                ("cost_category", r#"{"team": "platform"}"#),
            ],
        );
        let r = one(
            daily,
            &DS,
            &[("usage_start", day), ("resource_ids", "{i-ri0001}")],
        );
        assert_cols(
            "D-ri",
            r,
            &DS,
            &cols(&[
                &[
                    ("instance_type", "c5.xlarge"),
                    ("availability_zone", "us-east-1a"),
                    ("tags", r#"{"app": "db"}"#),
                    ("cost_category", r#"{"team": "data"}"#),
                ],
                &measures(
                    "24.000000000 8.0 192.0 0.000000000 0.000000000 0.000000000 0.000000000 0.000000000 0.000000000 4.080000000 0.170000000",
                ),
                &markups("0.000000000 0.000000000000000 0.000000000000000 0.000000000"),
            ]),
        );
    }
    let r = one(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-01"),
            ("resource_ids", "{i-tag0001}"),
        ],
    );
    assert_cols("D1-tag", r, &DS, &on_demand);
    assert_cols("D1-tag", r, &DS, &[("tags", r#"{"app": "batch"}"#)]);
    // D1-sp: covered usage not zeroed in the daily summary; Am = S = 1.44.
    let r = one(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-01"),
            ("resource_ids", "{i-sp0001}"),
        ],
    );
    assert_cols(
        "D1-sp",
        r,
        &DS,
        &cols(&[
            &m5,
            &[("tags", r#"{"app": "api"}"#)],
            &measures(
                "24.000000000 4.0 96.0 0.096000000 2.304000000 0.096000000 2.304000000 1.440000000 1.440000000 2.304000000 0.096000000",
            ),
            &markups("0.230400000 0.230400000000000 0.144000000000000 0.144000000"),
        ]),
    );
    // D2-dt: four daily rows, one group, one resource id; 0.315 + 0.315 + 0.225 + 0.225 = 1.08.
    let r = one(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-02"),
            ("resource_ids", "{i-dt0001}"),
        ],
    );
    assert_cols(
        "D2-dt",
        r,
        &DS,
        &cols(&[
            &[
                ("product_family", "Data Transfer"),
                ("availability_zone", "NULL"),
                ("region", "us-east-1"),
                ("instance_type", "NULL"),
                ("unit", "GB"),
                ("resource_count", "1"),
                ("tags", r#"{"app": "etl"}"#),
            ],
            &measures(
                "12.000000000 0.0 0.0 0.090000000 1.080000000 0.090000000 1.080000000 0.000000000 1.080000000 1.080000000 0.090000000",
            ),
            &markups("0.108000000 0.108000000000000 0.000000000000000 0.108000000"),
        ]),
    );
    // D2-sp: covered usage + its negation in one group: U = 0, S = Am = 1.44, NU = 192.
    let r = one(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-02"),
            ("resource_ids", "{i-sp0001}"),
        ],
    );
    assert_cols(
        "D2-sp",
        r,
        &DS,
        &cols(&[
            &m5,
            &measures(
                "24.000000000 4.0 192.0 0.096000000 0.000000000 0.096000000 0.000000000 1.440000000 1.440000000 4.608000000 0.096000000",
            ),
            &markups("0.000000000 0.000000000000000 0.144000000000000 0.144000000"),
        ]),
    );
    // D2-tag1, D2-tag2: raw tags differ only in the disabled Name: two identical visible rows.
    let tag2 = all(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-02"),
            ("resource_ids", "{i-tag0001}"),
        ],
    );
    assert_eq!(tag2.len(), 2);
    for r in tag2 {
        assert_cols(
            "D2-tag",
            r,
            &DS,
            &cols(&[
                &m5,
                &[
                    ("tags", r#"{"app": "batch"}"#),
                    ("cost_category", r#"{"team": "platform"}"#),
                ],
                &measures(
                    "12.000000000 4.0 48.0 0.096000000 1.152000000 0.096000000 1.152000000 0.000000000 1.152000000 1.152000000 0.096000000",
                ),
                &markups("0.115200000 0.115200000000000 0.000000000000000 0.115200000"),
            ]),
        );
    }

    // EC2: i-dt0001's last day has only transfer rows → no row (§10.3); i-tag0001 has two L groups.
    assert_eq!(ec2.len(), 5, "{ec2:#?}");
    assert!(all(ec2, &EC2, &[("resource_id", "i-dt0001")]).is_empty());
    for r in ec2 {
        assert_cols(
            "EC2 common",
            r,
            &EC2,
            &[
                ("usage_account_id", "111111111111"),
                ("account_alias_id", "1"),
                ("operating_system", "Linux"),
                ("region", "us-east-1"),
                ("unit", "Hrs"),
                ("currency_code", "USD"),
                ("usage_start", "2025-10-01"),
                ("usage_end", "2025-10-02"),
            ],
        );
    }
    let ec2_m5 = |name| -> Vec<(&str, &str)> {
        vec![
            ("instance_name", name),
            ("instance_type", "m5.large"),
            ("vcpu", "2"),
            ("memory", "8 GiB"),
        ]
    };
    let r = one(ec2, &EC2, &[("resource_id", "i-od0001")]);
    assert_cols(
        "i-od0001",
        r,
        &EC2,
        &cols(&[
            &ec2_m5("web-1"),
            &[
                ("tags", r#"{"app": "web"}"#),
                ("cost_category", r#"{"team": "platform"}"#),
            ],
            &measures(
                "48.000000000 4.0 192.0 0.096000000 4.608000000 0.096000000 4.608000000 0.000000000 4.608000000 4.608000000 0.096000000",
            ),
            &markups("0.460800000 0.460800000000000 0.000000000000000 0.460800000"),
        ]),
    );
    let r = one(ec2, &EC2, &[("resource_id", "i-ri0001")]);
    assert_cols(
        "i-ri0001",
        r,
        &EC2,
        &cols(&[
            &[
                ("instance_name", "db-1"),
                ("instance_type", "c5.xlarge"),
                ("vcpu", "4"),
                ("memory", "8 GiB"),
                ("tags", r#"{"app": "db"}"#),
                ("cost_category", r#"{"team": "data"}"#),
            ],
            &measures(
                "48.000000000 8.0 384.0 0.000000000 0.000000000 0.000000000 0.000000000 0.000000000 0.000000000 8.160000000 0.170000000",
            ),
            &markups("0.000000000 0.000000000000000 0.000000000000000 0.000000000"),
        ]),
    );
    // i-sp0001: covered cost zeroed, negation (with the id) subtracted: −2.304 (§10.2).
    let r = one(ec2, &EC2, &[("resource_id", "i-sp0001")]);
    assert_cols(
        "i-sp0001",
        r,
        &EC2,
        &cols(&[
            &ec2_m5("api-1"),
            &[("tags", r#"{"app": "api"}"#)],
            &measures(
                "48.000000000 4.0 288.0 0.096000000 -2.304000000 0.096000000 -2.304000000 2.880000000 2.880000000 6.912000000 0.096000000",
            ),
            &markups("-0.230400000 -0.230400000000000 0.288000000000000 0.288000000"),
        ]),
    );
    let tags = all(ec2, &EC2, &[("resource_id", "i-tag0001")]);
    assert_eq!(tags.len(), 2);
    for (r, name) in tags.into_iter().zip(["batch-1", "batch-1b"]) {
        assert_cols(
            "i-tag0001",
            r,
            &EC2,
            &cols(&[
                &ec2_m5(name),
                &[("tags", r#"{"app": "batch"}"#)],
                &measures(
                    "48.000000000 4.0 192.0 0.096000000 4.608000000 0.096000000 4.608000000 0.000000000 4.608000000 4.608000000 0.096000000",
                ),
                &markups("0.460800000 0.460800000000000 0.000000000000000 0.460800000"),
            ]),
        );
    }
    assert_eq!(out[0].details["ec2_instances"], 5);
    assert_eq!(out[0].details["ec2_instances_without_latest_values"], 1);
}

// ---------------------------------------------------------------------------------------------
// 02-services-accounts
// ---------------------------------------------------------------------------------------------

#[test]
fn s02_services_accounts() {
    let out = scenario("02-services-accounts");
    let (daily, ec2) = (&out[0].daily, &out[0].ec2);
    assert_eq!(
        ["2025-10-01", "2025-10-02", "2025-10-03"].map(|d| count_on(daily, d)),
        [9, 12, 4]
    );
    let usage = |u, rate, cost, pcost, prate| {
        measures([
            u,
            "0.0",
            "0.0",
            rate,
            cost,
            rate,
            cost,
            "0.000000000",
            cost,
            pcost,
            prate,
        ])
    };
    let mk = |m9, m15| markups([m9, m15, "0.000000000000000", m9]);
    let acct = |a: &'static str, alias: &'static str, ou: &'static str| {
        vec![
            ("usage_account_id", a),
            ("account_alias_id", alias),
            ("organizational_unit_id", ou),
        ]
    };
    let no_dims = [
        ("product_family", "NULL"),
        ("availability_zone", "NULL"),
        ("region", "NULL"),
        ("instance_type", "NULL"),
        ("unit", "NULL"),
        ("tags", "{}"),
        ("cost_category", "{}"),
    ];
    // T1 Tax: alias 1, OU NULL on 10-01 (OU 10 only from 10-02).
    let r = one(
        daily,
        &DS,
        &[("usage_start", "2025-10-01"), ("resource_ids", r#"{""}"#)],
    );
    assert_cols(
        "T1",
        r,
        &DS,
        &cols(&[
            &[("product_code", "AmazonEC2")],
            &acct("111111111111", "1", "NULL"),
            &no_dims,
            &usage(
                "0.000000000",
                "0.000000000",
                "1.230000000",
                "0.000000000",
                "0.000000000",
            ),
            &mk("0.086100000", "0.086100000000000"),
        ]),
    );
    // MA: Marketplace → the product name; account 333… has no alias.
    for day in ["2025-10-01", "2025-10-02", "2025-10-03"] {
        let r = one(
            daily,
            &DS,
            &[
                ("usage_start", day),
                ("product_code", "Red Hat OpenShift Service on AWS"),
            ],
        );
        assert_cols(
            "MA",
            r,
            &DS,
            &cols(&[
                &acct("333333333333", "NULL", "NULL"),
                &[
                    ("product_family", "NULL"),
                    ("availability_zone", "us-east-1a"),
                    ("region", "us-east-1"),
                    ("instance_type", "NULL"),
                    ("unit", "Hrs"),
                    (
                        "resource_ids",
                        "{arn:aws:ec2:us-east-1a:999999999999:instance/i-mp0001}",
                    ),
                    ("tags", r#"{"app": "rosa"}"#),
                    ("cost_category", r#"{"team": "platform"}"#),
                ],
                &usage(
                    "24.000000000",
                    "0.250000000",
                    "6.000000000",
                    "6.000000000",
                    "0.000000000",
                ),
                &mk("0.420000000", "0.420000000000000"),
            ]),
        );
    }
    let r = one(daily, &DS, &[("product_code", "AmazonRDS")]);
    assert_cols(
        "R1",
        r,
        &DS,
        &cols(&[
            &[("usage_start", "2025-10-01")],
            &acct("333333333333", "NULL", "NULL"),
            &[
                ("product_family", "Database Instance"),
                ("availability_zone", "us-east-1b"),
                ("instance_type", "db.m5.xlarge"),
                (
                    "resource_ids",
                    "{arn:aws:rds:us-east-1b:999999999999:db:i-rds0001}",
                ),
                ("tags", r#"{"app": "db"}"#),
            ],
            &usage(
                "24.000000000",
                "0.356000000",
                "8.544000000",
                "8.544000000",
                "0.356000000",
            ),
            &mk("0.598080000", "0.598080000000000"),
        ]),
    );
    // i-web0002 (account 222…, alias 2): OUs 20 and 21 on 10-01 and 10-02 (a copy each), 20 only on
    // 10-03 (21 deleted on 10-03: not > 10-03).
    for (day, ous) in [
        ("2025-10-01", &["20", "21"][..]),
        ("2025-10-02", &["20", "21"]),
        ("2025-10-03", &["20"]),
    ] {
        let rows = all(
            daily,
            &DS,
            &[("usage_start", day), ("resource_ids", "{i-web0002}")],
        );
        assert_eq!(rows.len(), ous.len(), "W2 {day}");
        for (r, ou) in rows.into_iter().zip(ous) {
            assert_cols(
                "W2",
                r,
                &DS,
                &cols(&[
                    &acct("222222222222", "2", ou),
                    &[
                        ("product_family", "Compute Instance"),
                        ("availability_zone", "eu-west-1b"),
                        ("region", "eu-west-1"),
                        ("instance_type", "m5.large"),
                        ("tags", r#"{"app": "web"}"#),
                        ("cost_category", r#"{"team": "web"}"#),
                    ],
                    &usage(
                        "24.000000000",
                        "0.107000000",
                        "2.568000000",
                        "2.568000000",
                        "0.107000000",
                    ),
                    &mk("0.179760000", "0.179760000000000"),
                ]),
            );
        }
    }
    // i-web0003 (account 111…): OU NULL on 10-01, OU 10 from 10-02 (created on the day); OU 30 is
    // another source's.
    for (day, ou) in [("2025-10-01", "NULL"), ("2025-10-02", "10")] {
        let r = one(
            daily,
            &DS,
            &[
                ("usage_start", day),
                ("resource_ids", "{i-web0003}"),
                ("instance_type", "m5.large"),
            ],
        );
        assert_cols(
            "W3",
            r,
            &DS,
            &cols(&[
                &acct("111111111111", "1", ou),
                &[("availability_zone", "us-west-2a"), ("region", "us-west-2")],
                &usage(
                    "24.000000000",
                    "0.096000000",
                    "2.304000000",
                    "2.304000000",
                    "0.096000000",
                ),
                &mk("0.161280000", "0.161280000000000"),
            ]),
        );
    }
    for (day, ou) in [
        ("2025-10-01", "NULL"),
        ("2025-10-02", "10"),
        ("2025-10-03", "10"),
    ] {
        let r = one(
            daily,
            &DS,
            &[("usage_start", day), ("resource_ids", "{vol-ebs0001}")],
        );
        assert_cols(
            "E1",
            r,
            &DS,
            &cols(&[
                &acct("111111111111", "1", ou),
                &[
                    ("product_family", "Storage"),
                    ("availability_zone", "NULL"),
                    ("region", "us-east-1"),
                    ("unit", "GB-Mo"),
                    ("instance_type", "NULL"),
                    ("tags", r#"{"app": "db"}"#),
                    ("cost_category", r#"{"team": "data"}"#),
                ],
                // 0.25806451680000003 rounds up to 0.258064517.
                &usage(
                    "3.225806460",
                    "0.080000000",
                    "0.258064517",
                    "0.258064517",
                    "0.080000000",
                ),
                &mk("0.018064516", "0.018064516176000"),
            ]),
        );
    }
    for (day, ous) in [
        ("2025-10-01", &["20", "21"][..]),
        ("2025-10-02", &["20", "21"]),
    ] {
        let rows = all(
            daily,
            &DS,
            &[("usage_start", day), ("resource_ids", "{vol-ebs0002}")],
        );
        assert_eq!(rows.len(), 2);
        for (r, ou) in rows.into_iter().zip(ous) {
            assert_cols(
                "E2",
                r,
                &DS,
                &cols(&[
                    &acct("222222222222", "2", ou),
                    &[
                        ("product_family", "Storage"),
                        ("region", "eu-west-1"),
                        ("unit", "GB-Mo"),
                    ],
                    &usage(
                        "1.612903224",
                        "0.100000000",
                        "0.161290322",
                        "0.161290322",
                        "0.100000000",
                    ),
                    &mk("0.011290323", "0.011290322568000"),
                ]),
            );
        }
    }
    // E2-3: the refund (same keys) merges into the volume's row: U = 0.1612903224 − 0.5.
    let r = one(
        daily,
        &DS,
        &[
            ("usage_start", "2025-10-03"),
            ("resource_ids", "{vol-ebs0002}"),
        ],
    );
    assert_cols(
        "E2-3",
        r,
        &DS,
        &cols(&[
            &acct("222222222222", "2", "20"),
            &usage(
                "1.612903224",
                "0.100000000",
                "-0.338709678",
                "0.161290322",
                "0.100000000",
            ),
            &mk("-0.023709677", "-0.023709677432000"),
        ]),
    );
    let credits = all(
        daily,
        &DS,
        &[("usage_start", "2025-10-02"), ("resource_ids", r#"{""}"#)],
    );
    assert_eq!(credits.len(), 2);
    for (r, ou) in credits.into_iter().zip(["20", "21"]) {
        assert_cols(
            "C2",
            r,
            &DS,
            &cols(&[
                &[("product_code", "AmazonEC2")],
                &acct("222222222222", "2", ou),
                &no_dims,
                &usage(
                    "0.000000000",
                    "0.000000000",
                    "-5.000000000",
                    "0.000000000",
                    "0.000000000",
                ),
                &mk("-0.350000000", "-0.350000000000000"),
            ]),
        );
    }
    // MB2: Marketplace with an empty product name → the product code.
    let mb = all(
        daily,
        &DS,
        &[("product_code", "5hnnev4d0v7mapf09j0v8of0o2")],
    );
    assert_eq!(mb.len(), 2);
    for (r, ou) in mb.into_iter().zip(["20", "21"]) {
        assert_cols(
            "MB2",
            r,
            &DS,
            &cols(&[
                &[
                    ("usage_start", "2025-10-02"),
                    ("tags", r#"{"app": "firewall"}"#),
                    ("cost_category", "{}"),
                    (
                        "resource_ids",
                        "{arn:aws:ec2:us-east-1a:999999999999:instance/i-mp0002}",
                    ),
                ],
                &acct("222222222222", "2", ou),
                &usage(
                    "48.000000000",
                    "0.050000000",
                    "2.400000000",
                    "2.400000000",
                    "0.000000000",
                ),
                &mk("0.168000000", "0.168000000000000"),
            ]),
        );
    }
    let r = one(daily, &DS, &[("product_family", "Data Transfer")]);
    assert_cols(
        "DT2",
        r,
        &DS,
        &cols(&[
            &[
                ("usage_start", "2025-10-02"),
                ("resource_ids", "{i-web0003}"),
                ("unit", "GB"),
                ("region", "us-west-2"),
                ("availability_zone", "NULL"),
            ],
            &acct("111111111111", "1", "10"),
            &usage(
                "36.000000000",
                "0.020000000",
                "0.720000000",
                "0.720000000",
                "0.020000000",
            ),
            &mk("0.050400000", "0.050400000000000"),
        ]),
    );

    // EC2: the two instances; RDS, Marketplace ARNs, volumes, transfer, Tax, Credit are not in E.
    assert_eq!(ec2.len(), 2);
    for r in ec2 {
        assert_cols(
            "EC2 common",
            r,
            &EC2,
            &[
                ("operating_system", "Linux"),
                ("unit", "Hrs"),
                ("currency_code", "USD"),
                ("instance_type", "m5.large"),
                ("vcpu", "2"),
                ("memory", "8 GiB"),
                ("instance_name", "NULL"),
                ("tags", r#"{"app": "web"}"#),
                ("cost_category", r#"{"team": "web"}"#),
            ],
        );
    }
    let r = one(ec2, &EC2, &[("resource_id", "i-web0002")]);
    assert_cols(
        "i-web0002",
        r,
        &EC2,
        &cols(&[
            &[
                ("usage_start", "2025-10-01"),
                ("usage_end", "2025-10-03"),
                ("usage_account_id", "222222222222"),
                ("account_alias_id", "2"),
                ("region", "eu-west-1"),
            ],
            &usage(
                "72.000000000",
                "0.107000000",
                "7.704000000",
                "7.704000000",
                "0.107000000",
            ),
            &mk("0.539280000", "0.539280000000000"),
        ]),
    );
    let r = one(ec2, &EC2, &[("resource_id", "i-web0003")]);
    assert_cols(
        "i-web0003",
        r,
        &EC2,
        &cols(&[
            &[
                ("usage_start", "2025-10-01"),
                ("usage_end", "2025-10-02"),
                ("usage_account_id", "111111111111"),
                ("account_alias_id", "1"),
                ("region", "us-west-2"),
            ],
            &usage(
                "48.000000000",
                "0.096000000",
                "4.608000000",
                "4.608000000",
                "0.096000000",
            ),
            &mk("0.322560000", "0.322560000000000"),
        ]),
    );
}

// ---------------------------------------------------------------------------------------------
// 03-tags
// ---------------------------------------------------------------------------------------------

#[test]
fn s03_tags() {
    let out = scenario("03-tags");
    let (daily, ec2) = (&out[0].daily, &out[0].ec2);
    assert_eq!(daily.len(), 7);
    let zero_markups = markups("0.000000000 0.000000000000000 0.000000000000000 0.000000000");
    for r in daily {
        assert_cols(
            "common",
            r,
            &DS,
            &cols(&[
                &[
                    ("usage_start", "2025-10-01"),
                    ("usage_account_id", "111111111111"),
                    ("account_alias_id", "NULL"),
                    ("organizational_unit_id", "NULL"),
                    ("product_code", "AmazonEC2"),
                    ("region", "us-east-1"),
                    ("currency_code", "USD"),
                    ("savingsplan_effective_cost", "0.000000000"),
                ],
                &zero_markups,
            ]),
        );
    }
    let instance = |u, c| {
        measures([
            u,
            "0.0",
            "0.0",
            "0.096000000",
            c,
            "0.096000000",
            c,
            "0.000000000",
            c,
            c,
            "0.096000000",
        ])
    };
    let t2_tags = r#"{"app": "web", "env": "生产 🚀", "note": "say \"hi\" \\ bye"}"#;
    for (rid, tags, cc) in [
        (
            "{i-tag01}",
            r#"{"app": "web", "env": "prod-é"}"#,
            r#"{"Env Type": "production", "team": "platform"}"#,
        ),
        ("{i-tag02}", t2_tags, "{}"),
        (
            "{i-tag03}",
            r#"{"kubernetes.io/cluster/c1": "owned"}"#,
            r#"{"team": "platform"}"#,
        ),
    ] {
        let r = one(daily, &DS, &[("resource_ids", rid)]);
        assert_cols(
            rid,
            r,
            &DS,
            &cols(&[
                &[
                    ("tags", tags),
                    ("cost_category", cc),
                    ("product_family", "Compute Instance"),
                    ("availability_zone", "us-east-1a"),
                    ("instance_type", "m5.large"),
                    ("unit", "Hrs"),
                ],
                &instance("24.000000000", "2.304000000"),
            ]),
        );
    }
    // The stored text: compact, keys sorted, non-ASCII unescaped, `"` and `\` escaped (§8.3).
    let r = one(daily, &DS, &[("resource_ids", "{i-tag02}")]);
    assert_eq!(
        r.s("tags"),
        Some(r#"{"app":"web","env":"生产 🚀","note":"say \"hi\" \\ bye"}"#)
    );
    assert_eq!(
        one(daily, &DS, &[("resource_ids", "{i-tag01}")]).s("cost_category"),
        Some(r#"{"Env Type":"production","team":"platform"}"#)
    );
    let t4 = all(daily, &DS, &[("resource_ids", "{i-tag04}")]);
    assert_eq!(
        t4.len(),
        2,
        "raw tags differ in a disabled key only: two rows"
    );
    for r in t4 {
        assert_cols(
            "T4",
            r,
            &DS,
            &cols(&[
                &[
                    ("tags", r#"{"app": "api"}"#),
                    ("cost_category", r#"{"team": "platform"}"#),
                ],
                &instance("12.000000000", "1.152000000"),
            ]),
        );
    }
    for rid in ["{vol-tag05}", "{vol-tag06}"] {
        let r = one(daily, &DS, &[("resource_ids", rid)]);
        assert_cols(
            rid,
            r,
            &DS,
            &cols(&[
                &[
                    ("tags", "{}"),
                    ("cost_category", r#"{"team": "data"}"#),
                    ("product_family", "Storage"),
                    ("availability_zone", "NULL"),
                    ("instance_type", "NULL"),
                    ("unit", "GB-Mo"),
                ],
                &measures(
                    "0.645161280 0.0 0.0 0.080000000 0.051612902 0.080000000 0.051612902 0.000000000 0.051612902 0.051612902 0.080000000",
                ),
            ]),
        );
    }

    assert_eq!(ec2.len(), 5);
    for r in ec2 {
        assert_cols(
            "EC2 common",
            r,
            &EC2,
            &cols(&[
                &[
                    ("usage_start", "2025-10-01"),
                    ("usage_end", "2025-10-01"),
                    ("usage_account_id", "111111111111"),
                    ("account_alias_id", "NULL"),
                    ("instance_name", "NULL"),
                    ("instance_type", "m5.large"),
                    ("vcpu", "2"),
                    ("memory", "8 GiB"),
                    ("operating_system", "Linux"),
                    ("region", "us-east-1"),
                    ("unit", "Hrs"),
                    ("currency_code", "USD"),
                ],
                &instance("24.000000000", "2.304000000"),
                &zero_markups,
            ]),
        );
    }
    for (rid, tags, cc) in [
        (
            "i-tag01",
            r#"{"app": "web", "env": "prod-é"}"#,
            r#"{"Env Type": "production", "team": "platform"}"#,
        ),
        ("i-tag02", t2_tags, "{}"),
        (
            "i-tag03",
            r#"{"kubernetes.io/cluster/c1": "owned"}"#,
            r#"{"team": "platform"}"#,
        ),
    ] {
        let r = one(ec2, &EC2, &[("resource_id", rid)]);
        assert_cols(rid, r, &EC2, &[("tags", tags), ("cost_category", cc)]);
    }
    let t4 = all(ec2, &EC2, &[("resource_id", "i-tag04")]);
    assert_eq!(t4.len(), 2, "two L groups, each with the full totals");
    for r in t4 {
        assert_cols(
            "i-tag04",
            r,
            &EC2,
            &[
                ("tags", r#"{"app": "api"}"#),
                ("cost_category", r#"{"team": "platform"}"#),
            ],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 04-month-boundary
// ---------------------------------------------------------------------------------------------

#[test]
fn s04_month_boundary() {
    let out = scenario("04-month-boundary");
    let (sep, oct) = (&out[0], &out[1]);
    let instance = cols(&[
        &[
            ("product_family", "Compute Instance"),
            ("availability_zone", "us-east-1a"),
            ("instance_type", "m5.large"),
            ("unit", "Hrs"),
            ("tags", r#"{"Name": "mb-1", "app": "web"}"#),
            ("cost_category", r#"{"team": "platform"}"#),
            ("account_alias_id", "5"),
            ("organizational_unit_id", "NULL"),
        ],
        &measures(
            "24.000000000 4.0 96.0 0.096000000 2.304000000 0.096000000 2.304000000 0.000000000 2.304000000 2.304000000 0.096000000",
        ),
        &markups("0.230400000 0.230400000000000 0.000000000000000 0.230400000"),
    ]);
    let volume = |u, c, m9, m15| {
        cols(&[
            &[
                ("product_family", "Storage"),
                ("availability_zone", "NULL"),
                ("instance_type", "NULL"),
                ("unit", "GB-Mo"),
                ("tags", r#"{"app": "web"}"#),
                ("cost_category", r#"{"team": "platform"}"#),
            ],
            &measures([
                u,
                "0.0",
                "0.0",
                "0.100000000",
                c,
                "0.100000000",
                c,
                "0.000000000",
                c,
                c,
                "0.100000000",
            ]),
            &markups([m9, m15, "0.000000000000000", m9]),
        ])
    };
    for (o, days, vol) in [
        // September: 0.1000000008 → 0.100000001 (rounded up).
        (
            sep,
            ["2025-09-29", "2025-09-30"],
            volume(
                "1.000000008",
                "0.100000001",
                "0.010000000",
                "0.010000000080000",
            ),
        ),
        (
            oct,
            ["2025-10-01", "2025-10-02"],
            volume(
                "0.967741944",
                "0.096774194",
                "0.009677419",
                "0.009677419440000",
            ),
        ),
    ] {
        assert_eq!(o.daily.len(), 4);
        for day in days {
            let r = one(
                &o.daily,
                &DS,
                &[("usage_start", day), ("resource_ids", "{i-mb0001}")],
            );
            assert_cols(day, r, &DS, &instance);
            let r = one(
                &o.daily,
                &DS,
                &[("usage_start", day), ("resource_ids", "{vol-mb0002}")],
            );
            assert_cols(day, r, &DS, &vol);
        }
    }
    // The 09-30 line of the October partition: in no daily row (check_run_constants: every row in
    // the window), and the October instance rows are exactly 24 h each (above).

    // EC2, September.
    assert_eq!(sep.ec2.len(), 1);
    let ec2_common = [
        ("instance_name", "mb-1"),
        ("instance_type", "m5.large"),
        ("vcpu", "2"),
        ("memory", "8 GiB"),
        ("operating_system", "Linux"),
        ("region", "us-east-1"),
        ("unit", "Hrs"),
        ("currency_code", "USD"),
        ("account_alias_id", "5"),
        ("tags", r#"{"Name": "mb-1", "app": "web"}"#),
        ("cost_category", r#"{"team": "platform"}"#),
        ("savingsplan_effective_cost", "0.000000000"),
        ("markup_cost_savingsplan", "0.000000000000000"),
    ];
    assert_cols(
        "EC2 September",
        &sep.ec2[0],
        &EC2,
        &cols(&[
            &ec2_common,
            &[("usage_start", "2025-09-29"), ("usage_end", "2025-09-30")],
            &measures(
                "48.000000000 4.0 192.0 0.096000000 4.608000000 0.096000000 4.608000000 0.000000000 4.608000000 4.608000000 0.096000000",
            ),
            &markups("0.460800000 0.460800000000000 0.000000000000000 0.460800000"),
        ]),
    );
    // EC2, October: koku's row starts on 2025-09-30 (the partition's September-dated line is in E).
    // By default it is written as koku writes it: 9.99 + 2.304 + 2.304 = 14.598, 49 h, NU 196.
    let fixture = Fixture::load("04-month-boundary");
    let october_run = &fixture.runs()[1];
    let koku_values = cols(&[
        &ec2_common,
        &measures(
            "49.000000000 4.0 196.0 0.096000000 14.598000000 0.096000000 14.598000000 0.000000000 14.598000000 14.598000000 0.096000000",
        ),
        &markups("1.459800000 1.459800000000000 0.000000000000000 1.459800000"),
    ]);
    assert_eq!(oct.ec2.len(), 1);
    assert_cols(
        "EC2 October (default: koku)",
        &oct.ec2[0],
        &EC2,
        &cols(&[
            &koku_values,
            &[("usage_start", "2025-09-30"), ("usage_end", "2025-10-02")],
        ]),
    );
    assert_eq!(oct.details["ec2_rows_left_out"], 0);
    assert_eq!(sep.details["ec2_rows_left_out"], 0);
    let koku = run_once(&fixture, october_run, Ec2Scope::Koku);
    assert_eq!(koku.ec2, oct.ec2);
    // The fix that leaves it out (--ec2-scope window): outside koku's delete scope, counted.
    let window = run_once(&fixture, october_run, Ec2Scope::Window);
    assert!(window.ec2.is_empty(), "{:#?}", window.ec2);
    assert_eq!(window.details["ec2_rows_left_out"], 1);
    // The fix: the same values from the first of the month.
    let clamped = run_once(&fixture, october_run, Ec2Scope::ClampToMonth);
    assert_eq!(clamped.ec2.len(), 1);
    assert_cols(
        "EC2 October (clamp-to-month)",
        &clamped.ec2[0],
        &EC2,
        &cols(&[
            &koku_values,
            &[("usage_start", "2025-10-01"), ("usage_end", "2025-10-02")],
        ]),
    );
    assert_eq!(clamped.details["ec2_rows_clamped_to_month"], 1);
    // The daily summary does not depend on the EC2 scope.
    assert_eq!(window.daily, oct.daily);
    assert_eq!(clamped.daily, oct.daily);
}

// ---------------------------------------------------------------------------------------------
// 05-older-cur
// ---------------------------------------------------------------------------------------------

#[test]
fn s05_older_cur() {
    let out = scenario("05-older-cur");
    let (daily, ec2) = (&out[0].daily, &out[0].ec2);
    assert_eq!(daily.len(), 5);
    for r in daily {
        assert_cols(
            "common",
            r,
            &DS,
            &[
                ("usage_account_id", "111111111111"),
                ("account_alias_id", "1"),
                ("organizational_unit_id", "NULL"),
                ("product_code", "AmazonEC2"),
                ("region", "us-east-1"),
                ("currency_code", "USD"),
                ("normalization_factor", "0.0"),
                ("normalized_usage_amount", "0.0"),
            ],
        );
    }
    // (day, resource, tags, cost_category); measures in `measures` order; markups.
    let rows: [(&str, &str, &str, &str, &str, &str); 5] = [
        // O1: SavingsPlanCoveredUsage in the old file: Σ SP over NULLs = NULL, so Am = NULL too.
        (
            "2025-10-01 {i-old01}",
            r#"{"app": "api"}"#,
            "NULL",
            "24.000000000 0.0 0.0 0.096000000 2.304000000 0.096000000 2.304000000 NULL NULL 2.304000000 0.096000000",
            "-0.115200000 -0.115200000000000 NULL NULL",
            "O1",
        ),
        // O2: a Usage line takes its unblended cost although the SP column is missing.
        (
            "2025-10-01 {i-old02}",
            r#"{"app": "web"}"#,
            "NULL",
            "24.000000000 0.0 0.0 0.096000000 2.304000000 0.096000000 2.304000000 NULL 2.304000000 2.304000000 0.096000000",
            "-0.115200000 -0.115200000000000 NULL -0.115200000",
            "O2",
        ),
        (
            "2025-10-01 {vol-old03}",
            r#"{"app": "web"}"#,
            "NULL",
            "0.645161280 0.0 0.0 0.100000000 0.064516128 0.100000000 0.064516128 NULL 0.064516128 0.064516128 0.100000000",
            "-0.003225806 -0.003225806400000 NULL -0.003225806",
            "O3",
        ),
        // 10-02: public rate all NULL → NULL; SP 0.0 × −0.05 = −0.0 → 0.
        (
            "2025-10-02 {i-old02}",
            r#"{"app": "web"}"#,
            r#"{"team": "platform"}"#,
            "24.000000000 0.0 0.0 0.096000000 2.304000000 0.096000000 2.304000000 0.000000000 2.304000000 2.304000000 NULL",
            "-0.115200000 -0.115200000000000 0.000000000000000 -0.115200000",
            "O4",
        ),
        (
            "2025-10-02 {vol-old03}",
            r#"{"app": "web"}"#,
            r#"{"team": "platform"}"#,
            "0.645161280 0.0 0.0 0.100000000 0.064516128 0.100000000 0.064516128 0.000000000 0.064516128 0.064516128 NULL",
            "-0.003225806 -0.003225806400000 0.000000000000000 -0.003225806",
            "O5",
        ),
    ];
    for (key, tags, cc, m, mk, name) in rows {
        let (day, rid) = key.split_once(' ').unwrap();
        let r = one(daily, &DS, &[("usage_start", day), ("resource_ids", rid)]);
        assert_cols(
            name,
            r,
            &DS,
            &cols(&[
                &[("tags", tags), ("cost_category", cc)],
                &measures(m),
                &markups(mk),
            ]),
        );
    }

    assert_eq!(ec2.len(), 2);
    for r in ec2 {
        assert_cols(
            "EC2 common",
            r,
            &EC2,
            &[
                ("usage_account_id", "111111111111"),
                ("account_alias_id", "1"),
                ("operating_system", "Linux"),
                ("region", "us-east-1"),
                ("unit", "Hrs"),
                ("currency_code", "USD"),
                ("instance_type", "m5.large"),
                ("memory", "8 GiB"),
                ("instance_name", "NULL"),
            ],
        );
    }
    // i-old01: vcpu and cost category NULL (absent in its file); covered cost zeroed: 0.0 × −0.05 =
    // −0.0 → 0; S = Am = NULL.
    let r = one(ec2, &EC2, &[("resource_id", "i-old01")]);
    assert_cols(
        "i-old01",
        r,
        &EC2,
        &cols(&[
            &[
                ("usage_start", "2025-10-01"),
                ("usage_end", "2025-10-01"),
                ("vcpu", "NULL"),
                ("tags", r#"{"app": "api"}"#),
                ("cost_category", "NULL"),
            ],
            &measures(
                "24.000000000 0.0 0.0 0.096000000 0.000000000 0.096000000 0.000000000 NULL NULL 2.304000000 0.096000000",
            ),
            &markups("0.000000000 0.000000000000000 NULL NULL"),
        ]),
    );
    let r = one(ec2, &EC2, &[("resource_id", "i-old02")]);
    assert_cols(
        "i-old02",
        r,
        &EC2,
        &cols(&[
            &[
                ("usage_start", "2025-10-01"),
                ("usage_end", "2025-10-02"),
                ("vcpu", "2"),
                ("tags", r#"{"app": "web"}"#),
                ("cost_category", r#"{"team": "platform"}"#),
            ],
            &measures(
                "48.000000000 0.0 0.0 0.096000000 4.608000000 0.096000000 4.608000000 0.000000000 4.608000000 4.608000000 0.096000000",
            ),
            &markups("-0.230400000 -0.230400000000000 0.000000000000000 -0.230400000"),
        ]),
    );
}

// ---------------------------------------------------------------------------------------------
// 06-null-product-code
// ---------------------------------------------------------------------------------------------

#[test]
fn s06_null_product_code_is_refused_and_nothing_is_written() {
    let fixture = Fixture::load("06-null-product-code");
    let run = &fixture.runs()[0];
    let tmp = tempfile::tempdir().unwrap();
    aws_support::write_workdir(tmp.path(), run, &fixture.daily_batches(run));
    let err = transform(tmp.path(), 1, Ec2Scope::default()).unwrap_err();
    for part in [
        "aws_line_items_daily, row 0, column lineitem_productcode",
        "product_code would be NULL",
        "2025-10-01",
        r#"bill_billingentity "AWS""#,
        r#"lineitem_productcode """#,
        r#"product_productname "Amazon Elastic Compute Cloud""#,
        r#"lineitem_resourceid "i-np0001""#,
        "reporting_awscostentrylineitem_daily_summary",
    ] {
        assert!(err.contains(part), "{part:?} not in: {err}");
    }
    // Nothing half-written: no output file, no transform stage.
    for ds in [&AWS_DAILY_SUMMARY, &AWS_EC2_COMPUTE_SUMMARY] {
        assert!(!tmp.path().join(ds.file_name()).exists(), "{}", ds.name);
    }
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
    let run_json = std::fs::read_to_string(tmp.path().join("run.json")).unwrap();
    assert!(!run_json.contains("\"transform\""), "{run_json}");
}

// ---------------------------------------------------------------------------------------------
// worked-example
// ---------------------------------------------------------------------------------------------

/// The fixture of spec §9 (the CUR converted by koku's code) gives exactly the rows of the in-memory
/// worked example, whose every column `aws_worked_example.rs` checks against §9.3 / §9.4.
#[test]
fn worked_example_fixture_gives_the_rows_of_spec_9() {
    let out = scenario("worked-example");
    let tmp = tempfile::tempdir().unwrap();
    let run = aws_support::worked_example::spec_run();
    aws_support::write_workdir(
        tmp.path(),
        &run,
        &[aws_support::cur_batch(
            &aws_support::worked_example::spec_rows(),
        )],
    );
    transform(tmp.path(), 1, Ec2Scope::default()).unwrap();
    let (daily, ec2) = aws_support::outputs(tmp.path());
    assert_eq!(out[0].daily, daily);
    assert_eq!(out[0].ec2, ec2);
    assert_eq!((daily.len(), ec2.len()), (7, 3));
}
