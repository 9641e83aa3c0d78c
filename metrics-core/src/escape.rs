//! Escaping of HELP text and label values.

/// Writes `s` escaping `\` and line feed: HELP text of Prometheus 0.0.4.
pub(crate) fn write_help_text(out: &mut String, s: &str) {
    write_escaped(out, s, false);
}

/// Writes `s` escaping `\`, `"` and line feed: label values in both formats, and OpenMetrics
/// HELP text.
pub(crate) fn write_quoted_text(out: &mut String, s: &str) {
    write_escaped(out, s, true);
}

fn write_escaped(out: &mut String, s: &str, quotes: bool) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quotes => "\\\"",
            _ => continue,
        };
        // `b` is ASCII, so `i` is on a char boundary.
        out.push_str(&s[start..i]);
        out.push_str(escaped);
        start = i + 1;
    }
    out.push_str(&s[start..]);
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
