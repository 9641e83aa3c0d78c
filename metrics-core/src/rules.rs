//! The declaration rules: what a metric name, a label name, a unit and a bucket list may be.
//!
//! This file depends on nothing but `std`: `metrics-derive` compiles it too (through `#[path]`),
//! so the compile-time checks of the derives and the run-time checks of the registry are one code.
//! The rules follow the Prometheus naming practice and what `promtool check metrics` lints, so a
//! program whose declarations pass them exports lint-clean metrics.

use std::fmt::Write as _;

/// The kind of a metric, as the exposition formats name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// A monotonically increasing count (`Counter`).
    Counter,
    /// A value that goes up and down (`Gauge`, `FloatGauge`).
    Gauge,
    /// Observations counted into fixed buckets (`Histogram`).
    Histogram,
}

impl MetricKind {
    /// The name the exposition formats give this kind (`# TYPE name counter`).
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }

    /// Whether this is [`MetricKind::Counter`] (usable in `const` assertions).
    pub const fn is_counter(self) -> bool {
        matches!(self, MetricKind::Counter)
    }

    /// Whether this is [`MetricKind::Histogram`] (usable in `const` assertions).
    pub const fn is_histogram(self) -> bool {
        matches!(self, MetricKind::Histogram)
    }

    /// The suffixes of the samples this kind adds to its family name.
    pub const fn sample_suffixes(self) -> &'static [&'static str] {
        match self {
            MetricKind::Counter => &["_total", "_created"],
            MetricKind::Gauge => &[""],
            MetricKind::Histogram => &["_bucket", "_count", "_sum", "_created"],
        }
    }
}

/// The Prometheus default histogram buckets: `.005 .01 .025 .05 .1 .25 .5 1 2.5 5 10`.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The name of the family a metric belongs to: a counter's name without its `_total`.
pub fn family_name(name: &str, kind: MetricKind) -> &str {
    match kind {
        MetricKind::Counter => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    }
}

/// Every name a metric takes in an exposition: its family name and the names of its samples.
/// Two metrics clash when these sets meet.
pub fn claimed_names(name: &str, kind: MetricKind) -> Vec<String> {
    let family = family_name(name, kind);
    let mut names = vec![family.to_owned()];
    for suffix in kind.sample_suffixes() {
        let sample = format!("{family}{suffix}");
        if !names.contains(&sample) {
            names.push(sample);
        }
    }
    names
}

const TYPE_WORDS: [(MetricKind, &str); 3] = [
    (MetricKind::Counter, "counter"),
    (MetricKind::Gauge, "gauge"),
    (MetricKind::Histogram, "histogram"),
];

/// Abbreviations `promtool` rejects, each with the base unit to write instead.
const ABBREVIATED_UNITS: [(&str, &str); 14] = [
    ("s", "seconds"),
    ("ms", "seconds"),
    ("us", "seconds"),
    ("ns", "seconds"),
    ("sec", "seconds"),
    ("m", "meters` or `seconds"),
    ("h", "seconds"),
    ("d", "seconds"),
    ("b", "bytes"),
    ("kb", "bytes"),
    ("mb", "bytes"),
    ("gb", "bytes"),
    ("tb", "bytes"),
    ("pb", "bytes"),
];

/// Base units, to which prefixes must not be added.
const BASE_UNITS: [&str; 9] = [
    "amperes", "bytes", "celsius", "grams", "joules", "kelvin", "meters", "seconds", "volts",
];

const UNIT_PREFIXES: [&str; 18] = [
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega",
    "mebi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
];

/// Time units that are not the base unit `seconds`.
const TIME_UNITS: [&str; 5] = ["minutes", "hours", "days", "weeks", "years"];

fn check_identifier(what: &str, name: &str) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err(format!("{what} is empty"));
    };
    if first.is_ascii_digit() {
        return Err(format!(
            "{what} `{name}` starts with a digit; names start with a letter or `_`: write `_{name}`"
        ));
    }
    if name.contains(':') {
        return Err(format!(
            "{what} `{name}` contains `:`, which Prometheus reserves for recording rules: write `{}`",
            name.replace(':', "_")
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "{what} `{name}` must be snake_case: write `{}`",
            to_snake_case(name)
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(format!(
            "{what} `{name}` contains `{}`; only lowercase ASCII letters, digits and `_` are allowed",
            bad.escape_default()
        ));
    }
    if name.starts_with("__") {
        return Err(format!(
            "{what} `{name}` starts with `__`, which Prometheus reserves for internal use: write `{}`",
            name.trim_start_matches('_')
        ));
    }
    Ok(())
}

/// `fooBar-baz` to `foo_bar_baz`: the suggestion for a name that is not snake_case.
pub fn to_snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    out
}

/// Checks a `#[metric_set(prefix = "...")]`.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    check_identifier("metric prefix", prefix)?;
    if prefix.ends_with('_') {
        return Err(format!(
            "metric prefix `{prefix}` ends with `_`; the prefix is joined to each name with one `_`: write `{}`",
            prefix.trim_end_matches('_')
        ));
    }
    Ok(())
}

/// Checks a full metric name (prefix included) for a metric of `kind`: characters, reserved
/// suffixes, the `_total` rule, type words and units. The message says what to write instead.
pub fn check_metric_name(name: &str, kind: MetricKind) -> Result<(), String> {
    check_identifier("metric name", name)?;
    if name.ends_with('_') {
        return Err(format!(
            "metric name `{name}` ends with `_`: write `{}`",
            name.trim_end_matches('_')
        ));
    }
    let kind_name = kind.as_str();
    match kind {
        MetricKind::Counter => {
            if !name.ends_with("_total") {
                return Err(format!(
                    "counter name `{name}` must end in `_total`: write `{name}_total`"
                ));
            }
            if name == "_total" {
                return Err("counter name `_total` has nothing before `_total`".to_owned());
            }
        }
        MetricKind::Gauge | MetricKind::Histogram => {
            if let Some(stem) = name.strip_suffix("_total") {
                return Err(format!(
                    "{kind_name} name `{name}` ends in `_total`, which is reserved for counters: write `{stem}`"
                ));
            }
        }
    }
    let family = family_name(name, kind);
    for suffix in ["_bucket", "_count", "_sum", "_created"] {
        if let Some(stem) = family.strip_suffix(suffix) {
            // A counter's own samples end in `_total`, so only `_created` can clash for it.
            if kind != MetricKind::Counter || suffix == "_created" {
                let owners = if suffix == "_created" {
                    "counters and histograms (their creation time)"
                } else {
                    "histograms"
                };
                return Err(format!(
                    "{kind_name} name `{name}` ends in `{suffix}`, which the exposition formats reserve for the samples of {owners}: write `{stem}` or another name"
                ));
            }
        }
    }
    for (word_kind, word) in TYPE_WORDS {
        if word_kind == kind && has_component(family, word) {
            return Err(format!(
                "metric name `{name}` names its type `{word}`; the type is already in `# TYPE`: remove `{word}` from the name"
            ));
        }
    }
    check_units(name)
}

/// Whether `word` is one of the `_`-separated components of `name`.
fn has_component(name: &str, word: &str) -> bool {
    name.split('_').any(|c| c == word)
}

fn check_units(name: &str) -> Result<(), String> {
    for (abbrev, base) in ABBREVIATED_UNITS {
        if has_component(name, abbrev) {
            // `m` is meters or minutes: no single name to suggest.
            let write = if base.contains('`') {
                format!("write `{base}`")
            } else {
                format!(
                    "write `{}` (and record in {base})",
                    replace_component(name, abbrev, base)
                )
            };
            return Err(format!(
                "metric name `{name}` uses the abbreviated unit `{abbrev}`; Prometheus names spell out base units: {write}"
            ));
        }
    }
    for base in BASE_UNITS {
        for prefix in UNIT_PREFIXES {
            let unit = format!("{prefix}{base}");
            if name.contains(&unit) {
                return Err(format!(
                    "metric name `{name}` uses the unit `{unit}`; Prometheus uses base units: write `{}` (and record in {base})",
                    name.replace(&unit, base)
                ));
            }
        }
    }
    for unit in TIME_UNITS {
        if has_component(name, unit) {
            return Err(format!(
                "metric name `{name}` uses the unit `{unit}`; Prometheus uses base units: write `{}` (and record in seconds)",
                replace_component(name, unit, "seconds")
            ));
        }
    }
    Ok(())
}

/// `name` with each of its `_`-separated components equal to `from` replaced by `to`.
fn replace_component(name: &str, from: &str, to: &str) -> String {
    name.split('_')
        .map(|c| if c == from { to } else { c })
        .collect::<Vec<_>>()
        .join("_")
}

/// Checks a `#[metric(unit = "...")]` against the metric's name: the name must already end with it.
pub fn check_unit(name: &str, unit: &str, kind: MetricKind) -> Result<(), String> {
    if unit.is_empty()
        || !unit
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || unit.starts_with('_')
    {
        return Err(format!(
            "unit `{unit}` is not a valid unit; units are lowercase words such as `seconds` or `bytes`"
        ));
    }
    let family = family_name(name, kind);
    if !family.ends_with(&format!("_{unit}")) {
        let suggestion = match kind {
            MetricKind::Counter => format!("{family}_{unit}_total"),
            _ => format!("{family}_{unit}"),
        };
        return Err(format!(
            "metric name `{name}` does not end with its unit `{unit}`; the unit never changes the name: name the metric `{suggestion}`"
        ));
    }
    Ok(())
}

/// Checks a label name: characters, snake_case, the reserved `__` prefix.
pub fn check_label_name(name: &str) -> Result<(), String> {
    check_identifier("label name", name)
}

/// Checks a label name for a family of `kind`: `le` belongs to histogram buckets.
pub fn check_label_name_for(name: &str, kind: MetricKind) -> Result<(), String> {
    check_label_name(name)?;
    if kind == MetricKind::Histogram && name == "le" {
        return Err(
            "label name `le` is reserved for the bucket bounds of histograms: rename the label"
                .to_owned(),
        );
    }
    if name == "quantile" {
        return Err("label name `quantile` is reserved for summaries: rename the label".to_owned());
    }
    Ok(())
}

/// A bucket list that breaks a rule, with the position of the offending bound.
#[derive(Clone, Debug, PartialEq)]
pub struct BucketError {
    /// Index of the offending bound, `None` when the list as a whole is wrong.
    pub index: Option<usize>,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// Checks histogram bucket bounds: not empty, finite, not negative, strictly increasing.
/// `+Inf` is implicit and must not be listed.
pub fn check_buckets(bounds: &[f64]) -> Result<(), BucketError> {
    if bounds.is_empty() {
        return Err(BucketError {
            index: None,
            message: "a histogram needs at least one bucket bound; omit `buckets` for the Prometheus default buckets".to_owned(),
        });
    }
    for (i, &b) in bounds.iter().enumerate() {
        let message = if b.is_nan() {
            Some("bucket bound is NaN; bounds are finite numbers".to_owned())
        } else if b == f64::INFINITY {
            Some(
                "bucket bound is infinite; the `+Inf` bucket is always added: remove it".to_owned(),
            )
        } else if b.is_infinite() {
            Some("bucket bound is infinite; bounds are finite numbers".to_owned())
        } else if b < 0.0 {
            Some(format!(
                "bucket bound {b} is negative; negative observations are dropped, so bounds start at 0 or above"
            ))
        } else if i > 0 && b == bounds[i - 1] {
            Some(format!(
                "bucket bound {b} is listed twice; remove the duplicate"
            ))
        } else if i > 0 && b < bounds[i - 1] {
            Some(format!(
                "bucket bound {b} comes after {}; list the bounds in increasing order",
                bounds[i - 1]
            ))
        } else {
            None
        };
        if let Some(message) = message {
            return Err(BucketError {
                index: Some(i),
                message,
            });
        }
    }
    Ok(())
}

/// Rounds to 12 significant digits, so `linear(0.1, 0.1, 3)` gives `0.3`, not `0.30000000000000004`.
fn round_bound(x: f64) -> f64 {
    let mut s = String::new();
    let _ = write!(s, "{x:.11e}");
    s.parse().unwrap_or(x)
}

/// An argument of a bucket helper (`exponential(start, factor, count)`,
/// `linear(start, width, count)`) that breaks its rule.
#[derive(Clone, Debug, PartialEq)]
pub struct HelperError {
    /// The offending argument: 0 for `start`, 1 for `factor` or `width`, 2 for `count`.
    pub argument: usize,
    /// What is wrong.
    pub message: String,
}

fn helper_error(argument: usize, message: String) -> HelperError {
    HelperError { argument, message }
}

/// Checks the arguments of `exponential(start, factor, count)`.
pub fn check_exponential(start: f64, factor: f64, count: usize) -> Result<(), HelperError> {
    if !(start.is_finite() && start > 0.0) {
        return Err(helper_error(
            0,
            format!("`exponential` needs a start above 0, got {start}"),
        ));
    }
    if !(factor.is_finite() && factor > 1.0) {
        return Err(helper_error(
            1,
            format!("`exponential` needs a factor above 1, got {factor}"),
        ));
    }
    if count == 0 {
        return Err(helper_error(
            2,
            "`exponential` needs a count of at least 1 bucket".to_owned(),
        ));
    }
    Ok(())
}

/// Checks the arguments of `linear(start, width, count)`.
pub fn check_linear(start: f64, width: f64, count: usize) -> Result<(), HelperError> {
    if !(start.is_finite() && start >= 0.0) {
        return Err(helper_error(
            0,
            format!("`linear` needs a start of 0 or above, got {start}"),
        ));
    }
    if !(width.is_finite() && width > 0.0) {
        return Err(helper_error(
            1,
            format!("`linear` needs a width above 0, got {width}"),
        ));
    }
    if count == 0 {
        return Err(helper_error(
            2,
            "`linear` needs a count of at least 1 bucket".to_owned(),
        ));
    }
    Ok(())
}

/// `count` bounds `start, start * factor, start * factor², ...` (the `exponential(...)` helper).
pub fn exponential_buckets(start: f64, factor: f64, count: usize) -> Result<Vec<f64>, String> {
    check_exponential(start, factor, count).map_err(|e| e.message)?;
    let bounds: Vec<f64> = (0..count)
        .map(|i| round_bound(start * factor.powi(i32::try_from(i).unwrap_or(i32::MAX))))
        .collect();
    check_buckets(&bounds).map_err(|e| e.message)?;
    Ok(bounds)
}

/// `count` bounds `start, start + width, start + 2 * width, ...` (the `linear(...)` helper).
pub fn linear_buckets(start: f64, width: f64, count: usize) -> Result<Vec<f64>, String> {
    check_linear(start, width, count).map_err(|e| e.message)?;
    #[allow(clippy::cast_precision_loss)]
    let bounds: Vec<f64> = (0..count)
        .map(|i| round_bound(start + width * i as f64))
        .collect();
    check_buckets(&bounds).map_err(|e| e.message)?;
    Ok(bounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names() {
        let ok = [
            ("palingenesis_resumes_total", MetricKind::Counter),
            ("palingenesis_daemon_state", MetricKind::Gauge),
            ("resume_duration_seconds", MetricKind::Histogram),
            ("_private_total", MetricKind::Counter),
            ("heap_bytes", MetricKind::Gauge),
            ("request_seconds_count_total", MetricKind::Counter),
        ];
        for (name, kind) in ok {
            assert_eq!(check_metric_name(name, kind), Ok(()), "{name}");
        }
        let bad = [
            ("resumes", MetricKind::Counter, "counter name `resumes` must end in `_total`: write `resumes_total`"),
            ("steps_total", MetricKind::Gauge, "gauge name `steps_total` ends in `_total`, which is reserved for counters: write `steps`"),
            ("bad-name", MetricKind::Gauge, "metric name `bad-name` contains `-`; only lowercase ASCII letters, digits and `_` are allowed"),
            ("1st", MetricKind::Gauge, "metric name `1st` starts with a digit; names start with a letter or `_`: write `_1st`"),
            ("__x", MetricKind::Gauge, "metric name `__x` starts with `__`, which Prometheus reserves for internal use: write `x`"),
            ("a:b", MetricKind::Gauge, "metric name `a:b` contains `:`, which Prometheus reserves for recording rules: write `a_b`"),
            ("queueDepth", MetricKind::Gauge, "metric name `queueDepth` must be snake_case: write `queue_depth`"),
            ("latency_ms", MetricKind::Gauge, "metric name `latency_ms` uses the abbreviated unit `ms`; Prometheus names spell out base units: write `latency_seconds` (and record in seconds)"),
            ("distance_m", MetricKind::Gauge, "metric name `distance_m` uses the abbreviated unit `m`; Prometheus names spell out base units: write `meters` or `seconds`"),
            ("latency_milliseconds", MetricKind::Histogram, "metric name `latency_milliseconds` uses the unit `milliseconds`; Prometheus uses base units: write `latency_seconds` (and record in seconds)"),
            ("uptime_minutes", MetricKind::Gauge, "metric name `uptime_minutes` uses the unit `minutes`; Prometheus uses base units: write `uptime_seconds` (and record in seconds)"),
            ("jobs_count", MetricKind::Gauge, "gauge name `jobs_count` ends in `_count`, which the exposition formats reserve for the samples of histograms: write `jobs` or another name"),
            ("queue_gauge", MetricKind::Gauge, "metric name `queue_gauge` names its type `gauge`; the type is already in `# TYPE`: remove `gauge` from the name"),
            ("", MetricKind::Gauge, "metric name is empty"),
        ];
        for (name, kind, message) in bad {
            assert_eq!(
                check_metric_name(name, kind).unwrap_err(),
                message,
                "{name}"
            );
        }
    }

    #[test]
    fn units_labels_prefixes() {
        assert_eq!(
            check_unit("wait_seconds", "seconds", MetricKind::Histogram),
            Ok(())
        );
        assert_eq!(
            check_unit("sent_bytes_total", "bytes", MetricKind::Counter),
            Ok(())
        );
        assert_eq!(
            check_unit("sent_total", "bytes", MetricKind::Counter).unwrap_err(),
            "metric name `sent_total` does not end with its unit `bytes`; the unit never changes the name: name the metric `sent_bytes_total`"
        );
        assert_eq!(check_label_name("reason"), Ok(()));
        assert!(check_label_name("__name__").is_err());
        assert!(check_label_name_for("le", MetricKind::Histogram).is_err());
        assert_eq!(check_label_name_for("le", MetricKind::Counter), Ok(()));
        assert_eq!(check_prefix("palingenesis"), Ok(()));
        assert!(check_prefix("app_").is_err());
    }

    #[test]
    fn buckets() {
        assert_eq!(check_buckets(&[0.0, 0.5, 1.0]), Ok(()));
        assert_eq!(check_buckets(&[]).unwrap_err().index, None);
        assert_eq!(check_buckets(&[1.0, 1.0]).unwrap_err().index, Some(1));
        assert_eq!(check_buckets(&[1.0, 0.5]).unwrap_err().index, Some(1));
        assert_eq!(check_buckets(&[-1.0]).unwrap_err().index, Some(0));
        assert_eq!(check_buckets(&[f64::NAN]).unwrap_err().index, Some(0));
        assert_eq!(
            check_buckets(&[1.0, f64::INFINITY]).unwrap_err().index,
            Some(1)
        );
        assert_eq!(
            exponential_buckets(0.1, 2.0, 4).unwrap(),
            [0.1, 0.2, 0.4, 0.8]
        );
        assert_eq!(linear_buckets(0.1, 0.1, 4).unwrap(), [0.1, 0.2, 0.3, 0.4]);
        assert_eq!(linear_buckets(0.0, 5.0, 3).unwrap(), [0.0, 5.0, 10.0]);
        assert!(exponential_buckets(0.0, 2.0, 3).is_err());
        assert!(exponential_buckets(1.0, 1.0, 3).is_err());
        assert!(linear_buckets(1.0, 1.0, 0).is_err());
        assert_eq!(check_exponential(0.0, 2.0, 3).unwrap_err().argument, 0);
        assert_eq!(check_exponential(1.0, 1.0, 3).unwrap_err().argument, 1);
        assert_eq!(check_linear(0.0, 1.0, 0).unwrap_err().argument, 2);
        assert_eq!(
            claimed_names("x_total", MetricKind::Counter),
            ["x", "x_total", "x_created"]
        );
    }
}
