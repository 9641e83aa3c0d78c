use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics(pub Counter);

fn main() {}
