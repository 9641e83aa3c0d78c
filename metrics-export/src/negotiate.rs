//! Content negotiation: which text format an HTTP `Accept` header asks for.

use metrics_core::Registry;

use crate::{write_openmetrics, write_text, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};

/// The two exposition formats, as chosen by [`ExpositionFormat::negotiate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpositionFormat {
    /// Prometheus text format 0.0.4 ([`crate::encode_text`]).
    Text,
    /// OpenMetrics 1.0 text ([`crate::encode_openmetrics`]).
    OpenMetrics,
}

impl ExpositionFormat {
    /// The format an `Accept` header asks for: OpenMetrics when the header accepts
    /// `application/openmetrics-text` (version `1.0.0`, `0.0.1` or none) with a weight at least
    /// that of Prometheus text, else Prometheus text 0.0.4, which is also the answer to a missing
    /// header, to `*/*`, and to a header that accepts neither (a scraper that cannot read 0.0.4
    /// reads no Prometheus format at all, so a `406` would help nobody).
    ///
    /// Weights (`q=`) are read as RFC 9110 says: the most specific range that matches a format
    /// gives its weight (`text/plain;version=0.0.4` over `text/plain` over `text/*` over `*/*`),
    /// and `q=0` refuses a format. When both formats have the same weight, OpenMetrics wins if the
    /// header names it, not just a wildcard. What Prometheus sends chooses OpenMetrics:
    ///
    /// ```
    /// use metrics_export::ExpositionFormat;
    ///
    /// let prometheus = "application/openmetrics-text;version=1.0.0;q=0.5,\
    ///     application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    /// assert_eq!(ExpositionFormat::negotiate(Some(prometheus)), ExpositionFormat::OpenMetrics);
    /// assert_eq!(ExpositionFormat::negotiate(Some("*/*")), ExpositionFormat::Text);
    /// assert_eq!(ExpositionFormat::negotiate(None), ExpositionFormat::Text);
    /// assert_eq!(
    ///     ExpositionFormat::negotiate(Some("application/openmetrics-text;q=0.2, text/plain")),
    ///     ExpositionFormat::Text,
    /// );
    /// ```
    ///
    /// OpenMetrics `0.0.1` is the draft that 1.0.0 standardized with the same syntax; it is
    /// answered with the 1.0.0 output and Content-Type, which every scraper asking for 0.0.1
    /// (Prometheus since 2.5) reads.
    #[must_use]
    pub fn negotiate(accept: Option<&str>) -> Self {
        let Some(accept) = accept else {
            return Self::Text;
        };
        let openmetrics = weight(accept, Self::OpenMetrics);
        let text = weight(accept, Self::Text);
        match (openmetrics, text) {
            (Some(om), Some(text)) if om.q > text.q => Self::OpenMetrics,
            (Some(om), Some(text)) if om.q == text.q && om.specificity >= Specificity::Type => {
                Self::OpenMetrics
            }
            (Some(_), None) => Self::OpenMetrics,
            _ => Self::Text,
        }
    }

    /// The exact `Content-Type` of this format's output.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Text => TEXT_CONTENT_TYPE,
            Self::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
        }
    }

    /// Appends `registry`'s exposition in this format to `out`.
    pub fn write(self, registry: &Registry, out: &mut String) {
        match self {
            Self::Text => write_text(registry, out),
            Self::OpenMetrics => write_openmetrics(registry, out),
        }
    }

    /// `registry`'s exposition in this format.
    #[must_use]
    pub fn encode(self, registry: &Registry) -> String {
        let mut out = String::new();
        self.write(registry, &mut out);
        out
    }

    /// The media type, and the versions of it this crate writes (`None`: no `version` parameter).
    fn media_type(self) -> (&'static str, &'static str, &'static [&'static str]) {
        match self {
            Self::Text => ("text", "plain", &["0.0.4"]),
            Self::OpenMetrics => ("application", "openmetrics-text", &["1.0.0", "0.0.1"]),
        }
    }
}

/// How closely a media range names a format; a more specific range overrides a less specific one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Specificity {
    /// `*/*`
    Any,
    /// `text/*`
    Subtype,
    /// `text/plain`
    Type,
    /// `text/plain;version=0.0.4`
    Version,
}

#[derive(Clone, Copy, Debug)]
struct Weight {
    /// In thousandths, as HTTP allows three decimals.
    q: u16,
    specificity: Specificity,
}

/// The weight `accept` gives `format`: that of the most specific range matching it (the first of
/// equally specific ones), `None` if no range matches or the weight is 0.
fn weight(accept: &str, format: ExpositionFormat) -> Option<Weight> {
    let (ty, subtype, versions) = format.media_type();
    let mut best: Option<Weight> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let Some((range_ty, range_subtype)) = parts.next().and_then(|m| m.trim().split_once('/'))
        else {
            continue;
        };
        let (range_ty, range_subtype) = (range_ty.trim(), range_subtype.trim());
        let mut q = Some(1000);
        let mut version = None;
        for param in parts {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim() {
                k if k.eq_ignore_ascii_case("q") => q = parse_q(value),
                k if k.eq_ignore_ascii_case("version") => version = Some(value),
                _ => {}
            }
        }
        let specificity = if range_ty == "*" && range_subtype == "*" {
            Specificity::Any
        } else if !range_ty.eq_ignore_ascii_case(ty) {
            continue;
        } else if range_subtype == "*" {
            Specificity::Subtype
        } else if !range_subtype.eq_ignore_ascii_case(subtype) {
            continue;
        } else if let Some(version) = version {
            if !versions.contains(&version) {
                continue;
            }
            Specificity::Version
        } else {
            Specificity::Type
        };
        // An unreadable weight makes the range unusable, as if absent.
        let Some(q) = q else { continue };
        if best.is_none_or(|b| specificity > b.specificity) {
            best = Some(Weight { q, specificity });
        }
    }
    best.filter(|w| w.q > 0)
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
pub(crate) fn parse_q(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match int {
        "0" => Some(frac),
        "1" if frac == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_q;
    use super::ExpositionFormat::{self, OpenMetrics, Text};

    fn pick(accept: &str) -> ExpositionFormat {
        ExpositionFormat::negotiate(Some(accept))
    }

    #[test]
    fn what_scrapers_send() {
        // Prometheus 2.x before scrape_protocols.
        assert_eq!(
            pick("application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            OpenMetrics
        );
        // Prometheus 3 default scrape_protocols.
        assert_eq!(
            pick(
                "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,\
                 application/openmetrics-text;version=0.0.1;q=0.4,\
                 text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,\
                 text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
            ),
            OpenMetrics
        );
        // Prometheus configured with `scrape_protocols: [PrometheusText0.0.4]`.
        assert_eq!(pick("text/plain;version=0.0.4"), Text);
        // curl and browsers.
        assert_eq!(pick("*/*"), Text);
        assert_eq!(
            pick("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Text
        );
        assert_eq!(ExpositionFormat::negotiate(None), Text);
        assert_eq!(pick(""), Text);
    }

    #[test]
    fn weights_decide() {
        assert_eq!(pick("application/openmetrics-text"), OpenMetrics);
        assert_eq!(pick("application/openmetrics-text;q=0.1"), OpenMetrics);
        assert_eq!(
            pick("text/plain;q=0.5, application/openmetrics-text;q=0.6"),
            OpenMetrics
        );
        assert_eq!(
            pick("text/plain;q=0.6, application/openmetrics-text;q=0.5"),
            Text
        );
        // A tie goes to the format named explicitly.
        assert_eq!(
            pick("text/plain, application/openmetrics-text"),
            OpenMetrics
        );
        assert_eq!(pick("text/plain;q=0.5, application/*;q=0.5"), Text);
        assert_eq!(pick("application/*"), OpenMetrics);
        // `q=0` refuses.
        assert_eq!(pick("application/openmetrics-text;q=0, */*"), Text);
        assert_eq!(pick("text/plain;q=0, */*;q=0.1"), OpenMetrics);
    }

    #[test]
    fn the_most_specific_range_gives_the_weight() {
        // `*/*;q=1` does not lift OpenMetrics over its own explicit `q=0.1`.
        assert_eq!(
            pick("*/*, application/openmetrics-text;q=0.1, text/plain;q=0.2"),
            Text
        );
        assert_eq!(
            pick("text/plain;q=0.1, text/plain;version=0.0.4;q=0.9, application/openmetrics-text;q=0.5"),
            Text
        );
    }

    #[test]
    fn versions_and_parameters() {
        // A version this crate does not write does not match.
        assert_eq!(pick("application/openmetrics-text;version=2.0.0"), Text);
        assert_eq!(
            pick("text/plain;version=1.0.0, application/openmetrics-text;q=0.1"),
            OpenMetrics
        );
        // Case-insensitive type and parameter names, quoted values, spaces.
        assert_eq!(
            pick(" Application/OpenMetrics-Text ; VERSION=\"1.0.0\" ; Q=0.7 "),
            OpenMetrics
        );
        // Malformed ranges are skipped, not fatal.
        assert_eq!(
            pick("garbage, ;;, application/openmetrics-text"),
            OpenMetrics
        );
        assert_eq!(pick("application/openmetrics-text;q=2"), Text);
        assert_eq!(pick("application/openmetrics-text;q=abc"), Text);
    }

    #[test]
    fn q_values() {
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("0.05"), Some(50));
        assert_eq!(parse_q("0.001"), Some(1));
        assert_eq!(parse_q("0"), Some(0));
        assert_eq!(parse_q("1.5"), None);
        assert_eq!(parse_q("0.0001"), None);
        assert_eq!(parse_q("-1"), None);
        assert_eq!(parse_q(""), None);
    }

    #[test]
    fn content_types() {
        assert_eq!(
            Text.content_type(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
        assert_eq!(
            OpenMetrics.content_type(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
    }
}
