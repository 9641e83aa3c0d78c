use metrics_core::{instrument_latency, Histogram, MetricSet};

/// Metrics.
#[derive(MetricSet)]
pub struct Metrics {
    /// Resume latency
    pub resume_duration_seconds: Histogram,
}

#[instrument_latency(histgram = Metrics::global().resume_duration_seconds)]
pub fn resume() {}

fn main() {
    resume();
}
