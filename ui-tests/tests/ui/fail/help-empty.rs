use metrics_core::{Gauge, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    #[metric(help = "  ")]
    pub queue_depth: Gauge,
}

fn main() {}
