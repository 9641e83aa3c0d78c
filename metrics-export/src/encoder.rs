//! The series writer both text formats share; a [`Format`] supplies what differs.

use std::marker::PhantomData;

use metrics_core::{
    EncodeLabels, Histogram, LabelEncoder, LabelValueRef, MetricDesc, MetricEncoder,
    RegistryEncoder,
};

use crate::escape::write_quoted_text;
use crate::number::write_int;

/// What differs between Prometheus 0.0.4 and OpenMetrics 1.0 text.
pub(crate) trait Format {
    /// Writes the `# HELP` / `# TYPE` (/ `# UNIT`) lines of a family.
    fn header(out: &mut String, desc: &MetricDesc);
    /// Writes a float value or bound.
    fn float(out: &mut String, f: f64);
}

/// Writes a registry into `out` in format `F`, with no allocation per series: instance labels
/// are rendered once per instance into a reused buffer.
pub(crate) struct Writer<'a, F> {
    out: &'a mut String,
    name: &'static str,
    instance: String,
    format: PhantomData<F>,
}

impl<'a, F: Format> Writer<'a, F> {
    pub(crate) fn new(out: &'a mut String) -> Self {
        Self {
            out,
            name: "",
            instance: String::new(),
            format: PhantomData,
        }
    }

    /// Writes `name{instance labels,labels,le="bound"} ` (no braces without labels).
    fn sample(&mut self, suffix: &str, labels: &dyn EncodeLabels, le: Option<f64>) {
        let out = &mut *self.out;
        out.push_str(self.name);
        out.push_str(suffix);
        let open = out.len();
        out.push('{');
        out.push_str(&self.instance);
        let mut w = LabelWriter::<F> {
            out,
            first: self.instance.is_empty(),
            format: PhantomData,
        };
        labels.encode(&mut w);
        if let Some(bound) = le {
            w.sep();
            w.out.push_str("le=\"");
            F::float(w.out, bound);
            w.out.push('"');
        }
        if w.first {
            out.truncate(open);
        } else {
            out.push('}');
        }
        out.push(' ');
    }
}

struct LabelWriter<'a, F> {
    out: &'a mut String,
    first: bool,
    format: PhantomData<F>,
}

impl<F> LabelWriter<'_, F> {
    fn sep(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.out.push(',');
        }
    }
}

impl<F: Format> LabelEncoder for LabelWriter<'_, F> {
    fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
        self.sep();
        write_label(self.out, name, value);
    }
}

fn write_label(out: &mut String, name: &str, value: LabelValueRef<'_>) {
    out.push_str(name);
    out.push_str("=\"");
    match value {
        LabelValueRef::Str(s) => write_quoted_text(out, s),
        LabelValueRef::I64(v) => write_int(out, v),
        LabelValueRef::U64(v) => write_int(out, v),
    }
    out.push('"');
}

impl<F: Format> MetricEncoder for Writer<'_, F> {
    fn counter(&mut self, labels: &dyn EncodeLabels, value: u64) {
        self.sample("", labels, None);
        write_int(self.out, value);
        self.out.push('\n');
    }

    fn gauge(&mut self, labels: &dyn EncodeLabels, value: i64) {
        self.sample("", labels, None);
        write_int(self.out, value);
        self.out.push('\n');
    }

    fn float_gauge(&mut self, labels: &dyn EncodeLabels, value: f64) {
        self.sample("", labels, None);
        F::float(self.out, value);
        self.out.push('\n');
    }

    fn histogram(&mut self, labels: &dyn EncodeLabels, histogram: &Histogram) {
        let bounds = histogram.bounds();
        let mut cumulative = 0u64;
        // Each bucket is read once: `+Inf` and `_count` are the same total.
        for (i, n) in histogram.bucket_counts().enumerate() {
            cumulative += n;
            self.sample(
                "_bucket",
                labels,
                Some(bounds.get(i).copied().unwrap_or(f64::INFINITY)),
            );
            write_int(self.out, cumulative);
            self.out.push('\n');
        }
        self.sample("_sum", labels, None);
        F::float(self.out, histogram.sum());
        self.out.push('\n');
        self.sample("_count", labels, None);
        write_int(self.out, cumulative);
        self.out.push('\n');
    }
}

impl<F: Format> RegistryEncoder for Writer<'_, F> {
    fn family(&mut self, desc: &MetricDesc) {
        self.name = desc.name;
        F::header(self.out, desc);
    }

    fn instance_labels(&mut self, labels: &[(String, String)]) {
        self.instance.clear();
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                self.instance.push(',');
            }
            write_label(&mut self.instance, name, LabelValueRef::Str(value));
        }
    }
}
