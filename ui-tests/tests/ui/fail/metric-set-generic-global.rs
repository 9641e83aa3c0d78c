use metrics_core::{MetricSet};

#[derive(MetricSet)]
pub struct Metrics<M: metrics_core::Metric> {
    /// Generic
    pub value: M,
}

fn main() {}
