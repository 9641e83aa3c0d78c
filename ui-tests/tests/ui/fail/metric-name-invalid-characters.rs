use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    #[metric(name = "http-requests_total")]
    pub requests: Counter,
}

fn main() {}
