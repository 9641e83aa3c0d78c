//! A set declaring `function_duration_seconds` in a program with an instrumented function
//! clashes with the family of `#[instrument_latency]`: `check()` names both. Its own binary.

use metrics_core::{instrument_latency, Histogram, MetricSet};

/// Declares the name `#[instrument_latency]` records into.
#[derive(MetricSet)]
pub struct Timings {
    /// Function latency, by hand
    pub function_duration_seconds: Histogram,
}

#[instrument_latency]
fn work() {}

#[test]
fn check_names_the_instrumented_family() {
    work();
    let err = metrics_core::check().unwrap_err();
    assert_eq!(
        err.to_string(),
        "\
the metric sets linked into this program clash (1 conflict):
  - metric `function_duration_seconds` is declared twice: by `function_duration_seconds` (field `function_duration_seconds` of `instrument_latency_conflict::Timings`) and by `function_duration_seconds` (field `function_duration_seconds` of `metrics_core::FunctionMetrics`)"
    );
    let _ = Timings::global();
}
