use metrics_core::{Gauge, Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Request latency
    pub request_duration_seconds: Histogram,
    /// A gauge named like the histogram's `_sum` sample
    pub request_duration_seconds_sum: Gauge,
}

fn main() {}
