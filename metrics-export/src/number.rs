//! Numbers: integers exactly; floats as Go's `strconv.FormatFloat(f, 'g', -1, 64)` writes them
//! (Prometheus 0.0.4) and in OpenMetrics' canonical form (the same, with `.0` on integral values).

use std::fmt::Write as _;

/// A small stack buffer that `core::fmt` writes into, so formatting a float does not allocate.
/// 32 bytes hold any `{:e}` of an `f64` (the longest, `-2.2250738585072014e-308`, has 24).
struct StackBuf {
    bytes: [u8; 32],
    len: usize,
}

impl StackBuf {
    const fn new() -> Self {
        Self {
            bytes: [0; 32],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so this cannot fail.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
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

/// Writes `f` as Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which the Prometheus Go client
/// uses: the shortest digits that read back as `f`, in exponent form when the decimal exponent
/// is below -4 or at least 6 (`1`, `0.25`, `0.0001`, `1e-05`, `123456`, `1e+06`,
/// `1.234567e+06`), and `+Inf`, `-Inf`, `NaN`.
pub(crate) fn write_go_float(out: &mut String, f: f64) {
    write_float(out, f, false);
}

/// Writes `f` in OpenMetrics' canonical form: "the default Go rendering of float64 values (i.e.
/// `%g`), with a `.0` appended in case there is no decimal point or exponent" (`1.0`, `0.25`,
/// `1e-05`, `123456.0`, `1e+06`). For the non-negative values `le` takes, this is also exactly
/// what the Python reference client writes (`floatToGoString`).
pub(crate) fn write_openmetrics_float(out: &mut String, f: f64) {
    write_float(out, f, true);
}

fn write_float(out: &mut String, f: f64, point_zero: bool) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    if f.is_sign_negative() {
        // Includes -0.0, which Go writes `-0`.
        out.push('-');
    }
    let Shortest { digits, len, exp } = Shortest::of(f.abs());
    let digits = std::str::from_utf8(&digits[..len]).unwrap_or("0");
    let (lead, frac) = digits.split_at(1);
    if !(-4..6).contains(&exp) {
        out.push_str(lead);
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
        out.push_str(if exp < 0 { "e-" } else { "e+" });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        let _ = write!(out, "{abs}");
    } else if exp < 0 {
        out.push_str("0.");
        for _ in exp + 1..0 {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        // `exp + 1` digits before the point (1 to 6).
        let int_len = usize::try_from(exp).unwrap_or(0) + 1;
        if len <= int_len {
            out.push_str(digits);
            for _ in len..int_len {
                out.push('0');
            }
            if point_zero {
                out.push_str(".0");
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

/// The shortest decimal digits that read back as a finite `f >= 0`: the value is
/// `d1.d2...dn × 10^exp`, with `digits[..len]` the ASCII digits `d1...dn` (at most 17).
struct Shortest {
    digits: [u8; 17],
    len: usize,
    exp: i32,
}

impl Shortest {
    fn of(f: f64) -> Self {
        // Rust's `{:e}` gives the shortest digits that round-trip, and among them the closest
        // to `f`, as Go does: `1.234567e6`, `1e-5`, `0e0`.
        let mut buf = StackBuf::new();
        let _ = write!(buf, "{f:e}");
        let (mantissa, exp) = buf.as_str().split_once('e').unwrap_or(("0", "0"));
        let mut shortest = Self {
            digits: [b'0'; 17],
            len: 0,
            exp: exp.parse().unwrap_or(0),
        };
        for (slot, digit) in shortest
            .digits
            .iter_mut()
            .zip(mantissa.bytes().filter(u8::is_ascii_digit))
        {
            *slot = digit;
            shortest.len += 1;
        }
        shortest.break_tie(f);
        shortest
    }

    /// The digits as an integer `d` and the power of ten `scale` such that the value is
    /// `d × 10^scale`.
    fn integer(&self) -> (u64, i32) {
        let d = self.digits[..self.len]
            .iter()
            .fold(0u64, |d, &b| d * 10 + u64::from(b - b'0'));
        (d, self.exp + 1 - i32::try_from(self.len).unwrap_or(0))
    }

    /// When `f` lies exactly halfway between two shortest candidates, Go (like Python) takes
    /// the even one, where Rust takes the one above: `2121535200372724.25` is `...242` in Go
    /// and `...243` in Rust. Rare, but then the last digit differs.
    fn break_tie(&mut self, f: f64) {
        if self.len == 0 || self.digits[self.len - 1].is_multiple_of(2) {
            return;
        }
        let (d, scale) = self.integer();
        // The midpoints below and above `d` are `(10d ∓ 5) × 10^(scale - 1)`.
        for (midpoint, candidate) in [(10 * d - 5, d - 1), (10 * d + 5, d + 1)] {
            if equals_decimal(f, midpoint, scale - 1) && Self::reads_back(candidate, scale, f) {
                self.set(candidate, scale);
                return;
            }
        }
    }

    fn reads_back(d: u64, scale: i32, f: f64) -> bool {
        let mut buf = StackBuf::new();
        let _ = write!(buf, "{d}e{scale}");
        buf.as_str()
            .parse::<f64>()
            .is_ok_and(|g| g.to_bits() == f.to_bits())
    }

    fn set(&mut self, mut d: u64, mut scale: i32) {
        while d.is_multiple_of(10) && d > 0 {
            d /= 10;
            scale += 1;
        }
        let mut buf = StackBuf::new();
        let _ = write!(buf, "{d}");
        let text = buf.as_str().as_bytes();
        self.len = text.len().min(self.digits.len());
        self.digits[..self.len].copy_from_slice(&text[..self.len]);
        self.exp = scale + i32::try_from(self.len).unwrap_or(0) - 1;
    }
}

/// Whether the finite `f > 0` is exactly `digits × 10^power`, in integer arithmetic.
fn equals_decimal(f: f64, digits: u64, power: i32) -> bool {
    // f = mantissa × 2^exp2, with the mantissa made odd.
    let bits = f.to_bits();
    let biased = i32::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = bits & ((1 << 52) - 1);
    let (mut mantissa, mut exp2) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if mantissa == 0 || digits == 0 {
        return mantissa == digits;
    }
    let zeros = mantissa.trailing_zeros();
    mantissa >>= zeros;
    exp2 += i32::try_from(zeros).unwrap_or(0);
    // digits × 10^power = odd × 5^power × 2^(power + zeros): the odd parts and the powers of
    // two must both match. A product that overflows exceeds the other side, so is not equal.
    let zeros = digits.trailing_zeros();
    let odd = digits >> zeros;
    if exp2 != power + i32::try_from(zeros).unwrap_or(0) {
        return false;
    }
    let Some(fives) = 5u64.checked_pow(power.unsigned_abs()) else {
        return false;
    };
    if power >= 0 {
        odd.checked_mul(fives) == Some(mantissa)
    } else {
        mantissa.checked_mul(fives) == Some(odd)
    }
}

/// Writes an integer in decimal (with `itoa`: a scrape writes one per sample, and `fmt` costs
/// several times more).
pub(crate) fn write_int(out: &mut String, v: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(v));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::process::{Command, Stdio};

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

    /// `(value, Go 'g' -1, OpenMetrics canonical)`.
    const TABLE: [(f64, &str, &str); 34] = [
        (0.0, "0", "0.0"),
        (-0.0, "-0", "-0.0"),
        (1.0, "1", "1.0"),
        (-1.0, "-1", "-1.0"),
        (0.25, "0.25", "0.25"),
        (-0.5, "-0.5", "-0.5"),
        (2.5, "2.5", "2.5"),
        (100.0, "100", "100.0"),
        (12.345, "12.345", "12.345"),
        (0.005, "0.005", "0.005"),
        (0.0001, "0.0001", "0.0001"),
        (0.000_123_45, "0.00012345", "0.00012345"),
        (1e-5, "1e-05", "1e-05"),
        (1.5e-5, "1.5e-05", "1.5e-05"),
        (1e-10, "1e-10", "1e-10"),
        (123_456.0, "123456", "123456.0"),
        (999_999.0, "999999", "999999.0"),
        (123_456.5, "123456.5", "123456.5"),
        (1e6, "1e+06", "1e+06"),
        (-1e6, "-1e+06", "-1e+06"),
        (1_234_567.0, "1.234567e+06", "1.234567e+06"),
        (1e10, "1e+10", "1e+10"),
        (1e21, "1e+21", "1e+21"),
        (1.1e23, "1.1e+23", "1.1e+23"),
        (1.5e300, "1.5e+300", "1.5e+300"),
        (5e-324, "5e-324", "5e-324"),
        (
            f64::MAX,
            "1.7976931348623157e+308",
            "1.7976931348623157e+308",
        ),
        (0.1 + 0.2, "0.30000000000000004", "0.30000000000000004"),
        // Exactly halfway between two shortest candidates: Go takes the even one.
        (
            2_121_535_200_372_724.0 + 0.25, // exact: the spacing here is 0.25
            "2.1215352003727242e+15",
            "2.1215352003727242e+15",
        ),
        (
            2_121_535_200_372_724.0 + 0.75,
            "2.1215352003727248e+15",
            "2.1215352003727248e+15",
        ),
        (f64::INFINITY, "+Inf", "+Inf"),
        (f64::NEG_INFINITY, "-Inf", "-Inf"),
        (f64::NAN, "NaN", "NaN"),
        (-f64::NAN, "NaN", "NaN"),
    ];

    #[test]
    fn go_and_openmetrics_tables() {
        for (f, want_go, want_om) in TABLE {
            assert_eq!(go(f), want_go, "Go rendering of {f:?}");
            assert_eq!(om(f), want_om, "OpenMetrics rendering of {f:?}");
        }
    }

    #[test]
    fn openmetrics_canonical_examples_of_the_spec() {
        // "Considerations: Canonical Numbers" in the OpenMetrics 1.0 specification.
        let values = [
            0.0, 0.001, 0.002, 0.01, 0.1, 0.9, 0.95, 0.99, 0.999, 1.0, 1.7, 10.0,
        ];
        let rendered: Vec<String> = values.into_iter().map(om).collect();
        assert_eq!(
            rendered.join(" "),
            "0.0 0.001 0.002 0.01 0.1 0.9 0.95 0.99 0.999 1.0 1.7 10.0"
        );
        let powers = [1e-10, 1e-9, 1e-5, 1e-4, 0.1, 1.0, 1e5, 1e6, 1e10];
        let rendered: Vec<String> = powers.into_iter().map(om).collect();
        assert_eq!(
            rendered.join(" "),
            "1e-10 1e-09 1e-05 0.0001 0.1 1.0 100000.0 1e+06 1e+10"
        );
    }

    #[test]
    fn openmetrics_thousandths_up_to_ten() {
        // The spec asks for consistent output for 0.0 up to 10.0 in 0.001 increments.
        for i in 0..=10_000u32 {
            let (int, frac) = (i / 1000, i % 1000);
            let mut want = format!("{int}.{frac:03}");
            while want.ends_with('0') && !want.ends_with(".0") {
                want.pop();
            }
            assert_eq!(om(f64::from(i) / 1000.0), want);
        }
    }

    /// Cross-checks both renderings against the Python reference client's `floatToGoString`,
    /// which mimics Go for positive values: over powers of ten, bucket-like values and
    /// pseudo-random bit patterns.
    #[test]
    fn matches_the_python_reference_client() {
        let mut values: Vec<f64> = Vec::new();
        for e in -30..=30 {
            values.push(10f64.powi(e));
            values.push(1.5 * 10f64.powi(e));
            values.push(1.234_567_8 * 10f64.powi(e));
        }
        values.extend([
            0.0,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            999_999.9,
            1_000_001.0,
        ]);
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        while values.len() < 20_000 {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let bits = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 1;
            // Every other value between 2^48 and 2^64, where exact halfway ties are common.
            let bits = if values.len().is_multiple_of(2) {
                bits
            } else {
                (bits & ((1 << 52) - 1)) | ((1023 + 48 + (bits >> 60)) << 52)
            };
            let f = f64::from_bits(bits);
            if f.is_finite() {
                values.push(f);
            }
        }
        let input = values.iter().fold(String::new(), |mut input, f| {
            let _ = writeln!(input, "{}", f.to_bits());
            input
        });
        let script = "import struct, sys\n\
            from prometheus_client.utils import floatToGoString\n\
            for line in sys.stdin:\n\
            \x20   print(floatToGoString(struct.unpack('<d', struct.pack('<Q', int(line)))[0]))\n";
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with prometheus_client is needed: pip install prometheus-client");
        // Fed from another thread: Python answers while it reads, and a full pipe would block.
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child.wait_with_output().unwrap();
        feeder.join().unwrap().unwrap();
        assert!(output.status.success(), "the Python script failed");
        let python = String::from_utf8(output.stdout).unwrap();
        let lines: Vec<&str> = python.lines().collect();
        assert_eq!(lines.len(), values.len());
        for (f, want) in values.iter().zip(lines) {
            assert_eq!(om(*f), want, "OpenMetrics rendering of {f:?}");
            // Go's own rendering never ends in `.0`: that is the canonical suffix.
            assert_eq!(go(*f), want.strip_suffix(".0").unwrap_or(want), "{f:?}");
            assert_eq!(go(-*f), format!("-{}", go(*f)), "{:?}", -*f);
        }
    }

    #[test]
    fn integers_are_exact() {
        let mut s = String::new();
        write_int(&mut s, u64::MAX);
        s.push(' ');
        write_int(&mut s, i64::MIN);
        s.push(' ');
        write_int(&mut s, 0u64);
        assert_eq!(s, "18446744073709551615 -9223372036854775808 0");
    }
}
