//! A registry snapshot as OTLP metrics: one [`Metric`] per family, one data point per series.
//!
//! - counter: a monotonic cumulative [`Sum`] of `as_int` points, named after its family (the
//!   name without `_total`, as the OpenTelemetry Collector's Prometheus receiver names it, and
//!   as OTLP-to-Prometheus translators add `_total` back);
//! - gauge: a [`Gauge`], `as_int` points for integer gauges, `as_double` for float gauges;
//! - histogram: a cumulative [`Histogram`]: explicit bounds, per-bucket (not cumulative) counts
//!   ending with the `+Inf` bucket, count and sum;
//! - exponential histogram: a cumulative [`ExponentialHistogram`]: scale (the schema), zero
//!   threshold and count, the positive buckets (OTLP numbers bucket `(base^i, base^(i+1)]` `i`,
//!   which Prometheus numbers `i + 1`: the offset is one less), count and sum. Its classic
//!   buckets are not sent: the exponential ones say more.
//!
//! Attributes: the instance labels, then the series' own labels, every value a string.

use metrics_core::{
    EncodeExponentialHistogram, EncodeHistogram, EncodeLabels, LabelEncoder, LabelValueRef,
    MetricDesc, MetricEncoder, MetricKind, Registry, RegistryEncoder,
};

use super::proto::{
    exponential_histogram_data_point::Buckets, metric::Data, number_data_point::Value,
    AggregationTemporality, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, KeyValue, Metric, NumberDataPoint, Sum,
};

/// Every family of `registry` with at least one series, its points stamped `time_unix_nano`
/// and counting from `start_time_unix_nano`.
pub(crate) fn snapshot(
    registry: &Registry,
    start_time_unix_nano: u64,
    time_unix_nano: u64,
) -> Vec<Metric> {
    let mut writer = MetricWriter {
        metrics: Vec::new(),
        instance: Vec::new(),
        start_time_unix_nano,
        time_unix_nano,
    };
    registry.encode(&mut writer);
    writer.metrics.retain(|m| points(m) > 0);
    writer.metrics
}

/// The number of data points of a metric.
pub(crate) fn points(metric: &Metric) -> usize {
    match &metric.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        None => 0,
    }
}

struct MetricWriter {
    metrics: Vec<Metric>,
    /// The current instance labels.
    instance: Vec<KeyValue>,
    start_time_unix_nano: u64,
    time_unix_nano: u64,
}

/// Collects a series' own labels as string attributes.
struct Attributes(Vec<KeyValue>);

impl LabelEncoder for Attributes {
    fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
        self.0
            .push(KeyValue::string(name, crate::push::label_text(value)));
    }
}

impl MetricWriter {
    fn attributes(&self, labels: &dyn EncodeLabels) -> Vec<KeyValue> {
        let mut attributes = Attributes(self.instance.clone());
        labels.encode(&mut attributes);
        attributes.0
    }

    fn number(&mut self, labels: &dyn EncodeLabels, value: Value) {
        let point = NumberDataPoint {
            attributes: self.attributes(labels),
            start_time_unix_nano: self.start_time_unix_nano,
            time_unix_nano: self.time_unix_nano,
            value: Some(value),
        };
        match self.metrics.last_mut().and_then(|m| m.data.as_mut()) {
            Some(Data::Sum(sum)) => sum.data_points.push(point),
            Some(Data::Gauge(gauge)) => gauge.data_points.push(point),
            // A series of another kind than its family: not produced by metrics-core.
            _ => {}
        }
    }
}

impl MetricEncoder for MetricWriter {
    fn counter(&mut self, labels: &dyn EncodeLabels, value: u64) {
        // A sum past `i64::MAX` wraps, as it does past `u64::MAX` (read as a reset).
        #[allow(clippy::cast_possible_wrap)]
        self.number(labels, Value::AsInt(value as i64));
    }

    fn gauge(&mut self, labels: &dyn EncodeLabels, value: i64) {
        self.number(labels, Value::AsInt(value));
    }

    fn float_gauge(&mut self, labels: &dyn EncodeLabels, value: f64) {
        self.number(labels, Value::AsDouble(value));
    }

    fn histogram(&mut self, labels: &dyn EncodeLabels, histogram: &dyn EncodeHistogram) {
        // Each bucket read once: `count` is their sum, consistent with them.
        let bucket_counts: Vec<u64> = (0..=histogram.bounds().len())
            .map(|index| histogram.bucket_count(index))
            .collect();
        let count = bucket_counts.iter().fold(0u64, |a, n| a.wrapping_add(*n));
        let point = HistogramDataPoint {
            attributes: self.attributes(labels),
            start_time_unix_nano: self.start_time_unix_nano,
            time_unix_nano: self.time_unix_nano,
            count,
            sum: Some(histogram.sum()),
            bucket_counts,
            explicit_bounds: histogram.bounds().to_vec(),
        };
        if let Some(Data::Histogram(h)) = self.metrics.last_mut().and_then(|m| m.data.as_mut()) {
            h.data_points.push(point);
        }
    }

    fn exponential_histogram(
        &mut self,
        labels: &dyn EncodeLabels,
        histogram: &dyn EncodeExponentialHistogram,
    ) {
        let reading = histogram.read();
        let point = ExponentialHistogramDataPoint {
            attributes: self.attributes(labels),
            start_time_unix_nano: self.start_time_unix_nano,
            time_unix_nano: self.time_unix_nano,
            count: reading.count,
            sum: Some(reading.sum),
            scale: reading.schema,
            zero_count: reading.zero_count,
            positive: Some(Buckets {
                offset: reading.positive_offset - 1,
                bucket_counts: reading.positive,
            }),
            negative: None,
            flags: 0,
            min: None,
            max: None,
            zero_threshold: reading.zero_threshold,
        };
        let Some(data) = self.metrics.last_mut().and_then(|m| m.data.as_mut()) else {
            return;
        };
        // The family was opened as a histogram: its series are exponential ones.
        if let Data::Histogram(h) = data {
            if h.data_points.is_empty() {
                *data = Data::ExponentialHistogram(ExponentialHistogram {
                    data_points: Vec::new(),
                    aggregation_temporality: h.aggregation_temporality,
                });
            }
        }
        if let Data::ExponentialHistogram(h) = data {
            h.data_points.push(point);
        }
    }
}

impl RegistryEncoder for MetricWriter {
    fn family(&mut self, desc: &MetricDesc) {
        let cumulative = AggregationTemporality::Cumulative as i32;
        let data = match desc.kind {
            MetricKind::Counter => Data::Sum(Sum {
                data_points: Vec::new(),
                aggregation_temporality: cumulative,
                is_monotonic: true,
            }),
            MetricKind::Gauge => Data::Gauge(Gauge {
                data_points: Vec::new(),
            }),
            MetricKind::Histogram => Data::Histogram(Histogram {
                data_points: Vec::new(),
                aggregation_temporality: cumulative,
            }),
        };
        self.metrics.push(Metric {
            name: desc.family_name().to_owned(),
            description: desc.help.to_owned(),
            unit: desc.unit.unwrap_or_default().to_owned(),
            data: Some(data),
        });
    }

    fn instance_labels(&mut self, labels: &[(String, String)]) {
        self.instance.clear();
        self.instance
            .extend(labels.iter().map(|(k, v)| KeyValue::string(k, v)));
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

    #[test]
    fn every_kind_with_attributes_and_per_bucket_counts() {
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
            #[metric(name = "app_time_seconds", help = "Time", unit = "seconds", buckets = [0.5, 1.0])]
            time: Histogram,
        }
        let set = Arc::new(Set::default());
        let registry = Registry::new();
        registry.register_with_labels(Arc::clone(&set), &[("zone", "b")]);
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
        let metrics = snapshot(&registry, 10, 20);
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "app_jobs",
                "app_routes",
                "app_depth",
                "app_load_ratio",
                "app_time_seconds",
                "metrics_series_overflow",
                "metrics_label_value_too_long"
            ]
        );
        let Some(Data::Sum(jobs)) = &metrics[0].data else {
            panic!("{:?}", metrics[0])
        };
        assert!(jobs.is_monotonic);
        assert_eq!(jobs.aggregation_temporality, 2);
        assert_eq!(jobs.data_points.len(), 6, "every fixed series, at zero");
        let manual = jobs
            .data_points
            .iter()
            .find(|p| p.value == Some(Value::AsInt(3)))
            .unwrap();
        let attrs: Vec<(&str, &str)> = manual
            .attributes
            .iter()
            .map(|kv| (kv.key.as_str(), kv.as_str().unwrap()))
            .collect();
        assert_eq!(
            attrs,
            [("zone", "b"), ("reason", "manual"), ("retried", "true")]
        );
        assert_eq!(
            (manual.start_time_unix_nano, manual.time_unix_nano),
            (10, 20)
        );
        let Some(Data::Gauge(load)) = &metrics[3].data else {
            panic!()
        };
        assert_eq!(load.data_points[0].value, Some(Value::AsDouble(0.25)));
        // Read off the name (no `unit = "..."`), as in `# UNIT`.
        assert_eq!(metrics[3].unit, "ratio");
        assert_eq!(metrics[2].unit, "");
        let Some(Data::Histogram(time)) = &metrics[4].data else {
            panic!()
        };
        assert_eq!(metrics[4].unit, "seconds");
        let p = &time.data_points[0];
        assert_eq!(p.bucket_counts, [1, 1, 1]);
        assert_eq!(p.explicit_bounds, [0.5, 1.0]);
        assert_eq!((p.count, p.sum), (3, Some(4.0)));
    }
}
