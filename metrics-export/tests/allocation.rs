//! A scrape allocates nothing per series: with the output `String` already large enough, the
//! number of allocations does not grow with the number of series (this file is its own test
//! binary, since it installs a counting global allocator).

use std::sync::Arc;

use metrics_core::{
    Counter, ExponentialHistogram, Family, FloatGauge, Histogram, LabelSet, MetricSet, Registry,
};
use tests::alloc::{allocations_during, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(MetricSet)]
#[metric_set(prefix = "served", global = false)]
struct Served {
    /// Requests by route
    #[metric(max_series = 100_000)]
    requests_total: Family<RouteLabels, Counter>,
    /// Latency by route
    request_duration_seconds: Family<RouteLabels, Histogram>,
    /// Service time by route, exponential buckets (its classic ones are written)
    service_seconds: Family<RouteLabels, ExponentialHistogram>,
    /// Load
    load_ratio: FloatGauge,
}

/// Allocations of one scrape of each format over `series` routes, with and without instance
/// labels, into a `String` with room to spare.
fn scrape_allocations(series: usize) -> [u64; 4] {
    let routes: &'static [String] =
        Vec::leak((0..series).map(|i| format!("/route/{i}\n\"")).collect());
    let plain = Registry::new();
    let labeled = Registry::new();
    let served = Arc::new(Served::default());
    plain.register(Arc::clone(&served));
    labeled.register_with_labels(Arc::clone(&served), &[("backend", "cuda \"0\"")]);
    for route in routes {
        served.requests_total.with(&RouteLabels { route }).inc();
        served
            .request_duration_seconds
            .with(&RouteLabels { route })
            .observe(0.3);
        served
            .service_seconds
            .with(&RouteLabels { route })
            .observe(0.3);
    }
    served.load_ratio.set(0.75);
    // Four scrapes of about 3 KB per route each.
    let mut out = String::with_capacity(series * 16_000 + 10_000);
    [
        allocations_during(|| metrics_export::write_text(&plain, &mut out)),
        allocations_during(|| metrics_export::write_openmetrics(&plain, &mut out)),
        allocations_during(|| metrics_export::write_text(&labeled, &mut out)),
        allocations_during(|| metrics_export::write_openmetrics(&labeled, &mut out)),
    ]
}

#[test]
fn allocations_do_not_grow_with_the_number_of_series() {
    // Without instance labels nothing is allocated; with them, one buffer per scrape holds
    // their escaped text.
    assert_eq!(scrape_allocations(10), [0, 0, 1, 1]);
    assert_eq!(scrape_allocations(1_000), [0, 0, 1, 1]);
}
