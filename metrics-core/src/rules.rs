//! The declaration rules: what a metric name, a label name, a unit and a bucket list may be.
//!
//! This file depends on nothing but `std`: `metrics-derive` compiles it too (through `#[path]`),
//! so the compile-time checks of the derives and the run-time checks of the registry are one code.
//! The rules follow the Prometheus naming practice and what `promtool check metrics` lints, so a
//! program whose declarations pass them exports lint-clean metrics.

use std::fmt::{self, Write as _};

/// A declaration that breaks a rule: what is wrong and, when one name fixes it, that name.
/// `Display` writes both: "counter name `resumes` must end in `_total`: write `resumes_total`".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// What is wrong, and what to do when no single name fixes it.
    pub message: String,
    /// The name to write instead.
    pub suggestion: Option<Suggestion>,
}

/// The name a [`RuleError`] suggests, as its message offers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// How the name is offered: `write` or `name the metric`.
    pub verb: &'static str,
    /// The whole name: for a metric, its prefix included.
    pub name: String,
    /// What follows the name: ` or another name`, ` (and record in seconds)`, or nothing.
    pub note: String,
}

impl RuleError {
    fn new(message: impl Into<String>) -> Self {
        RuleError {
            message: message.into(),
            suggestion: None,
        }
    }

    /// `message: write `name``.
    fn write(message: impl Into<String>, name: impl Into<String>) -> Self {
        Self::new(message).suggest("write", name, "")
    }

    fn suggest(mut self, verb: &'static str, name: impl Into<String>, note: &str) -> Self {
        self.suggestion = Some(Suggestion {
            verb,
            name: name.into(),
            note: note.to_owned(),
        });
        self
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, ": {} `{}`{}", s.verb, s.name, s.note)?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleError {}

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

    /// Whether a metric of this kind may have a unit (`# UNIT` in OpenMetrics). OpenMetrics
    /// forbids one on info and stateset metrics: a kind that it forbids returns `false`, and
    /// its names never get an [`inferred_unit`].
    pub const fn allows_unit(self) -> bool {
        matches!(
            self,
            MetricKind::Counter | MetricKind::Gauge | MetricKind::Histogram
        )
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

fn check_identifier(what: &str, name: &str) -> Result<(), RuleError> {
    let Some(first) = name.chars().next() else {
        return Err(RuleError::new(format!("{what} is empty")));
    };
    if first.is_ascii_digit() {
        return Err(RuleError::write(
            format!("{what} `{name}` starts with a digit; names start with a letter or `_`"),
            format!("_{name}"),
        ));
    }
    if name.contains(':') {
        return Err(RuleError::write(
            format!("{what} `{name}` contains `:`, which Prometheus reserves for recording rules"),
            name.replace(':', "_"),
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        // A leading `_` is allowed, and kept; other ASCII punctuation (`-`, `.`) separates words.
        let rest = name.trim_start_matches('_');
        let underscores = &name[..name.len() - rest.len()];
        let rest = rest.replace(|c: char| c.is_ascii_punctuation(), "_");
        return Err(RuleError::write(
            format!("{what} `{name}` must be snake_case"),
            format!("{underscores}{}", to_snake_case(&rest)),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(RuleError::new(format!(
            "{what} `{name}` contains `{}`; only lowercase ASCII letters, digits and `_` are allowed",
            bad.escape_default()
        )));
    }
    if name.starts_with("__") {
        return Err(RuleError::write(
            format!("{what} `{name}` starts with `__`, which Prometheus reserves for internal use"),
            name.trim_start_matches('_'),
        ));
    }
    Ok(())
}

/// The words of an identifier: split at `_`, before an uppercase letter that follows a lowercase
/// one or a digit, and before the last capital of a run followed by a lowercase letter
/// (`HTTPError` is `HTTP`, `Error`).
pub fn words(ident: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = ident.char_indices().collect();
    let mut words = Vec::new();
    let mut start = None;
    for (i, &(at, c)) in chars.iter().enumerate() {
        if c == '_' {
            if let Some(from) = start.take() {
                words.push(&ident[from..at]);
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && start.is_some()
            && (chars[i - 1].1.is_lowercase()
                || chars[i - 1].1.is_ascii_digit()
                || chars.get(i + 1).is_some_and(|&(_, n)| n.is_lowercase()));
        if boundary {
            if let Some(from) = start {
                words.push(&ident[from..at]);
            }
            start = Some(at);
        }
        start.get_or_insert(at);
    }
    if let Some(from) = start {
        words.push(&ident[from..]);
    }
    words
}

/// `HTTPError` to `http_error`: the [`words`], lowercase, joined by `_`. The derive's
/// `rename_all = "snake_case"`, and the suggestion for a name that is not snake_case.
pub fn to_snake_case(ident: &str) -> String {
    words(ident)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// Checks a `#[metric_set(prefix = "...")]`.
pub fn check_prefix(prefix: &str) -> Result<(), RuleError> {
    check_identifier("metric prefix", prefix)?;
    if prefix.ends_with('_') {
        return Err(RuleError::write(
            format!("metric prefix `{prefix}` ends with `_`; the prefix is joined to each name with one `_`"),
            prefix.trim_end_matches('_'),
        ));
    }
    Ok(())
}

/// Checks a full metric name (prefix included) for a metric of `kind`: characters, reserved
/// suffixes, the `_total` rule, type words and units. The error says what to write instead.
pub fn check_metric_name(name: &str, kind: MetricKind) -> Result<(), RuleError> {
    check_identifier("metric name", name)?;
    if name.ends_with('_') {
        return Err(RuleError::write(
            format!("metric name `{name}` ends with `_`"),
            name.trim_end_matches('_'),
        ));
    }
    let kind_name = kind.as_str();
    match kind {
        MetricKind::Counter => {
            if !name.ends_with("_total") {
                return Err(RuleError::write(
                    format!("counter name `{name}` must end in `_total`"),
                    format!("{name}_total"),
                ));
            }
            if name == "_total" {
                return Err(RuleError::new(
                    "counter name `_total` has nothing before `_total`",
                ));
            }
        }
        MetricKind::Gauge | MetricKind::Histogram => {
            if let Some(stem) = name.strip_suffix("_total") {
                return Err(RuleError::write(
                    format!("{kind_name} name `{name}` ends in `_total`, which is reserved for counters"),
                    stem,
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
                return Err(RuleError::new(format!(
                    "{kind_name} name `{name}` ends in `{suffix}`, which the exposition formats reserve for the samples of {owners}"
                ))
                .suggest("write", stem, " or another name"));
            }
        }
    }
    for (word_kind, word) in TYPE_WORDS {
        if word_kind == kind && has_component(family, word) {
            return Err(RuleError::new(format!(
                "metric name `{name}` names its type `{word}`; the type is already in `# TYPE`: remove `{word}` from the name"
            )));
        }
    }
    check_units(name)
}

/// Whether `word` is one of the `_`-separated components of `name`.
fn has_component(name: &str, word: &str) -> bool {
    name.split('_').any(|c| c == word)
}

fn check_units(name: &str) -> Result<(), RuleError> {
    for (abbrev, base) in ABBREVIATED_UNITS {
        if has_component(name, abbrev) {
            let message = format!(
                "metric name `{name}` uses the abbreviated unit `{abbrev}`; Prometheus names spell out base units"
            );
            // `m` is meters or minutes: no single name to suggest.
            return Err(if base.contains('`') {
                RuleError::new(format!("{message}: write `{base}`"))
            } else {
                RuleError::new(message).suggest(
                    "write",
                    replace_component(name, abbrev, base),
                    &format!(" (and record in {base})"),
                )
            });
        }
    }
    for base in BASE_UNITS {
        for prefix in UNIT_PREFIXES {
            let unit = format!("{prefix}{base}");
            if name.contains(&unit) {
                return Err(RuleError::new(format!(
                    "metric name `{name}` uses the unit `{unit}`; Prometheus uses base units"
                ))
                .suggest(
                    "write",
                    name.replace(&unit, base),
                    &format!(" (and record in {base})"),
                ));
            }
        }
    }
    for unit in TIME_UNITS {
        if has_component(name, unit) {
            return Err(RuleError::new(format!(
                "metric name `{name}` uses the unit `{unit}`; Prometheus uses base units"
            ))
            .suggest(
                "write",
                replace_component(name, unit, "seconds"),
                " (and record in seconds)",
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

/// The base units a metric name may end with, which give it that unit (`# UNIT` in OpenMetrics)
/// without `unit = "..."`: the Prometheus base units, and `ratio`.
pub const INFERRED_UNITS: [&str; 10] = [
    "seconds", "bytes", "ratio", "meters", "volts", "amperes", "joules", "grams", "celsius",
    "kelvin",
];

/// The unit a metric of `kind` named `name` has without `unit = "..."`: the one of
/// [`INFERRED_UNITS`] its name ends with, after `_total` is stripped
/// (`process_cpu_seconds_total` is in `seconds`). `None` for a name without one, and for a
/// kind that allows no unit ([`MetricKind::allows_unit`]).
pub fn inferred_unit(name: &str, kind: MetricKind) -> Option<&'static str> {
    if !kind.allows_unit() {
        return None;
    }
    let stem = name.strip_suffix("_total").unwrap_or(name);
    INFERRED_UNITS.into_iter().find(|unit| {
        stem.strip_suffix(unit)
            .is_some_and(|rest| rest.ends_with('_'))
    })
}

/// Checks a `#[metric(unit = "...")]` against the metric's name: the name must already end with it.
pub fn check_unit(name: &str, unit: &str, kind: MetricKind) -> Result<(), RuleError> {
    if unit.is_empty()
        || !unit
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || unit.starts_with('_')
    {
        return Err(RuleError::new(format!(
            "unit `{unit}` is not a valid unit; units are lowercase words such as `seconds` or `bytes`"
        )));
    }
    let family = family_name(name, kind);
    if !family.ends_with(&format!("_{unit}")) {
        let suggestion = match kind {
            MetricKind::Counter => format!("{family}_{unit}_total"),
            _ => format!("{family}_{unit}"),
        };
        return Err(RuleError::new(format!(
            "metric name `{name}` does not end with its unit `{unit}`; the unit never changes the name"
        ))
        .suggest("name the metric", suggestion, ""));
    }
    Ok(())
}

/// Checks a label name: characters, snake_case, the reserved `__` prefix.
pub fn check_label_name(name: &str) -> Result<(), RuleError> {
    check_identifier("label name", name)
}

/// Checks a label name for a family of `kind`: `le` belongs to histogram buckets.
pub fn check_label_name_for(name: &str, kind: MetricKind) -> Result<(), RuleError> {
    check_label_name(name)?;
    if kind == MetricKind::Histogram && name == "le" {
        return Err(RuleError::new(
            "label name `le` is reserved for the bucket bounds of histograms: rename the label",
        ));
    }
    if name == "quantile" {
        return Err(RuleError::new(
            "label name `quantile` is reserved for summaries: rename the label",
        ));
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

impl fmt::Display for BucketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BucketError {}

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

/// The coarsest schema of an exponential histogram: one bucket per factor of 2^16.
pub const MIN_SCHEMA: i64 = -4;
/// The finest schema of an exponential histogram: 256 buckets per power of two.
pub const MAX_SCHEMA: i64 = 8;
/// The most buckets an exponential histogram may be allowed: at schema 8 they span a factor
/// of 2^256, more than any measurement needs.
pub const MAX_MAX_BUCKETS: u64 = 65_536;

/// Checks the schema of an exponential histogram: `MIN_SCHEMA..=MAX_SCHEMA`, as Prometheus
/// native histograms take it.
pub fn check_schema(schema: i64) -> Result<(), String> {
    if (MIN_SCHEMA..=MAX_SCHEMA).contains(&schema) {
        Ok(())
    } else {
        Err(format!(
            "schema {schema} is out of range; exponential histograms take -4 (one bucket per factor of 2^16) to 8 (256 buckets per power of two)"
        ))
    }
}

/// Checks the bucket limit of an exponential histogram: `1..=MAX_MAX_BUCKETS`.
pub fn check_max_buckets(max_buckets: u64) -> Result<(), String> {
    if max_buckets == 0 {
        Err("`max_buckets` must be at least 1".to_owned())
    } else if max_buckets > MAX_MAX_BUCKETS {
        Err(format!(
            "`max_buckets` of {max_buckets} is too large; at most 65536, which span a factor of 2^256 at schema 8"
        ))
    } else {
        Ok(())
    }
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

/// A helper's arguments are a list that cannot be built: not the fault of any one bound.
impl From<HelperError> for BucketError {
    fn from(e: HelperError) -> Self {
        BucketError {
            index: None,
            message: e.message,
        }
    }
}

/// Checks the arguments of `exponential(start, factor, count)`.
pub fn check_exponential(start: f64, factor: f64, count: usize) -> Result<(), HelperError> {
    check_helper(
        "exponential",
        [
            (start, start > 0.0, "a start above 0"),
            (factor, factor > 1.0, "a factor above 1"),
        ],
        count,
    )
}

/// Checks the arguments of `linear(start, width, count)`.
pub fn check_linear(start: f64, width: f64, count: usize) -> Result<(), HelperError> {
    check_helper(
        "linear",
        [
            (start, start >= 0.0, "a start of 0 or above"),
            (width, width > 0.0, "a width above 0"),
        ],
        count,
    )
}

/// The first of a helper's arguments that breaks its rule: the two numbers, each with whether it
/// holds to its rule and the rule as said, then the count.
fn check_helper(
    helper: &str,
    numbers: [(f64, bool, &str); 2],
    count: usize,
) -> Result<(), HelperError> {
    for (argument, (value, holds, rule)) in numbers.into_iter().enumerate() {
        if !(value.is_finite() && holds) {
            return Err(HelperError {
                argument,
                message: format!("`{helper}` needs {rule}, got {value}"),
            });
        }
    }
    if count == 0 {
        return Err(HelperError {
            argument: 2,
            message: format!("`{helper}` needs a count of at least 1 bucket"),
        });
    }
    Ok(())
}

/// `count` bounds `start, start * factor, start * factor², ...` (the `exponential(...)` helper).
///
/// # Errors
/// When `start` is not above 0, `factor` not above 1, `count` is 0, or the bounds, rounded to 12
/// significant digits, are not finite and strictly increasing.
pub fn exponential_buckets(start: f64, factor: f64, count: usize) -> Result<Vec<f64>, BucketError> {
    check_exponential(start, factor, count)?;
    let bounds: Vec<f64> = (0..count)
        .map(|i| round_bound(start * factor.powi(i32::try_from(i).unwrap_or(i32::MAX))))
        .collect();
    check_buckets(&bounds)?;
    Ok(bounds)
}

/// `count` bounds `start, start + width, start + 2 * width, ...` (the `linear(...)` helper).
///
/// # Errors
/// When `start` is below 0, `width` not above 0, `count` is 0, or the bounds, rounded to 12
/// significant digits, are not finite and strictly increasing.
pub fn linear_buckets(start: f64, width: f64, count: usize) -> Result<Vec<f64>, BucketError> {
    check_linear(start, width, count)?;
    #[allow(clippy::cast_precision_loss)]
    let bounds: Vec<f64> = (0..count)
        .map(|i| round_bound(start + width * i as f64))
        .collect();
    check_buckets(&bounds)?;
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
                check_metric_name(name, kind).unwrap_err().to_string(),
                message,
                "{name}"
            );
        }
    }

    #[test]
    fn suggestions_are_whole_names() {
        let e = check_metric_name("app_resumes", MetricKind::Counter).unwrap_err();
        assert_eq!(e.message, "counter name `app_resumes` must end in `_total`");
        assert_eq!(
            e.suggestion,
            Some(Suggestion {
                verb: "write",
                name: "app_resumes_total".to_owned(),
                note: String::new(),
            })
        );
        let e = check_metric_name("app_latency_ms", MetricKind::Gauge).unwrap_err();
        let s = e.suggestion.unwrap();
        assert_eq!(
            (s.name.as_str(), s.note.as_str()),
            ("app_latency_seconds", " (and record in seconds)")
        );
        let e = check_unit("app_sent_total", "bytes", MetricKind::Counter).unwrap_err();
        let s = e.suggestion.unwrap();
        assert_eq!(
            (s.verb, s.name.as_str()),
            ("name the metric", "app_sent_bytes_total")
        );
        let e = check_metric_name("queue_gauge", MetricKind::Gauge).unwrap_err();
        assert_eq!(e.suggestion, None);
        let e = check_metric_name("distance_m", MetricKind::Gauge).unwrap_err();
        assert_eq!(e.suggestion, None);
    }

    #[test]
    fn snake_case() {
        let cases = [
            ("queueDepth", "queue_depth"),
            ("HTTPError", "http_error"),
            ("HTTPRequests", "http_requests"),
            ("RateLimit", "rate_limit"),
            ("r#match", "r#match"),
            ("V2Api", "v2_api"),
            ("Api2Call", "api2_call"),
            ("a__B", "a_b"),
            ("already_snake", "already_snake"),
            ("Été", "été"),
            ("", ""),
        ];
        for (ident, snake) in cases {
            assert_eq!(to_snake_case(ident), snake, "{ident}");
        }
        assert_eq!(words("HTTPError"), ["HTTP", "Error"]);
        assert_eq!(words("_Leading"), ["Leading"]);
        assert_eq!(
            check_metric_name("fooBar-baz", MetricKind::Gauge)
                .unwrap_err()
                .to_string(),
            "metric name `fooBar-baz` must be snake_case: write `foo_bar_baz`"
        );
        assert_eq!(
            check_label_name("_privateCount").unwrap_err().to_string(),
            "label name `_privateCount` must be snake_case: write `_private_count`"
        );
    }

    #[test]
    fn inferred_units() {
        let cases = [
            (
                "request_duration_seconds",
                MetricKind::Histogram,
                Some("seconds"),
            ),
            (
                "process_cpu_seconds_total",
                MetricKind::Counter,
                Some("seconds"),
            ),
            ("sent_bytes_total", MetricKind::Counter, Some("bytes")),
            ("heap_bytes", MetricKind::Gauge, Some("bytes")),
            ("cache_hit_ratio", MetricKind::Gauge, Some("ratio")),
            (
                "cpu_temperature_celsius",
                MetricKind::Gauge,
                Some("celsius"),
            ),
            ("_kelvin", MetricKind::Gauge, Some("kelvin")),
            ("energy_joules_total", MetricKind::Counter, Some("joules")),
            ("requests_total", MetricKind::Counter, None),
            ("seconds", MetricKind::Gauge, None),
            ("jobseconds", MetricKind::Gauge, None),
            ("seconds_in_queue", MetricKind::Gauge, None),
            ("temperature_fahrenheit", MetricKind::Gauge, None),
        ];
        for (name, kind, unit) in cases {
            assert_eq!(inferred_unit(name, kind), unit, "{name}");
            // What the derive infers, its own check accepts.
            if let Some(unit) = unit {
                assert_eq!(check_unit(name, unit, kind), Ok(()), "{name}");
            }
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
            check_unit("sent_total", "bytes", MetricKind::Counter)
                .unwrap_err()
                .to_string(),
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
        assert_eq!(
            exponential_buckets(0.0, 2.0, 3).unwrap_err(),
            BucketError {
                index: None,
                message: "`exponential` needs a start above 0, got 0".to_owned(),
            }
        );
        assert!(exponential_buckets(1.0, 1.0, 3).is_err());
        assert!(linear_buckets(1.0, 1.0, 0).is_err());
        let helpers = [
            (
                check_exponential(0.0, 2.0, 3),
                0,
                "`exponential` needs a start above 0, got 0",
            ),
            (
                check_exponential(1.0, f64::INFINITY, 3),
                1,
                "`exponential` needs a factor above 1, got inf",
            ),
            (
                check_exponential(1.0, 2.0, 0),
                2,
                "`exponential` needs a count of at least 1 bucket",
            ),
            (
                check_linear(f64::NAN, 1.0, 3),
                0,
                "`linear` needs a start of 0 or above, got NaN",
            ),
            (
                check_linear(0.0, 0.0, 3),
                1,
                "`linear` needs a width above 0, got 0",
            ),
            (
                check_linear(0.0, 1.0, 0),
                2,
                "`linear` needs a count of at least 1 bucket",
            ),
        ];
        for (result, argument, message) in helpers {
            assert_eq!(
                result,
                Err(HelperError {
                    argument,
                    message: message.to_owned()
                })
            );
        }
        assert_eq!(check_linear(0.0, 0.5, 1), Ok(()));
        assert_eq!(check_exponential(0.0, 2.0, 3).unwrap_err().argument, 0);
        assert_eq!(check_exponential(1.0, 1.0, 3).unwrap_err().argument, 1);
        assert_eq!(check_linear(0.0, 1.0, 0).unwrap_err().argument, 2);
        assert_eq!(
            claimed_names("x_total", MetricKind::Counter),
            ["x", "x_total", "x_created"]
        );
    }

    #[test]
    fn exponential_resolution() {
        for schema in -4..=8 {
            assert_eq!(check_schema(schema), Ok(()));
        }
        assert_eq!(
            check_schema(9).unwrap_err(),
            "schema 9 is out of range; exponential histograms take -4 (one bucket per factor of 2^16) to 8 (256 buckets per power of two)"
        );
        assert!(check_schema(-5).is_err());
        assert_eq!(check_max_buckets(1), Ok(()));
        assert_eq!(check_max_buckets(65_536), Ok(()));
        assert_eq!(
            check_max_buckets(0).unwrap_err(),
            "`max_buckets` must be at least 1"
        );
        assert_eq!(
            check_max_buckets(65_537).unwrap_err(),
            "`max_buckets` of 65537 is too large; at most 65536, which span a factor of 2^256 at schema 8"
        );
    }
}
