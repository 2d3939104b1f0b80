//! `seed.sql` of an AWS dataset: the PostgreSQL rows koku holds for the source, with koku's table and
//! column names (`koku/api/provider/models.py`, `koku/reporting/provider/models.py`,
//! `koku/reporting/provider/aws/models.py`, `koku/reporting/models.py` for the tag keys). Applied with
//! the tenant schema on the search path, after the DDL.
//!
//! Tables: `public.api_providerauthentication`, `public.api_providerbillingsource`, `public.api_provider`,
//! `reporting_tenant_api_provider`, `reporting_awscostentrybill`, `reporting_enabledtagkeys`,
//! `reporting_awsenabledcategorykeys`, `reporting_awsaccountalias`, `reporting_awsorganizationalunit`.

use chrono::NaiveDate;

use super::AwsConfig;
use super::fleet::Fleet;
use crate::rng::hash;
use crate::{month_bounds, sql_str};

/// Ids of the provider's authentication and billing-source rows (the OCP seed uses 9001).
const AUTH_ID: u32 = 9002;
const T_SEED_UUID: u64 = 120;

fn uuid_of(seed: u64, parts: &[u64]) -> String {
    let hi = hash(seed, parts) as u128;
    let lo = hash(seed ^ 1, parts) as u128;
    uuid::Builder::from_random_bytes(((hi << 64) | lo).to_be_bytes())
        .into_uuid()
        .hyphenated()
        .to_string()
}

pub fn seed_sql(cfg: &AwsConfig, fleet: &Fleet) -> String {
    let mut s = String::new();
    let src = sql_str(&cfg.source);
    let payer = &fleet.accounts[0].id;
    let name = sql_str(&format!("koku-gen AWS {payer}"));
    s.push_str(
        "-- Written by koku-gen aws: koku's PostgreSQL rows for the generated AWS source.\n",
    );
    s.push_str(&format!(
        "INSERT INTO public.api_providerauthentication (id, credentials) VALUES ({AUTH_ID}, {}) ON CONFLICT DO NOTHING;\n",
        sql_str(&format!(
            "{{\"role_arn\": \"arn:aws:iam::{payer}:role/CostManagement\"}}"
        ))
    ));
    s.push_str(&format!(
        "INSERT INTO public.api_providerbillingsource (id, data_source) VALUES ({AUTH_ID}, '{{\"bucket\": \"koku-gen-cur\", \"storage_only\": false}}') ON CONFLICT DO NOTHING;\n"
    ));
    s.push_str(&format!(
        "INSERT INTO public.api_provider (uuid, name, type, authentication_id, billing_source_id, setup_complete) VALUES ({src}, {name}, 'AWS', {AUTH_ID}, {AUTH_ID}, true) ON CONFLICT DO NOTHING;\n"
    ));
    // koku copies the provider into the tenant with the same uuid (api/provider/serializers.py).
    s.push_str(&format!(
        "INSERT INTO reporting_tenant_api_provider (uuid, name, type, provider_id) VALUES ({src}, {name}, 'AWS', {src}) ON CONFLICT DO NOTHING;\n"
    ));
    let mut months: Vec<(NaiveDate, NaiveDate)> = cfg.dates().map(month_bounds).collect();
    months.dedup();
    for (i, (a, b)) in months.iter().enumerate() {
        s.push_str(&format!(
            "INSERT INTO reporting_awscostentrybill (id, billing_resource, bill_type, payer_account_id, billing_period_start, billing_period_end, provider_id) VALUES ({}, 'aws', 'Anniversary', {}, '{a} 00:00:00+00', '{b} 00:00:00+00', {src}) ON CONFLICT DO NOTHING;\n",
            i + 1,
            sql_str(payer),
        ));
    }
    let keys: Vec<String> = fleet
        .tag_keys
        .iter()
        .map(|(k, enabled)| format!("({}, {enabled}, 'AWS')", sql_str(k)))
        .collect();
    if !keys.is_empty() {
        s.push_str(&format!(
            "INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type) VALUES {} ON CONFLICT DO NOTHING;\n",
            keys.join(", ")
        ));
    }
    let cats: Vec<String> = fleet
        .cost_category_keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            format!(
                "('{}', {}, true)",
                uuid_of(cfg.seed, &[T_SEED_UUID, i as u64]),
                sql_str(k)
            )
        })
        .collect();
    s.push_str(&format!(
        "INSERT INTO reporting_awsenabledcategorykeys (uuid, key, enabled) VALUES {} ON CONFLICT DO NOTHING;\n",
        cats.join(", ")
    ));
    // Aliases (the last account has none when there are several: koku then leaves account_alias_id
    // NULL) and organizational units: the payer and the cluster's account in `Platform`, the others in
    // `Workloads`, each membership since the first generated month.
    let since = month_bounds(cfg.start_date).0;
    let mut aliases = Vec::new();
    let mut ous = vec![format!(
        "(1, 'Root', 'r-0001', 'r-0001', 0, NULL, '{since}', NULL, {src})"
    )];
    for (i, a) in fleet.accounts.iter().enumerate() {
        let Some(alias) = &a.alias else { continue };
        let id = i + 1;
        aliases.push(format!("({id}, {}, {})", sql_str(&a.id), sql_str(alias)));
        let (ou, ou_id) = if i <= fleet.cluster_account {
            ("Platform", "ou-0001-00000001")
        } else {
            ("Workloads", "ou-0001-00000002")
        };
        ous.push(format!(
            "({}, '{ou}', '{ou_id}', 'r-0001&{ou_id}', 1, {id}, '{since}', NULL, {src})",
            ous.len() + 1
        ));
    }
    if !aliases.is_empty() {
        s.push_str(&format!(
            "INSERT INTO reporting_awsaccountalias (id, account_id, account_alias) VALUES {} ON CONFLICT DO NOTHING;\n",
            aliases.join(", ")
        ));
    }
    s.push_str(&format!(
        "INSERT INTO reporting_awsorganizationalunit (id, org_unit_name, org_unit_id, org_unit_path, level, account_alias_id, created_timestamp, deleted_timestamp, provider_id) VALUES {} ON CONFLICT DO NOTHING;\n",
        ous.join(",\n  ")
    ));
    s
}
