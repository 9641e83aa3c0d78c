//! Escaping in the text formats: label values (both formats) and HELP text. Shared by
//! `metrics-export` and the pre-rendered labels of open-ended family series.

/// Writes `s` escaping `\` and line feed: HELP text of Prometheus 0.0.4.
pub fn write_help_text(out: &mut String, s: &str) {
    write_escaped::<false>(out, s);
}

/// Writes `s` escaping `\`, `"` and line feed: label values in both formats, and OpenMetrics
/// HELP text.
pub fn write_quoted_text(out: &mut String, s: &str) {
    write_escaped::<true>(out, s);
}

/// Whether any byte of `word` equals `byte` (the classic "has zero byte" bit trick on
/// `word ^ byte * 0x01..01`; exact, not approximate, for the test `!= 0`).
#[inline]
fn has_byte(word: u64, byte: u8) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = ONES << 7;
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS != 0
}

/// Whether `s` holds a byte that needs escaping: eight bytes at a time, label values being short
/// (a vectorized pass only pays from 32 bytes on).
#[inline]
fn needs_escape<const QUOTES: bool>(s: &[u8]) -> bool {
    let special = |word: u64| {
        has_byte(word, b'\\') || has_byte(word, b'\n') || (QUOTES && has_byte(word, b'"'))
    };
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let word: [u8; 8] = chunk.try_into().expect("chunks of 8");
        if special(u64::from_ne_bytes(word)) {
            return true;
        }
    }
    // The tail, padded with zeros (never a special byte).
    let mut word = [0u8; 8];
    word[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    special(u64::from_ne_bytes(word))
}

fn write_escaped<const QUOTES: bool>(out: &mut String, s: &str) {
    // Most values need no escape: they are copied in one piece. Otherwise memchr (SIMD) finds
    // each byte to escape.
    let bytes = s.as_bytes();
    if !needs_escape::<QUOTES>(bytes) {
        out.push_str(s);
        return;
    }
    let mut start = 0;
    loop {
        let rest = &bytes[start..];
        let next = if QUOTES {
            memchr::memchr3(b'\\', b'\n', b'"', rest)
        } else {
            memchr::memchr2(b'\\', b'\n', rest)
        };
        let Some(offset) = next else {
            out.push_str(&s[start..]);
            return;
        };
        let i = start + offset;
        // The byte found is ASCII, so `i` is on a char boundary.
        out.push_str(&s[start..i]);
        out.push_str(match bytes[i] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            _ => "\\\"",
        });
        start = i + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(s: &str) -> String {
        let mut out = String::new();
        write_help_text(&mut out, s);
        out
    }

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        write_quoted_text(&mut out, s);
        out
    }

    #[test]
    fn help_text_escapes_backslash_and_newline_only() {
        assert_eq!(help(r#"a\b "c""#), r#"a\\b "c""#);
        assert_eq!(help("line\nnext\n"), r"line\nnext\n");
        assert_eq!(help("tab\tcr\r ✓ ü"), "tab\tcr\r ✓ ü");
        assert_eq!(help(""), "");
    }

    #[test]
    fn the_word_at_a_time_scan_finds_every_special_byte_at_every_position() {
        for len in 0..=20 {
            for pos in 0..len {
                for byte in 0..=255u8 {
                    let mut s = vec![b'a'; len];
                    s[pos] = byte;
                    let naive = |quotes: bool| {
                        s.iter()
                            .any(|&b| b == b'\\' || b == b'\n' || (quotes && b == b'"'))
                    };
                    assert_eq!(needs_escape::<true>(&s), naive(true), "{s:?}");
                    assert_eq!(needs_escape::<false>(&s), naive(false), "{s:?}");
                }
            }
            // Bytes next to the special ones (0x5b, 0x5d, 0x09, 0x0b, 0x21, 0x23) and high
            // bytes everywhere: no false positive.
            let s: Vec<u8> = (0..len)
                .map(|i| [0x5b, 0x5d, 0x09, 0x0b, 0x21, 0x23, 0xff, 0x80][i % 8])
                .collect();
            assert!(!needs_escape::<true>(&s));
        }
    }

    #[test]
    fn quoted_text_escapes_backslash_quote_and_newline() {
        assert_eq!(quoted(r#"a\b "c""#), r#"a\\b \"c\""#);
        assert_eq!(quoted("\\\"\n"), r#"\\\"\n"#);
        assert_eq!(quoted("日本語 ✓\u{1F600}"), "日本語 ✓\u{1F600}");
        assert_eq!(quoted(r"\n is not a newline"), r"\\n is not a newline");
        assert_eq!(quoted(""), "");
    }

    #[test]
    fn appends() {
        let mut out = String::from("x=\"");
        write_quoted_text(&mut out, "\"");
        assert_eq!(out, r#"x="\""#);
    }
}
