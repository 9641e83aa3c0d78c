use metrics_core::{Gauge, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Free slots in the bucket
    pub storage_bucket: Gauge,
}

fn main() {}
