use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    #[metric(lazy)]
    pub requests_total: Counter,
}

fn main() {}
