//! What both text formats share: a cursor over one line, names, quoted strings and numbers.

use std::collections::HashSet;

/// A position in one line. The parsers only ever stop at ASCII bytes, so every slice it hands
/// out is on a `char` boundary.
pub(super) struct Cursor<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(line: &'a str) -> Self {
        Self { line, pos: 0 }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.line.as_bytes().get(self.pos).copied()
    }

    /// The character at the cursor, for error messages.
    pub(super) fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos == self.line.len()
    }

    pub(super) fn rest(&self) -> &'a str {
        &self.line[self.pos..]
    }

    /// Consumes `byte` if it is next.
    pub(super) fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes and returns the longest run of bytes for which `f` holds (`f` must only accept
    /// ASCII bytes, or all of a character's bytes).
    pub(super) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        &self.line[start..self.pos]
    }

    /// Consumes and returns everything up to (not including) the next `stop` byte, or the rest.
    pub(super) fn take_until(&mut self, stop: impl Fn(u8) -> bool) -> &'a str {
        self.take_while(|b| !stop(b))
    }

    /// A metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`, or `""` when none starts here.
    pub(super) fn metric_name(&mut self) -> &'a str {
        if !self.peek().is_some_and(is_metric_name_start) {
            return "";
        }
        self.take_while(is_metric_name_char)
    }

    /// A label name, `[a-zA-Z_][a-zA-Z0-9_]*`, or `""` when none starts here.
    pub(super) fn label_name(&mut self) -> &'a str {
        if !self.peek().is_some_and(is_label_name_start) {
            return "";
        }
        self.take_while(is_label_name_char)
    }

    /// The rest of a double-quoted string whose opening quote has been consumed, unescaped;
    /// the closing quote is consumed.
    pub(super) fn quoted(&mut self, escapes: Escapes) -> Result<String, String> {
        let bytes = self.line.as_bytes();
        let mut out = String::new();
        let mut start = self.pos;
        loop {
            match bytes.get(self.pos) {
                None => return Err("a label value is missing its closing `\"`".to_owned()),
                Some(b'"') => {
                    out.push_str(&self.line[start..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.line[start..self.pos]);
                    self.pos += 1;
                    match self.peek() {
                        None => return Err("a label value is missing its closing `\"`".to_owned()),
                        Some(b'\\') => out.push('\\'),
                        Some(b'"') => out.push('"'),
                        Some(b'n') => out.push('\n'),
                        Some(_) => {
                            let c = self.peek_char().unwrap_or_default();
                            match escapes {
                                // Kept as written: the backslash, then the character.
                                Escapes::KeepUnknown => {
                                    out.push('\\');
                                    out.push(c);
                                }
                                Escapes::Strict => return Err(invalid_escape(c, true)),
                            }
                            self.pos += c.len_utf8() - 1;
                        }
                    }
                    self.pos += 1;
                    start = self.pos;
                }
                Some(_) => self.pos += 1,
            }
        }
    }
}

/// How a label set is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum LabelSyntax {
    /// OpenMetrics: `name="value"` pairs separated by single commas, no blanks, no trailing
    /// comma, an unknown escape kept as written.
    OpenMetrics,
    /// Prometheus 0.0.4: blanks allowed around every token, a trailing comma allowed, an
    /// unknown escape an error.
    Text,
}

impl Cursor<'_> {
    /// A label set after its `{`, to its `}` included, written as `syntax` says.
    pub(super) fn label_set(
        &mut self,
        syntax: LabelSyntax,
    ) -> Result<Vec<(String, String)>, String> {
        let (blanks, escapes) = match syntax {
            LabelSyntax::OpenMetrics => (false, Escapes::KeepUnknown),
            LabelSyntax::Text => (true, Escapes::Strict),
        };
        let skip_blanks = |c: &mut Self| {
            if blanks {
                c.take_while(is_blank);
            }
        };
        let mut labels: Vec<(String, String)> = Vec::new();
        let mut names = LabelNames::default();
        skip_blanks(self);
        if self.eat(b'}') {
            return Ok(labels);
        }
        loop {
            let name = self.label_name();
            if name.is_empty() {
                return Err(match self.peek_char() {
                    Some('}') => "a label set cannot end with a comma".to_owned(),
                    Some(ch) => {
                        format!("expected a label name (`[a-zA-Z_][a-zA-Z0-9_]*`), found `{ch}`")
                    }
                    None => "the label set is missing its closing `}`".to_owned(),
                });
            }
            skip_blanks(self);
            if !self.eat(b'=') {
                return Err(format!("expected `=` after the label name `{name}`"));
            }
            skip_blanks(self);
            if !self.eat(b'"') {
                return Err(format!(
                    "the value of the label `{name}` must be in double quotes"
                ));
            }
            let value = self.quoted(escapes)?;
            if !names.insert(name) {
                return Err(format!("the label `{name}` appears twice"));
            }
            labels.push((name.to_owned(), value));
            skip_blanks(self);
            if self.eat(b'}') {
                return Ok(labels);
            }
            if !self.eat(b',') {
                return Err(match self.peek_char() {
                    None => "the label set is missing its closing `}`".to_owned(),
                    Some(ch) => format!(
                        "expected `,` or `}}` after the value of the label `{name}`, found `{ch}`"
                    ),
                });
            }
            skip_blanks(self);
            if blanks && self.eat(b'}') {
                // 0.0.4 allows a trailing comma.
                return Ok(labels);
            }
        }
    }
}

/// The label names of a label set read so far, to find one written twice in time linear in
/// the labels, however many: the first few are scanned (no allocation for a usual label set),
/// the rest hashed.
struct LabelNames<'a> {
    first: [&'a str; LabelNames::SCANNED],
    len: usize,
    rest: HashSet<&'a str>,
}

impl Default for LabelNames<'_> {
    fn default() -> Self {
        Self {
            first: [""; Self::SCANNED],
            len: 0,
            rest: HashSet::new(),
        }
    }
}

impl<'a> LabelNames<'a> {
    /// The names kept in `first`.
    const SCANNED: usize = 16;

    /// Adds `name`; `false` if it is there already.
    fn insert(&mut self, name: &'a str) -> bool {
        if self.first[..self.len].contains(&name) {
            return false;
        }
        if self.len < Self::SCANNED {
            self.first[self.len] = name;
            self.len += 1;
            return true;
        }
        self.rest.insert(name)
    }
}

/// A blank of the 0.0.4 format: a space or a tab.
pub(super) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// What an escape sequence other than `\\`, `\"` and `\n` means.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Escapes {
    /// It stands for itself, backslash included (OpenMetrics, as its official test suite
    /// requires: `\z` reads as `\z`).
    KeepUnknown,
    /// It is an error (Prometheus 0.0.4, as the Prometheus parser has it).
    Strict,
}

fn invalid_escape(c: char, quotes: bool) -> String {
    let allowed = if quotes {
        "`\\\\`, `\\\"` and `\\n`"
    } else {
        "`\\\\` and `\\n`"
    };
    format!("invalid escape sequence `\\{c}` (only {allowed} are escapes)")
}

/// Unescapes OpenMetrics HELP text: `\\`, `\"` and `\n`; any other backslash is kept.
pub(super) fn unescape_openmetrics_help(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('n') => out.push('\n'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Unescapes Prometheus 0.0.4 HELP text: `\\` and `\n`; any other backslash is an error.
pub(super) fn unescape_text_help(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some(other) => return Err(invalid_escape(other, false)),
            None => return Err("HELP text ends with a lone `\\`".to_owned()),
        }
    }
    Ok(out)
}

pub(super) fn is_metric_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

pub(super) fn is_metric_name_char(b: u8) -> bool {
    is_metric_name_start(b) || b.is_ascii_digit()
}

fn is_label_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_label_name_char(b: u8) -> bool {
    is_label_name_start(b) || b.is_ascii_digit()
}

/// Whether all of `s` is a metric name.
pub(super) fn is_metric_name(s: &str) -> bool {
    let mut c = Cursor::new(s);
    !c.metric_name().is_empty() && c.at_end()
}

/// A decimal number, `[+-]` then `1*DIGIT ["." *DIGIT]` or `"." 1*DIGIT`, then optionally
/// `("e" / "E") [+-] 1*DIGIT`: OpenMetrics' `realnumber`, and what Go's `ParseFloat` reads
/// in base 10. No `_`, no hexadecimal, no `inf` or `nan`.
pub(super) fn decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}

/// A number: a [`decimal`], `inf` or `infinity` with an optional sign, or `nan`, the words in
/// any case (OpenMetrics' `number`; Go's `ParseFloat` reads the same words).
pub(super) fn number(s: &str) -> Option<f64> {
    if let Some(f) = decimal(s) {
        return Some(f);
    }
    let (negative, word) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("infinity") {
        return Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    (word.len() == s.len() && word.eq_ignore_ascii_case("nan")).then_some(f64::NAN)
}

/// How a label set looks in an error message: `{a="b",c="d"}`, or nothing when empty.
pub(super) fn format_labels(labels: &[(String, String)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(n, v)| format!("{n}={}", quote(v)))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

/// `s` in double quotes, escaped as in the text formats.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    metrics_core::escape::write_quoted_text(&mut out, s);
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        for (s, want) in [
            ("0", 0.0),
            ("-0", -0.0),
            ("+1", 1.0),
            ("1.", 1.0),
            (".5", 0.5),
            ("1.5e3", 1500.0),
            ("1E-2", 0.01),
            ("1e+06", 1e6),
            ("0000000000000000001.2e-1", 0.12),
            ("9223372036854775808", 9_223_372_036_854_775_808.0),
        ] {
            assert_eq!(decimal(s), Some(want), "{s}");
        }
        for s in [
            "", "+", "-", ".", "e1", "1e", "1e+", "1_2", "0x1", "1.1.1", " 1", "1 ", "inf", "NaN",
            "1f", "٣",
        ] {
            assert_eq!(decimal(s), None, "{s}");
        }
    }

    #[test]
    fn numbers() {
        for (s, want) in [
            ("+Inf", f64::INFINITY),
            ("-Inf", f64::NEG_INFINITY),
            ("Inf", f64::INFINITY),
            ("-infinity", f64::NEG_INFINITY),
            ("INF", f64::INFINITY),
            ("1e-05", 1e-5),
        ] {
            assert_eq!(number(s), Some(want), "{s}");
        }
        assert!(number("NaN").is_some_and(f64::is_nan));
        assert!(number("nan").is_some_and(f64::is_nan));
        for s in ["+NaN", "-nan", "infinit", "0x1p-3", "1_000", "Infinity1"] {
            assert_eq!(number(s), None, "{s}");
        }
    }

    #[test]
    fn quoted_strings() {
        let read = |s: &str, escapes| {
            let mut c = Cursor::new(s);
            c.quoted(escapes).map(|v| (v, c.rest().to_owned()))
        };
        assert_eq!(
            read(r#"a\"b\\c\nd" rest"#, Escapes::Strict),
            Ok(("a\"b\\c\nd".to_owned(), " rest".to_owned()))
        );
        assert_eq!(
            read(r#"\z\✓" x"#, Escapes::KeepUnknown),
            Ok(("\\z\\✓".to_owned(), " x".to_owned()))
        );
        assert!(read(r#"\z""#, Escapes::Strict).is_err());
        assert!(read(r#"abc"#, Escapes::Strict).is_err());
        assert!(read(r#"abc\"#, Escapes::KeepUnknown).is_err());
    }

    #[test]
    fn help_text() {
        assert_eq!(
            unescape_openmetrics_help(r#"a\\b\"c\nd\te\"#),
            "a\\b\"c\nd\\te\\"
        );
        assert_eq!(
            unescape_text_help(r#"a\\b"c\nd"#).as_deref(),
            Ok("a\\b\"c\nd")
        );
        assert!(unescape_text_help(r"a\t").is_err());
        assert!(unescape_text_help(r"a\").is_err());
    }
}
