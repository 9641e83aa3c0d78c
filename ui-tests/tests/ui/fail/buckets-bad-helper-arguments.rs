use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(buckets = exponential(0.0, 2.0, 8))]
    pub latency_seconds: Histogram,
}

fn main() {}
