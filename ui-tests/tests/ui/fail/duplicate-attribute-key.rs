use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    #[metric(name = "a_total", name = "b_total")]
    pub requests_total: Counter,
}

fn main() {}
