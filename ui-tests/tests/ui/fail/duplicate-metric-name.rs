use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    pub requests_total: Counter,
    /// Requests again
    #[metric(name = "requests_total")]
    pub more_requests: Counter,
}

fn main() {}
