use metrics_core::{Counter, MetricSet};

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    #[metric(name = "5xx_responses_total")]
    pub responses: Counter,
}

fn main() {}
