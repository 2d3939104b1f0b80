//! koku's attribution joins on `strpos(aws.resource_id, ocp.x) != 0` (§4.4–§4.7, §4.10): every OCP
//! row of the day whose `x` (a node's instance id, a CSI volume handle) is contained in the AWS
//! resource id. One automaton per day over the day's distinct non-empty values finds them all in
//! one scan of the resource id, instead of testing every row.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use super::inputs::OcpRow;
use crate::core::days::Day;

struct DayPatterns<'r> {
    ac: AhoCorasick,
    /// Per pattern, the rows holding it (in input order, with their position for ordering).
    rows: Vec<Vec<(usize, &'r OcpRow)>>,
}

/// A day's patterns while indexing: the patterns, their ids, the rows of each.
type DayBuild<'r> = (
    Vec<String>,
    HashMap<String, usize>,
    Vec<Vec<(usize, &'r OcpRow)>>,
);

/// The rows of one or more OCP sources, findable by a value contained in an AWS resource id.
pub struct ContainsIndex<'r> {
    days: HashMap<Day, DayPatterns<'r>>,
}

impl<'r> ContainsIndex<'r> {
    /// Index `rows` (in a fixed order) on `key`, keeping the rows `keep` accepts; rows whose key is
    /// NULL or empty are never found (koku's joins exclude them or `strpos(r, '')` is not reached).
    pub fn new(
        rows: impl Iterator<Item = &'r OcpRow>,
        key: impl Fn(&OcpRow) -> Option<&str>,
        keep: impl Fn(&OcpRow) -> bool,
    ) -> ContainsIndex<'r> {
        let mut per_day: HashMap<Day, DayBuild<'r>> = HashMap::new();
        for (pos, o) in rows.enumerate() {
            let Some(k) = key(o).filter(|k| !k.is_empty()) else {
                continue;
            };
            if !keep(o) {
                continue;
            }
            let (patterns, ids, lists) = per_day.entry(o.day).or_default();
            let id = *ids.entry(k.to_string()).or_insert_with(|| {
                patterns.push(k.to_string());
                lists.push(vec![]);
                patterns.len() - 1
            });
            lists[id].push((pos, o));
        }
        let days = per_day
            .into_iter()
            .map(|(day, (patterns, _, rows))| {
                let ac = AhoCorasick::new(&patterns).expect("patterns build an automaton");
                (day, DayPatterns { ac, rows })
            })
            .collect();
        ContainsIndex { days }
    }

    /// The rows of `day` whose key is contained in `resource_id`, in input order.
    pub fn find(&self, day: Day, resource_id: &str) -> Vec<&'r OcpRow> {
        let Some(d) = self.days.get(&day) else {
            return vec![];
        };
        let mut found: Vec<(usize, &'r OcpRow)> = vec![];
        let mut seen = vec![];
        for m in d.ac.find_overlapping_iter(resource_id) {
            let p = m.pattern().as_usize();
            if seen.contains(&p) {
                continue;
            }
            seen.push(p);
            found.extend(d.rows[p].iter().copied());
        }
        found.sort_by_key(|(pos, _)| *pos);
        found.into_iter().map(|(_, o)| o).collect()
    }
}
