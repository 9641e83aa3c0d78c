//! Prometheus text format 0.0.4.

use metrics_core::{MetricDesc, Registry};

use crate::encoder::{Format, Writer};
use crate::escape::write_help_text;
use crate::number::write_go_float;

/// The `Content-Type` of [`encode_text`]'s output.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

struct Text;

impl Format for Text {
    fn header(out: &mut String, desc: &MetricDesc) {
        out.push_str("# HELP ");
        out.push_str(desc.name);
        out.push(' ');
        write_help_text(out, desc.help);
        out.push_str("\n# TYPE ");
        out.push_str(desc.name);
        out.push(' ');
        out.push_str(desc.kind.as_str());
        out.push('\n');
    }

    fn float(out: &mut String, f: f64) {
        write_go_float(out, f);
    }
}

/// Renders every metric of `registry` in the Prometheus text format 0.0.4.
pub fn encode_text(registry: &Registry) -> String {
    let mut out = String::new();
    write_text(registry, &mut out);
    out
}

/// Appends every metric of `registry` to `out` in the Prometheus text format 0.0.4.
pub fn write_text(registry: &Registry, out: &mut String) {
    registry.encode(&mut Writer::<Text>::new(out));
}
