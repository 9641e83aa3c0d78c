//! The OpenMetrics 1.0 parser: the ABNF line by line, then the rules that span lines (families,
//! metrics, histograms) as each sample arrives.

use std::collections::{HashMap, HashSet};

use super::lex::{self, format_labels, Cursor, Escapes};
use super::{Exemplar, Exposition, MetricFamily, MetricType, ParseError, Sample};

type Labels = Vec<(String, String)>;

/// The most characters the label names and values of an exemplar may have together.
const EXEMPLAR_LABELS_MAX_CHARS: usize = 128;

pub(super) fn parse(input: &str) -> Result<Exposition, ParseError> {
    let mut parser = Parser::default();
    let mut lines = 0;
    let mut eof = false;
    if !input.is_empty() {
        // A line feed after `# EOF` is optional; nothing else may follow it.
        let body = input.strip_suffix('\n').unwrap_or(input);
        for (i, line) in body.split('\n').enumerate() {
            let n = i + 1;
            lines = n;
            if eof {
                return Err(ParseError::new(
                    n,
                    "nothing may follow `# EOF`, not even a blank line",
                ));
            }
            if line.is_empty() {
                return Err(ParseError::new(n, "blank line: OpenMetrics allows none"));
            }
            if line == "# EOF" {
                parser.finish_family()?;
                eof = true;
            } else if line.starts_with('#') {
                parser.metadata(n, line)?;
            } else {
                parser.sample(n, line)?;
            }
        }
    }
    if !eof {
        return Err(ParseError::new(
            lines + 1,
            "the exposition does not end with `# EOF`",
        ));
    }
    Ok(Exposition {
        families: parser.families,
    })
}

#[derive(Default)]
struct Parser {
    families: Vec<MetricFamily>,
    /// The family being read.
    current: Option<OpenFamily>,
    /// Every name a family has taken (its own, and those of the samples its type gives it):
    /// the family that took it, and on which line.
    claims: HashMap<String, (String, usize)>,
}

/// A family being read, with what its later lines are checked against.
struct OpenFamily {
    name: String,
    kind: Option<MetricType>,
    type_line: Option<usize>,
    help: Option<(String, usize)>,
    unit: Option<(String, usize)>,
    samples: Vec<Sample>,
    /// The metric (label set) the last sample belonged to.
    metric: Option<Metric>,
    /// Every metric seen so far: one may not come back after another.
    seen_metrics: HashSet<Labels>,
    /// The histogram point (label set and timestamp) being read.
    run: Option<HistogramRun>,
}

/// The samples of one label set.
struct Metric {
    /// The labels that tell the metrics of the family apart, sorted.
    key: Labels,
    timestamp: Option<f64>,
    /// The series seen at `timestamp`: each appears once per timestamp.
    series: HashSet<(String, Labels)>,
}

/// The samples of one histogram point: one label set (without `le`) and timestamp.
struct HistogramRun {
    key: Labels,
    timestamp: Option<f64>,
    /// The last bucket's bound and cumulative count.
    bound: Option<f64>,
    cumulative: f64,
    negative_buckets: bool,
    /// The `_count` (`_gcount`) value and its line.
    count: Option<(f64, usize)>,
    /// The lines of `_sum` and `_gsum`, and of a negative `_gsum`.
    sum: Option<usize>,
    gsum: Option<usize>,
    negative_gsum: Option<usize>,
    last_line: usize,
}

impl MetricType {
    fn from_openmetrics(word: &str) -> Result<Self, String> {
        Ok(match word {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "unknown" => MetricType::Unknown,
            "untyped" => {
                return Err(
                    "unknown type `untyped`: that is Prometheus 0.0.4, OpenMetrics says `unknown`"
                        .to_owned(),
                )
            }
            other => {
                return Err(format!(
                    "unknown type `{}` (counter, gauge, histogram, gaugehistogram, \
                     summary, info, stateset or unknown)",
                    other.escape_debug()
                ))
            }
        })
    }
}

/// The suffixes of the sample names of a family of type `kind` (`None`: no `# TYPE`).
fn suffixes(kind: Option<MetricType>) -> &'static [&'static str] {
    match kind {
        Some(MetricType::Counter) => &["_total", "_created"],
        Some(MetricType::Histogram) => &["_bucket", "_count", "_sum", "_created"],
        Some(MetricType::GaugeHistogram) => &["_bucket", "_gcount", "_gsum"],
        Some(MetricType::Summary) => &["", "_count", "_sum", "_created"],
        Some(MetricType::Info) => &["_info"],
        _ => &[""],
    }
}

/// Takes `name` for `family`, or says which family already has it.
fn claim(
    claims: &mut HashMap<String, (String, usize)>,
    line: usize,
    name: String,
    family: &str,
) -> Result<(), (String, usize)> {
    if let Some(owner) = claims.get(&name) {
        return Err(owner.clone());
    }
    claims.insert(name, (family.to_owned(), line));
    Ok(())
}

impl Parser {
    /// `# TYPE`, `# UNIT` or `# HELP`.
    fn metadata(&mut self, n: usize, line: &str) -> Result<(), ParseError> {
        let err = |message: String| ParseError::new(n, message);
        let Some(rest) = line.strip_prefix("# ") else {
            return Err(err(
                "a line starting with `#` must be `# TYPE`, `# UNIT`, `# HELP` or `# EOF` \
                 (OpenMetrics has no comments)"
                    .to_owned(),
            ));
        };
        let mut parts = rest.splitn(3, ' ');
        let keyword = parts.next().unwrap_or_default();
        if !matches!(keyword, "TYPE" | "UNIT" | "HELP") {
            return Err(err(if keyword.starts_with("EOF") {
                "`# EOF` must be alone on its line".to_owned()
            } else {
                format!(
                    "unknown metadata `# {keyword}`: a line starting with `#` must be `# TYPE`, \
                     `# UNIT`, `# HELP` or `# EOF` (OpenMetrics has no comments)"
                )
            }));
        }
        let name = parts.next().unwrap_or_default();
        if name.is_empty() {
            return Err(err(format!(
                "`# {keyword}` needs a metric name after a single space"
            )));
        }
        if !lex::is_metric_name(name) {
            return Err(err(format!(
                "invalid metric name `{}` in `# {keyword}`",
                name.escape_debug()
            )));
        }
        let Some(value) = parts.next() else {
            let what = match keyword {
                "TYPE" => "type",
                "UNIT" => "unit",
                _ => "text (which may be empty)",
            };
            return Err(err(format!(
                "`# {keyword} {name}` needs a space after the metric name, then the {what}"
            )));
        };

        match &self.current {
            Some(family) if family.name == name => {
                if !family.samples.is_empty() {
                    return Err(err(format!(
                        "`# {keyword}` for `{name}` comes after its samples: a family's \
                         metadata comes first"
                    )));
                }
            }
            _ => {
                self.finish_family()?;
                self.open(n, name, false)?;
            }
        }
        let family = self.current.as_mut().expect("opened above");
        match keyword {
            "TYPE" => {
                if let Some(first) = family.type_line {
                    return Err(err(format!(
                        "second `# TYPE` for `{name}` (the first is on line {first})"
                    )));
                }
                let kind = MetricType::from_openmetrics(value).map_err(err)?;
                family.kind = Some(kind);
                family.type_line = Some(n);
                for suffix in suffixes(Some(kind)).iter().filter(|s| !s.is_empty()) {
                    let sample = format!("{name}{suffix}");
                    claim(&mut self.claims, n, sample.clone(), name).map_err(|(other, at)| {
                        err(format!(
                            "{kind} `{name}` has samples named `{sample}`, a name the family \
                             `{other}` (line {at}) already takes"
                        ))
                    })?;
                }
            }
            "UNIT" => {
                if let Some((_, first)) = family.unit {
                    return Err(err(format!(
                        "second `# UNIT` for `{name}` (the first is on line {first})"
                    )));
                }
                if !value.bytes().all(lex::is_metric_name_char) {
                    return Err(err(format!(
                        "invalid unit `{}`: letters, digits, `_` and `:` only",
                        value.escape_debug()
                    )));
                }
                family.unit = Some((value.to_owned(), n));
            }
            _ => {
                if let Some((_, first)) = family.help {
                    return Err(err(format!(
                        "second `# HELP` for `{name}` (the first is on line {first})"
                    )));
                }
                family.help = Some((lex::unescape_openmetrics_help(value), n));
            }
        }
        Ok(())
    }

    /// Starts the family `name` (its metadata or first sample is on line `n`).
    fn open(&mut self, n: usize, name: &str, by_sample: bool) -> Result<(), ParseError> {
        claim(&mut self.claims, n, name.to_owned(), name).map_err(|(other, at)| {
            ParseError::new(
                n,
                if by_sample {
                    format!(
                        "the sample `{name}` belongs to the family `{other}` (line {at}): the \
                         samples of a family must be contiguous"
                    )
                } else if other == name {
                    format!(
                        "the family `{name}` already appeared (line {at}): the metadata and \
                         samples of a family must be contiguous"
                    )
                } else {
                    format!(
                        "the family `{name}` clashes with the family `{other}` (line {at}), \
                         which has samples named `{name}`"
                    )
                },
            )
        })?;
        self.current = Some(OpenFamily {
            name: name.to_owned(),
            kind: None,
            type_line: None,
            help: None,
            unit: None,
            samples: Vec::new(),
            metric: None,
            seen_metrics: HashSet::new(),
            run: None,
        });
        Ok(())
    }

    /// Checks what could only be checked once the family is complete, and keeps it.
    fn finish_family(&mut self) -> Result<(), ParseError> {
        let Some(mut family) = self.current.take() else {
            return Ok(());
        };
        let kind = family.kind.unwrap_or(MetricType::Unknown);
        if let Some(run) = family.run.take() {
            run.check(&family.name, kind)?;
        }
        if let Some((unit, line)) = &family.unit {
            if !unit.is_empty() {
                let name = &family.name;
                if !name.ends_with(&format!("_{unit}")) {
                    return Err(ParseError::new(
                        *line,
                        format!(
                            "the unit `{unit}` must end the metric name, but `{name}` does not \
                             end with `_{unit}`"
                        ),
                    ));
                }
                if matches!(kind, MetricType::Info | MetricType::StateSet) {
                    return Err(ParseError::new(
                        *line,
                        format!("{kind} `{name}` cannot have a unit"),
                    ));
                }
            }
        }
        self.families.push(MetricFamily {
            name: family.name,
            kind,
            help: family.help.map(|(help, _)| help),
            unit: family.unit.map(|(unit, _)| unit),
            samples: family.samples,
        });
        Ok(())
    }

    fn sample(&mut self, n: usize, line: &str) -> Result<(), ParseError> {
        let sample = parse_sample(line).map_err(|message| ParseError::new(n, message))?;
        let fits = self
            .current
            .as_ref()
            .is_some_and(|family| family.allows(&sample.name));
        if !fits {
            // Not a sample of the current family: it starts a family of type unknown.
            let previous = self.current.as_ref().map(|f| (f.name.clone(), f.kind));
            self.finish_family()?;
            if let Some((previous, Some(kind))) = previous {
                if self
                    .claims
                    .get(&sample.name)
                    .is_some_and(|(owner, _)| *owner == previous)
                {
                    let names: Vec<String> = suffixes(Some(kind))
                        .iter()
                        .map(|s| format!("`{previous}{s}`"))
                        .collect();
                    return Err(ParseError::new(
                        n,
                        format!(
                            "`{}` is not a sample name of {kind} `{previous}`, whose samples are \
                             {}",
                            sample.name,
                            names.join(", ")
                        ),
                    ));
                }
            }
            self.open(n, &sample.name, true)?;
        }
        let family = self.current.as_mut().expect("opened above");
        family.check(n, &sample)?;
        family.samples.push(sample);
        Ok(())
    }
}

impl OpenFamily {
    fn allows(&self, sample: &str) -> bool {
        sample
            .strip_prefix(self.name.as_str())
            .is_some_and(|suffix| suffixes(self.kind).contains(&suffix))
    }

    /// Checks the sample against its family's rules (it fits the family's names).
    fn check(&mut self, n: usize, sample: &Sample) -> Result<(), ParseError> {
        let err = |message: String| ParseError::new(n, message);
        let kind = self.kind.unwrap_or(MetricType::Unknown);
        let name = self.name.as_str();
        let sample_name = sample.name.as_str();
        let suffix = &sample_name[name.len()..];
        let value = sample.value;

        if kind == MetricType::StateSet && sample.label(name).is_none() {
            return Err(err(format!(
                "a stateset sample needs a label named after its family: `{name}`"
            )));
        }
        let mut bound = None;
        if suffix == "_bucket" {
            let Some(le) = sample.label("le") else {
                return Err(err(format!(
                    "the bucket `{sample_name}` needs an `le` label"
                )));
            };
            let Some(b) = bound_value(le) else {
                return Err(err(format!(
                    "invalid bucket bound `le=\"{le}\"`: a number, `+Inf` or `-Inf`"
                )));
            };
            bound = Some(b);
        }
        if matches!(suffix, "_bucket" | "_count" | "_gcount") && value.fract() != 0.0 {
            return Err(err(format!(
                "`{sample_name}` is a count: its value must be an integer, not {value}"
            )));
        }
        if kind == MetricType::Summary && suffix.is_empty() {
            let Some(q) = sample.label("quantile") else {
                return Err(err(format!(
                    "the summary sample `{sample_name}` needs a `quantile` label"
                )));
            };
            if !bound_value(q).is_some_and(|q| (0.0..=1.0).contains(&q)) {
                return Err(err(format!(
                    "invalid quantile `quantile=\"{q}\"`: a number from 0 to 1"
                )));
            }
        }

        self.check_metric(n, sample, kind, suffix)?;

        match kind {
            MetricType::StateSet if value != 0.0 && value != 1.0 => {
                return Err(err(format!("a stateset sample is 0 or 1, not {value}")))
            }
            MetricType::Info if value != 1.0 => {
                return Err(err(format!("an info sample is 1, not {value}")))
            }
            MetricType::Summary if suffix.is_empty() && value < 0.0 => {
                return Err(err(format!("a quantile cannot be negative ({value})")))
            }
            _ => {}
        }
        let counter_like = matches!(suffix, "_total" | "_sum" | "_count" | "_bucket" | "_gcount");
        if (counter_like || suffix == "_gsum") && value.is_nan() {
            return Err(err(format!(
                "`{sample_name}` cannot be NaN: it is a counter-like sample"
            )));
        }
        if counter_like && value < 0.0 {
            return Err(err(format!(
                "`{sample_name}` cannot be negative ({value}): it is a counter-like sample"
            )));
        }
        if sample.exemplar.is_some()
            && !matches!(
                (kind, suffix),
                (MetricType::Counter, "_total")
                    | (
                        MetricType::Histogram | MetricType::GaugeHistogram,
                        "_bucket"
                    )
            )
        {
            return Err(err(format!(
                "`{sample_name}` cannot have an exemplar: only counter `_total` and histogram \
                 `_bucket` samples can"
            )));
        }
        if matches!(kind, MetricType::Histogram | MetricType::GaugeHistogram) {
            self.histogram_sample(n, sample, suffix, bound)?;
        }
        Ok(())
    }

    /// The samples of one metric (label set) are contiguous, all with a timestamp or none,
    /// timestamps do not decrease, and a series appears once per timestamp.
    fn check_metric(
        &mut self,
        n: usize,
        sample: &Sample,
        kind: MetricType,
        suffix: &str,
    ) -> Result<(), ParseError> {
        let err = |message: String| ParseError::new(n, message);
        // The labels that are not the metric's, but tell its samples apart.
        let inner = match (kind, suffix) {
            (MetricType::Summary, "") => Some("quantile"),
            (MetricType::StateSet, _) => Some(self.name.as_str()),
            (MetricType::Histogram | MetricType::GaugeHistogram, "_bucket") => Some("le"),
            _ => None,
        };
        let key = sorted_labels(&sample.labels, inner);
        let series = (sample.name.clone(), sorted_labels(&sample.labels, None));
        match &mut self.metric {
            Some(metric) if metric.key == key => {
                if metric.timestamp.is_some() != sample.timestamp.is_some() {
                    return Err(err(format!(
                        "the metric `{}{}` mixes samples with and without a timestamp",
                        self.name,
                        format_labels(&key)
                    )));
                }
                if let (Some(previous), Some(t)) = (metric.timestamp, sample.timestamp) {
                    if t < previous {
                        return Err(err(format!(
                            "timestamp {t} goes backwards: the previous sample of the metric \
                             `{}{}` has {previous}",
                            self.name,
                            format_labels(&key)
                        )));
                    }
                    if t != previous {
                        metric.timestamp = Some(t);
                        metric.series.clear();
                    }
                }
                let timestamped = sample.timestamp.is_some();
                if !metric.series.insert(series) && !timestamped {
                    return Err(err(format!(
                        "duplicate sample `{}{}`",
                        sample.name,
                        format_labels(&sample.labels)
                    )));
                }
            }
            _ => {
                if self.seen_metrics.contains(&key) {
                    return Err(err(format!(
                        "the samples of the metric `{}{}` are not contiguous: another metric \
                         of the family came in between",
                        self.name,
                        format_labels(&key)
                    )));
                }
                self.seen_metrics.insert(key.clone());
                self.metric = Some(Metric {
                    key,
                    timestamp: sample.timestamp,
                    series: HashSet::from([series]),
                });
            }
        }
        Ok(())
    }

    /// Buckets in increasing order with counts that do not decrease; the rest is checked at
    /// the end of the point ([`HistogramRun::check`]).
    fn histogram_sample(
        &mut self,
        n: usize,
        sample: &Sample,
        suffix: &str,
        bound: Option<f64>,
    ) -> Result<(), ParseError> {
        let kind = self.kind.unwrap_or(MetricType::Unknown);
        let key = sorted_labels(&sample.labels, Some("le"));
        let same_point = self
            .run
            .as_ref()
            .is_some_and(|run| run.key == key && run.timestamp == sample.timestamp);
        if !same_point {
            if let Some(run) = self.run.take() {
                run.check(&self.name, kind)?;
            }
            self.run = Some(HistogramRun {
                key,
                timestamp: sample.timestamp,
                bound: None,
                cumulative: 0.0,
                negative_buckets: false,
                count: None,
                sum: None,
                gsum: None,
                negative_gsum: None,
                last_line: n,
            });
        }
        let run = self.run.as_mut().expect("started above");
        run.last_line = n;
        let value = sample.value;
        match suffix {
            "_bucket" => {
                let bound = bound.expect("checked by the caller");
                if let Some(previous) = run.bound.filter(|&p| bound <= p) {
                    return Err(ParseError::new(
                        n,
                        format!(
                            "bucket `le=\"{}\"` comes after `le` {previous}: buckets must be in \
                             increasing order",
                            sample.label("le").unwrap_or_default()
                        ),
                    ));
                }
                if value < run.cumulative {
                    return Err(ParseError::new(
                        n,
                        format!(
                            "bucket count {value} is below the previous bucket's {}: bucket \
                             counts are cumulative",
                            run.cumulative
                        ),
                    ));
                }
                run.negative_buckets |= bound < 0.0;
                run.bound = Some(bound);
                run.cumulative = value;
            }
            "_count" | "_gcount" => run.count = Some((value, n)),
            "_sum" => run.sum = Some(n),
            "_gsum" => {
                run.gsum = Some(n);
                if value < 0.0 {
                    run.negative_gsum = Some(n);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl HistogramRun {
    /// What a complete histogram point needs: a `+Inf` bucket equal to `_count`, `_sum` and
    /// `_count` together, no `_sum` with negative buckets, no negative `_gsum` without.
    fn check(&self, name: &str, kind: MetricType) -> Result<(), ParseError> {
        let point = format!("{name}{}", format_labels(&self.key));
        let (count, sum) = if kind == MetricType::GaugeHistogram {
            ("_gcount", "_gsum")
        } else {
            ("_count", "_sum")
        };
        if self.bound != Some(f64::INFINITY) {
            return Err(ParseError::new(
                self.last_line,
                format!("{kind} `{point}` has no `le=\"+Inf\"` bucket (the last one must be)"),
            ));
        }
        if let Some((value, line)) = self.count {
            if value != self.cumulative {
                return Err(ParseError::new(
                    line,
                    format!(
                        "`{name}{count}` is {value} but the `+Inf` bucket of `{point}` is {}: \
                         they must be equal",
                        self.cumulative
                    ),
                ));
            }
        }
        if let Some(line) = self.sum.or(self.gsum) {
            if self.count.is_none() {
                return Err(ParseError::new(
                    line,
                    format!("`{point}` has `{name}{sum}` but no `{name}{count}`"),
                ));
            }
        }
        if let Some((_, line)) = self.count {
            if self.sum.is_none() && self.gsum.is_none() {
                return Err(ParseError::new(
                    line,
                    format!("`{point}` has `{name}{count}` but no `{name}{sum}`"),
                ));
            }
        }
        if let Some(line) = self.sum.filter(|_| self.negative_buckets) {
            return Err(ParseError::new(
                line,
                format!("`{point}` has negative buckets, so it cannot have `{name}_sum`"),
            ));
        }
        if let Some(line) = self.negative_gsum.filter(|_| !self.negative_buckets) {
            return Err(ParseError::new(
                line,
                format!("`{name}_gsum` of `{point}` is negative, but no bucket is"),
            ));
        }
        Ok(())
    }
}

/// `labels` without the label `except`, sorted: what identifies a metric or series.
fn sorted_labels(labels: &[(String, String)], except: Option<&str>) -> Labels {
    let mut key: Labels = labels
        .iter()
        .filter(|(n, _)| Some(n.as_str()) != except)
        .cloned()
        .collect();
    key.sort();
    key
}

/// An `le` or `quantile` value: a finite decimal number, or exactly `+Inf` or `-Inf`.
fn bound_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => lex::decimal(s).filter(|f| f.is_finite()),
    }
}

/// A timestamp: a finite decimal number.
fn timestamp(s: &str) -> Option<f64> {
    lex::decimal(s).filter(|f| f.is_finite())
}

/// `name[{labels}] value [timestamp] [# {labels} value [timestamp]]`, single spaces.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let mut c = Cursor::new(line);
    let name = c.metric_name();
    if name.is_empty() {
        return Err(match c.peek_char() {
            Some(' ') => "a line cannot start with a space".to_owned(),
            Some(ch) => format!("expected a metric name, found `{ch}`"),
            None => "empty line".to_owned(),
        });
    }
    let labels = if c.eat(b'{') {
        labels(&mut c)?
    } else {
        Vec::new()
    };
    let space = |b| b == b' ';
    if !c.eat(b' ') {
        return Err(match c.peek_char() {
            None => format!("`{name}` has no value"),
            Some(ch) => format!(
                "expected a space before the value of `{name}`, found `{}`",
                ch.escape_debug()
            ),
        });
    }
    let token = c.take_until(space);
    let Some(value) = lex::number(token) else {
        return Err(if token.is_empty() {
            if c.at_end() {
                format!("`{name}` has no value")
            } else {
                format!("two spaces before the value of `{name}`")
            }
        } else {
            format!("invalid value `{}`", token.escape_debug())
        });
    };
    let mut sample = Sample {
        name: name.to_owned(),
        labels,
        value,
        timestamp: None,
        exemplar: None,
    };
    if !c.eat(b' ') {
        return Ok(sample);
    }
    if c.at_end() {
        return Err("trailing space after the value".to_owned());
    }
    if c.peek() != Some(b'#') {
        let token = c.take_until(space);
        let Some(t) = timestamp(token) else {
            return Err(if token.is_empty() {
                "two spaces after the value".to_owned()
            } else {
                format!(
                    "invalid timestamp `{}`: a decimal number of seconds",
                    token.escape_debug()
                )
            });
        };
        sample.timestamp = Some(t);
        if !c.eat(b' ') {
            return Ok(sample);
        }
        if c.peek() != Some(b'#') {
            return Err(if c.at_end() {
                "trailing space after the timestamp".to_owned()
            } else {
                format!(
                    "unexpected `{}` after the timestamp (an exemplar starts with `# {{`)",
                    c.rest()
                )
            });
        }
    }
    c.eat(b'#');
    sample.exemplar = Some(exemplar(&mut c)?);
    Ok(sample)
}

/// The exemplar after ` #`: ` {labels} value [timestamp]`, to the end of the line.
fn exemplar(c: &mut Cursor<'_>) -> Result<Exemplar, String> {
    const SHAPE: &str = "an exemplar is `# {labels} value [timestamp]`";
    if !c.eat(b' ') {
        return Err(format!("{SHAPE}: expected a space after `#`"));
    }
    if !c.eat(b'{') {
        return Err(format!("{SHAPE}: expected `{{` after `# `"));
    }
    let labels = labels(c)?;
    let chars: usize = labels
        .iter()
        .map(|(n, v)| n.chars().count() + v.chars().count())
        .sum();
    if chars > EXEMPLAR_LABELS_MAX_CHARS {
        return Err(format!(
            "the exemplar's label names and values have {chars} characters, more than \
             {EXEMPLAR_LABELS_MAX_CHARS}"
        ));
    }
    if !c.eat(b' ') {
        return Err(format!(
            "{SHAPE}: expected a space and a value after the labels"
        ));
    }
    let space = |b| b == b' ';
    let token = c.take_until(space);
    let Some(value) = lex::number(token) else {
        return Err(if token.is_empty() {
            "the exemplar has no value".to_owned()
        } else {
            format!("invalid exemplar value `{}`", token.escape_debug())
        });
    };
    let mut exemplar = Exemplar {
        labels,
        value,
        timestamp: None,
    };
    if c.eat(b' ') {
        let token = c.take_until(space);
        let Some(t) = timestamp(token) else {
            return Err(if token.is_empty() {
                "trailing space after the exemplar's value".to_owned()
            } else {
                format!(
                    "invalid exemplar timestamp `{}`: a decimal number of seconds",
                    token.escape_debug()
                )
            });
        };
        exemplar.timestamp = Some(t);
        if !c.at_end() {
            c.eat(b' ');
            return Err(if c.at_end() {
                "trailing space after the exemplar's timestamp".to_owned()
            } else {
                format!("unexpected `{}` after the exemplar's timestamp", c.rest())
            });
        }
    }
    Ok(exemplar)
}

/// A label set after its `{`, to its `}` included: `name="value"` pairs separated by single
/// commas, no spaces, no trailing comma.
fn labels(c: &mut Cursor<'_>) -> Result<Labels, String> {
    let mut labels: Labels = Vec::new();
    if c.eat(b'}') {
        return Ok(labels);
    }
    loop {
        let name = c.label_name();
        if name.is_empty() {
            return Err(match c.peek_char() {
                Some('}') => "a label set cannot end with a comma".to_owned(),
                Some(ch) => {
                    format!("expected a label name (`[a-zA-Z_][a-zA-Z0-9_]*`), found `{ch}`")
                }
                None => "the label set is missing its closing `}`".to_owned(),
            });
        }
        if !c.eat(b'=') {
            return Err(format!("expected `=` after the label name `{name}`"));
        }
        if !c.eat(b'"') {
            return Err(format!(
                "the value of the label `{name}` must be in double quotes"
            ));
        }
        let value = c.quoted(Escapes::KeepUnknown)?;
        if labels.iter().any(|(n, _)| n == name) {
            return Err(format!("the label `{name}` appears twice"));
        }
        labels.push((name.to_owned(), value));
        if c.eat(b'}') {
            return Ok(labels);
        }
        if !c.eat(b',') {
            return Err(match c.peek_char() {
                None => "the label set is missing its closing `}`".to_owned(),
                Some(ch) => format!(
                    "expected `,` or `}}` after the value of the label `{name}`, found `{ch}`"
                ),
            });
        }
    }
}
