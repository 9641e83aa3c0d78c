use metrics_core::{instrument_latency, Counter, MetricSet};

/// Metrics.
#[derive(MetricSet)]
pub struct Metrics {
    /// Resumes
    pub resumes_total: Counter,
}

#[instrument_latency(histogram = Metrics::global().resumes_total)]
pub fn resume() {}

fn main() {
    resume();
}
