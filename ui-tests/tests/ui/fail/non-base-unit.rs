use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Request latency
    pub request_latency_milliseconds: Histogram,
}

fn main() {}
