//! Parsers for the two text formats (feature `parse`): [`openmetrics()`] (OpenMetrics 1.0,
//! strict) and [`text()`] (Prometheus 0.0.4), for tests that check an exposition and for tools
//! that merge several.
//!
//! Both read a whole exposition into an [`Exposition`]: its [`MetricFamily`]s in order, each
//! with its metadata and [`Sample`]s (name, labels in the order written, value, optional
//! timestamp, and in OpenMetrics an optional [`Exemplar`]). Escapes are undone: label values
//! and HELP text come back as the text they stand for. Both take time linear in their input,
//! whatever is in it (labels, samples, families, escapes), so they can read what a client
//! sends.
//!
//! ```
//! use metrics_export::parse::{self, MetricType};
//!
//! let exposition = parse::openmetrics(concat!(
//!     "# TYPE jobs counter\n",
//!     "# HELP jobs Jobs \\\"done\\\"\n",
//!     "jobs_total{queue=\"a\\nb\"} 3 # {trace_id=\"7f\"} 1.0 1712345678.5\n",
//!     "# EOF\n",
//! ))?;
//! let jobs = &exposition.families[0];
//! assert_eq!((jobs.name.as_str(), jobs.kind), ("jobs", MetricType::Counter));
//! assert_eq!(jobs.help.as_deref(), Some("Jobs \"done\""));
//! let sample = &jobs.samples[0];
//! assert_eq!((sample.name.as_str(), sample.label("queue"), sample.value), ("jobs_total", Some("a\nb"), 3.0));
//! assert_eq!(sample.exemplar.as_ref().map(|e| e.timestamp), Some(Some(1712345678.5)));
//!
//! // An error names the 1-based line and what is wrong with it.
//! let err = parse::openmetrics("# TYPE a counter\na_total -1\n# EOF\n").unwrap_err();
//! assert_eq!(err.line(), 2);
//! assert_eq!(err.to_string(), "line 2: `a_total` cannot be negative (-1): it is a counter-like sample");
//! let err = parse::openmetrics("a 1\n").unwrap_err();
//! assert_eq!(err.to_string(), "line 2: the exposition does not end with `# EOF`");
//!
//! // Prometheus 0.0.4: comments and blank lines are fine, timestamps are milliseconds.
//! let exposition = parse::text("# A comment\n\n# TYPE up gauge\nup{job=\"x\"} 1 1712345678000\n")?;
//! assert_eq!(exposition.families[0].samples[0].timestamp, Some(1712345678000.0));
//! let err = parse::text("# TYPE up gauge\nup{job=\"x\\t\"} 1\n").unwrap_err();
//! assert_eq!(err.to_string(), "line 2: invalid escape sequence `\\t` (only `\\\\`, `\\\"` and `\\n` are escapes)");
//! # Ok::<(), metrics_export::parse::ParseError>(())
//! ```
//!
//! # OpenMetrics 1.0
//!
//! [`openmetrics()`] follows the OpenMetrics 1.0 specification strictly and agrees with all 211
//! cases of the official parser test suite: the ABNF (names, labels, numbers,
//! exemplars `# {labels} value [timestamp]`, single spaces, no blank line, no comment, `# EOF`
//! last), and its semantic rules:
//! - metadata: at most one `# TYPE`, `# UNIT` and `# HELP` per family, before its samples; the
//!   unit must end the family name (`_seconds`) and info and stateset families have none;
//! - families: a family's samples are contiguous and named as its type says (a counter's
//!   `_total` and `_created`, a histogram's `_bucket`, `_count`, `_sum`, `_created`, a gauge
//!   histogram's `_bucket`, `_gcount`, `_gsum`, a summary's bare name (with `quantile`),
//!   `_count`, `_sum`, `_created`, an info's `_info`); a sample that fits none starts a new
//!   family of type unknown; two families may not claim the same sample name;
//! - metrics: the samples of one label set are contiguous, all with a timestamp or none, in
//!   non-decreasing timestamp order, and a series does not repeat without a timestamp;
//! - values: counter-like samples (`_total`, `_count`, `_sum`, `_bucket`, `_gcount`) are neither
//!   negative nor NaN (`_gsum` not NaN), `_count`, `_gcount` and bucket counts are integers,
//!   buckets have an `le` in increasing order ending with `+Inf`, cumulative counts that do not
//!   decrease, and a `_count` equal to the `+Inf` bucket; `_sum` and `_count` go together, a
//!   histogram with negative buckets has no `_sum`, a gauge histogram's `_gsum` is negative only
//!   with negative buckets; `le` and `quantile` are decimal numbers or exactly `+Inf`/`-Inf`,
//!   quantiles within 0..=1; stateset values are 0 or 1, info values 1;
//! - exemplars only on counter `_total` and (gauge) histogram `_bucket` samples, with at most
//!   128 characters of label names and values; timestamps are finite.
//!
//! Two details follow the official suite where the specification is stricter: an unknown escape
//! sequence (`\t` in a label value or HELP text) stands for itself, backslash included; and a
//! series may repeat with an equal timestamp.
//!
//! Timestamps are in seconds, as written. `le` and `quantile` stay labels (as text).
//!
//! # Prometheus 0.0.4
//!
//! [`text()`] follows the format's documentation and the Prometheus parser (`expfmt`):
//! - `# HELP name text` and `# TYPE name type` (`counter`, `gauge`, `histogram`, `summary`,
//!   `untyped`), at most once each per family and before its samples; any other `#` line is a
//!   comment; blank lines are allowed;
//! - a sample is `name[{labels}] value [timestamp]`, with blanks (spaces, tabs) before and
//!   between the tokens, none after the last; a label set may end with a comma;
//! - escapes are `\\` and `\n` in HELP text, also `\"` in label values, and anything else is an
//!   error; values are Go floats (`1e+06`, `+Inf`, `NaN`, not out of range; the hexadecimal
//!   forms are not read); a timestamp is an integer number of milliseconds; the last line
//!   ends with a line feed;
//! - the lines of a family are contiguous, its samples named as its type says (`_bucket` with
//!   `le`, `_sum`, `_count` for a histogram; the bare name with `quantile`, `_sum`, `_count`
//!   for a summary), no two families claim one name, and no sample repeats.
//!
//! A family's name is the one its metadata uses (a counter's ends in `_total`); `untyped`
//! reads as [`MetricType::Unknown`], and a family has no unit. As in Prometheus, the blanks
//! between the metric name and the HELP text are skipped: 0.0.4 cannot carry a HELP text that
//! starts with a space or tab.

use std::error::Error;
use std::fmt;

mod family;
mod lex;
mod openmetrics;
mod text;

/// Parses an OpenMetrics 1.0 text exposition (`# EOF` included), strictly.
///
/// # Errors
/// The first line that breaks a rule of the format, with what is wrong (see the
/// [module documentation](self)).
pub fn openmetrics(input: &str) -> Result<Exposition, ParseError> {
    openmetrics::parse(input)
}

/// Parses a Prometheus text format 0.0.4 exposition.
///
/// # Errors
/// The first line that breaks a rule of the format, with what is wrong (see the
/// [module documentation](self)).
pub fn text(input: &str) -> Result<Exposition, ParseError> {
    text::parse(input)
}

/// A parsed exposition: its metric families in the order they were written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exposition {
    /// The families, in order.
    pub families: Vec<MetricFamily>,
}

impl Exposition {
    /// The family named `name` (the name its metadata uses).
    pub fn family(&self, name: &str) -> Option<&MetricFamily> {
        self.families.iter().find(|f| f.name == name)
    }
}

/// One metric family: its metadata and samples.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricFamily {
    /// The family name: in OpenMetrics, without the sample suffixes (`requests` for the
    /// samples `requests_total`); in 0.0.4, the name of `# TYPE` (`requests_total`). A family
    /// without metadata is named after its sample.
    pub name: String,
    /// The `# TYPE`; [`MetricType::Unknown`] without one.
    pub kind: MetricType,
    /// The `# HELP` text, unescaped (`Some("")` for an empty one).
    pub help: Option<String>,
    /// The `# UNIT` (OpenMetrics only; `Some("")` for an empty one).
    pub unit: Option<String>,
    /// The samples, in order.
    pub samples: Vec<Sample>,
}

/// The type of a metric family, as OpenMetrics names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram`.
    Histogram,
    /// `gaugehistogram` (OpenMetrics only).
    GaugeHistogram,
    /// `summary`.
    Summary,
    /// `info` (OpenMetrics only).
    Info,
    /// `stateset` (OpenMetrics only).
    StateSet,
    /// `unknown`: no `# TYPE`, `# TYPE x unknown`, or 0.0.4's `untyped`.
    Unknown,
}

impl MetricType {
    /// The OpenMetrics name of the type (`gaugehistogram`, `unknown`...).
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The sample's name, suffix included (`requests_total`, `latency_seconds_bucket`).
    pub name: String,
    /// The labels in the order written, values unescaped (`le` and `quantile` included).
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// The timestamp as written: seconds in OpenMetrics, milliseconds in 0.0.4.
    pub timestamp: Option<f64>,
    /// The exemplar (OpenMetrics only).
    pub exemplar: Option<Exemplar>,
}

impl Sample {
    /// The value of the label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An OpenMetrics exemplar: `# {labels} value [timestamp]` after a sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    /// The labels in the order written, values unescaped.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// The timestamp, in seconds.
    pub timestamp: Option<f64>,
}

/// Why an exposition was rejected: the 1-based line and what is wrong with it. Displays as
/// `line 3: what is wrong`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    line: usize,
    message: String,
}

impl ParseError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }

    /// The 1-based line the error is on (the line after the last one when something is
    /// missing at the end).
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong, without the line number.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl Error for ParseError {}

#[cfg(test)]
mod tests;
