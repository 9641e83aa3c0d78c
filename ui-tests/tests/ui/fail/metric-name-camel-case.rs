use metrics_core::{Gauge, MetricSet};

#[derive(MetricSet)]
#[allow(non_snake_case)]
pub struct Metrics {
    /// Queue depth
    pub queueDepth: Gauge,
}

fn main() {}
