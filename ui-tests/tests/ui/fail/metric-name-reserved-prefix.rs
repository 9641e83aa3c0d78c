use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Internal
    #[metric(name = "__internal_total")]
    pub internal: Counter,
}

fn main() {}
