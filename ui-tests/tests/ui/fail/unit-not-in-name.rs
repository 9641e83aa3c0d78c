use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Bytes sent
    #[metric(unit = "bytes")]
    pub sent_total: Counter,
}

fn main() {}
