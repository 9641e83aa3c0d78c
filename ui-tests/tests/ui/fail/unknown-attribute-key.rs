use metrics_core::{Histogram, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    #[metric(bucket = [0.1, 0.5])]
    pub latency_seconds: Histogram,
}

fn main() {
    // No second error here: the derive still emits `global()` beside the error.
    Metrics::global().latency_seconds.observe(0.2);
}
