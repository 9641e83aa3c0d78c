use metrics_core::{Counter, Family, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    pub requests_total: Family<String, Counter>,
}

fn main() {}
