use metrics_core::{Counter, Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Request latency
    #[metric(schema = 3)]
    pub request_seconds: Histogram,
    /// Requests
    #[metric(max_buckets = 100)]
    pub requests_total: Counter,
}

fn main() {}
