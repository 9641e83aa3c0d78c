//! A registry snapshot as Remote Write series: the same names and labels as the text format
//! 0.0.4 (a counter's name ends in `_total`; a histogram gives `_bucket` series with a cumulative
//! count per `le`, then `_sum` and `_count`), labels sorted by name with `__name__` among them.

use metrics_core::{
    EncodeHistogram, EncodeLabels, LabelEncoder, LabelValueRef, MetricDesc, MetricEncoder,
    Registry, RegistryEncoder,
};

use super::proto::{Label, Sample, TimeSeries};
use crate::number::write_go_float;

/// Every series of `registry`, one sample each at `timestamp_ms`.
pub(crate) fn snapshot(registry: &Registry, timestamp_ms: i64) -> Vec<TimeSeries> {
    let mut writer = SeriesWriter {
        series: Vec::new(),
        name: "",
        instance: Vec::new(),
        timestamp_ms,
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
        self.series.push(TimeSeries {
            labels,
            samples: vec![Sample {
                value,
                timestamp: self.timestamp_ms,
            }],
        });
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
        let bounds = histogram.bounds().iter().copied();
        let mut cumulative = 0u64;
        // As in the text encoder: each bucket read once, `_count` is the `+Inf` bucket.
        for (index, bound) in bounds.chain(std::iter::once(f64::INFINITY)).enumerate() {
            cumulative = cumulative.wrapping_add(histogram.bucket_count(index));
            self.push("_bucket", labels, Some(bound), cumulative as f64);
        }
        self.push("_sum", labels, None, histogram.sum());
        self.push("_count", labels, None, cumulative as f64);
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
        let series = snapshot(&registry, 1_700_000_000_000);
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
}
