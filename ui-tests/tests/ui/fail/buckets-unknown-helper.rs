use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(buckets = exp(0.1, 2.0, 8))]
    pub latency_seconds: Histogram,
}

fn main() {}
