//! A parsed [`Exposition`] written back in its format, every detail the parser keeps included:
//! what the parser checks parse again.

use std::fmt::Write as _;

use metrics_core::escape::{write_help_text, write_quoted_text};

use crate::parse::{Exposition, MetricType, Sample};

/// OpenMetrics 1.0: `# TYPE` (also for a family without one: `unknown`), `# UNIT`, `# HELP`,
/// the samples with their exemplars, `# EOF`.
pub(super) fn openmetrics(exposition: &Exposition) -> String {
    let mut out = String::new();
    for family in &exposition.families {
        let name = &family.name;
        let _ = writeln!(out, "# TYPE {name} {}", family.kind);
        if let Some(unit) = &family.unit {
            let _ = writeln!(out, "# UNIT {name} {unit}");
        }
        if let Some(help) = &family.help {
            let _ = write!(out, "# HELP {name} ");
            write_quoted_text(&mut out, help);
            out.push('\n');
        }
        for sample in &family.samples {
            sample_line(&mut out, sample);
            if let Some(timestamp) = sample.timestamp {
                let _ = write!(out, " {timestamp:?}");
            }
            if let Some(exemplar) = &sample.exemplar {
                out.push_str(" # {");
                labels(&mut out, &exemplar.labels);
                let _ = write!(out, "}} {:?}", exemplar.value);
                if let Some(timestamp) = exemplar.timestamp {
                    let _ = write!(out, " {timestamp:?}");
                }
            }
            out.push('\n');
        }
    }
    out.push_str("# EOF\n");
    out
}

/// Prometheus text 0.0.4: `# HELP`, `# TYPE` (`untyped` for a family without one), the
/// samples with their timestamps in milliseconds.
pub(super) fn text(exposition: &Exposition) -> String {
    let mut out = String::new();
    for family in &exposition.families {
        let name = &family.name;
        if let Some(help) = &family.help {
            let _ = write!(out, "# HELP {name} ");
            write_help_text(&mut out, help);
            out.push('\n');
        }
        let kind = match family.kind {
            MetricType::Unknown => "untyped",
            kind => kind.as_str(),
        };
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for sample in &family.samples {
            sample_line(&mut out, sample);
            if let Some(ms) = sample.timestamp {
                // An integer as read (an `i64` as an `f64`, which converts back to the same
                // `f64`).
                #[allow(clippy::cast_possible_truncation)]
                let _ = write!(out, " {}", ms as i64);
            }
            out.push('\n');
        }
    }
    out
}

/// `name{labels} value`: the value as Rust's `Debug` writes it, the shortest text that reads
/// back as the same `f64` (`1.0`, `1e300`, `-0.0`, `NaN`, `inf`), which both parsers read.
fn sample_line(out: &mut String, sample: &Sample) {
    out.push_str(&sample.name);
    if !sample.labels.is_empty() {
        out.push('{');
        labels(out, &sample.labels);
        out.push('}');
    }
    let _ = write!(out, " {:?}", sample.value);
}

/// `a="1",b="2"`.
fn labels(out: &mut String, labels: &[(String, String)]) {
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push_str("=\"");
        write_quoted_text(out, value);
        out.push('"');
    }
}
