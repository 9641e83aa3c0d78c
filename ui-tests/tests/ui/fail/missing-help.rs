use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    pub requests_total: Counter,
}

fn main() {}
