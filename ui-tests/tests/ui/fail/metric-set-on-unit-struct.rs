use metrics_core::MetricSet;

#[derive(MetricSet)]
pub struct Metrics;

fn main() {}
