use metrics_core::{Counter, Gauge, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests served
    pub requests_total: Counter,
    /// A gauge named like the counter's `_created` sample
    pub requests_created: Gauge,
}

fn main() {}
