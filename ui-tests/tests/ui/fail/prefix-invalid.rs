use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
#[metric_set(prefix = "1app")]
pub struct Metrics {
    /// Requests
    pub requests_total: Counter,
}

fn main() {}
