//! The `RegistryEncoder` both text formats share: samples are written the same way in both, so a
//! [`Format`] supplies only what differs (the metadata lines and how floats look).

use std::marker::PhantomData;

use metrics_core::{
    EncodeHistogram, EncodeLabels, LabelEncoder, LabelValueRef, MetricDesc, MetricEncoder,
    RegistryEncoder,
};

use crate::number::write_int;
use metrics_core::escape::write_quoted_text;

/// What differs between Prometheus 0.0.4 and OpenMetrics 1.0 text.
pub(crate) trait Format {
    /// Writes the metadata lines of a family (`# HELP`, `# TYPE`, `# UNIT`).
    fn header(out: &mut String, desc: &MetricDesc);
    /// Writes a float sample value or `le` bound.
    fn float(out: &mut String, f: f64);
}

/// Writes a registry into `out` in format `F`, straight into the `String`: the instance labels
/// are escaped once per instance into a reused buffer, and nothing is allocated per series.
pub(crate) struct Writer<'a, F> {
    out: &'a mut String,
    /// The name of the family's samples, before the `_bucket`/`_sum`/`_count` suffixes (a
    /// counter's ends in `_total`, in both formats).
    name: &'static str,
    /// The current instance labels, escaped: `a="x",b="y"`.
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

    /// Writes `name_suffix{instance labels,series labels,le="bound"} `, without braces when
    /// there is no label.
    fn sample(&mut self, suffix: &str, labels: &dyn EncodeLabels, le: Option<f64>) {
        let out = &mut *self.out;
        out.push_str(self.name);
        out.push_str(suffix);
        let open = out.len();
        out.push('{');
        out.push_str(&self.instance);
        let mut pairs = LabelWriter {
            out,
            empty: self.instance.is_empty(),
        };
        match labels.rendered() {
            // Open-ended family series keep their labels written out: one copy.
            Some(rendered) => {
                if !rendered.is_empty() {
                    pairs.separate();
                    pairs.out.push_str(rendered);
                }
            }
            None => labels.encode(&mut pairs),
        }
        if let Some(bound) = le {
            pairs.separate();
            pairs.out.push_str("le=\"");
            F::float(pairs.out, bound);
            pairs.out.push('"');
        }
        if pairs.empty {
            out.truncate(open);
        } else {
            out.push('}');
        }
        out.push(' ');
    }

    fn int_line(&mut self, v: impl itoa::Integer) {
        write_int(self.out, v);
        self.out.push('\n');
    }

    fn float_line(&mut self, f: f64) {
        F::float(self.out, f);
        self.out.push('\n');
    }
}

/// Writes the `name="value"` pairs of a series after its instance labels.
struct LabelWriter<'a> {
    out: &'a mut String,
    /// Whether no pair has been written yet.
    empty: bool,
}

impl LabelWriter<'_> {
    fn separate(&mut self) {
        if self.empty {
            self.empty = false;
        } else {
            self.out.push(',');
        }
    }
}

impl LabelEncoder for LabelWriter<'_> {
    fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
        self.separate();
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
        self.int_line(value);
    }

    fn gauge(&mut self, labels: &dyn EncodeLabels, value: i64) {
        self.sample("", labels, None);
        self.int_line(value);
    }

    fn float_gauge(&mut self, labels: &dyn EncodeLabels, value: f64) {
        self.sample("", labels, None);
        self.float_line(value);
    }

    fn histogram(&mut self, labels: &dyn EncodeLabels, histogram: &dyn EncodeHistogram) {
        let bounds = histogram.bounds().iter().copied();
        let mut cumulative = 0u64;
        // Each bucket is read once and `_count` is the final cumulative count, so the `+Inf`
        // bucket and `_count` always agree, even while observations are being recorded.
        for (index, bound) in bounds.chain(std::iter::once(f64::INFINITY)).enumerate() {
            cumulative = cumulative.wrapping_add(histogram.bucket_count(index));
            self.sample("_bucket", labels, Some(bound));
            self.int_line(cumulative);
        }
        self.sample("_sum", labels, None);
        self.float_line(histogram.sum());
        self.sample("_count", labels, None);
        self.int_line(cumulative);
    }
}

impl<F: Format> RegistryEncoder for Writer<'_, F> {
    fn family(&mut self, desc: &MetricDesc) {
        self.name = desc.name;
        F::header(self.out, desc);
    }

    fn instance_labels(&mut self, labels: &[(String, String)]) {
        self.instance.clear();
        // At most: each value fully escaped, plus `="`, `"` and `,`: one allocation per scrape.
        let room = labels.iter().map(|(n, v)| n.len() + 2 * v.len() + 4).sum();
        self.instance.reserve(room);
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                self.instance.push(',');
            }
            write_label(&mut self.instance, name, LabelValueRef::Str(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::write_go_float;
    use metrics_core::Histogram;

    struct Plain;

    impl Format for Plain {
        fn header(out: &mut String, desc: &MetricDesc) {
            out.push_str("> ");
            out.push_str(desc.name);
            out.push('\n');
        }

        fn float(out: &mut String, f: f64) {
            write_go_float(out, f);
        }
    }

    const DESC: MetricDesc = MetricDesc {
        name: "x_total",
        help: "",
        unit: None,
        kind: metrics_core::MetricKind::Counter,
        label_names: &["a", "n"],
        field: "x",
    };

    fn pairs(out: &mut dyn LabelEncoder) {
        out.label("a", LabelValueRef::Str("q\"\\\n"));
        out.label("n", LabelValueRef::I64(-7));
    }

    #[test]
    fn instance_labels_then_series_labels_then_le() {
        static BOUNDS: [f64; 1] = [0.5];
        let histogram = Histogram::with_buckets(&BOUNDS);
        histogram.observe(0.25);
        let mut out = String::new();
        let mut w = Writer::<Plain>::new(&mut out);
        w.family(&DESC);
        w.counter(&metrics_core::NoLabels, 1);
        w.counter(&pairs, 2);
        w.instance_labels(&[("i".into(), "1".into()), ("j".into(), "\"".into())]);
        w.counter(&metrics_core::NoLabels, 3);
        w.counter(&pairs, 4);
        w.histogram(
            &|out: &mut dyn LabelEncoder| out.label("u", LabelValueRef::U64(9)),
            &histogram,
        );
        w.instance_labels(&[]);
        w.gauge(&metrics_core::NoLabels, -5);
        w.float_gauge(&metrics_core::NoLabels, 0.5);
        assert_eq!(
            out,
            r#"> x_total
x_total 1
x_total{a="q\"\\\n",n="-7"} 2
x_total{i="1",j="\""} 3
x_total{i="1",j="\"",a="q\"\\\n",n="-7"} 4
x_total_bucket{i="1",j="\"",u="9",le="0.5"} 1
x_total_bucket{i="1",j="\"",u="9",le="+Inf"} 1
x_total_sum{i="1",j="\"",u="9"} 0.25
x_total_count{i="1",j="\"",u="9"} 1
x_total -5
x_total 0.5
"#
        );
    }

    #[test]
    fn unlabeled_histogram_has_only_le() {
        static BOUNDS: [f64; 2] = [1.0, 2.0];
        let histogram = Histogram::with_buckets(&BOUNDS);
        for v in [0.5, 1.0, 1.5, 3.0, 4.0] {
            histogram.observe(v);
        }
        let mut out = String::new();
        let mut w = Writer::<Plain>::new(&mut out);
        w.family(&MetricDesc {
            name: "h_seconds",
            ..DESC
        });
        w.histogram(&metrics_core::NoLabels, &histogram);
        assert_eq!(
            out,
            r#"> h_seconds
h_seconds_bucket{le="1"} 2
h_seconds_bucket{le="2"} 3
h_seconds_bucket{le="+Inf"} 5
h_seconds_sum 10
h_seconds_count 5
"#
        );
    }
}
