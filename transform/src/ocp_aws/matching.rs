//! S3 (§4.3): the AWS line items of the window that belong to a cluster, by resource id (suffix
//! match on node instance ids, PV names and CSI volume handles) or by tag (a tag string of M inside
//! the raw CUR tag JSON), with the line item's normalised columns (T1).
//!
//! What does not depend on the cluster ([`Line`]: product code, tags, costs, direction) is computed
//! once per window; what does ([`T1`]: matched or not, and on which tag strings) per pair.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aho_corasick::AhoCorasick;

use super::inputs::{AwsLine, PodKey, StorageKey, Text};
use super::tags::SPECIAL_KEYS;
use crate::core::days::Day;
use crate::core::labels::{self, Labels};

/// The four cost columns, in this order everywhere: unblended, blended, Savings Plan effective,
/// calculated amortised.
pub type Costs = [Option<f64>; 4];

/// A line item's columns as T1 holds them, independent of the cluster.
#[derive(Debug, Clone)]
pub struct Line {
    pub day: Day,
    /// `nullif(lineitem_resourceid, '')`.
    pub resource_id: Text,
    pub product_code: Text,
    pub usage_account_id: Text,
    pub availability_zone: Text,
    pub product_family: Text,
    pub instance_type: Text,
    pub region: Text,
    pub unit: Text,
    /// The raw CUR JSON the tag strings are searched in.
    pub resourcetags: Text,
    /// `tags`: the tag map restricted to the enabled AWS keys and the three `openshift_*` keys;
    /// `None` when `resourcetags` is NULL.
    pub tags: Option<Arc<Labels>>,
    /// `costcategory` unchanged.
    pub aws_cost_category: Text,
    pub usage_amount: Option<f64>,
    pub direction: Option<&'static str>,
    pub currency_code: Text,
    pub costs: Costs,
}

fn non_empty(t: &Text) -> Text {
    t.clone().filter(|s| !s.is_empty())
}

/// koku's network direction (§4.3): only EC2 `Data Transfer` rows; the first rule that applies.
pub fn direction(
    product_code: Option<&str>,
    product_family: Option<&str>,
    usage_type: Option<&str>,
    operation: Option<&str>,
) -> Option<&'static str> {
    if product_code != Some("AmazonEC2") || product_family != Some("Data Transfer") {
        return None;
    }
    let ut = usage_type?.to_lowercase();
    let op = operation.map(str::to_lowercase);
    let op_has = |s: &str| op.as_deref().is_some_and(|o| o.contains(s));
    if ut.contains("in-bytes") {
        Some("IN")
    } else if ut.contains("out-bytes") {
        Some("OUT")
    } else if ut.contains("regional-bytes") && op_has("-in") {
        Some("IN")
    } else if ut.contains("regional-bytes") && op_has("-out") {
        Some("OUT")
    } else {
        None
    }
}

/// The cost columns of T1 (§6.1): covered usage zeroed on unblended and blended; the amortised cost
/// is the raw unblended cost of `Usage` and `Tax` lines, the Savings Plan effective cost otherwise.
pub fn costs(l: &AwsLine) -> Costs {
    let ty = l.lineitem_lineitemtype.as_deref();
    let covered = ty == Some("SavingsPlanCoveredUsage");
    let zeroed = |x: Option<f64>| if covered { Some(0.0) } else { x };
    let amortized = if matches!(ty, Some("Usage") | Some("Tax")) {
        l.lineitem_unblendedcost
    } else {
        l.savingsplan_savingsplaneffectivecost
    };
    [
        zeroed(l.lineitem_unblendedcost),
        zeroed(l.lineitem_blendedcost),
        l.savingsplan_savingsplaneffectivecost,
        amortized,
    ]
}

/// Parses and filters each distinct raw tag text once.
pub struct TagFilter {
    keys: HashSet<String>,
    memo: HashMap<Arc<str>, Arc<Labels>>,
    /// One `Arc` per distinct filtered map: raw texts differing only in keys that are filtered out
    /// (an instance's `Name`) share it, so later steps can key memos on the pointer.
    maps: HashMap<Labels, Arc<Labels>>,
}

impl TagFilter {
    /// `enabled_aws`: the enabled AWS keys; the `openshift_*` keys are always kept.
    pub fn new<'a>(enabled_aws: impl Iterator<Item = &'a str>) -> TagFilter {
        let mut keys: HashSet<String> = enabled_aws.map(str::to_string).collect();
        keys.extend(SPECIAL_KEYS.iter().map(|k| k.to_string()));
        TagFilter {
            keys,
            memo: HashMap::new(),
            maps: HashMap::new(),
        }
    }

    /// The filtered map of a raw tag text; an error when the text is not a JSON object of
    /// scalars (koku's `json_parse` fails the window).
    pub fn tags(&mut self, raw: &Text) -> Result<Option<Arc<Labels>>, String> {
        let Some(raw) = raw else { return Ok(None) };
        if let Some(m) = self.memo.get(raw) {
            return Ok(Some(m.clone()));
        }
        let parsed = labels::parse(raw)?;
        let kept: Labels = parsed
            .into_iter()
            .filter(|(k, _)| self.keys.contains(k))
            .collect();
        let kept = self
            .maps
            .entry(kept)
            .or_insert_with_key(|k| Arc::new(k.clone()))
            .clone();
        self.memo.insert(raw.clone(), kept.clone());
        Ok(Some(kept))
    }
}

/// The cluster-independent T1 columns of a line item.
pub fn line(l: &AwsLine, tags: &mut TagFilter) -> Result<Line, String> {
    let product_code = if l.bill_billingentity.as_deref() == Some("AWS Marketplace") {
        non_empty(&l.product_productname).or(non_empty(&l.lineitem_productcode))
    } else {
        non_empty(&l.lineitem_productcode)
    };
    Ok(Line {
        day: l.day,
        resource_id: non_empty(&l.lineitem_resourceid),
        product_code,
        usage_account_id: l.lineitem_usageaccountid.clone(),
        availability_zone: non_empty(&l.lineitem_availabilityzone),
        product_family: non_empty(&l.product_productfamily),
        instance_type: non_empty(&l.product_instancetype),
        region: non_empty(&l.product_region),
        unit: non_empty(&l.pricing_unit),
        resourcetags: l.resourcetags.clone(),
        tags: tags.tags(&l.resourcetags)?,
        aws_cost_category: l.costcategory.clone(),
        usage_amount: l.lineitem_usageamount,
        direction: direction(
            l.lineitem_productcode.as_deref(),
            l.product_productfamily.as_deref(),
            l.lineitem_usagetype.as_deref(),
            l.lineitem_operation.as_deref(),
        ),
        currency_code: non_empty(&l.lineitem_currencycode),
        costs: costs(l),
    })
}

/// A line item of T1 for one pair: which [`Line`] it is and how it matched.
#[derive(Debug, Clone)]
pub struct T1 {
    /// Index into the window's lines (the line item's identity, koku's `row_uuid`).
    pub line: usize,
    pub resource_id_matched: bool,
    /// The tag strings of M found in the raw tags, joined with `,`; `None` when resource-matched.
    pub matched_tag: Option<String>,
}

/// The suffix patterns of §4.3's R for one cluster: node resource ids, PV names and non-empty CSI
/// volume handles of its raw usage rows in the window (empty values excluded, as koku's filters
/// do).
pub struct ResourcePatterns(HashSet<Arc<str>>);

impl ResourcePatterns {
    pub fn new<'a>(
        pods: impl Iterator<Item = &'a PodKey>,
        storage: impl Iterator<Item = &'a StorageKey>,
    ) -> ResourcePatterns {
        let mut set = HashSet::new();
        for p in pods {
            if let Some(r) = p.resource_id.clone().filter(|r| !r.is_empty()) {
                set.insert(r);
            }
        }
        for s in storage {
            let Some(pv) = s.persistentvolume.clone().filter(|p| !p.is_empty()) else {
                continue;
            };
            set.insert(pv);
            if let Some(h) = s.csi_volume_handle.clone().filter(|h| !h.is_empty()) {
                set.insert(h);
            }
        }
        ResourcePatterns(set)
    }

    /// `r ∈ R`: some pattern is a suffix of `r` (koku: `substr(r, -length(p)) = p`).
    pub fn matches(&self, r: &str) -> bool {
        r.char_indices().any(|(i, _)| self.0.contains(&r[i..]))
    }
}

/// S3 for one pair: the window's lines that match the cluster.
pub fn t1(lines: &[Line], patterns: &ResourcePatterns, m: &[String]) -> Vec<T1> {
    let ac = (!m.is_empty()).then(|| AhoCorasick::new(m).expect("tag strings build an automaton"));
    let mut by_resource: HashMap<&str, bool> = HashMap::new();
    let mut by_tags: HashMap<&str, Option<String>> = HashMap::new();
    let mut out = vec![];
    for (i, l) in lines.iter().enumerate() {
        let matched = l
            .resource_id
            .as_deref()
            .is_some_and(|r| *by_resource.entry(r).or_insert_with(|| patterns.matches(r)));
        if matched {
            out.push(T1 {
                line: i,
                resource_id_matched: true,
                matched_tag: None,
            });
            continue;
        }
        let (Some(ac), Some(raw)) = (&ac, l.resourcetags.as_deref()) else {
            continue;
        };
        let tag = by_tags
            .entry(raw)
            .or_insert_with(|| {
                let mut found: Vec<usize> = ac
                    .find_overlapping_iter(raw)
                    .map(|x| x.pattern().as_usize())
                    .collect();
                found.sort_unstable();
                found.dedup();
                (!found.is_empty()).then(|| {
                    found
                        .iter()
                        .map(|&p| m[p].as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                })
            })
            .clone();
        if tag.is_some() {
            out.push(T1 {
                line: i,
                resource_id_matched: false,
                matched_tag: tag,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_direction_rules() {
        let d = |ut, op| direction(Some("AmazonEC2"), Some("Data Transfer"), ut, op);
        assert_eq!(d(Some("USE1-DataTransfer-In-Bytes"), None), Some("IN"));
        assert_eq!(d(Some("USE1-DataTransfer-Out-Bytes"), None), Some("OUT"));
        assert_eq!(
            d(
                Some("USE1-DataTransfer-Regional-Bytes"),
                Some("InterZone-In")
            ),
            Some("IN")
        );
        assert_eq!(
            d(
                Some("USE1-DataTransfer-Regional-Bytes"),
                Some("InterZone-Out")
            ),
            Some("OUT")
        );
        assert_eq!(d(Some("USE1-DataTransfer-Regional-Bytes"), None), None);
        assert_eq!(d(Some("USE1-BoxUsage"), None), None);
        assert_eq!(
            direction(
                Some("AmazonRDS"),
                Some("Data Transfer"),
                Some("x-Out-Bytes"),
                None
            ),
            None
        );
    }

    /// §4.3: suffix, not substring; empty names never match.
    #[test]
    fn resource_patterns_are_suffixes() {
        let pods = [PodKey {
            source: "o".into(),
            node: None,
            namespace: None,
            resource_id: Some("i-0abc".into()),
        }];
        let storage = [StorageKey {
            source: "o".into(),
            persistentvolume: Some("pv-1".into()),
            csi_volume_handle: Some("".into()),
        }];
        let p = ResourcePatterns::new(pods.iter(), storage.iter());
        assert!(p.matches("i-0abc"));
        assert!(p.matches("arn:aws:ec2:i-0abc"));
        assert!(!p.matches("i-0abcd"));
        assert!(p.matches("vol-pv-1"));
        assert!(!p.matches(""));
    }

    #[test]
    fn covered_usage_and_amortised_cost() {
        let mut l = AwsLine {
            day: 0,
            lineitem_resourceid: None,
            bill_billingentity: None,
            lineitem_productcode: None,
            product_productname: None,
            lineitem_usageaccountid: None,
            lineitem_availabilityzone: None,
            product_productfamily: None,
            product_instancetype: None,
            product_region: None,
            pricing_unit: None,
            resourcetags: None,
            costcategory: None,
            lineitem_usageamount: None,
            lineitem_usagetype: None,
            lineitem_operation: None,
            lineitem_currencycode: None,
            lineitem_lineitemtype: Some("SavingsPlanCoveredUsage".into()),
            lineitem_unblendedcost: Some(4.8),
            lineitem_blendedcost: Some(4.8),
            savingsplan_savingsplaneffectivecost: Some(3.0),
        };
        assert_eq!(costs(&l), [Some(0.0), Some(0.0), Some(3.0), Some(3.0)]);
        l.lineitem_lineitemtype = Some("Tax".into());
        assert_eq!(costs(&l), [Some(4.8), Some(4.8), Some(3.0), Some(4.8)]);
        l.lineitem_lineitemtype = None;
        assert_eq!(costs(&l), [Some(4.8), Some(4.8), Some(3.0), Some(3.0)]);
    }
}
