//! Which OpenShift sources an AWS source's summary hands on to the OCP-on-AWS flow: koku's infrastructure
//! map in the AWS direction (`reporting_ocpinfrastructure_provider_map.sql` with `aws_provider_uuid`,
//! spec §6.3, §6.4), as a pure function. The caller (the `ocp-aws` flow) gathers the inputs; whether
//! the pairs are persisted (`api_providerinfrastructuremap`, `api_provider.infrastructure_id`) and
//! koku's date-blind one-hour cache are not reproduced here (spec §11 question 4).
//!
//! For the AWS source A and the window, koku's statement returns (MAP:45-64):
//!
//! 1. every distinct (O, A, type) where O is an OCP source (`api_provider.type = 'OCP'`) **not yet
//!    paired** with any cloud source (`infrastructure_id IS NULL`), one of O's pod-usage resource ids
//!    (non-empty) is a **substring** of one of A's CUR resource ids (non-empty; `strpos(aws, ocp) !=
//!    0`, not a suffix test), and `type` is A's `reporting_tenant_api_provider.type` — no such row, no
//!    pair;
//! 2. UNION every source already paired with A: (`api_provider.uuid`, A,
//!    `api_providerinfrastructuremap.infrastructure_type`) for each provider whose
//!    `infrastructure_id` is a map row with `infrastructure_provider_id = A`, data or not (any
//!    provider type: koku's union does not filter on it).
//!
//! The rows go into a map keyed by the OCP source, a later row overwriting an earlier one (OACC:461-465);
//! Trino's row order is unspecified, so where one OCP source has two rows (only possible with two
//! tenant-provider rows for A, or two map rows of one id) this function keeps the greatest
//! (AWS source, type), deterministically. UUIDs are compared as text, as koku's `cast(uuid as
//! varchar)` joins do: pass them lower-case and hyphenated.

use std::collections::{BTreeMap, BTreeSet};

use aho_corasick::AhoCorasick;

/// A `public.api_provider` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub uuid: String,
    /// `type` (`OCP`, `AWS`, `AWS-local`, …).
    pub provider_type: String,
    /// `infrastructure_id`: the `api_providerinfrastructuremap` row the source is paired through.
    pub infrastructure_id: Option<i32>,
}

/// A `public.api_providerinfrastructuremap` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfrastructureMap {
    pub id: i32,
    pub infrastructure_type: String,
    /// `infrastructure_provider_id`: the cloud source.
    pub infrastructure_provider_id: String,
}

/// A `reporting_tenant_api_provider` row (the tenant's view of a provider).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantProvider {
    pub uuid: String,
    pub provider_type: String,
}

/// OCP source → (AWS source, infrastructure type).
pub type Pairs = BTreeMap<String, (String, String)>;

/// koku's infrastructure map for the AWS source `aws_source` (module doc).
///
/// * `aws_resource_ids`: the distinct `lineitem_resourceid` of A's `aws_line_items_daily` rows of the
///   window (`start_date ≤ lineitem_usagestartdate < end_date + 1 day`, partition of the start
///   date); NULLs left out by the caller, `''` ignored here.
/// * `ocp_rows`: (source, `resource_id`) of the window's `openshift_pod_usage_line_items_daily` rows
///   (same window and partition), of any OCP source: the ones not eligible are ignored here.
pub fn pairs<'a>(
    aws_source: &str,
    aws_resource_ids: impl IntoIterator<Item = &'a str>,
    ocp_rows: &[(&str, &str)],
    providers: &[Provider],
    infra_map: &[InfrastructureMap],
    tenant_providers: &[TenantProvider],
) -> Pairs {
    let mut rows: BTreeSet<(String, String, String)> = BTreeSet::new();

    // 1. Data: unpaired OCP sources whose resource id is contained in one of A's.
    let types: BTreeSet<&str> = tenant_providers
        .iter()
        .filter(|t| t.uuid == aws_source)
        .map(|t| t.provider_type.as_str())
        .collect();
    let unpaired: BTreeSet<&str> = providers
        .iter()
        .filter(|p| p.provider_type == "OCP" && p.infrastructure_id.is_none())
        .map(|p| p.uuid.as_str())
        .collect();
    // Distinct OCP resource ids, each with the unpaired sources that report it.
    let mut sources_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (source, resource_id) in ocp_rows {
        if !resource_id.is_empty() && unpaired.contains(source) {
            sources_of.entry(*resource_id).or_default().insert(*source);
        }
    }
    if !types.is_empty() && !sources_of.is_empty() {
        let patterns: Vec<&str> = sources_of.keys().copied().collect();
        // One automaton over every OCP resource id: each AWS id is scanned once for all of them
        // (a `contains` per pair would be |OCP ids| × |AWS ids|).
        let automaton = AhoCorasick::new(&patterns).expect("plain string patterns");
        let mut matched: BTreeSet<&str> = BTreeSet::new();
        let wanted: BTreeSet<&str> = sources_of.values().flatten().copied().collect();
        for aws_id in aws_resource_ids {
            if aws_id.is_empty() {
                continue;
            }
            for m in automaton.find_overlapping_iter(aws_id) {
                matched.extend(sources_of[patterns[m.pattern().as_usize()]].iter().copied());
            }
            if matched.len() == wanted.len() {
                break;
            }
        }
        for ocp in matched {
            for t in &types {
                rows.insert((ocp.to_string(), aws_source.to_string(), t.to_string()));
            }
        }
    }

    // 2. UNION: every source already paired with A.
    for p in providers {
        let Some(id) = p.infrastructure_id else {
            continue;
        };
        for m in infra_map
            .iter()
            .filter(|m| m.id == id && m.infrastructure_provider_id == aws_source)
        {
            rows.insert((
                p.uuid.clone(),
                aws_source.to_string(),
                m.infrastructure_type.clone(),
            ));
        }
    }

    // The dict: a later row wins; rows in sorted order, so the greatest wins.
    rows.into_iter()
        .map(|(ocp, aws, t)| (ocp, (aws, t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaa-0000-0000-0000-00000000000a";
    const B: &str = "bbbbbbbb-0000-0000-0000-00000000000b";
    const O1: &str = "00000000-0000-0000-0000-0000000000o1";
    const O2: &str = "00000000-0000-0000-0000-0000000000o2";
    const O3: &str = "00000000-0000-0000-0000-0000000000o3";

    fn provider(uuid: &str, t: &str, infra: Option<i32>) -> Provider {
        Provider {
            uuid: uuid.into(),
            provider_type: t.into(),
            infrastructure_id: infra,
        }
    }

    fn map_row(id: i32, t: &str, cloud: &str) -> InfrastructureMap {
        InfrastructureMap {
            id,
            infrastructure_type: t.into(),
            infrastructure_provider_id: cloud.into(),
        }
    }

    fn tenant(uuid: &str, t: &str) -> TenantProvider {
        TenantProvider {
            uuid: uuid.into(),
            provider_type: t.into(),
        }
    }

    fn pair(aws: &str, t: &str) -> (String, String) {
        (aws.to_string(), t.to_string())
    }

    /// Spec §9.5: O1 unpaired with a pod on `i-aaa`; O2 paired with A (no data); O3 paired with B,
    /// its node `i-bbb` in A's data too.
    #[test]
    fn spec_9_5_illustration() {
        let providers = [
            provider(O1, "OCP", None),
            provider(O2, "OCP", Some(1)),
            provider(O3, "OCP", Some(2)),
            provider(A, "AWS", None),
            provider(B, "AWS", None),
        ];
        let infra = [map_row(1, "AWS", A), map_row(2, "AWS", B)];
        let tenants = [tenant(A, "AWS"), tenant(B, "AWS")];
        let got = pairs(
            A,
            ["i-aaa", "i-bbb", "i-ccc", "vol-111", "vol-222", ""],
            &[(O1, "i-aaa"), (O3, "i-bbb")],
            &providers,
            &infra,
            &tenants,
        );
        let want: Pairs = [(O1.into(), pair(A, "AWS")), (O2.into(), pair(A, "AWS"))].into();
        assert_eq!(got, want);
    }

    #[test]
    fn substring_not_suffix_and_not_empty() {
        let providers = [provider(O1, "OCP", None), provider(O2, "OCP", None)];
        let tenants = [tenant(A, "AWS")];
        // O1's short id is contained in an unrelated AWS id (koku's contains, not a suffix test);
        // O2 reports only '' (ignored) and an id that is not contained anywhere.
        let got = pairs(
            A,
            ["arn:aws:ec2:us-east-1:1:instance/i-0abc1234/extra"],
            &[(O1, "i-0abc"), (O2, ""), (O2, "i-zzz")],
            &providers,
            &[],
            &tenants,
        );
        assert_eq!(got, [(O1.into(), pair(A, "AWS"))].into());
        // The AWS side's '' contains everything in a naive test: ignored.
        let got = pairs(A, [""], &[(O1, "x")], &providers, &[], &tenants);
        assert!(got.is_empty());
    }

    #[test]
    fn only_unpaired_ocp_sources_from_the_data() {
        let providers = [
            provider(O1, "OCP", Some(7)),
            provider(O2, "AWS", None),
            provider(O3, "OCP", None),
        ];
        let infra = [map_row(7, "AWS", B)];
        let tenants = [tenant(A, "AWS")];
        let got = pairs(
            A,
            ["i-1", "i-2", "i-3"],
            // O1 paired with B; O2 not an OCP source; an unknown source (no api_provider row).
            &[(O1, "i-1"), (O2, "i-2"), ("unknown", "i-3"), (O3, "i-3")],
            &providers,
            &infra,
            &tenants,
        );
        assert_eq!(got, [(O3.into(), pair(A, "AWS"))].into());
    }

    #[test]
    fn type_from_the_tenant_provider_and_dropped_without_one() {
        let providers = [provider(O1, "OCP", None)];
        let rows = [(O1, "i-1")];
        let local = pairs(
            A,
            ["i-1"],
            &rows,
            &providers,
            &[],
            &[tenant(A, "AWS-local")],
        );
        assert_eq!(local, [(O1.into(), pair(A, "AWS-local"))].into());
        // Only B has a tenant row: A's matches are dropped.
        let none = pairs(A, ["i-1"], &rows, &providers, &[], &[tenant(B, "AWS")]);
        assert!(none.is_empty());
    }

    #[test]
    fn union_of_sources_already_paired_with_a_whatever_their_data_or_type() {
        // O1 paired with A through a map row of type AWS-local, no data; O2 paired with B; a non-OCP
        // provider pointing at A's map row is in koku's union too. The union needs no tenant row.
        let providers = [
            provider(O1, "OCP", Some(3)),
            provider(O2, "OCP", Some(4)),
            provider(O3, "GCP", Some(3)),
        ];
        let infra = [map_row(3, "AWS-local", A), map_row(4, "AWS", B)];
        let got = pairs(A, ["i-1"], &[(O2, "i-1")], &providers, &infra, &[]);
        assert_eq!(
            got,
            [
                (O1.into(), pair(A, "AWS-local")),
                (O3.into(), pair(A, "AWS-local"))
            ]
            .into()
        );
    }

    #[test]
    fn several_rows_for_one_source_keep_the_greatest() {
        let providers = [provider(O1, "OCP", None)];
        let got = pairs(
            A,
            ["i-1"],
            &[(O1, "i-1")],
            &providers,
            &[],
            &[tenant(A, "AWS"), tenant(A, "AWS-local")],
        );
        assert_eq!(got, [(O1.into(), pair(A, "AWS-local"))].into());
    }

    #[test]
    fn many_sources_and_overlapping_ids() {
        // Ids that contain one another: every contained id counts (overlapping matches).
        let providers = [provider(O1, "OCP", None), provider(O2, "OCP", None)];
        let got = pairs(
            A,
            ["i-0123456789"],
            &[(O1, "i-0123"), (O2, "0123456")],
            &providers,
            &[],
            &[tenant(A, "AWS")],
        );
        assert_eq!(
            got,
            [(O1.into(), pair(A, "AWS")), (O2.into(), pair(A, "AWS"))].into()
        );
    }
}
