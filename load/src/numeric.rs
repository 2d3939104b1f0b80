//! f64 → `numeric(p,s)` exactly as Trino writes it (spec ocp-daily-summary §6.2, ocp-on-aws §6.4).
//!
//! Trino's cast is `BigDecimal.valueOf(x).setScale(s, HALF_UP)`: start from the *shortest* decimal
//! that round-trips to `x` (what Java ≥ 19 `Double.toString` and Rust's `{:e}` print), then round to `s`
//! fractional digits, ties away from zero. Rounding the exact binary expansion instead (what `{:.15}` or
//! `Decimal::from_f64_retain` do) differs on ties, e.g. `0.1234567890123455`, so the rounding here is
//! done on the digit string with integer arithmetic.
//!
//! The result keeps only the digits it needs (scale ≤ s): the shortest representation has at most 17
//! significant digits, so the mantissa always fits rust_decimal's 96 bits, whereas padding every value
//! to scale 15 would overflow them above ~7.9e13. PostgreSQL pads to the column's scale on input.
//! koku's numeric columns are `(33,15)`, `(24,9)` and `(33,9)`: at most 24 integer digits, which with
//! ≤ 17 significant digits is below rust_decimal's 28-digit limit.

use rust_decimal::Decimal;

/// Why a double cannot be stored in `numeric(p,s)` (Trino fails the insert in all these cases).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum NumericError {
    #[error("NaN cannot be stored in numeric({precision},{scale})")]
    NaN { precision: u32, scale: u32 },
    #[error("{value} cannot be stored in numeric({precision},{scale})")]
    Infinite {
        value: f64,
        precision: u32,
        scale: u32,
    },
    /// `precision - scale` integer digits at most.
    #[error(
        "{value} does not fit numeric({precision},{scale}) (|x| must be below 1e{})",
        precision - scale
    )]
    TooLarge {
        value: f64,
        precision: u32,
        scale: u32,
    },
}

/// 10^k as the nearest double, from literals (`powi` may be an ulp off above 1e22).
const POW10: [f64; 25] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24,
];

/// Convert `x` like Trino's `CAST(x AS decimal(precision, scale))`. `scale` ≤ 15 and
/// `precision - scale` ≤ 24 (koku's numeric columns).
pub fn to_numeric(x: f64, precision: u32, scale: u32) -> Result<Decimal, NumericError> {
    debug_assert!(scale <= 15 && precision >= scale && precision - scale <= 24);
    if x.is_nan() {
        return Err(NumericError::NaN { precision, scale });
    }
    if x.is_infinite() {
        return Err(NumericError::Infinite {
            value: x,
            precision,
            scale,
        });
    }
    if x.abs() >= POW10[(precision - scale) as usize] {
        return Err(NumericError::TooLarge {
            value: x,
            precision,
            scale,
        });
    }
    // `{:e}` without a precision prints the shortest round-trip digits: `d[.ddd]e[-]N`.
    let text = format!("{:e}", x.abs());
    let (mantissa, exp) = text
        .split_once('e')
        .expect("LowerExp always has an exponent");
    let exp: i32 = exp.parse().expect("LowerExp exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let n = digits.len() as i32;
    // At most 17 significant digits: fits u64 (and i128) comfortably.
    let d: i128 = digits.parse().expect("LowerExp mantissa is decimal digits");
    if d == 0 {
        return Ok(Decimal::ZERO);
    }
    // |x| = d × 10^(exp - (n - 1)); `frac` is the number of digits after the decimal point.
    let frac = n - 1 - exp;
    let (mantissa, kept_scale) = if frac <= 0 {
        // An integer below 10^(precision - scale) ≤ 1e24: d × 10^-frac fits i128.
        (d * 10i128.pow((-frac) as u32), 0)
    } else if frac <= scale as i32 {
        (d, frac as u32)
    } else {
        // Drop `cut` digits, rounding half away from zero on the magnitude.
        let cut = (frac - scale as i32) as u32;
        if cut > n as u32 {
            // Everything dropped and the first dropped digit is a leading zero: rounds to 0.
            (0, scale)
        } else {
            let div = 10i128.pow(cut);
            let (q, r) = (d / div, d % div);
            let up = r * 2 >= div;
            (q + i128::from(up), scale)
        }
    };
    let signed = if x.is_sign_negative() {
        -mantissa
    } else {
        mantissa
    };
    Ok(Decimal::try_from_i128_with_scale(signed, kept_scale)
        .expect("at most 25 significant digits and scale 15 fit rust_decimal"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// koku's OCP columns: numeric(33,15).
    fn to_numeric(x: f64) -> Result<Decimal, NumericError> {
        super::to_numeric(x, 33, 15)
    }

    /// The value as PostgreSQL prints a numeric(33,15).
    fn pg_text(x: f64) -> String {
        format!("{:.15}", to_numeric(x).unwrap())
    }

    #[test]
    fn other_precisions_and_scales() {
        // Spec aws-daily-summary §9.2: the f64 sum 2.304 + 1.44 = 3.7439999999999998 → 3.744000000.
        let am = 2.304 + 1.44;
        assert_eq!(am, 3.7439999999999998);
        assert_eq!(
            super::to_numeric(am, 33, 9).unwrap().to_string(),
            "3.744000000"
        );
        assert_eq!(
            format!(
                "{:.9}",
                super::to_numeric(0.052000000000000005, 24, 9).unwrap()
            ),
            "0.052000000"
        );
        assert_eq!(
            super::to_numeric(0.0000000005, 24, 9).unwrap().to_string(),
            "0.000000001"
        );
        assert_eq!(
            super::to_numeric(-0.0000000004, 24, 9).unwrap(),
            Decimal::ZERO
        );
        // (24,9) keeps 15 integer digits, (33,9) 24.
        assert!(super::to_numeric(1e15, 24, 9).is_err());
        assert_eq!(
            super::to_numeric(999_999_999_999_999.0, 24, 9)
                .unwrap()
                .to_string(),
            "999999999999999"
        );
        assert_eq!(
            super::to_numeric(1.5e23, 33, 9).unwrap().to_string(),
            "150000000000000000000000"
        );
        let e = super::to_numeric(1e24, 33, 9).unwrap_err().to_string();
        assert!(e.contains("numeric(33,9)") && e.contains("1e24"), "{e}");
    }

    #[test]
    fn spec_examples() {
        assert_eq!(pg_text(0.3225806451612903), "0.322580645161290");
        assert_eq!(pg_text(0.03225806451612903), "0.032258064516129");
        assert_eq!(pg_text(0.16129032258064516), "0.161290322580645");
        assert_eq!(pg_text(93.0), "93.000000000000000");
    }

    #[test]
    fn ties_round_away_from_zero_on_the_shortest_digits() {
        assert_eq!(pg_text(0.0000000000000005), "0.000000000000001");
        assert_eq!(pg_text(-0.0000000000000005), "-0.000000000000001");
        // The exact binary value of this double is below the tie (…4549…), so rounding the binary
        // expansion would give …345; Trino rounds the shortest digits …3455 up.
        assert_eq!(pg_text(0.1234567890123455), "0.123456789012346");
        assert_eq!(pg_text(-0.1234567890123455), "-0.123456789012346");
        assert_eq!(pg_text(0.0000000000000004), "0.000000000000000");
        // A carry that ripples through all kept digits.
        assert_eq!(pg_text(0.9999999999999999), "1.000000000000000");
    }

    #[test]
    fn tiny_values_round_to_zero() {
        assert_eq!(to_numeric(1e-300).unwrap(), Decimal::ZERO);
        assert_eq!(to_numeric(-1e-300).unwrap(), Decimal::ZERO);
        assert_eq!(to_numeric(5e-324).unwrap(), Decimal::ZERO);
        assert_eq!(to_numeric(0.0).unwrap(), Decimal::ZERO);
        assert_eq!(to_numeric(-0.0).unwrap(), Decimal::ZERO);
        // Exactly 16 digits below the point, first dropped digit 5.
        assert_eq!(pg_text(5e-16), "0.000000000000001");
        assert_eq!(pg_text(4.9e-16), "0.000000000000000");
    }

    #[test]
    fn large_values_keep_every_digit() {
        assert_eq!(
            pg_text(123456789012345.67),
            "123456789012345.670000000000000"
        );
        assert_eq!(
            pg_text(-123456789012345.67),
            "-123456789012345.670000000000000"
        );
        // The largest double below 1e18 is 999999999999999872; its shortest digits are 9.999999999999999e17.
        let below = f64::from_bits(1e18f64.to_bits() - 1);
        assert_eq!(to_numeric(below).unwrap().to_string(), "999999999999999900");
        // 999999999999999744: Trino keeps the shortest digits, not the exact integer.
        assert_eq!(
            to_numeric(999_999_999_999_999_744.0).unwrap().to_string(),
            "999999999999999700"
        );
        assert_eq!(to_numeric(1e17).unwrap().to_string(), "100000000000000000");
    }

    #[test]
    fn out_of_range_and_non_finite_are_errors() {
        assert!(matches!(
            to_numeric(1e18),
            Err(NumericError::TooLarge { value, .. }) if value == 1e18
        ));
        assert!(matches!(
            to_numeric(-1e18),
            Err(NumericError::TooLarge { value, .. }) if value == -1e18
        ));
        assert!(matches!(
            to_numeric(f64::NAN),
            Err(NumericError::NaN { .. })
        ));
        assert!(matches!(
            to_numeric(f64::INFINITY),
            Err(NumericError::Infinite { value, .. }) if value == f64::INFINITY
        ));
        assert!(matches!(
            to_numeric(f64::NEG_INFINITY),
            Err(NumericError::Infinite { value, .. }) if value == f64::NEG_INFINITY
        ));
        assert!(
            to_numeric(f64::NAN)
                .unwrap_err()
                .to_string()
                .contains("NaN")
        );
    }

    /// Against an independent reference: decimal string arithmetic on `{}` output.
    #[test]
    fn agrees_with_string_rounding_on_many_values() {
        let mut x: f64 = 1.0 / 7.0;
        for i in 0..2000 {
            let v = x * 10f64.powi((i % 30) - 15);
            let got = to_numeric(v).unwrap();
            let want = reference(v);
            assert_eq!(format!("{got:.15}"), want, "x = {v:e}");
            x = (x * 3.7 + 0.123).fract();
        }
    }

    /// Round the plain `{}` text (shortest digits, no exponent) to 15 decimals by hand.
    fn reference(v: f64) -> String {
        let s = format!("{}", v.abs());
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let mut frac: Vec<u8> = frac.bytes().collect();
        frac.resize(frac.len().max(16), b'0');
        let up = frac[15] >= b'5';
        let mut digits: Vec<u8> = int.bytes().chain(frac[..15].iter().copied()).collect();
        if up {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
        let split = digits.len() - 15;
        let int: String = String::from_utf8(digits[..split].to_vec()).unwrap();
        let frac: String = String::from_utf8(digits[split..].to_vec()).unwrap();
        let int = int.trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        let neg = v.is_sign_negative() && (int != "0" || frac.bytes().any(|b| b != b'0'));
        format!("{}{int}.{frac}", if neg { "-" } else { "" })
    }
}
