use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Wait time
    pub wait_seconds_total: Histogram,
}

fn main() {}
