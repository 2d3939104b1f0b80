//! SQL `LIKE` as Trino evaluates it (OCP matches cost-category patterns with `namespace LIKE
//! pattern`, spec ocp-daily-summary.md §2.5, §4.3): `%` matches any sequence (also empty), `_` exactly
//! one character, everything else literally, case-sensitive, whole string, no escape character.

/// Whether `text` matches `pattern`. Works on characters (code points), not bytes, so `_` matches one
/// non-ASCII character.
pub fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // Iterative wildcard matching with backtracking to the last `%` (linear in practice).
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '%' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '%')
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn koku_default_patterns() {
        assert!(like("openshift-monitoring", "openshift-%"));
        assert!(like("openshift-", "openshift-%"));
        assert!(!like("openshift", "openshift-%"));
        assert!(like("openshift", "openshift"));
        assert!(like("kube-system", "kube-%"));
        assert!(like("Platform unallocated", "Platform unallocated"));
        assert!(
            !like("platform unallocated", "Platform unallocated"),
            "case-sensitive"
        );
        assert!(!like("web", "openshift-%"));
    }

    #[test]
    fn underscore_is_one_character_and_percent_anywhere() {
        assert!(like("w_b", "w_b"));
        assert!(like("web", "w_b"));
        assert!(!like("wb", "w_b"));
        assert!(like("wéb", "w_b"));
        assert!(like("abc", "%"));
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("a-b-c", "a%c"));
        assert!(like("aXbXc", "%b%"));
        assert!(!like("abc", "a%d"));
        assert!(like("mississippi", "%iss%pi"));
    }
}
