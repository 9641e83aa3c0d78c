//! The Prometheus text format 0.0.4 parser.

use std::collections::HashSet;

use super::family::{after_samples, fits, second, Families, Labels};
use super::lex::{self, format_labels, is_blank, Cursor, LabelSyntax};
use super::{Exposition, MetricFamily, MetricType, ParseError, Sample};

/// A float as Go's `ParseFloat` reads it (hexadecimal forms aside): a decimal number too large
/// for an `f64` is out of range, not infinity.
fn go_float(s: &str) -> Option<f64> {
    match lex::decimal(s) {
        Some(f) => f.is_finite().then_some(f),
        None => lex::number(s),
    }
}

fn trim_blanks(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

pub(super) fn parse(input: &str) -> Result<Exposition, ParseError> {
    let mut parser = Parser::default();
    if input.is_empty() {
        return Ok(Exposition::default());
    }
    // The last line ends with a line feed, unless it is only blanks (as in Prometheus).
    let body = match input.rsplit_once('\n') {
        Some((body, last)) if trim_blanks(last).is_empty() => body,
        _ => {
            return Err(ParseError::new(
                input.split('\n').count(),
                "the last line does not end with a line feed",
            ))
        }
    };
    for (i, line) in body.split('\n').enumerate() {
        let n = i + 1;
        let line = trim_blanks(line);
        if line.is_empty() {
            continue;
        }
        match line.strip_prefix('#') {
            Some(comment) => parser.comment(n, comment)?,
            None => parser.sample(n, line)?,
        }
    }
    parser.finish_family();
    Ok(parser.families.into_exposition())
}

#[derive(Default)]
struct Parser {
    families: Families,
    current: Option<OpenFamily>,
}

struct OpenFamily {
    name: String,
    kind: Option<MetricType>,
    type_line: Option<usize>,
    help: Option<(String, usize)>,
    samples: Vec<Sample>,
    /// Each series and timestamp seen, to reject a repeated sample.
    seen: HashSet<(String, Labels, Option<u64>)>,
}

/// The suffixes of the sample names of a family of type `kind` (`None`: no `# TYPE`).
fn suffixes(kind: Option<MetricType>) -> &'static [&'static str] {
    match kind {
        Some(MetricType::Histogram) => &["_bucket", "_sum", "_count"],
        Some(MetricType::Summary) => &["", "_sum", "_count"],
        _ => &[""],
    }
}

impl Parser {
    /// A line starting with `#`: `# HELP`, `# TYPE`, or a comment.
    fn comment(&mut self, n: usize, comment: &str) -> Result<(), ParseError> {
        let err = |message: String| ParseError::new(n, message);
        let mut c = Cursor::new(trim_blanks(comment));
        let keyword = c.take_until(is_blank);
        if keyword != "HELP" && keyword != "TYPE" {
            return Ok(());
        }
        let mut c = Cursor::new(trim_blanks(c.rest()));
        let name = c.metric_name();
        if name.is_empty() {
            return Err(err(format!("`# {keyword}` needs a metric name")));
        }
        if !c.at_end() && !c.peek().is_some_and(is_blank) {
            return Err(err(format!(
                "invalid metric name `{name}{}` in `# {keyword}`",
                c.take_until(is_blank)
            )));
        }
        let value = trim_blanks(c.rest());

        match &self.current {
            Some(family) if family.name == name => {
                if !family.samples.is_empty() {
                    return Err(after_samples(n, keyword, name));
                }
            }
            _ => {
                self.finish_family();
                self.open(n, name, false)?;
            }
        }
        let family = self.current.as_mut().expect("opened above");
        if keyword == "HELP" {
            if let Some((_, first)) = family.help {
                return Err(second(n, keyword, name, first));
            }
            family.help = Some((lex::unescape_text_help(value).map_err(err)?, n));
            return Ok(());
        }
        if let Some(first) = family.type_line {
            return Err(second(n, keyword, name, first));
        }
        let kind = match value.trim_end_matches([' ', '\t']) {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "summary" => MetricType::Summary,
            "untyped" => MetricType::Unknown,
            "" => return Err(err(format!("`# TYPE {name}` needs a type"))),
            other => {
                return Err(err(format!(
                    "unknown type `{other}` (counter, gauge, histogram, summary or untyped)"
                )))
            }
        };
        family.kind = Some(kind);
        family.type_line = Some(n);
        self.families
            .type_samples(n, name, kind, suffixes(Some(kind)))
    }

    fn open(&mut self, n: usize, name: &str, by_sample: bool) -> Result<(), ParseError> {
        self.families.open(n, name, by_sample)?;
        self.current = Some(OpenFamily {
            name: name.to_owned(),
            kind: None,
            type_line: None,
            help: None,
            samples: Vec::new(),
            seen: HashSet::new(),
        });
        Ok(())
    }

    fn finish_family(&mut self) {
        if let Some(family) = self.current.take() {
            self.families.push(MetricFamily {
                name: family.name,
                kind: family.kind.unwrap_or(MetricType::Unknown),
                help: family.help.map(|(help, _)| help),
                unit: None,
                samples: family.samples,
            });
        }
    }

    fn sample(&mut self, n: usize, line: &str) -> Result<(), ParseError> {
        let err = |message: String| ParseError::new(n, message);
        let sample = parse_sample(line).map_err(err)?;
        let fits = self
            .current
            .as_ref()
            .is_some_and(|f| fits(&f.name, suffixes(f.kind), &sample.name));
        if !fits {
            let previous = self.current.as_ref().map(|f| (f.name.clone(), f.kind));
            self.finish_family();
            if let Some((previous, Some(kind))) = previous {
                self.families
                    .misnamed(n, &sample.name, &previous, kind, suffixes(Some(kind)))?;
            }
            self.open(n, &sample.name, true)?;
        }
        let family = self.current.as_mut().expect("opened above");
        let suffix = &sample.name[family.name.len()..];
        match (family.kind, suffix) {
            (Some(MetricType::Histogram), "_bucket") => {
                let le = sample.label("le").ok_or_else(|| {
                    err(format!("the bucket `{}` needs an `le` label", sample.name))
                })?;
                if go_float(le).is_none() {
                    return Err(err(format!("invalid bucket bound `le=\"{le}\"`")));
                }
            }
            (Some(MetricType::Summary), "") => {
                let q = sample.label("quantile").ok_or_else(|| {
                    err(format!(
                        "the summary sample `{}` needs a `quantile` label",
                        sample.name
                    ))
                })?;
                if go_float(q).is_none() {
                    return Err(err(format!("invalid quantile `quantile=\"{q}\"`")));
                }
            }
            _ => {}
        }
        let mut labels = sample.labels.clone();
        labels.sort();
        let id = (
            sample.name.clone(),
            labels,
            sample.timestamp.map(f64::to_bits),
        );
        if !family.seen.insert(id) {
            return Err(err(format!(
                "duplicate sample `{}{}`",
                sample.name,
                format_labels(&sample.labels)
            )));
        }
        family.samples.push(sample);
        Ok(())
    }
}

/// `name [{labels}] value [timestamp]`, tokens separated by blanks, none at the end.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let mut c = Cursor::new(line);
    let name = c.metric_name();
    if name.is_empty() {
        return Err(format!(
            "expected a metric name, found `{}`",
            c.peek_char().unwrap_or_default()
        ));
    }
    let blank = c.take_while(is_blank);
    let mut labels = Vec::new();
    if c.eat(b'{') {
        labels = c.label_set(LabelSyntax::Text)?;
        c.take_while(is_blank);
    } else if blank.is_empty() {
        return Err(match c.peek_char() {
            None => format!("`{name}` has no value"),
            Some(ch) => format!("expected a blank or `{{` after `{name}`, found `{ch}`"),
        });
    }
    let token = c.take_until(is_blank);
    if token.is_empty() {
        return Err(format!("`{name}` has no value"));
    }
    let value =
        go_float(token).ok_or_else(|| format!("invalid value `{}`", token.escape_debug()))?;
    // No blank ends a sample line (Prometheus reads a timestamp after one).
    if !c.take_while(is_blank).is_empty() && c.at_end() {
        return Err("trailing blank after the value".to_owned());
    }
    let mut timestamp = None;
    if !c.at_end() {
        let token = c.take_until(is_blank);
        let ms: i64 = token.parse().map_err(|_| {
            format!(
                "invalid timestamp `{}`: an integer number of milliseconds",
                token.escape_debug()
            )
        })?;
        // Milliseconds since 1970 fit an `f64` exactly until the year 287396.
        #[allow(clippy::cast_precision_loss)]
        let ms = ms as f64;
        timestamp = Some(ms);
        if !c.at_end() {
            return Err(if trim_blanks(c.rest()).is_empty() {
                "trailing blank after the timestamp".to_owned()
            } else {
                format!(
                    "unexpected `{}` after the timestamp",
                    trim_blanks(c.rest()).escape_debug()
                )
            });
        }
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
        timestamp,
        exemplar: None,
    })
}
