use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub enum Metrics {
    Requests(Counter),
}

fn main() {}
