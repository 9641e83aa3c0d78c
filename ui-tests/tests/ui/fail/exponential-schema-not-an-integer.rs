use metrics_core::{ExponentialHistogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Request latency
    #[metric(schema = 2.5)]
    pub request_seconds: ExponentialHistogram,
}

fn main() {}
