//! The tag strings a line item is matched on (§4.1 S1, §4.2 S2): the generic matched tags G (customer
//! tags present on both sides) and the special OpenShift tags of the cluster, as the text koku
//! searches for inside the raw CUR JSON of `resourcetags`.

use std::collections::{BTreeSet, HashSet};

use super::inputs::{OcpRow, PodKey, RunInputs};
use crate::core::labels;

/// Tag keys every T1 row keeps besides the enabled AWS keys (koku's `cte_enabled_tag_keys`).
pub const SPECIAL_KEYS: [&str; 3] = ["openshift_cluster", "openshift_node", "openshift_project"];

/// Python's `json.dumps(s)` of a string with the defaults koku uses (`ensure_ascii=True`): `"`, `\`
/// and control characters escaped, every non-ASCII character as `\uXXXX` (UTF-16 units, lower-case
/// hex, surrogate pairs beyond the BMP).
pub fn python_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The string form of a (key, value) of G (§4.1): `json.dumps({k: v})` with every `{` and `}`
/// removed, i.e. `"k": "v"`.
pub fn matched_tag_string(key: &str, value: &str) -> String {
    format!("{}: {}", python_json_string(key), python_json_string(value)).replace(['{', '}'], "")
}

/// Trino's `format('%s', x)`: Java formats a NULL argument as `null`.
fn java_format_arg(x: Option<&str>) -> &str {
    x.unwrap_or("null")
}

/// The enabled-key facts S1 decides on.
pub struct TagKeys {
    /// Some key is enabled for both AWS and OCP (exact key equality).
    pub both: bool,
    /// `BOTHKEYS` of the Trino path.
    pub both_keys: Vec<String>,
}

impl TagKeys {
    pub fn new(inputs: &RunInputs) -> TagKeys {
        let aws: HashSet<&str> = inputs.enabled_of("AWS").collect();
        let ocp: HashSet<&str> = inputs.enabled_of("OCP").collect();
        let mut both_keys: Vec<String> = aws.intersection(&ocp).map(|k| k.to_string()).collect();
        both_keys.sort();
        TagKeys {
            both: !both_keys.is_empty(),
            both_keys,
        }
    }
}

/// How G was decided for a window (recorded in `run.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedTagsPath {
    /// No key is enabled for both AWS and OCP: no generic matching.
    NoCommonKey,
    /// koku's PostgreSQL statement (extracted).
    Postgres,
    /// The PostgreSQL statement found nothing and tag processing is disabled for the schema.
    Disabled,
    /// koku's Trino fallback over the window's data.
    Trino,
}

/// S1 for one pair and window: G as (AWS key, AWS value) pairs, and the path taken.
///
/// The Trino fallback (§4.1): the AWS pairs of every line item whose raw tag text contains a key
/// of `BOTHKEYS`, kept when an OCP label pair of the window's pod or volume labels (texts that
/// contain such a key) has the same key and value case-insensitively; the AWS spelling is kept.
/// koku builds each pair as unescaped JSON text and fails the window on a `"` or `\`; here the pair
/// is escaped properly instead (§12.7) — the only case where the rows differ is one where koku
/// writes none.
pub fn generic_matched_tags<'a>(
    keys: &TagKeys,
    inputs: &RunInputs,
    tag_processing_disabled: bool,
    aws_tag_texts: impl Iterator<Item = &'a str>,
    ocp_rows: impl Iterator<Item = &'a OcpRow>,
) -> Result<(BTreeSet<(String, String)>, MatchedTagsPath), String> {
    if !keys.both {
        return Ok((BTreeSet::new(), MatchedTagsPath::NoCommonKey));
    }
    if !inputs.matched_tags.is_empty() {
        return Ok((
            inputs.matched_tags.iter().cloned().collect(),
            MatchedTagsPath::Postgres,
        ));
    }
    if tag_processing_disabled {
        return Ok((BTreeSet::new(), MatchedTagsPath::Disabled));
    }
    let has_key = |t: &str| keys.both_keys.iter().any(|k| t.contains(k.as_str()));
    let mut ocp_pairs: HashSet<(String, String)> = HashSet::new();
    // koku unnests both label maps of a row that has a key in either text.
    let mut seen_labels: HashSet<(Option<&str>, Option<&str>)> = HashSet::new();
    for o in ocp_rows {
        let texts = (o.pod_labels.as_deref(), o.volume_labels.as_deref());
        if !seen_labels.insert(texts)
            || !(texts.0.is_some_and(has_key) || texts.1.is_some_and(has_key))
        {
            continue;
        }
        for text in [texts.0, texts.1].into_iter().flatten() {
            for (k, v) in labels::parse(text)? {
                if let Some(v) = v {
                    ocp_pairs.insert((k.to_lowercase(), v.to_lowercase()));
                }
            }
        }
    }
    let mut g = BTreeSet::new();
    let mut seen_tags: HashSet<&str> = HashSet::new();
    for text in aws_tag_texts {
        if !seen_tags.insert(text) || !has_key(text) {
            continue;
        }
        for (k, v) in labels::parse(text)? {
            if let Some(v) = v
                && ocp_pairs.contains(&(k.to_lowercase(), v.to_lowercase()))
            {
                g.insert((k, v));
            }
        }
    }
    Ok((g, MatchedTagsPath::Trino))
}

/// S2 + the union of §4.2: M, the tag strings of the pair for the window, sorted (koku's array
/// order is irrelevant: only membership and substring tests use it).
pub fn tag_strings<'a>(
    g: &BTreeSet<(String, String)>,
    cluster_id: Option<&str>,
    cluster_alias: Option<&str>,
    pods: impl Iterator<Item = &'a PodKey> + Clone,
) -> Vec<String> {
    let mut m: BTreeSet<String> = g.iter().map(|(k, v)| matched_tag_string(k, v)).collect();
    m.insert(format!(
        "\"openshift_cluster\": \"{}\"",
        java_format_arg(cluster_id)
    ));
    m.insert(format!(
        "\"openshift_cluster\": \"{}\"",
        java_format_arg(cluster_alias)
    ));
    for p in pods.clone() {
        m.insert(format!(
            "\"openshift_node\": \"{}\"",
            java_format_arg(p.node.as_deref())
        ));
    }
    for p in pods {
        m.insert(format!(
            "\"openshift_project\": \"{}\"",
            java_format_arg(p.namespace.as_deref())
        ));
    }
    m.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §4.1 "String form": Python's `json.dumps` defaults, braces removed everywhere.
    #[test]
    fn matched_tag_strings_are_python_json_without_braces() {
        assert_eq!(matched_tag_string("app", "api"), r#""app": "api""#);
        assert_eq!(matched_tag_string("env", "café"), r#""env": "caf\u00e9""#);
        assert_eq!(matched_tag_string("k", "a\"b\\c"), r#""k": "a\"b\\c""#);
        assert_eq!(matched_tag_string("k", "{x}"), r#""k": "x""#);
        assert_eq!(matched_tag_string("k", "😀"), r#""k": "\ud83d\ude00""#);
    }

    fn inputs(enabled: &[(&str, &str)], matched: &[(&str, &str)]) -> RunInputs {
        RunInputs {
            clusters: vec![],
            enabled: enabled
                .iter()
                .map(|(k, p)| (k.to_string(), p.to_string()))
                .collect(),
            matched_tags: matched
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            aliases: Default::default(),
            markup: 0.0,
        }
    }

    fn ocp_row(pod_labels: &str) -> OcpRow {
        OcpRow {
            source: "o".into(),
            day: 0,
            cluster_id: None,
            cluster_alias: None,
            data_source: None,
            namespace: None,
            node: None,
            resource_id: None,
            pod_labels: Some(pod_labels.into()),
            volume_labels: None,
            persistentvolumeclaim: None,
            persistentvolume: None,
            storageclass: None,
            csi_volume_handle: None,
            pvc_capacity_gigabyte: None,
            pod_effective_usage_cpu_core_hours: None,
            pod_effective_usage_memory_gigabyte_hours: None,
            node_capacity_cpu_core_hours: None,
            node_capacity_memory_gigabyte_hours: None,
            cost_category_id: None,
        }
    }

    /// §4.1 decision procedure: no common key → nothing; the PostgreSQL result when there is one;
    /// otherwise the Trino fallback, case-insensitive on both key and value, AWS spelling kept.
    #[test]
    fn s1_paths() {
        let rows = [ocp_row(r#"{"app":"web","team":"x"}"#)];
        let aws = [r#"{"App": "WEB", "other": "y"}"#, r#"{"app": "db"}"#];
        let only_aws = inputs(&[("app", "AWS")], &[]);
        let (g, path) = generic_matched_tags(
            &TagKeys::new(&only_aws),
            &only_aws,
            false,
            aws.into_iter(),
            rows.iter(),
        )
        .unwrap();
        assert_eq!((g.len(), path), (0, MatchedTagsPath::NoCommonKey));

        let pg = inputs(&[("app", "AWS"), ("app", "OCP")], &[("app", "api")]);
        let (g, path) =
            generic_matched_tags(&TagKeys::new(&pg), &pg, false, aws.into_iter(), rows.iter())
                .unwrap();
        assert_eq!(path, MatchedTagsPath::Postgres);
        assert_eq!(
            g.into_iter().collect::<Vec<_>>(),
            [("app".into(), "api".into())]
        );

        let trino = inputs(&[("app", "AWS"), ("app", "OCP")], &[]);
        let (g, path) = generic_matched_tags(
            &TagKeys::new(&trino),
            &trino,
            false,
            aws.into_iter(),
            rows.iter(),
        )
        .unwrap();
        assert_eq!(path, MatchedTagsPath::Trino);
        // `App` is not a substring match of `app` in the raw text test... it is not: `has_key`
        // is case-sensitive (koku's strpos), so only the second line item qualifies, and its
        // value `db` is on no OCP label.
        assert!(g.is_empty(), "{g:?}");
        let aws2 = [r#"{"app": "WEB"}"#];
        let (g, _) = generic_matched_tags(
            &TagKeys::new(&trino),
            &trino,
            false,
            aws2.into_iter(),
            rows.iter(),
        )
        .unwrap();
        assert_eq!(
            g.into_iter().collect::<Vec<_>>(),
            [("app".into(), "WEB".into())]
        );
        let (g, path) = generic_matched_tags(
            &TagKeys::new(&trino),
            &trino,
            true,
            aws2.into_iter(),
            rows.iter(),
        )
        .unwrap();
        assert_eq!((g.len(), path), (0, MatchedTagsPath::Disabled));
    }

    /// §12.7, the behaviour chosen: a value with `"` or `\` found by the Trino fallback is kept
    /// (koku fails the window on it) and its tag string escaped as `json.dumps` escapes it, so it is
    /// found in the raw CUR JSON, which escapes the same way.
    #[test]
    fn trino_fallback_escapes_quotes_and_backslashes() {
        let rows = [ocp_row(r#"{"app":"a\"b\\c"}"#)];
        let both = inputs(&[("app", "AWS"), ("app", "OCP")], &[]);
        let aws = [r#"{"app": "a\"b\\c"}"#];
        let (g, _) = generic_matched_tags(
            &TagKeys::new(&both),
            &both,
            false,
            aws.into_iter(),
            rows.iter(),
        )
        .unwrap();
        let m = tag_strings(&g, None, None, [].iter());
        assert!(m.contains(&r#""app": "a\"b\\c""#.to_string()), "{m:?}");
        assert!(aws[0].contains(r#""app": "a\"b\\c""#));
    }

    /// S2: cluster id and alias, every node and namespace of the pod-usage rows; NULL as Java
    /// formats it.
    #[test]
    fn s2_special_tags() {
        let pods = [PodKey {
            source: "o".into(),
            node: Some("node-1".into()),
            namespace: None,
            resource_id: None,
        }];
        let m = tag_strings(
            &BTreeSet::new(),
            Some("ocp-a"),
            Some("Cluster A"),
            pods.iter(),
        );
        assert_eq!(
            m,
            [
                r#""openshift_cluster": "Cluster A""#,
                r#""openshift_cluster": "ocp-a""#,
                r#""openshift_node": "node-1""#,
                r#""openshift_project": "null""#,
            ]
        );
    }
}
