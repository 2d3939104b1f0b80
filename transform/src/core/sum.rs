//! SQL aggregate semantics over nullable doubles: NULL inputs are skipped, an aggregate of only NULLs
//! is NULL.

/// `sum` step.
pub fn sum_opt(acc: Option<f64>, x: Option<f64>) -> Option<f64> {
    match (acc, x) {
        (Some(a), Some(b)) => Some(a + b),
        (None, b) => b,
        (a, None) => a,
    }
}

/// `max` step for doubles.
pub fn max_opt(acc: Option<f64>, x: Option<f64>) -> Option<f64> {
    match (acc, x) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (None, b) => b,
        (a, None) => a,
    }
}

/// `max` step for anything ordered (strings: byte order, which is Trino's varchar order for UTF-8).
pub fn max_ord<T: Ord + Clone>(acc: &mut Option<T>, x: Option<&T>) {
    if let Some(x) = x
        && acc.as_ref().is_none_or(|a| x > a)
    {
        *acc = Some(x.clone());
    }
}

/// `greatest(a, b)` in Trino: NULL if either argument is NULL.
pub fn greatest(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        _ => None,
    }
}

/// `a - b` with NULL propagation.
pub fn minus(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? - b?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_semantics() {
        assert_eq!(sum_opt(None, None), None);
        assert_eq!(sum_opt(None, Some(1.0)), Some(1.0));
        assert_eq!(sum_opt(Some(1.0), None), Some(1.0));
        assert_eq!(sum_opt(Some(1.0), Some(2.0)), Some(3.0));
        assert_eq!(max_opt(Some(1.0), Some(2.0)), Some(2.0));
        assert_eq!(max_opt(Some(3.0), None), Some(3.0));
        assert_eq!(greatest(Some(1.0), None), None);
        assert_eq!(greatest(Some(1.0), Some(0.5)), Some(1.0));
        assert_eq!(minus(Some(3.0), None), None);
        let mut m = None;
        max_ord(&mut m, Some(&"".to_string()));
        max_ord(&mut m, Some(&"b".to_string()));
        max_ord(&mut m, None);
        max_ord(&mut m, Some(&"a".to_string()));
        assert_eq!(m.as_deref(), Some("b"));
    }
}
