use metrics_core::{MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// The daemon's name
    pub daemon_name: String,
}

fn main() {}
