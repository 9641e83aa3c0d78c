use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    #[metric(max_series = 100)]
    pub requests_total: Counter,
}

fn main() {}
