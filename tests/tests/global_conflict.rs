//! Two sets in different crates that declare the same metric: `check()` names both
//! declarations, and the global registry refuses to start. Its own binary.

use metrics_core::{Counter, Histogram, MetricSet, Registry};

/// Clashes with `tests::SharedMetrics::jobs_total`, declared in the library crate.
#[derive(MetricSet)]
#[metric_set(prefix = "shared")]
pub struct DuplicateJobs {
    /// Jobs, declared a second time
    pub jobs_total: Counter,
}

/// A histogram whose `_count` series clashes with a counter family.
#[derive(MetricSet)]
pub struct HistogramClash {
    /// Request latency
    pub request_seconds: Histogram,
}

/// Its counter family `request_seconds_count` is a sample name of the histogram above.
#[derive(MetricSet)]
pub struct CounterClash {
    /// Requests
    #[metric(name = "request_seconds_count_total")]
    pub requests: Counter,
}

#[test]
fn check_names_both_declarations() {
    let _keep_linked = tests::SharedMetrics::global();
    let err = metrics_core::check().unwrap_err();
    assert_eq!(
        err.to_string(),
        "\
the metric sets linked into this program clash (2 conflicts):
  - metrics `request_seconds_count_total` (field `requests` of `global_conflict::CounterClash`) and `request_seconds` (field `request_seconds` of `global_conflict::HistogramClash`) clash: both expose the name `request_seconds_count`
  - metric `shared_jobs_total` is declared twice: by `shared_jobs_total` (field `jobs_total` of `global_conflict::DuplicateJobs`) and by `shared_jobs_total` (field `jobs_total` of `tests::SharedMetrics`)"
    );
    let _ = DuplicateJobs::global();
}

#[test]
fn global_registry_panics_at_first_use() {
    let _keep_linked = tests::SharedMetrics::global();
    let panic = std::panic::catch_unwind(Registry::global).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("the metric sets linked into this program clash"),
        "{message}"
    );
    assert!(message.contains("tests::SharedMetrics"), "{message}");
}

#[test]
fn the_server_refuses_a_clashing_global_registry_with_an_error() {
    let _keep_linked = tests::SharedMetrics::global();
    let err = metrics_export::MetricsServer::builder()
        .bind("127.0.0.1:0")
        .start()
        .unwrap_err();
    assert!(
        matches!(err, metrics_export::ServerError::Registry(_)),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(
            "cannot serve the global registry: the metric sets linked into this program clash (2 conflicts):"
        ),
        "{err}"
    );
}
