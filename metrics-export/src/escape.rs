//! Escaping of HELP text and label values.

/// Writes `s` escaping `\` and line feed: Prometheus 0.0.4 HELP text.
pub fn write_help_text(out: &mut String, s: &str) {
    write_escaped(out, s, false);
}

/// Writes `s` escaping `\`, `"` and line feed: label values in both formats and OpenMetrics
/// HELP text.
pub fn write_quoted_text(out: &mut String, s: &str) {
    write_escaped(out, s, true);
}

fn write_escaped(out: &mut String, s: &str, quotes: bool) {
    let mut rest = s;
    while let Some(i) = rest.find(|c| c == '\\' || c == '\n' || (quotes && c == '"')) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            _ => "\\\"",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut help = String::new();
        write_help_text(&mut help, "a\\b \"c\"\nd ✓");
        assert_eq!(help, "a\\\\b \"c\"\\nd ✓");
        let mut quoted = String::new();
        write_quoted_text(&mut quoted, "a\\b \"c\"\nd ✓");
        assert_eq!(quoted, "a\\\\b \\\"c\\\"\\nd ✓");
    }
}
