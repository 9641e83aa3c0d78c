//! A scrape allocates nothing per series: with the output `String` already large enough, the
//! number of allocations does not grow with the number of series (this file is its own test
//! binary, since it installs a counting global allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use metrics_core::{Counter, Family, FloatGauge, Histogram, MetricOptions, Registry};

#[allow(dead_code)]
#[path = "../src/fixtures.rs"]
mod fixtures;

use fixtures::{metric_set, RouteLabels};

thread_local! {
    /// Allocations made by this thread (tests run on parallel threads).
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting allocations per thread.
struct Counting;

// SAFETY: every call is forwarded unchanged to `System`, which upholds the `GlobalAlloc`
// contract; the counter is a const-initialized thread-local `Cell` without destructor, which
// does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's guarantees for `alloc` are passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's guarantees for `realloc` are passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

metric_set! {
    struct Served {
        requests: Family<RouteLabels, Counter> = Family::with_options(MetricOptions {
            buckets: None,
            max_series: Some(100_000),
        }) => ("served_requests_total", "Requests by route"),
        latency: Family<RouteLabels, Histogram> = Family::new()
            => ("served_request_duration_seconds", "Latency by route"),
        load: FloatGauge = FloatGauge::new() => ("served_load_ratio", "Load"),
    }
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
        served.requests.with(&RouteLabels { route }).inc();
        served.latency.with(&RouteLabels { route }).observe(0.3);
    }
    served.load.set(0.75);
    // Four scrapes of about 1.5 KB per route each.
    let mut out = String::with_capacity(series * 8_000 + 10_000);
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
