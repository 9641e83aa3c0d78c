use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(buckets = [])]
    pub latency_seconds: Histogram,
}

fn main() {}
