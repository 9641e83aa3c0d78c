use metrics_core::{Histogram, MetricSet};

type Latency = Histogram;

#[derive(MetricSet)]
pub struct Metrics {
    /// Request latency
    #[metric(schema = 3)]
    pub request_seconds: Latency,
}

fn main() {}
