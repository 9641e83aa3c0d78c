//! A registry snapshot as Remote Write series: the same names and labels as the text format
//! 0.0.4 (a counter's name ends in `_total`; a histogram gives `_bucket` series with a cumulative
//! count per `le`, then `_sum` and `_count`), labels sorted by name with `__name__` among them.
//! An exponential histogram gives its classic series, and when asked a native histogram sample
//! too, in a series named after the family.

use metrics_core::{
    EncodeExponentialHistogram, EncodeHistogram, EncodeLabels, LabelEncoder, LabelValueRef,
    MetricDesc, MetricEncoder, Registry, RegistryEncoder,
};

use super::proto::{histogram, BucketSpan, Histogram, Label, Sample, TimeSeries};
use crate::number::write_go_float;

/// Every series of `registry`, one sample each at `timestamp_ms`; with `native_histograms`, a
/// native histogram sample for each exponential histogram series too.
pub(crate) fn snapshot(
    registry: &Registry,
    timestamp_ms: i64,
    native_histograms: bool,
) -> Vec<TimeSeries> {
    let mut writer = SeriesWriter {
        series: Vec::new(),
        name: "",
        instance: Vec::new(),
        timestamp_ms,
        native_histograms,
    };
    registry.encode(&mut writer);
    writer.series
}

struct SeriesWriter {
    series: Vec<TimeSeries>,
    /// The family's sample name, before the histogram suffixes.
    name: &'static str,
    /// The current instance labels.
    instance: Vec<Label>,
    timestamp_ms: i64,
    native_histograms: bool,
}

/// Collects a series' own labels.
struct Labels(Vec<Label>);

impl LabelEncoder for Labels {
    fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
        self.0.push(Label {
            name: name.to_owned(),
            value: crate::push::label_text(value),
        });
    }
}

impl SeriesWriter {
    fn push(&mut self, suffix: &str, labels: &dyn EncodeLabels, le: Option<f64>, value: f64) {
        let labels = self.labels(suffix, labels, le);
        self.series.push(TimeSeries {
            labels,
            samples: vec![Sample {
                value,
                timestamp: self.timestamp_ms,
            }],
            histograms: Vec::new(),
        });
    }

    /// The labels of a series, `__name__` first, sorted by name.
    fn labels(&self, suffix: &str, labels: &dyn EncodeLabels, le: Option<f64>) -> Vec<Label> {
        let mut pairs = Labels(Vec::with_capacity(self.instance.len() + 3));
        pairs.0.push(Label {
            name: "__name__".to_owned(),
            value: format!("{}{suffix}", self.name),
        });
        pairs.0.extend(self.instance.iter().cloned());
        labels.encode(&mut pairs);
        if let Some(bound) = le {
            let mut value = String::new();
            write_go_float(&mut value, bound);
            pairs.0.push(Label {
                name: "le".to_owned(),
                value,
            });
        }
        let mut labels = pairs.0;
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        labels
    }

    /// The classic series of a histogram: a `_bucket` per bound and `+Inf` (cumulative counts
    /// from `count(index)`, each read once), `_sum`, and `_count` the `+Inf` bucket's.
    #[allow(clippy::cast_precision_loss)]
    fn classic(
        &mut self,
        labels: &dyn EncodeLabels,
        bounds: &[f64],
        count: impl Fn(usize) -> u64,
        sum: f64,
    ) {
        let mut cumulative = 0u64;
        let bounds = bounds.iter().copied();
        for (index, bound) in bounds.chain(std::iter::once(f64::INFINITY)).enumerate() {
            cumulative = cumulative.wrapping_add(count(index));
            self.push("_bucket", labels, Some(bound), cumulative as f64);
        }
        self.push("_sum", labels, None, sum);
        self.push("_count", labels, None, cumulative as f64);
    }
}

// Integer values become `f64`: exact up to 2^53, as for every Prometheus sample.
#[allow(clippy::cast_precision_loss)]
impl MetricEncoder for SeriesWriter {
    fn counter(&mut self, labels: &dyn EncodeLabels, value: u64) {
        self.push("", labels, None, value as f64);
    }

    fn gauge(&mut self, labels: &dyn EncodeLabels, value: i64) {
        self.push("", labels, None, value as f64);
    }

    fn float_gauge(&mut self, labels: &dyn EncodeLabels, value: f64) {
        self.push("", labels, None, value);
    }

    fn histogram(&mut self, labels: &dyn EncodeLabels, histogram: &dyn EncodeHistogram) {
        // As in the text encoder: each bucket read once, `_count` is the `+Inf` bucket.
        self.classic(
            labels,
            histogram.bounds(),
            |index| histogram.bucket_count(index),
            histogram.sum(),
        );
    }

    fn exponential_histogram(
        &mut self,
        labels: &dyn EncodeLabels,
        histogram: &dyn EncodeExponentialHistogram,
    ) {
        if !self.native_histograms {
            self.histogram(labels, histogram.classic());
            return;
        }
        // One reading for both: the classic series and the native sample agree on the count.
        let reading = histogram.read();
        self.classic(
            labels,
            &reading.bounds,
            |index| reading.classic[index],
            reading.sum,
        );
        let (spans, deltas) = reading.positive_spans();
        let sample = Histogram {
            count: Some(histogram::Count::CountInt(reading.count)),
            sum: reading.sum,
            schema: reading.schema,
            zero_threshold: reading.zero_threshold,
            zero_count: Some(histogram::ZeroCount::ZeroCountInt(reading.zero_count)),
            positive_spans: spans
                .into_iter()
                .map(|s| BucketSpan {
                    offset: s.offset,
                    length: s.length,
                })
                .collect(),
            positive_deltas: deltas,
            reset_hint: histogram::ResetHint::Unknown as i32,
            timestamp: self.timestamp_ms,
        };
        let labels = self.labels("", labels, None);
        self.series.push(TimeSeries {
            labels,
            samples: Vec::new(),
            histograms: vec![sample],
        });
    }
}

impl RegistryEncoder for SeriesWriter {
    fn family(&mut self, desc: &MetricDesc) {
        self.name = desc.name;
    }

    fn instance_labels(&mut self, labels: &[(String, String)]) {
        self.instance.clear();
        self.instance
            .extend(labels.iter().map(|(name, value)| Label {
                name: name.clone(),
                value: value.clone(),
            }));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use metrics_core::{
        Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry,
    };

    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
    #[label(rename_all = "snake_case")]
    #[allow(dead_code)] // some variants are only exported at zero, never recorded
    enum Reason {
        RateLimit,
        Manual,
        ContextExhausted,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct ReasonLabels {
        reason: Reason,
        retried: bool,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct RouteLabels {
        route: &'static str,
    }

    fn text(series: &[TimeSeries]) -> Vec<String> {
        series
            .iter()
            .map(|s| {
                let labels: Vec<String> = s
                    .labels
                    .iter()
                    .map(|l| format!("{}={}", l.name, l.value))
                    .collect();
                let samples: Vec<String> = s
                    .samples
                    .iter()
                    .map(|x| format!("{}@{}", x.value, x.timestamp))
                    .collect();
                format!("{} {}", labels.join(","), samples.join(","))
            })
            .collect()
    }

    #[test]
    fn every_kind_with_sorted_labels_and_cumulative_buckets() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Set {
            #[metric(name = "app_jobs_total", help = "Jobs")]
            jobs: Family<ReasonLabels, Counter>,
            #[metric(name = "app_routes", help = "Routes")]
            routes: Family<RouteLabels, Gauge>,
            #[metric(name = "app_depth", help = "Depth")]
            depth: Gauge,
            #[metric(name = "app_load_ratio", help = "Load")]
            load: FloatGauge,
            #[metric(name = "app_time_seconds", help = "Time", buckets = [0.5, 1.0])]
            time: Histogram,
        }
        let set = Arc::new(Set::default());
        let registry = Registry::new();
        registry.register_with_labels(Arc::clone(&set), &[("zone", "b"), ("backend", "cuda")]);
        set.jobs
            .with(&ReasonLabels {
                reason: Reason::Manual,
                retried: true,
            })
            .inc_by(3);
        set.routes.with(&RouteLabels { route: "/x" }).set(-2);
        set.depth.set(7);
        set.load.set(0.25);
        for v in [0.25, 0.75, 3.0] {
            set.time.observe(v);
        }
        let series = snapshot(&registry, 1_700_000_000_000, false);
        let lines = text(&series);
        let jobs: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains("app_jobs_total"))
            .collect();
        assert_eq!(jobs.len(), 6, "every fixed series, at zero: {lines:#?}");
        assert!(lines.contains(
            &"__name__=app_jobs_total,backend=cuda,reason=manual,retried=true,zone=b 3@1700000000000"
                .to_owned()
        ));
        let rest: Vec<&str> = lines
            .iter()
            .filter(|l| !l.contains("app_jobs_total"))
            .map(String::as_str)
            .collect();
        assert_eq!(
            rest,
            [
                "__name__=app_routes,backend=cuda,route=/x,zone=b -2@1700000000000",
                "__name__=app_depth,backend=cuda,zone=b 7@1700000000000",
                "__name__=app_load_ratio,backend=cuda,zone=b 0.25@1700000000000",
                "__name__=app_time_seconds_bucket,backend=cuda,le=0.5,zone=b 1@1700000000000",
                "__name__=app_time_seconds_bucket,backend=cuda,le=1,zone=b 2@1700000000000",
                "__name__=app_time_seconds_bucket,backend=cuda,le=+Inf,zone=b 3@1700000000000",
                "__name__=app_time_seconds_sum,backend=cuda,zone=b 4@1700000000000",
                "__name__=app_time_seconds_count,backend=cuda,zone=b 3@1700000000000",
                // The registry's self-metrics, as capped families have them.
                "__name__=metrics_series_overflow_total,backend=cuda,metric=app_routes,zone=b 0@1700000000000",
                "__name__=metrics_label_value_too_long_total,backend=cuda,metric=app_routes,zone=b 0@1700000000000",
            ]
        );
        for s in &series {
            assert!(s.labels.windows(2).all(|w| w[0].name < w[1].name), "{s:?}");
        }
    }

    #[test]
    fn exponential_histograms_are_classic_series_and_optionally_a_native_sample() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Set {
            #[metric(name = "app_wait_seconds", help = "Wait", schema = 0, buckets = [1.0])]
            wait: metrics_core::ExponentialHistogram,
        }
        let set = Arc::new(Set::default());
        let registry = Registry::new();
        registry.register_with_labels(Arc::clone(&set), &[("zone", "b")]);
        // Schema 0: 0 in the zero bucket, 0.75 in (0.5, 1], 3 in (2, 4], 100 in (64, 128].
        for v in [0.0, 0.75, 3.0, 100.0] {
            set.wait.observe(v);
        }
        let classic = [
            "__name__=app_wait_seconds_bucket,le=1,zone=b 2@7",
            "__name__=app_wait_seconds_bucket,le=+Inf,zone=b 4@7",
            "__name__=app_wait_seconds_sum,zone=b 103.75@7",
            "__name__=app_wait_seconds_count,zone=b 4@7",
        ];
        let series = snapshot(&registry, 7, false);
        assert_eq!(text(&series), classic);
        assert!(series.iter().all(|s| s.histograms.is_empty()));

        let series = snapshot(&registry, 7, true);
        assert_eq!(text(&series[..4]), classic);
        let native = &series[4];
        assert_eq!(
            text(std::slice::from_ref(native)),
            ["__name__=app_wait_seconds,zone=b "]
        );
        assert_eq!(
            native.histograms,
            [super::Histogram {
                count: Some(histogram::Count::CountInt(4)),
                sum: 103.75,
                schema: 0,
                zero_threshold: 2f64.powi(-128),
                zero_count: Some(histogram::ZeroCount::ZeroCountInt(1)),
                // Buckets 0 and 2 (one span, an empty bucket between), then 7.
                positive_spans: vec![
                    BucketSpan {
                        offset: 0,
                        length: 3
                    },
                    BucketSpan {
                        offset: 4,
                        length: 1
                    },
                ],
                positive_deltas: vec![1, -1, 1, 0],
                reset_hint: 0,
                timestamp: 7,
            }]
        );
        assert_eq!(series.len(), 5);
    }
}
