use metrics_core::{FloatGauge, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Recording-rule style name
    #[metric(name = "job:requests:rate5m")]
    pub rate: FloatGauge,
}

fn main() {}
