use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(bucket = [0.1, 0.5])]
    pub latency_seconds: Histogram,
}

fn main() {}
