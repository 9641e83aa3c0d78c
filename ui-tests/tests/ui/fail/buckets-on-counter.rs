use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    #[metric(buckets = [0.1, 0.5])]
    pub requests_total: Counter,
}

fn main() {}
