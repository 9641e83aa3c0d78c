use metrics_core::{Counter, MetricSet};

type Requests = Counter;

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    pub requests: Requests,
}

fn main() {}
