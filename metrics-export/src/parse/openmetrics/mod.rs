//! The OpenMetrics 1.0 parser: each line read by its grammar ([`mod@line`]), then checked
//! against the rules that span lines as it arrives: families (here and in [`family`]) and
//! histogram points ([`histogram`]).

mod family;
mod histogram;
mod line;

use super::family::{after_samples, fits, second, Families};
use super::{lex, Exposition, MetricType, ParseError};
use family::OpenFamily;

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
    Ok(parser.families.into_exposition())
}

#[derive(Default)]
struct Parser {
    families: Families,
    /// The family being read.
    current: Option<OpenFamily>,
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
                    return Err(after_samples(n, keyword, name));
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
                    return Err(second(n, keyword, name, first));
                }
                let kind = MetricType::from_openmetrics(value).map_err(err)?;
                family.kind = Some(kind);
                family.type_line = Some(n);
                self.families
                    .type_samples(n, name, kind, suffixes(Some(kind)))?;
            }
            "UNIT" => {
                if let Some((_, first)) = family.unit {
                    return Err(second(n, keyword, name, first));
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
                    return Err(second(n, keyword, name, first));
                }
                family.help = Some((lex::unescape_openmetrics_help(value), n));
            }
        }
        Ok(())
    }

    /// Starts the family `name` (its metadata or first sample is on line `n`).
    fn open(&mut self, n: usize, name: &str, by_sample: bool) -> Result<(), ParseError> {
        self.families.open(n, name, by_sample)?;
        self.current = Some(OpenFamily::new(name));
        Ok(())
    }

    /// Checks what could only be checked once the family is complete, and keeps it.
    fn finish_family(&mut self) -> Result<(), ParseError> {
        if let Some(family) = self.current.take() {
            self.families.push(family.finish()?);
        }
        Ok(())
    }

    fn sample(&mut self, n: usize, line: &str) -> Result<(), ParseError> {
        let sample = line::parse_sample(line).map_err(|message| ParseError::new(n, message))?;
        let fits = self
            .current
            .as_ref()
            .is_some_and(|f| fits(&f.name, suffixes(f.kind), &sample.name));
        if !fits {
            // Not a sample of the current family: it starts a family of type unknown.
            let previous = self.current.as_ref().map(|f| (f.name.clone(), f.kind));
            self.finish_family()?;
            if let Some((previous, Some(kind))) = previous {
                self.families
                    .misnamed(n, &sample.name, &previous, kind, suffixes(Some(kind)))?;
            }
            self.open(n, &sample.name, true)?;
        }
        let family = self.current.as_mut().expect("opened above");
        family.check(n, &sample)?;
        family.samples.push(sample);
        Ok(())
    }
}
