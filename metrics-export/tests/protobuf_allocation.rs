//! A protobuf scrape allocates nothing per series: with the output buffer already large enough,
//! the number of allocations does not grow with the number of series (this file is its own test
//! binary, since it installs a counting global allocator).
#![cfg(feature = "protobuf")]

use std::sync::Arc;

use metrics_core::{Counter, Family, FloatGauge, Histogram, LabelSet, MetricSet, Registry};
use tests::alloc::{allocations_during, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: &'static str,
    status: u16,
}

#[derive(MetricSet)]
#[metric_set(prefix = "served", global = false)]
struct Served {
    /// Requests by route
    #[metric(max_series = 100_000)]
    requests_total: Family<RouteLabels, Counter>,
    /// Latency by route
    #[metric(max_series = 100_000)]
    request_duration_seconds: Family<RouteLabels, Histogram>,
    /// Load
    load_ratio: FloatGauge,
}

/// Allocations of one protobuf scrape over `series` routes, without and with instance labels,
/// into a buffer with room to spare.
fn scrape_allocations(series: usize) -> [u64; 2] {
    let routes: &'static [String] =
        Vec::leak((0..series).map(|i| format!("/route/{i:05}\n\"")).collect());
    let plain = Registry::new();
    let labeled = Registry::new();
    let served = Arc::new(Served::default());
    plain.register(Arc::clone(&served));
    labeled.register_with_labels(Arc::clone(&served), &[("backend", "cuda \"0\"")]);
    for route in routes {
        let labels = RouteLabels { route, status: 200 };
        served.requests_total.with(&labels).inc();
        served.request_duration_seconds.with(&labels).observe(0.3);
    }
    served.load_ratio.set(0.75);
    // Two scrapes of about 400 bytes per route each.
    let mut out = Vec::with_capacity(series * 2_000 + 10_000);
    [
        allocations_during(|| metrics_export::write_protobuf(&plain, &mut out)),
        allocations_during(|| metrics_export::write_protobuf(&labeled, &mut out)),
    ]
}

#[test]
fn allocations_do_not_grow_with_the_number_of_series() {
    // The two buffers a series is assembled in, and with instance labels the buffer of their
    // encoded form.
    assert_eq!(scrape_allocations(10), [2, 3]);
    assert_eq!(scrape_allocations(10_000), [2, 3]);
}
