//! `HistogramSnapshot::quantile` against PromQL's `histogram_quantile(q, x_bucket)`: a real
//! Prometheus scrapes our histograms, and at one instant (the raw cumulative buckets, no
//! `rate`) answers every quantile exactly as we do, edge cases included: ranks in `+Inf`, a first
//! bound of 0, an empty histogram, `q` outside `[0, 1]`, and the classic buckets of an
//! exponential histogram.

use std::sync::Arc;

use metrics_core::{ExponentialHistogram, Histogram, HistogramSnapshot, MetricSet, Registry};
use metrics_export::MetricsServer;

/// What Prometheus scrapes.
#[derive(MetricSet)]
#[metric_set(prefix = "q", global = false)]
struct Target {
    /// Latencies spread over the default buckets, some on a bound
    latency_seconds: Histogram,
    /// Every observation above the last bound
    #[metric(buckets = [0.1, 1.0])]
    overflow_seconds: Histogram,
    /// Nothing observed
    empty_seconds: Histogram,
    /// A first bound of 0, zeros observed
    #[metric(buckets = [0.0, 1.0, 2.0])]
    wait_seconds: Histogram,
    /// An exponential histogram: its classic buckets
    #[metric(buckets = exponential(0.001, 4.0, 6))]
    service_seconds: ExponentialHistogram,
}

/// Deterministic values from about 0.1 ms to 30 s, clustered near 50 ms.
fn latencies(n: usize) -> Vec<f64> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            // The sum of three uniforms: a bell from -1.5 to 1.5.
            let bell: f64 = (0..3)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
                })
                .sum();
            (-3.0 + 4.5 * bell).exp()
        })
        .collect()
}

const QUANTILES: [f64; 13] = [
    -0.5, 0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0, 1.5,
];

/// The same number, `NaN` included.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn histogram_quantile_of_a_real_prometheus_equals_ours() {
    let target = Arc::new(Target::default());
    let registry = Arc::new(Registry::new());
    registry.register(Arc::clone(&target));
    let values = latencies(1_000);
    for &v in &values {
        target.latency_seconds.observe(v);
        target.service_seconds.observe(v);
    }
    // On bounds: `le` is inclusive.
    for v in [0.005, 0.1, 0.1, 2.5] {
        target.latency_seconds.observe(v);
    }
    for v in [3.0, 7.0, 9.0] {
        target.overflow_seconds.observe(v);
    }
    for v in [0.0, 0.0, 0.0, 0.5, 1.5] {
        target.wait_seconds.observe(v);
    }
    let snapshots: [(&str, HistogramSnapshot); 5] = [
        ("q_latency_seconds", target.latency_seconds.snapshot()),
        ("q_overflow_seconds", target.overflow_seconds.snapshot()),
        ("q_empty_seconds", target.empty_seconds.snapshot()),
        ("q_wait_seconds", target.wait_seconds.snapshot()),
        (
            "q_service_seconds",
            target.service_seconds.snapshot().classic_snapshot(),
        ),
    ];

    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .start()
        .unwrap();
    let prometheus = tests::servers::prometheus(server.local_addr());
    tests::servers::eventually("a scrape with every observation", || {
        tests::servers::query(&prometheus, "q_latency_seconds_count").filter(|&n| n == 1_004.0)
    });

    let mut compared = 0;
    for (name, snapshot) in &snapshots {
        for q in QUANTILES {
            let promql = format!("histogram_quantile({q}, {name}_bucket)");
            let theirs = tests::servers::query(&prometheus, &promql)
                .unwrap_or_else(|| panic!("no answer to `{promql}`"));
            let ours = snapshot.quantile(q);
            assert!(
                same(ours, theirs),
                "`{promql}`: Prometheus {theirs}, ours {ours}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 65);

    // The edge rules, as both answered them.
    let [latency, overflow, empty, wait, _] = &snapshots;
    assert_eq!(latency.1.quantile(-0.5), f64::NEG_INFINITY);
    assert_eq!(latency.1.quantile(1.5), f64::INFINITY);
    assert_eq!(
        overflow.1.quantile(0.5),
        1.0,
        "a rank in +Inf: the highest finite bound"
    );
    assert!(empty.1.quantile(0.5).is_nan());
    assert_eq!(
        wait.1.quantile(0.5),
        0.0,
        "a rank in a first bucket of bound 0"
    );
    assert_eq!(wait.1.quantile(0.9), 1.5, "interpolated in (1, 2]");
}
