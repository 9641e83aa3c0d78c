use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
#[metric_set(prefix = "palingenesis")]
pub struct Metrics {
    /// Total number of resume operations attempted
    pub resumes: Counter,
}

fn main() {}
