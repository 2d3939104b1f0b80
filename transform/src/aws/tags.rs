//! `resourcetags` and `costcategory` as koku's AWS SQL turns them into output values (spec §4.3,
//! §5.3, §8.3):
//!
//! * `tags` = `cast(map_filter(cast(json_parse(resourcetags) as map(varchar, varchar)), (k, v) ->
//!   contains(enabled_keys, k)) as json)`: only the enabled AWS keys, compared exactly (case-sensitive),
//!   values never filtered, `{}` when nothing is left (also when no key is enabled); compact JSON with
//!   sorted keys, as Trino formats a map;
//! * `cost_category` = `json_parse(costcategory)`, unfiltered (compact, sorted keys);
//! * `instance_name` (EC2) = `json_extract_scalar(json_parse(resourcetags), '$.Name')`, the exact key
//!   `Name`, whether or not it is enabled.
//!
//! A NULL text gives NULL. The same few texts repeat over many rows, so each distinct text is parsed
//! once ([`TagMemo`]).

use std::sync::Arc;

use crate::core::FastMap;
use crate::core::labels::{EnabledKeys, canonical_json, filter, parse, to_json};

/// A memo of a pure function of a text, forgetting the texts not asked for during a whole
/// generation (as `core::labels::FilteredLabelCache` does, and for the same reason: memory stays
/// flat over a long window while a text in use is computed once).
#[derive(Debug, Clone)]
struct TextMemo<V> {
    current: FastMap<String, V>,
    previous: FastMap<String, V>,
}

impl<V> Default for TextMemo<V> {
    fn default() -> Self {
        TextMemo {
            current: FastMap::default(),
            previous: FastMap::default(),
        }
    }
}

impl<V: Clone> TextMemo<V> {
    fn get(&mut self, text: &str, f: impl FnOnce(&str) -> V) -> V {
        if let Some(v) = self.current.get(text) {
            return v.clone();
        }
        let v = match self.previous.remove(text) {
            Some(v) => v,
            None => f(text),
        };
        self.current.insert(text.to_string(), v.clone());
        v
    }

    fn next_generation(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }
}

/// What a JSON text gives: the output text, or why koku's `json_parse` / map cast would fail.
type Json = Result<Arc<str>, String>;

/// The `tags` and `cost_category` values of each distinct text, computed once.
#[derive(Debug, Clone)]
pub struct TagMemo {
    keys: EnabledKeys,
    tags: TextMemo<Json>,
    categories: TextMemo<Json>,
}

impl TagMemo {
    /// `enabled`: the enabled AWS keys of `reporting_enabledtagkeys` (no key is added, unlike OCP).
    pub fn new(enabled: Vec<String>) -> Self {
        TagMemo {
            keys: EnabledKeys::from_enabled(enabled),
            tags: TextMemo::default(),
            categories: TextMemo::default(),
        }
    }

    /// The output `tags` of a `resourcetags` text.
    pub fn tags(&mut self, text: Option<&str>) -> Result<Option<Arc<str>>, String> {
        let Some(text) = text else { return Ok(None) };
        let keys = &self.keys;
        self.tags
            .get(text, |t| Ok(Arc::from(to_json(&filter(&parse(t)?, keys)))))
            .map(Some)
    }

    /// The output `cost_category` of a `costcategory` text.
    pub fn cost_category(&mut self, text: Option<&str>) -> Result<Option<Arc<str>>, String> {
        let Some(text) = text else { return Ok(None) };
        self.categories
            .get(text, |t| Ok(Arc::from(canonical_json(t)?)))
            .map(Some)
    }

    /// Start a new generation: texts not asked for since the last call are forgotten.
    pub fn next_generation(&mut self) {
        self.tags.next_generation();
        self.categories.next_generation();
    }
}

/// `json_extract_scalar(json_parse(resourcetags), '$.Name')`: the value of the exact key `Name`,
/// NULL when absent, null, or the text is NULL.
pub fn instance_name(text: Option<&str>) -> Result<Option<String>, String> {
    let Some(text) = text else { return Ok(None) };
    Ok(parse(text)?.remove("Name").flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_keep_exactly_the_enabled_keys() {
        let mut m = TagMemo::new(vec![
            "app".into(),
            "env".into(),
            "kubernetes.io/cluster/c1".into(),
        ]);
        let t = |m: &mut TagMemo, s: &str| m.tags(Some(s)).unwrap().unwrap().to_string();
        assert_eq!(
            t(
                &mut m,
                r#"{"App": "WEB", "app": "web", "env": "prod-\u00e9", "owner": "bob"}"#
            ),
            r#"{"app":"web","env":"prod-é"}"#,
            "exact case: App is not app; values unchanged, non-ASCII not escaped"
        );
        assert_eq!(t(&mut m, r#"{"owner": "bob"}"#), "{}");
        assert_eq!(
            t(
                &mut m,
                r#"{"kubernetes.io/cluster/c1": "owned", "owner": "carol"}"#
            ),
            r#"{"kubernetes.io/cluster/c1":"owned"}"#
        );
        assert_eq!(m.tags(None).unwrap(), None);
        assert!(m.tags(Some("")).unwrap_err().contains("invalid JSON"));
    }

    #[test]
    fn no_enabled_key_gives_empty_maps() {
        let mut m = TagMemo::new(vec![]);
        assert_eq!(&*m.tags(Some(r#"{"app": "web"}"#)).unwrap().unwrap(), "{}");
    }

    #[test]
    fn cost_category_is_unfiltered_and_sorted() {
        let mut m = TagMemo::new(vec!["app".into()]);
        assert_eq!(
            &*m.cost_category(Some(r#"{"team": "platform", "Env Type": "production"}"#))
                .unwrap()
                .unwrap(),
            r#"{"Env Type":"production","team":"platform"}"#
        );
        assert_eq!(m.cost_category(None).unwrap(), None);
    }

    #[test]
    fn memo_forgets_unused_texts_after_a_generation() {
        let mut m = TagMemo::new(vec!["app".into()]);
        let a = m.tags(Some(r#"{"app": "a"}"#)).unwrap().unwrap();
        m.next_generation();
        let b = m.tags(Some(r#"{"app": "a"}"#)).unwrap().unwrap();
        assert!(Arc::ptr_eq(&a, &b), "kept from the previous generation");
        m.next_generation();
        m.next_generation();
        let c = m.tags(Some(r#"{"app": "a"}"#)).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&a, &c) && a == c, "recomputed, same value");
    }

    #[test]
    fn instance_name_is_the_exact_name_key() {
        assert_eq!(
            instance_name(Some(r#"{"Name": "db-1", "app": "x"}"#)).unwrap(),
            Some("db-1".into())
        );
        assert_eq!(instance_name(Some(r#"{"name": "db-1"}"#)).unwrap(), None);
        assert_eq!(instance_name(Some(r#"{"Name": null}"#)).unwrap(), None);
        assert_eq!(instance_name(None).unwrap(), None);
    }
}
