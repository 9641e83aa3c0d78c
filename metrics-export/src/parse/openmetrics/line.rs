//! The grammar of one sample line: `name[{labels}] value [timestamp] [# {labels} value
//! [timestamp]]`, single spaces, no trailing space.

use crate::parse::lex::{self, Cursor, LabelSyntax};
use crate::parse::{Exemplar, Sample};

/// The most characters the label names and values of an exemplar may have together.
const EXEMPLAR_LABELS_MAX_CHARS: usize = 128;

/// An `le` or `quantile` value: a finite decimal number, or exactly `+Inf` or `-Inf`.
pub(super) fn bound_value(s: &str) -> Option<f64> {
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
pub(super) fn parse_sample(line: &str) -> Result<Sample, String> {
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
        c.label_set(LabelSyntax::OpenMetrics)?
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
    let labels = c.label_set(LabelSyntax::OpenMetrics)?;
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
