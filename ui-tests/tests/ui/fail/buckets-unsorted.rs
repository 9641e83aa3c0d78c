use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(buckets = [0.1, 0.5, 0.25, 1.0])]
    pub latency_seconds: Histogram,
}

fn main() {}
