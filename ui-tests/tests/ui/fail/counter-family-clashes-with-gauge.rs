use metrics_core::{Counter, Gauge, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Jobs done
    pub jobs_total: Counter,
    /// Jobs in progress: exposed as the counter's family name
    pub jobs: Gauge,
}

fn main() {}
