use metrics_core::{ExponentialHistogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Request latency
    #[metric(schema = 9)]
    pub request_seconds: ExponentialHistogram,
    /// Queue wait
    #[metric(schema = -5)]
    pub wait_seconds: ExponentialHistogram,
}

fn main() {}
