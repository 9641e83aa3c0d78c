//! A client that sends long label values (a route, a user agent) cannot grow a family's memory
//! or its scrape with their length: a value longer than `max_label_value_len` (1,024 bytes by
//! default) makes no series, its record goes to the overflow series and is counted in
//! `metrics_label_value_too_long_total{metric="..."}`. The heap a family keeps stays within the
//! bound its docs state (`Family`, "Memory"). Scaled down from 10,000 series of 8 KiB values
//! (166 MB, and 82 MB per scrape) to 2,000.
//!
//! Its own binary: it counts the heap with a counting global allocator.

use std::sync::{Arc, Mutex};

use metrics_core::{Counter, Family, LabelSet, MetricSet};
use tests::alloc::heap_of;

#[global_allocator]
static GLOBAL: tests::alloc::Counting = tests::alloc::Counting;

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Route {
    route: String,
}

/// Requests of a hostile client.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Hostile {
    /// Requests by route
    requests_total: Family<Route, Counter>,
}

/// Held by each test: the heap counts are of the whole process.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Distinct values sent.
const SERIES: usize = 2_000;
/// The default longest value, in bytes.
const MAX: usize = 1_024;

/// The bound of `Family`'s docs on the heap of `series` counter series of one label named
/// `route`: `K = n(V + 9)` bytes of values and `T = N + 4n + 2nV` bytes of text per series,
/// `B` = 192 bytes for a counter, and 100 bytes for the rest of the key, the map entry and the
/// shared pointer.
fn heap_bound(series: usize) -> usize {
    let values = MAX + 9;
    let text = "route".len() + 4 + 2 * MAX;
    series * (values + text + 192 + 100)
}

/// The bound on the scrape: the text, the name and the value per series, plus the metadata.
fn scrape_bound(series: usize) -> usize {
    let text = "route".len() + 4 + 2 * MAX;
    series * (text + "requests_total{} 18446744073709551615\n".len()) + 2_000
}

#[test]
fn values_past_the_limit_make_no_series() {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let m = Arc::new(Hostile::default());
    // 8 KiB values, each new: without a limit, 2,000 series of 16 KiB and more each.
    let ((), heap) = heap_of(|| {
        for i in 0..SERIES {
            let route = format!("/{i:x<8191}");
            m.requests_total.with(&Route { route }).inc();
        }
    });
    let text = metrics_export::encode_text(&tests::registry_of(&m));
    eprintln!(
        "heap kept: {heap} bytes (bound {}); scrape: {} bytes (bound {})",
        heap_bound(SERIES),
        text.len(),
        scrape_bound(SERIES)
    );
    assert!(heap <= heap_bound(SERIES), "the family keeps {heap} bytes");
    assert!(
        text.len() <= scrape_bound(SERIES),
        "the scrape is {} bytes",
        text.len()
    );
    assert_eq!(
        text,
        "\
# HELP requests_total Requests by route
# TYPE requests_total counter
requests_total{route=\"overflow\"} 2000
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric=\"requests_total\"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric=\"requests_total\"} 2000
"
    );
    assert_eq!(m.requests_total.len(), 1);
}

#[test]
fn values_up_to_the_limit_stay_within_the_documented_bound() {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let m = Arc::new(Hostile::default());
    // The longest values allowed, each byte escaped in the exposition: the worst case of the
    // bound. One byte more and the value would be too long.
    let ((), heap) = heap_of(|| {
        for i in 0..SERIES {
            let route = format!("{i:\"<MAX$}");
            assert_eq!(route.len(), MAX);
            m.requests_total.with(&Route { route }).inc();
        }
    });
    let text = metrics_export::encode_text(&tests::registry_of(&m));
    eprintln!(
        "heap kept: {heap} bytes (bound {}); scrape: {} bytes (bound {})",
        heap_bound(SERIES),
        text.len(),
        scrape_bound(SERIES)
    );
    assert_eq!(m.requests_total.len(), SERIES);
    assert!(heap <= heap_bound(SERIES), "the family keeps {heap} bytes");
    assert!(
        text.len() <= scrape_bound(SERIES),
        "the scrape is {} bytes",
        text.len()
    );
    let too_long = format!("{:\"<1025}", 0);
    m.requests_total.with(&Route { route: too_long }).inc();
    assert_eq!(m.requests_total.len(), SERIES + 1);
    assert!(metrics_export::encode_text(&tests::registry_of(&m))
        .ends_with("metrics_label_value_too_long_total{metric=\"requests_total\"} 1\n"));
}
