//! `#[metric_set(crate = path)]` reaches the runtime through a re-export.

mod telemetry {
    pub use metrics_core as runtime;
}

use telemetry::runtime::{Counter, MetricSet};

/// Through a re-export.
#[derive(MetricSet)]
#[metric_set(crate = telemetry::runtime)]
struct Metrics {
    /// Jobs
    jobs_total: Counter,
}

fn main() {
    Metrics::global().jobs_total.inc();
}
