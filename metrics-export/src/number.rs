//! Number rendering: integers exactly, floats as the Prometheus Go client writes them (0.0.4)
//! and in OpenMetrics' canonical form.

use std::fmt::Write as _;

/// A fixed stack buffer that `core::fmt` can write into: numbers are formatted without a heap
/// allocation.
struct StackBuf {
    bytes: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes `f` as Go's `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest digits that read back
/// as `f`, in exponent form when the decimal exponent is below -4 or at least 6
/// (`1`, `0.25`, `1e-05`, `123456`, `1.234567e+06`), and `+Inf`, `-Inf`, `NaN`.
pub fn write_go_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.234567e6`, `1e-5`.
    let mut buf = StackBuf {
        bytes: [0; 40],
        len: 0,
    };
    let _ = write!(buf, "{f:e}");
    let sci = std::str::from_utf8(&buf.bytes[..buf.len]).unwrap_or("NaN");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    if negative {
        out.push('-');
    }
    let (first, rest) = mantissa.split_at(1);
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    if !(-4..6).contains(&exp) {
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        let _ = write!(out, "{abs}");
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(first);
        out.push_str(rest);
    } else {
        // 0 <= exp < 6: `exp + 1` digits before the point.
        let int_digits = usize::try_from(exp).unwrap_or(0) + 1;
        let digits_len = 1 + rest.len();
        out.push_str(first);
        if digits_len <= int_digits {
            out.push_str(rest);
            for _ in digits_len..int_digits {
                out.push('0');
            }
        } else {
            let (int_rest, frac) = rest.split_at(int_digits - 1);
            out.push_str(int_rest);
            out.push('.');
            out.push_str(frac);
        }
    }
}

/// Writes `f` in OpenMetrics' canonical form: as [`write_go_float`], with `.0` added to
/// integral values written without an exponent (`1.0`, `0.25`, `1e-05`, `1e+06`), as the
/// reference Python client writes `le` bounds.
pub fn write_openmetrics_float(out: &mut String, f: f64) {
    let start = out.len();
    write_go_float(out, f);
    let written = &out[start..];
    if f.is_finite() && !written.contains(['.', 'e']) {
        out.push_str(".0");
    }
}

/// Writes an integer in decimal.
pub fn write_int(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(f: f64) -> String {
        let mut s = String::new();
        write_go_float(&mut s, f);
        s
    }

    fn om(f: f64) -> String {
        let mut s = String::new();
        write_openmetrics_float(&mut s, f);
        s
    }

    #[test]
    fn go_formatting_matches_strconv() {
        let cases: [(f64, &str); 24] = [
            (1.0, "1"),
            (0.25, "0.25"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (1e6, "1e+06"),
            (123_456.0, "123456"),
            (1_234_567.0, "1.234567e+06"),
            (2.5, "2.5"),
            (100.0, "100"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (-0.5, "-0.5"),
            (0.0, "0"),
            (-0.0, "-0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (999_999.0, "999999"),
            (-1_000_000.0, "-1e+06"),
            (12.345, "12.345"),
            (0.005, "0.005"),
        ];
        for (f, want) in cases {
            assert_eq!(go(f), want, "{f:?}");
        }
    }

    #[test]
    fn openmetrics_canonical_floats() {
        let cases: [(f64, &str); 10] = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (1e6, "1e+06"),
            (123_456.0, "123456.0"),
            (1_234_567.0, "1.234567e+06"),
            (0.0, "0.0"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
            (-3.0, "-3.0"),
        ];
        for (f, want) in cases {
            assert_eq!(om(f), want, "{f:?}");
        }
    }
}
