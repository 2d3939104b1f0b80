//! A tiny, dependency-free, seeded PRNG.
//!
//! Everything the generator draws is a *pure function* of the seed and of the thing being drawn
//! (`hash(seed, [TAG, slot, hour])`), not of a shared sequential stream. That is what makes the output
//! byte-identical whatever the number of threads and whatever order the days are generated in, and it
//! lets a day be generated without replaying the days before it.

/// SplitMix64's finaliser: a bijective, well-mixing 64-bit hash.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of the seed and a list of parts (tags and indices).
pub fn hash(seed: u64, parts: &[u64]) -> u64 {
    let mut h = mix(seed);
    for p in parts {
        h = mix(h ^ *p);
    }
    h
}

/// A uniform double in `[0, 1)` from 53 bits of `x`.
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `lo + x mod (hi - lo)`, for `hi > lo`.
pub fn range(x: u64, lo: u64, hi: u64) -> u64 {
    lo + x % (hi - lo)
}

/// Lower-case hex of `n` digits drawn from `x` (and further hashes of it when more than 16 are asked).
pub fn hex(mut x: u64, n: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(n);
    for i in 0..n {
        if i > 0 && i % 16 == 0 {
            x = mix(x);
        }
        s.push(DIGITS[((x >> ((i % 16) * 4)) & 15) as usize] as char);
    }
    s
}

/// `n` characters of Kubernetes' pod-name alphabet (`bcdfghjklmnpqrstvwxz2456789`) drawn from `x`.
pub fn k8s_suffix(mut x: u64, n: usize) -> String {
    const ALPHA: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut s = String::with_capacity(n);
    for _ in 0..n {
        s.push(ALPHA[(x % 27) as usize] as char);
        x /= 27;
        if x == 0 {
            x = mix(x ^ 0x5bd1_e995);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pure_and_spread() {
        assert_eq!(hash(1, &[2, 3]), hash(1, &[2, 3]));
        assert_ne!(hash(1, &[2, 3]), hash(1, &[3, 2]));
        assert_ne!(hash(1, &[2]), hash(2, &[2]));
        let mean: f64 = (0..10_000u64).map(|i| unit(hash(7, &[i]))).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        assert_eq!(hex(0xabc, 3), "cba");
        assert_eq!(hex(hash(1, &[1]), 40).len(), 40);
        assert_eq!(k8s_suffix(hash(1, &[1]), 5).len(), 5);
    }
}
