//! A real Prometheus server with native histograms (`--enable-feature=native-histograms`, which
//! makes it ask for the protobuf format first) scrapes our endpoint on loopback: the protobuf
//! format was negotiated (the metadata API lists the counter under its full name, as only a
//! protobuf or 0.0.4 scrape gives, where OpenMetrics would give the family name), and the
//! counter, the gauges, the classic histogram and the native histogram queried back through its
//! HTTP API equal the values recorded.

use std::sync::Arc;

use metrics_core::{
    Counter, EncodeExponentialHistogram, EncodeHistogram, EncodeMetric, ExponentialReading, Family,
    FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricDesc, MetricEncoder, MetricKind,
    MetricSet, NoLabels, Registry, SetInfo,
};
use metrics_export::MetricsServer;
use tests::servers::{eventually, query};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
#[allow(dead_code)] // exported at zero, never recorded
enum Outcome {
    Done,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct OutcomeLabels {
    outcome: Outcome,
}

/// What Prometheus scrapes.
#[derive(MetricSet)]
#[metric_set(prefix = "e2e", global = false)]
struct Target {
    /// Jobs by outcome
    jobs_total: Family<OutcomeLabels, Counter>,
    /// Items in the queue
    queue_items: Gauge,
    /// Load
    load_ratio: FloatGauge,
    /// Job duration
    #[metric(buckets = [0.1, 1.0, 10.0])]
    job_duration_seconds: Histogram,
}

/// An exponential histogram of fixed content, at schema 0 (buckets `(0.5, 1]`, `(1, 2]`,
/// `(2, 4]`...): one observation in the zero bucket, two in `(0.5, 1]`, three in `(2, 4]`.
struct Fixed(ExponentialReading);

impl Fixed {
    fn new() -> Self {
        Fixed(ExponentialReading {
            schema: 0,
            zero_threshold: 2f64.powi(-128),
            zero_count: 1,
            positive_offset: 0,
            positive: vec![2, 0, 3],
            bounds: vec![1.0],
            classic: vec![3, 3],
            count: 6,
            sum: 12.0,
            dropped: 0,
        })
    }
}

impl EncodeHistogram for Fixed {
    fn bounds(&self) -> &[f64] {
        &self.0.bounds
    }
    fn bucket_count(&self, index: usize) -> u64 {
        self.0.classic[index]
    }
    fn sum(&self) -> f64 {
        self.0.sum
    }
}

impl EncodeExponentialHistogram for Fixed {
    fn classic(&self) -> &dyn EncodeHistogram {
        self
    }
    fn read(&self) -> ExponentialReading {
        self.0.clone()
    }
}

impl EncodeMetric for Fixed {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        encoder.exponential_histogram(&NoLabels, self);
    }
}

impl MetricSet for Fixed {
    const INFO: &'static SetInfo = &SetInfo {
        name: "Fixed",
        module: module_path!(),
        type_id: std::any::TypeId::of::<Self>,
        metrics: &[MetricDesc {
            name: "e2e_fixed_seconds",
            help: "A fixed native histogram",
            unit: None,
            kind: MetricKind::Histogram,
            label_names: &[],
            field: "fixed",
        }],
    };

    fn metric(&self, index: usize) -> Option<&dyn EncodeMetric> {
        (index == 0).then_some(self as &dyn EncodeMetric)
    }
}

#[test]
fn prometheus_with_native_histograms_reads_every_family_from_protobuf() {
    let target = Arc::new(Target::default());
    let registry = Arc::new(Registry::new());
    registry.register(Arc::clone(&target));
    registry.register(Arc::new(Fixed::new()));
    target
        .jobs_total
        .with(&OutcomeLabels {
            outcome: Outcome::Done,
        })
        .inc_by(42);
    target.queue_items.set(-7);
    target.load_ratio.set(0.25);
    for v in [0.05, 0.5, 5.0, 50.0] {
        target.job_duration_seconds.observe(v);
    }
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .start()
        .unwrap();
    let prometheus = tests::servers::prometheus_native_histograms(server.local_addr());

    let up = eventually("the target to be up", || {
        query(&prometheus, "up{job=\"e2e\"}").filter(|&up| up == 1.0)
    });
    assert_eq!(up, 1.0);
    let done = eventually("a scrape with the counter", || {
        query(&prometheus, "e2e_jobs_total{outcome=\"done\"}")
    });
    assert_eq!(done, 42.0);
    assert_eq!(
        query(&prometheus, "e2e_jobs_total{outcome=\"failed\"}"),
        Some(0.0)
    );
    assert_eq!(query(&prometheus, "e2e_queue_items"), Some(-7.0));
    assert_eq!(query(&prometheus, "e2e_load_ratio"), Some(0.25));

    // The classic histogram: its buckets, the `+Inf` one from the count.
    for (le, want) in [("0.1", 1.0), ("1.0", 2.0), ("10.0", 3.0), ("+Inf", 4.0)] {
        assert_eq!(
            query(
                &prometheus,
                &format!("e2e_job_duration_seconds_bucket{{le=\"{le}\"}}")
            ),
            Some(want),
            "le={le}"
        );
    }
    assert_eq!(
        query(&prometheus, "e2e_job_duration_seconds_count"),
        Some(4.0)
    );
    assert_eq!(
        query(&prometheus, "e2e_job_duration_seconds_sum"),
        Some(55.55)
    );

    // The native histogram, read as one: its count, its sum, and quantiles interpolated in its
    // buckets (rank 4.5 of 6 lies halfway through the three observations of `(2, 4]`).
    assert_eq!(
        query(&prometheus, "histogram_count(e2e_fixed_seconds)"),
        Some(6.0)
    );
    assert_eq!(
        query(&prometheus, "histogram_sum(e2e_fixed_seconds)"),
        Some(12.0)
    );
    assert_eq!(
        query(&prometheus, "histogram_quantile(0.75, e2e_fixed_seconds)"),
        Some(3.0)
    );

    // The metadata API lists the counter under its full name: not an OpenMetrics scrape.
    let metadata = eventually("metadata of the counter", || {
        let reply = tests::http::try_get(
            prometheus.addr(),
            "/api/v1/metadata?metric=e2e_jobs_total",
            None,
        )
        .ok()?;
        let body = reply.text();
        body.contains("\"type\":\"counter\"")
            .then(|| body.to_owned())
    });
    assert_eq!(
        metadata,
        r#"{"status":"success","data":{"e2e_jobs_total":[{"type":"counter","help":"Jobs by outcome","unit":""}]}}"#
    );
}
