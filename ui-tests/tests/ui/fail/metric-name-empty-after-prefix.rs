use metrics_core::{Gauge, MetricSet};

#[derive(MetricSet)]
#[metric_set(prefix = "app")]
pub struct Metrics {
    /// Nothing after the prefix
    #[metric(name = "")]
    pub value: Gauge,
}

fn main() {}
