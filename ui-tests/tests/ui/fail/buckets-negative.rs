use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Temperature change
    #[metric(buckets = [-1.0, 0.0, 1.0])]
    pub change_celsius: Histogram,
}

fn main() {}
