//! Label and tag maps as koku's Trino SQL handles them, for every flow (OCP's labels, AWS's tags):
//! parsing koku's JSON text (`cast(json_parse(t) as map(varchar, varchar))`), filtering by the enabled
//! keys, merging with Trino's `map_concat` precedence, and formatting like Trino's `json_format`
//! (spec ocp-daily-summary.md §4.1, §5; aws-daily-summary.md, `tags`).

use super::FastMap;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// A label map. `BTreeMap` makes equality order-insensitive (Trino groups by the map) and gives the
/// sorted key order of Trino's `json_format`. Values may be NULL (JSON `null`).
pub type Labels = BTreeMap<String, Option<String>>;

/// The key koku's SQL for OCP and OCP-on-cloud puts before the enabled keys
/// (`array['vm_kubevirt_io_name'] || array_agg(key)`: VM cost models need it); see
/// [`EnabledKeys::with_key`].
pub const ALWAYS_ENABLED_KEY: &str = "vm_kubevirt_io_name";

/// The enabled-key set of a flow's SQL (OCP: `K`, spec ocp-daily-summary.md §2.5).
#[derive(Debug, Clone)]
pub struct EnabledKeys {
    /// `None` reproduces Trino's quirk: with zero enabled keys, `array_agg(key)` is NULL (and so is
    /// `ARRAY[k] || NULL`), `contains(NULL, k)` is never true, and every map filters to empty — for
    /// OCP even `vm_kubevirt_io_name` is dropped. (koku's PostgreSQL port keeps it; we follow Trino
    /// for parity.)
    keys: Option<HashSet<String>>,
}

impl EnabledKeys {
    /// `array_agg(key)` over the flow's enabled keys of `reporting_enabledtagkeys`.
    pub fn from_enabled<I: IntoIterator<Item = String>>(enabled: I) -> EnabledKeys {
        let keys: HashSet<String> = enabled.into_iter().collect();
        EnabledKeys {
            keys: (!keys.is_empty()).then_some(keys),
        }
    }

    /// `ARRAY[key] || keys`: `key` added, unless there are no enabled keys (the NULL array stays NULL).
    pub fn with_key(mut self, key: &str) -> EnabledKeys {
        if let Some(keys) = &mut self.keys {
            keys.insert(key.to_string());
        }
        self
    }

    pub fn contains(&self, key: &str) -> bool {
        self.keys.as_ref().is_some_and(|k| k.contains(key))
    }
}

/// `cast(json_parse(text) as map(varchar, varchar))`: a JSON object of scalar values. Numbers and
/// booleans become their text (Trino casts JSON scalars to varchar); nested values are an error, as in
/// Trino.
pub fn parse(text: &str) -> Result<Labels, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON ({e}): {}", excerpt(text)))?;
    let serde_json::Value::Object(obj) = value else {
        return Err(format!("not a JSON object: {}", excerpt(text)));
    };
    let mut out = Labels::new();
    for (k, v) in obj {
        let v = match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            other => return Err(format!("label {k:?} has a nested value {other}")),
        };
        // Duplicate keys: the last one wins (Trino's map cast would fail; koku never writes them).
        out.insert(k, v);
    }
    Ok(out)
}

fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    format!("{s:?}")
}

/// `map_filter(m, (k, v) -> contains(K, k))`.
pub fn filter(labels: &Labels, keys: &EnabledKeys) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| keys.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `map_concat(a, b, ...)`: later maps win on equal keys.
pub fn merge(maps: &[&Labels]) -> Labels {
    let mut out = Labels::new();
    for m in maps {
        for (k, v) in m.iter() {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// `json_format(cast(m as json))`: compact, keys sorted.
pub fn to_json(labels: &Labels) -> String {
    serde_json::to_string(labels).expect("string map serialises")
}

/// `json_parse(text)` formatted as compact JSON with the keys of every object sorted: any JSON text
/// (AWS cost categories are stored as JSON unfiltered), in the one form that makes equal values
/// byte-identical (PostgreSQL's jsonb normalises whatever form it is given the same way).
pub fn canonical_json(text: &str) -> Result<String, String> {
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON ({e}): {}", excerpt(text)))?;
    value.sort_all_objects();
    Ok(value.to_string())
}

/// Parses and filters each distinct label text once: label columns repeat the same few texts over
/// many rows, so the cache turns per-row JSON parsing into a hash lookup.
///
/// Generational, so that memory stays flat over a long window: [`FilteredLabelCache::next_generation`]
/// (called once per day) forgets the texts not asked for since the previous call. Pods come and go
/// and their label texts with them (perf: over 30 days of 400 nodes ≈ 8k texts a day are new and
/// 16–17k in use; forgetting the rest took the transform's peak RSS from 593 to 419–446 MB,
/// BENCHMARKS.md), while a text still in use is found in the previous generation and kept,
/// still parsed once.
#[derive(Debug, Clone)]
pub struct FilteredLabelCache {
    keys: EnabledKeys,
    current: FastMap<String, Arc<Labels>>,
    previous: FastMap<String, Arc<Labels>>,
}

impl FilteredLabelCache {
    pub fn new(keys: EnabledKeys) -> Self {
        FilteredLabelCache {
            keys,
            current: FastMap::default(),
            previous: FastMap::default(),
        }
    }

    /// `f_K(parse(text))`; `None` text (SQL NULL) gives `None` (a NULL map). A text asked for twice
    /// within a generation, or in two generations in a row, gives the same `Arc`.
    pub fn get(&mut self, text: Option<&str>) -> Result<Option<Arc<Labels>>, String> {
        let Some(text) = text else { return Ok(None) };
        if let Some(hit) = self.current.get(text) {
            return Ok(Some(hit.clone()));
        }
        let parsed = match self.previous.remove_entry(text) {
            Some((text, parsed)) => {
                self.current.insert(text, parsed.clone());
                return Ok(Some(parsed));
            }
            None => Arc::new(filter(&parse(text)?, &self.keys)),
        };
        self.current.insert(text.to_string(), parsed.clone());
        Ok(Some(parsed))
    }

    /// Start a new generation: texts not asked for since the last call are forgotten.
    pub fn next_generation(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OCP's enabled-key set.
    fn keys(k: &[&str]) -> EnabledKeys {
        EnabledKeys::from_enabled(k.iter().map(|s| s.to_string())).with_key(ALWAYS_ENABLED_KEY)
    }

    #[test]
    fn parse_python_json_dumps_text() {
        let m = parse(r#"{"app": "web", "tier": "fe", "n": 3, "b": true, "z": null}"#).unwrap();
        assert_eq!(m["app"].as_deref(), Some("web"));
        assert_eq!(m["n"].as_deref(), Some("3"));
        assert_eq!(m["b"].as_deref(), Some("true"));
        assert_eq!(m["z"], None);
        assert!(parse("{}").unwrap().is_empty());
        assert!(parse("not json").unwrap_err().contains("invalid JSON"));
        assert!(parse("[1]").unwrap_err().contains("not a JSON object"));
        assert!(
            parse(r#"{"a": {"b": "c"}}"#)
                .unwrap_err()
                .contains("nested")
        );
    }

    #[test]
    fn filter_keeps_enabled_keys_and_the_vm_key() {
        let m = parse(r#"{"app": "web", "team": "x", "vm_kubevirt_io_name": "vm1"}"#).unwrap();
        let f = filter(&m, &keys(&["app"]));
        assert_eq!(to_json(&f), r#"{"app":"web","vm_kubevirt_io_name":"vm1"}"#);
    }

    #[test]
    fn zero_enabled_keys_filters_everything_like_trino() {
        let m = parse(r#"{"app": "web", "vm_kubevirt_io_name": "vm1"}"#).unwrap();
        assert!(filter(&m, &keys(&[])).is_empty());
    }

    #[test]
    fn without_the_vm_key_only_enabled_keys_are_kept() {
        // AWS's tag filter: `contains(array_agg(key), k)`, no key added.
        let m = parse(r#"{"app": "web", "team": "x", "vm_kubevirt_io_name": "vm1"}"#).unwrap();
        let aws = EnabledKeys::from_enabled(["team".to_string()]);
        assert_eq!(to_json(&filter(&m, &aws)), r#"{"team":"x"}"#);
        let none = EnabledKeys::from_enabled(Vec::<String>::new());
        assert!(filter(&m, &none).is_empty());
    }

    #[test]
    fn merge_later_wins_and_output_is_sorted_compact() {
        let node = parse(r#"{"env": "node-env"}"#).unwrap();
        let ns = parse(r#"{"env": "ns-env", "team": "t"}"#).unwrap();
        let pod = parse(r#"{"env": "prod", "app": "web"}"#).unwrap();
        assert_eq!(
            to_json(&merge(&[&node, &ns, &pod])),
            r#"{"app":"web","env":"prod","team":"t"}"#
        );
        assert_eq!(
            to_json(&merge(&[&node, &ns])),
            r#"{"env":"ns-env","team":"t"}"#
        );
    }

    #[test]
    fn canonical_json_sorts_every_object_and_keeps_every_value() {
        assert_eq!(
            canonical_json(r#"{"team": "platform", "Env Type": "production", "n": {"b": 1, "a": [2, {"z": null, "y": true}]}}"#)
                .unwrap(),
            r#"{"Env Type":"production","n":{"a":[2,{"y":true,"z":null}],"b":1},"team":"platform"}"#
        );
        assert_eq!(canonical_json("{}").unwrap(), "{}");
        assert_eq!(
            canonical_json(r#"{"k": "\u00e9\ud83d\ude80"}"#).unwrap(),
            "{\"k\":\"é🚀\"}"
        );
        assert!(canonical_json("").unwrap_err().contains("invalid JSON"));
    }

    #[test]
    fn cache_returns_same_result_and_null_for_null() {
        let mut c = FilteredLabelCache::new(keys(&["app"]));
        let a = c.get(Some(r#"{"app": "x", "b": "y"}"#)).unwrap().unwrap();
        let b = c.get(Some(r#"{"app": "x", "b": "y"}"#)).unwrap().unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(to_json(&a), r#"{"app":"x"}"#);
        assert!(c.get(None).unwrap().is_none());
    }

    #[test]
    fn cache_keeps_texts_of_the_last_generation_and_forgets_older_ones() {
        let mut c = FilteredLabelCache::new(keys(&["app"]));
        let (kept, dropped) = (r#"{"app": "kept"}"#, r#"{"app": "dropped"}"#);
        let a = c.get(Some(kept)).unwrap().unwrap();
        let d = c.get(Some(dropped)).unwrap().unwrap();
        c.next_generation();
        // Asked for again in the next generation: the same parse.
        assert!(Arc::ptr_eq(&a, &c.get(Some(kept)).unwrap().unwrap()));
        c.next_generation();
        assert!(Arc::ptr_eq(&a, &c.get(Some(kept)).unwrap().unwrap()));
        // Not asked for during a whole generation: parsed again, to the same map.
        let d2 = c.get(Some(dropped)).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&d, &d2));
        assert_eq!(d, d2);
        assert_eq!(c.current.len() + c.previous.len(), 2);
    }
}
