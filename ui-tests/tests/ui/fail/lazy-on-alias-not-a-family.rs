use metrics_core::{Counter, MetricSet};

type Requests = Counter;

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    #[metric(lazy)]
    pub requests_total: Requests,
}

fn main() {}
