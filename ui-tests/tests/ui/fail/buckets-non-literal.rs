use metrics_core::{Histogram, MetricSet};

const LIMIT: f64 = 2.0;

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(buckets = [0.1, LIMIT])]
    pub latency_seconds: Histogram,
}

fn main() {}
