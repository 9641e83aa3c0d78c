use metrics_core::{Gauge, MetricSet};

type Depth = Gauge;

#[derive(MetricSet)]
pub struct Metrics {
    /// Queue depth
    #[metric(buckets = [1.0, 2.0])]
    pub queue_depth: Depth,
}

fn main() {}
