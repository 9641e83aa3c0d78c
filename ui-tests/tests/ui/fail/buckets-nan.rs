use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(buckets = [0.1, f64::NAN])]
    pub latency_seconds: Histogram,
}

fn main() {}
