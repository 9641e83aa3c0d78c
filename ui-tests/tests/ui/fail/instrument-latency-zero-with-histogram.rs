use metrics_core::{instrument_latency, Histogram, MetricSet};

/// Metrics.
#[derive(MetricSet)]
pub struct Metrics {
    /// Time to resume
    pub resume_duration_seconds: Histogram,
}

#[instrument_latency(histogram = Metrics::global().resume_duration_seconds, zero = [panic])]
pub fn resume() {}

fn main() {
    resume();
}
