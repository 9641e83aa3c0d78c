use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(buckets = [0.1, 1.0, f64::INFINITY])]
    pub latency_seconds: Histogram,
}

fn main() {}
