use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Time taken to resume a session
    #[metric(unit = "seconds")]
    pub resume_duration: Histogram,
}

fn main() {}
