use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(buckets = linear(0.5, 8))]
    pub latency_seconds: Histogram,
}

fn main() {}
