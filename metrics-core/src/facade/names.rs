//! Names at run time: the derive's naming rules ([`crate::rules`]) applied to the names and label
//! names that the `metrics` macros hand over, the bucket patterns of
//! [`FacadeBuilder::buckets_for`](super::FacadeBuilder::buckets_for), units, and the names and
//! HELP texts kept for the exposition.

use std::collections::HashSet;
use std::sync::OnceLock;

use parking_lot::Mutex;

use crate::rules::{self, MetricKind, RuleError};

/// The most fixes a name takes before it is refused (each rule's fix may break another rule:
/// `x_created` as a counter becomes `x_created_total`, then `x`, then `x_total`).
const MAX_FIXES: usize = 8;

/// The name a metric is exported under, or `None` when no fix of the rules makes it valid.
///
/// Every character that cannot be in a name (`.`, `-`, spaces, non-ASCII) becomes `_`; then,
/// as long as the name breaks a rule of [`rules::check_metric_name`], it takes the name the
/// rule suggests (the one the derive's error message offers): snake_case, `_` before a leading
/// digit, no leading `__` nor trailing `_`, `_total` appended to a counter and removed from a
/// gauge or histogram, no reserved suffix (`_count`, `_sum`, `_bucket`, `_created`). A rule
/// without a single fix (a type word in the name: `queue_gauge`) or whose fix changes the unit
/// (`latency_ms` would be `latency_seconds`, but the values are still milliseconds) refuses it.
pub(crate) fn metric_name(raw: &str, kind: MetricKind) -> Option<String> {
    fixed(raw, |name| rules::check_metric_name(name, kind))
}

/// The name a label is exported under, or `None`: as [`metric_name`], with the rules of
/// [`rules::check_label_name_for`] (`le` of a histogram and `quantile` are refused).
pub(crate) fn label_name(raw: &str, kind: MetricKind) -> Option<String> {
    fixed(raw, |name| rules::check_label_name_for(name, kind))
}

fn fixed(raw: &str, check: impl Fn(&str) -> Result<(), RuleError>) -> Option<String> {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    for _ in 0..MAX_FIXES {
        match check(&name) {
            Ok(()) => return Some(name),
            Err(e) => {
                let suggestion = e.suggestion?;
                // A new unit needs the values converted: the library's author must choose.
                if suggestion.note.contains("record in") {
                    return None;
                }
                name = suggestion.name;
            }
        }
    }
    None
}

/// The unit a metric has in the exposition (`# UNIT`): the base unit of its `describe_*`
/// unit when its name ends with it, as `#[metric(unit = "...")]` requires; else the unit its
/// name ends with, as the derive infers it ([`rules::inferred_unit`]).
pub(crate) fn unit(
    name: &str,
    kind: MetricKind,
    unit: Option<metrics::Unit>,
) -> Option<&'static str> {
    let described = match unit {
        Some(metrics::Unit::Seconds) => Some("seconds"),
        Some(metrics::Unit::Bytes) => Some("bytes"),
        // Not base units (milliseconds, kibibytes, ...), or no unit Prometheus names.
        _ => None,
    };
    described
        .filter(|unit| rules::check_unit(name, unit, kind).is_ok())
        .or_else(|| rules::inferred_unit(name, kind))
}

/// A pattern of [`FacadeBuilder::buckets_for`](super::FacadeBuilder::buckets_for): `*` stands for
/// any run of characters (none included), every other character for itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern(Box<str>);

impl Pattern {
    /// The pattern, or why it can never match an exported name.
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        if pattern.is_empty() {
            return Err("an empty pattern matches no name; `*` matches every name".to_owned());
        }
        if let Some(bad) = pattern
            .chars()
            .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '*'))
        {
            return Err(format!(
                "pattern `{pattern}` can never match: it holds `{}`, and exported names hold only lowercase ASCII letters, digits and `_` (patterns match the name as exported)",
                bad.escape_default()
            ));
        }
        Ok(Pattern(pattern.into()))
    }

    /// Whether `name` matches the whole pattern.
    pub(crate) fn matches(&self, name: &str) -> bool {
        let (pattern, name) = (self.0.as_bytes(), name.as_bytes());
        // Iterative matching: on a mismatch, the last `*` takes one more byte.
        let (mut p, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            if p < pattern.len() && pattern[p] == b'*' {
                star = Some((p, n));
                p += 1;
            } else if p < pattern.len() && pattern[p] == name[n] {
                p += 1;
                n += 1;
            } else if let Some((star_p, star_n)) = star {
                p = star_p + 1;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            } else {
                return false;
            }
        }
        pattern[p..].iter().all(|&b| b == b'*')
    }
}

/// The most bytes of names and HELP texts kept for the exposition, for the whole process.
pub(crate) const INTERNED_BYTES: usize = 1 << 20;

struct Interned {
    strings: HashSet<&'static str>,
    bytes: usize,
}

/// `s` as a `&'static str`, which the exposition's descriptions hold: each distinct text is kept
/// once for the life of the process, [`INTERNED_BYTES`] at most in all; `None` past that.
pub(crate) fn intern(s: &str) -> Option<&'static str> {
    static INTERNED: OnceLock<Mutex<Interned>> = OnceLock::new();
    let mut interned = INTERNED
        .get_or_init(|| {
            Mutex::new(Interned {
                strings: HashSet::new(),
                bytes: 0,
            })
        })
        .lock();
    if let Some(&kept) = interned.strings.get(s) {
        return Some(kept);
    }
    if interned.bytes + s.len() > INTERNED_BYTES {
        return None;
    }
    interned.bytes += s.len();
    let kept: &'static str = Box::leak(s.into());
    interned.strings.insert(kept);
    Some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_take_the_rules_fixes() {
        let cases = [
            ("requests", MetricKind::Counter, Some("requests_total")),
            (
                "requests_total",
                MetricKind::Counter,
                Some("requests_total"),
            ),
            (
                "http.requests",
                MetricKind::Counter,
                Some("http_requests_total"),
            ),
            (
                "HTTP.Requests-Served",
                MetricKind::Counter,
                Some("http_requests_served_total"),
            ),
            ("queueDepth", MetricKind::Gauge, Some("queue_depth")),
            ("db:pool size", MetricKind::Gauge, Some("db_pool_size")),
            ("2xx", MetricKind::Counter, Some("_2xx_total")),
            ("__internal", MetricKind::Gauge, Some("internal")),
            ("trailing_", MetricKind::Gauge, Some("trailing")),
            ("connections_total", MetricKind::Gauge, Some("connections")),
            ("jobs_count", MetricKind::Gauge, Some("jobs")),
            ("x_created", MetricKind::Counter, Some("x_total")),
            ("wait_seconds", MetricKind::Histogram, Some("wait_seconds")),
            ("café", MetricKind::Gauge, Some("caf")),
            ("", MetricKind::Gauge, None),
            ("___", MetricKind::Gauge, None),
            ("...", MetricKind::Counter, None),
            ("_total", MetricKind::Counter, None),
            ("queue_gauge", MetricKind::Gauge, None),
            ("latency_ms", MetricKind::Histogram, None),
            ("uptime_minutes", MetricKind::Gauge, None),
            ("wait_histogram_ms", MetricKind::Histogram, None),
        ];
        for (raw, kind, exported) in cases {
            assert_eq!(metric_name(raw, kind).as_deref(), exported, "{raw:?}");
        }
    }

    #[test]
    fn label_names_take_the_rules_fixes() {
        let cases = [
            ("method", MetricKind::Counter, Some("method")),
            ("http.method", MetricKind::Counter, Some("http_method")),
            ("statusCode", MetricKind::Counter, Some("status_code")),
            ("1st", MetricKind::Counter, Some("_1st")),
            ("__name__", MetricKind::Counter, Some("name__")),
            ("le", MetricKind::Counter, Some("le")),
            ("le", MetricKind::Histogram, None),
            ("quantile", MetricKind::Gauge, None),
            ("", MetricKind::Gauge, None),
        ];
        for (raw, kind, exported) in cases {
            assert_eq!(label_name(raw, kind).as_deref(), exported, "{raw:?}");
        }
    }

    #[test]
    fn units_are_base_units_the_name_ends_with() {
        use metrics::Unit;
        let h = MetricKind::Histogram;
        assert_eq!(
            unit("wait_seconds", h, Some(Unit::Seconds)),
            Some("seconds")
        );
        assert_eq!(
            unit("sent_bytes_total", MetricKind::Counter, Some(Unit::Bytes)),
            Some("bytes")
        );
        // The name's own unit, as the derive infers it.
        assert_eq!(unit("wait_seconds", h, None), Some("seconds"));
        assert_eq!(
            unit("wait_seconds", h, Some(Unit::Milliseconds)),
            Some("seconds")
        );
        assert_eq!(unit("hit_ratio", MetricKind::Gauge, None), Some("ratio"));
        assert_eq!(unit("wait", h, Some(Unit::Seconds)), None);
        assert_eq!(unit("heap", MetricKind::Gauge, Some(Unit::Kibibytes)), None);
        assert_eq!(unit("wait", h, None), None);
    }

    #[test]
    fn patterns() {
        let p = |s: &str| Pattern::new(s).unwrap();
        assert!(p("*_seconds").matches("http_request_duration_seconds"));
        assert!(p("*_seconds").matches("_seconds"));
        assert!(!p("*_seconds").matches("http_request_duration_seconds_max"));
        assert!(p("http_*").matches("http_"));
        assert!(!p("http_*").matches("grpc_seconds"));
        assert!(p("*").matches(""));
        assert!(p("*bytes*").matches("response_bytes_size"));
        assert!(p("a*b*c").matches("axxbyyc"));
        assert!(p("a*b*c").matches("abbbc"));
        assert!(!p("a*b*c").matches("axxbyy"));
        assert!(p("exact").matches("exact"));
        assert!(!p("exact").matches("exactly"));
        assert!(p("**x").matches("x"));
        assert_eq!(
            Pattern::new("").unwrap_err(),
            "an empty pattern matches no name; `*` matches every name"
        );
        assert_eq!(
            Pattern::new("http.*").unwrap_err(),
            "pattern `http.*` can never match: it holds `.`, and exported names hold only lowercase ASCII letters, digits and `_` (patterns match the name as exported)"
        );
    }

    #[test]
    fn interned_texts_are_kept_once() {
        let a = intern("facade_interned_text").unwrap();
        let b = intern(&String::from("facade_interned_text")).unwrap();
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "facade_interned_text");
    }
}
