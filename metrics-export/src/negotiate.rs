//! Content negotiation: which exposition format an HTTP `Accept` header asks for.

use metrics_core::Registry;

use crate::{write_openmetrics, write_text, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};
#[cfg(feature = "protobuf")]
use crate::{write_protobuf, PROTOBUF_CONTENT_TYPE};

/// The exposition formats, as chosen by [`ExpositionFormat::negotiate`].
///
/// More formats may come with new features (the protobuf format needs feature `protobuf`), so
/// a `match` needs a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExpositionFormat {
    /// Prometheus text format 0.0.4 ([`crate::encode_text`]).
    Text,
    /// OpenMetrics 1.0 text ([`crate::encode_openmetrics`]).
    OpenMetrics,
    /// The Prometheus protobuf format, length-delimited `MetricFamily` messages
    /// ([`crate::encode_protobuf`]).
    #[cfg(feature = "protobuf")]
    Protobuf,
}

/// The media type of the protobuf format and its two parameters.
#[cfg(feature = "protobuf")]
const PROTOBUF_MEDIA_TYPE: (&str, &str) = ("application", "vnd.google.protobuf");
#[cfg(feature = "protobuf")]
const PROTOBUF_PROTO: &str = "io.prometheus.client.MetricFamily";
#[cfg(feature = "protobuf")]
const PROTOBUF_ENCODING: &str = "delimited";

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
    ///
    /// With feature `protobuf`, the protobuf format is chosen when the header names it in full,
    /// `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited`,
    /// with a weight at least that of the text format chosen otherwise; a wildcard never chooses
    /// it (`*/*` asks for something readable, not for binary). Prometheus asks for it first when
    /// started with `--enable-feature=native-histograms`, as only this format carries native
    /// histograms:
    ///
    /// ```
    /// # #[cfg(feature = "protobuf")] {
    /// use metrics_export::ExpositionFormat;
    ///
    /// let native_histograms = "application/vnd.google.protobuf;\
    ///     proto=io.prometheus.client.MetricFamily;encoding=delimited,\
    ///     application/openmetrics-text;version=1.0.0;q=0.8,\
    ///     application/openmetrics-text;version=0.0.1;q=0.75,\
    ///     text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(ExpositionFormat::negotiate(Some(native_histograms)), ExpositionFormat::Protobuf);
    /// # }
    /// ```
    #[must_use]
    pub fn negotiate(accept: Option<&str>) -> Self {
        let Some(accept) = accept else {
            return Self::Text;
        };
        let openmetrics = weight(accept, Self::OpenMetrics.media_type());
        let text = weight(accept, Self::Text.media_type());
        let (format, q) = match (openmetrics, text) {
            (Some(om), Some(text)) if om.q > text.q => (Self::OpenMetrics, om.q),
            (Some(om), Some(text)) if om.q == text.q && om.specificity >= Specificity::Type => {
                (Self::OpenMetrics, om.q)
            }
            (Some(om), None) => (Self::OpenMetrics, om.q),
            (_, text) => (Self::Text, text.map_or(0, |t| t.q)),
        };
        #[cfg(feature = "protobuf")]
        if protobuf_weight(accept).is_some_and(|protobuf| protobuf >= q) {
            return Self::Protobuf;
        }
        let _ = q;
        format
    }

    /// The exact `Content-Type` of this format's output.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Text => TEXT_CONTENT_TYPE,
            Self::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
            #[cfg(feature = "protobuf")]
            Self::Protobuf => PROTOBUF_CONTENT_TYPE,
        }
    }

    /// Whether the output is text (UTF-8), not binary.
    #[must_use]
    pub const fn is_text(self) -> bool {
        match self {
            Self::Text | Self::OpenMetrics => true,
            #[cfg(feature = "protobuf")]
            Self::Protobuf => false,
        }
    }

    /// Appends `registry`'s exposition in this format to `out`.
    pub fn write(self, registry: &Registry, out: &mut Vec<u8>) {
        match self {
            Self::Text => append_text(registry, out, write_text),
            Self::OpenMetrics => append_text(registry, out, write_openmetrics),
            #[cfg(feature = "protobuf")]
            Self::Protobuf => write_protobuf(registry, out),
        }
    }

    /// `registry`'s exposition in this format.
    ///
    /// ```
    /// use metrics_core::Registry;
    /// use metrics_export::ExpositionFormat;
    ///
    /// assert_eq!(ExpositionFormat::OpenMetrics.encode(&Registry::new()), b"# EOF\n");
    /// ```
    #[must_use]
    pub fn encode(self, registry: &Registry) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(registry, &mut out);
        out
    }

    /// The media type of a text format, and the versions of it this crate writes.
    fn media_type(self) -> MediaType {
        match self {
            Self::OpenMetrics => ("application", "openmetrics-text", &["1.0.0", "0.0.1"]),
            _ => ("text", "plain", &["0.0.4"]),
        }
    }
}

/// Appends a text format's output to `out`: in place when `out` holds text (a scrape's fresh
/// buffer does), else written apart and copied.
fn append_text(registry: &Registry, out: &mut Vec<u8>, write: fn(&Registry, &mut String)) {
    match String::from_utf8(std::mem::take(out)) {
        Ok(mut text) => {
            write(registry, &mut text);
            *out = text.into_bytes();
        }
        Err(binary) => {
            *out = binary.into_bytes();
            let mut text = String::new();
            write(registry, &mut text);
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// A text format's type, subtype and the `version` parameters it answers.
type MediaType = (&'static str, &'static str, &'static [&'static str]);

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

/// One media range of an `Accept` header: `type/subtype;name=value;q=0.5`.
struct Range<'a> {
    ty: &'a str,
    subtype: &'a str,
    /// The parameters, after the first `;`.
    params: &'a str,
}

impl<'a> Range<'a> {
    /// The ranges of `accept`, malformed ones (without a `/`) skipped.
    fn all(accept: &'a str) -> impl Iterator<Item = Range<'a>> {
        accept.split(',').filter_map(|range| {
            let (media, params) = range.split_once(';').unwrap_or((range, ""));
            let (ty, subtype) = media.trim().split_once('/')?;
            Some(Range {
                ty: ty.trim(),
                subtype: subtype.trim(),
                params,
            })
        })
    }

    /// The value of parameter `name` (case-insensitive), unquoted.
    fn param(&self, name: &str) -> Option<&'a str> {
        self.params.split(';').find_map(|param| {
            let (key, value) = param.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().trim_matches('"'))
        })
    }

    /// The weight, `None` if unreadable (which makes the range unusable, as if absent).
    fn q(&self) -> Option<u16> {
        self.param("q").map_or(Some(1000), parse_q)
    }
}

/// The weight `accept` gives a text format: that of the most specific range matching it (the
/// first of equally specific ones), `None` if no range matches or the weight is 0.
fn weight(accept: &str, (ty, subtype, versions): MediaType) -> Option<Weight> {
    let mut best: Option<Weight> = None;
    for range in Range::all(accept) {
        let specificity = if range.ty == "*" && range.subtype == "*" {
            Specificity::Any
        } else if !range.ty.eq_ignore_ascii_case(ty) {
            continue;
        } else if range.subtype == "*" {
            Specificity::Subtype
        } else if !range.subtype.eq_ignore_ascii_case(subtype) {
            continue;
        } else if let Some(version) = range.param("version") {
            if !versions.contains(&version) {
                continue;
            }
            Specificity::Version
        } else {
            Specificity::Type
        };
        let Some(q) = range.q() else { continue };
        if best.is_none_or(|b| specificity > b.specificity) {
            best = Some(Weight { q, specificity });
        }
    }
    best.filter(|w| w.q > 0)
}

/// The weight `accept` gives the protobuf format: that of the first range naming it in full
/// (type, `proto` and `encoding=delimited`), `None` if none does or the weight is 0.
/// Wildcards do not count.
#[cfg(feature = "protobuf")]
fn protobuf_weight(accept: &str) -> Option<u16> {
    let (ty, subtype) = PROTOBUF_MEDIA_TYPE;
    Range::all(accept)
        .filter(|range| {
            range.ty.eq_ignore_ascii_case(ty)
                && range.subtype.eq_ignore_ascii_case(subtype)
                && range.param("proto") == Some(PROTOBUF_PROTO)
                && range
                    .param("encoding")
                    .is_some_and(|e| e.eq_ignore_ascii_case(PROTOBUF_ENCODING))
        })
        .find_map(|range| range.q())
        .filter(|&q| q > 0)
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

    /// What Prometheus 2.42 sends (each header as captured from it).
    const PROMETHEUS: &str = "application/openmetrics-text;version=1.0.0,\
        application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    const PROMETHEUS_NATIVE_HISTOGRAMS: &str =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,\
         application/openmetrics-text;version=1.0.0;q=0.8,\
         application/openmetrics-text;version=0.0.1;q=0.75,\
         text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    #[test]
    fn prometheus_without_native_histograms_gets_openmetrics() {
        assert_eq!(pick(PROMETHEUS), OpenMetrics);
    }

    #[cfg(not(feature = "protobuf"))]
    #[test]
    fn without_the_feature_protobuf_is_never_chosen() {
        assert_eq!(pick(PROMETHEUS_NATIVE_HISTOGRAMS), OpenMetrics);
        assert_eq!(
            pick("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"),
            Text
        );
    }

    #[cfg(feature = "protobuf")]
    mod protobuf {
        use super::super::ExpositionFormat::{OpenMetrics, Protobuf, Text};
        use super::{pick, PROMETHEUS_NATIVE_HISTOGRAMS};

        const PROTOBUF: &str =
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

        #[test]
        fn prometheus_with_native_histograms_gets_protobuf() {
            assert_eq!(pick(PROMETHEUS_NATIVE_HISTOGRAMS), Protobuf);
            // Prometheus 3 with `scrape_protocols` putting protobuf first.
            assert_eq!(
                pick(
                    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                     encoding=delimited;q=0.6,\
                     application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,\
                     application/openmetrics-text;version=0.0.1;q=0.4,\
                     text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,\
                     text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
                ),
                Protobuf
            );
        }

        #[test]
        fn only_when_named_in_full() {
            assert_eq!(pick(PROTOBUF), Protobuf);
            assert_eq!(
                pick(" Application/Vnd.Google.Protobuf ; proto=\"io.prometheus.client.MetricFamily\" ; ENCODING=Delimited "),
                Protobuf
            );
            // Wildcards never choose a binary format.
            assert_eq!(pick("*/*"), Text);
            assert_eq!(pick("application/*"), OpenMetrics);
            // The other protobuf encodings of the Go client, and other messages, are not written.
            for other in [
                "application/vnd.google.protobuf",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=compact-text",
                "application/vnd.google.protobuf;proto=io.prometheus.client.Metric;encoding=delimited",
                "application/x-protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
            ] {
                assert_eq!(pick(other), Text, "{other}");
            }
        }

        #[test]
        fn weights_decide() {
            assert_eq!(pick(&format!("{PROTOBUF};q=0.1")), Protobuf);
            assert_eq!(
                pick(&format!(
                    "{PROTOBUF};q=0.4, application/openmetrics-text;q=0.5"
                )),
                OpenMetrics
            );
            assert_eq!(pick(&format!("{PROTOBUF};q=0.4, text/plain;q=0.5")), Text);
            // A tie goes to protobuf, which only a scraper that reads it names in full.
            assert_eq!(
                pick(&format!("application/openmetrics-text, {PROTOBUF}")),
                Protobuf
            );
            // A wildcard gives the text formats its weight, never protobuf.
            assert_eq!(pick(&format!("{PROTOBUF};q=0.1, */*")), Text);
            assert_eq!(pick(&format!("{PROTOBUF};q=0.1, */*;q=0.1")), Protobuf);
            // `q=0` refuses, unreadable weights make the range unusable.
            assert_eq!(
                pick(&format!(
                    "{PROTOBUF};q=0, application/openmetrics-text;q=0.1"
                )),
                OpenMetrics
            );
            assert_eq!(pick(&format!("{PROTOBUF};q=2")), Text);
            // The first range that names it gives its weight.
            assert_eq!(
                pick(&format!(
                    "{PROTOBUF};q=0.2, text/plain;q=0.5, {PROTOBUF};q=0.9"
                )),
                Text
            );
        }

        #[test]
        fn content_type() {
            assert_eq!(
                Protobuf.content_type(),
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
            );
            assert!(!Protobuf.is_text());
            assert!(Text.is_text() && OpenMetrics.is_text());
        }
    }

    #[test]
    fn text_formats_append_to_bytes() {
        let registry = metrics_core::Registry::new();
        let mut out = b"kept\n".to_vec();
        OpenMetrics.write(&registry, &mut out);
        assert_eq!(out, b"kept\n# EOF\n");
        // After bytes that are not text, too.
        let mut out = vec![0xff, 0];
        OpenMetrics.write(&registry, &mut out);
        assert_eq!(out, b"\xff\0# EOF\n");
        assert_eq!(Text.encode(&registry), b"");
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
