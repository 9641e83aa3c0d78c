use metrics_core::{Gauge, MetricSet};

#[derive(MetricSet)]
#[metric_set(prefix = "palingenesis")]
pub struct Metrics {
    /// Total steps in the current session
    pub current_session_steps_total: Gauge,
}

fn main() {}
