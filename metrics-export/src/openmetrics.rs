//! OpenMetrics 1.0 text.

use metrics_core::{MetricDesc, Registry};

use crate::encoder::{Format, Writer};
use crate::escape::write_quoted_text;
use crate::number::write_openmetrics_float;

/// The `Content-Type` of [`encode_openmetrics`]'s output.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

struct OpenMetrics;

impl Format for OpenMetrics {
    fn header(out: &mut String, desc: &MetricDesc) {
        // A counter's family is named without `_total`; its sample keeps it.
        let family = desc.family_name();
        out.push_str("# HELP ");
        out.push_str(family);
        out.push(' ');
        write_quoted_text(out, desc.help);
        out.push_str("\n# TYPE ");
        out.push_str(family);
        out.push(' ');
        out.push_str(desc.kind.as_str());
        out.push('\n');
        if let Some(unit) = desc.unit {
            out.push_str("# UNIT ");
            out.push_str(family);
            out.push(' ');
            out.push_str(unit);
            out.push('\n');
        }
    }

    fn float(out: &mut String, f: f64) {
        write_openmetrics_float(out, f);
    }
}

/// Renders every metric of `registry` as OpenMetrics 1.0 text, `# EOF` included.
pub fn encode_openmetrics(registry: &Registry) -> String {
    let mut out = String::new();
    write_openmetrics(registry, &mut out);
    out
}

/// Appends every metric of `registry` to `out` as OpenMetrics 1.0 text, `# EOF` included.
pub fn write_openmetrics(registry: &Registry, out: &mut String) {
    registry.encode(&mut Writer::<OpenMetrics>::new(out));
    out.push_str("# EOF\n");
}
