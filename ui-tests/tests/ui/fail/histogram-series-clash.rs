use metrics_core::{Gauge, Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    pub latency_seconds: Histogram,
    /// A gauge whose name is one of the histogram's series
    pub latency_seconds_count: Gauge,
}

fn main() {}
