//! Recording cost: counter, labeled counter (derived enum labels) and histogram, 1 thread.
//! The side-by-side comparison with peer crates comes with the performance work.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use metrics_core::{Counter, Family, Histogram, LabelSet, LabelValue, MetricSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
#[allow(dead_code)] // every variant is a series; the bench records one
enum Method {
    Get,
    Post,
    Put,
    Delete,
    Patch,
    Head,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[allow(dead_code)]
enum Class {
    Ok,
    ClientError,
    ServerError,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RequestLabels {
    method: Method,
    class: Class,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct PathLabels {
    path: &'static str,
}

/// Bench metrics.
#[derive(MetricSet)]
#[metric_set(prefix = "bench", global = false)]
struct BenchMetrics {
    /// Requests.
    requests_total: Counter,
    /// Requests by method and class (18 series).
    labeled_requests_total: Family<RequestLabels, Counter>,
    /// Requests by path.
    path_requests_total: Family<PathLabels, Counter>,
    /// Latency, 12 buckets.
    #[metric(buckets = exponential(0.0005, 2.0, 12))]
    latency_seconds: Histogram,
}

fn record(c: &mut Criterion) {
    let m = BenchMetrics::default();
    let mut g = c.benchmark_group("record_1_thread");
    // The floor every counter pays: one shared atomic add.
    let baseline = std::sync::atomic::AtomicU64::new(0);
    g.bench_function("baseline_atomic_fetch_add", |b| {
        b.iter(|| black_box(&baseline).fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    });
    g.bench_function("counter_inc", |b| {
        b.iter(|| black_box(&m.requests_total).inc())
    });
    let labels = RequestLabels {
        method: Method::Post,
        class: Class::ServerError,
    };
    g.bench_function("family_enum_labels_inc", |b| {
        b.iter(|| m.labeled_requests_total.with(black_box(&labels)).inc());
    });
    let path = PathLabels {
        path: "/api/v1/metrics",
    };
    g.bench_function("family_static_str_inc", |b| {
        b.iter(|| m.path_requests_total.with(black_box(&path)).inc());
    });
    g.bench_function("histogram_observe_12_buckets", |b| {
        b.iter(|| m.latency_seconds.observe(black_box(0.0042)));
    });
    g.finish();
}

criterion_group!(benches, record);
criterion_main!(benches);
