use metrics_core::{ExponentialHistogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Request latency
    #[metric(max_buckets = 0)]
    pub request_seconds: ExponentialHistogram,
    /// Queue wait
    #[metric(max_buckets = 100000)]
    pub wait_seconds: ExponentialHistogram,
}

fn main() {}
